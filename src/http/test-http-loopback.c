/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "http/http-loopback.h"
#include "shared/macro.h"

#define KiB 1024U
#define MiB (1024U * 1024U)

/* ---- The parser ---- */

/* Parses s whole, and again one byte at a time: both must agree. */
static int parse(const char *s, size_t n, bool eof, size_t max, HttpParsed *ret) {
        _cleanup_free_ HttpParser *p = malloc(sizeof *p);
        int r, r2 = -EAGAIN;

        assert_non_null(p);
        r = http_response_parse(s, n, eof, max, ret);

        http_parser_init(p, max);
        for (size_t i = 0; i < n && r2 == -EAGAIN; i++)
                r2 = http_parser_feed(p, s + i, 1);
        if (r2 == -EAGAIN && eof)
                r2 = http_parser_eof(p);
        assert_int_equal(r, r2);
        assert_int_equal(ret->status, p->status);
        if (r == 0) {
                assert_int_equal(ret->size, p->body_size);
                if (ret->size > 0)
                        assert_memory_equal(ret->body, p->body, ret->size);
                else
                        assert_null(p->body);
        } else
                assert_null(ret->body);
        http_parser_done(p);
        return r;
}

static int parse_str(const char *s, bool eof, size_t max, HttpParsed *ret) {
        return parse(s, strlen(s), eof, max, ret);
}

static void assert_parsed(const char *s, bool eof, long status, const char *body) {
        HttpParsed h;

        assert_int_equal(parse_str(s, eof, MiB, &h), 0);
        assert_int_equal(h.status, status);
        if (body) {
                assert_non_null(h.body);
                assert_int_equal(h.size, strlen(body));
                assert_string_equal(h.body, body); /* NUL-terminated */
        } else {
                assert_null(h.body);
                assert_int_equal(h.size, 0);
        }
        free(h.body);
}

static void assert_fails(const char *s, bool eof, size_t max, int error) {
        HttpParsed h;

        assert_int_equal(parse_str(s, eof, max, &h), error);
        assert_null(h.body);
}

#define OK200 "HTTP/1.1 200 OK\r\n"
#define CHUNKED OK200 "Transfer-Encoding: chunked\r\n\r\n"

static void test_content_length(void **state) {
        HttpParsed h;

        assert_parsed(OK200 "Content-Length: 5\r\n\r\nhello", false, 200, "hello");
        assert_parsed(OK200 "content-LENGTH:5 \r\n\r\nhello", false, 200, "hello");
        /* Bytes after the announced body are not part of it. */
        assert_parsed(OK200 "Content-Length: 2\r\n\r\nhello", true, 200, "he");
        assert_parsed(OK200 "Content-Length: 0\r\n\r\n", false, 200, NULL);
        assert_parsed(OK200 "Content-Length: 2\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok");
        assert_parsed(OK200 "Content-Length: 0002\r\n\r\nok", false, 200, "ok");

        /* The limit: exactly max fits, one more is refused before any body byte. */
        assert_int_equal(parse_str(OK200 "Content-Length: 5\r\n\r\nhello", false, 5, &h), 0);
        free(h.body);
        assert_int_equal(parse_str(OK200 "Content-Length: 5\r\n\r\n", false, 4, &h), -EFBIG);
        assert_int_equal(h.status, 200);
        assert_null(h.body);
        assert_fails(OK200 "Content-Length: 18446744073709551615\r\n\r\n", false, MiB, -EFBIG);

        assert_fails(OK200 "Content-Length: 2\r\nContent-Length: 3\r\n\r\nok", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 18446744073709551616\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 99999999999999999999999999\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 5x\r\n\r\nhello", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: -1\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: +5\r\n\r\nhello", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 0x5\r\n\r\nhello", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 5, 5\r\n\r\nhello", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 5 5\r\n\r\nhello", false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length:\r\n\r\n", false, MiB, -EBADMSG);

        /* Truncated: more is needed, and a close cuts it short. */
        assert_fails(OK200 "Content-Length: 10\r\n\r\nhello", false, MiB, -EAGAIN);
        assert_fails(OK200 "Content-Length: 10\r\n\r\nhello", true, MiB, -EIO);
}

static void test_binary_body(void **state) {
        static const char s[] = OK200 "Content-Length: 4\r\n\r\n\0\r\n\xff";
        HttpParsed h;

        assert_int_equal(parse(s, sizeof s - 1, false, MiB, &h), 0);
        assert_int_equal(h.size, 4);
        assert_memory_equal(h.body, "\0\r\n\xff", 5);
        free(h.body);
}

static void test_eof_delimited(void **state) {
        assert_parsed("HTTP/1.0 200 OK\r\n\r\nabc", true, 200, "abc");
        assert_parsed("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", true, 200, NULL);
        assert_fails("HTTP/1.0 200 OK\r\n\r\nabc", false, MiB, -EAGAIN);
        assert_fails("HTTP/1.0 200 OK\r\n\r\nabcd", true, 3, -EFBIG);
        assert_parsed("HTTP/1.0 200 OK\r\n\r\nabc", true, 200, "abc");
}

static void test_chunked(void **state) {
        assert_parsed(CHUNKED "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false, 200, "hello world");
        /* Extensions are ignored, hex digits may be upper case, padded with zeros, or followed by BWS. */
        assert_parsed(CHUNKED "5;name=\"v;a\"\r\nhello\r\n1 ;x\r\n!\r\n0;last\r\n\r\n", false, 200,
                      "hello!");
        assert_parsed(CHUNKED "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n", false, 200,
                      "0123456789abcdefghijk");
        assert_parsed(CHUNKED "000A\r\n0123456789\r\n00\r\n\r\n", false, 200, "0123456789");
        assert_parsed(OK200 "Transfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false, 200, "ok");
        /* Zero length: no body at all. */
        assert_parsed(CHUNKED "0\r\n\r\n", false, 200, NULL);
        /* Trailers are skipped. */
        assert_parsed(CHUNKED "2\r\nok\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n", false, 200, "ok");
        /* Complete without waiting for the close; what follows is not ours. */
        assert_parsed(CHUNKED "2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", false, 200, "ok");

        /* Missing the final CRLF, or cut anywhere: truncated. */
        assert_fails(CHUNKED "2\r\nok\r\n0\r\n", false, MiB, -EAGAIN);
        assert_fails(CHUNKED "2\r\nok\r\n0\r\n", true, MiB, -EIO);
        assert_fails(CHUNKED "2\r\nok\r\n", true, MiB, -EIO);
        assert_fails(CHUNKED "5\r\nhel", true, MiB, -EIO);
        assert_fails(CHUNKED "5\r\nhello", true, MiB, -EIO);
        assert_fails(CHUNKED "5", true, MiB, -EIO);

        /* Data longer than its size, or not followed by CRLF. */
        assert_fails(CHUNKED "2\r\nokay\r\n0\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "2\r\nok\r\r\n0\r\n\r\n", false, MiB, -EBADMSG);

        /* Sizes: huge is too big, overflowing or not hex is malformed. */
        assert_fails(CHUNKED "FFFFFFFFFFFFFFFF\r\n", false, MiB, -EFBIG);
        assert_fails(CHUNKED "000000000000000000000001\r\nx\r\n0\r\n\r\n", false, 0, -EFBIG);
        assert_fails(CHUNKED "10000000000000000\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "FFFFFFFFFFFFFFFFF\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "-5\r\nhello\r\n0\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "0x5\r\nhello\r\n0\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "xyz\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "\r\nhello\r\n0\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED " 5\r\nhello\r\n0\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "5 5\r\nhello\r\n0\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(CHUNKED "5;\x01\r\nhello\r\n0\r\n\r\n", false, MiB, -EBADMSG);

        /* The limit holds over all chunks together. */
        assert_fails(CHUNKED "4\r\naaaa\r\n4\r\nbbbb\r\n4\r\ncccc\r\n0\r\n\r\n", false, 11, -EFBIG);
        {
                HttpParsed h;

                assert_int_equal(parse_str(CHUNKED "4\r\naaaa\r\n4\r\nbbbb\r\n4\r\ncccc\r\n0\r\n\r\n", false,
                                           12, &h),
                                 0);
                assert_string_equal(h.body, "aaaabbbbcccc");
                free(h.body);
        }

        /* Not both framings, and no other coding. */
        assert_fails(OK200 "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                     false, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(OK200 "Transfer-Encoding: identity\r\n\r\n", false, MiB, -EBADMSG);
        assert_fails(OK200 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", false, MiB,
                     -EBADMSG);
}

static void test_big_chunked(void **state) {
        size_t n = 0, allocated = 4 * MiB, body = 0;
        _cleanup_free_ char *s = malloc(allocated);
        HttpParsed h;

        assert_non_null(s);
        n += snprintf(s + n, allocated - n, CHUNKED);
        for (size_t i = 1; body + i <= 2 * MiB; i = i * 3 + 1) {
                n += snprintf(s + n, allocated - n, "%zx\r\n", i);
                memset(s + n, 'a' + (int) (i % 26), i);
                n += i;
                body += i;
                n += snprintf(s + n, allocated - n, "\r\n");
        }
        n += snprintf(s + n, allocated - n, "0\r\n\r\n");
        assert_int_equal(http_response_parse(s, n, false, MiB * 2, &h), 0);
        assert_int_equal(h.size, body);
        assert_int_equal(strlen(h.body), body);
        free(h.body);
        assert_int_equal(http_response_parse(s, n, false, body - 1, &h), -EFBIG);
}

static void test_status_line(void **state) {
        assert_parsed("HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\n\r\nno", false, 404, "no");
        assert_parsed("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 200, NULL);
        assert_parsed("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", false, 200, NULL);
        assert_parsed("HTTP/1.1 599 Whatever \xe9t\xe9\r\nContent-Length: 0\r\n\r\n", false, 599, NULL);
        /* Bare LF ends lines too (RFC 9112 2.2). */
        assert_parsed("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, 200, "ok");

        assert_fails("HTTP/2 200 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.2 200 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("http/1.1 200 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 20 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 2000 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 200OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 099 Low\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1  200 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 2x0 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 200 O\x01K\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("HTTP/1.1 200 O\rK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("ICY 200 OK\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails("{\"result\": true}", true, MiB, -EBADMSG); /* HTTP/0.9 */
        assert_fails("\r\n", true, MiB, -EBADMSG);

        /* Nothing, or not even one whole line. */
        assert_fails("", true, MiB, -EIO);
        assert_fails("", false, MiB, -EAGAIN);
        assert_fails("HTTP/1.1 200 OK", true, MiB, -EIO);
        assert_fails(OK200 "Content-Length: 2\r\n", true, MiB, -EIO);
}

static void test_headers(void **state) {
        _cleanup_free_ char *big = NULL;
        size_t n = 0, allocated = 128 * KiB;

        assert_parsed(OK200 "X-A: 1\r\nX-B:\r\nX-C: \t v\xe9 \t\r\nContent-Length: 1\r\n\r\n!", false, 200,
                      "!");

        /* obs-fold, missing names or colons, white space before the colon, control characters. */
        assert_fails(OK200 "X-A: 1\r\n continued\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 "X-A: 1\r\n\tcontinued\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 "No colon\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 ": no name\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 "Content-Length : 2\r\n\r\nok", true, MiB, -EBADMSG);
        assert_fails(OK200 "X(A): 1\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 "X-A: a\x01\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 "X-A: a\x7f\r\n\r\n", true, MiB, -EBADMSG);
        assert_fails(OK200 "X-A: a\rb\r\n\r\n", true, MiB, -EBADMSG);

        /* One line over HTTP_LINE_MAX. */
        big = malloc(allocated);
        assert_non_null(big);
        n += snprintf(big, allocated, OK200 "X-Big: ");
        memset(big + n, 'x', HTTP_LINE_MAX);
        n += HTTP_LINE_MAX;
        n += snprintf(big + n, allocated - n, "\r\n\r\n");
        assert_fails(big, true, MiB, -EBADMSG);

        /* Many short lines over HTTP_HEADER_MAX in all. */
        n = snprintf(big, allocated, OK200);
        while (n < HTTP_HEADER_MAX + 100)
                n += snprintf(big + n, allocated - n, "X-Pad: %0990d\r\n", 0);
        n += snprintf(big + n, allocated - n, "\r\n");
        assert_fails(big, true, MiB, -EBADMSG);
        /* Just under: fine. */
        n = snprintf(big, allocated, OK200);
        while (n < HTTP_HEADER_MAX - 2000)
                n += snprintf(big + n, allocated - n, "X-Pad: %0990d\r\n", 0);
        n += snprintf(big + n, allocated - n, "Content-Length: 0\r\n\r\n");
        assert_parsed(big, false, 200, NULL);
}

static void test_interim(void **state) {
        _cleanup_free_ char *many = NULL;
        size_t n = 0, allocated = 128 * KiB;

        assert_parsed("HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 2\r\n\r\nok", false, 200, "ok");
        /* An interim response's headers do not frame the final one. */
        assert_parsed("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Length: 9\r\n\r\n"
                      "HTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 201 Created\r\n\r\nbody",
                      true, 201, "body");
        assert_fails("HTTP/1.1 100 Continue\r\n\r\n", true, MiB, -EIO);
        assert_fails("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", true, MiB, -EBADMSG);

        /* Endless interim responses count against the header limit. */
        many = malloc(allocated);
        assert_non_null(many);
        while (n < HTTP_HEADER_MAX + 100)
                n += snprintf(many + n, allocated - n, "HTTP/1.1 100 Continue\r\n\r\n");
        assert_fails(many, true, MiB, -EBADMSG);
}

static void test_no_body_statuses(void **state) {
        assert_parsed("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", false, 204, NULL);
        assert_parsed("HTTP/1.1 304 Not Modified\r\n\r\n", false, 304, NULL);
}

/* ---- The URL ---- */

static void test_target(void **state) {
        static const char *const not_ours[] = {
                "https://127.0.0.1/", "HTTP://127.0.0.1/", "http:127.0.0.1/", "http:///x", "http://",
                "http://10.0.0.1/", "http://128.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                "http://127.1/", "http://0x7f.0.0.1/", "http://127.000.0.1/", "http://2130706433/",
                "http://metadata.google.internal/", "http://localhost.example/", "http://127.0.0.1.nip.io/",
                "http://user@127.0.0.1/", "http://user:pw@127.0.0.1:80/", "http://@127.0.0.1/",
                "http://[::2]/", "http://[::1%25lo]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::1",
                "http://[::1]x/", "http://127.0.0.1:/", "http://127.0.0.1:0/", "http://127.0.0.1:65536/",
                "http://127.0.0.1:08265/",
                "http://127.0.0.1:82a/", "http://127.0.0.1:123456/", "http://127.0.0.1:-1/",
                "http://127.0.0.1/a b", "http://127.0.0.1/a\tb", "http://127.0.0.1/\xc3\xa9",
                "http://127.0.0.1/a/../b", "http://127.0.0.1/./x", "http://127.0.0.1/a/..",
                "http://127.0.0.1/.",
        };
        HttpLoopbackTarget t;

        for (size_t i = 0; i < ELEMENTSOF(not_ours); i++) {
                if (http_loopback_target(not_ours[i], &t) != 0)
                        fail_msg("taken for loopback: %s", not_ours[i]);
        }

        assert_int_equal(http_loopback_target("http://127.0.0.1:8265/api/v0/nodes?view=summary#x", &t), 1);
        assert_int_equal(t.addr.sa.sa_family, AF_INET);
        assert_int_equal(ntohl(t.addr.in.sin_addr.s_addr), INADDR_LOOPBACK);
        assert_int_equal(ntohs(t.addr.in.sin_port), 8265);
        assert_int_equal(t.port, 8265);
        assert_string_equal(t.host, "127.0.0.1");
        assert_int_equal(t.path_len, strlen("/api/v0/nodes?view=summary"));
        assert_memory_equal(t.path, "/api/v0/nodes?view=summary", t.path_len);

        assert_int_equal(http_loopback_target("http://127.254.3.4", &t), 1);
        assert_int_equal(ntohl(t.addr.in.sin_addr.s_addr), 0x7ffe0304);
        assert_int_equal(t.port, 80);
        assert_int_equal(t.path_len, 0);

        assert_int_equal(http_loopback_target("http://LocalHost:65535?q", &t), 1);
        assert_int_equal(ntohl(t.addr.in.sin_addr.s_addr), INADDR_LOOPBACK);
        assert_int_equal(t.port, 65535);
        assert_string_equal(t.host, "LocalHost");
        assert_memory_equal(t.path, "?q", t.path_len);

        assert_int_equal(http_loopback_target("http://[::1]:1/x/.y/%2e%2e/", &t), 1);
        assert_int_equal(t.addr.sa.sa_family, AF_INET6);
        assert_int_equal(t.addr_len, sizeof(struct sockaddr_in6));
        assert_true(IN6_IS_ADDR_LOOPBACK(&t.addr.in6.sin6_addr));
        assert_int_equal(ntohs(t.addr.in6.sin6_port), 1);
        assert_string_equal(t.host, "[::1]");
}

/* ---- Against a scripted server ---- */

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

static double now_seconds(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int exchange(const char *method, const char *host, int port, const char *path,
                    const char *const *headers, const char *body, long timeout_ms, HttpResponse *resp) {
        char url[256];

        snprintf(url, sizeof url, "http://%s:%d%s", host, port, path);
        return http_request_loopback(&(HttpRequest) {
                                             .method = method,
                                             .url = url,
                                             .headers = headers,
                                             .body = body,
                                             .body_size = body ? strlen(body) : 0,
                                             .timeout_ms = timeout_ms,
                                             .max_response = MiB,
                                     },
                                     resp);
}

static void test_request_bytes(void **state) {
        const char *headers[] = {
                "Accept: application/json", "Content-Type: application/json", "X-Gone:", NULL,
        };
        _cleanup_free_ char *got = NULL;
        static const char answer[] = OK200 "Content-Length: 2\r\n\r\nok";
        char want[512];
        HttpResponse resp;
        RawServer s;

        assert_int_equal(raw_server_start(&s, AF_INET, answer, strlen(answer), 0), 0);
        assert_int_equal(exchange("GET", "127.0.0.1", s.port, "/api/v0/nodes?view=summary#frag", NULL, NULL,
                                  2000, &resp),
                         0);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.body, "ok");
        assert_null(resp.error);
        http_response_done(&resp);
        got = raw_server_stop(&s);
        snprintf(want, sizeof want,
                 "GET /api/v0/nodes?view=summary HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "User-Agent: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                 "Accept: */*\r\nConnection: close\r\n\r\n",
                 s.port);
        assert_string_equal(got, want);
        free(got);

        assert_int_equal(raw_server_start(&s, AF_INET, answer, strlen(answer), 0), 0);
        assert_int_equal(exchange("POST", "localhost", s.port, "", headers, "{\"a\": 1}", 2000, &resp), 0);
        http_response_done(&resp);
        got = raw_server_stop(&s);
        snprintf(want, sizeof want,
                 "POST / HTTP/1.1\r\nHost: localhost:%d\r\n"
                 "User-Agent: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                 "Content-Length: 8\r\nConnection: close\r\nAccept: application/json\r\n"
                 "Content-Type: application/json\r\n\r\n{\"a\": 1}",
                 s.port);
        assert_string_equal(got, want);
}

static void test_bad_request_headers(void **state) {
        static const char *const bad[] = {
                "X-Evil: a\r\nHost: elsewhere", "X-Evil: a\nb", "X-Evil: a\rb", "X-Evil: \x01", "No colon",
                ": value", "Bad Name: x", "Content-Length: 5", "transfer-encoding: chunked",
                "Connection: keep-alive",
        };
        int port;

        /* Refused before any connection: the port is closed, and the error is not -ECONNREFUSED. */
        {
                RawServer s;

                assert_int_equal(raw_server_start(&s, AF_INET, "", 0, 0), 0);
                port = s.port;
                free(raw_server_stop(&s)); /* nobody listens any more */
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *headers[] = { "Accept: x", bad[i], NULL };
                HttpResponse resp;

                assert_int_equal(exchange("GET", "127.0.0.1", port, "/", headers, NULL, 2000, &resp),
                                 -EINVAL);
                assert_non_null(resp.error);
                assert_null(resp.body);
                http_response_done(&resp);
        }

        /* The error names the header, never its value (it may hold a token). */
        {
                const char *headers[] = { "Authorization: Bearer s3cret\r\nX-Injected: 1", NULL };
                HttpResponse resp;

                assert_int_equal(exchange("GET", "127.0.0.1", port, "/", headers, NULL, 2000, &resp),
                                 -EINVAL);
                assert_non_null(strstr(resp.error, "\"Authorization\""));
                assert_null(strstr(resp.error, "s3cret"));
                http_response_done(&resp);
        }
}

static void test_not_ours(void **state) {
        static const HttpRequest requests[] = {
                { .method = "GET", .url = "https://127.0.0.1:1/", .timeout_ms = 100, .max_response = 1 },
                { .method = "GET", .url = "http://10.0.0.1:1/", .timeout_ms = 100, .max_response = 1 },
                { .method = "PUT", .url = "http://127.0.0.1:1/", .timeout_ms = 100, .max_response = 1 },
                { .method = "GET", .url = "http://127.0.0.1:1/", .timeout_ms = 100, .max_response = 1,
                  .use_proxy = true },
        };

        for (size_t i = 0; i < ELEMENTSOF(requests); i++) {
                HttpResponse resp;

                assert_int_equal(http_request_loopback(&requests[i], &resp), -EINVAL);
                assert_non_null(resp.error);
                assert_null(resp.body);
                http_response_done(&resp);
        }
}

typedef struct Scripted {
        const char *response;
        RawFlags flags;
        int error;
        long status;
        const char *body;
        const char *message; /* in resp.error */
} Scripted;

static void run_scripted(const Scripted *c, int family) {
        HttpResponse resp;
        RawServer s;
        double t;
        int r;

        r = raw_server_start(&s, family, c->response, strlen(c->response), c->flags);
        if (family == AF_INET6 && r < 0)
                skip();
        assert_int_equal(r, 0);
        t = now_seconds();
        r = exchange("GET", family == AF_INET6 ? "[::1]" : "127.0.0.1", s.port, "/x", NULL, NULL, 500,
                     &resp);
        t = now_seconds() - t;
        free(raw_server_stop(&s));
        if (r != c->error)
                fail_msg("%s: %d (%s), expected %d", c->response, r, resp.error ?: "-", c->error);
        assert_int_equal(resp.status, c->status);
        if (c->body)
                assert_string_equal(resp.body, c->body);
        else
                assert_null(resp.body);
        if (c->message) {
                assert_non_null(resp.error);
                if (!strcasestr(resp.error, c->message))
                        fail_msg("\"%s\" lacks \"%s\"", resp.error, c->message);
        } else
                assert_null(resp.error);
        /* Whatever happened, within the deadline. */
        assert_true(t < 1.5);
        http_response_done(&resp);
}

static void test_scripted(void **state) {
        static const Scripted cases[] = {
                { CHUNKED "5;x=y\r\nhello\r\n0\r\nTrailer: 1\r\n\r\n", 0, 0, 200, "hello", NULL },
                { "HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 2\r\n\r\nok",
                  0, 0, 200, "ok", NULL },
                { "HTTP/1.0 200 OK\r\n\r\nuntil EOF", 0, 0, 200, "until EOF", NULL },
                /* Complete by its length or chunking: no need to wait for the close. */
                { OK200 "Content-Length: 2\r\n\r\nok", RAW_KEEP_OPEN, 0, 200, "ok", NULL },
                { CHUNKED "2\r\nok\r\n0\r\n\r\n", RAW_KEEP_OPEN, 0, 200, "ok", NULL },
                /* Only the close ends this one, and it does not come. */
                { OK200 "\r\nok", RAW_KEEP_OPEN, -ETIMEDOUT, 200, NULL, "timed out" },
                /* One deadline for the whole exchange, however busy the peer. */
                { OK200 "Content-Length: 100\r\n\r\n0123456789",
                  RAW_TRICKLE, -ETIMEDOUT, 0, NULL, "timed out" },
                { "", 0, -EIO, 0, NULL, "empty reply" },
                { "HTTP/1.1 200 OK\r\nContent-Le", 0, -EIO, 0, NULL, "closed" },
                { OK200 "Content-Length: 10\r\n\r\nhello", 0, -EIO, 200, NULL, "closed" },
                { CHUNKED "5\r\nhello\r\n", 0, -EIO, 200, NULL, "closed" },
                { "SSH-2.0-OpenSSH_9.2\r\n", 0, -EBADMSG, 0, NULL, "malformed" },
                { OK200 "Content-Length: 1\r\nContent-Length: 2\r\n\r\nok",
                  0, -EBADMSG, 0, NULL, "conflicting" },
                { OK200 "Content-Length: 2000000\r\n\r\n", RAW_KEEP_OPEN, -EFBIG, 200, NULL, "larger than" },
                /* An answer that came before the request was read still counts. */
                { "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad",
                  RAW_NO_READ, 0, 400, "bad", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                run_scripted(&cases[i], AF_INET);
}

static void test_ipv6(void **state) {
        static const Scripted c = { OK200 "Content-Length: 2\r\n\r\nok", 0, 0, 200, "ok", NULL };

        run_scripted(&c, AF_INET6);
}

static void test_refused(void **state) {
        HttpResponse resp;
        RawServer s;
        int port;

        assert_int_equal(raw_server_start(&s, AF_INET, "", 0, 0), 0);
        port = s.port;
        free(raw_server_stop(&s));
        assert_int_equal(exchange("GET", "127.0.0.1", port, "/", NULL, NULL, 2000, &resp), -ECONNREFUSED);
        assert_int_equal(resp.status, 0);
        assert_non_null(strstr(resp.error, "refused"));
        http_response_done(&resp);
}

static void test_big_body(void **state) {
        size_t body = 900 * KiB, n;
        _cleanup_free_ char *response = malloc(body + 128);
        HttpResponse resp;
        RawServer s;

        assert_non_null(response);
        n = snprintf(response, 128, OK200 "Content-Length: %zu\r\n\r\n", body);
        for (size_t i = 0; i < body; i++)
                response[n + i] = 'a' + (char) (i % 26);
        response[n + body] = 0;
        assert_int_equal(raw_server_start(&s, AF_INET, response, n + body, 0), 0);
        assert_int_equal(exchange("GET", "127.0.0.1", s.port, "/", NULL, NULL, 5000, &resp), 0);
        free(raw_server_stop(&s));
        assert_int_equal(resp.size, body);
        assert_memory_equal(resp.body, response + n, body + 1);
        http_response_done(&resp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_content_length),
                cmocka_unit_test(test_binary_body),
                cmocka_unit_test(test_eof_delimited),
                cmocka_unit_test(test_chunked),
                cmocka_unit_test(test_big_chunked),
                cmocka_unit_test(test_status_line),
                cmocka_unit_test(test_headers),
                cmocka_unit_test(test_interim),
                cmocka_unit_test(test_no_body_statuses),
                cmocka_unit_test(test_target),
                cmocka_unit_test(test_request_bytes),
                cmocka_unit_test(test_bad_request_headers),
                cmocka_unit_test(test_not_ours),
                cmocka_unit_test(test_scripted),
                cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_big_body),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
