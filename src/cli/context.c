/* SPDX-License-Identifier: MIT */
#include <pwd.h>
#include <syslog.h>

#include "cli/cli.h"
#include "cli/context.h"
#include "config/config.h"
#include "config/settings.h"
#include "http/url.h"
#include "journal/journal.h"
#include "session/identity.h"
#include "session/user.h"
#include "shared/log.h"

int context_as_ray_user(const Context *c, int (*f)(const Context *c, void *userdata), void *userdata) {
        Identity saved = {};
        int r, q;

        assert(c);
        assert(f);

        r = identity_switch(c->ray_uid, c->ray_gid, &saved);
        if (r < 0)
                return log_error_errno(r, "Running as uid %u, but the Ray session belongs to uid %u; "
                                       "run as root or as the Ray user",
                                       (unsigned) geteuid(), (unsigned) c->ray_uid);
        r = f(c, userdata);
        q = identity_restore(&saved);
        if (q < 0) {
                /* Carrying on with another user's identity would write our own
                 * state as that user: stop here. */
                log_error_errno(q, "Failed to restore the original identity");
                abort();
        }
        return r;
}

static int decide(const Context *c, void *userdata) {
        Context *m = userdata;

        return settings_decide(c->config_path, &m->decision, &m->invalid_setting);
}

int context_load(Context *c) {
        int r;

        assert(c);

        *c = (Context) { .ray_uid = getuid(), .ray_gid = getgid() };

        r = ray_temp_dir(&c->temp_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the Ray temp directory");

        r = session_find(c->temp_dir, &c->session);
        if (r < 0)
                log_debug_errno(r, "No usable Ray head session under %s", c->temp_dir);
        else {
                c->ray_uid = c->session->uid;
                c->ray_gid = c->session->gid;
        }

        r = user_home(c->ray_uid, true, &c->home);
        if (r < 0)
                log_debug_errno(r, "No home directory for uid %u", (unsigned) c->ray_uid);

        r = config_path(c->home, &c->config_path);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the config file path");

        /* The config file belongs to the Ray user; read it with that identity
         * where we can, as our own otherwise (an unreadable file counts as unset). */
        r = context_as_ray_user(c, decide, c);
        if (r == -EPERM)
                r = decide(c, c);
        if (r < 0 && r != -EINVAL)
                return log_error_errno(r, "Failed to evaluate the usage stats decision");
        return 0;
}

void context_done(Context *c) {
        assert(c);

        free(c->temp_dir);
        session_free(c->session);
        free(c->home);
        free(c->config_path);
        free(c->invalid_setting);
        *c = (Context) {};
}

/* A URL setting that cannot be used, as a message, or NULL. */
static char *invalid_url_setting(void) {
        for (const char *const *name = http_url_settings; *name; name++) {
                const char *v = getenv(*name);
                _cleanup_free_ char *quoted = NULL;
                char *msg;

                if (isempty(v) || http_url_is_valid(v))
                        continue;
                quoted = decision_quote_value(v);
                if (!quoted || asprintf(&msg, "Invalid %s=%s: expected an http:// or https:// URL with a host.",
                                        *name, quoted) < 0)
                        return NULL;
                return msg;
        }
        return NULL;
}

static int journal_invalid(const char *command, const char *message) {
        journal_event(LOG_ERR, MESSAGE_ID_INVALID_SETTING,
                      (JournalField[]) { { "COMMAND", command }, {} },
                      "%s", message);
        return EXIT_INVALID_SETTING;
}

int context_verdict(const Context *c, const char *command) {
        _cleanup_free_ char *bad_url = NULL;
        const char *state, *by;

        assert(c);
        assert(command);

        if (c->invalid_setting)
                return journal_invalid(command, c->invalid_setting);

        state = c->decision.enabled ? "enabled" : "disabled";
        by = decided_by_to_string(c->decision.decided_by);
        journal_event(LOG_INFO, MESSAGE_ID_DECISION,
                      (JournalField[]) {
                              { "DECISION", state },
                              { "DECIDED_BY", by },
                              { "CONFIG_PATH", c->config_path },
                              { "SESSION_DIR", c->decision.enabled && c->session ? c->session->path : NULL },
                              { "COMMAND", command },
                              {} },
                      "Usage stats collection is %s (decided by %s)%s%s.", state, by,
                      c->decision.enabled && c->session ? "; Ray head session " : "",
                      c->decision.enabled && c->session ? c->session->path : "");
        if (!c->decision.enabled)
                return EXIT_DISABLED;

        /* Only settings that a run would use can make it fail. */
        bad_url = invalid_url_setting();
        if (bad_url)
                return journal_invalid(command, bad_url);

        if (!c->session) {
                journal_event(LOG_INFO, MESSAGE_ID_NO_SESSION,
                              (JournalField[]) { { "TEMP_DIR", c->temp_dir }, { "COMMAND", command }, {} },
                              "No Ray head session on this machine (%s/session_latest); nothing to do.",
                              c->temp_dir);
                return EXIT_NO_SESSION;
        }
        return EXIT_COLLECT;
}
