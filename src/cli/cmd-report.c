/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <syslog.h>

#include "attempt/field-notice.h"
#include "attempt/report-attempt.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "http/http.h"
#include "journal/journal.h"
#include "session/user.h"
#include "shared/fileio.h"
#include "shared/escape.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/time-util.h"
#include "state/state.h"
#include "upload/upload.h"

#define USAGE_STATS_FILE "usage_stats.json"

/* Has the worker write <session>/usage_stats.json, as the Ray user. */
static int save_usage_file(Context *c, bool success, const char *error) {
        int r;

        r = worker_finish(&c->worker, success, error);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s/%s: %m", c->session->path, USAGE_STATS_FILE);

        (void) printf_escaped("Wrote %s/%s", c->session->path, USAGE_STATS_FILE);
        return 0;
}

static void journal_failed_calls(const char *dashboard_url, char **failed_calls) {
        _cleanup_free_ char *joined = NULL;
        size_t size = 0;
        FILE *f;

        if (!failed_calls)
                return;

        f = open_memstream(&joined, &size);
        if (!f) {
                log_oom();
                return;
        }
        for (char **s = failed_calls; *s; s++)
                fprintf(f, "%s%s", s == failed_calls ? "" : "; ", *s);
        if (fclose(f) != 0)
                return;

        journal_event(LOG_WARNING, MESSAGE_ID_DASHBOARD_FAILED,
                      (JournalField[]) { { "DASHBOARD_URL", dashboard_url }, { "FAILED_CALLS", joined }, {} },
                      "Some Ray dashboard calls failed; their fields are null in this report: %s", joined);
}

static bool upload_enabled(void) {
        const char *e = getenv("RAY_USAGE_STATS_UPLOAD");

        return !e || !streq(e, "0");
}

/* Sends the report, keeps the counters exact and leaves the audit record.
 * The sequence number is reserved in the state before the POST, so that a
 * run killed at any point is accounted for by the next one. */
static int send_report(Context *c, const char *state_dir, const char *key, State *st, Collection *col) {
        _cleanup_free_ char *shown_url = NULL;
        _cleanup_strv_free_ char **extra = NULL;
        UploadResult *results;
        char seq[32];
        const char *url = upload_url();
        uint64_t seq_number;
        bool success;
        int r, q;

        free(st->session_id);
        st->session_id = strdup(col->session_id);
        if (!st->session_id)
                return log_oom();
        state_reserve_seq(st, &seq_number);
        snprintf(seq, sizeof seq, "%" PRIu64, seq_number);

        /* The additional endpoints (docs/design.md §6) were checked by context_verdict(). */
        if (upload_additional_urls(&extra, NULL) < 0 || additional_endpoints_reserve(st, extra) < 0)
                return log_oom();
        shown_url = http_url_redact(url);
        if (!shown_url)
                return log_oom();

        /* Nothing is sent unless the reservation is on disk; state_save() says what failed. */
        r = state_save(state_dir, key, st);
        if (r < 0)
                return r;

        field_notice_report(state_dir);

        /* Ray's endpoint (results[0]) and the additional ones, at the same time. */
        (void) upload_report_all(url, extra, col->body, strlen(col->body), &results);
        if (!results)
                return log_oom();
        success = results[0].r >= 0;
        r = state_finish_attempt(st, success, upload_url_is_rays(shown_url), results[0].error, now_ms());
        if (r < 0)
                log_oom();
        else {
                additional_endpoints_finish(c->session->path, st, col, seq, extra, results + 1);
                r = state_save(state_dir, key, st);
        }

        report_attempt_journal(c->session->path, col, seq, shown_url, &results[0], false);

        /* Unsaved counters are a local failure: the next run counts this attempt as failed. */
        q = save_usage_file(c, success, results[0].error);
        upload_results_free(results, 1 + strv_length(extra));
        return r < 0 ? r : q;
}

static int keep_locally(Context *c, Collection *col) {
        static const char error[] = "Local mode (RAY_USAGE_STATS_UPLOAD=0): the report was not sent";

        journal_event(LOG_INFO, MESSAGE_ID_REPORT_LOCAL,
                      (JournalField[]) {
                              { "SESSION_ID", col->session_id },
                              { "SUCCESS", "0" },
                              { "SESSION_DIR", c->session->path },
                              { "PAYLOAD", col->body },
                              {} },
                      "Usage stats report built and kept locally; nothing was sent (RAY_USAGE_STATS_UPLOAD=0).");

        return save_usage_file(c, false, error);
}

/* docs/design.md §4.2: the administrator's token is not for a head that another user started. */
static void journal_token_not_used(const Context *c) {
        const char *setting = !isempty(getenv("RAY_AUTH_TOKEN"))        ? "RAY_AUTH_TOKEN"
                              : !isempty(getenv("RAY_AUTH_TOKEN_PATH")) ? "RAY_AUTH_TOKEN_PATH"
                                                                        : NULL;
        char uid[32], name[64];

        if (c->worker_input.collect.use_env_token || !setting)
                return;
        snprintf(uid, sizeof uid, "%u", (unsigned) c->ray_uid);
        journal_event(LOG_NOTICE, MESSAGE_ID_TOKEN_NOT_USED,
                      (JournalField[]) {
                              { "SESSION_DIR", c->session->path },
                              { "RAY_UID", uid },
                              { "SETTING", setting },
                              {} },
                      "The configured token (%s) was not used for the Ray head session %s of uid %s (%s): it "
                      "goes only to heads of the user this runs as, or of root; this head gets its own user's "
                      "~/.ray/auth_token, if any.", setting, c->session->path, uid,
                      user_name(c->ray_uid, name, sizeof name));
}

/* One head's collection, after its verdict said collect. */
static int report_head(Context *c, bool preview) {
        _cleanup_(collection_done) Collection col = {};
        _cleanup_(state_done) State st = {};
        _cleanup_free_ char *state_dir = NULL, *key = NULL, *dashboard_url = NULL;
        _cleanup_close_ int lock_fd = -1;
        struct timespec born;
        bool fresh_id = false, opted_out;
        int r;

        journal_token_not_used(c);
        r = worker_open(&c->worker, &opted_out, &dashboard_url);
        if (r < 0)
                return r;

        if (opted_out) {
                journal_event(LOG_NOTICE, MESSAGE_ID_CLUSTER_OPTED_OUT,
                              (JournalField[]) { { "DASHBOARD_URL", dashboard_url }, { "SESSION_DIR", c->session->path }, {} },
                              "The Ray cluster itself has usage stats disabled (started with --disable-usage-stats "
                              "or RAY_USAGE_STATS_ENABLED=0); nothing collected, written or sent.");
                return preview ? EXIT_DISABLED : 0;
        }

        r = state_directory(&state_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the state directory: %m");
        if (state_key(c->session->uid, c->session->name, &key) < 0)
                return log_oom();
        if (!preview) {
                /* state_lock() and state_load() say what failed. */
                r = state_lock(state_dir, key, &lock_fd);
                if (r < 0)
                        return r;
                r = session_dir_born(c->session, &born);
                if (r >= 0)
                        r = state_migrate(state_dir, c->session->name, key, &born);
                if (r < 0)
                        log_warning_errno(r, "Failed to carry over the counters of %s from %s: %m",
                                          c->session->name, state_dir);
        }
        r = state_load(state_dir, key, &st);
        if (r < 0)
                return r;
        state_begin_attempt(&st);

        if (!st.fallback_session_id) {
                r = state_generate_session_id(&st.fallback_session_id);
                if (r < 0)
                        return log_error_errno(r, "Failed to generate a session id: %m");
                fresh_id = true;
        }

        r = worker_collect(&c->worker, &(Counters) {
                                  .seq_number = st.seq_number,
                                  .total_success = st.total_success,
                                  .total_failed = st.total_failed,
                          }, st.fallback_session_id, &col);
        if (r < 0)
                return r;
        if (preview) {
                /* JSON of printable ASCII, unchanged by escaping; but it came from the worker. */
                printf_escaped("%s", col.body);
                return 0;
        }

        journal_failed_calls(dashboard_url, col.failed_calls);

        if (upload_enabled())
                return send_report(c, state_dir, key, &st, &col);

        if (fresh_id) {
                /* Keep the session id stable across local-mode runs; the counters stay as they are. */
                r = state_save(state_dir, key, &st);
                if (r < 0)
                        log_warning_errno(r, "Failed to save the session id in %s: %m", state_dir);
        }
        return keep_locally(c, &col);
}

static int run(int argc, char *argv[], bool preview) {
        _cleanup_(head_scan_done) HeadScan heads = {};
        int r, status = EXIT_NO_SESSION;

        r = cli_parse(argc, argv,
                      preview ? "preview\n\n"
                                "Print the exact JSON that 'report' would send now, one line for each live Ray\n"
                                "head. Sends nothing, changes no counter and writes no file."
                              : "report\n\n"
                                "For each live Ray head: collect its usage figures, write\n"
                                "<session>/usage_stats.json, send the report and record the attempt in the journal.",
                      NULL, 0, NULL);
        if (r <= 0)
                return r;

        /* No live head, no connection of any kind (docs/design.md §4.1): the loop below then only
         * decides. */
        r = context_find_heads(argv[0], true, &heads);
        if (r < 0)
                return r;

        /* Each head on its own: its own decision, worker, state, file, journal entries and report. */
        for (size_t i = 0; i < context_runs(&heads); i++) {
                _cleanup_(context_done) Context c = CONTEXT_NULL;

                r = context_load(&c, i < heads.n_heads ? TAKE_PTR(heads.heads[i]) : NULL);
                if (r >= 0)
                        r = context_verdict(&c, argv[0], false);
                if (r == EXIT_COLLECT)
                        r = report_head(&c, preview);
                status = i == 0 ? r : exit_status_merge(status, r, true);
        }
        return status;
}

int cmd_report(int argc, char *argv[]) {
        return run(argc, argv, false);
}

int cmd_preview(int argc, char *argv[]) {
        return run(argc, argv, true);
}
