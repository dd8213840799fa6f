/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "collect/collect.h"
#include "state/state.h"
#include "upload/upload.h"

/* What one report attempt leaves behind in the root parent: the state's
 * counters of the additional endpoints and the journal's entries (here),
 * the field-change notice (field-notice.h). It must not build, send or
 * write the report: collect/, upload/ and the worker do. */

/* One upload attempt as the journal keeps it (docs/design.md §7): MESSAGE_ID report sent
 * or failed, the session, seq, URL (shown_url, without credentials), HTTP
 * status, error and the exact payload; additional endpoints (docs/design.md §6) also
 * carry RAY_USAGE_STATS_ADDITIONAL=1, which `history` and `deletion-request`
 * read. */
void report_attempt_journal(const char *session_dir, const Collection *col, const char *seq, const char *shown_url,
                            const UploadResult *res, bool additional);

/* The additional endpoints of docs/design.md §6, around upload_report_all(): their
 * attempts are pending in the state before the upload (saved with Ray's
 * reservation), then counted and journalled, each on its own. urls are
 * upload_additional_urls()'s. */
int additional_endpoints_reserve(State *st, char **urls);
void additional_endpoints_finish(const char *session_dir, State *st, const Collection *col, const char *seq, char **urls,
                                 const UploadResult *results);
