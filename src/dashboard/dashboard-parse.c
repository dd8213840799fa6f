/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <strings.h>

#include "dashboard/dashboard.h"
#include "shared/json-util.h"
#include "shared/strv.h"

/* More distinct accelerator types than any real cluster has; past it, new
 * ones are ignored so that a hostile listing cannot make the scan quadratic. */
#define ACCELERATOR_TYPES_MAX 64U

/* Everything here reads untrusted bytes from whatever answers on the
 * dashboard port: types are checked before use. Strings are passed on as
 * Ray passes them (docs/ray-parity.md), within the answer's byte cap; the
 * report's JSON escapes them, and nothing else prints them. */

static int parse_document(const char *body, size_t size, json_object **ret) {
        json_object *o = NULL;
        int r;

        r = json_parse_bounded(body, size, DASHBOARD_MAX_TREE, &o);
        if (r < 0)
                return r == -ENOMEM || r == -E2BIG ? r : -EBADMSG;
        if (!o)
                return -EINVAL; /* a bare "null" */
        *ret = o;
        return 0;
}

/* Ray's rest_response envelope: {"result": bool, "msg": str, "data": {...}}. */
static int envelope_data(json_object *o, json_object **ret) {
        json_object *data;
        bool result;

        if (json_get_bool(o, "result", &result) < 0)
                return -EINVAL;
        if (!result)
                return -EREMOTEIO;
        data = json_get_object(o, "data");
        if (!data)
                return -EINVAL;
        *ret = data;
        return 0;
}

/* Both steps at once, for the routes that use the envelope. */
static int parse_envelope(const char *body, size_t size, json_object **ret_document, json_object **ret_data) {
        int r;

        r = parse_document(body, size, ret_document);
        if (r < 0)
                return r;
        return envelope_data(*ret_document, ret_data);
}

/* A string member as a C string: one with a NUL character cannot be
 * carried (docs/ray-parity.md) and counts as the wrong type. */
static const char *get_string(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        if (strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
                return NULL;
        return json_object_get_string(v);
}

static bool string_is_hex(const char *s, size_t max) {
        size_t n = strspn(s, "0123456789abcdefABCDEF");

        return n > 0 && n <= max && s[n] == 0;
}

static int replace_string(char **field, const char *value) {
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

int dashboard_parse_auth_mode(const char *body, size_t size, bool *ret_token) {
        _cleanup_json_ json_object *o = NULL;
        const char *mode;
        int r;

        assert(ret_token);

        r = parse_document(body, size, &o);
        if (r < 0)
                return r;
        mode = json_get_string(o, "authentication_mode");
        if (!mode)
                return -EINVAL;
        /* Ray's middleware demands the bearer token in both "token" and
         * "k8s" mode; an unknown mode is an error rather than a guess. */
        if (streq(mode, "disabled"))
                *ret_token = false;
        else if (streq(mode, "token") || streq(mode, "k8s"))
                *ret_token = true;
        else
                return -EINVAL;
        return 0;
}

int dashboard_parse_usage_stats_enabled(const char *body, size_t size, bool *ret) {
        _cleanup_json_ json_object *o = NULL;
        json_object *data;
        bool enabled;
        int r;

        assert(ret);

        r = parse_envelope(body, size, &o, &data);
        if (r < 0)
                return r;
        if (json_get_bool(data, "usageStatsEnabled", &enabled) < 0)
                return -EINVAL;
        *ret = enabled;
        return 0;
}

int dashboard_parse_version(const char *body, size_t size, DashboardFigures *f) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *version = NULL, *commit = NULL;
        json_object *v;
        const char *s;
        int r;

        assert(f);

        /* A bare object, no envelope; session_name only exists in newer Rays
         * and is not needed. */
        r = parse_document(body, size, &o);
        if (r < 0)
                return r;
        s = get_string(o, "ray_version");
        if (!s)
                return -EINVAL;
        version = strdup(s);
        if (!version)
                return -ENOMEM;
        if (json_object_object_get_ex(o, "ray_commit", &v) && !json_object_is_type(v, json_type_null)) {
                s = get_string(o, "ray_commit");
                if (!s)
                        return -EINVAL;
                commit = strdup(s);
                if (!commit)
                        return -ENOMEM;
        }

        free(f->ray_version);
        f->ray_version = TAKE_PTR(version);
        free(f->git_commit);
        f->git_commit = TAKE_PTR(commit);
        return 0;
}

int dashboard_parse_cluster_id(const char *body, size_t size, DashboardFigures *f) {
        _cleanup_json_ json_object *o = NULL;
        json_object *data;
        const char *id;
        int r;

        assert(f);

        r = parse_envelope(body, size, &o, &data);
        if (r < 0)
                return r;
        /* gcs_client.cluster_id.hex(): anything else is not a cluster ID
         * and must not become the report's session_id. */
        id = json_get_string(data, "clusterId");
        if (!id || !string_is_hex(id, 128))
                return -EINVAL;
        return replace_string(&f->cluster_id, id);
}

int dashboard_parse_cluster_metadata(const char *body, size_t size, DashboardFigures *f) {
        _cleanup_json_ json_object *o = NULL;
        json_object *data;
        const char *v;
        int r;

        assert(f);

        r = parse_envelope(body, size, &o, &data);
        if (r < 0)
                return r;
        /* As Ray's metadata holds it: "3.11.7", "3.13.0rc1", "3.11.7+", ... */
        v = get_string(data, "pythonVersion");
        if (!v)
                return -EINVAL;
        return replace_string(&f->python_version, v);
}

enum {
        RESOURCE_CPU,
        RESOURCE_GPU,
        RESOURCE_MEMORY,
        RESOURCE_OBJECT_STORE_MEMORY,
        _RESOURCE_MAX,
};

static const char *const resource_names[_RESOURCE_MAX] = {
        [RESOURCE_CPU] = "CPU",
        [RESOURCE_GPU] = "GPU",
        [RESOURCE_MEMORY] = "memory",
        [RESOURCE_OBJECT_STORE_MEMORY] = "object_store_memory",
};

static int add_accelerator(char ***accelerators, size_t *n, const char *type) {
        char *copy;
        int r;

        if (*n >= ACCELERATOR_TYPES_MAX)
                return 0;
        for (size_t i = 0; i < *n; i++)
                if (streq((*accelerators)[i], type))
                        return 0;
        copy = strdup(type);
        if (!copy)
                return -ENOMEM;
        r = strv_push(accelerators, copy);
        if (r < 0) {
                free(copy);
                return r;
        }
        (*n)++;
        return 0;
}

static int add_node_resources(json_object *resources, double sums[static _RESOURCE_MAX],
                              char ***accelerators, size_t *n_accelerators) {
        json_object_object_foreach(resources, key, value) {
                const char *type;
                bool known = false;
                int r;

                for (size_t i = 0; i < _RESOURCE_MAX; i++) {
                        double d;

                        if (!streq(key, resource_names[i]))
                                continue;
                        if (!json_object_is_type(value, json_type_int) &&
                            !json_object_is_type(value, json_type_double))
                                return -EINVAL;
                        /* json-c holds integers beyond 64 bits at the nearest end of
                         * its range (docs/ray-parity.md). */
                        d = json_object_get_double(value);
                        if (!isfinite(d))
                                return -EINVAL;
                        /* Ray's sum starts at 0, so that -0.0 adds up to 0.0. */
                        sums[i] = (isnan(sums[i]) ? 0.0 : sums[i]) + d;
                        /* Finite amounts can still add up to infinity. */
                        if (!isfinite(sums[i]))
                                return -EINVAL;
                        known = true;
                }
                if (known)
                        continue;

                type = startswith(key, "accelerator_type:");
                if (type) {
                        r = add_accelerator(accelerators, n_accelerators, type);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

typedef struct NodeSums {
        double sums[_RESOURCE_MAX];
        char **accelerators;
        size_t n_accelerators;
        int64_t alive;
} NodeSums;

/* ALIVE rows are counted here rather than trusting num_filtered: older
 * Rays lack it, and a server that ignored the filter would otherwise have
 * its dead nodes added to the totals. */
static int add_node(json_object *row, void *userdata) {
        NodeSums *n = userdata;
        json_object *resources;
        const char *state;

        if (!json_object_is_type(row, json_type_object))
                return -EINVAL;
        state = json_get_string(row, "state");
        if (!state)
                return -EINVAL;
        if (!streq(state, "ALIVE"))
                return 0;
        n->alive++;

        resources = json_get_object(row, "resources_total");
        if (!resources)
                return -EINVAL;
        return add_node_resources(resources, n->sums, &n->accelerators, &n->n_accelerators);
}

/* Parses a listing's answer one element at a time (json_parse_streamed()). */
static int parse_listing(const char *body, size_t size, const char *const *path, JsonElementFunc f,
                         void *userdata, json_object **ret) {
        int r;

        r = json_parse_streamed(body, size, path, DASHBOARD_MAX_TREE, f, userdata, ret);
        if (r == -EBADMSG || r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        if (!*ret)
                return -EINVAL; /* a bare "null" */
        return 0;
}

int dashboard_parse_nodes(const char *body, size_t size, DashboardFigures *f) {
        static const char *const path[] = { "data", "result", "result", NULL };
        _cleanup_json_ json_object *o = NULL;
        NodeSums n = { .sums = { NAN, NAN, NAN, NAN } };
        json_object *data;
        int r;

        assert(f);

        r = parse_listing(body, size, path, add_node, &n, &o);
        if (r < 0)
                goto finish;
        r = envelope_data(o, &data);
        if (r < 0)
                goto finish;
        /* The rows went to add_node(); what is left must still be the listing's shape. */
        if (!json_get_array(json_get_object(data, "result"), "result")) {
                r = -EINVAL;
                goto finish;
        }

        strv_sort_unique(n.accelerators);

        f->total_num_nodes = n.alive;
        f->total_num_cpus = n.sums[RESOURCE_CPU];
        f->total_num_gpus = n.sums[RESOURCE_GPU];
        f->total_memory_bytes = n.sums[RESOURCE_MEMORY];
        f->total_object_store_memory_bytes = n.sums[RESOURCE_OBJECT_STORE_MEMORY];
        strv_free(f->accelerator_types);
        f->accelerator_types = TAKE_PTR(n.accelerators);
        r = 0;
finish:
        strv_free(n.accelerators);
        return r;
}

/* Ray's telemetry counts GCS jobs that are alive (internal namespaces are
 * already left out by /api/jobs/): running drivers, and running submissions
 * once they have a driver (job_id). Older Rays spell the type in lower case,
 * hence the case-insensitive comparisons. */
static int count_job(json_object *job, void *userdata) {
        int64_t *running = userdata;
        const char *status, *type, *job_id;

        if (!json_object_is_type(job, json_type_object))
                return -EINVAL;
        status = json_get_string(job, "status");
        if (!status)
                return -EINVAL;
        if (strcasecmp(status, "RUNNING") != 0)
                return 0;

        type = json_get_string(job, "type");
        job_id = json_get_string(job, "job_id");
        if ((type && strcasecmp(type, "DRIVER") == 0) || !isempty(job_id))
                (*running)++;
        return 0;
}

int dashboard_parse_jobs(const char *body, size_t size, DashboardFigures *f) {
        static const char *const path[] = { NULL };
        _cleanup_json_ json_object *o = NULL;
        int64_t running = 0;
        int r;

        assert(f);

        r = parse_listing(body, size, path, count_job, &running, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_array))
                return -EINVAL;
        f->total_num_running_jobs = running;
        return 0;
}

int dashboard_parse_state_total(const char *body, size_t size, int64_t *ret) {
        _cleanup_json_ json_object *o = NULL;
        json_object *data;
        int64_t total;
        int r;

        assert(ret);

        r = parse_envelope(body, size, &o, &data);
        if (r < 0)
                return r;
        if (json_get_int64(json_get_object(data, "result"), "total", &total) < 0 || total < 0)
                return -EINVAL;
        *ret = total;
        return 0;
}

static int parse_health(const char *body, size_t size, json_object **ret_o, bool *ret_result) {
        _cleanup_json_ json_object *o = NULL;
        bool result;
        int r;

        r = parse_document(body, size, &o);
        if (r < 0)
                return r;
        if (json_get_bool(o, "result", &result) < 0)
                return -EINVAL;
        *ret_result = result;
        *ret_o = TAKE_PTR(o);
        return 0;
}

int dashboard_parse_grafana_health(const char *body, size_t size, bool *ret) {
        _cleanup_json_ json_object *o = NULL;
        const char *host;
        bool result;
        int r;

        assert(ret);

        r = parse_health(body, size, &o, &result);
        if (r < 0)
                return r;
        if (!result) {
                *ret = false;
                return 0;
        }
        /* As Ray's usage_stats_head: running means healthy and not disabled. */
        host = json_get_string(json_get_object(o, "data"), "grafanaHost");
        if (!host)
                return -EINVAL;
        *ret = !streq(host, "DISABLED");
        return 0;
}

int dashboard_parse_prometheus_health(const char *body, size_t size, bool *ret) {
        _cleanup_json_ json_object *o = NULL;
        bool result;
        int r;

        assert(ret);

        r = parse_health(body, size, &o, &result);
        if (r < 0)
                return r;
        *ret = result;
        return 0;
}
