/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/test-fake-head.h"
#include "shared/strv.h"
#include "upload/upload.h"

static const char report[] = "{\"schema_version\": \"0.1\", \"source\": \"OSS\", \"note\": \"\\u00e9\"}";

static void start_or_skip(FakeHead *h, const char *const *extra) {
        int r = fake_head_start(h, NULL, extra);

        if (r == -ENOENT)
                skip();
        assert_int_equal(r, 0);
}

static void test_url(void **state) {
        assert_int_equal(unsetenv("RAY_USAGE_STATS_REPORT_URL"), 0);
        assert_string_equal(upload_url(), "https://usage-stats.ray.io/");
        assert_int_equal(setenv("RAY_USAGE_STATS_REPORT_URL", "", 1), 0);
        assert_string_equal(upload_url(), "https://usage-stats.ray.io/");
        assert_int_equal(setenv("RAY_USAGE_STATS_REPORT_URL", "http://127.0.0.1:9/x", 1), 0);
        assert_string_equal(upload_url(), "http://127.0.0.1:9/x");
        assert_int_equal(unsetenv("RAY_USAGE_STATS_REPORT_URL"), 0);
}

static void test_success_sends_exact_bytes(void **state) {
        const char *extra[] = { "--post-status", "204", NULL };
        _cleanup_json_ json_object *requests = NULL;
        _cleanup_free_ char *error = NULL;
        json_object *req;
        char url[96];
        long status = -1;
        FakeHead h;

        start_or_skip(&h, extra);
        snprintf(url, sizeof url, "%s/report", h.url);
        assert_int_equal(upload_report(url, report, strlen(report), &status, &error), 0);
        assert_int_equal(status, 204);
        assert_null(error);

        requests = fake_head_requests(&h);
        assert_int_equal(json_object_array_length(requests), 1);
        req = json_object_array_get_idx(requests, 0);
        assert_string_equal(json_get_string(req, "method"), "POST");
        assert_string_equal(json_get_string(req, "body"), report);
        assert_string_equal(recorded_header(req, "Content-Type"), "application/json");
        assert_string_equal(recorded_header(req, "User-Agent"), "ray-usage-stats/" PACKAGE_VERSION);
        assert_null(recorded_header(req, "Authorization"));
        fake_head_stop(&h);
}

static void test_http_errors(void **state) {
        const char *extra[] = { "--post-status", "500,404,200", NULL };
        _cleanup_free_ char *expected = NULL;
        char url[96];
        long status;
        FakeHead h;

        start_or_skip(&h, extra);
        snprintf(url, sizeof url, "%s/report", h.url);
        assert_true(asprintf(&expected, "HTTP 500 from %s", url) > 0);

        for (int i = 0; i < 3; i++) {
                _cleanup_free_ char *error = NULL;
                int r = upload_report(url, report, strlen(report), &status, &error);

                switch (i) {
                case 0:
                        assert_int_equal(r, -EREMOTEIO);
                        assert_int_equal(status, 500);
                        assert_string_equal(error, expected);
                        break;
                case 1:
                        assert_int_equal(r, -EREMOTEIO);
                        assert_int_equal(status, 404);
                        assert_non_null(strstr(error, "HTTP 404 from "));
                        break;
                default:
                        assert_int_equal(r, 0);
                        assert_int_equal(status, 200);
                        assert_null(error);
                }
        }
        fake_head_stop(&h);
}

static void test_transport_error_hides_credentials(void **state) {
        _cleanup_free_ char *error = NULL;
        char url[128];
        long status = -1;
        int port = closed_port();

        assert_true(port > 0);
        snprintf(url, sizeof url, "http://user:s3cret@127.0.0.1:%d/report", port);
        assert_int_equal(upload_report(url, report, strlen(report), &status, &error), -ECONNREFUSED);
        assert_int_equal(status, 0);
        assert_non_null(error);
        assert_non_null(startswith(error, "Failed to send the report to http://127.0.0.1:"));
        assert_null(strstr(error, "s3cret"));
        assert_null(strchr(error, '\n'));

        /* Callers that do not want the details. */
        assert_int_equal(upload_report(url, report, strlen(report), NULL, NULL), -ECONNREFUSED);
}

static void test_https_with_ca_bundle(void **state) {
        _cleanup_rm_rf_ char *certdir = NULL;
        char cert[PATH_MAX], key[PATH_MAX], url[96];
        const char *extra[] = { "--https", "--cert", cert, "--key", key, NULL };
        long status;
        FakeHead h;

        certdir = test_tmpdir("rus-cert");
        if (make_cert(certdir) < 0) {
                rm_rf_and_freep(&certdir);
                skip();
        }
        snprintf(cert, sizeof cert, "%s/cert.pem", certdir);
        snprintf(key, sizeof key, "%s/key.pem", certdir);
        start_or_skip(&h, extra);
        snprintf(url, sizeof url, "https://localhost:%d/", h.port);

        {
                _cleanup_free_ char *error = NULL;

                assert_int_equal(unsetenv("RAY_USAGE_STATS_CA_BUNDLE"), 0);
                assert_int_equal(upload_report(url, report, strlen(report), &status, &error), -EPROTO);
                assert_non_null(error);
        }
        {
                _cleanup_free_ char *error = NULL;

                assert_int_equal(setenv("RAY_USAGE_STATS_CA_BUNDLE", cert, 1), 0);
                assert_int_equal(upload_report(url, report, strlen(report), &status, &error), 0);
                assert_int_equal(status, 200);
                assert_int_equal(unsetenv("RAY_USAGE_STATS_CA_BUNDLE"), 0);
        }
        fake_head_stop(&h);
}

static void test_additional_urls(void **state) {
        char **l = NULL, *error = NULL;

        assert_int_equal(unsetenv("RAY_USAGE_STATS_ADDITIONAL_URLS"), 0);
        assert_int_equal(upload_additional_urls(&l, &error), 0);
        assert_null(l);
        assert_int_equal(setenv("RAY_USAGE_STATS_ADDITIONAL_URLS", " \t\n", 1), 0);
        assert_int_equal(upload_additional_urls(&l, &error), 0);
        assert_null(l);

        assert_int_equal(setenv("RAY_USAGE_STATS_ADDITIONAL_URLS",
                                "  http://127.0.0.1:1/a\thttps://u:p@collector.example/x\n", 1), 0);
        assert_int_equal(upload_additional_urls(&l, &error), 0);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[0], "http://127.0.0.1:1/a");
        assert_string_equal(l[1], "https://u:p@collector.example/x");
        strv_free(l);

        assert_int_equal(setenv("RAY_USAGE_STATS_ADDITIONAL_URLS", "http://a/ ftp://s3cret@b/", 1), 0);
        assert_int_equal(upload_additional_urls(&l, &error), -EINVAL);
        assert_string_equal(error, "Invalid RAY_USAGE_STATS_ADDITIONAL_URLS: URL number 2 is not an http:// or "
                                   "https:// URL with a host.");
        free(error);

        assert_int_equal(setenv("RAY_USAGE_STATS_ADDITIONAL_URLS",
                                "http://a/ http://a/ http://a/ http://a/ http://a/ http://a/ http://a/ http://a/", 1), 0);
        assert_int_equal(upload_additional_urls(&l, NULL), 0);
        assert_int_equal(strv_length(l), 8);
        strv_free(l);
        assert_int_equal(setenv("RAY_USAGE_STATS_ADDITIONAL_URLS",
                                "http://a/ http://a/ http://a/ http://a/ http://a/ http://a/ http://a/ http://a/ "
                                "http://a/", 1), 0);
        assert_int_equal(upload_additional_urls(&l, &error), -EINVAL);
        assert_non_null(strstr(error, "more than 8 URLs"));
        free(error);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_ADDITIONAL_URLS"), 0);
}

static void test_report_all_in_parallel(void **state) {
        const char *ok[] = { "--post-status", "200", NULL }, *bad[] = { "--post-status", "500", NULL };
        char u0[96], u1[96], u2[96];
        char *extra[] = { u1, u2, NULL };
        UploadResult *res;
        FakeHead a, b;
        int port = closed_port();

        start_or_skip(&a, ok);
        start_or_skip(&b, bad);
        snprintf(u0, sizeof u0, "%s/report", a.url);
        snprintf(u1, sizeof u1, "%s/extra", b.url);
        snprintf(u2, sizeof u2, "http://127.0.0.1:%d/", port);

        assert_int_equal(upload_report_all(u0, extra, report, strlen(report), &res), 0);
        assert_int_equal(res[0].r, 0);
        assert_int_equal(res[0].status, 200);
        assert_null(res[0].error);
        assert_int_equal(res[1].r, -EREMOTEIO);
        assert_int_equal(res[1].status, 500);
        assert_non_null(strstr(res[1].error, "HTTP 500 from "));
        assert_int_equal(res[2].r, -ECONNREFUSED);
        assert_int_equal(res[2].status, 0);
        upload_results_free(res, 3);

        {
                _cleanup_json_ json_object *ra = fake_head_requests(&a), *rb = fake_head_requests(&b);

                assert_int_equal(json_object_array_length(ra), 1);
                assert_int_equal(json_object_array_length(rb), 1);
                assert_string_equal(json_get_string(json_object_array_get_idx(ra, 0), "body"), report);
                assert_string_equal(json_get_string(json_object_array_get_idx(rb, 0), "body"), report);
        }
        fake_head_stop(&a);
        fake_head_stop(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_url),
                cmocka_unit_test(test_success_sends_exact_bytes),
                cmocka_unit_test(test_http_errors),
                cmocka_unit_test(test_transport_error_hides_credentials),
                cmocka_unit_test(test_https_with_ca_bundle),
                cmocka_unit_test(test_additional_urls),
                cmocka_unit_test(test_report_all_in_parallel),
        };

        /* The proxy variables are honoured by upload_report: keep this run's off. */
        unsetenv("http_proxy");
        unsetenv("https_proxy");
        unsetenv("HTTPS_PROXY");
        unsetenv("ALL_PROXY");
        unsetenv("all_proxy");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
