/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Users from passwd: home directories, names, and the one-way drop to the
 * Ray user (docs/design.md §4.2). */

/* The home directory of uid: $HOME when trust_env is set, the real user is
 * uid and HOME is set and absolute; else the passwd entry's directory;
 * -ENOENT when none. Root's settings commands pass trust_env false: under
 * "sudo -E" $HOME is another user's. */
int user_home(uid_t uid, bool trust_env, char **ret);

/* "name" of uid from passwd, or "?" when it has none: for messages. */
const char *user_name(uid_t uid, char *buf, size_t size);

/* Becomes uid for good: the supplementary groups of its passwd entry
 * (initgroups(3)), then real, effective and saved gid and uid from passwd
 * (setresgid(), setresuid()), then checks that none of it can be undone.
 * -ENOENT when uid has no passwd entry; -EPERM when the switch is not
 * allowed (not root) or root could be regained. A failure leaves the
 * process in an unknown identity: the caller must exit. No-op when the
 * process already is uid in every id. */
int drop_privileges(uid_t uid);
