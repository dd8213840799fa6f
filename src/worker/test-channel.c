/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "shared/json-util.h"
#include "shared/strv.h"
#include "worker/channel.h"

static json_object *parse(const char *text) {
        json_object *o = NULL;

        assert_int_equal(channel_parse(text, strlen(text), &o), 0);
        return o;
}

static void refused(const char *text, size_t size) {
        json_object *o = NULL;

        assert_int_equal(channel_parse(text, size, &o), -EBADMSG);
        assert_null(o);
}

static void test_parse_refuses(void **state) {
        static const char nul[] = "{\"a\": 1}\0";
        _cleanup_free_ char *big = NULL, *deep = NULL;

        refused("", 0);
        refused("[]", 2);
        refused("\"x\"", 3);
        refused("null", 4);
        refused("{\"a\": 1} {}", 11);
        refused("{\"a\": 1", 7);
        refused(nul, sizeof nul - 1);
        refused("{\"a\": \"\xc3\"}", 10);
        /* Nested deeper than a message ever is. */
        refused("{\"a\": [[1]]}", 12);
        refused("{\"a\": {\"b\": {\"c\": 1}}}", 22);
        /* No message carries a fraction; NaN (which json-c reads) not even equal to itself. */
        refused("{\"a\": NaN}", 10);
        refused("{\"a\": [1.5]}", 12);
        refused("{\"a\": 1e3}", 10);

        /* Larger than a message may be, even when it is valid JSON. */
        big = malloc(CHANNEL_MESSAGE_MAX + 16);
        assert_non_null(big);
        memset(big, ' ', CHANNEL_MESSAGE_MAX + 16);
        memcpy(big, "{\"a\": 1}", 8);
        refused(big, CHANNEL_MESSAGE_MAX + 16);

        deep = malloc(200001);
        assert_non_null(deep);
        memset(deep, '[', 100000);
        memset(deep + 100000, ']', 100000);
        refused(deep, 200000);
}

static void test_getters(void **state) {
        _cleanup_json_ json_object *o = parse(
                "{\"s\": \"abc\", \"n\": null, \"nul\": \"a\\u0000b\", \"b\": true, \"i\": 42, \"neg\": -5,"
                " \"big\": 99999999999999999999, \"l\": [\"x\", \"y\"], \"bad\": [\"x\", 1]}");
        _cleanup_strv_free_ char **l = NULL;
        const char *s;
        int64_t i;
        bool b;

        assert_int_equal(channel_get_string(o, "s", 3, false, &s), 0);
        assert_string_equal(s, "abc");
        assert_int_equal(channel_get_string(o, "s", 2, false, &s), -EBADMSG);
        assert_int_equal(channel_get_string(o, "n", 10, false, &s), -EBADMSG);
        assert_int_equal(channel_get_string(o, "n", 10, true, &s), 0);
        assert_null(s);
        assert_int_equal(channel_get_string(o, "missing", 10, true, &s), 0);
        assert_null(s);
        assert_int_equal(channel_get_string(o, "nul", 10, false, &s), -EBADMSG);
        assert_int_equal(channel_get_string(o, "i", 10, false, &s), -EBADMSG);

        assert_int_equal(channel_get_bool(o, "b", &b), 0);
        assert_true(b);
        assert_int_equal(channel_get_bool(o, "i", &b), -EBADMSG);
        assert_int_equal(channel_get_bool(o, "missing", &b), -EBADMSG);

        assert_int_equal(channel_get_int(o, "i", 0, 100, &i), 0);
        assert_int_equal(i, 42);
        assert_int_equal(channel_get_int(o, "i", 0, 41, &i), -EBADMSG);
        assert_int_equal(channel_get_int(o, "neg", 0, 100, &i), -EBADMSG);
        assert_int_equal(channel_get_int(o, "big", 0, INT64_MAX - 1, &i), -EBADMSG);
        assert_int_equal(channel_get_int(o, "s", 0, 100, &i), -EBADMSG);

        assert_int_equal(channel_get_strv(o, "l", 2, 1, &l), 0);
        assert_string_equal(l[0], "x");
        assert_string_equal(l[1], "y");
        assert_null(l[2]);
        strv_free(l);
        l = NULL;
        assert_int_equal(channel_get_strv(o, "l", 1, 1, &l), -EBADMSG);
        assert_int_equal(channel_get_strv(o, "bad", 8, 8, &l), -EBADMSG);
        assert_int_equal(channel_get_strv(o, "s", 8, 8, &l), -EBADMSG);
        assert_int_equal(channel_get_strv(o, "n", 8, 8, &l), 0);
        assert_null(l);
}

static void test_send_recv(void **state) {
        _cleanup_json_ json_object *o = parse("{\"op\": \"collect\", \"seq_number\": 3}"), *back = NULL;
        uint32_t be;
        int sv[2];
        int64_t i;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(channel_send(sv[0], o), 0);
        assert_int_equal(channel_recv(sv[1], 1000, &back), 0);
        assert_int_equal(channel_get_int(back, "seq_number", 0, 10, &i), 0);
        assert_int_equal(i, 3);

        /* Nothing sent: a timeout, not a hang. */
        assert_int_equal(channel_recv(sv[1], 50, &back), -ETIMEDOUT);

        /* A frame announcing more than a message may hold. */
        be = htobe32(CHANNEL_MESSAGE_MAX + 1);
        assert_int_equal(send(sv[0], &be, sizeof be, 0), (ssize_t) sizeof be);
        assert_int_equal(channel_recv(sv[1], 1000, &back), -EBADMSG);

        /* A message cut short by the end of the channel. */
        be = htobe32(100);
        assert_int_equal(send(sv[0], &be, sizeof be, 0), (ssize_t) sizeof be);
        assert_int_equal(send(sv[0], "{\"a\"", 4, 0), 4);
        assert_int_equal(close(sv[0]), 0);
        assert_int_equal(channel_recv(sv[1], 1000, &back), -EBADMSG);
        /* And a clean end between messages. */
        assert_int_equal(channel_recv(sv[1], 1000, &back), -ENODATA);
        assert_int_equal(close(sv[1]), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_refuses),
                cmocka_unit_test(test_getters),
                cmocka_unit_test(test_send_recv),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
