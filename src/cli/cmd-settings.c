/* SPDX-License-Identifier: MIT */
#include <syslog.h>

#include "cli/cli.h"
#include "config/config.h"
#include "config/settings.h"
#include "config/sysconfig.h"
#include "journal/journal.h"
#include "prompt/prompt.h"
#include "session/user.h"
#include "shared/escape.h"
#include "shared/log.h"

#define EXIT_WRITE_FAILED 1

#define NEXT_RUN_NOTE "ray-usage-stats applies this at its next hourly run; no cluster restart is needed.\n"

static int invoking_config_path(char **ret) {
        _cleanup_free_ char *home = NULL;
        int r;

        /* Root's home is root's, whatever $HOME says: "sudo -E" keeps the caller's. */
        r = user_home(getuid(), getuid() != 0 && geteuid() != 0, &home);
        if (r == -ENOMEM)
                return log_error_errno(r, "Failed to determine the home directory: %m");
        r = config_path(home, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the config file path; "
                                       "set HOME or RAY_USAGE_STATS_CONFIG_PATH: %m");
        return 0;
}

/* Why a settings file was not written, in one line. */
static void log_write_failure(int r, const char *what, const char *path) {
        if (r == -ELOOP)
                log_error("Failed to %s: %s is a symbolic link, which is never followed (nor is one on its way); "
                          "remove it or write the file it points to yourself.", what, path);
        else if (r == -EPERM)
                log_error("Failed to %s: %s or a directory on its way belongs to another user (not uid %u), "
                          "and is never written on their behalf.", what, path, (unsigned) getuid());
        else if (r == -ENOLINK)
                log_error("Failed to %s: a directory on the way to %s may be written by users other than root, "
                          "so root never writes through it.", what, path);
        else if (r == -EBADMSG)
                log_error("Failed to %s: %s is not a JSON config (a JSON object), and root never replaces it; "
                          "fix or remove it.", what, path);
        else if (r == -EINVAL && geteuid() == 0)
                log_error("Failed to %s: %s is not an absolute path without \"..\", as root needs it to be.",
                          what, path);
        else
                log_error_errno(r, "Failed to %s to %s: %m", what, path);
}

static void journal_change(const char *command, bool enabled, const char *setting, const char *path) {
        const char *state = enabled ? "enabled" : "disabled";

        (void) journal_event(LOG_NOTICE, MESSAGE_ID_SETTINGS_CHANGED,
                             (JournalField[]) {
                                     { "DECISION", state },
                                     { "SETTING", setting },
                                     { "CONFIG_PATH", path },
                                     { "COMMAND", command },
                                     {} },
                             "Usage stats %s in %s by 'ray-usage-stats %s' (uid %u).",
                             state, path, command, (unsigned) getuid());
}

/* The file just written may not be what decides: say so, rather than let
 * someone believe they opted out (or in) when they did not. */
static void warn_if_overridden(const char *path, bool enabled) {
        _cleanup_free_ char *error = NULL;
        Decision d;
        int r;

        r = settings_decide(path, &d, &error);
        if (r == -EINVAL)
                log_warning("Note: collection stays off until this is fixed: %s", error);
        else if (r >= 0 && d.enabled != enabled)
                log_warning("Note: usage stats collection stays %s here: %s decides first (see 'ray-usage-stats status').",
                            d.enabled ? "enabled" : "disabled",
                            d.decided_by == DECIDED_BY_DO_NOT_TRACK ? "DO_NOT_TRACK" :
                            "RAY_USAGE_STATS_ENABLED (environment or machine-wide file)");
}

static int set_config(const char *command, bool enabled) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (invoking_config_path(&path) < 0)
                return EXIT_WRITE_FAILED;

        r = config_write(path, enabled);
        if (r < 0) {
                /* Ray's message, then the reason. */
                log_write_failure(r, enabled ? "enable usage stats by writing {\"usage_stats\": true}" :
                                               "disable usage stats by writing {\"usage_stats\": false}", path);
                return EXIT_WRITE_FAILED;
        }

        journal_change(command, enabled, "config", path);
        printf("Usage stats %s for future clusters.\n" NEXT_RUN_NOTE, enabled ? "enabled" : "disabled");
        warn_if_overridden(path, enabled);
        return 0;
}

static int set_system(const char *command, bool enabled) {
        _cleanup_free_ char *left = NULL;
        const char *path = sysconfig_path();
        int r;

        r = sysconfig_set_opt_out(path, !enabled);
        if (r == -EACCES || r == -EPERM || r == -EROFS) {
                log_error_errno(r, "Failed to write %s; the machine-wide setting needs root: "
                                "run 'sudo ray-usage-stats %s --system': %m", path, command);
                return EXIT_WRITE_FAILED;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to %s the machine-wide opt-out in %s: %m",
                                enabled ? "remove" : "set", path);
                return EXIT_WRITE_FAILED;
        }

        if (r == 0 && enabled && access(path, F_OK) < 0 && errno == ENOENT)
                printf_escaped("%s does not exist: there is no machine-wide opt-out; nothing changed.", path);
        else if (r == 0)
                printf_escaped(enabled ? "%s sets no machine-wide opt-out; nothing changed." :
                                         "%s already sets RAY_USAGE_STATS_ENABLED=0; nothing changed.", path);
        else {
                journal_change(command, enabled, "system", path);
                printf_escaped(enabled ? "Removed the machine-wide opt-out (RAY_USAGE_STATS_ENABLED=0) from %s." :
                                         "Usage stats disabled for this machine: %s sets RAY_USAGE_STATS_ENABLED=0.",
                               path);
                printf(NEXT_RUN_NOTE);
        }

        /* enable --system never removes an administrator's own value; one that is
         * not 1 still decides, so point at it. */
        if (enabled && sysconfig_get(path, "RAY_USAGE_STATS_ENABLED", &left) >= 0 && left && !streq(left, "1")) {
                _cleanup_free_ char *q = decision_quote_value(left);

                log_warning("Note: %s still sets RAY_USAGE_STATS_ENABLED=%s; edit it by hand to change that.",
                            path, q ?: "?");
        }
        return 0;
}

static int set_usage_stats(int argc, char *argv[], bool enabled) {
        _cleanup_free_ char *usage = NULL;
        bool system = false;
        int r;

        if (asprintf(&usage,
                     "%1$s [--system]\n\n"
                     "%2$s usage stats collection for future runs: writes \"usage_stats\": %3$s into\n"
                     "your ~/.ray/config.json (or $RAY_USAGE_STATS_CONFIG_PATH), keeping its other keys.\n\n"
                     "Options:\n"
                     "  --system    %4$s\n"
                     "              %5$s instead (needs root)\n"
                     "  -h, --help  show this help",
                     argv[0], enabled ? "Enable" : "Disable", enabled ? "true" : "false",
                     enabled ? "remove the machine-wide opt-out RAY_USAGE_STATS_ENABLED=0 from" :
                               "set RAY_USAGE_STATS_ENABLED=0 in the machine-wide file",
                     sysconfig_path()) < 0) {
                log_error_errno(-ENOMEM, "Failed to format the help text");
                return EXIT_WRITE_FAILED;
        }

        /* Settings commands fail with exit status 1 (docs/design.md §2), bad arguments included. */
        r = cli_parse(argc, argv, usage, (CliFlag[]) { { "system", &system }, {} }, 0, NULL);
        if (r <= 0)
                return r < 0 ? EXIT_WRITE_FAILED : 0;

        return system ? set_system(argv[0], enabled) : set_config(argv[0], enabled);
}

int cmd_enable(int argc, char *argv[]) {
        return set_usage_stats(argc, argv, true);
}

int cmd_disable(int argc, char *argv[]) {
        return set_usage_stats(argc, argv, false);
}

static int invalid_setting(const char *command, const char *message) {
        (void) journal_event(LOG_ERR, MESSAGE_ID_INVALID_SETTING,
                             (JournalField[]) { { "COMMAND", command }, {} }, "%s", message);
        return EXIT_INVALID_SETTING;
}

int cmd_prompt(int argc, char *argv[]) {
        _cleanup_free_ char *path = NULL, *error = NULL;
        PromptAnswer answer;
        bool prompt_enabled;
        Decision d;
        int r;

        r = cli_parse(argc, argv,
                      "prompt\n\n"
                      "Ask whether to enable usage stats collection, as 'ray start' does, and save the\n"
                      "answer in ~/.ray/config.json. Asks only when collection is enabled by default,\n"
                      "stdin is a terminal and RAY_USAGE_STATS_PROMPT_ENABLED is unset or 1; otherwise\n"
                      "prints the current state and saves nothing.",
                      NULL, 0, NULL);
        if (r <= 0)
                return r;

        /* Checked first, as Ray does: a bad value is an error whatever the decision. */
        r = prompt_enabled_parse(getenv("RAY_USAGE_STATS_PROMPT_ENABLED"), &prompt_enabled, &error);
        if (r == -EINVAL)
                return invalid_setting(argv[0], error);
        if (r < 0)
                return log_error_errno(r, "Failed to parse RAY_USAGE_STATS_PROMPT_ENABLED: %m");

        r = invoking_config_path(&path);
        if (r < 0)
                return r;

        r = settings_decide(path, &d, &error);
        if (r == -EINVAL)
                return invalid_setting(argv[0], error);
        if (r < 0)
                return r;

        r = prompt_show(&d, prompt_enabled, isatty(STDIN_FILENO), STDIN_FILENO, stdout, PROMPT_TIMEOUT_SEC,
                        &answer);
        if (r < 0)
                return log_error_errno(r, "Failed to read the answer from stdin: %m");
        if (answer == PROMPT_ANSWER_NONE)
                return 0;

        r = config_write(path, answer == PROMPT_ANSWER_YES);
        if (r < 0) {
                log_write_failure(r, answer == PROMPT_ANSWER_YES ?
                                  "persist usage stats choice for future clusters by writing {\"usage_stats\": true}" :
                                  "persist usage stats choice for future clusters by writing {\"usage_stats\": false}",
                                  path);
                return r;
        }
        journal_change(argv[0], answer == PROMPT_ANSWER_YES, "config", path);
        return 0;
}
