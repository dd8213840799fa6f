/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <malloc.h>

#include "shared/json-util.h"
#include "shared/macro.h"

#define MiB (1024U * 1024U)

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

/* item repeated count times, comma-separated, between head and tail. */
static char *repeat(const char *head, const char *item, size_t count, const char *tail, size_t *ret_size) {
        size_t il = strlen(item), n = strlen(head) + count * (il + 1) + strlen(tail) + 1;
        char *s = malloc(n), *p;

        assert_non_null(s);
        p = stpcpy(s, head);
        for (size_t i = 0; i < count; i++) {
                if (i > 0)
                        *p++ = ',';
                p = stpcpy(p, item);
        }
        p = stpcpy(p, tail);
        *ret_size = (size_t) (p - s);
        return s;
}

static size_t heap_in_use(void) {
        struct mallinfo2 m = mallinfo2();

        return m.uordblks + m.hblkhd;
}

/* What json-c really allocates never exceeds json_tree_cost(), for the
 * shapes that cost the most per byte of input. */
static void test_tree_cost_is_an_upper_bound(void **state) {
        static const struct {
                const char *item;
                size_t count;
        } shapes[] = {
                { "{}", 20000 },
                { "[]", 20000 },
                { "0", 100000 },
                { "1.5e3", 100000 },
                { "true", 100000 },
                { "null", 100000 },
                { "\"\"", 100000 },
                { "\"abcdefghijklmnopqrstuvwxyz\"", 100000 },
                { "{\"a\":1}", 20000 },
                { "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"k\":11,\"l\":12}",
                  5000 },
                { "[0]", 20000 },
                { "[[[[{\"x\":[{}]}]]]]", 5000 },
        };

        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
                _cleanup_free_ char *s = NULL;
                json_object *o = NULL;
                size_t n, before, used;

                s = repeat("[", shapes[i].item, shapes[i].count, "]", &n);
                before = heap_in_use();
                assert_int_equal(json_parse_strict(s, n, &o), 0);
                used = heap_in_use() - before;
                if (used > json_tree_cost(s, n))
                        fail_msg("%s: %zu bytes used, %zu estimated", shapes[i].item, used, json_tree_cost(s, n));
                json_object_put(o);
        }
}

/* Attack 4 of the local-attacker issue: 32 MiB of zeros is refused before json-c allocates. */
static void test_bounded_refuses_before_parsing(void **state) {
        _cleanup_free_ char *s = NULL;
        json_object *o = NULL;
        size_t n, before;

        s = repeat("[", "0", 16 * MiB, "]", &n);
        before = heap_in_use();
        assert_int_equal(json_parse_bounded(s, n, 4 * MiB, &o), -E2BIG);
        assert_true(heap_in_use() - before < 64 * 1024);
        assert_null(o);

        assert_int_equal(json_parse_bounded("[0, 1]", 6, 4 * MiB, &o), 0);
        assert_int_equal(json_object_array_length(o), 2);
        json_object_put(o);
}

typedef struct Collected {
        json_object *array;
        int stop_at;
} Collected;

static int collect(json_object *e, void *userdata) {
        Collected *c = userdata;

        if (c->stop_at >= 0 && (int) json_object_array_length(c->array) == c->stop_at)
                return -ECANCELED;
        return json_object_array_add(c->array, json_object_get(e)) < 0 ? -ENOMEM : 0;
}

/* streamed(doc, path) must give what json_parse_strict() gives: the skeleton
 * equal to the document with that array emptied, the elements in order. */
static int streamed(const char *doc, const char *const *path, json_object **ret_skeleton, json_object **ret_elements) {
        Collected c = { .array = json_object_new_array(), .stop_at = -1 };
        int r;

        *ret_skeleton = NULL;
        r = json_parse_streamed(doc, strlen(doc), path, 4 * MiB, collect, &c, ret_skeleton);
        *ret_elements = c.array;
        return r;
}

static void check_streamed(const char *doc, const char *const *path, const char *skeleton, const char *elements) {
        json_object *got_skeleton, *got_elements, *want_skeleton = NULL, *want_elements = NULL;

        assert_int_equal(streamed(doc, path, &got_skeleton, &got_elements), 0);
        assert_int_equal(json_parse_strict(skeleton, strlen(skeleton), &want_skeleton), 0);
        assert_int_equal(json_parse_strict(elements, strlen(elements), &want_elements), 0);
        if (!json_object_equal(got_skeleton, want_skeleton))
                fail_msg("%s: skeleton %s", doc, json_object_to_json_string(got_skeleton));
        if (!json_object_equal(got_elements, want_elements))
                fail_msg("%s: elements %s", doc, json_object_to_json_string(got_elements));
        json_object_put(got_skeleton);
        json_object_put(got_elements);
        json_object_put(want_skeleton);
        json_object_put(want_elements);
}

static void test_streamed(void **state) {
        static const char *const top[] = { NULL };
        static const char *const nodes[] = { "data", "result", "result", NULL };

        check_streamed("[1, {\"a\": [2]}, \"x\", null]", top, "[]", "[1, {\"a\": [2]}, \"x\", null]");
        check_streamed(" [ ] ", top, "[]", "[]");
        check_streamed("{\"a\": 1}", top, "{\"a\": 1}", "[]");
        check_streamed("{\"result\": true, \"data\": {\"result\": {\"total\": 2, \"result\": [{\"n\": 1}, {\"n\": 2}], "
                       "\"w\": null}}, \"msg\": \"\"}",
                       nodes, "{\"result\": true, \"data\": {\"result\": {\"total\": 2, \"result\": [], \"w\": null}}, "
                              "\"msg\": \"\"}",
                       "[{\"n\": 1}, {\"n\": 2}]");
        /* Escaped member names are names like any other. */
        check_streamed("{\"d\\u0061ta\": {\"result\": {\"result\": [7]}}}", nodes,
                       "{\"data\": {\"result\": {\"result\": []}}}", "[7]");
        /* Not an object or array where the path goes: kept as it is, for the caller to refuse. */
        check_streamed("{\"data\": {\"result\": 5}}", nodes, "{\"data\": {\"result\": 5}}", "[]");
        check_streamed("{\"data\": {\"result\": {\"result\": {\"x\": 1}}}}", nodes,
                       "{\"data\": {\"result\": {\"result\": {\"x\": 1}}}}", "[]");
        check_streamed("{\"data\": []}", nodes, "{\"data\": []}", "[]");
}

static void test_streamed_refuses(void **state) {
        static const char *const top[] = { NULL };
        static const char *const nodes[] = { "data", "result", "result", NULL };
        static const char *const bad_top[] = {
                "", " ", "[", "[1,", "[1,]", "[1 2]", "[1]]", "[1] x", "[01]", "['a']", "[\"\\x\"]", "[\"\xc0\xaf\"]",
                "]", "[,1]", "[nul]", "[{]", "[{\"a\"}]", "[ ", "[1, ", "[1,",
        };
        static const char *const bad_nodes[] = {
                "{", "{\"data\"", "{\"data\":", "{\"data\": {\"result\": {\"result\": [1,]}}}", "{\"data\" 1}",
                "{\"data\": 1,}", "{,}", "{\"data\": {\"result\": {\"result\": [", "{\"data\": {\"result\": {\"result\": [1, ", "{\"data\": 1 \"x\": 2}", "{1: 2}", "{\"data\": {}} {}",
                /* Two of the path's members: which one json-c would keep is not the one streamed. */
                "{\"data\": {\"result\": {\"result\": [1]}}, \"data\": {\"result\": {\"result\": [2]}}}",
                "{\"data\": {\"result\": {\"result\": [1], \"result\": [2]}}}",
        };

        for (size_t i = 0; i < sizeof bad_top / sizeof bad_top[0]; i++) {
                json_object *sk, *el;
                int r = streamed(bad_top[i], top, &sk, &el);

                if (r != -EBADMSG)
                        fail_msg("%s: %d", bad_top[i], r);
                assert_null(sk);
                json_object_put(el);
        }
        for (size_t i = 0; i < sizeof bad_nodes / sizeof bad_nodes[0]; i++) {
                json_object *sk, *el;
                int r = streamed(bad_nodes[i], nodes, &sk, &el);

                if (r != -EBADMSG)
                        fail_msg("%s: %d", bad_nodes[i], r);
                assert_null(sk);
                json_object_put(el);
        }
}

/* Bounded per element and for the rest; the element function can stop it. */
static void test_streamed_bounds(void **state) {
        static const char *const top[] = { NULL };
        static const char *const path[] = { "rows", NULL };
        _cleanup_free_ char *big = NULL, *many = NULL, *rest = NULL, *inner = NULL;
        Collected c = { .array = json_object_new_array(), .stop_at = -1 };
        json_object *o = NULL;
        size_t n, m;

        /* Many small elements: fine, whatever their total. */
        many = repeat("[", "{\"a\": 1}", 200000, "]", &n);
        assert_int_equal(json_parse_streamed(many, n, top, MiB, collect, &c, &o), 0);
        assert_int_equal(json_object_array_length(c.array), 200000);
        json_object_put(o);

        /* One element over the budget. */
        inner = repeat("[", "0", 100000, "]", &m);
        big = malloc(m + 16);
        assert_non_null(big);
        n = (size_t) sprintf(big, "[1, %s]", inner);
        assert_int_equal(json_parse_streamed(big, n, top, MiB, collect, &c, &o), -E2BIG);

        /* The rest of the document over the budget. */
        rest = malloc(m + 64);
        assert_non_null(rest);
        n = (size_t) sprintf(rest, "{\"rows\": [], \"other\": %s}", inner);
        assert_int_equal(json_parse_streamed(rest, n, path, MiB, collect, &c, &o), -E2BIG);

        /* Stopped by the element function. */
        json_object_put(c.array);
        c = (Collected) { .array = json_object_new_array(), .stop_at = 3 };
        assert_int_equal(json_parse_streamed("[1, 2, 3, 4, 5]", 15, top, MiB, collect, &c, &o), -ECANCELED);
        json_object_put(c.array);
}

/* Deeper than JSON_MAX_DEPTH, inside an element or on the way to it. */
static void test_streamed_depth(void **state) {
        static const char *const top[] = { NULL };
        char deep[2 * 100 + 3];
        json_object *sk, *el;

        deep[0] = '[';
        memset(deep + 1, '[', 100);
        memset(deep + 101, ']', 100);
        deep[201] = ']';
        deep[202] = 0;
        assert_int_equal(streamed(deep, top, &sk, &el), -EBADMSG);
        json_object_put(el);
}

static void test_array_from_strv(void **state) {
        char *two[] = { (char *) "a", (char *) "b\"c", NULL };
        _cleanup_json_ json_object *empty = json_array_from_strv(NULL), *a = json_array_from_strv(two);

        assert_string_equal(json_object_to_json_string_ext(empty, JSON_C_TO_STRING_PLAIN), "[]");
        assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), "[\"a\",\"b\\\"c\"]");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_surrogate_pairs),
                cmocka_unit_test(test_surrogate_pair_in_key),
                cmocka_unit_test(test_dump_roundtrip),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_tree_cost_is_an_upper_bound),
                cmocka_unit_test(test_bounded_refuses_before_parsing),
                cmocka_unit_test(test_streamed),
                cmocka_unit_test(test_streamed_refuses),
                cmocka_unit_test(test_streamed_bounds),
                cmocka_unit_test(test_array_from_strv),
                cmocka_unit_test(test_streamed_depth),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
