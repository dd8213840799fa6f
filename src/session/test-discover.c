/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "session/discover.h"
#include "shared/tests.h"

/* Discovery against fake /proc trees (kmod-testsuite style: the code reads
 * whatever directory fd it is given), and once against the real /proc with
 * a real process named gcs_server. */

#define NAME_A "session_2025-11-26_12-00-00_123456_4242"
#define NAME_B "session_2025-12-01_08-30-00_000001_77"

static char *base;
static int proc_fd = -1;

static const char *at(const char *rel) {
        static char buf[4][2 * PATH_MAX];
        static unsigned i;

        i = (i + 1) % 4;
        snprintf(buf[i], sizeof buf[i], "%s/%s", base, rel);
        return buf[i];
}

static int setup(void **state) {
        base = test_tmpdir("test-discover");
        assert_int_equal(mkdir(at("proc"), 0755), 0);
        assert_int_equal(mkdir(at("ray"), 0777), 0);
        proc_fd = open(at("proc"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(proc_fd >= 0);
        return 0;
}

static int teardown(void **state) {
        (void) close(proc_fd);
        rm_rf_and_freep(&base);
        return 0;
}

static void write_bytes(const char *path, const char *data, size_t size) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
}

/* A session directory <base>/ray/NAME with logs/, as Ray makes it. */
static void make_session_dir(const char *name) {
        char rel[PATH_MAX];

        snprintf(rel, sizeof rel, "ray/%s", name);
        assert_int_equal(mkdir(at(rel), 0777), 0);
        snprintf(rel, sizeof rel, "ray/%s/logs", name);
        assert_int_equal(mkdir(at(rel), 0777), 0);
}

/* /proc/PID of a fake process: comm, cmdline (args joined by NUL, as the
 * kernel shows them) and status with the given real uid and NSpid line. */
static void fake_process(int pid, const char *comm, uid_t uid, const char *nspid, const char *const *args) {
        char rel[64], text[1024], cmdline[8192];
        size_t n = 0;

        snprintf(rel, sizeof rel, "proc/%d", pid);
        assert_int_equal(mkdir(at(rel), 0555 | S_IWUSR), 0);
        snprintf(rel, sizeof rel, "proc/%d/comm", pid);
        snprintf(text, sizeof text, "%s\n", comm);
        write_bytes(at(rel), text, strlen(text));

        for (const char *const *a = args; *a; a++) {
                size_t l = strlen(*a) + 1;

                assert_true(n + l <= sizeof cmdline);
                memcpy(cmdline + n, *a, l);
                n += l;
        }
        snprintf(rel, sizeof rel, "proc/%d/cmdline", pid);
        write_bytes(at(rel), cmdline, n);

        snprintf(text, sizeof text,
                 "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t1\n"
                 "Uid:\t%u\t%u\t%u\t%u\nGid:\t0\t0\t0\t0\n%s%s%s",
                 comm, pid, pid, (unsigned) uid, (unsigned) uid + 7, (unsigned) uid + 7, (unsigned) uid + 7,
                 nspid ? "NSpid:\t" : "", nspid ?: "", nspid ? "\n" : "");
        snprintf(rel, sizeof rel, "proc/%d/status", pid);
        write_bytes(at(rel), text, strlen(text));
}

/* A GCS with Ray's arguments for the session <base>/ray/NAME. */
static void fake_gcs(int pid, uid_t uid, const char *name) {
        char log_dir[PATH_MAX + 16], session[128];

        snprintf(log_dir, sizeof log_dir, "--log_dir=%s/ray/%s/logs", base, name);
        snprintf(session, sizeof session, "--session-name=%s", name);
        fake_process(pid, "gcs_server", uid, NULL,
                     (const char *const[]) { "/usr/lib/python3/site-packages/ray/core/src/ray/gcs/gcs_server",
                                             log_dir, "--config_list=eyJ9", "--gcs_server_port=6379",
                                             "--metrics-agent-port=52365", "--node-ip-address=10.0.0.1",
                                             session, "--ray-commit=abc", NULL });
}

static void discover(HeadScan *scan) {
        assert_int_equal(heads_discover(proc_fd, scan), 0);
}

static void assert_head(const Session *s, int pid, const char *name) {
        char path[PATH_MAX];
        struct stat st;

        snprintf(path, sizeof path, "%s/ray/%s", base, name);
        assert_int_equal(s->pid, pid);
        assert_string_equal(s->name, name);
        assert_string_equal(s->path, path);
        assert_int_equal(s->uid, getuid());
        assert_int_equal(fstat(s->fd, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
}

static void test_one_head(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};

        make_session_dir(NAME_A);
        fake_gcs(4242, getuid(), NAME_A);
        /* Around it, processes that are not a GCS, whatever their arguments. */
        fake_process(1, "systemd", 0, "1", (const char *const[]) { "/sbin/init", NULL });
        fake_process(4300, "python3", getuid(), NULL,
                     (const char *const[]) { "python3", "--log_dir=/x/" NAME_A "/logs",
                                             "--session-name=" NAME_A, NULL });
        fake_process(4301, "gcs_server_x", getuid(), NULL, (const char *const[]) { "gcs", NULL });
        assert_int_equal(mkdir(at("proc/self"), 0755), 0);
        assert_int_equal(mkdir(at("proc/sys"), 0755), 0);
        write_bytes(at("proc/uptime"), "1.0 1.0\n", 8);

        discover(&scan);
        assert_int_equal(scan.n_heads, 1);
        assert_int_equal(scan.n_foreign, 0);
        assert_head(scan.heads[0], 4242, NAME_A);
}

static void test_no_head(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};

        /* "ray stop": the session directory stays, the GCS is gone. */
        make_session_dir(NAME_A);
        assert_int_equal(symlink(NAME_A, at("ray/session_latest")), 0);
        fake_process(1, "systemd", 0, "1", (const char *const[]) { "/sbin/init", NULL });

        discover(&scan);
        assert_int_equal(scan.n_heads, 0);
        assert_null(scan.heads);
}

static void test_two_heads_newest_first(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};

        make_session_dir(NAME_A);
        make_session_dir(NAME_B);
        fake_gcs(100, getuid(), NAME_A);
        fake_gcs(200, getuid(), NAME_B);
        /* A second GCS naming the same session is the same head. */
        fake_gcs(300, getuid(), NAME_A);

        discover(&scan);
        assert_int_equal(scan.n_heads, 2);
        assert_head(scan.heads[0], 200, NAME_B);
        assert_string_equal(scan.heads[1]->name, NAME_A);
}

/* Two users' sessions of the same name (another user can pick any name): two heads. */
static void test_same_name_two_users(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        char log_dir[PATH_MAX + 16];

        if (geteuid() != 0) {
                print_message("Skipping: giving a directory to another user needs root.\n");
                skip();
        }
        make_session_dir(NAME_A);
        fake_gcs(100, 0, NAME_A);
        assert_int_equal(mkdir(at("other"), 0755), 0);
        assert_int_equal(mkdir(at("other/" NAME_A), 0755), 0);
        assert_int_equal(chown(at("other/" NAME_A), 65534, 65534), 0);
        snprintf(log_dir, sizeof log_dir, "--log_dir=%s/other/" NAME_A "/logs", base);
        fake_process(200, "gcs_server", 65534, NULL,
                     (const char *const[]) { "gcs_server", log_dir, "--session-name=" NAME_A, NULL });

        discover(&scan);
        assert_int_equal(scan.n_heads, 2);
        assert_int_equal(scan.heads[0]->uid + scan.heads[1]->uid, 65534);
}

static void test_foreign_directory(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        char path[PATH_MAX];

        /* The GCS runs as another uid than the directory's owner: user M naming user A's session. */
        make_session_dir(NAME_A);
        fake_gcs(555, getuid() + 1000, NAME_A);

        discover(&scan);
        assert_int_equal(scan.n_heads, 0);
        assert_int_equal(scan.n_foreign, 1);
        snprintf(path, sizeof path, "%s/ray/%s", base, NAME_A);
        assert_int_equal(scan.foreign[0].pid, 555);
        assert_int_equal(scan.foreign[0].uid, getuid() + 1000);
        assert_int_equal(scan.foreign[0].dir_uid, getuid());
        assert_string_equal(scan.foreign[0].path, path);
}

static void test_nested_namespace(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        char log_dir[PATH_MAX + 16];

        make_session_dir(NAME_A);
        snprintf(log_dir, sizeof log_dir, "--log_dir=%s/ray/" NAME_A "/logs", base);
        fake_process(900, "gcs_server", getuid(), "900\t12", (const char *const[]) {
                        "gcs_server", log_dir, "--session-name=" NAME_A, NULL });

        discover(&scan);
        assert_int_equal(scan.n_heads, 0);
        assert_int_equal(scan.n_foreign, 0);

        /* One pid on the line: this namespace's own process. */
        assert_int_equal(rename(at("proc/900"), at("proc/901")), 0);
        {
                static const char status[] = "Name:\tgcs_server\nUid:\t0\t0\t0\t0\nNSpid:\t901\n";

                write_bytes(at("proc/901/status"), status, strlen(status));
        }
        head_scan_done(&scan);
        /* The status above says uid 0: a head only when we are root and own the directory. */
        discover(&scan);
        assert_int_equal(scan.n_heads + scan.n_foreign, 1);
}

static void test_not_a_real_directory(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};

        /* The session "directory" is a link to a real one, or missing. */
        make_session_dir(NAME_A);
        assert_int_equal(symlink(NAME_A, at("ray/" NAME_B)), 0);
        fake_gcs(10, getuid(), NAME_B);
        write_bytes(at("ray/session_2025-12-01_08-30-00_000001_78"), "x", 1);
        fake_gcs(11, getuid(), "session_2025-12-01_08-30-00_000001_78");
        fake_gcs(12, getuid(), "session_2025-12-01_08-30-00_000001_79");

        discover(&scan);
        assert_int_equal(scan.n_heads, 0);
        assert_int_equal(scan.n_foreign, 0);
}

static void test_bad_arguments(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        char log_dir[PATH_MAX + 16], other_dir[PATH_MAX + 16];

        make_session_dir(NAME_A);
        snprintf(log_dir, sizeof log_dir, "--log_dir=%s/ray/" NAME_A "/logs", base);
        snprintf(other_dir, sizeof other_dir, "--log_dir=%s/ray/" NAME_A "/logs/", base);
        /* Each lacks or garbles one thing. */
        fake_process(21, "gcs_server", getuid(), NULL, (const char *const[]) { "g", log_dir, NULL });
        fake_process(22, "gcs_server", getuid(), NULL,
                     (const char *const[]) { "g", "--session-name=" NAME_A, NULL });
        fake_process(23, "gcs_server", getuid(), NULL,
                     (const char *const[]) { "g", log_dir, "--session-name=" NAME_B, NULL });
        fake_process(24, "gcs_server", getuid(), NULL,
                     (const char *const[]) { "g", other_dir, "--session-name=" NAME_A, NULL });
        fake_process(25, "gcs_server", getuid(), NULL,
                     (const char *const[]) { "g", log_dir, "--session-name=" NAME_A, "--session-name=" NAME_A,
                                             NULL });
        fake_process(26, "gcs_server", getuid(), NULL,
                     (const char *const[]) { "g", "--log_dir=ray/" NAME_A "/logs", "--session-name=" NAME_A,
                                             NULL });
        fake_process(27, "gcs_server", getuid(), NULL, (const char *const[]) { NULL });

        discover(&scan);
        assert_int_equal(scan.n_heads, 0);
        assert_int_equal(scan.n_foreign, 0);
}

static void test_cmdline_bound(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        char log_dir[PATH_MAX + 16];
        size_t big = 64 * 1024 + 1, n;
        char *cmdline;

        make_session_dir(NAME_A);
        fake_gcs(31, getuid(), NAME_A);
        /* Over 64 KiB of arguments: not read further, not a head. */
        snprintf(log_dir, sizeof log_dir, "--log_dir=%s/ray/" NAME_A "/logs", base);
        cmdline = malloc(big + PATH_MAX + 64);
        assert_non_null(cmdline);
        memset(cmdline, 'a', big);
        cmdline[big - 1] = 0;
        n = big;
        n += (size_t) sprintf(cmdline + n, "%s", log_dir) + 1;
        n += (size_t) sprintf(cmdline + n, "--session-name=" NAME_A) + 1;
        write_bytes(at("proc/31/cmdline"), cmdline, n);
        free(cmdline);

        discover(&scan);
        assert_int_equal(scan.n_heads, 0);
}

static void test_cmdline_parse(void **state) {
        static const char ok[] = "gcs\0--log_dir=/tmp/ray/" NAME_A "/logs\0--session-name=" NAME_A "\0";
        static const char no_nul[] = "gcs\0--log_dir=/tmp/ray/" NAME_A "/logs\0--session-name=" NAME_A;
        static const char root_dir[] = "--log_dir=/" NAME_A "/logs\0--session-name=" NAME_A "\0";
        static const char latest[] = "--log_dir=/tmp/ray/session_latest/logs\0--session-name=session_latest\0";
        static const char escape[] = "--log_dir=/tmp/\033]0;x\a/" NAME_A "/logs\0--session-name=" NAME_A "\0";
        static const char no_dir[] = "--log_dir=/logs\0--session-name=" NAME_A "\0";
        char *dir = NULL, *name = NULL;

        assert_int_equal(gcs_cmdline_session(ok, sizeof ok - 1, &dir, &name), 0);
        assert_string_equal(dir, "/tmp/ray/" NAME_A);
        assert_string_equal(name, NAME_A);
        free(dir);
        free(name);
        assert_int_equal(gcs_cmdline_session(root_dir, sizeof root_dir - 1, &dir, &name), 0);
        assert_string_equal(dir, "/" NAME_A);
        free(dir);
        free(name);

        assert_int_equal(gcs_cmdline_session(no_nul, sizeof no_nul - 1, &dir, &name), -EINVAL);
        assert_int_equal(gcs_cmdline_session(latest, sizeof latest - 1, &dir, &name), -EINVAL);
        assert_int_equal(gcs_cmdline_session("", 0, &dir, &name), -EINVAL);
        /* A path with a control character (it would reach a terminal): refused. */
        assert_int_equal(gcs_cmdline_session(escape, sizeof escape - 1, &dir, &name), -EINVAL);
        /* A fuzz find: no directory at all before "/logs". */
        assert_int_equal(gcs_cmdline_session(no_dir, sizeof no_dir - 1, &dir, &name), -EINVAL);
}

/* A real process: a program run through a link named gcs_server has that comm. */
static void test_real_proc(void **state) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        char log_dir[PATH_MAX + 16], exe[PATH_MAX];
        _cleanup_close_ int real_proc = -1;
        bool found = false;
        int status, fds[2];
        pid_t pid;

        make_session_dir(NAME_B);
        snprintf(exe, sizeof exe, "%s/gcs_server", base);
        assert_int_equal(symlink("/bin/sh", exe), 0);
        snprintf(log_dir, sizeof log_dir, "--log_dir=%s/ray/" NAME_B "/logs", base);
        /* sh waits on a pipe that we hold: no child of its own, gone when we close it. */
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(127);
                execl(exe, "gcs_server", "-c", "read x", log_dir, "--session-name=" NAME_B, (char *) NULL);
                _exit(127);
        }
        (void) close(fds[0]);
        for (int i = 0; i < 200; i++) {
                char path[64], comm[32] = {};
                FILE *f;

                snprintf(path, sizeof path, "/proc/%d/comm", (int) pid);
                f = fopen(path, "re");
                if (f && fgets(comm, sizeof comm, f) && streq(comm, "gcs_server\n"))
                        i = 200;
                if (f)
                        fclose(f);
                if (i < 200)
                        usleep(10000);
        }

        real_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(real_proc >= 0);
        assert_int_equal(heads_discover(real_proc, &scan), 0);
        for (size_t i = 0; i < scan.n_heads; i++)
                if (scan.heads[i]->pid == pid) {
                        assert_head(scan.heads[i], pid, NAME_B);
                        found = true;
                }
        (void) close(fds[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(found);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_one_head, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_head, setup, teardown),
                cmocka_unit_test_setup_teardown(test_two_heads_newest_first, setup, teardown),
                cmocka_unit_test_setup_teardown(test_same_name_two_users, setup, teardown),
                cmocka_unit_test_setup_teardown(test_foreign_directory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_nested_namespace, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_a_real_directory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cmdline_bound, setup, teardown),
                cmocka_unit_test(test_cmdline_parse),
                cmocka_unit_test_setup_teardown(test_real_proc, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
