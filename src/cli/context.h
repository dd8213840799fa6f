/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

#include "decision/decision.h"
#include "session/discover.h"
#include "session/session.h"
#include "worker/worker.h"

/* What every command that looks at a Ray head needs first: the head's session
 * (docs/design.md §4.1), the Ray user it belongs to, that user's config file,
 * the worker that acts as that user (worker/worker.h), and the decision of
 * docs/design.md §3.1 with that user's settings. Every live head is its own session: a command
 * loads one Context per head, one after the other. Loading makes no network
 * connection. */
typedef struct Context {
        Session *session;          /* NULL when there is no live head: the invoking user's decision */
        uid_t ray_uid;             /* the session's owner, else the invoking user */
        char *home;                /* the Ray user's home directory, or NULL */
        char *config_path;
        WorkerInput worker_input;  /* points into the above */
        Worker worker;
        Decision decision;
        char *invalid_setting;     /* set when a setting is invalid: the decision is void */
        char *decision_source;     /* what decided and the file it is in (cli/unit-settings.h), or NULL */
} Context;

/* The live heads this run may act on, newest first: every one when the
 * program runs as root, else the invoking user's own (nothing is read as
 * another user without root). Each GCS that names a directory of another
 * owner is journaled under command (only logged when command is NULL: status
 * writes nothing). With leave_to_instances, a root run leaves the heads of a
 * user whose per-user unit is enabled to that unit (docs/design.md §8), and
 * journals that. Fails only for a local failure (logged). */
int context_find_heads(const char *command, bool leave_to_instances, HeadScan *ret);

/* How many contexts a command loads for heads: one per head, or one without
 * a head when there is none; none when every live head was left to its
 * per-user unit (the journal has said so: there is a live head, not ours). */
static inline size_t context_runs(const HeadScan *heads) {
        return heads->n_heads > 0 ? heads->n_heads : heads->n_set_aside > 0 ? 0 : 1;
}

/* An unloaded Context: context_done() on it closes nothing (not fd 0). */
#define CONTEXT_NULL ((Context) { .worker = WORKER_NULL })

/* Fills *c for session (taken, even on failure; NULL: no live head, the
 * invoking user's settings). Returns 0, or a negative errno for local failures
 * (out of memory, no worker); an invalid setting is not a failure but recorded
 * in *c. */
int context_load(Context *c, Session *session);
void context_done(Context *c);

/* Journals the outcome of the decision for the head (or for "no live head")
 * and returns the exit status of docs/design.md §2 for it:
 * EXIT_INVALID_SETTING, EXIT_DISABLED, EXIT_NO_SESSION (no head), or
 * EXIT_COLLECT. Without journal_enabled, a decision that lets the run go on
 * is not journalled: the unit's `report` follows its `check`
 * (ExecCondition=), which has journalled it, and a run keeps one decision
 * entry per head. */
int context_verdict(const Context *c, const char *command, bool journal_enabled);

/* One run's exit status from its heads' (docs/design.md §2, §4.1), each an
 * exit status or a negative errno (a local failure, returned as it is): for
 * check, one head to be collected is enough (then a local failure, an invalid
 * setting, disabled, no head); for report, a local failure comes first, so
 * that it is seen. */
int exit_status_merge(int a, int b, bool failure_first);
