/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/context.h"

int cmd_check(int argc, char *argv[]) {
        _cleanup_(context_done) Context c = CONTEXT_NULL;
        int r;

        r = cli_parse(argc, argv,
                      "check\n\n"
                      "Decide whether usage stats would be collected now, and say why.\n"
                      "Exit status: 0 collect, 1 disabled, 2 no Ray head session, 255 invalid setting.",
                      NULL, 0, NULL);
        if (r <= 0)
                return r;

        r = context_load(&c);
        if (r < 0)
                return r;

        return context_verdict(&c, "check");
}
