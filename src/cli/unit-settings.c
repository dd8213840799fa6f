/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "cli/unit-settings.h"
#include "config/sysconfig.h"
#include "session/instance.h"
#include "shared/log.h"

#define GENERIC_UNIT "ray-usage-stats.service"
#define ENABLED_NAME "RAY_USAGE_STATS_ENABLED"
#define DO_NOT_TRACK_NAME "DO_NOT_TRACK"

/* The service the invoking user's enabled per-user timer starts, or the generic one. */
static int unit_for_invoker(char **ret) {
        _cleanup_free_ char *timer = NULL;
        char *dot;
        int r;

        r = instance_enabled_for_uid(getuid(), NULL, &timer);
        if (r < 0)
                log_debug_errno(r, "Failed to look for the per-user unit of uid %u: %m", (unsigned) getuid());
        if (r <= 0) {
                *ret = strdup(GENERIC_UNIT);
                return *ret ? 0 : -ENOMEM;
        }
        dot = strrchr(timer, '.');
        assert(dot);
        *dot = 0;
        return asprintf(ret, "%s.service", timer) < 0 ? -ENOMEM : 0;
}

static int own_environment(UnitSettings *u, const char *why, int error) {
        if (asprintf(&u->note, "this command's own environment (%s%s%s)", why, error ? ": " : "",
                     error ? strerror(-error) : "") < 0)
                return -ENOMEM;
        return 0;
}

int unit_settings_load(UnitSettings *u) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *unit = NULL;
        int r;

        assert(u);

        *u = (UnitSettings) {};
        if (getenv("INVOCATION_ID") || getenv("STATE_DIRECTORY")) {
                u->inside_unit = true;
                return own_environment(u, "running inside the unit", 0);
        }
        if (sd_booted() <= 0)
                return own_environment(u, "no systemd on this machine", 0);

        r = unit_for_invoker(&unit);
        if (r < 0)
                return r;
        r = sd_bus_open_system(&bus);
        if (r >= 0) {
                (void) sd_bus_set_method_call_timeout(bus, 2 * 1000 * 1000);
                r = unit_env_read(bus, unit, &u->env);
        }
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT) {
                _cleanup_free_ char *why = NULL;

                if (asprintf(&why, "systemd has no loaded unit %s", unit) < 0)
                        return -ENOMEM;
                return own_environment(u, why, 0);
        }
        if (r < 0)
                return own_environment(u, "cannot read the unit's settings from systemd", r);

        r = unit_env_apply(&u->env);
        if (r < 0)
                return r;
        u->from_unit = true;
        if (asprintf(&u->note, "those of %s (Environment= and EnvironmentFile=, drop-ins included, from systemd)",
                     unit) < 0)
                return -ENOMEM;
        return 0;
}

void unit_settings_done(UnitSettings *u) {
        assert(u);

        unit_env_done(&u->env);
        free(u->note);
        *u = (UnitSettings) {};
}

const char *unit_settings_source(const UnitSettings *u, const char *name) {
        _cleanup_free_ char *value = NULL;
        const UnitSetting *s;

        assert(u);
        assert(name);

        if (u->from_unit && (s = unit_env_get(&u->env, name)))
                return s->source;
        if (getenv(name))
                return u->from_unit ? u->env.unit : u->inside_unit ? "the unit's environment" : "the environment";
        /* config/settings.h: a variable absent from the environment is read from the machine-wide file. */
        if (sysconfig_get(sysconfig_path(), name, &value) >= 0 && value)
                return sysconfig_path();
        return NULL;
}

static int explain_invalid(const UnitSettings *u, char **message) {
        const UnitSetting *s;
        char *m;

        if (!u->from_unit || !*message || !startswith(*message, "Invalid " ENABLED_NAME "=") ||
            !(s = unit_env_get(&u->env, ENABLED_NAME)))
                return 0;
        if (asprintf(&m, "%s It is set in %s.", *message, s->source) < 0)
                return -ENOMEM;
        free(*message);
        *message = m;
        return 0;
}

static char *describe_variable(const UnitSettings *u, const char *name) {
        _cleanup_free_ char *from_file = NULL, *quoted = NULL;
        const char *value = getenv(name), *source = unit_settings_source(u, name);
        char *m;

        if (!value && sysconfig_get(sysconfig_path(), name, &from_file) >= 0)
                value = from_file;
        /* The values that decide without being quoted are plain: 0, 1. */
        value = value ?: "";
        if (!streq(value, "0") && !streq(value, "1")) {
                quoted = decision_quote_value(value);
                if (!quoted)
                        return NULL;
        }
        if (asprintf(&m, "%s=%s in %s", name, quoted ?: value, source ?: "the environment") < 0)
                return NULL;
        return m;
}

/* The variable that decided d, or NULL (the config file, the default). */
static const char *deciding_variable(const Decision *d) {
        return d->decided_by == DECIDED_BY_ENV ? ENABLED_NAME :
               d->decided_by == DECIDED_BY_DO_NOT_TRACK ? DO_NOT_TRACK_NAME : NULL;
}

const char *unit_settings_decision_source(const UnitSettings *u, const Decision *d, const char *config_path) {
        const char *name;

        assert(u);
        assert(d);

        name = deciding_variable(d);
        if (name)
                return unit_settings_source(u, name);
        return d->decided_by == DECIDED_BY_CONFIG ? config_path : NULL;
}

int unit_settings_annotate(const UnitSettings *u, Context *c) {
        assert(u);
        assert(c);

        if (c->invalid_setting)
                return explain_invalid(u, &c->invalid_setting);
        if (deciding_variable(&c->decision))
                c->decision_source = describe_variable(u, deciding_variable(&c->decision));
        else if (c->decision.decided_by == DECIDED_BY_CONFIG) {
                if (asprintf(&c->decision_source, "\"usage_stats\": %s in %s",
                             c->decision.enabled ? "true" : "false", c->config_path) < 0)
                        c->decision_source = NULL;
        } else
                return 0;
        return c->decision_source ? 0 : -ENOMEM;
}
