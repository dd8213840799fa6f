/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "state/state.h"
#include "shared/macro.h"
#include "shared/strv.h"
#include "shared/tests.h"

#define NAME "session_2025-11-26_12-00-00_123456_4242"
/* A valid file's counters, to be completed or spoiled. */
#define HEAD "{\"seq_number\": 1, \"total_success\": 0, \"total_failed\": 0, \"pending\": false"

static char *base;
static char dir[256];

static int setup(void **state) {
        base = test_tmpdir("test-state");
        /* Not there yet: the lock creates it. */
        snprintf(dir, sizeof dir, "%s/var/lib/ray-usage-stats", base);
        return 0;
}

static int teardown(void **state) {
        rm_rf_and_freep(&base);
        return 0;
}

static const char *in_dir(const char *name) {
        static char buf[512];

        snprintf(buf, sizeof buf, "%s/%s", dir, name);
        return buf;
}

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void assert_empty(const State *s) {
        assert_int_equal(s->seq_number, 0);
        assert_int_equal(s->total_success, 0);
        assert_int_equal(s->total_failed, 0);
        assert_false(s->pending);
        assert_null(s->session_id);
        assert_null(s->fallback_session_id);
        assert_int_equal(s->last_time_ms, 0);
        assert_int_equal(s->last_success, -1);
        assert_null(s->last_error);
}

static void check_directory(const char *expected) {
        char *p = NULL;

        assert_int_equal(state_directory(&p), 0);
        assert_string_equal(p, expected);
        free(p);
}

static void test_directory(void **state) {
        char *p = NULL;
        uid_t euid = geteuid();

        assert_int_equal(setenv("STATE_DIRECTORY", "/run/a:/run/b", 1), 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_STATE_DIR", "/custom", 1), 0);
        check_directory("/run/a");
        assert_int_equal(setenv("STATE_DIRECTORY", "relative", 1), 0);
        assert_int_equal(state_directory(&p), -EINVAL);
        assert_int_equal(setenv("STATE_DIRECTORY", "", 1), 0);
        check_directory("/custom");
        assert_int_equal(setenv("RAY_USAGE_STATS_STATE_DIR", "relative", 1), 0);
        assert_int_equal(state_directory(&p), -EINVAL);
        assert_int_equal(unsetenv("STATE_DIRECTORY"), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_STATE_DIR"), 0);
        if (euid == 0)
                check_directory("/var/lib/ray-usage-stats");

        /* The per-user default, as an unprivileged user (a temporary switch when root). */
        if (euid == 0)
                assert_int_equal(seteuid(65534), 0);
        assert_int_equal(setenv("XDG_STATE_HOME", "/xdg", 1), 0);
        check_directory("/xdg/ray-usage-stats");
        assert_int_equal(setenv("XDG_STATE_HOME", "relative", 1), 0);
        assert_int_equal(setenv("HOME", "/home/ray", 1), 0);
        check_directory("/home/ray/.local/state/ray-usage-stats");
        if (euid == 0)
                assert_int_equal(seteuid(0), 0);
        assert_int_equal(unsetenv("XDG_STATE_HOME"), 0);
}

static void test_missing(void **state) {
        State s;

        assert_int_equal(state_load(dir, NAME, &s), 0);
        assert_empty(&s);
        assert_int_equal(state_load_readonly(dir, NAME, &s), 0);
        assert_empty(&s);
}

static void test_bad_names(void **state) {
        static const char *bad[] = { "", ".hidden", "a/b", "/abs", "..", NULL };
        State s = { .last_success = -1 };
        int fd;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(state_lock(dir, bad[i], &fd), -EINVAL);
                assert_int_equal(state_load(dir, bad[i], &s), -EINVAL);
                assert_int_equal(state_save(dir, bad[i], &s), -EINVAL);
        }
}

static void test_round_trip(void **state) {
        State s = {
                .seq_number = 41,
                .total_success = 30,
                .total_failed = 11,
                .pending = true,
                .session_id = (char *) "a1b2c3",
                .fallback_session_id = (char *) "6f1c9d1e-3b1a-4c51-9f7a-2b7d1f0e8a11",
                .last_time_ms = INT64_C(1764158400123),
                .last_success = 0,
                .last_error = (char *) "Connection refused \"quoted\" \\ back",
        }, t;
        struct stat st;
        int fd;

        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        assert_int_equal(close(fd), 0);

        assert_int_equal(stat(in_dir(NAME ".json"), &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644);

        assert_int_equal(state_load(dir, NAME, &t), 0);
        assert_int_equal(t.seq_number, 41);
        assert_int_equal(t.total_success, 30);
        assert_int_equal(t.total_failed, 11);
        assert_true(t.pending);
        assert_string_equal(t.session_id, s.session_id);
        assert_string_equal(t.fallback_session_id, s.fallback_session_id);
        assert_int_equal(t.last_time_ms, s.last_time_ms);
        assert_int_equal(t.last_success, 0);
        assert_string_equal(t.last_error, s.last_error);
        state_done(&t);
        assert_empty(&t);

        /* Unset values come back unset. */
        s = (State) { .seq_number = 1, .last_success = -1 };
        assert_int_equal(state_save(dir, NAME, &s), 0);
        assert_int_equal(state_load(dir, NAME, &t), 0);
        assert_int_equal(t.seq_number, 1);
        t.seq_number = 0;
        assert_empty(&t);
}

static void test_endpoints(void **state) {
        _cleanup_(state_done) State s = { .last_success = -1 }, t = {};
        int fd;

        assert_int_equal(state_endpoint_reserve(&s, "http://a/"), 0);
        assert_int_equal(state_endpoint_reserve(&s, "http://b/"), 0);
        assert_int_equal(state_endpoint_finish(&s, "http://a/", true, NULL, 1000), 0);
        assert_int_equal(state_endpoint_finish(&s, "http://b/", false, "HTTP 500\n", 1000), 0);
        assert_int_equal(state_endpoint_finish(&s, "http://b/", false, "twice", 1000), -ENOENT);
        assert_int_equal(state_endpoint_reserve(&s, "http://a/"), 0); /* a run killed mid-POST */

        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        close(fd);
        assert_int_equal(state_load(dir, NAME, &t), 0);
        assert_int_equal(t.n_endpoints, 2);
        assert_string_equal(t.endpoints[0].url, "http://a/");
        assert_int_equal(t.endpoints[0].total_success, 1);
        assert_true(t.endpoints[0].pending);
        assert_string_equal(t.endpoints[1].url, "http://b/");
        assert_int_equal(t.endpoints[1].total_failed, 1);
        assert_int_equal(t.endpoints[1].last_success, 0);
        assert_string_equal(t.endpoints[1].last_error, "HTTP 500?");
        assert_int_equal(t.endpoints[1].last_time_ms, 1000);

        /* The pending one counts as failed, and Ray's counters are untouched. */
        state_begin_attempt(&t);
        assert_int_equal(t.endpoints[0].total_failed, 1);
        assert_false(t.endpoints[0].pending);
        assert_int_equal(t.total_failed, 0);
        assert_int_equal(t.total_success, 0);

        for (int i = 2; i < STATE_ENDPOINTS_MAX; i++) {
                char url[32];

                snprintf(url, sizeof url, "http://h%d/", i);
                assert_int_equal(state_endpoint_reserve(&t, url), 0);
        }
        assert_int_equal(state_endpoint_reserve(&t, "http://one-too-many/"), -E2BIG);
}

static void test_list_sessions(void **state) {
        State s = { .seq_number = 1, .last_success = -1 };
        char **l = NULL;
        int fd;

        assert_int_equal(state_list_sessions(dir, &l), 0); /* no directory yet */
        assert_null(l);
        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        assert_int_equal(state_save(dir, "session_2025-11-27_00-00-00_1_1", &s), 0);
        close(fd);
        write_text(in_dir(NAME ".json.corrupt"), "x");
        write_text(in_dir("." NAME ".json.0123456789abcdef.tmp"), "x");
        write_text(in_dir("fields.json"), "{}");

        assert_int_equal(state_list_sessions(dir, &l), 0);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[0], NAME);
        assert_string_equal(l[1], "session_2025-11-27_00-00-00_1_1");
        strv_free(l);
}

static void test_corrupt(void **state) {
        static const char *bad[] = {
                "",
                "garbage",
                "{\"seq_number\": 1, \"total_success\": 0, \"total_fa",
                "[]",
                "null",
                "{}",
                "{\"seq_number\": \"1\", \"total_success\": 0, \"total_failed\": 0, \"pending\": false}",
                "{\"seq_number\": -1, \"total_success\": 0, \"total_failed\": 0, \"pending\": false}",
                "{\"seq_number\": 1.5, \"total_success\": 0, \"total_failed\": 0, \"pending\": false}",
                "{\"seq_number\": 1, \"total_success\": 0, \"total_failed\": 0, \"pending\": 1}",
                HEAD ", \"session_id\": 5}",
                HEAD ", \"last_report\": 3}",
                HEAD ", \"last_report\": {\"time_ms\": -5}}",
                HEAD ", \"last_report\": {\"success\": \"yes\"}}",
                HEAD ", \"session_id\": \"a\\u0000b\"}",
                HEAD "} trailing",
                HEAD ", \"ray_success\": 1}",
        };
        struct stat st;
        State s;
        int fd;

        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                write_text(in_dir(NAME ".json"), bad[i]);

                /* status only looks. */
                assert_int_equal(state_load_readonly(dir, NAME, &s), 0);
                assert_empty(&s);
                assert_int_equal(stat(in_dir(NAME ".json"), &st), 0);

                assert_int_equal(state_load(dir, NAME, &s), 0);
                assert_empty(&s);
                assert_int_equal(stat(in_dir(NAME ".json"), &st), -1);
                assert_int_equal(stat(in_dir(NAME ".json.corrupt"), &st), 0);
                assert_int_equal(st.st_size, strlen(bad[i]));
        }

        /* A planted link is moved aside, never followed. */
        write_text(in_dir("elsewhere"), HEAD "}");
        assert_int_equal(symlink("elsewhere", in_dir(NAME ".json")), 0);
        assert_int_equal(state_load(dir, NAME, &s), 0);
        assert_empty(&s);
        assert_int_equal(lstat(in_dir(NAME ".json.corrupt"), &st), 0);
        assert_true(S_ISLNK(st.st_mode));

        /* And the next save starts afresh. */
        s.seq_number = 1;
        assert_int_equal(state_save(dir, NAME, &s), 0);
        assert_int_equal(state_load(dir, NAME, &s), 0);
        assert_int_equal(s.seq_number, 1);
        assert_int_equal(close(fd), 0);
}

static void test_attempt_protocol(void **state) {
        State s;
        uint64_t seq;
        int fd;

        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        assert_int_equal(state_load(dir, NAME, &s), 0);
        state_begin_attempt(&s);
        assert_int_equal(s.total_failed, 0);
        state_reserve_seq(&s, &seq);
        assert_int_equal(seq, 0);
        assert_int_equal(s.seq_number, 1);
        assert_true(s.pending);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        state_done(&s);
        assert_int_equal(close(fd), 0);

        /* That run "died" during its POST: the next run counts it as failed, once. */
        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        assert_int_equal(state_load(dir, NAME, &s), 0);
        assert_true(s.pending);
        state_begin_attempt(&s);
        assert_false(s.pending);
        assert_int_equal(s.total_failed, 1);
        state_begin_attempt(&s);
        assert_int_equal(s.total_failed, 1);
        state_reserve_seq(&s, &seq);
        assert_int_equal(seq, 1);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        assert_int_equal(state_finish_attempt(&s, true, true, NULL, 1000), 0);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        state_done(&s);
        assert_int_equal(close(fd), 0);

        assert_int_equal(state_load(dir, NAME, &s), 0);
        assert_int_equal(s.seq_number, 2);
        assert_int_equal(s.total_success, 1);
        assert_int_equal(s.total_failed, 1);
        assert_false(s.pending);
        assert_int_equal(s.last_time_ms, 1000);
        assert_int_equal(s.last_success, 1);
        assert_null(s.last_error);
        state_begin_attempt(&s);
        assert_int_equal(s.total_failed, 1);

        /* A failure, with an error that is not fit for a terminal. */
        state_reserve_seq(&s, &seq);
        assert_int_equal(seq, 2);
        assert_int_equal(state_finish_attempt(&s, false, true, "HTTP 503\n\x1b[31mred\xc3\xa9", 2000), 0);
        assert_int_equal(s.total_failed, 2);
        assert_int_equal(s.last_success, 0);
        assert_string_equal(s.last_error, "HTTP 503??[31mred??");
        assert_int_equal(state_finish_attempt(&s, true, true, NULL, 3000), 0);
        assert_null(s.last_error);
        state_done(&s);
}

/* Successes that reached Ray's own endpoint, apart from those to a private report URL. */
static void test_ray_success(void **state) {
        State s = { .seq_number = 5, .total_success = 5, .ray_success = 2, .last_success = -1 }, t;
        int fd;

        assert_int_equal(state_lock(dir, NAME, &fd), 0);
        assert_int_equal(state_save(dir, NAME, &s), 0);
        assert_int_equal(state_load(dir, NAME, &t), 0);
        assert_int_equal(t.ray_success, 2);
        assert_int_equal(state_finish_attempt(&t, true, false, NULL, 1), 0);
        assert_int_equal(t.total_success, 6);
        assert_int_equal(t.ray_success, 2);
        assert_int_equal(state_finish_attempt(&t, true, true, NULL, 2), 0);
        assert_int_equal(t.ray_success, 3);
        assert_int_equal(state_finish_attempt(&t, false, true, "x", 3), 0);
        assert_int_equal(t.ray_success, 3);
        state_done(&t);

        /* A file of an older version: every success is taken to be Ray's. */
        write_text(in_dir(NAME ".json"), "{\"seq_number\": 4, \"total_success\": 3, \"total_failed\": 1, "
                                         "\"pending\": false}");
        assert_int_equal(state_load(dir, NAME, &t), 0);
        assert_int_equal(t.ray_success, 3);
        state_done(&t);
        assert_int_equal(close(fd), 0);
}

#define N_CHILDREN 20

static void test_concurrent(void **state) {
        uint64_t seqs[N_CHILDREN];
        bool seen[N_CHILDREN] = {};
        int pipefd[2];
        State s;

        assert_int_equal(pipe(pipefd), 0);
        for (int i = 0; i < N_CHILDREN; i++) {
                pid_t pid = fork();

                assert_true(pid >= 0);
                if (pid == 0) {
                        State c;
                        uint64_t seq;
                        int fd;

                        if (state_lock(dir, NAME, &fd) < 0 || state_load(dir, NAME, &c) < 0)
                                _exit(1);
                        state_begin_attempt(&c);
                        state_reserve_seq(&c, &seq);
                        if (state_save(dir, NAME, &c) < 0)
                                _exit(1);
                        /* Give the others a chance to interleave, were the lock not there. */
                        (void) nanosleep(&(struct timespec) { .tv_nsec = 1000 * 1000 }, NULL);
                        if (state_finish_attempt(&c, true, true, NULL, 1) < 0 || state_save(dir, NAME, &c) < 0)
                                _exit(1);
                        if (write(pipefd[1], &seq, sizeof seq) != sizeof seq)
                                _exit(1);
                        _exit(0);
                }
        }
        assert_int_equal(close(pipefd[1]), 0);
        for (int i = 0; i < N_CHILDREN; i++) {
                int status;

                assert_true(wait(&status) > 0);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
        }
        assert_int_equal(read(pipefd[0], seqs, sizeof seqs), sizeof seqs);
        assert_int_equal(close(pipefd[0]), 0);

        for (int i = 0; i < N_CHILDREN; i++) {
                assert_true(seqs[i] < N_CHILDREN);
                assert_false(seen[seqs[i]]);
                seen[seqs[i]] = true;
        }
        assert_int_equal(state_load(dir, NAME, &s), 0);
        assert_int_equal(s.seq_number, N_CHILDREN);
        assert_int_equal(s.total_success, N_CHILDREN);
        assert_int_equal(s.total_failed, 0);
        assert_false(s.pending);
}

static void test_killed_writer(void **state) {
        struct stat st;
        State s = { .last_success = -1 };

        assert_int_equal(state_save(dir, NAME, &s), 0);
        for (int i = 0; i < 10; i++) {
                pid_t pid = fork();

                assert_true(pid >= 0);
                if (pid == 0)
                        for (;;) {
                                State c;
                                uint64_t seq;

                                if (state_load(dir, NAME, &c) < 0)
                                        _exit(1);
                                state_begin_attempt(&c);
                                state_reserve_seq(&c, &seq);
                                (void) state_finish_attempt(&c, false, true, "killed at some point", 1);
                                if (state_save(dir, NAME, &c) < 0)
                                        _exit(1);
                                state_done(&c);
                        }
                (void) nanosleep(&(struct timespec) { .tv_nsec = (long) (1 + i) * 3 * 1000 * 1000 }, NULL);
                assert_int_equal(kill(pid, SIGKILL), 0);
                assert_int_equal(waitpid(pid, NULL, 0), pid);

                /* Whenever it died, the file is whole: nothing is moved aside. */
                assert_int_equal(state_load(dir, NAME, &s), 0);
                assert_int_equal(stat(in_dir(NAME ".json.corrupt"), &st), -1);
                assert_int_equal(s.seq_number, s.total_failed);
                state_done(&s);
        }
}

static void test_generate_session_id(void **state) {
        char *a = NULL, *b = NULL;

        assert_int_equal(state_generate_session_id(&a), 0);
        assert_int_equal(state_generate_session_id(&b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(strlen(a), 36);
        for (size_t i = 0; i < 36; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23)
                        assert_int_equal(a[i], '-');
                else
                        assert_non_null(strchr("0123456789abcdef", a[i]));
        }
        assert_int_equal(a[14], '4');
        assert_non_null(strchr("89ab", a[19]));
        free(a);
        free(b);
}

static void test_key(void **state) {
        char *key = NULL;

        assert_int_equal(state_key(1000, NAME, &key), 0);
        assert_string_equal(key, NAME "@1000");
        free(key);
        assert_int_equal(state_key(0, "", &key), -EINVAL);
        assert_int_equal(state_key(0, "a/b", &key), -EINVAL);
        assert_int_equal(state_key(0, "a@1", &key), -EINVAL);
}

/* Upgrade: the old "<name>.json" becomes the session's when it was written
 * after the directory came to be, never a later directory's of that name. */
static void test_migrate(void **state) {
        /* the session directory came to be half an hour ago */
        struct timespec born = { time(NULL) - 1800, 0 };
        char key[128];
        int fd;
        State t = {};

        snprintf(key, sizeof key, "%s@1000", NAME);
        assert_int_equal(state_lock(dir, key, &fd), 0);

        /* No old file: nothing to do. */
        assert_int_equal(state_migrate(dir, NAME, key, &born), 0);

        /* Written before this directory came to be: another directory's. */
        write_text(in_dir(NAME ".json"), HEAD ", \"session_id\": \"old\"}");
        assert_int_equal(utimensat(AT_FDCWD, in_dir(NAME ".json"),
                                   (struct timespec[]) { { 0, UTIME_OMIT }, { time(NULL) - 3600, 0 } }, 0), 0);
        assert_int_equal(state_migrate(dir, NAME, key, &born), 0);
        assert_int_equal(access(in_dir(NAME ".json"), F_OK), 0);
        assert_int_equal(access(in_dir(NAME "@1000.json"), F_OK), -1);

        /* Written since: carried over, once. */
        write_text(in_dir(NAME ".json"), HEAD ", \"session_id\": \"mine\"}");
        assert_int_equal(state_migrate(dir, NAME, key, &born), 1);
        assert_int_equal(access(in_dir(NAME ".json"), F_OK), -1);
        assert_int_equal(state_load(dir, key, &t), 0);
        assert_string_equal(t.session_id, "mine");
        assert_int_equal(t.seq_number, 1);
        state_done(&t);

        /* The keyed file is never replaced. */
        write_text(in_dir(NAME ".json"), HEAD ", \"session_id\": \"later\"}");
        assert_int_equal(state_migrate(dir, NAME, key, &born), 0);
        assert_int_equal(state_load(dir, key, &t), 0);
        assert_string_equal(t.session_id, "mine");
        state_done(&t);
        close(fd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_directory),
                cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_sessions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_endpoints, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_attempt_protocol, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ray_success, setup, teardown),
                cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
                cmocka_unit_test(test_generate_session_id),
                cmocka_unit_test(test_key),
                cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
