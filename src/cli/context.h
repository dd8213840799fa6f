/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

#include "decision/decision.h"
#include "session/session.h"
#include "worker/worker.h"

/* What every command that looks at the machine needs first: the Ray session
 * (if any), the Ray user it belongs to, that user's config file, the worker
 * that acts as that user (worker/worker.h), and the decision of docs/design.md §3.1.
 * Loading it makes no network connection. */
typedef struct Context {
        char *temp_dir;
        Session *session;          /* NULL when there is no (safe) Ray head session */
        char *no_session_reason;   /* why a session that exists is not used, or NULL */
        uid_t ray_uid;             /* the session's owner, else the invoking user */
        char *home;                /* the Ray user's home directory, or NULL */
        char *config_path;
        WorkerInput worker_input;  /* points into the above */
        Worker worker;
        Decision decision;
        char *invalid_setting;     /* set when a setting is invalid: the decision is void */
        char *decision_source;     /* what decided and the file it is in (cli/unit-settings.h), or NULL */
} Context;

/* An unloaded Context: context_done() on it closes nothing (not fd 0). */
#define CONTEXT_NULL ((Context) { .worker = WORKER_NULL })

/* Fills *c. Returns 0, or a negative errno for local failures (out of memory,
 * unresolvable temp directory, no worker); a missing session or an invalid
 * setting is not a failure but recorded in *c. */
int context_load(Context *c);
void context_done(Context *c);

/* Journals the outcome of the decision (and of the session lookup when
 * collection is enabled) and returns the exit status of docs/design.md §2 for it:
 * EXIT_INVALID_SETTING, EXIT_DISABLED, EXIT_NO_SESSION, or EXIT_COLLECT.
 * Without journal_enabled, a decision that lets the run go on is not
 * journalled: the unit's `report` follows its `check` (ExecCondition=), which
 * has journalled it, and a run keeps one decision entry. */
int context_verdict(const Context *c, const char *command, bool journal_enabled);
