/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The per-user units (docs/design.md §8). ray-usage-stats@USER.timer runs the same job
 * as USER, with no privilege; when it is enabled, the generic unit (started
 * as root, switching to whoever owns the session) must leave USER's sessions
 * to it, or one session would be reported twice an hour. Enablement is what
 * "systemctl enable [--runtime]" leaves on disk: a link in timers.target.wants
 * of the configuration directories, which the generic unit's sandbox can read
 * (no D-Bus, no systemctl). */

/* The timer of user's per-user unit, "ray-usage-stats@<user>.timer", with the
 * characters a unit name cannot hold escaped as \xNN; escape_dash also
 * escapes "-" as systemd-escape(1) does (both spellings name the same user).
 * -EINVAL for an empty user or a name too long for a unit. */
int instance_timer_name(const char *user, bool escape_dash, char **ret);

/* Whether user's per-user timer is enabled, looking at the directories below
 * root ("" for this machine): 1 with *ret_timer set to the timer's name, 0 when
 * it is not (also when masked), or a negative errno. */
int instance_enabled_at(const char *root, const char *user, char **ret_timer);

/* The same for the owner of a session, by uid: 0 when uid has no passwd entry.
 * ret_user (may be NULL) gets the user's name. */
int instance_enabled_for_uid(uid_t uid, char **ret_user, char **ret_timer);
