/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "cli/context.h"
#include "dashboard/dashboard.h"

/* One collection: everything a report is made of, gathered from the Ray
 * head's dashboard, the session directory, the Ray user's files, the cloud
 * and this machine, then built into the 27-field report. */

typedef struct Collector {
        const Context *context;
        char *dashboard_url;
        DashboardClient *dashboard;
} Collector;

typedef struct Collection {
        json_object *report;  /* the UsageStatsToReport object */
        char *body;           /* its serialisation: exactly the bytes POSTed */
        char *session_id;     /* as reported */
        char **failed_calls;  /* dashboard calls that failed, or NULL */
} Collection;

/* Finds the dashboard (SPEC 4.3) and loads the token. No network connection
 * yet. Like everything here, runs as the Ray user (worker/worker.h). */
int collector_init(Collector *k, const Context *c);
void collector_done(Collector *k);

/* SPEC 3.5: true when the running head says the cluster itself opted out. */
bool collector_cluster_opted_out(Collector *k);

/* Gathers and builds the report. fallback_session_id is used when the
 * dashboard gives no cluster id. */
int collector_run(Collector *k, const Counters *counters, const char *fallback_session_id, Collection *ret);
void collection_done(Collection *c);
