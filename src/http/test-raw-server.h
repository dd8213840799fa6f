/* SPDX-License-Identifier: MIT */
#pragma once

/* Test-only: a scripted HTTP server for one connection, so that the client's
 * handling of every kind of answer (framings, interim responses, truncation,
 * garbage, peers that trickle or never close) is tested byte for byte.
 * Include after cmocka.h. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct RawServer {
        pid_t pid;
        int port;
        int request_fd; /* what the server received, once it answered */
} RawServer;

typedef enum RawFlags {
        RAW_KEEP_OPEN = 1 << 0,  /* after the response, hold the connection open */
        RAW_TRICKLE = 1 << 1,    /* one byte of the response every 100 ms */
        RAW_NO_READ = 1 << 2,    /* answer before reading the request, then close */
} RawFlags;

static void raw_serve(int listen_fd, int out_fd, const char *response, size_t size, RawFlags flags) {
        char request[64 * 1024];
        size_t n = 0;
        int fd = accept(listen_fd, NULL, NULL);

        if (fd < 0)
                _exit(1);
        if (!(flags & RAW_NO_READ)) {
                const char *end = NULL;
                size_t want = SIZE_MAX;

                while (n < want && n < sizeof request - 1) {
                        ssize_t k = read(fd, request + n, sizeof request - 1 - n);

                        if (k <= 0)
                                break;
                        n += k;
                        request[n] = 0;
                        if (!end && (end = strstr(request, "\r\n\r\n"))) {
                                const char *cl = strcasestr(request, "\r\nContent-Length: ");

                                want = (size_t) (end + 4 - request) +
                                       (cl && cl < end ? strtoul(cl + 18, NULL, 10) : 0);
                        }
                }
        }
        /* Before the response: once the client has it, the test may kill us. */
        if (write(out_fd, request, n) != (ssize_t) n)
                _exit(1);
        close(out_fd);
        if (flags & RAW_TRICKLE) {
                for (size_t i = 0; i < size; i++) {
                        if (write(fd, response + i, 1) != 1)
                                _exit(1);
                        usleep(100 * 1000);
                }
        } else if (size > 0 && write(fd, response, size) != (ssize_t) size)
                _exit(1);
        if (flags & RAW_KEEP_OPEN)
                pause();
        _exit(0);
}

/* Listens on 127.0.0.1 (or ::1) and answers one connection with response.
 * Returns 0, or -EAFNOSUPPORT/-EADDRNOTAVAIL when the family is missing. */
static int raw_server_start(RawServer *s, int family, const char *response, size_t size, RawFlags flags) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } a = {};
        socklen_t len = family == AF_INET6 ? sizeof a.in6 : sizeof a.in;
        int fd, pipe_fds[2];

        if (family == AF_INET6)
                a.in6 = (struct sockaddr_in6) {
                        .sin6_family = AF_INET6,
                        .sin6_addr = IN6ADDR_LOOPBACK_INIT,
                };
        else
                a.in = (struct sockaddr_in) {
                        .sin_family = AF_INET,
                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                };
        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, &a.sa, len) < 0 || listen(fd, 4) < 0 || getsockname(fd, &a.sa, &len) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        s->port = ntohs(family == AF_INET6 ? a.in6.sin6_port : a.in.sin_port);
        assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
                close(pipe_fds[0]);
                raw_serve(fd, pipe_fds[1], response, size, flags);
        }
        close(fd);
        close(pipe_fds[1]);
        s->request_fd = pipe_fds[0];
        return 0;
}

/* Stops the server; returns what it received (NUL-terminated). */
static char *raw_server_stop(RawServer *s) {
        char *buf = calloc(1, 64 * 1024 + 1);
        size_t n = 0;
        ssize_t k;

        assert_non_null(buf);
        (void) kill(s->pid, SIGKILL);
        (void) waitpid(s->pid, NULL, 0);
        while ((k = read(s->request_fd, buf + n, 64 * 1024 - n)) > 0)
                n += k;
        close(s->request_fd);
        return buf;
}
