/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "report/extra-tags.h"
#include "shared/json-util.h"

/* Expected outputs computed with Ray's own code on python3:
 *   d = {}; for kv in s.strip(";").split(";"): k, v = kv.split("="); d[k] = v
 * (stopping at the first exception), then json.dumps(d). */
static const struct {
        const char *input, *expected;
} cases[] = {
        { NULL, "{}" },
        { "", "{}" },
        { "key=val;key2=val2", "{\"key\": \"val\", \"key2\": \"val2\"}" },
        { "key=val;key2=val2;", "{\"key\": \"val\", \"key2\": \"val2\"}" },
        { "key=val,key2=val2", "{}" },
        { "key=v=al,key2=val2", "{}" },
        { "a=1;bad", "{\"a\": \"1\"}" },
        { ";;a=1;;", "{\"a\": \"1\"}" },
        { "a=1;;b=2", "{\"a\": \"1\"}" },
        { ";", "{}" },
        { "=", "{\"\": \"\"}" },
        { "a=", "{\"a\": \"\"}" },
        { "=b", "{\"\": \"b\"}" },
        { "a=1;a=2", "{\"a\": \"2\"}" },
        { "a=1;b", "{\"a\": \"1\"}" },
        { " a = 1 ; b=2", "{\" a \": \" 1 \", \" b\": \"2\"}" },
        { "a=1;b=2=3;c=4", "{\"a\": \"1\"}" },
        { "k=\xc3\xa9", "{\"k\": \"\\u00e9\"}" },
        { ";a=1", "{\"a\": \"1\"}" },
        { "b=1;a=2;b=3", "{\"b\": \"3\", \"a\": \"2\"}" },
};

static void test_ray_cases(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_json_ json_object *o = NULL;
                _cleanup_free_ char *s = NULL;

                assert_int_equal(extra_tags_parse(cases[i].input, &o), 0);
                assert_non_null(o);
                assert_int_equal(json_dump_python(o, &s), 0);
                if (!streq(s, cases[i].expected))
                        fail_msg("input \"%s\": got %s, expected %s", cases[i].input ?: "(null)", s,
                                 cases[i].expected);
        }
}

static void test_too_big(void **state) {
        _cleanup_free_ char *big = NULL;
        json_object *o = NULL;

        big = malloc(EXTRA_TAGS_MAX + 2);
        assert_non_null(big);
        memset(big, 'a', EXTRA_TAGS_MAX + 1);
        big[0] = 'k';
        big[1] = '=';
        big[EXTRA_TAGS_MAX + 1] = 0;
        assert_int_equal(extra_tags_parse(big, &o), -E2BIG);
        assert_null(o);

        /* Exactly at the limit is still parsed. */
        big[EXTRA_TAGS_MAX] = 0;
        assert_int_equal(extra_tags_parse(big, &o), 0);
        assert_int_equal(json_object_object_length(o), 1);
        assert_int_equal(strlen(json_get_string(o, "k")), EXTRA_TAGS_MAX - 2);
        json_object_put(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ray_cases),
                cmocka_unit_test(test_too_big),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
