/* SPDX-License-Identifier: MIT */
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

/* A session that exists but is not ours to use: reason (NULL when out of memory) says why. */
static int refuse_session(Context *c, char *reason) {
        if (!reason)
                return -ENOMEM;
        c->no_session_reason = reason;
        c->session = session_free(c->session);
        return 0;
}

static int find_session(Context *c) {
        SessionOwners owners = {};
        char name_a[64], name_b[64];
        char *m;
        int r;

        r = session_find(c->temp_dir, &c->session, &owners);
        if (r == -EPERM) {
                /* Anyone can swap the link in <temp> (0777, not sticky), or the directory behind it. */
                if (asprintf(&m, "session_latest belongs to uid %u (%s) but the directory it names to uid %u (%s): "
                             "not one user's session, ignoring it",
                             (unsigned) owners.link_uid, user_name(owners.link_uid, name_a, sizeof name_a),
                             (unsigned) owners.dir_uid, user_name(owners.dir_uid, name_b, sizeof name_b)) < 0)
                        m = NULL;
                return refuse_session(c, m);
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug_errno(r, "No usable Ray head session under %s: %m", c->temp_dir);
                return 0;
        }

        /* Without root, only the owner may act on a session: nothing else is read as another user. */
        if (geteuid() != 0 && c->session->uid != geteuid()) {
                if (asprintf(&m, "the Ray session belongs to uid %u (%s), but this runs as uid %u (%s): "
                             "run as root or as the Ray user",
                             (unsigned) c->session->uid, user_name(c->session->uid, name_a, sizeof name_a),
                             (unsigned) geteuid(), user_name(geteuid(), name_b, sizeof name_b)) < 0)
                        m = NULL;
                return refuse_session(c, m);
        }
        return 0;
}

int context_load(Context *c) {
        int r;

        assert(c);

        *c = (Context) { .ray_uid = getuid(), .worker = WORKER_NULL };

        r = ray_temp_dir(&c->temp_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the Ray temp directory: %m");

        r = find_session(c);
        if (r < 0)
                return log_oom();
        if (c->session)
                c->ray_uid = c->session->uid;

        r = user_home(c->ray_uid, true, &c->home);
        if (r < 0)
                log_debug_errno(r, "No home directory for uid %u: %m", (unsigned) c->ray_uid);

        r = config_path(c->home, &c->config_path);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the config file path: %m");

        /* The config file is the Ray user's: it is read by the worker, as that user. */
        c->worker_input = (WorkerInput) {
                .collect = { .session = c->session, .home = c->home, .uid = c->ray_uid },
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
        free(c->temp_dir);
        session_free(c->session);
        free(c->no_session_reason);
        free(c->home);
        free(c->config_path);
        free(c->invalid_setting);
        free(c->decision_source);
        *c = (Context) {};
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

/* The Ray user's own unit reports for that user's sessions (docs/design.md §8): a run
 * that would have to switch to the owner leaves the session to it, so that
 * one session is never reported twice. */
static bool session_left_to_instance(const Context *c, const char *command) {
        _cleanup_free_ char *timer = NULL;
        int r;

        if (geteuid() == c->session->uid)
                return false;
        r = instance_enabled_for_uid(c->session->uid, NULL, &timer);
        if (r < 0)
                log_warning_errno(r, "Failed to look for the per-user unit of uid %u, reporting here: %m",
                                  (unsigned) c->session->uid);
        if (r <= 0)
                return false;
        journal_event(LOG_INFO, MESSAGE_ID_NO_SESSION,
                      (JournalField[]) {
                              { "TEMP_DIR", c->temp_dir },
                              { "SESSION_DIR", c->session->path },
                              { "INSTANCE", timer },
                              { "COMMAND", command },
                              {} },
                      "The Ray head session %s belongs to uid %u, whose own unit %s is enabled; "
                      "leaving the session to it.", c->session->path, (unsigned) c->session->uid, timer);
        return true;
}

static void journal_decision(const Context *c, const char *command) {
        const char *state = c->decision.enabled ? "enabled" : "disabled";
        const char *by = decided_by_to_string(c->decision.decided_by);

        journal_event(LOG_INFO, MESSAGE_ID_DECISION,
                      (JournalField[]) {
                              { "DECISION", state },
                              { "DECIDED_BY", by },
                              { "CONFIG_PATH", c->config_path },
                              { "SESSION_DIR", c->decision.enabled && c->session ? c->session->path : NULL },
                              { "COMMAND", command },
                              {} },
                      "Usage stats collection is %s (decided by %s)%s%s%s%s.", state, by,
                      c->decision_source ? "; set by " : "", c->decision_source ?: "",
                      c->decision.enabled && c->session ? "; Ray head session " : "",
                      c->decision.enabled && c->session ? c->session->path : "");
}

int context_verdict(const Context *c, const char *command, bool journal_enabled) {
        _cleanup_free_ char *bad_url = NULL;

        assert(c);
        assert(command);

        if (c->invalid_setting)
                return journal_invalid(command, c->invalid_setting);

        if (journal_enabled || !c->decision.enabled)
                journal_decision(c, command);
        if (!c->decision.enabled)
                return EXIT_DISABLED;

        /* Only settings that a run would use can make it fail. */
        bad_url = invalid_url_setting();
        if (bad_url)
                return journal_invalid(command, bad_url);

        if (!c->session && c->no_session_reason) {
                journal_event(LOG_WARNING, MESSAGE_ID_NO_SESSION,
                              (JournalField[]) { { "TEMP_DIR", c->temp_dir }, { "COMMAND", command }, {} },
                              "No Ray head session on this machine: %s.", c->no_session_reason);
                return EXIT_NO_SESSION;
        }
        if (!c->session) {
                journal_event(LOG_INFO, MESSAGE_ID_NO_SESSION,
                              (JournalField[]) { { "TEMP_DIR", c->temp_dir }, { "COMMAND", command }, {} },
                              "No Ray head session on this machine (%s/session_latest); nothing to do.",
                              c->temp_dir);
                return EXIT_NO_SESSION;
        }
        if (session_left_to_instance(c, command))
                return EXIT_NO_SESSION;
        return EXIT_COLLECT;
}
