/* SPDX-License-Identifier: MIT */
#include <getopt.h>

#include "cli/cli.h"
#include "shared/log.h"

#define MAX_FLAGS 4

int cli_parse(int argc, char *argv[], const char *usage, const CliFlag *flags, size_t n_args,
              const char **args, int error_status) {
        struct option options[MAX_FLAGS + 2] = {};
        size_t n_flags = 0;
        int c;

        assert(argc >= 1);
        assert(usage);

        options[n_flags++] = (struct option) { "help", no_argument, NULL, 'h' };
        for (const CliFlag *f = flags; f && f->name; f++) {
                assert(n_flags < MAX_FLAGS + 1);
                options[n_flags] = (struct option) { f->name, no_argument, NULL, 0x100 + (int) n_flags };
                n_flags++;
        }

        /* Reset getopt's state: commands parse a sub-vector of argv. */
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                if (c == 'h') {
                        printf("Usage: ray-usage-stats %s\n", usage);
                        return 0;
                }
                if (c >= 0x100) {
                        *flags[c - 0x100 - 1].value = true;
                        continue;
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
