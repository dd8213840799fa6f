/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <math.h>

#include "collect/collect.h"
#include "dashboard/dashboard-log.h"
#include "report/cloud.h"
#include "report/cluster-config.h"
#include "report/hardware.h"
#include "report/report.h"
#include "shared/env-util.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/time-util.h"

/* Ray's bootstrap config: kilobytes in practice; anything this big is not one. */
#define BOOTSTRAP_YAML_MAX (4U * 1024U * 1024U)
#define GIB (1024.0 * 1024.0 * 1024.0)

typedef struct RayUserFiles {
        char *dashboard_url;
        char *token;
        char *yaml;
        size_t yaml_size;
        bool yaml_missing;
        char **libraries;
} RayUserFiles;

static void load_dashboard_access(const CollectInput *in, RayUserFiles *f) {
        int r;

        r = session_dashboard_url(in->session, &f->dashboard_url);
        if (r < 0)
                log_debug_errno(r, "Ignoring %s/logs/dashboard.log: %m", in->session->path);

        r = dashboard_load_token(in->use_env_token, in->home, &f->token);
        if (r < 0)
                log_warning_errno(r, "Failed to read the Ray auth token; asking the dashboard without one: %m");
}

int collector_init(Collector *k, const CollectInput *in) {
        _cleanup_free_ char *token = NULL;
        RayUserFiles f = {};
        const char *url;
        int r;

        assert(k);
        assert(in);
        assert(in->session);

        *k = (Collector) { .input = *in };

        load_dashboard_access(in, &f);
        token = f.token;

        url = getenv("RAY_USAGE_STATS_DASHBOARD_URL");
        if (!isempty(url)) {
                free(f.dashboard_url);
                k->dashboard_url = strdup(url);
        } else if (f.dashboard_url)
                k->dashboard_url = f.dashboard_url;
        else
                k->dashboard_url = strdup(dashboard_default_url());
        if (!k->dashboard_url)
                return log_oom();

        r = dashboard_client_new(k->dashboard_url, token, in->uid, &k->dashboard);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the dashboard client for %s: %m", k->dashboard_url);
        return 0;
}

void collector_done(Collector *k) {
        assert(k);

        free(k->dashboard_url);
        dashboard_client_free(k->dashboard);
        *k = (Collector) {};
}

bool collector_cluster_opted_out(Collector *k) {
        assert(k);

        return dashboard_cluster_opted_out(k->dashboard) > 0;
}

static int load_ray_user_files(const CollectInput *in, RayUserFiles *f) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = session_library_usages(in->session, &f->libraries);
        if (r < 0)
                log_warning_errno(r, "Failed to list library usage markers in %s: %m", in->session->path);

        if (!in->home) {
                f->yaml_missing = true;
                return 0;
        }
        if (asprintf(&path, "%s/ray_bootstrap_config.yaml", in->home) < 0)
                return log_oom();
        /* As Ray's open(): through a link, whoever owns the file. This runs with
         * the Ray user's rights only, so a link reaches nothing they could not
         * read anyway; a dangling one is a missing file (Kubernetes, probes).
         * Only a regular file, so that a FIFO cannot hang the run. */
        r = read_file_at(AT_FDCWD, path, BOOTSTRAP_YAML_MAX, READ_REGULAR, in->uid, &f->yaml, &f->yaml_size);
        if (r == -ENOENT)
                f->yaml_missing = true;
        else if (r < 0)
                /* Ray treats any other problem with the file as "all fields unknown". */
                log_notice_errno(r, "Ignoring %s: %m", path);
        return 0;
}

/* Ray asks the clouds' metadata services only when there is no bootstrap
 * YAML, and not with RAY_USAGE_STATS_CLOUD_PROBE=0. */
static int probe_cloud(bool yaml_missing, char **ret) {
        *ret = NULL;
        if (!yaml_missing || streq_ptr(getenv("RAY_USAGE_STATS_CLOUD_PROBE"), "0"))
                return 0;
        return cloud_probe(ret);
}

static double gib_or_nan(double bytes) {
        return isnan(bytes) ? NAN : bytes / GIB;
}

int collector_run(Collector *k, const Counters *counters, const char *fallback_session_id, Collection *ret) {
        _cleanup_(dashboard_figures_done) DashboardFigures fig = {};
        _cleanup_(cluster_config_done) ClusterConfig cluster = CLUSTER_CONFIG_NULL;
        _cleanup_free_ char *cloud = NULL, *cpu_model = NULL, *libc = NULL, *session_id = NULL, *body = NULL;
        _cleanup_(strv_freep) char **hardware = NULL;
        _cleanup_json_ json_object *tags = NULL, *report = NULL;
        RayUserFiles f = {};
        const CollectInput *in;
        int64_t start_ms = -1;
        int r;

        assert(k);
        assert(counters);
        assert(ret);

        in = &k->input;

        r = dashboard_collect(k->dashboard, &fig);
        if (r < 0)
                return log_error_errno(r, "Failed to query the Ray dashboard at %s: %m", k->dashboard_url);

        r = load_ray_user_files(in, &f);
        if (r < 0)
                goto finish;

        r = probe_cloud(f.yaml_missing, &cloud);
        if (r < 0)
                goto finish;
        r = cluster_config_detect(f.yaml ?: "", f.yaml_size, f.yaml_missing, cloud, &cluster);
        if (r < 0)
                goto finish;

        r = hardware_cpu_model("/proc/cpuinfo", &cpu_model);
        if (r < 0)
                log_debug_errno(r, "Failed to read the CPU model: %m");
        r = report_hardware_usages(cpu_model, fig.accelerator_types, &hardware);
        if (r < 0)
                goto finish;

        r = libc_version(&libc);
        if (r < 0)
                goto finish;

        r = report_extra_tags(getenv("RAY_USAGE_STATS_EXTRA_TAGS"), fig.grafana_enabled, fig.prometheus_enabled,
                              fig.actors_created, fig.pgs_created, &tags);
        if (r < 0)
                goto finish;

        if (session_start_time_ms(in->session->name, &start_ms) < 0)
                start_ms = -1;

        session_id = strdup(fig.cluster_id ?: fallback_session_id);
        if (!session_id) {
                r = log_oom();
                goto finish;
        }

        r = report_build(&(ReportInputs) {
                        .source = env_get_or("RAY_USAGE_STATS_SOURCE", "OSS"),
                        .collect_timestamp_ms = now_ms(),
                        .total_success = counters->total_success,
                        .total_failed = counters->total_failed,
                        .seq_number = counters->seq_number,
                        .ray_version = fig.ray_version,
                        .python_version = fig.python_version,
                        .session_id = session_id,
                        .git_commit = fig.git_commit,
                        .os = "linux",
                        .session_start_timestamp_ms = start_ms,
                        .cluster = &cluster,
                        .total_num_cpus = fig.total_num_cpus,
                        .total_num_gpus = fig.total_num_gpus,
                        .total_memory_gb = gib_or_nan(fig.total_memory_bytes),
                        .total_object_store_memory_gb = gib_or_nan(fig.total_object_store_memory_bytes),
                        .library_usages = f.libraries,
                        .extra_usage_tags = tags,
                        .total_num_nodes = fig.total_num_nodes,
                        .total_num_running_jobs = fig.total_num_running_jobs,
                        .libc_version = libc,
                        .hardware_usages = hardware,
                }, &report);
        if (r < 0)
                goto finish;

        r = report_serialize(report, &body);
        if (r < 0)
                goto finish;

        *ret = (Collection) {
                .report = TAKE_PTR(report),
                .body = TAKE_PTR(body),
                .session_id = TAKE_PTR(session_id),
                .failed_calls = TAKE_PTR(fig.failed_calls),
        };
        r = 0;
finish:
        free(f.yaml);
        strv_free(f.libraries);
        return r;
}

void collection_done(Collection *c) {
        assert(c);

        json_object_put(c->report);
        free(c->body);
        free(c->session_id);
        strv_free(c->failed_calls);
        *c = (Collection) {};
}
