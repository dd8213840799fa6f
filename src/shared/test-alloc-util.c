/* SPDX-License-Identifier: MIT */
#include "shared/alloc-util.h"
#include "shared/tests.h"

static void test_grows_geometrically(void **state) {
        _cleanup_free_ int *a = NULL;
        size_t allocated = 0, reallocs = 0;

        for (size_t n = 0; n < 10000; n++) {
                size_t before = allocated;

                assert_int_equal(GREEDY_REALLOC(a, allocated, n + 1), 0);
                assert_true(allocated >= n + 1);
                reallocs += allocated != before;
                a[n] = (int) n;
        }
        /* Doubling: a handful of reallocations for ten thousand appends. */
        assert_true(reallocs < 20);
        for (size_t n = 0; n < 10000; n++)
                assert_int_equal(a[n], (int) n);
}

static void test_enough_is_untouched(void **state) {
        _cleanup_free_ char *b = NULL;
        size_t allocated = 0;
        char *p;

        assert_int_equal(GREEDY_REALLOC(b, allocated, 10), 0);
        assert_true(allocated >= 64); /* small arrays start at 64 bytes */
        p = b;
        assert_int_equal(GREEDY_REALLOC(b, allocated, allocated), 0);
        assert_ptr_equal(b, p);
}

static void test_never_beyond_max(void **state) {
        _cleanup_free_ char *b = NULL;
        size_t allocated = 0;

        assert_int_equal(GREEDY_REALLOC_MAX(b, allocated, 1000, 1500), 0);
        assert_int_equal(allocated, 1500);
        /* need is cut to max: nothing to do. */
        assert_int_equal(GREEDY_REALLOC_MAX(b, allocated, 5000, 1500), 0);
        assert_int_equal(allocated, 1500);
}

static void test_overflow_is_enomem(void **state) {
        _cleanup_free_ uint64_t *a = NULL;
        size_t allocated = 0;

        assert_int_equal(GREEDY_REALLOC(a, allocated, SIZE_MAX / 4), -ENOMEM);
        assert_null(a);
        assert_int_equal(allocated, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_grows_geometrically),
                cmocka_unit_test(test_enough_is_untouched),
                cmocka_unit_test(test_never_beyond_max),
                cmocka_unit_test(test_overflow_is_enomem),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
