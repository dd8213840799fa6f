/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "dashboard/dashboard.h"
#include "http/test-fake-head.h"
#include "shared/strv.h"

static void start_or_skip(FakeHead *h, const char *fixtures, const char *const *extra) {
        int r = fake_head_start(h, fixtures, extra);

        if (r == -ENOENT)
                skip();
        assert_int_equal(r, 0);
}

static bool failed_calls_contain(char **l, const char *prefix) {
        for (size_t i = 0; l && l[i]; i++)
                if (startswith(l[i], prefix))
                        return true;
        return false;
}

static void collect(const char *url, const char *token, DashboardFigures *f, int *ret_opted_out) {
        _cleanup_dashboard_client_ DashboardClient *c = NULL;

        assert_int_equal(dashboard_client_new(url, token, getuid(), &c), 0);
        if (ret_opted_out) {
                *ret_opted_out = dashboard_cluster_opted_out(c);
                assert_true(*ret_opted_out >= 0);
        }
        assert_int_equal(dashboard_collect(c, f), 0);
}

static void test_basic(void **state) {
        _cleanup_json_ json_object *requests = NULL;
        DashboardFigures f;
        char url[80];
        FakeHead h;
        int opted_out;

        start_or_skip(&h, "basic", NULL);
        snprintf(url, sizeof url, "%s/", h.url); /* trailing slash is fine */
        collect(url, "never-sent-token", &f, &opted_out);

        assert_int_equal(opted_out, 0);
        assert_null(f.failed_calls);
        assert_string_equal(f.ray_version, "2.52.0");
        assert_string_equal(f.git_commit, "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
        assert_string_equal(f.cluster_id, "3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718");
        assert_string_equal(f.python_version, "3.11.7");
        assert_int_equal(f.total_num_nodes, 2);
        assert_true(f.total_num_cpus == 24.0);
        assert_true(f.total_num_gpus == 1.0);
        assert_true(f.total_memory_bytes == 64424509440.0);
        assert_true(f.total_object_store_memory_bytes == 27917287424.0);
        assert_int_equal(f.total_num_running_jobs, 2);
        assert_int_equal(f.actors_created, 7);
        assert_int_equal(f.pgs_created, 3);
        assert_int_equal(f.grafana_enabled, 1);
        assert_int_equal(f.prometheus_enabled, 0); /* a 500 "not running" is an answer, not a failure */
        assert_string_equal(f.accelerator_types[0], "A10G");
        assert_null(f.accelerator_types[1]);
        dashboard_figures_done(&f);

        /* Auth mode "disabled": the token stays home; the filter is asked for. */
        requests = fake_head_requests(&h);
        assert_int_equal(json_object_array_length(requests), 11);
        assert_string_equal(json_get_string(json_object_array_get_idx(requests, 0), "path"),
                            "/api/authentication_mode");
        assert_string_equal(json_get_string(json_object_array_get_idx(requests, 1), "path"),
                            "/usage_stats_enabled");
        for (size_t i = 0; i < json_object_array_length(requests); i++) {
                json_object *req = json_object_array_get_idx(requests, i);

                assert_null(recorded_header(req, "Authorization"));
                assert_string_equal(json_get_string(req, "method"), "GET");
                if (streq(json_get_string(req, "path"), "/api/v0/nodes"))
                        assert_string_equal(json_get_string(req, "query"),
                                            "limit=10000&filter_keys=state&filter_predicates=%3D"
                                            "&filter_values=ALIVE");
        }
        fake_head_stop(&h);
}

static void test_opted_out(void **state) {
        _cleanup_dashboard_client_ DashboardClient *c = NULL;
        FakeHead h;

        start_or_skip(&h, "opted-out", NULL);
        assert_int_equal(dashboard_client_new(h.url, NULL, getuid(), &c), 0);
        assert_int_equal(dashboard_cluster_opted_out(c), 1);
        fake_head_stop(&h);
}

static void test_old_ray(void **state) {
        DashboardFigures f;
        FakeHead h;
        int opted_out;

        start_or_skip(&h, "old-ray", NULL);
        collect(h.url, NULL, &f, &opted_out);

        /* No usage_stats_enabled route: no opt-out, and no failure either. */
        assert_int_equal(opted_out, 0);
        assert_string_equal(f.ray_version, "2.9.3");
        assert_null(f.python_version);
        assert_int_equal(f.total_num_nodes, 1);
        assert_true(f.total_num_cpus == 4.0);
        assert_true(isnan(f.total_num_gpus));
        assert_int_equal(f.total_num_running_jobs, 1);
        assert_int_equal(f.actors_created, 0);
        assert_int_equal(f.pgs_created, 0);
        assert_int_equal(f.grafana_enabled, 0);
        assert_int_equal(f.prometheus_enabled, 1);
        assert_null(f.accelerator_types);
        assert_int_equal(strv_length(f.failed_calls), 1);
        assert_string_equal(f.failed_calls[0], "GET /api/v0/cluster_metadata: HTTP 404");
        dashboard_figures_done(&f);
        fake_head_stop(&h);
}

static void test_token(void **state) {
        const char *extra[] = { "--token", "s3cret-token", NULL };
        _cleanup_json_ json_object *requests = NULL;
        DashboardFigures f;
        FakeHead h;
        int opted_out;

        start_or_skip(&h, "basic", extra);

        collect(h.url, "s3cret-token", &f, &opted_out);
        assert_int_equal(opted_out, 0);
        assert_null(f.failed_calls);
        assert_string_equal(f.ray_version, "2.52.0");
        assert_int_equal(f.total_num_nodes, 2);
        dashboard_figures_done(&f);

        requests = fake_head_requests(&h);
        assert_int_equal(json_object_array_length(requests), 11);
        for (size_t i = 0; i < json_object_array_length(requests); i++) {
                json_object *req = json_object_array_get_idx(requests, i);

                if (i == 0)
                        assert_null(recorded_header(req, "Authorization")); /* the public mode route */
                else
                        assert_string_equal(recorded_header(req, "Authorization"), "Bearer s3cret-token");
        }

        /* No token: every protected call fails with a 401 that says what to do. */
        collect(h.url, NULL, &f, &opted_out);
        assert_int_equal(opted_out, 0);
        assert_null(f.ray_version);
        assert_int_equal(f.total_num_nodes, -1);
        assert_int_equal(strv_length(f.failed_calls), 10);
        assert_true(failed_calls_contain(f.failed_calls,
                                         "GET /usage_stats_enabled: HTTP 401: the dashboard needs a token"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/version: HTTP 401"));
        assert_int_equal(f.grafana_enabled, 0);
        dashboard_figures_done(&f);

        /* A wrong token: 403. */
        collect(h.url, "wrong", &f, NULL);
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/version: HTTP 403"));
        dashboard_figures_done(&f);

        fake_head_stop(&h);
}

static void test_refused_ends_phase(void **state) {
        DashboardFigures f;
        char url[64];
        double t;
        int opted_out, port = closed_port();

        assert_true(port > 0);
        snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
        t = now_s();
        collect(url, NULL, &f, &opted_out);
        assert_true(now_s() - t < 1.0);
        assert_int_equal(opted_out, 0);
        assert_null(f.ray_version);
        assert_int_equal(f.total_num_nodes, -1);
        assert_true(isnan(f.total_num_cpus));
        assert_int_equal(f.actors_created, -1);
        /* The mode probe, the opt-out probe and the nine calls. */
        assert_int_equal(strv_length(f.failed_calls), 11);
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/authentication_mode: "));
        assert_true(failed_calls_contain(f.failed_calls,
                                         "GET /api/version: skipped: the dashboard refused the connection"));
        dashboard_figures_done(&f);
}

static void test_hang_bounded(void **state) {
        const char *extra[] = { "--mode", "hang", NULL };
        DashboardFigures f;
        FakeHead h;
        double t;
        int opted_out;

        start_or_skip(&h, "basic", extra);
        t = now_s();
        collect(h.url, NULL, &f, &opted_out);
        t = now_s() - t;
        assert_true(t >= 9.5 && t < 12.0);
        assert_int_equal(opted_out, 0);
        assert_null(f.ray_version);
        assert_int_equal(strv_length(f.failed_calls), 11);
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/prometheus_health: skipped: the 10 s"));
        dashboard_figures_done(&f);
        fake_head_stop(&h);
}

static void test_bad_routes(void **state) {
        const char *extra[] = {
                "--route-mode", "/api/version=html",      "--route-mode", "/cluster_id=garbage",
                "--route-mode", "/api/v0/nodes=huge",     "--route-mode", "/api/jobs/=wrongtypes",
                "--route-mode", "/api/v0/actors=500",     "--route-mode", "/api/grafana_health=close",
                "--route-mode", "/usage_stats_enabled=wrongtypes", NULL,
        };
        DashboardFigures f;
        FakeHead h;
        int opted_out;

        start_or_skip(&h, "basic", extra);
        collect(h.url, NULL, &f, &opted_out);

        assert_int_equal(opted_out, 0);
        assert_null(f.ray_version);
        assert_null(f.cluster_id);
        assert_int_equal(f.total_num_nodes, -1);
        assert_int_equal(f.total_num_running_jobs, -1);
        assert_int_equal(f.actors_created, -1);
        assert_int_equal(f.grafana_enabled, 0);
        /* The others are unaffected. */
        assert_string_equal(f.python_version, "3.11.7");
        assert_int_equal(f.pgs_created, 3);

        assert_int_equal(strv_length(f.failed_calls), 7);
        assert_true(failed_calls_contain(f.failed_calls,
                                         "GET /usage_stats_enabled: the response has an unexpected"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/version: the response is not valid"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /cluster_id: the response is not valid JSON"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/v0/nodes: Response larger than"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/jobs/: the response has an unexpected"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/v0/actors: HTTP 500"));
        assert_true(failed_calls_contain(f.failed_calls, "GET /api/grafana_health: "));
        dashboard_figures_done(&f);
        fake_head_stop(&h);
}

/* The largest listing the client asks for (limit=10000) fits the per-request
 * timeout and the response cap. */
static void test_ten_thousand_nodes(void **state) {
        _cleanup_rm_rf_ char *dir = NULL;
        char command[PATH_MAX * 2];
        const char *extra[] = { "--fixtures", NULL, NULL };
        DashboardFigures f;
        FakeHead h;
        double t;

        if (!test_srcdir())
                skip();
        extra[1] = dir = test_tmpdir("rus-nodes");
        snprintf(command, sizeof command, "python3 %s/tests/make-nodes-fixture.py 10000 >%s/nodes.json",
                 test_srcdir(), dir);
        assert_int_equal(system(command), 0);
        start_or_skip(&h, "basic", extra);

        t = now_s();
        collect(h.url, NULL, &f, NULL);
        assert_true(now_s() - t < 5.0);
        assert_null(f.failed_calls);
        assert_int_equal(f.total_num_nodes, 10000);
        assert_true(f.total_num_cpus == 80000.0);
        assert_true(f.total_num_gpus == 2500.0);
        assert_true(f.total_memory_bytes == 10000.0 * 32 * 1024 * 1024 * 1024);
        assert_int_equal(strv_length(f.accelerator_types), 2);
        assert_string_equal(f.accelerator_types[0], "A10G");
        assert_string_equal(f.accelerator_types[1], "L4");
        dashboard_figures_done(&f);
        fake_head_stop(&h);
}

static void test_client_new(void **state) {
        DashboardClient *c = NULL;

        assert_int_equal(dashboard_client_new("file:///etc", NULL, 0, &c), -EINVAL);
        assert_int_equal(dashboard_client_new("127.0.0.1:8265", NULL, 0, &c), -EINVAL);
        assert_null(c);
        assert_string_equal(dashboard_default_url(), "http://127.0.0.1:8265");
}

static void test_load_token(void **state) {
        _cleanup_rm_rf_ char *dir = NULL;
        char path[PATH_MAX];
        _cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL, *t5 = NULL;
        char *bad = (char *) "x";

        dir = test_tmpdir("rus-token");
        assert_int_equal(unsetenv("RAY_AUTH_TOKEN"), 0);
        assert_int_equal(unsetenv("RAY_AUTH_TOKEN_PATH"), 0);

        /* Nothing anywhere. */
        assert_int_equal(dashboard_load_token(true, dir, &t1), 0);
        assert_null(t1);
        assert_int_equal(dashboard_load_token(true, NULL, &t1), 0);
        assert_null(t1);

        /* ~/.ray/auth_token, trimmed. */
        snprintf(path, sizeof path, "%s/.ray", dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof path, "%s/.ray/auth_token", dir);
        assert_int_equal(write_file_atomic(path, " home-token\n", 12, 0600), 0);
        assert_int_equal(dashboard_load_token(true, dir, &t2), 0);
        assert_string_equal(t2, "home-token");

        /* RAY_AUTH_TOKEN_PATH wins over the home file; a missing one is no token. */
        snprintf(path, sizeof path, "%s/other", dir);
        assert_int_equal(write_file_atomic(path, "path-token\r\n", 12, 0600), 0);
        assert_int_equal(setenv("RAY_AUTH_TOKEN_PATH", path, 1), 0);
        assert_int_equal(dashboard_load_token(true, dir, &t3), 0);
        assert_string_equal(t3, "path-token");
        snprintf(path, sizeof path, "%s/missing", dir);
        assert_int_equal(setenv("RAY_AUTH_TOKEN_PATH", path, 1), 0);
        assert_int_equal(dashboard_load_token(true, dir, &t1), 0);
        assert_null(t1);

        /* RAY_AUTH_TOKEN wins over both. */
        assert_int_equal(setenv("RAY_AUTH_TOKEN", "\tenv-token  ", 1), 0);
        assert_int_equal(dashboard_load_token(true, dir, &t4), 0);
        assert_string_equal(t4, "env-token");

        /* For another user's head, the environment is not theirs: only their own file counts. */
        free(t2);
        assert_int_equal(dashboard_load_token(false, dir, &t2), 0);
        assert_string_equal(t2, "home-token");

        /* A token that would split the header line is refused. */
        assert_int_equal(setenv("RAY_AUTH_TOKEN", "a\r\nX-Evil: 1", 1), 0);
        assert_int_equal(dashboard_load_token(true, dir, &bad), -EBADMSG);

        /* A directory or an oversized file is not a token. */
        assert_int_equal(unsetenv("RAY_AUTH_TOKEN"), 0);
        assert_int_equal(setenv("RAY_AUTH_TOKEN_PATH", dir, 1), 0);
        assert_true(dashboard_load_token(true, dir, &t5) < 0);

        assert_int_equal(unsetenv("RAY_AUTH_TOKEN_PATH"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_client_new),
                cmocka_unit_test(test_load_token),
                cmocka_unit_test(test_basic),
                cmocka_unit_test(test_opted_out),
                cmocka_unit_test(test_old_ray),
                cmocka_unit_test(test_token),
                cmocka_unit_test(test_refused_ends_phase),
                cmocka_unit_test(test_bad_routes),
                cmocka_unit_test(test_ten_thousand_nodes),
                cmocka_unit_test(test_hang_bounded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
