/* SPDX-License-Identifier: MIT */
#include <getopt.h>

#include "cli/cli.h"
#include "shared/log.h"

#define MAX_FLAGS 12

int cli_parse(int argc, char *argv[], const char *usage, const CliFlag *flags, size_t n_args,
              const char **args, int error_status) {
        struct option options[MAX_FLAGS + 2] = {};
        char optstring[2 * MAX_FLAGS + 4] = "+:h";
        size_t n_flags = 0, n_opt = 3;
        int c;

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
                        log_error("%s: option '%s' needs a value. Run 'ray-usage-stats %s --help' for usage.",
                                  argv[0], argv[optind - 1], argv[0]);
                        return error_status;
                }
                log_error("%s: unknown option '%s'. Run 'ray-usage-stats %s --help' for usage.",
                          argv[0], argv[optind - 1], argv[0]);
                return error_status;
        }

        if ((size_t) (argc - optind) != n_args) {
                log_error("%s: expected %zu argument%s, got %d. Run 'ray-usage-stats %s --help' for usage.",
                          argv[0], n_args, n_args == 1 ? "" : "s", argc - optind, argv[0]);
                return error_status;
        }
        for (size_t i = 0; i < n_args; i++)
                args[i] = argv[optind + (int) i];
        return CLI_CONTINUE;
}
