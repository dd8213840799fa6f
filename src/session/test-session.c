/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "session/session.h"
#include "shared/strv.h"
#include "shared/tests.h"

#define NAME "session_2025-11-26_12-00-00_123456_4242"

/* Each test gets a fake tree: <base>/ray is Ray's temp dir. */
static char *base;
static char temp[PATH_MAX];

static int setup(void **state) {
        base = test_tmpdir("test-session");
        snprintf(temp, sizeof temp, "%s/ray", base);
        assert_int_equal(mkdir(temp, 0777), 0);
        return 0;
}

static int teardown(void **state) {
        rm_rf_and_freep(&base);
        return 0;
}

static const char *at(const char *rel) {
        static char buf[4][PATH_MAX];
        static unsigned i;

        i = (i + 1) % 4;
        snprintf(buf[i], PATH_MAX, "%s/%s", base, rel);
        return buf[i];
}

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

/* A session named NAME with logs/. */
static void make_session(void) {
        assert_int_equal(mkdir(at("ray/" NAME), 0777), 0);
        assert_int_equal(mkdir(at("ray/" NAME "/logs"), 0777), 0);
}

/* The session as discovery gives it (session/discover.h, tested on its own):
 * its directory opened without following a link, its owner the Ray user. */
static Session *find_session(void) {
        Session *s = calloc(1, sizeof(Session));
        struct stat st;

        assert_non_null(s);
        s->name = strdup(NAME);
        s->path = strdup(at("ray/" NAME));
        assert_non_null(s->name);
        assert_non_null(s->path);
        s->fd = open(s->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        assert_true(s->fd >= 0);
        assert_int_equal(fstat(s->fd, &st), 0);
        s->uid = st.st_uid;
        s->gid = st.st_gid;
        return s;
}

static void test_start_time(void **state) {
        struct tm tm = { .tm_year = 125, .tm_mon = 6, .tm_mday = 1, .tm_hour = 12, .tm_isdst = -1 };
        int64_t ms;

        assert_int_equal(setenv("TZ", "UTC", 1), 0);
        tzset();
        assert_int_equal(session_start_time_ms(NAME, &ms), 0);
        assert_int_equal(ms, INT64_C(1764158400123));
        assert_int_equal(session_start_time_ms("session_2024-02-29_23-59-59_999999_1", &ms), 0);
        assert_int_equal(ms, INT64_C(1709251199999));

        /* Local time, daylight saving time included: New York rules without tzdata. */
        assert_int_equal(setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1), 0);
        tzset();
        assert_int_equal(session_start_time_ms(NAME, &ms), 0);
        assert_int_equal(ms, INT64_C(1764158400123) + 5 * 3600 * 1000);
        assert_int_equal(session_start_time_ms("session_2025-07-01_12-00-00_000999_77", &ms), 0);
        assert_int_equal(ms, INT64_C(1751385600000));
        assert_int_equal(ms, (int64_t) mktime(&tm) * 1000);

        assert_int_equal(unsetenv("TZ"), 0);
        tzset();
}

static void test_start_time_malformed(void **state) {
        static const char *bad[] = {
                "",
                "session_",
                "session_latest",
                "session_2025-11-26_12-00-00_123456",
                "session_2025-11-26_12-00-00_123456_",
                "session_2025-11-26_12-00-00_123456_42x",
                "session_2025-11-26_12-00-00_123456_12345678901",
                "session_2025-11-26_12-00-00_12345_4242",
                "session_2025-11-26_12-00-00-123456_4242",
                "session_2025-13-26_12-00-00_123456_4242",
                "session_2025-00-26_12-00-00_123456_4242",
                "session_2025-02-29_12-00-00_123456_4242",
                "session_2025-04-31_12-00-00_123456_4242",
                "session_2025-11-26_24-00-00_123456_4242",
                "session_2025-11-26_12-60-00_123456_4242",
                "session_2025-11-26_12-00-60_123456_4242",
                "session_1969-12-31_23-59-59_000000_1",
                "session_2o25-11-26_12-00-00_123456_4242",
                "session_2025-1a-26_12-00-00_123456_4242",
                "session_+025-11-26_12-00-00_123456_4242",
                "xsession_2025-11-26_12-00-00_123456_4242",
                "session_2025-11-26_12-00-00_123456_-1",
        };
        int64_t ms = 42;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(session_start_time_ms(bad[i], &ms), -EINVAL);
        assert_int_equal(session_start_time_ms(NULL, &ms), -EINVAL);
        assert_int_equal(ms, 42);
}

static void test_read_file(void **state) {
        _cleanup_session_ Session *s = NULL;
        char *buf = NULL;
        size_t size = 0;

        make_session();
        write_text(at("ray/" NAME "/logs/dashboard.log"), "0123456789");
        assert_int_equal(mkdir(at("ray/" NAME "/logs/dir"), 0777), 0);
        assert_int_equal(symlink("dashboard.log", at("ray/" NAME "/logs/link.log")), 0);
        assert_int_equal(symlink("/etc/passwd", at("ray/" NAME "/logs/passwd")), 0);
        assert_int_equal(symlink("logs", at("ray/" NAME "/logs2")), 0);
        assert_int_equal(mkfifo(at("ray/" NAME "/logs/fifo"), 0666), 0);
        s = find_session();

        assert_int_equal(session_read_file(s, "logs/dashboard.log", 1024, &buf, &size), 0);
        assert_string_equal(buf, "0123456789");
        assert_int_equal(size, 10);
        free(buf);

        assert_int_equal(session_read_file(s, "logs/link.log", 1024, &buf, &size), -ELOOP);
        assert_int_equal(session_read_file(s, "logs/passwd", 1024, &buf, &size), -ELOOP);
        assert_int_equal(session_read_file(s, "logs/dir", 1024, &buf, &size), -EISDIR);
        assert_int_equal(session_read_file(s, "logs/fifo", 1024, &buf, &size), -EBADFD);
        assert_int_equal(session_read_file(s, "logs/dashboard.log", 4, &buf, &size), -EFBIG);
        assert_int_equal(session_read_file(s, "logs/missing", 1024, &buf, &size), -ENOENT);
        assert_int_equal(session_read_file(s, "logs2/dashboard.log", 1024, &buf, &size), -ELOOP);
        assert_int_equal(session_read_file(s, "logs/dashboard.log/x", 1024, &buf, &size), -ENOTDIR);

        assert_int_equal(session_read_file(s, "../" NAME "/logs/dashboard.log", 1024, &buf, &size), -EINVAL);
        assert_int_equal(session_read_file(s, "logs/../logs/dashboard.log", 1024, &buf, &size), -EINVAL);
        assert_int_equal(session_read_file(s, "./logs/dashboard.log", 1024, &buf, &size), -EINVAL);
        assert_int_equal(session_read_file(s, "logs//dashboard.log", 1024, &buf, &size), -EINVAL);
        assert_int_equal(session_read_file(s, "/etc/passwd", 1024, &buf, &size), -EINVAL);
        assert_int_equal(session_read_file(s, "logs/", 1024, &buf, &size), -EINVAL);
        assert_int_equal(session_read_file(s, "", 1024, &buf, &size), -EINVAL);
}

static void test_read_file_other_owner(void **state) {
        _cleanup_session_ Session *s = NULL;
        char *buf = NULL;

        if (geteuid() != 0) {
                print_message("Skipping: giving a file to another owner needs root.\n");
                skip();
        }
        make_session();
        write_text(at("ray/" NAME "/logs/dashboard.log"), "Dashboard head http address: 127.0.0.1:9999\n");
        s = find_session();

        assert_int_equal(chown(at("ray/" NAME "/logs/dashboard.log"), 65534, 65534), 0);
        assert_int_equal(session_read_file(s, "logs/dashboard.log", 1024, &buf, NULL), -EPERM);
        assert_int_equal(session_open_file(s, "logs/dashboard.log"), -EPERM);

        /* A directory of another owner on the way is refused too. */
        assert_int_equal(chown(at("ray/" NAME "/logs/dashboard.log"), 0, 0), 0);
        assert_int_equal(chown(at("ray/" NAME "/logs"), 65534, 65534), 0);
        assert_int_equal(session_read_file(s, "logs/dashboard.log", 1024, &buf, NULL), -EPERM);
}

static void test_library_name_is_valid(void **state) {
        char longest[66];

        memset(longest, 'x', 65);
        longest[65] = 0;
        assert_false(library_name_is_valid(longest));
        longest[64] = 0;
        assert_true(library_name_is_valid(longest));
        assert_true(library_name_is_valid("core"));
        assert_true(library_name_is_valid("util.ActorPool"));
        assert_true(library_name_is_valid("a-b_c.9"));
        assert_true(library_name_is_valid("..."));
        assert_false(library_name_is_valid(""));
        assert_false(library_name_is_valid(NULL));
        assert_false(library_name_is_valid("."));
        assert_false(library_name_is_valid(".."));
        assert_false(library_name_is_valid("a/b"));
        assert_false(library_name_is_valid("a b"));
        assert_false(library_name_is_valid("é"));
        assert_false(library_name_is_valid("a\n"));
}

static void touch(const char *path) {
        write_text(path, "");
}

static void test_library_usages(void **state) {
        _cleanup_session_ Session *s = NULL;
        _cleanup_strv_free_ char **l = NULL;

        make_session();
        s = find_session();

        assert_int_equal(session_library_usages(s, &l), 0);
        assert_null(l);

        touch(at("ray/" NAME "/_ray_lib_usage-core.txt"));
        touch(at("ray/" NAME "/_ray_lib_usage-util.ActorPool.txt"));
        touch(at("ray/" NAME "/_ray_lib_usage-Zeta.txt"));
        touch(at("ray/" NAME "/_ray_lib_usage-a_b.txt"));
        touch(at("ray/" NAME "/_ray_lib_usage-.txt"));
        touch(at("ray/" NAME "/_ray_lib_usage-bad name.txt"));
        touch(at("ray/" NAME "/_ray_lib_usage-noext"));
        touch(at("ray/" NAME "/_ray_lib_usage-...txt"));
        touch(at("ray/" NAME "/other-file.txt"));
        touch(at("target"));
        assert_int_equal(symlink(at("target"), at("ray/" NAME "/_ray_lib_usage-linked.txt")), 0);
        assert_int_equal(mkdir(at("ray/" NAME "/_ray_lib_usage-dir.txt"), 0755), 0);
        assert_int_equal(mkfifo(at("ray/" NAME "/_ray_lib_usage-fifo.txt"), 0644), 0);
        if (geteuid() == 0) {
                touch(at("ray/" NAME "/_ray_lib_usage-foreign.txt"));
                assert_int_equal(chown(at("ray/" NAME "/_ray_lib_usage-foreign.txt"), 65534, 65534), 0);
        }

        assert_int_equal(session_library_usages(s, &l), 0);
        assert_int_equal(strv_length(l), 4);
        assert_string_equal(l[0], "Zeta");
        assert_string_equal(l[1], "a_b");
        assert_string_equal(l[2], "core");
        assert_string_equal(l[3], "util.ActorPool");
}

static void test_record_library(void **state) {
        _cleanup_session_ Session *s = NULL;
        _cleanup_strv_free_ char **l = NULL;
        char *buf = NULL;
        struct stat st;

        make_session();
        s = find_session();

        assert_int_equal(session_record_library(s, "bad name"), -EINVAL);
        assert_int_equal(session_record_library(s, ".."), -EINVAL);
        assert_int_equal(session_record_library(s, "core"), 0);
        assert_int_equal(session_record_library(s, "core"), 0);
        assert_int_equal(lstat(at("ray/" NAME "/_ray_lib_usage-core.txt"), &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(st.st_size, 0);

        /* A link planted under the marker's name is replaced, its target untouched. */
        write_text(at("victim"), "keep");
        assert_int_equal(symlink(at("victim"), at("ray/" NAME "/_ray_lib_usage-train.txt")), 0);
        assert_int_equal(session_record_library(s, "train"), 0);
        assert_int_equal(lstat(at("ray/" NAME "/_ray_lib_usage-train.txt"), &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(stat(at("victim"), &st), 0);
        assert_int_equal(st.st_size, 4);

        /* So is a file of another owner (which the reader would ignore). */
        if (geteuid() == 0) {
                touch(at("ray/" NAME "/_ray_lib_usage-serve.txt"));
                assert_int_equal(chown(at("ray/" NAME "/_ray_lib_usage-serve.txt"), 65534, 65534), 0);
        }
        assert_int_equal(session_record_library(s, "serve"), 0);

        assert_int_equal(session_library_usages(s, &l), 0);
        assert_int_equal(strv_length(l), 3);
        assert_string_equal(l[0], "core");
        assert_string_equal(l[1], "serve");
        assert_string_equal(l[2], "train");

        /* Root recording into another user's session would write a marker nobody counts. */
        if (geteuid() == 0) {
                s = session_free(s);
                assert_int_equal(chown(at("ray/" NAME), 65534, 65534), 0);
                s = find_session();
                assert_int_equal(s->uid, 65534);
                assert_int_equal(session_record_library(s, "data"), -EPERM);
                assert_int_equal(session_read_file(s, "_ray_lib_usage-data.txt", 10, &buf, NULL), -ENOENT);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start_time),
                cmocka_unit_test(test_start_time_malformed),
                cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_file_other_owner, setup, teardown),
                cmocka_unit_test(test_library_name_is_valid),
                cmocka_unit_test_setup_teardown(test_library_usages, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_library, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
