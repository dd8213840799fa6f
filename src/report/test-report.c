/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "report/extra-tags.h"
#include "report/hardware.h"
#include "report/report.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/strv.h"
#include "shared/tests.h"

/* Ray's UsageStatsToReport fields, as its schema in test_usage_stats.py lists
 * them (additionalProperties: false), in dataclass order. */
static const char *const ray_fields[] = {
        "schema_version", "source", "collect_timestamp_ms", "total_success", "total_failed",
        "seq_number", "ray_version", "python_version", "session_id", "git_commit", "os",
        "session_start_timestamp_ms", "cloud_provider", "min_workers", "max_workers",
        "head_node_instance_type", "worker_node_instance_types", "total_num_cpus", "total_num_gpus",
        "total_memory_gb", "total_object_store_memory_gb", "library_usages", "extra_usage_tags",
        "total_num_nodes", "total_num_running_jobs", "libc_version", "hardware_usages",
};

static void assert_keys_in_ray_order(json_object *o) {
        size_t i = 0;

        assert_int_equal(ELEMENTSOF(ray_fields), REPORT_N_FIELDS);
        assert_int_equal(json_object_object_length(o), REPORT_N_FIELDS);
        json_object_object_foreach(o, key, val) {
                (void) val;
                assert_string_equal(key, ray_fields[i]);
                assert_string_equal(key, report_fields[i].name);
                i++;
        }
}

static void test_full_report(void **state) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        _cleanup_strv_free_ char **hw = NULL;
        _cleanup_json_ json_object *tags = NULL, *report = NULL;
        _cleanup_free_ char *body = NULL, *file = NULL, *expected_file = NULL;
        char *libs[] = { (char *) "core", (char *) "train", NULL };
        char *accel[] = { (char *) "A100", (char *) "A100", NULL };
        static const char yaml[] =
                "min_workers: 1\nmax_workers: 4\nprovider: {type: aws}\nhead_node_type: h\n"
                "available_node_types:\n  h: {node_config: {InstanceType: m5.large}}\n"
                "  w: {node_config: {InstanceType: g5.xlarge}}\n";
        static const char expected[] =
                "{\"schema_version\": \"0.1\", \"source\": \"OSS\", \"collect_timestamp_ms\": 1700000000123, "
                "\"total_success\": 2, \"total_failed\": 2, \"seq_number\": 4, \"ray_version\": \"2.40.0\", "
                "\"python_version\": \"3.11.7\", \"session_id\": \"0a1b\", \"git_commit\": \"abc\", "
                "\"os\": \"linux\", \"session_start_timestamp_ms\": 1699999999000, \"cloud_provider\": \"aws\", "
                "\"min_workers\": 1, \"max_workers\": 4, \"head_node_instance_type\": \"m5.large\", "
                "\"worker_node_instance_types\": [\"g5.xlarge\"], \"total_num_cpus\": 3, \"total_num_gpus\": 1, "
                "\"total_memory_gb\": 12.5, \"total_object_store_memory_gb\": 1.0, "
                "\"library_usages\": [\"core\", \"train\"], "
                "\"extra_usage_tags\": {\"extra_k1\": \"extra_v1\", \"dashboard_metrics_grafana_enabled\": \"False\", "
                "\"dashboard_metrics_prometheus_enabled\": \"True\", \"actor_num_created\": \"3\", "
                "\"pg_num_created\": \"0\"}, \"total_num_nodes\": 1, \"total_num_running_jobs\": 1, "
                "\"libc_version\": \"glibc:2.36\", \"hardware_usages\": [\"A100\", \"TestCPU\"]}";
        ReportInputs in = {
                .collect_timestamp_ms = 1700000000123,
                .total_success = 2, .total_failed = 2, .seq_number = 4,
                .ray_version = "2.40.0", .python_version = "3.11.7", .session_id = "0a1b", .git_commit = "abc",
                .os = "linux",
                .session_start_timestamp_ms = 1699999999000,
                .cluster = &c,
                .total_num_cpus = 3.9, .total_num_gpus = 1,
                .total_memory_gb = 12.5, .total_object_store_memory_gb = 1,
                .library_usages = libs,
                .total_num_nodes = 1, .total_num_running_jobs = 1,
                .libc_version = "glibc:2.36",
        };

        assert_int_equal(cluster_config_parse(yaml, strlen(yaml), &c), 0);
        assert_int_equal(report_extra_tags("extra_k1=extra_v1", 0, 1, 3, 0, &tags), 0);
        assert_int_equal(report_hardware_usages("TestCPU", accel, &hw), 0);
        in.extra_usage_tags = tags;
        in.hardware_usages = hw;

        assert_int_equal(report_build(&in, &report), 0);
        assert_keys_in_ray_order(report);

        /* Ray's int() for CPUs and GPUs; floats stay floats even when whole. */
        assert_true(json_object_is_type(json_object_object_get(report, "total_num_cpus"), json_type_int));
        assert_true(json_object_is_type(json_object_object_get(report, "total_object_store_memory_gb"),
                                        json_type_double));

        assert_int_equal(report_serialize(report, &body), 0);
        assert_string_equal(body, expected);

        assert_int_equal(report_file_body(report, false, "HTTP 503 from https://usage-stats.ray.io/", &file), 0);
        assert_non_null(expected_file = malloc(strlen(expected) + 200));
        sprintf(expected_file, "{\"usage_stats\": %s, \"success\": false, "
                "\"error\": \"HTTP 503 from https://usage-stats.ray.io/\"}", expected);
        assert_string_equal(file, expected_file);
}

static void test_unknown_fields_are_null(void **state) {
        _cleanup_json_ json_object *report = NULL, *empty = json_object_new_object();
        _cleanup_free_ char *body = NULL, *file = NULL;
        char *none[] = { NULL };
        ReportInputs in = {
                .source = "nightly",
                .collect_timestamp_ms = 5,
                .session_start_timestamp_ms = -1,
                .total_num_cpus = NAN, .total_num_gpus = NAN,
                .total_memory_gb = NAN, .total_object_store_memory_gb = INFINITY,
                .library_usages = none,
                .extra_usage_tags = empty,
                .total_num_nodes = -1, .total_num_running_jobs = -1,
        };

        assert_int_equal(report_build(&in, &report), 0);
        assert_keys_in_ray_order(report);
        assert_int_equal(report_serialize(report, &body), 0);
        assert_string_equal(body,
                "{\"schema_version\": \"0.1\", \"source\": \"nightly\", \"collect_timestamp_ms\": 5, "
                "\"total_success\": 0, \"total_failed\": 0, \"seq_number\": 0, \"ray_version\": null, "
                "\"python_version\": null, \"session_id\": null, \"git_commit\": null, \"os\": null, "
                "\"session_start_timestamp_ms\": null, \"cloud_provider\": null, \"min_workers\": null, "
                "\"max_workers\": null, \"head_node_instance_type\": null, \"worker_node_instance_types\": null, "
                "\"total_num_cpus\": null, \"total_num_gpus\": null, \"total_memory_gb\": null, "
                "\"total_object_store_memory_gb\": null, \"library_usages\": null, \"extra_usage_tags\": null, "
                "\"total_num_nodes\": null, \"total_num_running_jobs\": null, \"libc_version\": null, "
                "\"hardware_usages\": null}");

        assert_int_equal(report_file_body(report, true, NULL, &file), 0);
        assert_true(startswith(file, "{\"usage_stats\": {\"schema_version\": \"0.1\", "));
        assert_non_null(strstr(file, "\"hardware_usages\": null}, \"success\": true, \"error\": null}"));
        assert_int_equal(strlen(file), strlen(body) + strlen("{\"usage_stats\": , \"success\": true, \"error\": null}"));
}

static void test_extra_tags(void **state) {
        _cleanup_free_ char *big = NULL;
        json_object *tags = NULL, *sentinel;
        char *s = NULL;

        /* Built-in tags win over the environment's, keeping the key's place. */
        assert_int_equal(report_extra_tags("actor_num_created=99;a=1;dashboard_metrics_grafana_enabled=yes",
                                           1, 0, 7, 8, &tags), 0);
        assert_int_equal(json_dump_python(tags, &s), 0);
        assert_string_equal(s, "{\"actor_num_created\": \"7\", \"a\": \"1\", "
                            "\"dashboard_metrics_grafana_enabled\": \"True\", "
                            "\"dashboard_metrics_prometheus_enabled\": \"False\", \"pg_num_created\": \"8\"}");
        free(s);
        json_object_put(tags);

        /* A failed count call leaves its tag out; so does an unknown health. */
        assert_int_equal(report_extra_tags("k=v", -1, 0, -1, 0, &tags), 0);
        assert_int_equal(json_dump_python(tags, &s), 0);
        assert_string_equal(s, "{\"k\": \"v\", \"dashboard_metrics_prometheus_enabled\": \"False\", "
                            "\"pg_num_created\": \"0\"}");
        free(s);
        json_object_put(tags);

        /* Nothing at all is null, not {}. */
        sentinel = json_object_new_object();
        tags = sentinel;
        assert_int_equal(report_extra_tags("bad", -1, -1, -1, -1, &tags), 0);
        assert_null(tags);
        json_object_put(sentinel);
        assert_int_equal(report_extra_tags(NULL, -1, -1, -1, -1, &tags), 0);
        assert_null(tags);

        /* An oversized variable is ignored, the built-ins remain. */
        assert_non_null(big = malloc(EXTRA_TAGS_MAX + 2));
        memset(big, 'x', EXTRA_TAGS_MAX + 1);
        big[0] = 'k';
        big[1] = '=';
        big[EXTRA_TAGS_MAX + 1] = 0;
        assert_int_equal(report_extra_tags(big, 0, -1, -1, -1, &tags), 0);
        assert_int_equal(json_dump_python(tags, &s), 0);
        assert_string_equal(s, "{\"dashboard_metrics_grafana_enabled\": \"False\"}");
        free(s);
        json_object_put(tags);
}

static void test_hardware_usages(void **state) {
        char **l = NULL;
        char *accel[] = { (char *) "T4", (char *) "A100", (char *) "T4", (char *) "Intel Xeon", (char *) "a10", NULL };

        assert_int_equal(report_hardware_usages("Intel Xeon", accel, &l), 0);
        assert_int_equal(strv_length(l), 4);
        assert_string_equal(l[0], "A100");
        assert_string_equal(l[1], "Intel Xeon");
        assert_string_equal(l[2], "T4");
        assert_string_equal(l[3], "a10");
        strv_free(l);

        assert_int_equal(report_hardware_usages(NULL, NULL, &l), 0);
        assert_null(l);

        assert_int_equal(report_hardware_usages("TestCPU", NULL, &l), 0);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "TestCPU");
        strv_free(l);
}

static void check_cpu_model(const char *cpuinfo, const char *expected) {
        _cleanup_rm_rf_ char *dir = test_tmpdir("test-report");
        _cleanup_free_ char *path = NULL, *model = NULL;

        assert_true(asprintf(&path, "%s/cpuinfo", dir) > 0);
        assert_int_equal(write_file_atomic(path, cpuinfo, strlen(cpuinfo), 0644), 0);
        assert_int_equal(hardware_cpu_model(path, &model), 0);
        if (!streq_ptr(model, expected))
                fail_msg("cpuinfo \"%s\": got \"%s\", expected \"%s\"", cpuinfo, model ?: "(null)",
                         expected ?: "(null)");
}

static void test_cpu_model(void **state) {
        char *model = NULL;

        /* Ray's own unit test input. */
        check_cpu_model("processor: 0\nmodel name: Intel Xeon", "Intel Xeon");
        check_cpu_model("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\n"
                        "model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\nstepping\t: 7\n"
                        "processor\t: 1\nmodel name\t: Other\n",
                        "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz");
        /* Expected values from Python: line.split(":")[1].strip()[:50]. */
        check_cpu_model("model name\t: AMD EPYC 7B13 64-Core Processor with a very long name indeed\n",
                        "AMD EPYC 7B13 64-Core Processor with a very long n");
        check_cpu_model("model name\t: a:b\n", "a");
        check_cpu_model("model name\t:   \n", NULL);
        check_cpu_model("model name without colon\n", NULL);
        check_cpu_model("processor\t: 0\n", NULL);
        check_cpu_model("", NULL);
        /* 50 characters, not bytes: 49 "x" and then whole "é"s. */
        check_cpu_model("model name: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9\xc3\xa9\n",
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9");
        check_cpu_model("model name: bad \xff utf-8\n", NULL);

        assert_int_equal(hardware_cpu_model("/nonexistent/cpuinfo", &model), -ENOENT);
}

static void test_libc_version(void **state) {
        _cleanup_free_ char *v = NULL;

        assert_int_equal(libc_version(&v), 0);
        assert_non_null(startswith(v, "glibc:2."));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_report),
                cmocka_unit_test(test_unknown_fields_are_null),
                cmocka_unit_test(test_extra_tags),
                cmocka_unit_test(test_hardware_usages),
                cmocka_unit_test(test_cpu_model),
                cmocka_unit_test(test_libc_version),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
