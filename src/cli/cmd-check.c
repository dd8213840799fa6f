/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/context.h"
#include "cli/unit-settings.h"
#include "shared/log.h"

int cmd_check(int argc, char *argv[]) {
        _cleanup_(unit_settings_done) UnitSettings settings = {};
        _cleanup_(context_done) Context c = CONTEXT_NULL;
        int r;

        r = cli_parse(argc, argv,
                      "check\n\n"
                      "Decide whether usage stats would be collected now, and say why. Run by a person, it\n"
                      "decides under the service's settings (its unit's Environment= and EnvironmentFile=,\n"
                      "drop-ins included, read from systemd).\n"
                      "Exit status: 0 collect, 1 disabled, 2 no Ray head session, 255 invalid setting.",
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

        r = context_load(&c);
        if (r < 0)
                return r;
        r = unit_settings_annotate(&settings, &c);
        if (r < 0)
                return log_oom();

        return context_verdict(&c, "check", true);
}
