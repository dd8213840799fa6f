/* SPDX-License-Identifier: MIT */
/* The C side of tests/parity.sh: reads cases from stdin and prints, one line
 * each, the report fields the program makes of them, in the report's own
 * JSON. A case is "KIND LENGTH\n", LENGTH bytes, "\n"; KIND is yaml (a
 * ~/ray_bootstrap_config.yaml), tags (RAY_USAGE_STATS_EXTRA_TAGS), version,
 * metadata or nodes (a dashboard answer to /api/version,
 * /api/v0/cluster_metadata or /api/v0/nodes). */
#include <math.h>
#include <stdio.h>

#include "dashboard/dashboard.h"
#include "report/cluster-config.h"
#include "report/report.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"

static const char *const dashboard_fields[] = {
        "ray_version", "git_commit", "python_version", "total_num_cpus", "total_num_gpus",
        "total_memory_gb", "total_object_store_memory_gb", "total_num_nodes", "hardware_usages",
};

static const char *const yaml_fields[] = {
        "cloud_provider", "min_workers", "max_workers", "head_node_instance_type", "worker_node_instance_types",
};

static int print_fields(const ReportInputs *in, const char *const *fields, size_t n) {
        _cleanup_json_ json_object *report = NULL, *out = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        r = report_build(in, &report);
        if (r < 0)
                return r;
        out = json_object_new_object();
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *v = NULL;

                (void) json_object_object_get_ex(report, fields[i], &v);
                if (json_object_object_add(out, fields[i], json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        r = json_dump_python(out, &text);
        if (r < 0)
                return r;
        puts(text);
        return 0;
}

static int run_yaml(const char *body, size_t size) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        int r;

        r = cluster_config_parse(body, size, &c);
        if (r < 0)
                return r;
        return print_fields(&(ReportInputs) { .cluster = &c, .session_start_timestamp_ms = -1,
                                              .total_num_cpus = NAN, .total_num_gpus = NAN,
                                              .total_memory_gb = NAN, .total_object_store_memory_gb = NAN,
                                              .total_num_nodes = -1, .total_num_running_jobs = -1 },
                            yaml_fields, ELEMENTSOF(yaml_fields));
}

static int run_tags(const char *body) {
        _cleanup_json_ json_object *tags = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        r = report_extra_tags(body, -1, -1, -1, -1, &tags);
        if (r < 0)
                return r;
        r = json_dump_python(tags, &text);
        if (r < 0)
                return r;
        puts(text);
        return 0;
}

static int run_dashboard(const char *kind, const char *body, size_t size) {
        _cleanup_(dashboard_figures_done) DashboardFigures f = {};
        _cleanup_strv_free_ char **hardware = NULL;
        int r;

        dashboard_figures_init(&f);
        if (streq(kind, "version"))
                r = dashboard_parse_version(body, size, &f);
        else if (streq(kind, "metadata"))
                r = dashboard_parse_cluster_metadata(body, size, &f);
        else
                r = dashboard_parse_nodes(body, size, &f);
        if (r == -ENOMEM)
                return r;
        r = report_hardware_usages(NULL, f.accelerator_types, &hardware);
        if (r < 0)
                return r;
        /* As collect.c: bytes / 2^30 */
        return print_fields(&(ReportInputs) {
                                .ray_version = f.ray_version, .git_commit = f.git_commit,
                                .python_version = f.python_version, .session_start_timestamp_ms = -1,
                                .total_num_cpus = f.total_num_cpus, .total_num_gpus = f.total_num_gpus,
                                .total_memory_gb = f.total_memory_bytes / 1073741824.0,
                                .total_object_store_memory_gb = f.total_object_store_memory_bytes / 1073741824.0,
                                .total_num_nodes = f.total_num_nodes, .total_num_running_jobs = -1,
                                .hardware_usages = hardware },
                            dashboard_fields, ELEMENTSOF(dashboard_fields));
}

int main(void) {
        char kind[16];
        size_t size;

        log_parse_environment();
        while (scanf("%15s %zu", kind, &size) == 2) {
                _cleanup_free_ char *body = NULL;
                int r;

                if (getchar() != '\n')
                        return 2;
                body = malloc(size + 1);
                if (!body || fread(body, 1, size, stdin) != size)
                        return 2;
                body[size] = 0;
                (void) getchar();

                if (streq(kind, "yaml"))
                        r = run_yaml(body, size);
                else if (streq(kind, "tags"))
                        r = run_tags(body);
                else
                        r = run_dashboard(kind, body, size);
                if (r < 0) {
                        fprintf(stderr, "parity-driver: %s\n", strerror(-r));
                        return 1;
                }
                fflush(stdout);
        }
        return 0;
}
