/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/read-attempts.h"
#include "shared/alloc-util.h"
#include "shared/escape.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/time-parse.h"
#include "state/state.h"

#define DELETION_ADDRESS "usage_stats@ray.io"
#define DELETION_SUBJECT "Request to delete Ray usage stats data"

/* One session_id that reached Ray's endpoint. */
typedef struct SentSession {
        char *session_id;
        uint64_t first_usec, last_usec; /* 0: not known (the journal rotated away) */
        uint64_t reports;
        bool in_journal, in_state;
} SentSession;

typedef struct SentSessions {
        SentSession *s;
        size_t n, allocated;
} SentSessions;

static void sent_sessions_done(SentSessions *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->s[i].session_id);
        free(l->s);
        *l = (SentSessions) {};
}

static SentSession *sent_session_get(SentSessions *l, const char *id) {
        SentSession *s;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->s[i].session_id, id))
                        return &l->s[i];
        if (GREEDY_REALLOC(l->s, l->allocated, l->n + 1) < 0)
                return NULL;
        s = &l->s[l->n];
        *s = (SentSession) { .session_id = strdup(id) };
        if (!s->session_id)
                return NULL;
        l->n++;
        return s;
}

static void stretch(SentSession *s, uint64_t usec) {
        if (usec == 0)
                return;
        if (s->first_usec == 0 || usec < s->first_usec)
                s->first_usec = usec;
        if (usec > s->last_usec)
                s->last_usec = usec;
}

/* Successful sends to Ray's endpoint (the report URL), not to additional ones. */
static int add_journal(SentSessions *l, const ReportAttempt *a, size_t n) {
        for (size_t i = 0; i < n; i++) {
                SentSession *s;

                if (!a[i].trusted || a[i].result != ATTEMPT_SENT || a[i].additional || !a[i].session_id)
                        continue;
                s = sent_session_get(l, a[i].session_id);
                if (!s)
                        return -ENOMEM;
                s->in_journal = true;
                s->reports++;
                stretch(s, a[i].time_usec);
        }
        return 0;
}

/* The state outlives the journal: a session whose entries rotated away still
 * has its session_id and its count of successful reports there. */
static int add_state_dir(SentSessions *l, const char *dir) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = state_list_sessions(dir, &names);
        if (r == -EACCES)
                return 0; /* the service's directory, not ours to read: the journal still counts */
        if (r < 0)
                return log_error_errno(r, "Failed to list the state directory %s: %m", dir);
        for (char **name = names; name && *name; name++) {
                _cleanup_(state_done) State st = {};
                SentSession *s;

                if (state_load_readonly(dir, *name, &st) < 0 || st.total_success == 0 || !st.session_id)
                        continue;
                s = sent_session_get(l, st.session_id);
                if (!s)
                        return log_oom();
                s->in_state = true;
                if (st.total_success > s->reports)
                        s->reports = st.total_success;
                /* The state knows the last success, never the first. */
                if (st.last_success > 0 && (uint64_t) st.last_time_ms * 1000 > s->last_usec)
                        s->last_usec = (uint64_t) st.last_time_ms * 1000;
        }
        return 0;
}

static int compare_sessions(const void *a, const void *b) {
        const SentSession *x = a, *y = b;
        uint64_t tx = x->first_usec ?: x->last_usec, ty = y->first_usec ?: y->last_usec;

        if (tx != ty)
                return tx < ty ? -1 : 1;
        return strcmp(x->session_id, y->session_id);
}

static void format_usec(char *buf, size_t size, uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, size, "unknown");
}

static int mail_body(const SentSessions *l, char **ret) {
        _cleanup_free_ char *text = NULL;
        uint64_t total = 0;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                total += l->s[i].reports;
        fprintf(f,
                "Hello,\n\n"
                "Ray's usage stats policy says that you will honor requests to delete the data\n"
                "collected. Please delete all usage stats data of the following %zu Ray session%s\n"
                "(%" PRIu64 " report%s in all), identified by their session_id:\n\n",
                l->n, l->n == 1 ? "" : "s", total, total == 1 ? "" : "s");
        for (size_t i = 0; i < l->n; i++) {
                /* The body is printed as it is: what the state or the journal hold is escaped here. */
                _cleanup_free_ char *id = escape_str(l->s[i].session_id);
                char first[32], last[32];

                if (!id) {
                        fclose(f);
                        return -ENOMEM;
                }
                format_usec(first, sizeof first, l->s[i].first_usec);
                format_usec(last, sizeof last, l->s[i].last_usec);
                fprintf(f, "  %s  (%" PRIu64 " report%s, %s to %s)\n", id, l->s[i].reports,
                        l->s[i].reports == 1 ? "" : "s", first, last);
        }
        fprintf(f, "\nPlease confirm when the data has been deleted.\n\nThank you.\n");
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}

static int print_json(const SentSessions *l, const char *body) {
        _cleanup_json_ json_object *o = json_object_new_object(), *a = json_object_new_array();
        _cleanup_free_ char *text = NULL;

        if (!o || !a)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                const SentSession *s = &l->s[i];
                json_object *e = json_object_new_object();
                char first[32], last[32];

                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
                format_usec(first, sizeof first, s->first_usec);
                format_usec(last, sizeof last, s->last_usec);
                if (json_object_object_add(e, "session_id", json_object_new_string(s->session_id)) < 0 ||
                    json_object_object_add(e, "first_time_usec", s->first_usec ?
                                           json_object_new_int64((int64_t) s->first_usec) : NULL) < 0 ||
                    json_object_object_add(e, "last_time_usec", s->last_usec ?
                                           json_object_new_int64((int64_t) s->last_usec) : NULL) < 0 ||
                    json_object_object_add(e, "first_time", s->first_usec ? json_object_new_string(first) : NULL) < 0 ||
                    json_object_object_add(e, "last_time", s->last_usec ? json_object_new_string(last) : NULL) < 0 ||
                    json_object_object_add(e, "reports", json_object_new_int64((int64_t) s->reports)) < 0 ||
                    json_object_object_add(e, "in_journal", json_object_new_boolean(s->in_journal)) < 0 ||
                    json_object_object_add(e, "in_state", json_object_new_boolean(s->in_state)) < 0)
                        return -ENOMEM;
        }
        if (json_object_object_add(o, "sessions", json_object_get(a)) < 0 ||
            json_object_object_add(o, "to", json_object_new_string(DELETION_ADDRESS)) < 0 ||
            json_object_object_add(o, "subject", json_object_new_string(DELETION_SUBJECT)) < 0 ||
            json_object_object_add(o, "body", body ? json_object_new_string(body) : NULL) < 0)
                return -ENOMEM;
        if (json_dump_python(o, &text) < 0)
                return -ENOMEM;
        printf("%s\n", text);
        return 0;
}

static int add_state(SentSessions *l, const char *root) {
        _cleanup_free_ char *dir = NULL;
        int r;

        if (root) {
                if (asprintf(&dir, "%s" STATE_SYSTEM_DIR, root) < 0)
                        return log_oom();
                return add_state_dir(l, dir);
        }
        r = state_directory(&dir);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the state directory: %m");
        r = add_state_dir(l, dir);
        if (r < 0)
                return r;
        /* A user's own directory, and the service's, as `status` reads them. */
        if (!streq(dir, STATE_SYSTEM_DIR) && !getenv("RAY_USAGE_STATS_STATE_DIR") && !getenv("STATE_DIRECTORY"))
                return add_state_dir(l, STATE_SYSTEM_DIR);
        return 0;
}

int cmd_deletion_request(int argc, char *argv[]) {
        _cleanup_(sent_sessions_done) SentSessions l = {};
        _cleanup_free_ char *body = NULL;
        JournalSource src = {};
        ReportAttempt *a = NULL;
        bool json = false;
        size_t n = 0;
        int r;

        r = cli_parse(argc, argv,
                      "deletion-request [--json] " JOURNAL_SOURCE_USAGE "\n\n"
                      "List every session_id that reached Ray's endpoint (from the journal and, for this\n"
                      "machine or --root, the state directory), with the first and last time and the number of\n"
                      "reports, then the text of a deletion request to " DELETION_ADDRESS " that names them.\n"
                      "Sends nothing and opens no connection.\n\n"
                      "  --json           print one JSON object: sessions, to, subject, body\n"
                      JOURNAL_SOURCE_HELP,
                      (CliFlag[]) {
                              { "json", &json },
                              JOURNAL_SOURCE_FLAGS(src),
                              {} },
                      0, NULL);
        if (r <= 0)
                return r;

        r = cli_read_attempts(&src, &(AttemptFilter) {}, &a, &n);
        if (r != 0)
                return r;
        r = add_journal(&l, a, n);
        report_attempts_free(a, n);
        if (r < 0)
                return log_oom();
        /* A machine's state belongs with that machine's journal, not with collected or copied files. */
        if (!src.directory && !src.file) {
                r = add_state(&l, src.root);
                if (r < 0)
                        return r;
        }

        if (l.n > 0) {
                qsort(l.s, l.n, sizeof *l.s, compare_sessions);
                if (mail_body(&l, &body) < 0)
                        return log_oom();
        }

        if (json)
                return print_json(&l, body) < 0 ? log_oom() : 0;

        if (l.n == 0) {
                printf("No report reached Ray's endpoint: there is nothing to delete.\n");
                return 0;
        }
        printf("%-56s %-23s %-23s %7s\n", "SESSION_ID", "FIRST SENT", "LAST SENT", "REPORTS");
        for (size_t i = 0; i < l.n; i++) {
                char first[32], last[32];

                format_usec(first, sizeof first, l.s[i].first_usec);
                format_usec(last, sizeof last, l.s[i].last_usec);
                printf_escaped("%-56s %-23s %-23s %7" PRIu64, l.s[i].session_id, first, last, l.s[i].reports);
        }
        printf("\nTo send the request, mail the text below to %s (nothing has been sent):\n\n"
               "To: %s\nSubject: %s\n\n%s", DELETION_ADDRESS, DELETION_ADDRESS, DELETION_SUBJECT, body);
        return cli_flush();
}
