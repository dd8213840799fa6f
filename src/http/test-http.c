/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/http-loopback.h"
#include "http/http.h"
#include "http/test-fake-head.h"

#define MiB (1024U * 1024U)

/* The cases that apply to both run once through each implementation,
 * called directly; the others go through http_request(), which picks. */
typedef int (*RequestFunc)(const HttpRequest *req, HttpResponse *ret);

static RequestFunc request_func(void **state) {
        return *state ? *(RequestFunc *) *state : http_request;
}

static void start_or_skip(FakeHead *h, const char *fixtures, const char *const *extra) {
        int r = fake_head_start(h, fixtures, extra);

        if (r == -ENOENT)
                skip();
        assert_int_equal(r, 0);
}

static int get(void **state, const char *url, long timeout_ms, size_t max_response, const char *ca_bundle,
               bool use_proxy, HttpResponse *resp) {
        return request_func(state)(&(HttpRequest) {
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
        t = now_seconds();
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), -ECONNREFUSED);
        assert_true(now_seconds() - t < 1.0);
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
        t = now_seconds();
        assert_int_equal(get(state, url, 1000, MiB, NULL, false, &resp), -ETIMEDOUT);
        t = now_seconds() - t;
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
        t = now_seconds();
        assert_int_equal(get(state, url, 5000, 32 * MiB, NULL, false, &resp), -EFBIG);
        assert_true(now_seconds() - t < 1.0);
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
        assert_int_equal(request_func(state)(&(HttpRequest) {
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
        assert_int_equal(request_func(state)(&(HttpRequest) {
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
        /* Host, User-Agent, Accept, Authorization; and Connection: close from the loopback client. */
        assert_int_equal(json_object_object_length(json_get_object(req, "headers")),
                         recorded_header(req, "Connection") ? 5 : 4);
        fake_head_stop(&h);
}

/* Every loopback spelling the fast path takes, IPv6 included. */
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

/* A dashboard-only run never loads libcurl; anything else still works through it. */
static void test_dispatch(void **state) {
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
        snprintf(url, sizeof url, "http://localhost:%d/api/version", h.port);
        assert_int_equal(get(state, url, 2000, MiB, NULL, false, &resp), 0);
        http_response_done(&resp);
        assert_null(dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD));

        /* use_proxy (no proxy is set): libcurl, and the same answer. */
        assert_int_equal(unsetenv("http_proxy"), 0);
        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(get(state, url, 2000, MiB, NULL, true, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);
        assert_non_null(dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD));
        fake_head_stop(&h);
}

static void test_https(void **state) {
        char certdir[] = "/tmp/rus-cert-XXXXXX", cert[PATH_MAX], key[PATH_MAX], url[128];
        const char *extra[] = { "--https", "--cert", cert, "--key", key, NULL };
        HttpResponse resp;
        FakeHead h;

        assert_non_null(mkdtemp(certdir));
        if (make_cert(certdir) < 0) {
                remove_tree(certdir);
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
        remove_tree(certdir);
}

static const RequestFunc via_curl = http_request_curl, via_loopback = http_request_loopback;

#define BOTH(f)                                                         \
        { #f " (libcurl)", f, NULL, NULL, (void *) &via_curl },         \
        { #f " (loopback)", f, NULL, NULL, (void *) &via_loopback }

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dispatch),
                BOTH(test_closed_port_refused_fast),
                BOTH(test_get_ok_and_404),
                BOTH(test_hang_times_out),
                BOTH(test_huge_refused),
                BOTH(test_close_is_eio),
                cmocka_unit_test(test_only_http_protocols),
                cmocka_unit_test(test_proxy_only_when_asked),
                BOTH(test_post),
                BOTH(test_headers_replace_defaults),
                BOTH(test_loopback_hosts),
                cmocka_unit_test(test_https),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
