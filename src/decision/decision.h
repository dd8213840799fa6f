/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* docs/design.md §3.1 as a pure function of its inputs: no environment, no files. The
 * callers (config/settings.h) gather the inputs, so that every case of Ray's
 * own tests can be replayed here exactly. */

typedef enum DecidedBy {
        DECIDED_BY_ENV,
        DECIDED_BY_DO_NOT_TRACK,
        DECIDED_BY_CONFIG,
        DECIDED_BY_DEFAULT,
} DecidedBy;

/* The "usage_stats" key of the config file (3.2). */
typedef enum ConfigSetting {
        CONFIG_SETTING_UNSET,   /* null, missing key, or no usable file */
        CONFIG_SETTING_TRUE,
        CONFIG_SETTING_FALSE,
        CONFIG_SETTING_INVALID, /* any other JSON value */
} ConfigSetting;

typedef struct DecisionInput {
        const char *env_enabled;  /* RAY_USAGE_STATS_ENABLED, NULL when unset */
        const char *do_not_track; /* DO_NOT_TRACK, NULL when unset */
        ConfigSetting config;
        const char *config_path;  /* for messages */
        const char *config_value; /* JSON text of an invalid value, for the message */
} DecisionInput;

typedef struct Decision {
        bool enabled;
        DecidedBy decided_by;
} Decision;

/* Returns 0 and the decision, or -EINVAL for an invalid setting that decides
 * (Ray's order, first match wins) with *ret_error (may be NULL) set to a
 * one-line message naming the variable or config path and the offending
 * value. -ENOMEM when that message cannot be allocated. */
int decision_evaluate(const DecisionInput *in, Decision *ret, char **ret_error);

/* A setting's value for a one-line message: double-quoted, with quotes,
 * backslashes and control bytes escaped, at most 128 bytes of it shown.
 * NULL when out of memory. */
char *decision_quote_value(const char *value);

/* "env", "do-not-track", "config", "default": the journal's RAY_USAGE_STATS_DECIDED_BY. */
const char *decided_by_to_string(DecidedBy d);
