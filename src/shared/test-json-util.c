/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "shared/json-util.h"
#include "shared/macro.h"

/* Parses text, which must be a single string, and compares its bytes. */
static void assert_string_parses_to(const char *text, const char *utf8) {
        _cleanup_json_ json_object *o = NULL;

        assert_int_equal(json_parse_strict(text, strlen(text), &o), 0);
        assert_true(json_object_is_type(o, json_type_string));
        assert_int_equal(json_object_get_string_len(o), strlen(utf8));
        assert_memory_equal(json_object_get_string(o), utf8, strlen(utf8));
}

/* json-c 0.16 decodes a surrogate pair whose code point has the low 16 bits
 * of a surrogate (U+1D800..U+1DFFF, U+2D800..U+2DFFF (CJK Extension F), ...,
 * U+10D800..U+10DFFF) as one U+FFFD; Python writes exactly these pairs. */
static void test_surrogate_pairs(void **state _unused_) {
        assert_string_parses_to("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
        assert_string_parses_to("\"\\ud836\\udc00\"", "\xf0\x9d\xa0\x80");          /* U+1D800 */
        assert_string_parses_to("\"\\uD876\\uDC00\"", "\xf0\xad\xa0\x80");          /* U+2D800 */
        assert_string_parses_to("\"\\udbf7\\udfff\"", "\xf4\x8d\xbf\xbf");          /* U+10DFFF */
        assert_string_parses_to("\"a\\ud837\\udfffb\\u00e9\"", "a\xf0\x9d\xbf\xbf" "b\xc3\xa9");
        /* An escaped backslash before "u" is no escape; lone surrogates stay U+FFFD. */
        assert_string_parses_to("\"\\\\ud836\\udc00\"", "\\ud836\xef\xbf\xbd");
        assert_string_parses_to("\"\\ud836x\"", "\xef\xbf\xbd" "x");
        assert_string_parses_to("\"\\ud836\\u0041\"", "\xef\xbf\xbd" "A");
}

static void test_surrogate_pair_in_key(void **state _unused_) {
        static const char text[] = "{\"k\\ud876\\udc00\": 1}";
        _cleanup_json_ json_object *o = NULL;
        json_object *v;

        assert_int_equal(json_parse_strict(text, strlen(text), &o), 0);
        assert_true(json_object_object_get_ex(o, "k\xf0\xad\xa0\x80", &v));
}

/* What the dump writes for such a character reads back as the same character. */
static void test_dump_roundtrip(void **state _unused_) {
        static const char text[] = "{\"\xf4\x8d\xbf\xbf\": [\"\xf0\x9d\xa0\x80\", -0.0, 1e400, 18446744073709551615]}";
        _cleanup_json_ json_object *a = NULL, *b = NULL;
        _cleanup_free_ char *dump = NULL;

        assert_int_equal(json_parse_strict(text, strlen(text), &a), 0);
        assert_int_equal(json_dump_python(a, &dump), 0);
        assert_string_equal(dump, "{\"\\udbf7\\udfff\": [\"\\ud836\\udc00\", -0.0, 1e999, 18446744073709551615]}");
        assert_int_equal(json_parse_strict(dump, strlen(dump), &b), 0);
        assert_true(json_object_equal(a, b));
}

static void test_refused(void **state _unused_) {
        static const char *const bad[] = {
                "", "{", "\"\\ud836\\udc00", "\\ud836\\udc00", "[\\ud836\\udc00]", "1 2", "\"\xed\xa0\x80\"", "2\0",
        };
        json_object *o = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(json_parse_strict(bad[i], strlen(bad[i]) + (i == ELEMENTSOF(bad) - 1), &o),
                                 -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_surrogate_pairs),
                cmocka_unit_test(test_surrogate_pair_in_key),
                cmocka_unit_test(test_dump_roundtrip),
                cmocka_unit_test(test_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
