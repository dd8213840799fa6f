/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The five cluster fields of the report, as Ray's ClusterConfigToReport. */
typedef struct ClusterConfig {
        char *cloud_provider;               /* NULL: null */
        int64_t min_workers, max_workers;   /* -1: null */
        char *head_node_instance_type;      /* NULL: null */
        char **worker_node_instance_types;  /* NULL-terminated, sorted; NULL: null */
} ClusterConfig;

#define CLUSTER_CONFIG_NULL ((ClusterConfig) { .min_workers = -1, .max_workers = -1 })

/* A bootstrap YAML bigger than this is not a cluster config: all fields null. */
#define CLUSTER_CONFIG_MAX_SIZE (1024U * 1024U)

/* Frees the members and resets *c to CLUSTER_CONFIG_NULL. */
void cluster_config_done(ClusterConfig *c);

/* Ray's get_cluster_config_to_report() for a bootstrap YAML that exists: the
 * top-level min_workers, max_workers and provider.type; the instance types only
 * when both head_node_type and available_node_types are present, taken from each
 * node type's node_config InstanceType (AWS), else machineType (GCP), else
 * azure_arm_parameters.vmSize (Azure). The node type named head_node_type gives
 * the head; the others give the worker list, de-duplicated and, unlike Ray's
 * unordered list(set(...)), sorted by byte order so that reports are
 * reproducible; NULL when empty.
 *
 * The YAML is read with YAML 1.1 rules as PyYAML's safe_load reads it (plain
 * scalar types, merge keys, last duplicate key wins, Python's "in" and indexing
 * on whatever type a value has); libyaml does the scanning, so syntax corner
 * cases where the two scanners disagree (a ":" or "?" glued to a token inside
 * a flow collection, tabs) follow libyaml. Like Ray, any problem
 * gives every field null and still returns 0: bad YAML, more than one document,
 * a top level that is not a mapping, an unhashable key or unknown tag, and,
 * stricter than Ray (which would copy any value into the report), a value of a
 * type the report cannot carry (min_workers: "x", InstanceType: 5). Documents
 * that are huge, nest deeper than 64 levels or have too many events are refused
 * the same way, and aliases are never expanded, so a "billion laughs" costs
 * nothing; one budget of node visits for the whole document (merge keys, lookups
 * and comparisons all draw on it) keeps nested merge keys ("<<: [*a, *a, ...]")
 * from costing more than a bounded, linear amount of work. Returns -ENOMEM only. */
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
