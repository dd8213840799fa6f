/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/http.h"
#include "http/test-fake-head.h"
#include "http/test-raw-server.h"

#define KiB 1024U
#define MiB (1024U * 1024U)
#define OK200 "HTTP/1.1 200 OK\r\n"
#define CHUNKED OK200 "Transfer-Encoding: chunked\r\n\r\n"

static void start_or_skip(FakeHead *h, const char *fixtures, const char *const *extra) {
        int r = fake_head_start(h, fixtures, extra);

        if (r == -ENOENT)
                skip();
        assert_int_equal(r, 0);
}

static int get(void **state _unused_, const char *url, long timeout_ms, size_t max_response, const char *ca_bundle,
               bool use_proxy, HttpResponse *resp) {
        return http_request(&(HttpRequest) {
                                           .method = "GET",
                                           .url = url,
                                           .timeout_ms = timeout_ms,
                                           .max_response = max_response,
                                           .ca_bundle = ca_bundle,
                                           .use_proxy = use_proxy,
                                   },
                                   resp);
}

static void test_closed_port_refused_fast(void **state) {
        HttpResponse resp;
        char url[64];
        double t;
        int port = closed_port();

        assert_true(port > 0);
        snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
        t = now_s();
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), -ECONNREFUSED);
        assert_true(now_s() - t < 1.0);
        assert_int_equal(resp.status, 0);
        assert_null(resp.body);
        assert_non_null(resp.error);
        http_response_done(&resp);
}

static void test_get_ok_and_404(void **state) {
        _cleanup_free_ char *fixture = NULL;
        char url[128], path[PATH_MAX];
        HttpResponse resp;
        FakeHead h;
        size_t size;

        start_or_skip(&h, "basic", NULL);
        snprintf(path, sizeof path, "%s/tests/fixtures/basic/api_version.json", test_srcdir());
        assert_int_equal(read_file_at(AT_FDCWD, path, MiB, 0, 0, &fixture, &size), 0);

        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.size, size);
        assert_memory_equal(resp.body, fixture, size);
        assert_null(resp.error);
        http_response_done(&resp);

        /* A status is an answer, not a transport failure. */
        snprintf(url, sizeof url, "%s/no/such/route", h.url);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 404);
        http_response_done(&resp);

        /* Exactly max_response bytes still fit. */
        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(get(state, url, 2000, size, NULL, false, &resp), 0);
        http_response_done(&resp);
        assert_int_equal(get(state, url, 2000, size - 1, NULL, false, &resp), -EFBIG);
        http_response_done(&resp);

        fake_head_stop(&h);
}

static void test_hang_times_out(void **state) {
        const char *extra[] = { "--mode", "hang", NULL };
        HttpResponse resp;
        char url[128];
        FakeHead h;
        double t;

        start_or_skip(&h, "basic", extra);
        snprintf(url, sizeof url, "%s/api/version", h.url);
        t = now_s();
        assert_int_equal(get(state, url, 1000, MiB, NULL, false, &resp), -ETIMEDOUT);
        t = now_s() - t;
        assert_true(t >= 0.9 && t < 2.5);
        assert_non_null(resp.error);
        http_response_done(&resp);
        fake_head_stop(&h);
}

static void test_huge_refused(void **state) {
        const char *extra[] = { "--route-mode", "/api/version=huge",
                                "--route-mode", "/cluster_id=huge-nolength", NULL };
        HttpResponse resp;
        char url[128];
        FakeHead h;
        double t;

        start_or_skip(&h, "basic", extra);

        /* Announced length: refused before the body is read. */
        snprintf(url, sizeof url, "%s/api/version", h.url);
        t = now_s();
        assert_int_equal(get(state, url, 5000, 32 * MiB, NULL, false, &resp), -EFBIG);
        assert_true(now_s() - t < 1.0);
        assert_non_null(resp.error);
        assert_null(resp.body);
        assert_int_equal(resp.status, 200); /* the uploader counts a cut-off 2xx as accepted */
        http_response_done(&resp);

        /* No length: cut off by the write callback once past the cap. */
        snprintf(url, sizeof url, "%s/cluster_id", h.url);
        assert_int_equal(get(state, url, 5000, MiB, NULL, false, &resp), -EFBIG);
        assert_null(resp.body);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);

        fake_head_stop(&h);
}

static void test_close_is_eio(void **state) {
        const char *extra[] = { "--mode", "close", NULL };
        HttpResponse resp;
        char url[128];
        FakeHead h;

        start_or_skip(&h, "basic", extra);
        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), -EIO);
        assert_non_null(resp.error);
        http_response_done(&resp);
        fake_head_stop(&h);
}

static void test_only_http_protocols(void **state) {
        HttpResponse resp;

        assert_int_equal(get(state, "file:///etc/passwd", 2000, MiB, NULL, false, &resp), -EIO);
        assert_null(resp.body);
        assert_non_null(resp.error);
        http_response_done(&resp);
}

static void test_proxy_only_when_asked(void **state) {
        char url[128], proxy[64];
        HttpResponse resp;
        FakeHead h;
        int port = closed_port();

        start_or_skip(&h, "basic", NULL);
        snprintf(url, sizeof url, "%s/api/version", h.url);
        snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", port);
        assert_int_equal(unsetenv("no_proxy"), 0);
        assert_int_equal(unsetenv("NO_PROXY"), 0);
        assert_int_equal(setenv("http_proxy", proxy, 1), 0);

        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);

        /* Through the (closed) proxy: the connection to it is refused. */
        assert_int_equal(get(state, url, 2000, MiB, NULL, true, &resp), -ECONNREFUSED);
        http_response_done(&resp);

        assert_int_equal(unsetenv("http_proxy"), 0);
        fake_head_stop(&h);
}

static void test_post(void **state) {
        static const char body[] = "{\"x\": \"\\u00e9\", \"n\": 1}";
        const char *headers[] = { "Content-Type: application/json", NULL };
        _cleanup_json_ json_object *requests = NULL;
        const char *extra[] = { "--post-status", "201", NULL };
        HttpResponse resp;
        json_object *req;
        char url[128];
        FakeHead h;

        start_or_skip(&h, NULL, extra);
        snprintf(url, sizeof url, "%s/report", h.url);
        assert_int_equal(http_request(&(HttpRequest) {
                                              .method = "POST",
                                              .url = url,
                                              .headers = headers,
                                              .body = body,
                                              .body_size = strlen(body),
                                              .timeout_ms = 2000,
                                              .max_response = MiB,
                                      },
                                      &resp),
                         0);
        assert_int_equal(resp.status, 201);
        http_response_done(&resp);

        requests = fake_head_requests(&h);
        assert_int_equal(json_object_array_length(requests), 1);
        req = json_object_array_get_idx(requests, 0);
        assert_string_equal(json_get_string(req, "method"), "POST");
        assert_string_equal(json_get_string(req, "path"), "/report");
        assert_string_equal(json_get_string(req, "body"), body);
        assert_string_equal(recorded_header(req, "Content-Type"), "application/json");
        assert_string_equal(recorded_header(req, "User-Agent"), PACKAGE_NAME "/" PACKAGE_VERSION);
        assert_null(recorded_header(req, "Expect"));
        assert_string_equal(recorded_header(req, "Accept"), "*/*");
        snprintf(url, sizeof url, "%zu", strlen(body));
        assert_string_equal(recorded_header(req, "Content-Length"), url);
        snprintf(url, sizeof url, "127.0.0.1:%d", h.port);
        assert_string_equal(recorded_header(req, "Host"), url);
        fake_head_stop(&h);
}

/* What the dashboard client sends: its Accept replaces the default one. */
static void test_headers_replace_defaults(void **state) {
        const char *headers[] = {
                "Accept: application/json", "Authorization: Bearer t0ken", "X-Empty:", NULL,
        };
        _cleanup_json_ json_object *requests = NULL;
        HttpResponse resp;
        json_object *req;
        char url[128];
        FakeHead h;

        start_or_skip(&h, "basic", NULL);
        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(http_request(&(HttpRequest) {
                                                     .method = "GET",
                                                     .url = url,
                                                     .headers = headers,
                                                     .timeout_ms = 2000,
                                                     .max_response = MiB,
                                             },
                                             &resp),
                         0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);

        requests = fake_head_requests(&h);
        assert_int_equal(json_object_array_length(requests), 1);
        req = json_object_array_get_idx(requests, 0);
        assert_string_equal(json_get_string(req, "method"), "GET");
        assert_string_equal(recorded_header(req, "Accept"), "application/json");
        assert_string_equal(recorded_header(req, "Authorization"), "Bearer t0ken");
        assert_null(recorded_header(req, "X-Empty"));
        assert_string_equal(recorded_header(req, "User-Agent"), PACKAGE_NAME "/" PACKAGE_VERSION);
        /* Host, User-Agent, Accept, Authorization. */
        assert_int_equal(json_object_object_length(json_get_object(req, "headers")), 4);
        fake_head_stop(&h);
}

/* Every loopback spelling, IPv6 included. */
static void test_loopback_hosts(void **state) {
        const char *v6[] = { "--bind", "::1", NULL };
        HttpResponse resp;
        char url[128];
        FakeHead h;
        int r;

        start_or_skip(&h, "basic", NULL);
        snprintf(url, sizeof url, "http://localhost:%d/api/version?x=1#frag", h.port);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);
        snprintf(url, sizeof url, "http://127.0.0.1:%d", h.port);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 404); /* asked for "/", which the fake head does not serve */
        http_response_done(&resp);
        fake_head_stop(&h);

        r = fake_head_start(&h, "basic", v6);
        if (r < 0) {
                fake_head_stop(&h);
                skip(); /* no IPv6 on this machine */
        }
        snprintf(url, sizeof url, "http://[::1]:%d/api/version", h.port);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);
        fake_head_stop(&h);
}

/* libcurl is opened by the first request, not before (check never makes one). */
static void test_lazy_load(void **state) {
        HttpResponse resp;
        char url[128];
        FakeHead h;

        /* Runs first: nothing has loaded libcurl yet (the tests do not link it). */
        assert_null(dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD));

        start_or_skip(&h, "basic", NULL);
        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);
        assert_non_null(dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD));
        fake_head_stop(&h);
}

static void test_https(void **state) {
        _cleanup_rm_rf_ char *certdir = NULL;
        char cert[PATH_MAX], key[PATH_MAX], url[128];
        const char *extra[] = { "--https", "--cert", cert, "--key", key, NULL };
        HttpResponse resp;
        FakeHead h;

        certdir = test_tmpdir("rus-cert");
        if (make_cert(certdir) < 0) {
                rm_rf_and_freep(&certdir);
                skip(); /* no openssl command */
        }
        snprintf(cert, sizeof cert, "%s/cert.pem", certdir);
        snprintf(key, sizeof key, "%s/key.pem", certdir);
        start_or_skip(&h, "basic", extra);
        snprintf(url, sizeof url, "https://127.0.0.1:%d/api/version", h.port);

        assert_int_equal(get(state, url, 5000, MiB, cert, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);

        /* The name must match too: "localhost" is in the SAN, the IP also. */
        snprintf(url, sizeof url, "https://localhost:%d/api/version", h.port);
        assert_int_equal(get(state, url, 5000, MiB, cert, false, &resp), 0);
        http_response_done(&resp);

        /* Not in the system's store: verification fails. */
        snprintf(url, sizeof url, "https://127.0.0.1:%d/api/version", h.port);
        assert_int_equal(get(state, url, 5000, MiB, NULL, false, &resp), -EPROTO);
        assert_int_equal(resp.status, 0);
        assert_non_null(resp.error);
        http_response_done(&resp);

        fake_head_stop(&h);
}

/* ---- Against a scripted server: the limits the dashboard relies on ---- */

static int exchange(const char *method, const char *host, int port, const char *path,
                    const char *const *headers, const char *body, long timeout_ms, HttpResponse *resp) {
        char url[256];

        snprintf(url, sizeof url, "http://%s:%d%s", host, port, path);
        return http_request(&(HttpRequest) {
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
        /* The fragment stays here; nothing but the request line and these headers goes out. */
        snprintf(want, sizeof want,
                 "GET /api/v0/nodes?view=summary HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "User-Agent: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                 "Accept: */*\r\n\r\n",
                 s.port);
        assert_string_equal(got, want);
}

static void test_bad_request_headers(void **state) {
        static const char *const bad[] = {
                "X-Evil: a\r\nHost: elsewhere", "X-Evil: a\nb", "X-Evil: a\rb", "X-Evil: \x01", "No colon",
                ": value", "Bad Name: x",
        };
        int port = closed_port();

        /* Refused before any connection: the port is closed, and the error is not -ECONNREFUSED. */
        assert_true(port > 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *headers[] = { "Accept: x", bad[i], NULL };
                HttpResponse resp;

                assert_int_equal(exchange("GET", "127.0.0.1", port, "/", headers, NULL, 2000, &resp), -EINVAL);
                assert_non_null(resp.error);
                assert_null(resp.body);
                http_response_done(&resp);
        }

        /* The error names the header, never its value (it may hold a token). */
        {
                const char *headers[] = { "Authorization: Bearer s3cret\r\nX-Injected: 1", NULL };
                HttpResponse resp;

                assert_int_equal(exchange("GET", "127.0.0.1", port, "/", headers, NULL, 2000, &resp), -EINVAL);
                assert_non_null(strstr(resp.error, "\"Authorization\""));
                assert_null(strstr(resp.error, "s3cret"));
                http_response_done(&resp);
        }
}

typedef struct Scripted {
        const char *response;
        RawFlags flags;
        int error;
        long status;
        const char *body;
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
        t = now_s();
        r = exchange("GET", family == AF_INET6 ? "[::1]" : "127.0.0.1", s.port, "/x", NULL, NULL, 500, &resp);
        t = now_s() - t;
        free(raw_server_stop(&s));
        if (r != c->error)
                fail_msg("%s: %d (%s), expected %d", c->response, r, resp.error ?: "-", c->error);
        if (c->status >= 0)
                assert_int_equal(resp.status, c->status);
        if (c->body)
                assert_string_equal(resp.body, c->body);
        else
                assert_null(resp.body);
        if (r < 0)
                assert_non_null(resp.error);
        else
                assert_null(resp.error);
        /* Whatever happened, within the deadline. */
        assert_true(t < 1.5);
        http_response_done(&resp);
}

static void test_scripted(void **state) {
        static const Scripted cases[] = {
                { OK200 "Content-Length: 5\r\n\r\nhello", 0, 0, 200, "hello" },
                { CHUNKED "5;x=y\r\nhello\r\n0\r\nTrailer: 1\r\n\r\n", 0, 0, 200, "hello" },
                { CHUNKED "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0, 0, 200, "hello world" },
                { "HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 2\r\n\r\nok", 0, 0, 200, "ok" },
                { "HTTP/1.0 200 OK\r\n\r\nuntil EOF", 0, 0, 200, "until EOF" },
                { "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", 0, 0, 404, "no" },
                /* Complete by its length or chunking: no need to wait for the close. */
                { OK200 "Content-Length: 2\r\n\r\nok", RAW_KEEP_OPEN, 0, 200, "ok" },
                { CHUNKED "2\r\nok\r\n0\r\n\r\n", RAW_KEEP_OPEN, 0, 200, "ok" },
                /* Only the close ends this one, and it does not come. */
                { OK200 "\r\nok", RAW_KEEP_OPEN, -ETIMEDOUT, 200, NULL },
                /* One deadline for the whole exchange, however busy the peer. */
                { OK200 "Content-Length: 100\r\n\r\n0123456789", RAW_TRICKLE, -ETIMEDOUT, -1, NULL },
                { "", 0, -EIO, 0, NULL },
                /* libcurl takes a header cut by the close as complete: no body, and the parsers refuse that. */
                { "HTTP/1.1 200 OK\r\nContent-Le", 0, 0, 200, NULL },
                { OK200 "Content-Length: 10\r\n\r\nhello", 0, -EIO, 200, NULL },
                { CHUNKED "5\r\nhello\r\n", 0, -EIO, 200, NULL },
                { CHUNKED "xyz\r\n", 0, -EIO, 200, NULL },
                /* Not HTTP at all (HTTP/0.9 is not accepted). */
                { "SSH-2.0-OpenSSH_9.2\r\n", 0, -EIO, 0, NULL },
                { "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0, -EIO, -1, NULL },
                { OK200 "Content-Length: 2000000\r\n\r\n", RAW_KEEP_OPEN, -EFBIG, 200, NULL },
                { CHUNKED "FFFFFFFFFFFFFFFFF\r\n", RAW_KEEP_OPEN, -EIO, 200, NULL },
                /* An answer that came before the request was read still counts. */
                { "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad", RAW_NO_READ, 0, 400, "bad" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                run_scripted(&cases[i], AF_INET);
}

static void test_ipv6(void **state) {
        static const Scripted c = { OK200 "Content-Length: 2\r\n\r\nok", 0, 0, 200, "ok" };

        run_scripted(&c, AF_INET6);
}

/* Over the header cap: HTTP_HEADER_MAX (64 KiB) in all. */
static void test_header_cap(void **state) {
        size_t allocated = 256 * KiB, n;
        _cleanup_free_ char *response = malloc(allocated);
        HttpResponse resp;
        RawServer s;

        assert_non_null(response);
        n = snprintf(response, allocated, OK200);
        while (n < 64 * KiB + 100)
                n += snprintf(response + n, allocated - n, "X-Pad: %0990d\r\n", 0);
        n += snprintf(response + n, allocated - n, "Content-Length: 0\r\n\r\n");
        assert_int_equal(raw_server_start(&s, AF_INET, response, n, 0), 0);
        assert_int_equal(exchange("GET", "127.0.0.1", s.port, "/", NULL, NULL, 2000, &resp), -EBADMSG);
        free(raw_server_stop(&s));
        assert_null(resp.body);
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

/* GETs answer from a server of our own uid at host, with the owner check on;
 * false when no such server can be started (no IPv6). */
static bool get_from_own_server(int family, const char *host, const char *answer) {
        HttpResponse resp;
        RawServer s;
        char url[128];

        if (raw_server_start(&s, family, answer, strlen(answer), 0) < 0)
                return false;
        snprintf(url, sizeof url, "http://%s:%d/x", host, s.port);
        assert_int_equal(http_request(&(HttpRequest) {
                                              .method = "GET",
                                              .url = url,
                                              .timeout_ms = 2000,
                                              .max_response = MiB,
                                              .check_peer_owner = true,
                                              .peer_owner = getuid(),
                                      },
                                      &resp),
                         0);
        assert_string_equal(resp.body, "ok");
        http_response_done(&resp);
        free(raw_server_stop(&s));
        return true;
}

/* The peer's owner is checked before the request leaves: a server of our
 * own uid passes as itself, and is refused, with nothing received, when
 * another uid is expected (unless we are root, whose peers always pass). */
static void test_peer_owner(void **state) {
        static const char answer[] = OK200 "Content-Length: 2\r\n\r\nok";
        _cleanup_free_ char *got = NULL;
        HttpResponse resp;
        RawServer s;
        char url[128], needle[64];

        assert_true(get_from_own_server(AF_INET, "127.0.0.1", answer));
        /* The same over IPv6, where there is IPv6. */
        (void) get_from_own_server(AF_INET6, "[::1]", answer);

        if (getuid() == 0)
                skip(); /* a root-owned peer is always accepted */
        assert_int_equal(raw_server_start(&s, AF_INET, answer, strlen(answer), 0), 0);
        snprintf(url, sizeof url, "http://127.0.0.1:%d/x", s.port);
        assert_int_equal(http_request(&(HttpRequest) {
                                              .method = "GET",
                                              .url = url,
                                              .headers = (const char *const[]) { "Authorization: Bearer s3cret", NULL },
                                              .timeout_ms = 2000,
                                              .max_response = MiB,
                                              .check_peer_owner = true,
                                              .peer_owner = getuid() + 1,
                                      },
                                      &resp),
                         -EPERM);
        assert_null(resp.body);
        assert_int_equal(resp.status, 0);
        snprintf(needle, sizeof needle, "port %d", s.port);
        assert_non_null(strstr(resp.error, needle));
        snprintf(needle, sizeof needle, "uid %u", (unsigned) getuid());
        assert_non_null(strstr(resp.error, needle));
        http_response_done(&resp);
        got = raw_server_stop(&s);
        assert_string_equal(got, ""); /* not one byte of the request */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lazy_load),
                cmocka_unit_test(test_closed_port_refused_fast),
                cmocka_unit_test(test_get_ok_and_404),
                cmocka_unit_test(test_hang_times_out),
                cmocka_unit_test(test_huge_refused),
                cmocka_unit_test(test_close_is_eio),
                cmocka_unit_test(test_only_http_protocols),
                cmocka_unit_test(test_proxy_only_when_asked),
                cmocka_unit_test(test_post),
                cmocka_unit_test(test_headers_replace_defaults),
                cmocka_unit_test(test_loopback_hosts),
                cmocka_unit_test(test_https),
                cmocka_unit_test(test_request_bytes),
                cmocka_unit_test(test_bad_request_headers),
                cmocka_unit_test(test_scripted),
                cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_header_cap),
                cmocka_unit_test(test_big_body),
                cmocka_unit_test(test_peer_owner),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
