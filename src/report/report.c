/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>

#include "report/extra-tags.h"
#include "report/report.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"

const char *const report_field_names[REPORT_N_FIELDS + 1] = {
        "schema_version",
        "source",
        "collect_timestamp_ms",
        "total_success",
        "total_failed",
        "seq_number",
        "ray_version",
        "python_version",
        "session_id",
        "git_commit",
        "os",
        "session_start_timestamp_ms",
        "cloud_provider",
        "min_workers",
        "max_workers",
        "head_node_instance_type",
        "worker_node_instance_types",
        "total_num_cpus",
        "total_num_gpus",
        "total_memory_gb",
        "total_object_store_memory_gb",
        "library_usages",
        "extra_usage_tags",
        "total_num_nodes",
        "total_num_running_jobs",
        "libc_version",
        "hardware_usages",
        NULL,
};

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
        json_object *v = NULL;

        if (s) {
                v = json_object_new_string(s);
                if (!v)
                        return -ENOMEM;
        }
        return add(o, key, v);
}

static int add_int(json_object *o, const char *key, int64_t i, bool known) {
        json_object *v = NULL;

        if (known) {
                v = json_object_new_int64(i);
                if (!v)
                        return -ENOMEM;
        }
        return add(o, key, v);
}

/* Ray's int(total): truncated toward zero. */
static int add_count(json_object *o, const char *key, double d) {
        bool known = isfinite(d) && fabs(d) < 9223372036854775807.0;

        return add_int(o, key, known ? (int64_t) d : 0, known);
}

static int add_double(json_object *o, const char *key, double d) {
        json_object *v = NULL;

        if (isfinite(d)) {
                v = json_object_new_double(d);
                if (!v)
                        return -ENOMEM;
        }
        return add(o, key, v);
}

static int add_strv(json_object *o, const char *key, char *const *l) {
        _cleanup_json_ json_object *a = NULL;

        if (strv_length(l) > 0) {
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
        }
        return add(o, key, TAKE_PTR(a));
}

int report_build(const ReportInputs *in, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        const ClusterConfig none = CLUSTER_CONFIG_NULL, *c;
        json_object *tags = NULL;
        int r;

        assert(in);
        assert(ret);

        c = in->cluster ?: &none;
        if (in->extra_usage_tags && json_object_object_length(in->extra_usage_tags) > 0)
                tags = json_object_get(in->extra_usage_tags);

        o = json_object_new_object();
        if (!o) {
                json_object_put(tags);
                return -ENOMEM;
        }

        /* Each line adds one key, in report_field_names' order. */
        if ((r = add_string(o, "schema_version", REPORT_SCHEMA_VERSION)) < 0 ||
            (r = add_string(o, "source", in->source ?: REPORT_SOURCE_DEFAULT)) < 0 ||
            (r = add_int(o, "collect_timestamp_ms", in->collect_timestamp_ms, true)) < 0 ||
            (r = add_int(o, "total_success", (int64_t) in->total_success, true)) < 0 ||
            (r = add_int(o, "total_failed", (int64_t) in->total_failed, true)) < 0 ||
            (r = add_int(o, "seq_number", (int64_t) in->seq_number, true)) < 0 ||
            (r = add_string(o, "ray_version", in->ray_version)) < 0 ||
            (r = add_string(o, "python_version", in->python_version)) < 0 ||
            (r = add_string(o, "session_id", in->session_id)) < 0 ||
            (r = add_string(o, "git_commit", in->git_commit)) < 0 ||
            (r = add_string(o, "os", in->os)) < 0 ||
            (r = add_int(o, "session_start_timestamp_ms", in->session_start_timestamp_ms,
                         in->session_start_timestamp_ms >= 0)) < 0 ||
            (r = add_string(o, "cloud_provider", c->cloud_provider)) < 0 ||
            (r = add_int(o, "min_workers", c->min_workers, c->min_workers >= 0)) < 0 ||
            (r = add_int(o, "max_workers", c->max_workers, c->max_workers >= 0)) < 0 ||
            (r = add_string(o, "head_node_instance_type", c->head_node_instance_type)) < 0 ||
            (r = add_strv(o, "worker_node_instance_types", c->worker_node_instance_types)) < 0 ||
            (r = add_count(o, "total_num_cpus", in->total_num_cpus)) < 0 ||
            (r = add_count(o, "total_num_gpus", in->total_num_gpus)) < 0 ||
            (r = add_double(o, "total_memory_gb", in->total_memory_gb)) < 0 ||
            (r = add_double(o, "total_object_store_memory_gb", in->total_object_store_memory_gb)) < 0 ||
            (r = add_strv(o, "library_usages", in->library_usages)) < 0 ||
            (r = add(o, "extra_usage_tags", tags)) < 0 ||
            (r = add_int(o, "total_num_nodes", in->total_num_nodes, in->total_num_nodes >= 0)) < 0 ||
            (r = add_int(o, "total_num_running_jobs", in->total_num_running_jobs,
                         in->total_num_running_jobs >= 0)) < 0 ||
            (r = add_string(o, "libc_version", in->libc_version)) < 0 ||
            (r = add_strv(o, "hardware_usages", in->hardware_usages)) < 0)
                return r;

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
