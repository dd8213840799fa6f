/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "shared/log.h"

int main(int argc, char *argv[]) {
        log_parse_environment();
        return cli_run(argc, argv);
}
