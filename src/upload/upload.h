/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* POSTing the report (SPEC 6). */

#define UPLOAD_DEFAULT_URL "https://usage-stats.ray.io/"
#define UPLOAD_TIMEOUT_MS 10000L

/* $RAY_USAGE_STATS_REPORT_URL when set and not empty, else UPLOAD_DEFAULT_URL. */
const char *upload_url(void);

/* One POST of body (Content-Type: application/json, User-Agent:
 * ray-usage-stats/<version>) to url, within UPLOAD_TIMEOUT_MS, with TLS
 * verified (against $RAY_USAGE_STATS_CA_BUNDLE when set) and the usual proxy
 * variables honoured. No retries: the next run is the retry.
 * Returns 0 on an HTTP 2xx. Otherwise a negative errno (-EREMOTEIO for an
 * HTTP error status, the transport's errno else) and *ret_error (may be
 * NULL) a one-line message such as "HTTP 500 from https://...". *ret_status
 * (may be NULL) is the HTTP status, 0 when none arrived. URLs in messages
 * have any user:password removed. */
int upload_report(const char *url, const char *body, size_t size, long *ret_status, char **ret_error);
