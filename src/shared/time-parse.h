/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "shared/time-util.h"

/* A documented subset of systemd.time(7)'s timestamp syntax, since libsystemd
 * exports no parser: "now", "today", "yesterday", "tomorrow" (local
 * midnight), "YYYY-MM-DD", "YYYY-MM-DD HH:MM" and "YYYY-MM-DD HH:MM:SS" (local
 * time; "T" may separate date and time), and one relative span "-N<unit>",
 * "+N<unit>" or "N<unit> ago" with unit s, sec, m, min, h, d or w (also
 * their long forms seconds, minutes, hours, days, weeks).
 * now_usec is "now" in µs since the epoch. Returns 0 and *ret_usec, or
 * -EINVAL for anything else. */
int parse_timestamp_spec(const char *s, uint64_t now_usec, uint64_t *ret_usec);
