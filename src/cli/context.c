/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <pwd.h>
#include <syslog.h>

#include "cli/cli.h"
#include "cli/context.h"
#include "config/config.h"
#include "config/settings.h"
#include "http/url.h"
#include "journal/journal.h"
#include "session/instance.h"
#include "session/user.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "upload/upload.h"

/* Journals the GCS processes that name a directory of another owner:
 * nobody but the Ray user can make a live head of theirs (docs/design.md §4.2). */
static void journal_foreign(const HeadScan *scan, const char *command) {
        for (size_t i = 0; i < scan->n_foreign; i++) {
                const ForeignHead *f = &scan->foreign[i];
                char pid[32], uid[32], dir_uid[32], name_a[64], name_b[64];
                _cleanup_free_ char *text = NULL;

                snprintf(pid, sizeof pid, "%d", (int) f->pid);
                snprintf(uid, sizeof uid, "%u", (unsigned) f->uid);
                snprintf(dir_uid, sizeof dir_uid, "%u", (unsigned) f->dir_uid);
                if (asprintf(&text, "Ignoring gcs_server %s of uid %s (%s): the session directory it names, %s, "
                             "belongs to uid %s (%s); not a Ray head of anyone.", pid, uid,
                             user_name(f->uid, name_a, sizeof name_a), f->path, dir_uid,
                             user_name(f->dir_uid, name_b, sizeof name_b)) < 0) {
                        log_oom();
                        return;
                }
                if (!command) {
                        log_notice("%s", text);
                        continue;
                }
                journal_event(LOG_WARNING, MESSAGE_ID_NO_SESSION,
                              (JournalField[]) {
                                      { "GCS_PID", pid },
                                      { "GCS_UID", uid },
                                      { "SESSION_DIR", f->path },
                                      { "SESSION_DIR_UID", dir_uid },
                                      { "COMMAND", command },
                                      {} },
                              "%s", text);
        }
}

/* The Ray user's own unit reports for that user's heads (docs/design.md §8):
 * a root run leaves the head to it, so that one session is never reported
 * twice. */
static bool left_to_instance(const Session *s, const char *command) {
        _cleanup_free_ char *timer = NULL;
        int r;

        if (s->uid == 0)
                return false;
        r = instance_enabled_for_uid(s->uid, NULL, &timer);
        if (r < 0)
                log_warning_errno(r, "Failed to look for the per-user unit of uid %u, reporting here: %m",
                                  (unsigned) s->uid);
        if (r <= 0)
                return false;
        journal_event(LOG_INFO, MESSAGE_ID_NO_SESSION,
                      (JournalField[]) {
                              { "SESSION_DIR", s->path },
                              { "INSTANCE", timer },
                              { "COMMAND", command },
                              {} },
                      "The Ray head session %s belongs to uid %u, whose own unit %s is enabled; "
                      "leaving the session to it.", s->path, (unsigned) s->uid, timer);
        return true;
}

int context_find_heads(const char *command, bool leave_to_instances, HeadScan *ret) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        _cleanup_close_ int proc_fd = -1;
        size_t n = 0;
        int r;

        assert(ret);

        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open /proc: %m");
        r = heads_discover(proc_fd, &scan);
        if (r < 0)
                return log_error_errno(r, "Failed to look for live Ray heads in /proc: %m");
        journal_foreign(&scan, command);

        for (size_t i = 0; i < scan.n_heads; i++) {
                Session *s = scan.heads[i];
                bool keep;

                /* Without root, nothing is read as another user: their heads are theirs to report. */
                if (geteuid() != 0) {
                        char name[64];

                        keep = s->uid == geteuid();
                        if (!keep)
                                log_notice("The live Ray head %s belongs to uid %u (%s), not to this user: run as "
                                           "root or as that user to act on it.", s->path, (unsigned) s->uid,
                                           user_name(s->uid, name, sizeof name));
                } else {
                        keep = !leave_to_instances || !left_to_instance(s, command);
                        /* Its own unit reports it, and the journal says so: no "no live head" here. */
                        scan.n_set_aside += !keep;
                }
                if (!keep) {
                        session_free(s);
                        continue;
                }
                scan.heads[n++] = s;
        }
        scan.n_heads = n;

        *ret = scan;
        scan = (HeadScan) {};
        return 0;
}

int context_load(Context *c, Session *session) {
        int r;

        assert(c);

        *c = (Context) { .session = session, .ray_uid = getuid(), .worker = WORKER_NULL };
        if (session)
                c->ray_uid = session->uid;
        r = user_home(c->ray_uid, true, &c->home);
        if (r < 0)
                log_debug_errno(r, "No home directory for uid %u: %m", (unsigned) c->ray_uid);

        r = config_path(c->home, &c->config_path);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the config file path: %m");

        /* The config file is the Ray user's: it is read by the worker, as that user. */
        c->worker_input = (WorkerInput) {
                /* docs/design.md §4.2: a token from this program's environment is an administrator's
                 * setting for the heads of the user it runs as (or root's), not for a head that another
                 * user started. */
                .collect = { .session = c->session, .home = c->home, .uid = c->ray_uid,
                             .use_env_token = c->ray_uid == getuid() || c->ray_uid == 0 },
                .config_path = c->config_path,
        };
        r = worker_start(&c->worker, &c->worker_input);
        if (r < 0)
                return r;
        r = worker_decide(&c->worker, &c->decision, &c->invalid_setting);
        if (r < 0 && r != -EINVAL)
                return log_error_errno(r, "Failed to evaluate the usage stats decision: %m");
        return 0;
}

void context_done(Context *c) {
        assert(c);

        worker_stop(&c->worker);
        session_free(c->session);
        free(c->home);
        free(c->config_path);
        free(c->invalid_setting);
        free(c->decision_source);
        *c = CONTEXT_NULL;
}

int exit_status_merge(int a, int b, bool failure_first) {
        static const int check_order[] = { EXIT_COLLECT, EXIT_LOCAL_FAILURE, EXIT_INVALID_SETTING, EXIT_DISABLED,
                                            EXIT_NO_SESSION };
        static const int report_order[] = { EXIT_LOCAL_FAILURE, EXIT_COLLECT, EXIT_INVALID_SETTING, EXIT_DISABLED,
                                             EXIT_NO_SESSION };
        const int *order = failure_first ? report_order : check_order;
        /* A negative errno is a local failure, kept as it is for cli_exit_status(); a, the earlier, wins. */
        int ka = a < 0 ? EXIT_LOCAL_FAILURE : a, kb = b < 0 ? EXIT_LOCAL_FAILURE : b;

        for (size_t i = 0; i < ELEMENTSOF(check_order); i++) {
                if (ka == order[i])
                        return a;
                if (kb == order[i])
                        return b;
        }
        return a;
}

/* A URL setting that cannot be used, as a message, or NULL. */
static char *invalid_url_setting(void) {
        _cleanup_strv_free_ char **additional = NULL;
        char *msg = NULL;

        for (const char *const *name = http_url_settings; *name; name++) {
                const char *v = getenv(*name);
                _cleanup_free_ char *quoted = NULL;

                if (isempty(v) || http_url_is_valid(v))
                        continue;
                quoted = decision_quote_value(v);
                if (!quoted || asprintf(&msg, "Invalid %s=%s: expected an http:// or https:// URL with a host.",
                                        *name, quoted) < 0)
                        return NULL;
                return msg;
        }
        /* docs/design.md §6: the additional endpoints are checked like the report URL. */
        if (upload_additional_urls(&additional, &msg) == -EINVAL)
                return msg;
        return NULL;
}

static int journal_invalid(const char *command, const char *message) {
        journal_event(LOG_ERR, MESSAGE_ID_INVALID_SETTING,
                      (JournalField[]) { { "COMMAND", command }, {} },
                      "%s", message);
        return EXIT_INVALID_SETTING;
}

static int journal_decision(const Context *c, const char *command) {
        _cleanup_free_ char *head = NULL;
        const char *state = c->decision.enabled ? "enabled" : "disabled";
        const char *by = decided_by_to_string(c->decision.decided_by);
        char uid[32], name[64];

        snprintf(uid, sizeof uid, "%u", (unsigned) c->ray_uid);
        if (c->session && asprintf(&head, " for the Ray head session %s of uid %s (%s)", c->session->path, uid,
                                   user_name(c->ray_uid, name, sizeof name)) < 0)
                return log_oom();
        journal_event(LOG_INFO, MESSAGE_ID_DECISION,
                      (JournalField[]) {
                              { "DECISION", state },
                              { "DECIDED_BY", by },
                              { "CONFIG_PATH", c->config_path },
                              { "SESSION_DIR", c->session ? c->session->path : NULL },
                              { "RAY_UID", c->session ? uid : NULL },
                              { "COMMAND", command },
                              {} },
                      "Usage stats collection is %s (decided by %s)%s%s%s.", state, by, head ?: "",
                      c->decision_source ? "; set by " : "", c->decision_source ?: "");
        return 0;
}

int context_verdict(const Context *c, const char *command, bool journal_enabled) {
        _cleanup_free_ char *bad_url = NULL;

        assert(c);
        assert(command);

        if (c->invalid_setting)
                return journal_invalid(command, c->invalid_setting);

        if ((journal_enabled || !c->decision.enabled) && journal_decision(c, command) < 0)
                return EXIT_LOCAL_FAILURE;
        if (!c->decision.enabled)
                return EXIT_DISABLED;

        /* Only settings that a run would use can make it fail. */
        bad_url = invalid_url_setting();
        if (bad_url)
                return journal_invalid(command, bad_url);

        if (!c->session) {
                /* record-library, and a run without root, look only at the invoking user's heads. */
                bool own = geteuid() != 0 || streq(command, "record-library");

                journal_event(LOG_INFO, MESSAGE_ID_NO_SESSION,
                              (JournalField[]) { { "COMMAND", command }, {} },
                              "There is no live Ray head%s (no gcs_server process of a Ray session); nothing "
                              "to do.", own ? " of this user" : " on this machine");
                return EXIT_NO_SESSION;
        }
        return EXIT_COLLECT;
}
