/* SPDX-License-Identifier: MIT */
#include <syslog.h>

#include "attempt/report-attempt.h"
#include "http/http.h"
#include "journal/journal.h"
#include "shared/log.h"
#include "shared/time-util.h"

void report_attempt_journal(const char *session_dir, const Collection *col, const char *seq, const char *shown_url,
                            const UploadResult *res, bool additional) {
        bool success = res->r >= 0;
        char status[32];

        snprintf(status, sizeof status, "%ld", res->status);
        journal_event(success ? LOG_INFO : LOG_WARNING,
                      success ? MESSAGE_ID_REPORT_SENT : MESSAGE_ID_REPORT_FAILED,
                      (JournalField[]) {
                              { "SESSION_ID", col->session_id },
                              { "SEQ", seq },
                              { "URL", shown_url },
                              { "ADDITIONAL", additional ? "1" : NULL },
                              { "HTTP_STATUS", res->status > 0 ? status : NULL },
                              { "SUCCESS", success ? "1" : "0" },
                              { "ERROR", res->error },
                              { "SESSION_DIR", session_dir },
                              { "PAYLOAD", col->body },
                              {} },
                      success ? "Usage stats report %s sent to %s%s (HTTP %s)."
                              : "Usage stats report %s to %s%s failed: %s",
                      seq, additional ? "additional endpoint " : "", shown_url,
                      success ? status : res->error ?: "unknown error");
}

/* The key of an endpoint in the state and `status`, which others may read. */
static char *shown(const char *url) {
        char *s = http_url_redact(url);

        if (!s)
                log_oom();
        return s;
}

int additional_endpoints_reserve(State *st, char **urls) {
        for (char **u = urls; u && *u; u++) {
                _cleanup_free_ char *s = shown(*u);
                int r;

                if (!s)
                        return -ENOMEM;
                r = state_endpoint_reserve(st, s);
                if (r == -E2BIG)
                        log_warning("This session has sent to %d endpoints already; %s is not counted.",
                                    STATE_ENDPOINTS_MAX, s);
                else if (r < 0)
                        return log_oom();
        }
        return 0;
}

void additional_endpoints_finish(const char *session_dir, State *st, const Collection *col, const char *seq, char **urls,
                                 const UploadResult *results) {
        for (size_t i = 0; urls && urls[i]; i++) {
                _cleanup_free_ char *s = shown(urls[i]);

                if (!s)
                        return;
                /* -ENOENT: not reserved (over STATE_ENDPOINTS_MAX); still journalled. */
                if (state_endpoint_finish(st, s, results[i].r >= 0, results[i].error, now_ms()) == -ENOMEM)
                        log_oom();
                report_attempt_journal(session_dir, col, seq, s, &results[i], true);
        }
}
