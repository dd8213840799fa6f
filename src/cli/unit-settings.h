/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "cli/context.h"
#include "decision/decision.h"
#include "systemd/unit-env.h"

/* The settings `status` and `check` decide under (docs/design.md §2): run by a
 * person, those of the unit that would run: the invoking user's per-user unit
 * when it is enabled, else the generic unit, read from systemd and put into
 * this process's environment (systemd/unit-env.h). Inside the unit, and
 * without systemd, this process's own environment. */
typedef struct UnitSettings {
        UnitEnv env;    /* the unit's, when from_unit */
        bool from_unit;
        bool inside_unit; /* this process runs in the unit: its environment is the unit's */
        char *note;     /* one line: whose settings these are, or why they are this process's own */
} UnitSettings;

/* Fills *u and applies the unit's settings to this process. Returns 0, or
 * -ENOMEM; failing to reach systemd is not a failure (u->note says so). */
int unit_settings_load(UnitSettings *u);
void unit_settings_done(UnitSettings *u);

/* Where the value the program sees for name comes from: a unit file, drop-in
 * or environment file, the machine-wide file read for a variable absent from
 * the environment, or the environment; NULL when name is set nowhere. */
const char *unit_settings_source(const UnitSettings *u, const char *name);

/* The file (or description) of the setting that decided d; NULL for the default. */
const char *unit_settings_decision_source(const UnitSettings *u, const Decision *d, const char *config_path);

/* After context_load(): c->decision_source says what decided and the file
 * it is in ("RAY_USAGE_STATS_ENABLED=0 in /etc/systemd/system/
 * ray-usage-stats.service.d/optout.conf"; NULL for the default), and an
 * invalid RAY_USAGE_STATS_ENABLED that the unit sets has that file named in
 * c->invalid_setting, as the machine-wide file already is. Returns 0 or
 * -ENOMEM. */
int unit_settings_annotate(const UnitSettings *u, Context *c);
