/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/read-attempts.h"
#include "http/http.h"
#include "shared/alloc-util.h"
#include "shared/escape.h"
#include "shared/fileio.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/table.h"
#include "shared/time-parse.h"
#include "state/state.h"
#include "upload/upload.h"

#define DELETION_ADDRESS "usage_stats@ray.io"
#define DELETION_SUBJECT "Request to delete Ray usage stats data"

/* One session_id that reached an endpoint: Ray's own (endpoint NULL), or
 * another one, which Ray never saw. */
typedef struct SentSession {
        char *session_id;
        char *endpoint;                 /* another endpoint, without credentials; NULL: Ray's */
        bool endpoint_unknown;          /* another endpoint that the state does not name */
        uint64_t first_usec, last_usec; /* 0: not known (the journal rotated away) */
        uint64_t reports;
        bool in_journal, in_state;
} SentSession;

typedef struct SentSessions {
        SentSession *s;
        size_t n, allocated;
} SentSessions;

static void sent_sessions_done(SentSessions *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->s[i].session_id);
                free(l->s[i].endpoint);
        }
        free(l->s);
        *l = (SentSessions) {};
}

static SentSession *sent_session_get(SentSessions *l, const char *id, const char *endpoint) {
        SentSession *s;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->s[i].session_id, id) && streq_ptr(l->s[i].endpoint, endpoint))
                        return &l->s[i];
        if (GREEDY_REALLOC(l->s, l->allocated, l->n + 1) < 0)
                return NULL;
        s = &l->s[l->n];
        *s = (SentSession) { .session_id = strdup(id), .endpoint = endpoint ? strdup(endpoint) : NULL };
        if (!s->session_id || (endpoint && !s->endpoint)) {
                free(s->session_id);
                free(s->endpoint);
                return NULL;
        }
        l->n++;
        return s;
}

static bool has_session(const SentSessions *l, const char *id) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->s[i].session_id, id))
                        return true;
        return false;
}

/* What reached Ray, and what went only to endpoints whose operators hold it. */
typedef struct Sent {
        SentSessions ray, other;
} Sent;

static void sent_done(Sent *s) {
        sent_sessions_done(&s->ray);
        sent_sessions_done(&s->other);
}

static void stretch(SentSession *s, uint64_t usec) {
        if (usec == 0)
                return;
        if (s->first_usec == 0 || usec < s->first_usec)
                s->first_usec = usec;
        if (usec > s->last_usec)
                s->last_usec = usec;
}

/* Successful sends: to Ray's own endpoint (the default URL, as the journal
 * records it), or to any other, a private report URL or an additional one. */
static int add_journal(Sent *sent, const ReportAttempt *a, size_t n) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *other = NULL;
                SentSession *s;

                if (!a[i].trusted || a[i].result != ATTEMPT_SENT || !a[i].session_id)
                        continue;
                if (a[i].additional || !upload_url_is_rays(a[i].url)) {
                        /* Another machine's journal is not trusted to have left credentials out. */
                        other = a[i].url ? http_url_redact(a[i].url) : strdup("-");
                        if (!other)
                                return -ENOMEM;
                }
                s = sent_session_get(other ? &sent->other : &sent->ray, a[i].session_id, other);
                if (!s)
                        return -ENOMEM;
                s->in_journal = true;
                s->reports++;
                stretch(s, a[i].time_usec);
        }
        return 0;
}

static int add_state_counts(SentSessions *l, const char *id, const char *endpoint, uint64_t reports,
                            uint64_t last_usec) {
        SentSession *s = sent_session_get(l, id, endpoint);

        if (!s)
                return -ENOMEM;
        s->in_state = true;
        if (reports > s->reports)
                s->reports = reports;
        /* The state knows the last success, never the first. */
        if (last_usec > s->last_usec)
                s->last_usec = last_usec;
        return 0;
}

/* The state outlives the journal: a session whose entries rotated away still
 * has its session_id and its counts of successful reports there: those that
 * reached Ray, the others to the report URL of the time (which the state does
 * not name), and each additional endpoint's. */
static int add_state_dir(Sent *sent, const char *dir) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = state_list_sessions(dir, &names);
        if (r == -EACCES)
                return 0; /* the service's directory, not ours to read: the journal still counts */
        if (r < 0)
                return log_error_errno(r, "Failed to list the state directory %s: %m", dir);
        for (char **name = names; name && *name; name++) {
                _cleanup_(state_done) State st = {};
                uint64_t last;

                if (state_load_readonly(dir, *name, &st) < 0 || !st.session_id)
                        continue;
                last = st.last_success > 0 ? (uint64_t) st.last_time_ms * 1000 : 0;
                r = 0;
                if (st.ray_success > 0)
                        r = add_state_counts(&sent->ray, st.session_id, NULL, st.ray_success, last);
                /* The journal names the private endpoint, when it still has the session's entries. */
                if (r >= 0 && st.total_success > st.ray_success && !has_session(&sent->other, st.session_id)) {
                        r = add_state_counts(&sent->other, st.session_id, "-", st.total_success - st.ray_success, 0);
                        if (r >= 0)
                                sent->other.s[sent->other.n - 1].endpoint_unknown = true;
                }
                for (size_t i = 0; r >= 0 && i < st.n_endpoints; i++)
                        if (st.endpoints[i].total_success > 0)
                                r = add_state_counts(&sent->other, st.session_id, st.endpoints[i].url,
                                                     st.endpoints[i].total_success,
                                                     st.endpoints[i].last_success > 0 ?
                                                     (uint64_t) st.endpoints[i].last_time_ms * 1000 : 0);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

/* A state directory and those of the per-user units below it
 * (StateDirectory=ray-usage-stats/%i): real directories, never links. */
static int add_state_tree(Sent *sent, const char *dir) {
        _cleanup_(closedirp) DIR *d = NULL;
        int fd, r;

        r = add_state_dir(sent, dir);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0; /* missing or not ours to read: add_state_dir() has said what matters */
        d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return 0;
        }
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *sub = NULL;
                struct stat st;

                if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return log_oom();
                r = add_state_dir(sent, sub);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_sessions(const void *a, const void *b) {
        const SentSession *x = a, *y = b;
        uint64_t tx = x->first_usec ?: x->last_usec, ty = y->first_usec ?: y->last_usec;

        if (tx != ty)
                return tx < ty ? -1 : 1;
        if (strcmp(x->session_id, y->session_id) != 0)
                return strcmp(x->session_id, y->session_id);
        return strcmp(x->endpoint ?: "", y->endpoint ?: "");
}

static void format_usec(char *buf, size_t size, uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, size, "unknown");
}

/* The other endpoint as shown: the state counts sends to the report URL of
 * the time without naming it. */
static const char *shown_endpoint(const SentSession *s) {
        return s->endpoint_unknown ? "(a private report URL, not recorded)" : s->endpoint;
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

static json_object *sessions_json(const SentSessions *l) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                const SentSession *s = &l->s[i];
                json_object *e = json_object_new_object();
                char first[32], last[32];

                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return NULL;
                }
                format_usec(first, sizeof first, s->first_usec);
                format_usec(last, sizeof last, s->last_usec);
                if (json_object_object_add(e, "session_id", json_object_new_string(s->session_id)) < 0 ||
                    (s->endpoint && json_object_object_add(e, "endpoint", s->endpoint_unknown ? NULL :
                                                           json_object_new_string(s->endpoint)) < 0) ||
                    json_object_object_add(e, "first_time_usec", s->first_usec ?
                                           json_object_new_int64((int64_t) s->first_usec) : NULL) < 0 ||
                    json_object_object_add(e, "last_time_usec", s->last_usec ?
                                           json_object_new_int64((int64_t) s->last_usec) : NULL) < 0 ||
                    json_object_object_add(e, "first_time", s->first_usec ? json_object_new_string(first) : NULL) < 0 ||
                    json_object_object_add(e, "last_time", s->last_usec ? json_object_new_string(last) : NULL) < 0 ||
                    json_object_object_add(e, "reports", json_object_new_int64((int64_t) s->reports)) < 0 ||
                    json_object_object_add(e, "in_journal", json_object_new_boolean(s->in_journal)) < 0 ||
                    json_object_object_add(e, "in_state", json_object_new_boolean(s->in_state)) < 0)
                        return NULL;
        }
        return TAKE_PTR(a);
}

static int print_json(const Sent *sent, const char *body) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *text = NULL;
        json_object *ray, *other;

        if (!o)
                return -ENOMEM;
        ray = sessions_json(&sent->ray);
        if (!ray || json_object_object_add(o, "sessions", ray) < 0) {
                json_object_put(ray);
                return -ENOMEM;
        }
        /* Sessions that reached other endpoints: their operators, not Ray, hold them. */
        other = sessions_json(&sent->other);
        if (!other || json_object_object_add(o, "other_endpoints", other) < 0) {
                json_object_put(other);
                return -ENOMEM;
        }
        if (json_object_object_add(o, "to", json_object_new_string(DELETION_ADDRESS)) < 0 ||
            json_object_object_add(o, "subject", json_object_new_string(DELETION_SUBJECT)) < 0 ||
            json_object_object_add(o, "body", body ? json_object_new_string(body) : NULL) < 0)
                return -ENOMEM;
        if (json_dump_python(o, &text) < 0)
                return -ENOMEM;
        printf("%s\n", text);
        return 0;
}

static int print_table(const SentSessions *l, bool with_endpoint) {
        _cleanup_(table_done) Table t = {};
        int r;

        r = with_endpoint ?
                table_init(&t, 5, (const char *const[]) { "SESSION_ID", "ENDPOINT", "FIRST SENT", "LAST SENT",
                                                          "REPORTS" }, "----r") :
                table_init(&t, 4, (const char *const[]) { "SESSION_ID", "FIRST SENT", "LAST SENT", "REPORTS" },
                           "---r");
        for (size_t i = 0; r >= 0 && i < l->n; i++) {
                char first[32], last[32], reports[32];

                format_usec(first, sizeof first, l->s[i].first_usec);
                format_usec(last, sizeof last, l->s[i].last_usec);
                snprintf(reports, sizeof reports, "%" PRIu64, l->s[i].reports);
                r = with_endpoint ?
                        table_add(&t, (const char *const[]) { l->s[i].session_id, shown_endpoint(&l->s[i]), first,
                                                              last, reports }) :
                        table_add(&t, (const char *const[]) { l->s[i].session_id, first, last, reports });
        }
        if (r >= 0)
                r = table_print(&t, stdout);
        return r;
}

/* The service's state directory and, as `status` reads them, a user's own. */
static int add_state(Sent *sent, const char *root) {
        _cleanup_free_ char *dir = NULL;
        int r;

        if (root) {
                if (asprintf(&dir, "%s" STATE_SYSTEM_DIR, root) < 0)
                        return log_oom();
                return add_state_tree(sent, dir);
        }
        r = state_directory(&dir);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the state directory: %m");
        r = add_state_tree(sent, dir);
        if (r < 0)
                return r;
        if (!streq(dir, STATE_SYSTEM_DIR) && !getenv("RAY_USAGE_STATS_STATE_DIR") && !getenv("STATE_DIRECTORY"))
                return add_state_tree(sent, STATE_SYSTEM_DIR);
        return 0;
}

int cmd_deletion_request(int argc, char *argv[]) {
        _cleanup_(sent_done) Sent sent = {};
        _cleanup_free_ char *body = NULL;
        JournalSource src = {};
        ReportAttempt *a = NULL;
        bool json = false;
        size_t n = 0;
        int r;

        r = cli_parse(argc, argv,
                      "deletion-request [--json] " JOURNAL_SOURCE_USAGE "\n\n"
                      "List every session_id that reached Ray's own endpoint (from the journal and, for this\n"
                      "machine or --root, the state directories, the per-user units' included), with the first\n"
                      "and last time and the number of reports, then the text of a deletion request to\n"
                      DELETION_ADDRESS " that names them. Sessions sent to other endpoints (a private report URL,\n"
                      "additional endpoints) are listed apart: their operators hold them, not Ray.\n"
                      "Sends nothing and opens no connection.\n\n"
                      "  --json           print one JSON object: sessions, other_endpoints, to, subject, body\n"
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
        r = add_journal(&sent, a, n);
        report_attempts_free(a, n);
        if (r < 0)
                return log_oom();
        /* A machine's state belongs with that machine's journal, not with collected or copied files. */
        if (!src.directory && !src.file) {
                r = add_state(&sent, src.root);
                if (r < 0)
                        return r;
        }

        if (sent.ray.n > 0)
                qsort(sent.ray.s, sent.ray.n, sizeof *sent.ray.s, compare_sessions);
        if (sent.other.n > 0)
                qsort(sent.other.s, sent.other.n, sizeof *sent.other.s, compare_sessions);
        if (sent.ray.n > 0 && mail_body(&sent.ray, &body) < 0)
                return log_oom();

        if (json)
                return print_json(&sent, body) < 0 ? log_oom() : 0;

        if (sent.ray.n == 0)
                printf("No report reached Ray's endpoint: there is nothing to delete.\n");
        else if (print_table(&sent.ray, false) < 0)
                return log_oom();
        if (sent.other.n > 0) {
                printf("\nSent to other endpoints, not Ray's: ask their operators to delete these.\n");
                if (print_table(&sent.other, true) < 0)
                        return log_oom();
        }
        if (sent.ray.n > 0)
                printf("\nTo send the request, mail the text below to %s (nothing has been sent):\n\n"
                       "To: %s\nSubject: %s\n\n%s", DELETION_ADDRESS, DELETION_ADDRESS, DELETION_SUBJECT, body);
        return cli_flush();
}
