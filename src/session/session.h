/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "shared/macro.h"

/* The Ray head's session and reading its files. It makes sense of none of
 * them (dashboard/ reads the dashboard's log, collect/ the rest), and never
 * writes but for a library marker, as the Ray user. session/discover.h finds
 * the live ones (docs/design.md §4.1). Ray creates the session directory and
 * logs/ with mode 0777, so every lookup below is relative to the directory's
 * fd, never follows a link, and checks file type and owner on the opened fd. */

typedef struct Session {
        char *name;     /* "session_2025-11-26_12-00-00_123456_4242" */
        char *path;     /* the session directory, as its GCS names it */
        int fd;         /* O_DIRECTORY|O_NOFOLLOW fd of the session directory */
        uid_t uid;      /* its owner and its GCS's real uid: the Ray user */
        gid_t gid;
        pid_t pid;      /* its GCS process */
} Session;

Session *session_free(Session *s);

/* When s's directory came to be: its birth time where the file system keeps
 * one, else its last status change, which is never earlier and which nobody
 * can set back. */
int session_dir_born(const Session *s, struct timespec *ret);
DEFINE_TRIVIAL_CLEANUP_FUNC(Session *, session_free);
#define _cleanup_session_ _cleanup_(session_freep)

/* session_%Y-%m-%d_%H-%M-%S_%f_<pid> (Ray's naming, local time) to ms since
 * the epoch; -EINVAL for anything else. Pure apart from the time zone. */
int session_start_time_ms(const char *name, int64_t *ret);

/* Reads relpath ("logs/dashboard.log": no "..", ".", empty or absolute
 * components) below the session directory: every directory on the way must be
 * a real directory owned by s->uid and the file a regular file owned by
 * s->uid, none of them a link. -EINVAL bad relpath, -ENOENT missing, -ELOOP a
 * link, -EPERM another owner, -EISDIR/-ENOTDIR/-EBADFD wrong type, -EFBIG
 * larger than max_size. The buffer is NUL-terminated. Call as the Ray user. */
int session_read_file(Session *s, const char *relpath, size_t max_size, char **ret, size_t *ret_size);

/* Opens relpath below the session directory, checked as session_read_file()
 * checks it, for a caller that streams the file. Returns the fd or the same
 * negative errnos. Call as the Ray user. */
int session_open_file(Session *s, const char *relpath);

/* [A-Za-z0-9._-], 1-64 characters, not "." or "..". */
bool library_name_is_valid(const char *name);

/* Library names from the markers "_ray_lib_usage-<name>.txt" directly in the
 * session directory (Ray's file-based recorder) that are regular files owned by
 * s->uid with a valid name. Sorted by byte order, no duplicates; *ret = NULL
 * when there are none. */
int session_library_usages(Session *s, char ***ret);

/* Creates the marker for name like Ray's recorder (an empty file), mode 0644.
 * Idempotent. Must run as the Ray user (-EPERM otherwise, since a marker of
 * another owner would be ignored); a planted entry of that name is replaced,
 * never followed. -EINVAL for an invalid name. */
int session_record_library(Session *s, const char *name);
