/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/macro.h"

/* The Ray dashboard client (docs/design.md §4.3): the cluster's own opt-out (3.5) and
 * the dashboard-derived report fields (5). It never journals: failures come
 * back as DashboardFigures.failed_calls for the caller to record. */

/* Memory is bounded on every answer (docs/design.md §4.2), so that the worst answer
 * to every route, one after another, stays far below the unit's
 * MemoryMax=128M. The largest answer held: 16 MiB for the two listings (a
 * 10,000-node listing is 4.5 MB; a bigger one is refused as -EFBIG, before
 * it is read when it announces its length), 1 MiB for every other route.
 * The listings are parsed one element at a time; DASHBOARD_MAX_TREE bounds
 * the JSON tree of one element, of the rest of a listing, and of a whole
 * answer to another route (json_tree_cost(): an array of 32 MiB of zeros
 * would take 1.2 GB). */
#define DASHBOARD_MAX_RESPONSE (16U * 1024U * 1024U)
#define DASHBOARD_MAX_SMALL_RESPONSE (1024U * 1024U)
#define DASHBOARD_MAX_TREE (4U * 1024U * 1024U)
#define DASHBOARD_PHASE_TIMEOUT_MS 10000L
#define DASHBOARD_REQUEST_TIMEOUT_MS 2000L

const char *dashboard_default_url(void);

/* The token for Ray's token auth: with use_env, $RAY_AUTH_TOKEN, else the
 * file named by $RAY_AUTH_TOKEN_PATH; then <home>/.ray/auth_token (home may be
 * NULL); surrounding whitespace trimmed. The environment is the program's own
 * (an administrator's setting): use_env only for a head of the user the
 * program runs as, or of root (docs/design.md §4.2). No token anywhere: 0 and
 * *ret NULL. -EBADMSG for a token with control characters (it would break the
 * header). The caller runs this as the Ray user. */
int dashboard_load_token(bool use_env, const char *home, char **ret);

typedef struct DashboardClient DashboardClient;

/* base_url is http(s)://host[:port] with an optional trailing slash; the
 * token (may be NULL) is copied and only ever sent to base_url. Before any
 * request, the dashboard's socket must be owned by owner (the Ray user) or
 * root (docs/design.md §4.2); otherwise nothing is sent, the phase ends and the calls
 * fail with a reason that names the port and the uid. The phase's time
 * budget starts here. */
int dashboard_client_new(const char *base_url, const char *token, uid_t owner, DashboardClient **ret);
DashboardClient *dashboard_client_free(DashboardClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(DashboardClient *, dashboard_client_free);
#define _cleanup_dashboard_client_ _cleanup_(dashboard_client_freep)

/* 1 when the cluster says usageStatsEnabled: false; 0 when it says true or
 * does not answer properly (older Ray, dashboard down). -ENOMEM only. */
int dashboard_cluster_opted_out(DashboardClient *c);

typedef struct DashboardFigures {
        char *ray_version;
        char *git_commit;
        char *cluster_id;
        char *python_version;               /* "X.Y.Z" from the cluster metadata, NULL unknown */
        int64_t total_num_nodes;            /* -1 unknown */
        double total_num_cpus;              /* NAN unknown, or no ALIVE node has the resource */
        double total_num_gpus;
        double total_memory_bytes;
        double total_object_store_memory_bytes;
        int64_t total_num_running_jobs;     /* -1 unknown */
        int64_t actors_created;             /* -1 unknown */
        int64_t pgs_created;                /* -1 unknown */
        int grafana_enabled;                /* 1/0; a failed health call gives 0, as in Ray */
        int prometheus_enabled;
        char **accelerator_types;           /* sorted, unique, NULL-terminated; NULL if none */
        char **failed_calls;                /* "GET /api/version: <reason>", NULL-terminated; NULL if none */
} DashboardFigures;

/* Every field unknown. */
void dashboard_figures_init(DashboardFigures *f);
void dashboard_figures_done(DashboardFigures *f);

/* Asks every route and fills *ret (which it initialises). A failed call
 * leaves its fields unknown and adds to failed_calls. Returns 0, or -ENOMEM. */
int dashboard_collect(DashboardClient *c, DashboardFigures *ret);

/* Pure parsers, one per route. They return 0 on success; -EBADMSG for a body
 * that is not JSON; -EINVAL for JSON of an unexpected shape or type; -E2BIG
 * when its JSON tree would exceed DASHBOARD_MAX_TREE;
 * -EREMOTEIO when Ray's envelope says "result": false; -ENOMEM. On failure
 * the output is untouched. */
int dashboard_parse_auth_mode(const char *body, size_t size, bool *ret_token);
int dashboard_parse_usage_stats_enabled(const char *body, size_t size, bool *ret);
int dashboard_parse_version(const char *body, size_t size, DashboardFigures *f);
int dashboard_parse_cluster_id(const char *body, size_t size, DashboardFigures *f);
int dashboard_parse_cluster_metadata(const char *body, size_t size, DashboardFigures *f);
int dashboard_parse_nodes(const char *body, size_t size, DashboardFigures *f);
int dashboard_parse_jobs(const char *body, size_t size, DashboardFigures *f);
/* "total" of a State API listing (/api/v0/actors, /api/v0/placement_groups). */
int dashboard_parse_state_total(const char *body, size_t size, int64_t *ret);
/* Health answers are parsed whether they came with 200 or 500: "result":
 * false is the normal "not running" answer there, giving *ret false and 0. */
int dashboard_parse_grafana_health(const char *body, size_t size, bool *ret);
int dashboard_parse_prometheus_health(const char *body, size_t size, bool *ret);
