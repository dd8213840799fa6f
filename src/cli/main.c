/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli/cli.h"
#include "shared/log.h"

static const Command commands[] = {
};

static void help(FILE *f) {
        fprintf(f,
                "Usage: ray-usage-stats [--help] [--version] COMMAND [ARGS...]\n\n"
                "Ray usage-stats collection as a system service.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %-22s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char *argv[]) {
        log_parse_environment();

        if (argc < 2) {
                help(stderr);
                return EXIT_LOCAL_FAILURE;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                help(stdout);
                return 0;
        }
        if (streq(argv[1], "--version")) {
                printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(argv[1], commands[i].name))
                        return commands[i].run(argc - 1, argv + 1);

        log_error("Unknown command '%s'. Run 'ray-usage-stats --help' for the list of commands.", argv[1]);
        return EXIT_LOCAL_FAILURE;
}
