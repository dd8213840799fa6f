/* SPDX-License-Identifier: MIT */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

typedef enum ReadFlags {
        /* Refuse a symbolic link as the last component (O_NOFOLLOW): -ELOOP. */
        READ_NOFOLLOW = 1 << 0,
        /* Refuse anything but a regular file: -EISDIR for a directory, -EBADFD otherwise. */
        READ_REGULAR = 1 << 1,
        /* Refuse a file not owned by the given uid: -EPERM. */
        READ_CHECK_OWNER = 1 << 2,
} ReadFlags;

/* Reads a whole file relative to dirfd (AT_FDCWD for a plain path) into a
 * NUL-terminated buffer. More than max_size bytes gives -EFBIG. Opens with
 * O_NONBLOCK so that a planted FIFO cannot hang the reader. */
int read_file_at(int dirfd, const char *path, size_t max_size, ReadFlags flags, uid_t owner,
                 char **ret, size_t *ret_size);

typedef enum WriteFlags {
        /* fd is a socket: send(MSG_NOSIGNAL), so that a peer that went away
         * is -EPIPE instead of a SIGPIPE that kills the program. */
        WRITE_NOSIGNAL = 1 << 0,
} WriteFlags;

/* Writes all size bytes to fd, resuming after short writes and EINTR.
 * Returns 0 or a negative errno. */
int loop_write(int fd, const void *data, size_t size, WriteFlags flags);

/* Replaces dirfd/name atomically: writes a new temporary file created with
 * O_CREAT|O_EXCL|O_NOFOLLOW next to it (never an existing name, never
 * through a link), fsyncs it, sets mode, renames it over name and fsyncs the
 * directory. On failure the old file is untouched and no temporary remains. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode);

/* A directory stream of its own on dirfd's directory (dirfd stays open and
 * unmoved); closedir() it. */
int opendir_at(int dirfd, DIR **ret);

/* Removes the temporaries write_file_atomic_at() leaves for name in dirfd
 * when a writer is killed between creating and renaming one (".<name>.<16 hex
 * digits>.tmp"; links are removed, never followed). Only for a caller that
 * holds whatever lock serialises the writers of name: any such file is then
 * stale. Returns how many were removed. */
int remove_stale_temporaries_at(int dirfd, const char *name);

/* Same, for a path: opens the parent directory first. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* Creates every missing parent directory of path with mode. */
int mkdir_parents(const char *path, mode_t mode);
