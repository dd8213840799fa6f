/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* The five cluster fields of the report, as Ray's ClusterConfigToReport: the
 * JSON value Ray would send for each, NULL for null. */
typedef struct ClusterConfig {
        json_object *cloud_provider;
        json_object *min_workers, *max_workers;
        json_object *head_node_instance_type;
        json_object *worker_node_instance_types; /* an array, never empty */
} ClusterConfig;

#define CLUSTER_CONFIG_NULL ((ClusterConfig) {})

/* A bootstrap YAML bigger than this is not a cluster config: all fields null. */
#define CLUSTER_CONFIG_MAX_SIZE (1024U * 1024U)

/* Frees the members and resets *c to CLUSTER_CONFIG_NULL. */
void cluster_config_done(ClusterConfig *c);

/* Ray's get_cluster_config_to_report() for a bootstrap YAML that exists,
 * with Python's semantics on whatever yaml.safe_load() makes of the text
 * (report/pyyaml.h): min_workers, max_workers and provider.type as they are
 * (a string min_workers is sent as a string); the instance types only when
 * both head_node_type and available_node_types are present, from each node
 * type's node_config InstanceType (AWS), else machineType (GCP), else
 * azure_arm_parameters.vmSize (Azure). The node type equal to head_node_type
 * gives the head (even a falsy one); the others' truthy types give the worker
 * set, as a list sorted by JSON text (Ray's is unordered). Like Ray, any
 * error (PyYAML's, or Python's TypeError and the like in Ray's code) gives
 * every field null and still returns 0. The departures (a size limit, one
 * budget of node visits for the whole document, null for a value JSON cannot
 * carry) are in docs/ray-parity.md. Returns -ENOMEM only. */
int cluster_config_parse(const char *yaml, size_t size, ClusterConfig *ret);

/* Ray's get_cluster_config_to_report(), given the cloud probes' answer.
 * yaml_missing false: the Ray user's ~/ray_bootstrap_config.yaml was read
 * into yaml/size, and is parsed. yaml_missing true (Ray's FileNotFoundError
 * branch): with KUBERNETES_SERVICE_HOST set the provider is "kuberay" when
 * RAY_USAGE_STATS_KUBERAY_IN_USE is set, else "kubernetes"; then cloud (what
 * cloud_probe() found, or NULL when the probes did not run) becomes the
 * provider, or is appended as "_$<cloud>" to the Kubernetes one. A file that
 * exists but cannot be read is Ray's generic error: the caller passes an
 * empty config (CLUSTER_CONFIG_NULL) instead of calling this. Makes no
 * network connection. Returns 0, or -ENOMEM. */
int cluster_config_detect(const char *yaml, size_t size, bool yaml_missing, const char *cloud, ClusterConfig *ret);
