/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/tests.h"

static void touch_at(int dfd, const char *name) {
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        close(fd);
}

static bool exists_at(int dfd, const char *name) {
        struct stat st;

        return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0;
}

static void test_remove_stale_temporaries(void **state) {
        _cleanup_close_ int dfd = open(*state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *victim = NULL;

        assert_true(dfd >= 0);
        assert_true(asprintf(&victim, "%s/victim", (char *) *state) > 0);
        touch_at(dfd, "victim");
        touch_at(dfd, "usage_stats.json");
        touch_at(dfd, ".usage_stats.json.0123456789abcdef.tmp");
        assert_int_equal(symlinkat(victim, dfd, ".usage_stats.json.fedcba9876543210.tmp"), 0);
        /* Not ours: another name, a short or uppercase suffix, another ending. */
        touch_at(dfd, ".other.json.0123456789abcdef.tmp");
        touch_at(dfd, ".usage_stats.json.0123.tmp");
        touch_at(dfd, ".usage_stats.json.0123456789ABCDEF.tmp");
        touch_at(dfd, ".usage_stats.json.0123456789abcdef.tmpx");

        assert_int_equal(remove_stale_temporaries_at(dfd, "usage_stats.json"), 2);
        assert_false(exists_at(dfd, ".usage_stats.json.0123456789abcdef.tmp"));
        assert_false(exists_at(dfd, ".usage_stats.json.fedcba9876543210.tmp"));
        assert_true(exists_at(dfd, "victim"));
        assert_true(exists_at(dfd, "usage_stats.json"));
        assert_true(exists_at(dfd, ".other.json.0123456789abcdef.tmp"));
        assert_true(exists_at(dfd, ".usage_stats.json.0123.tmp"));
        assert_true(exists_at(dfd, ".usage_stats.json.0123456789ABCDEF.tmp"));
        assert_true(exists_at(dfd, ".usage_stats.json.0123456789abcdef.tmpx"));
        assert_int_equal(remove_stale_temporaries_at(dfd, "usage_stats.json"), 0);
}

static void test_write_atomic_replaces_planted_link(void **state) {
        _cleanup_close_ int dfd = open(*state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *victim = NULL, *buf = NULL;
        struct stat st;

        assert_true(dfd >= 0);
        assert_true(asprintf(&victim, "%s/victim", (char *) *state) > 0);
        touch_at(dfd, "victim");
        assert_int_equal(symlinkat(victim, dfd, "f.json"), 0);

        assert_int_equal(write_file_atomic_at(dfd, "f.json", "{}", 2, 0644), 0);
        assert_int_equal(fstatat(dfd, "f.json", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(fstatat(dfd, "victim", &st, 0), 0);
        assert_int_equal(st.st_size, 0);
        assert_int_equal(read_file_at(dfd, "f.json", 16, READ_NOFOLLOW | READ_REGULAR, 0, &buf, NULL), 0);
        assert_string_equal(buf, "{}");
        assert_int_equal(remove_stale_temporaries_at(dfd, "f.json"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_remove_stale_temporaries, tmpdir_setup, tmpdir_teardown),
                cmocka_unit_test_setup_teardown(test_write_atomic_replaces_planted_link, tmpdir_setup, tmpdir_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
