/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "cli/cli.h"
#include "cli/context.h"
#include "cli/unit-settings.h"
#include "http/http.h"
#include "session/instance.h"
#include "session/user.h"
#include "shared/escape.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "state/field-list.h"
#include "state/state.h"
#include "upload/upload.h"

#define TIMER_UNIT "ray-usage-stats.timer"

/* The timer's next elapse in µs since the epoch, or 0 when unknown (no
 * system bus, timer not loaded). A local D-Bus call: no network. */
static uint64_t timer_next_run_usec(const char *timer) {
        sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL;
        uint64_t usec = 0;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return 0;
        (void) sd_bus_set_method_call_timeout(bus, 2 * 1000 * 1000);
        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", timer, &path);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path,
                                                "org.freedesktop.systemd1.Timer", "NextElapseUSecRealtime",
                                                NULL, 't', &usec);
        sd_bus_flush_close_unref(bus);
        return r < 0 || usec == UINT64_MAX ? 0 : usec;
}

static bool state_dir_overridden(void) {
        return getenv("RAY_USAGE_STATS_STATE_DIR") || getenv("STATE_DIRECTORY");
}

/* A user running status wants the service's counters when it has none of its
 * own: those of the unit that reports for the session, the owner's per-user
 * unit (instance_dir) when its timer is enabled (docs/design.md §8), else the generic one. */
static int load_state(const Context *c, const char *instance_dir, State *st) {
        _cleanup_free_ char *dir = NULL, *key = NULL;
        bool overridden = state_dir_overridden();
        int r;

        r = state_key(c->session->uid, c->session->name, &key);
        if (r < 0)
                return r;
        if (instance_dir && !overridden)
                return state_load_readonly(instance_dir, key, st);
        r = state_directory(&dir);
        if (r < 0)
                return r;
        r = state_load_readonly(dir, key, st);
        if (r < 0 || geteuid() == 0 || st->last_time_ms != 0 || st->seq_number != 0 || overridden)
                return r;
        state_done(st);
        return state_load_readonly(STATE_SYSTEM_DIR, key, st);
}

/* The notice of a changed field list (docs/design.md §11), kept until the next report;
 * a user without one of their own sees the service's, as for the counters. */
static void load_field_notice(FieldNotice *n) {
        _cleanup_free_ char *dir = NULL;

        if (state_directory(&dir) < 0)
                return;
        if (field_list_notice(dir, n) > 0 || geteuid() == 0 || state_dir_overridden())
                return;
        field_notice_done(n);
        (void) field_list_notice(STATE_SYSTEM_DIR, n);
}

static void format_time(char *buf, size_t size, int64_t ms) {
        time_t t = (time_t) (ms / 1000);
        struct tm tm;

        if (ms <= 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "never");
}

static json_object *last_report_json(int64_t time_ms, int success, const char *error) {
        json_object *last;

        if (time_ms <= 0)
                return NULL;
        last = json_object_new_object();
        if (!last)
                return NULL;
        json_object_object_add(last, "time_ms", json_object_new_int64(time_ms));
        json_object_object_add(last, "success", json_object_new_boolean(success > 0));
        json_object_object_add(last, "error", error ? json_object_new_string(error) : NULL);
        return last;
}

/* docs/design.md §6: each additional endpoint's own counters in this session. */
static json_object *endpoints_json(const State *st) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < st->n_endpoints; i++) {
                const StateEndpoint *e = &st->endpoints[i];
                json_object *o = json_object_new_object();

                if (!o)
                        break;
                json_object_object_add(o, "url", json_object_new_string(e->url));
                json_object_object_add(o, "total_success", json_object_new_int64((int64_t) e->total_success));
                json_object_object_add(o, "total_failed", json_object_new_int64((int64_t) e->total_failed));
                json_object_object_add(o, "last_report", last_report_json(e->last_time_ms, e->last_success,
                                                                          e->last_error));
                json_object_array_add(a, o);
        }
        return a;
}

static void print_endpoints(const State *st) {
        for (size_t i = 0; i < st->n_endpoints; i++) {
                const StateEndpoint *e = &st->endpoints[i];
                char last[64];

                format_time(last, sizeof last, e->last_time_ms);
                printf_escaped("%s %s: total_success %" PRIu64 ", total_failed %" PRIu64 ", last %s%s%s",
                               i == 0 ? "Additional:   " : "              ", e->url, e->total_success,
                               e->total_failed, last,
                               e->last_success == 0 ? ", failed: " : e->last_success > 0 ? ", sent" : "",
                               e->last_success == 0 ? e->last_error ?: "unknown error" : "");
        }
}

static json_object *string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* One live head as status shows it (or, when there is none, the invoking
 * user's decision alone). */
typedef struct HeadStatus {
        Context context;
        State state;
        bool have_state;
        uint64_t next_usec;
} HeadStatus;

static void head_status_done(HeadStatus *h) {
        context_done(&h->context);
        state_done(&h->state);
}

static int head_status_load(HeadStatus *h, const UnitSettings *settings, Session *s) {
        _cleanup_free_ char *instance_timer = NULL, *instance_dir = NULL;
        int r;

        r = context_load(&h->context, s);
        /* Only the decision was the worker's to give. Stopped now: the next head's worker, forked
         * from this process, would hold this one's channel open. */
        worker_stop(&h->context.worker);
        if (r < 0)
                return r;
        r = unit_settings_annotate(settings, &h->context);
        if (r < 0)
                return log_oom();
        if (s) {
                _cleanup_free_ char *user = NULL;

                r = instance_enabled_for_uid(s->uid, &user, &instance_timer);
                if (r > 0 && asprintf(&instance_dir, STATE_SYSTEM_DIR "/%s", user) < 0)
                        return log_oom();
                r = load_state(&h->context, instance_dir, &h->state);
                if (r < 0)
                        log_warning_errno(r, "Failed to read the counters of %s: %m", s->name);
                /* §2: null, not zero, before the session's first report. */
                h->have_state = r >= 0 && (h->state.seq_number > 0 || h->state.last_time_ms > 0 || h->state.pending);
        }
        h->next_usec = timer_next_run_usec(instance_timer ?: TIMER_UNIT);
        return 0;
}

static json_object *int_or_null(bool known, uint64_t v) {
        return known ? json_object_new_int64((int64_t) v) : NULL;
}

/* The keys of §2 for one head. */
static json_object *head_json(const HeadStatus *h, const UnitSettings *settings, const char *endpoint) {
        const Context *c = &h->context;
        const State *st = &h->state;
        const char *decision = c->invalid_setting ? "invalid" : c->decision.enabled ? "enabled" : "disabled";
        _cleanup_json_ json_object *o = json_object_new_object();
        char name[64];

        if (!o)
                return NULL;
        json_object_object_add(o, "decision", json_object_new_string(decision));
        json_object_object_add(o, "decided_by", c->invalid_setting ? NULL :
                               json_object_new_string(decided_by_to_string(c->decision.decided_by)));
        json_object_object_add(o, "error", string_or_null(c->invalid_setting));
        json_object_object_add(o, "config_path", string_or_null(c->config_path));
        json_object_object_add(o, "session_dir", string_or_null(c->session ? c->session->path : NULL));
        json_object_object_add(o, "ray_user", c->session ? json_object_new_string(user_name(c->ray_uid, name,
                                                                                              sizeof name)) : NULL);
        json_object_object_add(o, "ray_uid", int_or_null(c->session, c->ray_uid));
        json_object_object_add(o, "session_id", string_or_null(h->have_state ? st->session_id : NULL));
        json_object_object_add(o, "endpoint", json_object_new_string(endpoint));
        json_object_object_add(o, "seq_number", int_or_null(h->have_state, st->seq_number));
        json_object_object_add(o, "total_success", int_or_null(h->have_state, st->total_success));
        json_object_object_add(o, "total_failed", int_or_null(h->have_state, st->total_failed));
        json_object_object_add(o, "last_report", h->have_state && st->last_time_ms > 0 ?
                               last_report_json(st->last_time_ms, st->last_success, st->last_error) : NULL);
        json_object_object_add(o, "additional_endpoints", h->have_state ? endpoints_json(st) : NULL);
        json_object_object_add(o, "next_run", h->next_usec > 0 ?
                               json_object_new_int64((int64_t) (h->next_usec / 1000)) : NULL);
        /* Where the deciding setting comes from (docs/design.md §2). */
        json_object_object_add(o, "decided_by_source", c->invalid_setting ? NULL :
                               string_or_null(unit_settings_decision_source(settings, &c->decision, c->config_path)));
        json_object_object_add(o, "decided_by_setting", string_or_null(c->decision_source));
        return TAKE_PTR(o);
}

/* §2: the top-level keys describe the newest head (heads[0]), "heads" lists
 * every one. */
static int print_json(const HeadStatus *heads, size_t n_heads, const UnitSettings *settings, const char *endpoint,
                      const FieldNotice *notice) {
        _cleanup_json_ json_object *o = NULL, *list = json_object_new_array(), *change = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (!list)
                return log_oom();
        o = head_json(&heads[0], settings, endpoint);
        if (!o)
                return log_oom();
        /* With no live head, heads[0] holds only the invoking user's decision: "heads" is []. */
        for (size_t i = 0; heads[0].context.session && i < n_heads; i++) {
                json_object *h = head_json(&heads[i], settings, endpoint);

                if (!h || json_object_array_add(list, h) < 0)
                        return log_oom();
        }

        if (notice->time_ms > 0) {
                change = json_object_new_object();
                if (!change)
                        return log_oom();
                json_object_object_add(change, "time_ms", json_object_new_int64(notice->time_ms));
                json_object_object_add(change, "added", json_array_from_strv(notice->added));
                json_object_object_add(change, "removed", json_array_from_strv(notice->removed));
        }
        json_object_object_add(o, "field_change", TAKE_PTR(change));
        json_object_object_add(o, "heads", TAKE_PTR(list));
        /* Whose settings these are: the unit's, or this command's own environment. */
        json_object_object_add(o, "settings_unit", settings->from_unit ? json_object_new_string(settings->env.unit) : NULL);
        json_object_object_add(o, "settings_note", string_or_null(settings->note));
        json_object_object_add(o, "settings_problem", string_or_null(settings->env.problem));
        json_object_object_add(o, "endpoint_source",
                               string_or_null(unit_settings_source(settings, "RAY_USAGE_STATS_REPORT_URL")));

        r = json_dump_python(o, &text);
        if (r < 0)
                return log_oom();
        printf("%s\n", text);
        return 0;
}

static void print_head(const HeadStatus *h) {
        const Context *c = &h->context;
        const State *st = &h->state;
        char last[64], next[64], name[64];

        format_time(last, sizeof last, h->have_state ? st->last_time_ms : 0);
        format_time(next, sizeof next, (int64_t) (h->next_usec / 1000));

        if (c->session)
                printf_escaped("Ray session:   %s (uid %u, %s; gcs_server %d)", c->session->path, (unsigned) c->ray_uid,
                               user_name(c->ray_uid, name, sizeof name), (int) c->session->pid);
        else
                printf("Ray session:   none (no live Ray head)\n");
        if (c->invalid_setting)
                printf_escaped("Decision:      invalid setting: %s", c->invalid_setting);
        else
                printf_escaped("Decision:      %s (decided by %s)", c->decision.enabled ? "enabled" : "disabled",
                               decided_by_to_string(c->decision.decided_by));
        if (c->decision_source)
                printf_escaped("Set by:        %s", c->decision_source);
        printf_escaped("Config file:   %s", c->config_path);
        if (h->have_state) {
                printf_escaped("Session id:    %s", st->session_id ?: "none reported yet");
                printf("Counters:      seq_number %" PRIu64 ", total_success %" PRIu64 ", total_failed %" PRIu64 "\n",
                       st->seq_number, st->total_success, st->total_failed);
                if (st->last_success < 0)
                        printf("Last report:   never\n");
                else if (st->last_success)
                        printf_escaped("Last report:   %s, sent", last);
                else
                        printf_escaped("Last report:   %s, failed: %s", last, st->last_error ?: "unknown error");
                print_endpoints(st);
        } else if (c->session)
                printf("Last report:   none in this session yet\n");
        printf_escaped("Next run:      %s", h->next_usec > 0 ? next : "unknown (timer not active)");
}

static void print_human(const HeadStatus *heads, size_t n_heads, const UnitSettings *settings, const char *endpoint,
                        const FieldNotice *notice) {
        const char *endpoint_source = unit_settings_source(settings, "RAY_USAGE_STATS_REPORT_URL");
        char when[64];

        printf_escaped("Settings:      %s", settings->note);
        if (settings->env.problem)
                printf_escaped("Warning:       %s", settings->env.problem);
        if (endpoint_source)
                printf_escaped("Endpoint:      %s (RAY_USAGE_STATS_REPORT_URL in %s)", endpoint, endpoint_source);
        else
                printf_escaped("Endpoint:      %s (Ray's, the default)", endpoint);
        if (heads[0].context.session)
                printf("Live Ray heads: %zu\n", n_heads);
        for (size_t i = 0; i < n_heads; i++) {
                printf("\n");
                print_head(&heads[i]);
        }
        if (notice->time_ms > 0) {
                _cleanup_free_ char *added = strv_join(notice->added, ", "), *removed = strv_join(notice->removed, ", ");

                format_time(when, sizeof when, notice->time_ms);
                printf("\n");
                printf_escaped("Field change:  the report of %s changed the fields sent: added: %s; removed: %s", when,
                               added && *added ? added : "none", removed && *removed ? removed : "none");
                printf("               (see 'ray-usage-stats fields'; shown until the next report)\n");
        }
}

int cmd_status(int argc, char *argv[]) {
        _cleanup_(unit_settings_done) UnitSettings settings = {};
        _cleanup_(head_scan_done) HeadScan scan = {};
        _cleanup_(field_notice_done) FieldNotice notice = {};
        _cleanup_free_ char *endpoint = NULL;
        _cleanup_free_ HeadStatus *heads = NULL;
        bool json = false;
        size_t n;
        int r;

        r = cli_parse(argc, argv,
                      "status [--json]\n\n"
                      "Show the endpoint and, for each live Ray head, its Ray user, the effective decision\n"
                      "and what decided it, the config file, its counters and last report, and the timer's\n"
                      "next run. Run by a person, it decides under the service's settings (its unit's\n"
                      "Environment= and EnvironmentFile=, drop-ins included, read from systemd) and names\n"
                      "the file each deciding setting comes from. Makes no network connection.\n\n"
                      "  --json    print one JSON object (its keys describe the newest head; \"heads\" lists all)",
                      (CliFlag[]) { { "json", &json }, {} }, 0, NULL);
        if (r <= 0)
                return r;

        r = unit_settings_load(&settings);
        if (r < 0)
                return log_oom();
        r = context_find_heads(NULL, false, &scan);
        if (r < 0)
                return r;
        n = context_runs(&scan);
        heads = calloc(n, sizeof(HeadStatus));
        if (!heads)
                return log_oom();
        for (size_t i = 0; i < n; i++)
                heads[i].context = CONTEXT_NULL;
        for (size_t i = 0; i < n; i++) {
                r = head_status_load(&heads[i], &settings, i < scan.n_heads ? TAKE_PTR(scan.heads[i]) : NULL);
                if (r < 0)
                        break;
        }
        load_field_notice(&notice);
        endpoint = http_url_redact(upload_url());
        if (r >= 0 && !endpoint)
                r = log_oom();

        if (r >= 0 && json)
                r = print_json(heads, n, &settings, endpoint, &notice);
        else if (r >= 0)
                print_human(heads, n, &settings, endpoint, &notice);
        for (size_t i = 0; i < n; i++)
                head_status_done(&heads[i]);
        return r < 0 ? r : 0;
}
