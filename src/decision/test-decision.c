/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "decision/decision.h"
#include "shared/macro.h"

#define PATH "/home/u/.ray/config.json"

static void assert_decision(DecisionInput in, bool enabled, DecidedBy by) {
        char *error = NULL;
        Decision d;

        assert_int_equal(decision_evaluate(&in, &d, &error), 0);
        assert_null(error);
        assert_int_equal(d.enabled, enabled);
        assert_int_equal(d.decided_by, by);
}

static void assert_invalid(DecisionInput in, const char *message) {
        _cleanup_free_ char *error = NULL;
        Decision d;

        assert_int_equal(decision_evaluate(&in, &d, &error), -EINVAL);
        assert_non_null(error);
        assert_string_equal(error, message);
        /* Without a place for the message the verdict is the same. */
        assert_int_equal(decision_evaluate(&in, &d, NULL), -EINVAL);
}

/* Ray's test_usage_stats_enabledness (policy reference section 5 item 6). */
static void test_ray_enabledness(void **state) {
        assert_decision((DecisionInput) { .env_enabled = "1" }, true, DECIDED_BY_ENV);
        assert_decision((DecisionInput) { .env_enabled = "0" }, false, DECIDED_BY_ENV);
        assert_invalid((DecisionInput) { .env_enabled = "xxx" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"xxx\": valid values are 0 and 1.");

        assert_decision((DecisionInput) { .config = CONFIG_SETTING_TRUE, .config_path = PATH }, true,
                        DECIDED_BY_CONFIG);
        assert_decision((DecisionInput) { .config = CONFIG_SETTING_FALSE, .config_path = PATH }, false,
                        DECIDED_BY_CONFIG);
        assert_invalid((DecisionInput) { .config = CONFIG_SETTING_INVALID, .config_path = PATH,
                                         .config_value = "\"xxx\"" },
                       "Invalid \"usage_stats\" in " PATH ": \"xxx\"; valid values are true and false "
                       "(run 'ray-usage-stats enable' or 'ray-usage-stats disable' to fix it).");

        /* An empty or missing config file reads as unset (config/test-config.c): the default. */
        assert_decision((DecisionInput) { .config = CONFIG_SETTING_UNSET, .config_path = PATH }, true,
                        DECIDED_BY_DEFAULT);
}

static void test_env_invalid(void **state) {
        assert_invalid((DecisionInput) { .env_enabled = "" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"\": valid values are 0 and 1.");
        assert_invalid((DecisionInput) { .env_enabled = "true" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"true\": valid values are 0 and 1.");
        assert_invalid((DecisionInput) { .env_enabled = " 1" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\" 1\": valid values are 0 and 1.");
        assert_invalid((DecisionInput) { .env_enabled = "2" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"2\": valid values are 0 and 1.");
        assert_invalid((DecisionInput) { .env_enabled = "01" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"01\": valid values are 0 and 1.");
        /* The message stays one line whatever the value holds. */
        assert_invalid((DecisionInput) { .env_enabled = "1\n\"x\\" },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"1\\x0a\\\"x\\\\\": valid values are 0 and 1.");
}

static void test_env_value_bounded(void **state) {
        _cleanup_free_ char *error = NULL;
        char value[1000];
        Decision d;

        memset(value, 'a', sizeof value - 1);
        value[sizeof value - 1] = 0;
        assert_int_equal(decision_evaluate(&(DecisionInput) { .env_enabled = value }, &d, &error), -EINVAL);
        assert_true(strlen(error) < 250);
        assert_non_null(strstr(error, "aaa...\": valid values are 0 and 1."));
}

static void test_do_not_track(void **state) {
        assert_decision((DecisionInput) { .do_not_track = "1" }, false, DECIDED_BY_DO_NOT_TRACK);
        assert_decision((DecisionInput) { .do_not_track = "true" }, false, DECIDED_BY_DO_NOT_TRACK);
        assert_decision((DecisionInput) { .do_not_track = "0" }, true, DECIDED_BY_DEFAULT);
        assert_decision((DecisionInput) { .do_not_track = "" }, true, DECIDED_BY_DEFAULT);
        /* "0" and "" have no effect: the config file still decides. */
        assert_decision((DecisionInput) { .do_not_track = "0", .config = CONFIG_SETTING_FALSE }, false,
                        DECIDED_BY_CONFIG);
        assert_decision((DecisionInput) { .do_not_track = "", .config = CONFIG_SETTING_TRUE }, true,
                        DECIDED_BY_CONFIG);
}

static void test_order(void **state) {
        /* The variable beats everything after it ... */
        assert_decision((DecisionInput) { .env_enabled = "1", .do_not_track = "1", .config = CONFIG_SETTING_FALSE },
                        true, DECIDED_BY_ENV);
        assert_decision((DecisionInput) { .env_enabled = "0", .config = CONFIG_SETTING_INVALID,
                                          .config_value = "1" },
                        false, DECIDED_BY_ENV);
        /* ... DO_NOT_TRACK beats the config file, even an invalid one ... */
        assert_decision((DecisionInput) { .do_not_track = "1", .config = CONFIG_SETTING_TRUE }, false,
                        DECIDED_BY_DO_NOT_TRACK);
        assert_decision((DecisionInput) { .do_not_track = "1", .config = CONFIG_SETTING_INVALID,
                                          .config_value = "1" },
                        false, DECIDED_BY_DO_NOT_TRACK);
        /* ... and an invalid variable is an error even when the rest says disabled. */
        assert_invalid((DecisionInput) { .env_enabled = "no", .do_not_track = "1", .config = CONFIG_SETTING_FALSE },
                       "Invalid RAY_USAGE_STATS_ENABLED=\"no\": valid values are 0 and 1.");
}

static void test_config_invalid_values(void **state) {
        assert_invalid((DecisionInput) { .config = CONFIG_SETTING_INVALID, .config_path = PATH,
                                         .config_value = "\"false\"" },
                       "Invalid \"usage_stats\" in " PATH ": \"false\"; valid values are true and false "
                       "(run 'ray-usage-stats enable' or 'ray-usage-stats disable' to fix it).");
        assert_invalid((DecisionInput) { .config = CONFIG_SETTING_INVALID, .config_path = PATH, .config_value = "1" },
                       "Invalid \"usage_stats\" in " PATH ": 1; valid values are true and false "
                       "(run 'ray-usage-stats enable' or 'ray-usage-stats disable' to fix it).");
}

static void test_config_value_bounded(void **state) {
        _cleanup_free_ char *error = NULL, *value = NULL;
        Decision d;

        value = malloc(100000);
        assert_non_null(value);
        memset(value, '1', 99999);
        value[99999] = 0;
        assert_int_equal(decision_evaluate(&(DecisionInput) { .config = CONFIG_SETTING_INVALID, .config_path = PATH,
                                                             .config_value = value },
                                           &d, &error),
                         -EINVAL);
        assert_true(strlen(error) < 400);
        assert_non_null(strstr(error, "111...; valid values"));
}

static void test_decided_by_to_string(void **state) {
        assert_string_equal(decided_by_to_string(DECIDED_BY_ENV), "env");
        assert_string_equal(decided_by_to_string(DECIDED_BY_DO_NOT_TRACK), "do-not-track");
        assert_string_equal(decided_by_to_string(DECIDED_BY_CONFIG), "config");
        assert_string_equal(decided_by_to_string(DECIDED_BY_DEFAULT), "default");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ray_enabledness),
                cmocka_unit_test(test_env_invalid),
                cmocka_unit_test(test_env_value_bounded),
                cmocka_unit_test(test_do_not_track),
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_config_invalid_values),
                cmocka_unit_test(test_config_value_bounded),
                cmocka_unit_test(test_decided_by_to_string),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
