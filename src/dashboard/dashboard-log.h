/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "session/session.h"

/* Pure: the last line of text containing "Dashboard head http address: " gives
 * "http://<host>:<port>" when host is loopback (127.0.0.0/8, ::1, localhost;
 * 0.0.0.0, :: and this host's own addresses become 127.0.0.1 and [::1]) and
 * port is 1-65535. Anything
 * else, or no such line, gives 0 and *ret = NULL (reason at debug level). */
int dashboard_url_from_log(const char *text, size_t size, char **ret);

/* Applies dashboard_url_from_log() to <session>/logs/dashboard.log, streamed,
 * so a large log costs no memory. A missing, linked, foreign-owned or
 * unreadable log gives 0 and *ret = NULL (noted in the log). Call as the Ray
 * user. */
int session_dashboard_url(Session *s, char **ret);
