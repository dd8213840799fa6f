/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>

#include "report/extra-tags.h"
#include "report/report.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"

/* A NULL value is JSON null. */
static int new_string(const char *s, json_object **ret) {
        *ret = NULL;
        if (s && !(*ret = json_object_new_string(s)))
                return -ENOMEM;
        return 0;
}

static int new_int(int64_t i, bool known, json_object **ret) {
        *ret = NULL;
        if (known && !(*ret = json_object_new_int64(i)))
                return -ENOMEM;
        return 0;
}

/* Ray's int(total): truncated toward zero, and exact however large. */
static int new_count(double d, json_object **ret) {
        char text[400];

        *ret = NULL;
        if (!isfinite(d))
                return 0;
        if (fabs(d) < 9223372036854775807.0)
                return new_int((int64_t) d, true, ret);
        /* glibc prints an integral double's exact decimal value. */
        (void) snprintf(text, sizeof text, "%.0f", trunc(d));
        *ret = json_new_raw_number(text);
        return *ret ? 0 : -ENOMEM;
}

/* A cluster field: its JSON value, shared. */
static int new_shared(json_object *v, json_object **ret) {
        *ret = json_object_get(v);
        return 0;
}

static int new_double(double d, json_object **ret) {
        *ret = NULL;
        if (isfinite(d) && !(*ret = json_object_new_double(d)))
                return -ENOMEM;
        return 0;
}

static int new_strv(char *const *l, json_object **ret) {
        _cleanup_json_ json_object *a = NULL;

        *ret = NULL;
        if (strv_length(l) == 0)
                return 0;
        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (char *const *s = l; *s; s++) {
                json_object *e = json_object_new_string(*s);

                if (!e)
                        return -ENOMEM;
                if (json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static const ClusterConfig *cluster(const ReportInputs *in) {
        static const ClusterConfig none = CLUSTER_CONFIG_NULL;

        return in->cluster ?: &none;
}

/* Adds key: value, where a NULL value is JSON null; takes the value's reference
 * in all cases. */
static int add(json_object *o, const char *key, json_object *value) {
        if (json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

static int add_string(json_object *o, const char *key, const char *s) {
        json_object *v;
        int r;

        r = new_string(s, &v);
        if (r < 0)
                return r;
        return add(o, key, v);
}

#define VALUE(field, expr) \
        static int value_##field(const ReportInputs *in, json_object **ret) { return (expr); }

VALUE(schema_version, new_string(REPORT_SCHEMA_VERSION, ret))
VALUE(source, new_string(in->source ?: REPORT_SOURCE_DEFAULT, ret))
VALUE(collect_timestamp_ms, new_int(in->collect_timestamp_ms, true, ret))
VALUE(total_success, new_int((int64_t) in->total_success, true, ret))
VALUE(total_failed, new_int((int64_t) in->total_failed, true, ret))
VALUE(seq_number, new_int((int64_t) in->seq_number, true, ret))
VALUE(ray_version, new_string(in->ray_version, ret))
VALUE(python_version, new_string(in->python_version, ret))
VALUE(session_id, new_string(in->session_id, ret))
VALUE(git_commit, new_string(in->git_commit, ret))
VALUE(os, new_string(in->os, ret))
VALUE(session_start_timestamp_ms,
      new_int(in->session_start_timestamp_ms, in->session_start_timestamp_ms >= 0, ret))
VALUE(cloud_provider, new_shared(cluster(in)->cloud_provider, ret))
VALUE(min_workers, new_shared(cluster(in)->min_workers, ret))
VALUE(max_workers, new_shared(cluster(in)->max_workers, ret))
VALUE(head_node_instance_type, new_shared(cluster(in)->head_node_instance_type, ret))
VALUE(worker_node_instance_types, new_shared(cluster(in)->worker_node_instance_types, ret))
VALUE(total_num_cpus, new_count(in->total_num_cpus, ret))
VALUE(total_num_gpus, new_count(in->total_num_gpus, ret))
VALUE(total_memory_gb, new_double(in->total_memory_gb, ret))
VALUE(total_object_store_memory_gb, new_double(in->total_object_store_memory_gb, ret))
VALUE(library_usages, new_strv(in->library_usages, ret))
VALUE(extra_usage_tags,
      (*ret = in->extra_usage_tags && json_object_object_length(in->extra_usage_tags) > 0 ?
              json_object_get(in->extra_usage_tags) : NULL, 0))
VALUE(total_num_nodes, new_int(in->total_num_nodes, in->total_num_nodes >= 0, ret))
VALUE(total_num_running_jobs, new_int(in->total_num_running_jobs, in->total_num_running_jobs >= 0, ret))
VALUE(libc_version, new_string(in->libc_version, ret))
VALUE(hardware_usages, new_strv(in->hardware_usages, ret))

#define FIELD(name, type, source, example) { #name, type, source, example, value_##name }

/* The one list of what a report says: report_build() builds from it, and
 * `fields`, the man page and the field-change notice are checked against it. */
const ReportField report_fields[REPORT_N_FIELDS] = {
        FIELD(schema_version, "string", "constant", "\"0.1\""),
        FIELD(source, "string", "RAY_USAGE_STATS_SOURCE, default \"OSS\"", "\"OSS\""),
        FIELD(collect_timestamp_ms, "integer", "the time of collection, ms since the epoch", "1700000000123"),
        FIELD(total_success, "integer", "this session's successful reports before this one (state directory)", "2"),
        FIELD(total_failed, "integer", "this session's failed reports before this one (state directory)", "0"),
        FIELD(seq_number, "integer", "this report's sequence number in the session (state directory)", "2"),
        FIELD(ray_version, "string or null", "dashboard GET /api/version: ray_version", "\"2.40.0\""),
        FIELD(python_version, "string or null", "the Python of the running Ray, when the head tells it reliably",
              "\"3.11.7\""),
        FIELD(session_id, "string", "dashboard GET /cluster_id, else a random UUID kept per session",
              "\"6f1c1b0e-0c3d-4a52-9d1e-2a9d3b8f3c11\""),
        FIELD(git_commit, "string or null", "dashboard GET /api/version: ray_commit", "\"a1b2c3d\""),
        FIELD(os, "string", "constant", "\"linux\""),
        FIELD(session_start_timestamp_ms, "integer or null", "the time in the Ray session directory's name",
              "1699999999000"),
        FIELD(cloud_provider, "string or null", "~/ray_bootstrap_config.yaml, Kubernetes, cloud metadata probes",
              "\"aws\""),
        FIELD(min_workers, "integer or null", "~/ray_bootstrap_config.yaml: min_workers", "1"),
        FIELD(max_workers, "integer or null", "~/ray_bootstrap_config.yaml: max_workers", "4"),
        FIELD(head_node_instance_type, "string or null", "~/ray_bootstrap_config.yaml, cloud metadata probes",
              "\"m5.large\""),
        FIELD(worker_node_instance_types, "array of strings or null", "~/ray_bootstrap_config.yaml",
              "[\"g5.xlarge\"]"),
        FIELD(total_num_cpus, "integer or null", "dashboard GET /api/v0/nodes: ALIVE nodes' CPU", "16"),
        FIELD(total_num_gpus, "integer or null", "dashboard GET /api/v0/nodes: ALIVE nodes' GPU", "1"),
        FIELD(total_memory_gb, "number or null", "dashboard GET /api/v0/nodes: ALIVE nodes' memory, GiB", "62.5"),
        FIELD(total_object_store_memory_gb, "number or null",
              "dashboard GET /api/v0/nodes: ALIVE nodes' object store memory, GiB", "18.6"),
        FIELD(library_usages, "array of strings or null", "the session's _ray_lib_usage-<name>.txt markers",
              "[\"core\", \"train\"]"),
        FIELD(extra_usage_tags, "object of strings or null",
              "RAY_USAGE_STATS_EXTRA_TAGS and the dashboard's metrics and actor/placement-group counts",
              "{\"actor_num_created\": \"3\"}"),
        FIELD(total_num_nodes, "integer or null", "dashboard GET /api/v0/nodes: ALIVE nodes", "2"),
        FIELD(total_num_running_jobs, "integer or null", "dashboard GET /api/jobs/: running jobs", "1"),
        FIELD(libc_version, "string", "the C library of this machine", "\"glibc:2.36\""),
        FIELD(hardware_usages, "array of strings or null",
              "/proc/cpuinfo's first model name and the nodes' accelerator types",
              "[\"Intel(R) Xeon(R) CPU @ 2.20GHz\"]"),
};

int report_build(const ReportInputs *in, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        assert(in);
        assert(ret);

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        for (size_t i = 0; i < REPORT_N_FIELDS; i++) {
                json_object *v;

                r = report_fields[i].value(in, &v);
                if (r < 0)
                        return r;
                r = add(o, report_fields[i].name, v);
                if (r < 0)
                        return r;
        }

        assert(json_object_object_length(o) == REPORT_N_FIELDS);
        *ret = TAKE_PTR(o);
        return 0;
}

static int set_tag(json_object *tags, const char *key, const char *value) {
        json_object *v = json_object_new_string(value);

        if (!v)
                return -ENOMEM;
        return add(tags, key, v);
}

int report_extra_tags(const char *env_value, int grafana_enabled, int prometheus_enabled,
                      int64_t actors_created, int64_t pgs_created, json_object **ret) {
        _cleanup_json_ json_object *tags = NULL;
        const struct {
                const char *key;
                int value;
        } flags[] = {
                { "dashboard_metrics_grafana_enabled", grafana_enabled },
                { "dashboard_metrics_prometheus_enabled", prometheus_enabled },
        };
        const struct {
                const char *key;
                int64_t value;
        } counts[] = {
                { "actor_num_created", actors_created },
                { "pg_num_created", pgs_created },
        };
        int r;

        assert(ret);

        r = extra_tags_parse(env_value, &tags);
        if (r == -E2BIG) {
                log_warning("RAY_USAGE_STATS_EXTRA_TAGS is longer than %u bytes, ignoring it; shorten it to report its tags.",
                            EXTRA_TAGS_MAX);
                r = extra_tags_parse(NULL, &tags);
        }
        if (r < 0)
                return r;

        /* Set after the environment's, so that they win as Ray's KV tags do. */
        for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
                if (flags[i].value < 0)
                        continue;
                r = set_tag(tags, flags[i].key, flags[i].value > 0 ? "True" : "False");
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(counts); i++) {
                char buf[21];

                if (counts[i].value < 0)
                        continue;
                (void) snprintf(buf, sizeof buf, "%" PRId64, counts[i].value);
                r = set_tag(tags, counts[i].key, buf);
                if (r < 0)
                        return r;
        }

        *ret = json_object_object_length(tags) > 0 ? TAKE_PTR(tags) : NULL;
        return 0;
}

int report_hardware_usages(const char *cpu_model, char *const *accelerator_types, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        assert(ret);

        if (cpu_model) {
                char *s = strdup(cpu_model);

                if (!s)
                        return -ENOMEM;
                r = strv_push(&l, s);
                if (r < 0) {
                        free(s);
                        return r;
                }
        }
        for (char *const *a = accelerator_types; a && *a; a++) {
                char *s = strdup(*a);

                if (!s)
                        return -ENOMEM;
                r = strv_push(&l, s);
                if (r < 0) {
                        free(s);
                        return r;
                }
        }

        strv_sort_unique(l);
        *ret = TAKE_PTR(l);
        return 0;
}

int report_file_body(json_object *report, bool success, const char *error, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        json_object *b;
        int r;

        assert(report);
        assert(ret);

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = add(o, "usage_stats", json_object_get(report));
        if (r < 0)
                return r;
        b = json_object_new_boolean(success);
        if (!b)
                return -ENOMEM;
        r = add(o, "success", b);
        if (r < 0)
                return r;
        r = add_string(o, "error", error);
        if (r < 0)
                return r;

        return json_dump_python(o, ret);
}

int report_serialize(json_object *report, char **ret) {
        assert(report);
        assert(ret);

        return json_dump_python(report, ret);
}
