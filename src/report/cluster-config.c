/* SPDX-License-Identifier: MIT */
#include "report/cluster-config.h"
#include "report/pyyaml.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/macro.h"

void cluster_config_done(ClusterConfig *c) {
        assert(c);

        json_object_put(c->cloud_provider);
        json_object_put(c->min_workers);
        json_object_put(c->max_workers);
        json_object_put(c->head_node_instance_type);
        json_object_put(c->worker_node_instance_types);
        *c = CLUSTER_CONFIG_NULL;
}

/* A value as Ray's report carries it. Where json.dumps() would raise, Ray's
 * report fails to go out at all; ours says null there (docs/ray-parity.md). */
static int report_value(PyDoc *d, PyObj *o, json_object **ret) {
        int r;

        r = pyyaml_to_json(d, o, ret);
        if (r == -EDOM) {
                log_debug("A cluster config value has no JSON form, reporting it as null");
                *ret = NULL;
                return 0;
        }
        return r;
}

/* config[key] if key in config, else NULL: config is a dict. */
static int lookup(PyDoc *d, PyObj *config, const char *key, PyObj **ret) {
        int r;

        *ret = NULL;
        r = pyyaml_contains(d, config, key);
        if (r <= 0)
                return r;
        return pyyaml_getitem(d, config, key, ret);
}

/* Ray's get_instance_type(node_config): NULL for None. */
static int instance_type(PyDoc *d, PyObj *node_config, PyObj **ret) {
        static const char *const keys[] = { "InstanceType", "machineType" };
        PyObj *azure;
        int r;

        *ret = NULL;
        if (!node_config || !pyyaml_truthy(d, node_config))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                r = pyyaml_contains(d, node_config, keys[i]);
                if (r != 0)
                        return r < 0 ? r : pyyaml_getitem(d, node_config, keys[i], ret);
        }
        r = lookup(d, node_config, "azure_arm_parameters", &azure);
        if (r < 0 || !azure)
                return r;
        return lookup(d, azure, "vmSize", ret);
}

typedef struct Worker {
        char *text;
        json_object *value;
} Worker;

static int compare_workers(const void *a, const void *b) {
        return strcmp(((const Worker *) a)->text, ((const Worker *) b)->text);
}

/* The workers' set as a list, in the byte order of each value's JSON text
 * (Ray's list(set) has no order). NULL when a value has no JSON form. */
static int worker_list(PyDoc *d, PyObj **types, size_t n, json_object **ret) {
        _cleanup_json_ json_object *list = NULL;
        _cleanup_free_ Worker *w = NULL;
        int r = 0;

        *ret = NULL;
        if (n == 0)
                return 0;
        w = calloc(n, sizeof(Worker));
        list = json_object_new_array();
        if (!w || !list)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = pyyaml_to_json(d, types[i], &w[i].value);
                if (r >= 0)
                        r = json_dump_python(w[i].value, &w[i].text);
        }
        if (r >= 0)
                qsort(w, n, sizeof(Worker), compare_workers);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && json_object_array_add(list, w[i].value) < 0)
                        r = -ENOMEM;
                if (r < 0)
                        json_object_put(w[i].value);
                free(w[i].text);
        }
        if (r == -EDOM) {
                log_debug("A worker instance type has no JSON form, reporting the list as null");
                return 0;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}

/* for node_type, node_type_config in config["available_node_types"].items(): ... */
static int node_types(PyDoc *d, PyObj *config, ClusterConfig *c) {
        _cleanup_free_ PyObj **workers = NULL;
        PyObj *head, *available;
        size_t n_workers = 0, n;
        int r;

        r = pyyaml_contains(d, config, "head_node_type");
        if (r <= 0)
                return r;
        r = pyyaml_contains(d, config, "available_node_types");
        if (r <= 0)
                return r;
        r = pyyaml_getitem(d, config, "available_node_types", &available);
        if (r < 0)
                return r;
        if (pyyaml_type(available) != PY_DICT)
                return -EBADMSG; /* AttributeError: no .items() */
        r = pyyaml_getitem(d, config, "head_node_type", &head);
        if (r < 0)
                return r;

        n = pyyaml_dict_size(available);
        workers = calloc(n ?: 1, sizeof(PyObj *));
        if (!workers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                PyObj *name, *type_config, *node_config, *type;
                bool seen = false;

                pyyaml_dict_item(d, available, i, &name, &type_config);
                /* node_type_config.get("node_config") */
                if (pyyaml_type(type_config) != PY_DICT)
                        return -EBADMSG;
                r = pyyaml_getitem(d, type_config, "node_config", &node_config);
                if (r < 0)
                        return r;
                r = instance_type(d, node_config, &type);
                if (r < 0)
                        return r;

                r = pyyaml_equal(d, name, head, false);
                if (r < 0)
                        return r;
                if (r > 0) {
                        json_object_put(c->head_node_instance_type);
                        c->head_node_instance_type = NULL;
                        r = type ? report_value(d, type, &c->head_node_instance_type) : 0;
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!type || !pyyaml_truthy(d, type))
                        continue;
                /* set.add() */
                if (!pyyaml_hashable(type))
                        return -EBADMSG;
                for (size_t j = 0; j < n_workers && !seen; j++) {
                        r = pyyaml_equal(d, workers[j], type, true);
                        if (r < 0)
                                return r;
                        seen = r > 0;
                }
                if (!seen)
                        workers[n_workers++] = type;
        }
        return worker_list(d, workers, n_workers, &c->worker_node_instance_types);
}

static int extract(PyDoc *d, ClusterConfig *c) {
        const struct {
                const char *key;
                json_object **field;
        } counts[] = {
                { "min_workers", &c->min_workers },
                { "max_workers", &c->max_workers },
        };
        PyObj *config = pyyaml_root(d), *provider, *type;
        int r;

        /* "key in config" on anything but a dict either raises or finds
         * nothing that config[key] could read: every field None. */
        if (pyyaml_type(config) != PY_DICT)
                return -EBADMSG;

        for (size_t i = 0; i < ELEMENTSOF(counts); i++) {
                PyObj *v;

                r = lookup(d, config, counts[i].key, &v);
                if (r >= 0 && v)
                        r = report_value(d, v, counts[i].field);
                if (r < 0)
                        return r;
        }

        /* if "provider" in config and "type" in config["provider"] */
        r = lookup(d, config, "provider", &provider);
        if (r >= 0 && provider)
                r = lookup(d, provider, "type", &type);
        if (r >= 0 && provider && type)
                r = report_value(d, type, &c->cloud_provider);
        if (r < 0)
                return r;

        return node_types(d, config, c);
}

int cluster_config_parse(const char *yaml, size_t size, ClusterConfig *ret) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        PyDoc *d = NULL;
        int r;

        assert(yaml || size == 0);
        assert(ret);

        *ret = CLUSTER_CONFIG_NULL;

        r = size > CLUSTER_CONFIG_MAX_SIZE ? -E2BIG : pyyaml_load(yaml, size, &d);
        if (r >= 0)
                r = extract(d, &c);
        pyyaml_free(d);

        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Ray: "Bad YAML or any other error: every field None". */
                if (r == -E2BIG)
                        log_debug("Ignoring the cluster config: reading it takes more than %u node visits",
                                  PYYAML_BUDGET);
                else
                        log_debug_errno(r, "Ignoring the cluster config: %m");
                return 0;
        }

        *ret = c;
        c = CLUSTER_CONFIG_NULL;
        return 0;
}

int cluster_config_detect(const char *yaml, size_t size, bool yaml_missing, const char *cloud, ClusterConfig *ret) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        _cleanup_free_ char *provider = NULL;

        assert(ret);

        if (!yaml_missing)
                return cluster_config_parse(yaml, size, ret);

        /* No bootstrap YAML: a manually started cluster, or one on Kubernetes. */
        if (getenv("KUBERNETES_SERVICE_HOST")) {
                provider = strdup(getenv("RAY_USAGE_STATS_KUBERAY_IN_USE") ? "kuberay" : "kubernetes");
                if (!provider)
                        return -ENOMEM;
        }

        if (cloud) {
                char *s;

                /* Ray writes f"_${probe}": the "$" is a template slip in Ray, kept
                 * on purpose so that our reports read exactly like Ray's
                 * ("kuberay_$gcp"). */
                if (provider) {
                        if (asprintf(&s, "%s_$%s", provider, cloud) < 0)
                                return -ENOMEM;
                } else {
                        s = strdup(cloud);
                        if (!s)
                                return -ENOMEM;
                }
                free(provider);
                provider = s;
        }

        if (provider) {
                c.cloud_provider = json_object_new_string(provider);
                if (!c.cloud_provider)
                        return -ENOMEM;
        }
        *ret = c;
        c = CLUSTER_CONFIG_NULL;
        return 0;
}
