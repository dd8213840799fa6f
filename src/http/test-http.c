/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/http.h"
#include "http/test-fake-head.h"

#define MiB (1024U * 1024U)

static void start_or_skip(FakeHead *h, const char *fixtures, const char *const *extra) {
        int r = fake_head_start(h, fixtures, extra);

        if (r == -ENOENT)
                skip();
        assert_int_equal(r, 0);
}

static int get(const char *url, long timeout_ms, size_t max_response, const char *ca_bundle, bool use_proxy,
               HttpResponse *resp) {
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
        t = now_seconds();
        assert_int_equal(get(url, 2000, MiB, NULL, false, &resp), -ECONNREFUSED);
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
        assert_int_equal(get(url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.size, size);
        assert_memory_equal(resp.body, fixture, size);
        assert_null(resp.error);
        http_response_done(&resp);

        /* A status is an answer, not a transport failure. */
        snprintf(url, sizeof url, "%s/no/such/route", h.url);
        assert_int_equal(get(url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 404);
        http_response_done(&resp);

        /* Exactly max_response bytes still fit. */
        snprintf(url, sizeof url, "%s/api/version", h.url);
        assert_int_equal(get(url, 2000, size, NULL, false, &resp), 0);
        http_response_done(&resp);
        assert_int_equal(get(url, 2000, size - 1, NULL, false, &resp), -EFBIG);
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
        assert_int_equal(get(url, 1000, MiB, NULL, false, &resp), -ETIMEDOUT);
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
        assert_int_equal(get(url, 5000, 32 * MiB, NULL, false, &resp), -EFBIG);
        assert_true(now_seconds() - t < 1.0);
        assert_non_null(resp.error);
        assert_null(resp.body);
        http_response_done(&resp);

        /* No length: cut off by the write callback once past the cap. */
        snprintf(url, sizeof url, "%s/cluster_id", h.url);
        assert_int_equal(get(url, 5000, MiB, NULL, false, &resp), -EFBIG);
        assert_null(resp.body);
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
        assert_int_equal(get(url, 2000, MiB, NULL, false, &resp), -EIO);
        assert_non_null(resp.error);
        http_response_done(&resp);
        fake_head_stop(&h);
}

static void test_only_http_protocols(void **state) {
        HttpResponse resp;

        assert_int_equal(get("file:///etc/passwd", 2000, MiB, NULL, false, &resp), -EIO);
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

        assert_int_equal(get(url, 2000, MiB, NULL, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);

        /* Through the (closed) proxy: the connection to it is refused. */
        assert_int_equal(get(url, 2000, MiB, NULL, true, &resp), -ECONNREFUSED);
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

        assert_int_equal(get(url, 5000, MiB, cert, false, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);

        /* The name must match too: "localhost" is in the SAN, the IP also. */
        snprintf(url, sizeof url, "https://localhost:%d/api/version", h.port);
        assert_int_equal(get(url, 5000, MiB, cert, false, &resp), 0);
        http_response_done(&resp);

        /* Not in the system's store: verification fails. */
        snprintf(url, sizeof url, "https://127.0.0.1:%d/api/version", h.port);
        assert_int_equal(get(url, 5000, MiB, NULL, false, &resp), -EPROTO);
        assert_int_equal(resp.status, 0);
        assert_non_null(resp.error);
        http_response_done(&resp);

        fake_head_stop(&h);
        remove_tree(certdir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_closed_port_refused_fast),
                cmocka_unit_test(test_get_ok_and_404),
                cmocka_unit_test(test_hang_times_out),
                cmocka_unit_test(test_huge_refused),
                cmocka_unit_test(test_close_is_eio),
                cmocka_unit_test(test_only_http_protocols),
                cmocka_unit_test(test_proxy_only_when_asked),
                cmocka_unit_test(test_post),
                cmocka_unit_test(test_https),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
