/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "shared/table.h"

static char *print(const Table *t) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(table_print(t, f), 0);
        assert_int_equal(fclose(f), 0);
        return buf;
}

/* A 56-digit cluster id widens its column; the columns after it stay in line. */
static void test_widths(void **state) {
        _cleanup_(table_done) Table t = {};
        _cleanup_free_ char *out = NULL;

        assert_int_equal(table_init(&t, 3, (const char *const[]) { "SESSION_ID", "SEQ", "RESULT" }, "-r-"), 0);
        assert_int_equal(table_add(&t, (const char *const[]) {
                "3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718", "12", "sent" }), 0);
        assert_int_equal(table_add(&t, (const char *const[]) { "r0tat3d", NULL, "h\xc3\xa9" }), 0);
        out = print(&t);
        assert_string_equal(out,
                "SESSION_ID                                               SEQ RESULT\n"
                "3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718  12 sent\n"
                "r0tat3d                                                    - h\xc3\xa9\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_widths),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
