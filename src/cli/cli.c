/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "cli/cli.h"
#include "journal/journal.h"
#include "shared/log.h"

#define MAX_FLAGS 12

const char *cli_quote(const char *arg, CliQuoted *buf) {
        size_t n = 0;

        assert(arg);
        assert(buf);

        buf->s[n++] = '\'';
        for (size_t i = 0; arg[i]; i++) {
                unsigned char c = (unsigned char) arg[i];

                if (i == CLI_QUOTE_MAX) {
                        memcpy(buf->s + n, "...", 3);
                        n += 3;
                        break;
                }
                if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'')
                        n += (size_t) snprintf(buf->s + n, 5, "\\x%02x", c);
                else
                        buf->s[n++] = (char) c;
        }
        buf->s[n++] = '\'';
        buf->s[n] = 0;
        return buf->s;
}

/* The name that usage's first line ("record-library NAME") gives positional
 * argument i, so that a missing one is named. */
static int usage_arg_name(const char *usage, size_t i, const char **ret) {
        const char *p = usage + strcspn(usage, " \n");

        while (*p == ' ') {
                size_t len = strcspn(++p, " \n");

                if (*p != '[' && i-- == 0) {
                        *ret = p;
                        return (int) len;
                }
                p += len;
        }
        *ret = "";
        return 0;
}

int cli_parse(int argc, char *argv[], const char *usage, const CliFlag *flags, size_t n_args,
              const char **args) {
        struct option options[MAX_FLAGS + 2] = {};
        char optstring[2 * MAX_FLAGS + 4] = "+:h";
        size_t n_flags = 0, n_opt = 3, given;
        const char *name;
        int c, len;

        assert(argc >= 1);
        assert(usage);

        options[n_flags++] = (struct option) { "help", no_argument, NULL, 'h' };
        for (const CliFlag *f = flags; f && f->name; f++) {
                assert(n_flags < MAX_FLAGS + 1);
                assert(!f->value != !f->arg);
                options[n_flags] = (struct option) { f->name, f->arg ? required_argument : no_argument, NULL,
                                                     0x100 + (int) n_flags };
                n_flags++;
                if (f->short_name) {
                        optstring[n_opt++] = f->short_name;
                        if (f->arg)
                                optstring[n_opt++] = ':';
                }
        }

        /* Reset getopt's state: commands parse a sub-vector of argv. */
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, optstring, options, NULL)) >= 0) {
                const char *bad = argv[optind - 1];

                if (c == 'h') {
                        printf("Usage: ray-usage-stats %s\n", usage);
                        return 0;
                }
                for (size_t i = 0; c > 0 && c < 0x100 && i + 1 < n_flags; i++)
                        if (flags[i].short_name == c)
                                c = 0x100 + (int) i + 1;
                if (c >= 0x100) {
                        const CliFlag *f = &flags[c - 0x100 - 1];

                        if (f->arg)
                                *f->arg = optarg;
                        else
                                *f->value = true;
                        continue;
                }
                if (c == ':') {
                        log_error("%s: option %s needs a value. Run 'ray-usage-stats %s --help' for usage.",
                                  argv[0], cli_quote(bad, &(CliQuoted) {}), argv[0]);
                        return -EINVAL;
                }
                /* getopt_long() gives an option's number for a known one given a value. */
                if (optopt >= 0x100 || optopt == 'h')
                        log_error("%s: option '--%s' takes no value: %s. Run 'ray-usage-stats %s --help' for usage.",
                                  argv[0], options[optopt == 'h' ? 0 : optopt - 0x100].name,
                                  cli_quote(bad, &(CliQuoted) {}), argv[0]);
                else
                        log_error("%s: unknown option %s. Run 'ray-usage-stats %s --help' for usage.",
                                  argv[0], cli_quote(bad, &(CliQuoted) {}), argv[0]);
                return -EINVAL;
        }

        given = (size_t) (argc - optind);
        if (given > n_args) {
                log_error("%s: unexpected argument %s. Run 'ray-usage-stats %s --help' for usage.",
                          argv[0], cli_quote(argv[optind + (int) n_args], &(CliQuoted) {}), argv[0]);
                return -EINVAL;
        }
        if (given < n_args) {
                len = usage_arg_name(usage, given, &name);
                log_error("%s: missing argument %.*s. Run 'ray-usage-stats %s --help' for usage.",
                          argv[0], len, name, argv[0]);
                return -EINVAL;
        }
        for (size_t i = 0; i < n_args; i++)
                args[i] = argv[optind + (int) i];
        return 1;
}

int cli_flush(void) {
        if (fflush(stdout) != 0)
                return log_error_errno(negative_errno(), "Failed to write to standard output: %m");
        return 0;
}

int cli_exit_status(const char *command, int r) {
        assert(command);

        if (r >= 0)
                return r;
        if (!log_last_error())
                (void) log_error_errno(r, "%s failed: %m", command);
        (void) journal_line(LOG_ERR, log_last_error());
        return EXIT_LOCAL_FAILURE;
}
