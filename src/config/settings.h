/* SPDX-License-Identifier: MIT */
#pragma once

#include "decision/decision.h"

/* The effective decision of docs/design.md §3.1 from the real inputs: used by every
 * command, so that the service and an interactive command agree.
 * RAY_USAGE_STATS_ENABLED and DO_NOT_TRACK come from the process
 * environment; one absent from it is taken from the machine-wide file
 * (sysconfig.h), which the unit loads but an interactive shell does not.
 * Returns 0; -EINVAL for an invalid setting, with *ret_error a one-line
 * message; another negative errno (logged) when the machine-wide file cannot
 * be read or memory runs out. */
int settings_decide(const char *config_path, Decision *ret, char **ret_error);
