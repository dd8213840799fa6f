/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "shared/macro.h"
#include "shared/strv.h"
#include "state/field-list.h"
#include "shared/tests.h"

static const char *dir; /* the test's own, tmpdir_setup()'s */

static void write_text(const char *text) {
        char path[128];
        FILE *f;

        snprintf(path, sizeof path, "%s/fields.json", dir);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void test_first_same_changed_next(void **state) {
        char *v1[] = { (char *) "a", (char *) "b", (char *) "c", NULL };
        char *v2[] = { (char *) "a", (char *) "c", (char *) "d", (char *) "e", NULL };
        FieldNotice n;

        dir = *state;

        /* The first list ever: remembered, nothing to notice. */
        assert_int_equal(field_list_update(dir, v1, 1000, &n), 0);
        assert_int_equal(field_list_notice(dir, &n), 0);
        assert_int_equal(field_list_update(dir, v1, 2000, &n), 0);

        /* Another list: one notice with what was added and removed, kept for status. */
        assert_int_equal(field_list_update(dir, v2, 3000, &n), 1);
        assert_int_equal(n.time_ms, 3000);
        assert_int_equal(strv_length(n.added), 2);
        assert_string_equal(n.added[0], "d");
        assert_string_equal(n.added[1], "e");
        assert_int_equal(strv_length(n.removed), 1);
        assert_string_equal(n.removed[0], "b");
        field_notice_done(&n);
        assert_int_equal(field_list_notice(dir, &n), 1);
        assert_int_equal(n.time_ms, 3000);
        assert_string_equal(n.removed[0], "b");
        field_notice_done(&n);

        /* The next report with the same list ends the notice, and does not repeat it. */
        assert_int_equal(field_list_update(dir, v2, 4000, &n), 0);
        assert_int_equal(field_list_notice(dir, &n), 0);
        assert_int_equal(field_list_update(dir, v2, 5000, &n), 0);

        /* A corrupt file is no list: no notice, and it is replaced. */
        write_text("{\"fields\": [1, 2]}");
        assert_int_equal(field_list_update(dir, v1, 6000, &n), 0);
        assert_int_equal(field_list_update(dir, v2, 7000, &n), 1);
        field_notice_done(&n);
        write_text("garbage");
        assert_int_equal(field_list_notice(dir, &n), 0);

}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_first_same_changed_next, tmpdir_setup, tmpdir_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
