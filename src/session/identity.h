/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Acting as the Ray user (SPEC 4.2). When started as root, the service reads
 * the Ray user's files and writes into the session with that user's
 * identity, through a temporary switch of the effective IDs: the real and
 * saved user ID stay 0 so that identity_restore() can return to root for the
 * service's own state directory. The process needs CAP_SETUID and CAP_SETGID
 * for that. Single-threaded use only (glibc applies the change to every
 * thread, but a half-switched process is nothing to share). */

typedef struct Identity {
        uid_t euid;
        gid_t egid;
        bool switched;
        int n_groups;
        gid_t *groups;
} Identity;

/* Makes uid/gid the effective IDs, with uid's supplementary groups (as
 * initgroups(3); just gid when uid has no passwd entry). No-op (switched =
 * false) when already running as uid. -EPERM when not root and uid differs:
 * the caller says "run as root or as the Ray user". On failure nothing has
 * changed. */
int identity_switch(uid_t uid, gid_t gid, Identity *saved);

/* Returns to the IDs and groups saved by identity_switch() and frees them. A
 * failure here leaves the process in an unknown identity: callers must stop. */
int identity_restore(Identity *saved);
