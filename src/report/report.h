/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "report/cluster-config.h"

/* The report (docs/design.md §5): its 27 fields, built from inputs that
 * collect/ gathers, serialised byte for byte as Ray does, and the text of
 * usage_stats.json. It must not talk to the dashboard, read the session or
 * journal; of the machine, only hardware.h and the cloud probe (cloud.h)
 * look at it, when collect/ calls them. */

#define REPORT_SCHEMA_VERSION "0.1"
#define REPORT_SOURCE_DEFAULT "OSS"
#define REPORT_N_FIELDS 27

/* Everything a report says. Pointers are borrowed; NULL (or the stated
 * sentinel) means unknown and gives JSON null. */
typedef struct ReportInputs {
        const char *source;                   /* NULL: "OSS" */
        int64_t collect_timestamp_ms;
        uint64_t total_success, total_failed, seq_number;
        const char *ray_version, *python_version, *session_id, *git_commit;
        const char *os;                       /* "linux" */
        int64_t session_start_timestamp_ms;   /* -1: null */
        const ClusterConfig *cluster;         /* NULL: the five cluster fields null */
        double total_num_cpus, total_num_gpus; /* NAN: null; reported as integers, as Ray's int() */
        double total_memory_gb, total_object_store_memory_gb; /* NAN: null */
        char **library_usages;                /* sorted; NULL or empty: null */
        json_object *extra_usage_tags;        /* from report_extra_tags(); NULL or empty: null */
        int64_t total_num_nodes, total_num_running_jobs; /* -1: null */
        const char *libc_version;
        char **hardware_usages;               /* from report_hardware_usages(); NULL or empty: null */
} ReportInputs;

typedef struct ReportField {
        const char *name;     /* the JSON key */
        const char *type;     /* JSON type, e.g. "integer or null" */
        const char *source;   /* where the value comes from, in words */
        const char *example;  /* an example value, as JSON text */
        int (*value)(const ReportInputs *in, json_object **ret); /* NULL *ret: null */
} ReportField;

/* The data dictionary: the keys of Ray's UsageStatsToReport in its dataclass
 * order. report_build() builds the report from this table, so that `fields`
 * and the report cannot disagree. */
extern const ReportField report_fields[REPORT_N_FIELDS];

/* The report: exactly the 27 keys of Ray's UsageStatsToReport in Ray's order,
 * with Ray's types (integers for counts, timestamps, CPUs and GPUs; floats for
 * the two GB figures; lists; an object of strings), null where unknown.
 * Returns 0 and a new object, or -ENOMEM. */
int report_build(const ReportInputs *in, json_object **ret);

/* extra_usage_tags: RAY_USAGE_STATS_EXTRA_TAGS parsed as Ray does (env_value may
 * be NULL; one over EXTRA_TAGS_MAX is ignored with a warning), then the built-in
 * tags, which win over environment tags of the same name as Ray's KV tags do:
 * dashboard_metrics_grafana_enabled and dashboard_metrics_prometheus_enabled as
 * "True" (> 0) or "False" (0), actor_num_created and pg_num_created as decimal
 * strings. A negative argument leaves its tag out (the call that gives it
 * failed). *ret is NULL when no tag remains. Returns 0, or -ENOMEM. */
int report_extra_tags(const char *env_value, int grafana_enabled, int prometheus_enabled,
                      int64_t actors_created, int64_t pgs_created, json_object **ret);

/* hardware_usages: the CPU model (may be NULL) and the accelerator types
 * (NULL-terminated, may be NULL), without duplicates, sorted by byte order.
 * *ret is NULL when there are none. Returns 0, or -ENOMEM. */
int report_hardware_usages(const char *cpu_model, char *const *accelerator_types, char ***ret);

/* The content of <session>/usage_stats.json, Ray's UsageStatsToWrite:
 * {"usage_stats": report, "success": success, "error": error or null},
 * serialised as Python's json.dumps() does. Returns 0, or -ENOMEM. */
int report_file_body(json_object *report, bool success, const char *error, char **ret);

/* The POST body: the report serialised as Python's json.dumps() (what Ray's
 * requests.post(json=...) sends). Returns 0, or -ENOMEM. */
int report_serialize(json_object *report, char **ret);
