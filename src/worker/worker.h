/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "collect/collect.h"
#include "decision/decision.h"

/* Privilege separation (docs/design.md §4.2). Everything that reads what the Ray user
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

/* What the worker acts on. */
typedef struct WorkerInput {
        CollectInput collect;     /* its session NULL: only the decision */
        const char *config_path;  /* the Ray user's config file */
} WorkerInput;

typedef struct WorkerState WorkerState;

typedef struct Worker {
        pid_t pid;           /* the child, or 0 when the handlers run in this process */
        int fd;              /* the parent's end of the channel, or -1 */
        int err_fd;          /* the child's stderr, read by the parent, or -1 */
        char err_line[1024]; /* what it wrote of its current line */
        size_t err_len;
        WorkerState *state;  /* the handlers' state, in this process */
} Worker;

#define WORKER_NULL ((Worker) { .fd = -1, .err_fd = -1 })

/* Starts the worker for in (copied; what it points to must outlive the
 * worker): a child dropped to in->collect.uid when this process is root and
 * that uid is not, else in-process. Each call below is one op of the table
 * in worker-serve.c; one made out of order (collect before open, a second
 * open) fails with -EPROTO. */
int worker_start(Worker *w, const WorkerInput *in);
/* Ends the channel and waits for the child to exit, at most a few seconds,
 * then kills it (SIGKILL) and reaps it; the child's failure is logged. */
void worker_stop(Worker *w);

/* docs/design.md §3.1 from the config file as the Ray user. 0 and *ret; -EINVAL and
 * *ret_invalid (a one-line message) for an invalid setting; another
 * negative errno (logged by whoever failed). */
int worker_decide(Worker *w, Decision *ret, char **ret_invalid);

/* Finds the dashboard, loads the token and asks the cluster whether it opted
 * out itself (docs/design.md §3.5). *ret_dashboard_url is for the journal. */
int worker_open(Worker *w, bool *ret_opted_out, char **ret_dashboard_url);

/* Collects and builds the report (after worker_open()); ret->report stays
 * NULL: the parent has the bytes only. */
int worker_collect(Worker *w, const Counters *counters, const char *fallback_session_id, Collection *ret);

/* Writes <session>/usage_stats.json for the last collection, as the Ray user. */
int worker_finish(Worker *w, bool success, const char *error);

/* session_record_library() as the Ray user. */
int worker_record_library(Worker *w, const char *name);
