/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Replaces a settings file atomically (shared/fileio.h). When path is a
 * symbolic link to an existing file, that file is replaced, so that a config
 * kept elsewhere and linked into place stays linked; the existing file's mode
 * is kept, else new_mode is used. Missing parent directories are created. */
int replace_file(const char *path, const void *data, size_t size, mode_t new_mode);
