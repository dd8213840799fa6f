/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Replaces a settings file atomically (shared/fileio.h), keeping the existing
 * file's mode (new_mode for a new file). Missing parent directories are
 * created. The file itself is never followed as a link and is replaced only
 * when the invoking (real) user owns it: settings commands run as root, and a
 * path chosen from another user's environment must not become a lever on
 * root's files. Run as root, the whole path is walked from "/" without
 * following any link, and every directory on it must be root's and writable
 * by nobody else (or sticky, as /tmp). -ELOOP a link anywhere (as root),
 * -EPERM another owner, -ENOLINK a directory others may write, -EINVAL a
 * relative path or ".." (as root), -EISDIR a directory. */
int replace_file(const char *path, const void *data, size_t size, mode_t new_mode);

/* The same checks without writing: 0 when replace_file() may replace path
 * (or create it), else the error replace_file() would return. */
int replace_file_check(const char *path);
