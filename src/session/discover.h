/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "session/session.h"

/* Live Ray heads (docs/design.md §4.1), found from processes rather than from
 * session_latest, which any local user can re-point. Ray starts the GCS only
 * on a head, as "gcs_server --log_dir=<dir>/logs ... --session-name=<name>";
 * the session directory <dir> must be a real directory owned by the GCS's
 * real uid, which only that user can arrange. That uid is the Ray user. */

/* A GCS that names a directory of another owner: ignored, and journaled by the
 * caller. */
typedef struct ForeignHead {
        pid_t pid;
        uid_t uid;      /* the GCS's real uid */
        uid_t dir_uid;  /* the owner of the directory it names */
        char *path;
} ForeignHead;

typedef struct HeadScan {
        Session **heads;       /* the newest session first */
        size_t n_heads, n_heads_allocated;
        ForeignHead *foreign;
        size_t n_foreign, n_foreign_allocated;
        size_t n_set_aside;    /* heads a caller left to their per-user unit */
} HeadScan;

/* Pure: from a GCS's command line (arguments separated by NUL, as
 * /proc/PID/cmdline), the session directory of "--log_dir=<dir>/logs" and the
 * name of "--session-name=<name>": <dir> absolute, its last component <name>,
 * <name> with Ray's naming (session_start_time_ms()), no control character
 * anywhere. Each argument given once.
 * -EINVAL for anything else. */
int gcs_cmdline_session(const char *cmdline, size_t size, char **ret_dir, char **ret_name);

/* One pass over the pid directories of the proc file system at proc_fd
 * (/proc, or a fake tree in tests): comm first, the command line (64 KiB at
 * most) and status only of gcs_server processes. A GCS in a nested PID
 * namespace (more than one pid on its NSpid: line) is a container's and is
 * skipped. Processes that vanish or cannot be read are skipped. GCS
 * processes of one user naming sessions of the same name are one head (the
 * state is kept per Ray user and session name). Fails
 * only when proc_fd cannot be listed or memory runs out. */
int heads_discover(int proc_fd, HeadScan *ret);
void head_scan_done(HeadScan *s);
