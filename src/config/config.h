/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "decision/decision.h"

/* The user's ~/.ray/config.json (docs/design.md §3.2), shared with Ray itself: Ray's
 * "ray enable-usage-stats"/"ray disable-usage-stats" write the same file. */

/* Large enough that any config a person keeps is read whole (Ray reads any size). */
#define CONFIG_MAX_SIZE (16U * 1024U * 1024U)

/* $RAY_USAGE_STATS_CONFIG_PATH when set and not empty, else <home>/.ray/config.json.
 * -ENOENT when neither is available (no home directory). */
int config_path(const char *home, char **ret);

/* Reads "usage_stats". A missing, empty, unreadable, oversized or non-JSON
 * file, one whose top level is not an object, a directory, a dangling link or
 * a link loop: CONFIG_SETTING_UNSET, noted at debug level. An invalid value:
 * CONFIG_SETTING_INVALID and, when ret_value is not NULL, its JSON text in
 * *ret_value (else *ret_value = NULL). Fails only with -ENOMEM. */
int config_read(const char *path, ConfigSetting *ret, char **ret_value);

/* Sets "usage_stats" to enabled, keeping the other keys; a missing file, or
 * one that is not a JSON object, starts from {} (as Ray). Creates the parent
 * directories and replaces the file atomically, keeping its mode (0644 for a
 * new file). A new file is exactly {"usage_stats": true} (or false), as
 * Ray's json.dump writes it. Returns a negative errno on failure; an existing
 * file that cannot be read is not overwritten (its other keys would be lost).
 * A link at path is never followed (-ELOOP) and a file the invoking user does
 * not own is never replaced (-EPERM), see replace-file.h. Run as root, an
 * existing file that is not a JSON object is refused (-EBADMSG), not
 * replaced, and so is every path replace-file.h refuses to root. */
int config_write(const char *path, bool enabled);
