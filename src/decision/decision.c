/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "decision/decision.h"
#include "shared/macro.h"

/* Values come from the environment and from files anyone may have edited:
 * show at most this many bytes of them, so that the message stays short. */
#define VALUE_SHOWN_MAX 128

char *decision_quote_value(const char *s) {
        _cleanup_fclose_ FILE *f = NULL;
        char *buf = NULL;
        size_t size = 0, n = 0;

        assert(s);

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++, n++) {
                if (n >= VALUE_SHOWN_MAX) {
                        fputs("...", f);
                        break;
                }
                if (*p == '"' || *p == '\\')
                        fprintf(f, "\\%c", *p);
                else if (*p < 0x20 || *p == 0x7f)
                        fprintf(f, "\\x%02x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
        if (fclose(TAKE_PTR(f)) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int invalid_env(const char *value, char **ret_error) {
        _cleanup_free_ char *v = NULL;
        char *m;

        if (!ret_error)
                return -EINVAL;
        v = decision_quote_value(value);
        if (!v || asprintf(&m, "Invalid RAY_USAGE_STATS_ENABLED=%s: valid values are 0 and 1.", v) < 0)
                return -ENOMEM;
        *ret_error = m;
        return -EINVAL;
}

/* The config value is JSON text already (so that "false" and false are told
 * apart, and control characters are escaped); only its length needs bounding. */
static int invalid_config(const char *path, const char *value, char **ret_error) {
        char *m;

        if (!ret_error)
                return -EINVAL;
        if (asprintf(&m,
                     "Invalid \"usage_stats\" in %s: %.*s%s; valid values are true and false "
                     "(run 'ray-usage-stats enable' or 'ray-usage-stats disable' to fix it).",
                     path ?: "the config file", VALUE_SHOWN_MAX, value ?: "(unknown)",
                     value && strlen(value) > VALUE_SHOWN_MAX ? "..." : "") < 0)
                return -ENOMEM;
        *ret_error = m;
        return -EINVAL;
}

int decision_evaluate(const DecisionInput *in, Decision *ret, char **ret_error) {
        assert(in);
        assert(ret);

        /* Exactly "0" and "1", as Ray: "", " 1" and "01" are mistakes worth
         * reporting, not guesses worth making. */
        if (in->env_enabled) {
                if (!streq(in->env_enabled, "1") && !streq(in->env_enabled, "0"))
                        return invalid_env(in->env_enabled, ret_error);
                *ret = (Decision) { .enabled = streq(in->env_enabled, "1"), .decided_by = DECIDED_BY_ENV };
                return 0;
        }

        if (!isempty(in->do_not_track) && !streq(in->do_not_track, "0")) {
                *ret = (Decision) { .enabled = false, .decided_by = DECIDED_BY_DO_NOT_TRACK };
                return 0;
        }

        switch (in->config) {
        case CONFIG_SETTING_TRUE:
        case CONFIG_SETTING_FALSE:
                *ret = (Decision) { .enabled = in->config == CONFIG_SETTING_TRUE, .decided_by = DECIDED_BY_CONFIG };
                return 0;
        case CONFIG_SETTING_INVALID:
                return invalid_config(in->config_path, in->config_value, ret_error);
        case CONFIG_SETTING_UNSET:
                break;
        }

        *ret = (Decision) { .enabled = true, .decided_by = DECIDED_BY_DEFAULT };
        return 0;
}

const char *decided_by_to_string(DecidedBy d) {
        switch (d) {
        case DECIDED_BY_ENV:
                return "env";
        case DECIDED_BY_DO_NOT_TRACK:
                return "do-not-track";
        case DECIDED_BY_CONFIG:
                return "config";
        case DECIDED_BY_DEFAULT:
                return "default";
        }
        return NULL;
}
