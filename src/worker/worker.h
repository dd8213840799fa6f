/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "decision/decision.h"

/* Privilege separation (SPEC 4.2). Everything that reads what the Ray user
 * (or anyone who can write into Ray's 0777 directories) controls runs in the
 * worker: the config file's decision, the session's files, the token, the
 * bootstrap YAML, every dashboard exchange and the parsing of its answers,
 * building the report and writing usage_stats.json. Started as root for
 * another user's session, the worker is a child process that has dropped to
 * that user for good (session/user.h: drop_privileges()) and answers the
 * parent's requests over a socket (worker/channel.h). Otherwise (the
 * program already runs as the session's owner, or the owner is root) the
 * same handlers run in this process, and their answers go through the same
 * serialisation and strict parsing, so that both paths are one.
 *
 * The root parent keeps only: finding the session and its owner, the state
 * directory (lock, counters, the sequence number reserved before the POST),
 * the upload and the journal. */

typedef struct Context Context;
typedef struct WorkerState WorkerState;

typedef struct Worker {
        pid_t pid;           /* the child, or 0 when the handlers run in this process */
        int fd;              /* the parent's end of the channel, or -1 */
        WorkerState *state;  /* the handlers' state, in this process */
} Worker;

#define WORKER_NULL ((Worker) { .fd = -1 })

/* Starts the worker for c: a child dropped to c->ray_uid when this process
 * is root and c->ray_uid is not, else in-process. */
int worker_start(Worker *w, const Context *c);
/* Ends the channel, waits for the child; the child's failure is logged. */
void worker_stop(Worker *w);

/* SPEC 3.1 from the config file as the Ray user. 0 and *ret; -EINVAL and
 * *ret_invalid (a one-line message) for an invalid setting; another
 * negative errno (logged by whoever failed). */
int worker_decide(Worker *w, Decision *ret, char **ret_invalid);

/* Finds the dashboard, loads the token and asks the cluster whether it opted
 * out itself (SPEC 3.5). *ret_dashboard_url is for the journal. */
int worker_open(Worker *w, bool *ret_opted_out, char **ret_dashboard_url);

typedef struct Counters {
        uint64_t seq_number, total_success, total_failed;
} Counters;

/* What the parent needs of a collection: the bytes to send, the session id
 * they carry, the dashboard calls that failed. */
typedef struct CollectedReport {
        char *body;
        char *session_id;
        char **failed_calls;
} CollectedReport;

void collected_report_done(CollectedReport *r);

/* Collects and builds the report (after worker_open()). */
int worker_collect(Worker *w, const Counters *counters, const char *fallback_session_id, CollectedReport *ret);

/* Writes <session>/usage_stats.json for the last collection, as the Ray user. */
int worker_finish(Worker *w, bool success, const char *error);

/* session_record_library() as the Ray user. */
int worker_record_library(Worker *w, const char *name);

/* The worker's side (worker-serve.c), as the Ray user: answers requests on fd
 * until the parent closes it; returns the exit status. */
int worker_serve(const Context *c, int fd);

/* The handlers' state and dispatch, for worker_serve() and the in-process worker. */
WorkerState *worker_state_new(const Context *c);
void worker_state_free(WorkerState *s);
/* The reply to one request; NULL when out of memory. */
json_object *worker_handle(WorkerState *s, json_object *request);
