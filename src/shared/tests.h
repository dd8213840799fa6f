/* SPDX-License-Identifier: MIT */
#pragma once

/* What every cmocka unit test shares: a temporary directory that is removed
 * whatever the test left in it, a loopback port nothing listens on, a
 * self-signed certificate, running a helper program, and the monotonic clock
 * in seconds. Test programs only (static inline: each gets its own copy). A
 * test leaves nothing behind outside the directory it made. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "shared/macro.h"
#include "shared/time-util.h"

/* Seconds on the monotonic clock, for a test that measures a duration. */
static inline double now_s(void) {
        return (double) now(CLOCK_MONOTONIC) / (double) USEC_PER_SEC;
}

/* A new empty directory /tmp/<name>-XXXXXX (the test fails when it cannot be
 * made), for rm_rf_and_free(). */
static inline char *test_tmpdir(const char *name) {
        char *dir = NULL;

        assert_true(asprintf(&dir, "/tmp/%s-XXXXXX", name) > 0);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static inline int rm_rf_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) type;
        (void) ftw;
        return remove(path) < 0 ? -errno : 0;
}

/* Removes dir and everything in it, never following a link or crossing into
 * another file system, then frees dir; the test fails when something stays. */
static inline void rm_rf_and_free(char *dir) {
        if (!dir)
                return;
        assert_int_equal(nftw(dir, rm_rf_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT), 0);
        free(dir);
}

static inline void rm_rf_and_freep(char **dir) {
        rm_rf_and_free(*dir);
        *dir = NULL;
}
#define _cleanup_rm_rf_ _cleanup_(rm_rf_and_freep)

/* cmocka setup and teardown of a test that works in a directory of its own:
 * *state is its path. */
static inline int tmpdir_setup(void **state) {
        *state = test_tmpdir(program_invocation_short_name);
        return 0;
}

static inline int tmpdir_teardown(void **state) {
        rm_rf_and_free(*state);
        *state = NULL;
        return 0;
}

/* Runs argv (looked up in $PATH) with stdout and stderr on /dev/null:
 * 0 when it exits 0, -EIO when it fails, or a negative errno. */
static inline int run_command(char *const argv[]) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                if (null >= 0) {
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* A port on 127.0.0.1 that nothing listens on (just released by us). */
static inline int closed_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        _cleanup_close_ int fd = -1;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        return ntohs(sa.sin_port);
}

/* A self-signed certificate for 127.0.0.1/localhost: dir/cert.pem, dir/key.pem.
 * 0, or a negative errno when openssl is missing or fails (the caller skips). */
static inline int make_cert(const char *dir) {
        char cert[PATH_MAX + 16], key[PATH_MAX + 16];
        char *argv[] = {
                (char *) "openssl", (char *) "req", (char *) "-x509", (char *) "-newkey", (char *) "ec",
                (char *) "-pkeyopt", (char *) "ec_paramgen_curve:prime256v1", (char *) "-nodes",
                (char *) "-days", (char *) "2", (char *) "-subj", (char *) "/CN=localhost",
                (char *) "-addext", (char *) "subjectAltName=IP:127.0.0.1,DNS:localhost",
                (char *) "-keyout", key, (char *) "-out", cert, NULL,
        };

        snprintf(cert, sizeof cert, "%s/cert.pem", dir);
        snprintf(key, sizeof key, "%s/key.pem", dir);
        return run_command(argv);
}
