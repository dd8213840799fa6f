/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "dashboard/dashboard.h"

/* JSON written with ' for ", to keep the cases readable; ' never occurs in them. */
static char *json_quote(char *s) {
        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}
#define S(s) json_quote(strdupa(s)), strlen(s)

/* Bodies every parser must refuse without touching its output. */
static const char *const junk[] = {
        "",
        "   ",
        "null",
        "<!DOCTYPE html><html><body>Ray Dashboard</body></html>",
        "\x00\xff garbage",
        "{\"result\": true, \"data\": {}",        /* truncated */
        "{\"result\": true} trailing",
        "\"a string\"",
        "[1, 2, 3]",
        "{\"result\": \"yes\", \"data\": {}}",     /* wrong type of result */
};

static char *deeply_nested(void) {
        char *s = malloc(2 * 200 + 1);

        assert_non_null(s);
        memset(s, '[', 200);
        memset(s + 200, ']', 200);
        s[400] = 0;
        return s;
}

typedef int (*FigureParser)(const char *body, size_t size, DashboardFigures *f);

static void assert_figure_parser_refuses_junk(FigureParser parse) {
        _cleanup_free_ char *nested = deeply_nested();
        DashboardFigures f;

        dashboard_figures_init(&f);
        for (size_t i = 0; i < ELEMENTSOF(junk); i++)
                assert_true(parse(junk[i], i == 4 ? 10 : strlen(junk[i]), &f) < 0);
        assert_int_equal(parse(S(nested), &f), -EBADMSG);
        assert_null(f.ray_version);
        assert_null(f.cluster_id);
        assert_null(f.python_version);
        assert_int_equal(f.total_num_nodes, -1);
        assert_int_equal(f.total_num_running_jobs, -1);
        dashboard_figures_done(&f);
}

static void test_junk(void **state) {
        assert_figure_parser_refuses_junk(dashboard_parse_version);
        assert_figure_parser_refuses_junk(dashboard_parse_cluster_id);
        assert_figure_parser_refuses_junk(dashboard_parse_cluster_metadata);
        assert_figure_parser_refuses_junk(dashboard_parse_nodes);
        assert_figure_parser_refuses_junk(dashboard_parse_jobs);

        for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                size_t size = i == 4 ? 10 : strlen(junk[i]);
                int64_t total = 42;
                bool b = true;

                assert_true(dashboard_parse_state_total(junk[i], size, &total) < 0);
                assert_int_equal(total, 42);
                assert_true(dashboard_parse_auth_mode(junk[i], size, &b) < 0);
                assert_true(dashboard_parse_usage_stats_enabled(junk[i], size, &b) < 0);
                assert_true(dashboard_parse_grafana_health(junk[i], size, &b) < 0);
                assert_true(dashboard_parse_prometheus_health(junk[i], size, &b) < 0);
                assert_true(b);
        }
        assert_int_equal(dashboard_parse_version(NULL, 0, &(DashboardFigures) {}), -EBADMSG);
}

static void test_error_kinds(void **state) {
        DashboardFigures f;

        dashboard_figures_init(&f);
        assert_int_equal(dashboard_parse_cluster_id(S("<html></html>"), &f), -EBADMSG);
        assert_int_equal(dashboard_parse_cluster_id(S("{'result': false, 'msg': 'x', 'data': {}}"), &f),
                         -EREMOTEIO);
        assert_int_equal(dashboard_parse_cluster_id(S("{'result': true, 'msg': '', 'data': []}"), &f),
                         -EINVAL);
        assert_int_equal(dashboard_parse_cluster_id(S("{'result': true, 'data': {'clusterId': 5}}"), &f),
                         -EINVAL);
        assert_null(f.cluster_id);
        dashboard_figures_done(&f);
}

static void test_version(void **state) {
        DashboardFigures f;

        dashboard_figures_init(&f);
        assert_int_equal(dashboard_parse_version(S("{'version': '5', 'ray_version': '2.52.0', 'ray_commit': "
                                                   "'a1b2c3', 'session_name': 'session_x'}"),
                                                 &f),
                         0);
        assert_string_equal(f.ray_version, "2.52.0");
        assert_string_equal(f.git_commit, "a1b2c3");

        /* Older Ray: no session_name; a null commit is unknown. */
        assert_int_equal(dashboard_parse_version(S("{'version': '3', 'ray_version': '2.9.3', "
                                                   "'ray_commit': null}"),
                                                 &f),
                         0);
        assert_string_equal(f.ray_version, "2.9.3");
        assert_null(f.git_commit);

        /* Wrong types, missing field, a NUL that a C string cannot carry. */
        assert_int_equal(dashboard_parse_version(S("{'ray_version': 2}"), &f), -EINVAL);
        assert_int_equal(dashboard_parse_version(S("{'ray_commit': 'x'}"), &f), -EINVAL);
        assert_int_equal(dashboard_parse_version(S("{'ray_version': '2', 'ray_commit': []}"), &f), -EINVAL);
        assert_int_equal(dashboard_parse_version(S("{'ray_version': '2\\u0000'}"), &f), -EINVAL);
        assert_string_equal(f.ray_version, "2.9.3");
        /* Any other string is passed on as Ray passes it (the report's JSON escapes it). */
        assert_int_equal(dashboard_parse_version(S("{'ray_version': '\\u00e92.0\\n'}"), &f), 0);
        assert_string_equal(f.ray_version, "\u00e92.0\n");
        assert_int_equal(dashboard_parse_version(S("{'ray_version': ''}"), &f), 0);
        assert_string_equal(f.ray_version, "");
        dashboard_figures_done(&f);
}

static void test_cluster_id(void **state) {
        DashboardFigures f;

        dashboard_figures_init(&f);
        assert_int_equal(dashboard_parse_cluster_id(S("{'result': true, 'msg': 'Fetched cluster id', "
                                                      "'data': {'clusterId': '3f9e0c7aABCD'}}"),
                                                    &f),
                         0);
        assert_string_equal(f.cluster_id, "3f9e0c7aABCD");
        /* Not hex: never becomes a session_id. */
        assert_int_equal(dashboard_parse_cluster_id(S("{'result': true, 'data': {'clusterId': "
                                                      "'fixture-host-zz9'}}"),
                                                    &f),
                         -EINVAL);
        assert_int_equal(dashboard_parse_cluster_id(S("{'result': true, 'data': {'clusterId': ''}}"), &f),
                         -EINVAL);
        assert_string_equal(f.cluster_id, "3f9e0c7aABCD");
        dashboard_figures_done(&f);
}

static void test_cluster_metadata(void **state) {
        DashboardFigures f;

        dashboard_figures_init(&f);
        assert_int_equal(dashboard_parse_cluster_metadata(S("{'result': true, 'msg': '', 'data': "
                                                            "{'rayVersion': '2.52.0', 'pythonVersion': "
                                                            "'3.11.7', 'os': 'linux'}}"),
                                                          &f),
                         0);
        assert_string_equal(f.python_version, "3.11.7");
        /* Pre-releases and local builds, as Ray's metadata holds them. */
        assert_int_equal(dashboard_parse_cluster_metadata(S("{'result': true, 'data': {'pythonVersion': "
                                                            "'3.13.0rc1'}}"),
                                                          &f),
                         0);
        assert_string_equal(f.python_version, "3.13.0rc1");
        assert_int_equal(dashboard_parse_cluster_metadata(S("{'result': true, 'data': {'pythonVersion': "
                                                            "'3.11.7+'}}"),
                                                          &f),
                         0);
        assert_string_equal(f.python_version, "3.11.7+");
        assert_int_equal(dashboard_parse_cluster_metadata(S("{'result': true, 'data': {'pythonVersion': "
                                                            "3.11}}"),
                                                          &f),
                         -EINVAL);
        assert_int_equal(dashboard_parse_cluster_metadata(S("{'result': true, 'data': {}}"), &f), -EINVAL);
        assert_string_equal(f.python_version, "3.11.7+");
        dashboard_figures_done(&f);
}

#define NODE(state, resources) \
        "{'node_id': 'aa', 'node_ip': '10.77.1.2', 'state': '" state "', 'resources_total': " resources "}"
#define NODES(total_fields, rows) \
        "{'result': true, 'msg': '', 'data': {'result': {" total_fields "'result': [" rows "]}}}"

static void test_nodes(void **state) {
        DashboardFigures f;

        dashboard_figures_init(&f);
        assert_int_equal(
                dashboard_parse_nodes(
                        S(NODES("'total': 3, 'num_after_truncation': 3, 'num_filtered': 3, ",
                                NODE("ALIVE", "{'CPU': 8.0, 'memory': 21474836480.0, 'object_store_memory': "
                                              "9663676416.0, 'node:10.77.1.2': 1.0}") ", "
                                NODE("ALIVE", "{'CPU': 16, 'GPU': 1.0, 'memory': 42949672960.0, "
                                              "'object_store_memory': 18253611008.0, "
                                              "'accelerator_type:A10G': 1.0}") ", "
                                NODE("DEAD", "{'CPU': 64.0, 'GPU': 8.0, 'accelerator_type:H100': 1.0}"))),
                        &f),
                0);
        /* Counted here: num_filtered says 3, but only two are ALIVE. */
        assert_int_equal(f.total_num_nodes, 2);
        assert_true(f.total_num_cpus == 24.0);
        assert_true(f.total_num_gpus == 1.0);
        assert_true(f.total_memory_bytes == 64424509440.0);
        assert_true(f.total_object_store_memory_bytes == 27917287424.0);
        assert_non_null(f.accelerator_types);
        assert_string_equal(f.accelerator_types[0], "A10G");
        assert_null(f.accelerator_types[1]);

        /* Old Ray: no num_filtered; no GPU anywhere gives NAN, as Ray's v1 path gives None. */
        assert_int_equal(dashboard_parse_nodes(S(NODES("'total': 1, ",
                                                       NODE("ALIVE", "{'CPU': 4.0, 'memory': 8.0, "
                                                                     "'object_store_memory': 4.0}"))),
                                               &f),
                         0);
        assert_int_equal(f.total_num_nodes, 1);
        assert_true(f.total_num_cpus == 4.0);
        assert_true(isnan(f.total_num_gpus));
        assert_null(f.accelerator_types);

        /* No CPU resource on any ALIVE node; accelerator types sorted and unique. */
        assert_int_equal(dashboard_parse_nodes(S(NODES("", NODE("ALIVE", "{'accelerator_type:T4': 1, "
                                                                         "'accelerator_type:A100': 1}") ", "
                                                           NODE("ALIVE", "{'accelerator_type:T4': 1, "
                                                                         "'accelerator_type:': 1}"))),
                                               &f),
                         0);
        assert_int_equal(f.total_num_nodes, 2);
        assert_true(isnan(f.total_num_cpus));
        assert_true(isnan(f.total_memory_bytes));
        assert_string_equal(f.accelerator_types[0], "");
        assert_string_equal(f.accelerator_types[1], "A100");
        assert_string_equal(f.accelerator_types[2], "T4");
        assert_null(f.accelerator_types[3]);

        /* Nothing ALIVE. */
        assert_int_equal(dashboard_parse_nodes(S(NODES("", NODE("DEAD", "{'CPU': 4}"))), &f), 0);
        assert_int_equal(f.total_num_nodes, 0);
        assert_true(isnan(f.total_num_cpus));
        assert_null(f.accelerator_types);

        /* Wrong types anywhere that matters refuse the whole answer. */
        assert_int_equal(dashboard_parse_nodes(S(NODES("", NODE("ALIVE", "{'CPU': '8'}"))), &f), -EINVAL);
        /* Ray adds up whatever the nodes say, from 0: -0.0 gives 0.0. */
        assert_int_equal(dashboard_parse_nodes(S(NODES("", NODE("ALIVE", "{'CPU': -1, 'memory': -0.0}"))), &f), 0);
        assert_true(f.total_num_cpus == -1);
        assert_false(signbit(f.total_memory_bytes));
        assert_int_equal(dashboard_parse_nodes(S(NODES("", NODE("ALIVE", "[]"))), &f), -EINVAL);
        assert_int_equal(dashboard_parse_nodes(S(NODES("", "{'state': 1}")), &f), -EINVAL);
        assert_int_equal(dashboard_parse_nodes(S(NODES("", "'row'")), &f), -EINVAL);
        assert_int_equal(dashboard_parse_nodes(S("{'result': true, 'data': {'result': {'total': 1}}}"), &f),
                         -EINVAL);
        assert_int_equal(dashboard_parse_nodes(S("{'result': false, 'msg': 'too many requests', "
                                                 "'data': {}}"),
                                               &f),
                         -EREMOTEIO);
        assert_int_equal(f.total_num_nodes, 1);
        dashboard_figures_done(&f);
}

static void test_jobs(void **state) {
        DashboardFigures f;

        dashboard_figures_init(&f);
        assert_int_equal(
                dashboard_parse_jobs(
                        S("[{'type': 'DRIVER', 'job_id': '01000000', 'status': 'RUNNING'},"
                          " {'type': 'DRIVER', 'job_id': '02000000', 'status': 'SUCCEEDED'},"
                          " {'type': 'SUBMISSION', 'job_id': '03000000', 'status': 'RUNNING'},"
                          " {'type': 'SUBMISSION', 'job_id': null, 'status': 'RUNNING'},"
                          " {'type': 'SUBMISSION', 'status': 'RUNNING'},"
                          " {'type': 'SUBMISSION', 'job_id': null, 'status': 'PENDING'},"
                          " {'type': 'SUBMISSION', 'job_id': '04000000', 'status': 'STOPPED'}]"),
                        &f),
                0);
        assert_int_equal(f.total_num_running_jobs, 2);

        /* Older Ray: lower-case types, "driver" instead of "driver_info". */
        assert_int_equal(dashboard_parse_jobs(S("[{'type': 'driver', 'job_id': '01000000', 'status': "
                                                "'RUNNING', 'driver': {}},"
                                                " {'type': 'submission', 'job_id': null, 'status': "
                                                "'RUNNING'}]"),
                                              &f),
                         0);
        assert_int_equal(f.total_num_running_jobs, 1);

        assert_int_equal(dashboard_parse_jobs(S("[]"), &f), 0);
        assert_int_equal(f.total_num_running_jobs, 0);

        assert_int_equal(dashboard_parse_jobs(S("{'jobs': []}"), &f), -EINVAL);
        assert_int_equal(dashboard_parse_jobs(S("[{'type': 'DRIVER', 'status': 1}]"), &f), -EINVAL);
        assert_int_equal(dashboard_parse_jobs(S("[{'type': 'DRIVER'}]"), &f), -EINVAL);
        assert_int_equal(dashboard_parse_jobs(S("['01000000']"), &f), -EINVAL);
        assert_int_equal(f.total_num_running_jobs, 0);
        dashboard_figures_done(&f);
}

static void test_state_total(void **state) {
        int64_t total = -1;

        assert_int_equal(dashboard_parse_state_total(S("{'result': true, 'msg': '', 'data': {'result': "
                                                       "{'total': 7, 'num_after_truncation': 7, 'result': "
                                                       "[{}]}}}"),
                                                     &total),
                         0);
        assert_int_equal(total, 7);
        assert_int_equal(dashboard_parse_state_total(S("{'result': true, 'data': {'result': {'total': 0, "
                                                       "'result': [], 'partial_failure_warning': null}}}"),
                                                     &total),
                         0);
        assert_int_equal(total, 0);
        assert_int_equal(dashboard_parse_state_total(S("{'result': true, 'data': {'result': {'total': "
                                                       "'3'}}}"),
                                                     &total),
                         -EINVAL);
        assert_int_equal(dashboard_parse_state_total(S("{'result': true, 'data': {'result': {'total': "
                                                       "-3}}}"),
                                                     &total),
                         -EINVAL);
        assert_int_equal(dashboard_parse_state_total(S("{'result': true, 'data': {'total': 3}}"), &total),
                         -EINVAL);
        assert_int_equal(dashboard_parse_state_total(S("{'result': false, 'msg': 'Max number of in-progress "
                                                       "requests', 'data': {}}"),
                                                     &total),
                         -EREMOTEIO);
        assert_int_equal(total, 0);
}

static void test_health(void **state) {
        bool b;

        assert_int_equal(dashboard_parse_grafana_health(S("{'result': true, 'msg': 'Grafana running', "
                                                          "'data': {'grafanaHost': 'http://10.77.1.2:3000'}"
                                                          "}"),
                                                        &b),
                         0);
        assert_true(b);
        assert_int_equal(dashboard_parse_grafana_health(S("{'result': true, 'msg': 'Grafana disabled', "
                                                          "'data': {'grafanaHost': 'DISABLED'}}"),
                                                        &b),
                         0);
        assert_false(b);
        b = true;
        assert_int_equal(dashboard_parse_grafana_health(S("{'result': false, 'msg': 'Grafana healthcheck "
                                                          "failed', 'data': {'status': 503}}"),
                                                        &b),
                         0);
        assert_false(b);
        assert_int_equal(dashboard_parse_grafana_health(S("{'result': true, 'data': {}}"), &b), -EINVAL);
        assert_int_equal(dashboard_parse_grafana_health(S("{'result': true, 'data': {'grafanaHost': 1}}"),
                                                        &b),
                         -EINVAL);

        assert_int_equal(dashboard_parse_prometheus_health(S("{'result': true, 'msg': 'prometheus running', "
                                                             "'data': {}}"),
                                                           &b),
                         0);
        assert_true(b);
        assert_int_equal(dashboard_parse_prometheus_health(S("{'result': false, 'msg': 'failed', 'data': "
                                                             "{'reason': 'x'}}"),
                                                           &b),
                         0);
        assert_false(b);
        assert_int_equal(dashboard_parse_prometheus_health(S("{'msg': 'prometheus running'}"), &b), -EINVAL);
}

static void test_auth_mode(void **state) {
        bool token = true;

        assert_int_equal(dashboard_parse_auth_mode(S("{'authentication_mode': 'disabled'}"), &token), 0);
        assert_false(token);
        assert_int_equal(dashboard_parse_auth_mode(S("{'authentication_mode': 'token'}"), &token), 0);
        assert_true(token);
        token = false;
        assert_int_equal(dashboard_parse_auth_mode(S("{'authentication_mode': 'k8s'}"), &token), 0);
        assert_true(token);
        assert_int_equal(dashboard_parse_auth_mode(S("{'authentication_mode': 'magic'}"), &token), -EINVAL);
        assert_int_equal(dashboard_parse_auth_mode(S("{'authentication_mode': true}"), &token), -EINVAL);
        assert_int_equal(dashboard_parse_auth_mode(S("{}"), &token), -EINVAL);
}

static void test_usage_stats_enabled(void **state) {
        bool enabled = true;
        int r;

        r = dashboard_parse_usage_stats_enabled(S("{'result': true, 'msg': 'Fetched usage stats enabled', "
                                                  "'data': {'usageStatsEnabled': false, "
                                                  "'usageStatsPromptEnabled': false}}"),
                                                &enabled);
        assert_int_equal(r, 0);
        assert_false(enabled);
        r = dashboard_parse_usage_stats_enabled(S("{'result': true, 'data': {'usageStatsEnabled': true}}"),
                                                &enabled);
        assert_int_equal(r, 0);
        assert_true(enabled);
        r = dashboard_parse_usage_stats_enabled(S("{'result': true, 'data': {'usageStatsEnabled': '0'}}"),
                                                &enabled);
        assert_int_equal(r, -EINVAL);
        r = dashboard_parse_usage_stats_enabled(S("{'result': false, 'data': {'usageStatsEnabled': false}}"),
                                                &enabled);
        assert_int_equal(r, -EREMOTEIO);
        assert_true(enabled);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_junk),
                cmocka_unit_test(test_error_kinds),
                cmocka_unit_test(test_version),
                cmocka_unit_test(test_cluster_id),
                cmocka_unit_test(test_cluster_metadata),
                cmocka_unit_test(test_nodes),
                cmocka_unit_test(test_jobs),
                cmocka_unit_test(test_state_total),
                cmocka_unit_test(test_health),
                cmocka_unit_test(test_auth_mode),
                cmocka_unit_test(test_usage_stats_enabled),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
