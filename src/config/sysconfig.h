/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* The machine-wide environment file the unit reads with EnvironmentFile=
 * (docs/design.md §3.3): /etc/default/ray-usage-stats on Debian, /etc/sysconfig/... on
 * RPM systems. */

/* Large enough for any hand-written environment file. */
#define SYSCONFIG_MAX_SIZE (1024U * 1024U)

/* $RAY_USAGE_STATS_SYSTEM_CONFIG when set and not empty, else SYSTEM_CONFIG_PATH. */
const char *sysconfig_path(void);

/* The value of name in the file, parsed as systemd's EnvironmentFile= does
 * (comments, blank lines, single and double quotes, backslash escapes and
 * continuation lines; the last assignment wins), and additionally with an
 * "export " prefix understood. 0 and *ret = NULL when the file is missing or
 * does not assign name; a negative errno when it cannot be read. */
int sysconfig_get(const char *path, const char *name, char **ret);

/* Every assignment of the file exactly as systemd's EnvironmentFile= reads it
 * (an "export NAME=" line is dropped, as there), "NAME=value" in file order
 * (the last of a name wins). -ENOENT when the file is missing, another
 * negative errno when it cannot be read. */
int sysconfig_read_all(const char *path, char ***ret);

/* opt_out: makes the file set RAY_USAGE_STATS_ENABLED=0, replacing every
 * assignment of that variable (an administrator's =1 included).
 * !opt_out: removes only the assignments that set it to 0, never another
 * value, so an administrator's own =1 stays. Other lines and comments are
 * kept; a missing file is created with mode 0644 (and only when something is
 * to be written); the file is replaced atomically keeping its mode.
 * Returns 1 when the file changed, 0 when it already said so, or a negative
 * errno: -EBADMSG when the edited file would not read back as intended (it
 * ends inside quotes or after a backslash), and is left as it was. An opt-out
 * line is appended before a NUL byte, where the unit stops reading. */
int sysconfig_set_opt_out(const char *path, bool opt_out);
