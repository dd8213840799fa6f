/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* POSTing the report's bytes (docs/design.md §6) to Ray's endpoint and the additional
 * ones. It must not change the bytes, count or journal the attempt: the
 * caller does (attempt/, state/). */

#define UPLOAD_DEFAULT_URL "https://usage-stats.ray.io/"
#define UPLOAD_TIMEOUT_MS 10000L
#define UPLOAD_ADDITIONAL_MAX 8

/* Whether url (as the journal records it: without credentials) is Ray's own
 * endpoint, the default, rather than a private one. */
bool upload_url_is_rays(const char *url);

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
 * have any user:password removed. The CA bundle applies to every URL but
 * UPLOAD_DEFAULT_URL, which is always checked against the system's store. */
int upload_report(const char *url, const char *body, size_t size, long *ret_status, char **ret_error);

/* $RAY_USAGE_STATS_ADDITIONAL_URLS (docs/design.md §6) split at white space; *ret NULL
 * when unset or blank. -EINVAL for more than UPLOAD_ADDITIONAL_MAX URLs or
 * one that http_url_is_valid() refuses, with *ret_error (may be NULL) a
 * one-line message that names the setting but not the URL (it may hold a
 * password). */
int upload_additional_urls(char ***ret, char **ret_error);

typedef struct UploadResult {
        int r;          /* upload_report()'s return value */
        long status;    /* its *ret_status */
        char *error;    /* its *ret_error */
} UploadResult;

/* Frees the n results and the array. */
void upload_results_free(UploadResult *r, size_t n);

/* upload_report() of the same bytes to Ray's endpoint url and to each of
 * extra (NULL-terminated, may be NULL) at the same time, all within
 * UPLOAD_TIMEOUT_MS: *ret_results (free with upload_results_free()) has
 * 1 + strv_length(extra) results, url's first. Returns 0, or -ENOMEM
 * (*ret_results NULL, or one of them -ENOMEM when it could not be described). */
int upload_report_all(const char *url, char *const *extra, const char *body, size_t size,
                      UploadResult **ret_results);
