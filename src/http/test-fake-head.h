/* SPDX-License-Identifier: MIT */
#pragma once

/* Test-only helpers: run tests/fake-ray-head.py on a loopback port and read
 * what it recorded. Static so that each test program gets its own copy. */

#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/macro.h"
#include "shared/tests.h"

typedef struct FakeHead {
        pid_t pid;
        int port;
        char *dir;
        char record[PATH_MAX + 16];
        char url[64];
} FakeHead;

/* The source tree, exported by "make check" (AM_TESTS_ENVIRONMENT). */
static inline const char *test_srcdir(void) {
        const char *d = getenv("RUS_SRCDIR");

        return d && *d ? d : NULL;
}

/* Starts the fake head with --fixtures <srcdir>/tests/fixtures/<fixtures>
 * (NULL: none) and the NULL-terminated extra arguments. Returns 0, or
 * -ENOENT when the fake head cannot be found (the caller skips). */
static inline int fake_head_start(FakeHead *h, const char *fixtures, const char *const *extra) {
        char fixtures_dir[PATH_MAX], script[PATH_MAX], port_file[PATH_MAX + 16];
        const char *argv[64];
        size_t n = 0;
        const char *src = test_srcdir();

        *h = (FakeHead) { .pid = -1 };
        if (!src)
                return -ENOENT;
        snprintf(script, sizeof script, "%s/tests/fake-ray-head.py", src);
        if (access(script, R_OK) < 0 || access("/usr/bin/python3", X_OK) < 0)
                return -ENOENT;

        h->dir = test_tmpdir("rus-fake-head");
        snprintf(h->record, sizeof h->record, "%s/record.jsonl", h->dir);
        snprintf(port_file, sizeof port_file, "%s/port", h->dir);
        snprintf(fixtures_dir, sizeof fixtures_dir, "%s/tests/fixtures/%s", src, fixtures ?: "");

        argv[n++] = "/usr/bin/python3";
        argv[n++] = script;
        argv[n++] = "--port";
        argv[n++] = "0";
        argv[n++] = "--port-file";
        argv[n++] = port_file;
        argv[n++] = "--record";
        argv[n++] = h->record;
        if (fixtures) {
                argv[n++] = "--fixtures";
                argv[n++] = fixtures_dir;
        }
        for (const char *const *a = extra; a && *a && n < ELEMENTSOF(argv) - 1; a++)
                argv[n++] = *a;
        argv[n] = NULL;

        h->pid = fork();
        if (h->pid < 0)
                return -errno;
        if (h->pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                if (null >= 0)
                        (void) dup2(null, STDOUT_FILENO);
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }

        for (int i = 0; i < 200; i++) {
                _cleanup_free_ char *buf = NULL;
                size_t size;

                if (read_file_at(AT_FDCWD, port_file, 64, 0, 0, &buf, &size) >= 0) {
                        h->port = atoi(buf);
                        snprintf(h->url, sizeof h->url, "http://127.0.0.1:%d", h->port);
                        return 0;
                }
                if (waitpid(h->pid, NULL, WNOHANG) == h->pid) {
                        h->pid = -1;
                        return -ECHILD;
                }
                usleep(50 * 1000);
        }
        return -ETIMEDOUT;
}

static inline void fake_head_stop(FakeHead *h) {
        if (h->pid > 0) {
                (void) kill(h->pid, SIGTERM);
                (void) waitpid(h->pid, NULL, 0);
                h->pid = -1;
        }
        rm_rf_and_freep(&h->dir);
}

/* Every request the fake head recorded, as a JSON array of objects. */
static inline json_object *fake_head_requests(const FakeHead *h) {
        _cleanup_free_ char *buf = NULL;
        json_object *array = json_object_new_array();
        size_t size;
        char *line, *saveptr = NULL;

        if (!array || read_file_at(AT_FDCWD, h->record, 64 * 1024 * 1024, 0, 0, &buf, &size) < 0)
                return array;
        for (line = strtok_r(buf, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                json_object *o = NULL;

                if (json_parse_strict(line, strlen(line), &o) >= 0 && o)
                        json_object_array_add(array, o);
        }
        return array;
}

/* The value of header name (case-insensitive) in a recorded request, or NULL. */
static inline const char *recorded_header(json_object *request, const char *name) {
        json_object *headers = json_get_object(request, "headers");

        if (!headers)
                return NULL;
        json_object_object_foreach(headers, key, value)
                if (strcasecmp(key, name) == 0 && json_object_is_type(value, json_type_string))
                        return json_object_get_string(value);
        return NULL;
}

