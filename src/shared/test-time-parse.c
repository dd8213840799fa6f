/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "shared/time-parse.h"

/* 2026-11-29 04:58:15 UTC */
#define NOW (UINT64_C(1795928295) * USEC_PER_SEC + 123)

static uint64_t parse_ok(const char *s) {
        uint64_t t = 0;

        assert_int_equal(parse_timestamp_spec(s, NOW, &t), 0);
        return t;
}

static void test_words(void **state) {
        assert_true(parse_ok("now") == NOW);
        assert_true(parse_ok("today") == UINT64_C(1795910400) * USEC_PER_SEC);
        assert_true(parse_ok("yesterday") == UINT64_C(1795824000) * USEC_PER_SEC);
        assert_true(parse_ok("tomorrow") == UINT64_C(1795996800) * USEC_PER_SEC);
}

static void test_absolute(void **state) {
        assert_true(parse_ok("2026-11-29") == UINT64_C(1795910400) * USEC_PER_SEC);
        assert_true(parse_ok("2026-11-29 04:58") == UINT64_C(1795928280) * USEC_PER_SEC);
        assert_true(parse_ok("2026-11-29 04:58:15") == UINT64_C(1795928295) * USEC_PER_SEC);
        assert_true(parse_ok("2026-11-29T04:58:15") == UINT64_C(1795928295) * USEC_PER_SEC);
}

static void test_relative(void **state) {
        assert_true(parse_ok("-1h") == NOW - 3600 * USEC_PER_SEC);
        assert_true(parse_ok("-2d") == NOW - 2 * 86400 * USEC_PER_SEC);
        assert_true(parse_ok("+30min") == NOW + 1800 * USEC_PER_SEC);
        assert_true(parse_ok("-90s") == NOW - 90 * USEC_PER_SEC);
        assert_true(parse_ok("1w ago") == NOW - 7 * 86400 * USEC_PER_SEC);
        assert_true(parse_ok("3 days ago") == NOW - 3 * 86400 * USEC_PER_SEC);
        assert_true(parse_ok("-30000d") == 0);
}

static void test_invalid(void **state) {
        static const char *const bad[] = {
                "", "nowish", "2026-13-01", "2026-11-29 25:00", "2026-11-29 04:58:15 garbage", "-1", "-h",
                "-1x", "1h", "1h ago later", "--1h", "-1h30min", "-99999999999w", "-18446744073709551615w", "today ",
        };
        uint64_t t;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(parse_timestamp_spec(bad[i], NOW, &t), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words),
                cmocka_unit_test(test_absolute),
                cmocka_unit_test(test_relative),
                cmocka_unit_test(test_invalid),
        };

        setenv("TZ", "UTC", 1);
        tzset();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
