/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "dashboard/dashboard.h"
#include "session/session.h"

/* One collection: everything a report is made of, gathered from the Ray
 * head's dashboard, the session directory, the Ray user's files, the cloud
 * and this machine, then built into the 27-field report. Runs as the Ray
 * user (worker/worker.h); it must not touch the state, the journal or the
 * upload, which are the root parent's. */

/* What a collection reads: nothing else of the command that runs it. */
typedef struct CollectInput {
        Session *session;  /* the Ray head's session */
        const char *home;  /* the Ray user's home directory, or NULL */
        uid_t uid;         /* the Ray user */
        bool use_env_token; /* docs/design.md §4.2: the program's own token may go to this head */
} CollectInput;

typedef struct Collector {
        CollectInput input;
        char *dashboard_url;
        DashboardClient *dashboard;
} Collector;

typedef struct Counters {
        uint64_t seq_number, total_success, total_failed;
} Counters;

/* One built report, on both sides of the worker's channel. */
typedef struct Collection {
        json_object *report;  /* the UsageStatsToReport object; the worker's side only, NULL in the parent */
        char *body;           /* its serialisation: exactly the bytes POSTed */
        char *session_id;     /* as reported */
        char **failed_calls;  /* dashboard calls that failed, or NULL */
} Collection;

/* Finds the dashboard (docs/design.md §4.3) and loads the token. No network connection
 * yet. */
int collector_init(Collector *k, const CollectInput *in);
void collector_done(Collector *k);

/* docs/design.md §3.5: true when the running head says the cluster itself opted out. */
bool collector_cluster_opted_out(Collector *k);

/* Gathers and builds the report. fallback_session_id is used when the
 * dashboard gives no cluster id. */
int collector_run(Collector *k, const Counters *counters, const char *fallback_session_id, Collection *ret);
void collection_done(Collection *c);
