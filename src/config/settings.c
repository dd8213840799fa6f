/* SPDX-License-Identifier: MIT */
#include "config/config.h"
#include "config/settings.h"
#include "config/sysconfig.h"
#include "shared/log.h"

static int get_variable(const char *name, const char **ret, char **ret_from_file) {
        const char *e = getenv(name);
        int r;

        *ret_from_file = NULL;
        if (e) {
                *ret = e;
                return 0;
        }
        r = sysconfig_get(sysconfig_path(), name, ret_from_file);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s from %s; fix the file's permissions or contents: %m",
                                       name, sysconfig_path());
        *ret = *ret_from_file;
        return 0;
}

int settings_decide(const char *config_path, Decision *ret, char **ret_error) {
        _cleanup_free_ char *enabled_file = NULL, *dnt_file = NULL, *config_value = NULL, *error = NULL;
        const char *enabled, *dnt;
        ConfigSetting setting;
        int r;

        assert(config_path);
        assert(ret);

        r = get_variable("RAY_USAGE_STATS_ENABLED", &enabled, &enabled_file);
        if (r < 0)
                return r;
        r = get_variable("DO_NOT_TRACK", &dnt, &dnt_file);
        if (r < 0)
                return r;

        r = config_read(config_path, &setting, &config_value);
        if (r < 0)
                return r;

        r = decision_evaluate(&(DecisionInput) {
                                      .env_enabled = enabled,
                                      .do_not_track = dnt,
                                      .config = setting,
                                      .config_path = config_path,
                                      .config_value = config_value,
                              },
                              ret, &error);
        if (r == -EINVAL && ret_error) {
                /* Say where a value that the environment does not show came from. */
                if (enabled_file && enabled == enabled_file) {
                        char *m;

                        if (asprintf(&m, "%s It is set in %s.", error, sysconfig_path()) < 0)
                                return -ENOMEM;
                        *ret_error = m;
                } else
                        *ret_error = TAKE_PTR(error);
        }
        return r;
}
