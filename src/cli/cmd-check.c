/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/context.h"
#include "cli/unit-settings.h"
#include "shared/log.h"

int cmd_check(int argc, char *argv[]) {
        _cleanup_(unit_settings_done) UnitSettings settings = {};
        _cleanup_(head_scan_done) HeadScan heads = {};
        int r, status = EXIT_NO_SESSION;

        r = cli_parse(argc, argv,
                      "check\n\n"
                      "Decide whether usage stats would be collected now, and say why, for each live Ray head.\n"
                      "Run by a person, it decides under the service's settings (its unit's Environment= and\n"
                      "EnvironmentFile=, drop-ins included, read from systemd).\n"
                      "Exit status: 0 a head is to be collected, 1 disabled for every head, 2 no live Ray head,\n"
                      "255 invalid setting.",
                      NULL, 0, NULL);
        if (r <= 0)
                return r;

        r = unit_settings_load(&settings);
        if (r < 0)
                return log_oom();
        if (!settings.from_unit && !settings.inside_unit)
                log_notice("Settings: %s.", settings.note);
        if (settings.env.problem)
                log_warning("%s.", settings.env.problem);

        r = context_find_heads("check", true, &heads);
        if (r < 0)
                return r;

        /* No live head: the invoking user's settings decide between disabled and "no head"
         * (docs/design.md §3.1). */
        for (size_t i = 0; i < context_runs(&heads); i++) {
                _cleanup_(context_done) Context c = CONTEXT_NULL;

                r = context_load(&c, i < heads.n_heads ? TAKE_PTR(heads.heads[i]) : NULL);
                if (r >= 0)
                        r = unit_settings_annotate(&settings, &c) < 0 ? log_oom() :
                                context_verdict(&c, "check", true);
                status = i == 0 ? r : exit_status_merge(status, r, false);
        }
        return status;
}
