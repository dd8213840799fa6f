/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "shared/escape.h"

static void check(const char *in, size_t n, const char *expected) {
        _cleanup_free_ char *out = escape_text(in, n);

        assert_non_null(out);
        assert_string_equal(out, expected);
}

static void test_controls(void **state) {
        check("plain text, ünïcode ✓", strlen("plain text, ünïcode ✓"), "plain text, ünïcode ✓");
        check("a\nDecision: disabled", 20, "a\\nDecision: disabled");
        check("\x1b]0;owned\x07", 10, "\\e]0;owned\\x07");
        check("\r\t\x7f", 3, "\\r\\t\\x7f");
        check("nul\0after", 9, "nul\\x00after");
        check("back\\slash", 10, "back\\slash");
        check("", 0, "");
}

static void test_c1_and_invalid_utf8(void **state) {
        /* U+009B, the one-byte CSI of 8-bit terminals, in UTF-8 */
        check("\xc2\x9b" "31m", 5, "\\xc2\\x9b31m");
        /* a lone continuation byte, an overlong "/", a surrogate, a truncated sequence */
        check("\x80", 1, "\\x80");
        check("\xc0\xaf", 2, "\\xc0\\xaf");
        check("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
        check("ok\xe2\x9c", 4, "ok\\xe2\\x9c");
        /* a raw 8-bit CSI byte */
        check("\x9b" "2J", 3, "\\x9b2J");
}

static void test_line(void **state) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(fprintf_escaped(f, "Session id:    %s", "x\n\x1b[2Jforged"), 0);
        assert_int_equal(fclose(f), 0);
        assert_string_equal(buf, "Session id:    x\\n\\e[2Jforged\n");
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_controls),
                cmocka_unit_test(test_c1_and_invalid_utf8),
                cmocka_unit_test(test_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
