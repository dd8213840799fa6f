/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/read-attempts.h"
#include "http/http.h"
#include "shared/escape.h"
#include "shared/json-util.h"
#include "shared/log.h"
#include "shared/table.h"
#include "shared/time-parse.h"
#include "shared/time-util.h"

static void format_usec(char *buf, size_t size, uint64_t usec, bool utc_iso) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!(utc_iso ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
            strftime(buf, size, utc_iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "-");
}

/* The entry's URL as stored is already without credentials; an entry from
 * another machine's journal is not trusted to be. */
static char *shown_endpoint(const ReportAttempt *a) {
        return a->url ? http_url_redact(a->url) : strdup("-");
}

static int add_string(json_object *o, const char *key, const char *s) {
        json_object *v = s ? json_object_new_string(s) : NULL;

        if (s && !v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_int(json_object *o, const char *key, const char *decimal) {
        json_object *v = NULL;
        char *end;
        long long i;

        if (decimal) {
                errno = 0;
                i = strtoll(decimal, &end, 10);
                if (errno == 0 && end != decimal && !*end)
                        v = json_object_new_int64(i);
                else
                        v = json_object_new_string(decimal); /* not ours: shown as it is */
                if (!v)
                        return -ENOMEM;
        }
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int print_json(const ReportAttempt *a, const char *endpoint) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *text = NULL;
        json_object *payload = NULL;
        char time[32];

        if (!o)
                return -ENOMEM;
        format_usec(time, sizeof time, a->time_usec, true);
        /* A payload that is not JSON (not written by us) is kept as a string. */
        if (a->payload && json_parse_strict(a->payload, a->payload_size, &payload) < 0)
                payload = json_object_new_string_len(a->payload, (int) a->payload_size);

        if (add_string(o, "time", time) < 0 ||
            json_object_object_add(o, "time_usec", json_object_new_int64((int64_t) a->time_usec)) < 0 ||
            add_string(o, "hostname", a->hostname) < 0 ||
            add_string(o, "machine_id", a->machine_id) < 0 ||
            add_string(o, "session_id", a->session_id) < 0 ||
            add_int(o, "seq", a->seq) < 0 ||
            add_string(o, "endpoint", a->url ? endpoint : NULL) < 0 ||
            json_object_object_add(o, "additional", json_object_new_boolean(a->additional)) < 0 ||
            add_int(o, "http_status", a->http_status) < 0 ||
            add_string(o, "result", attempt_result_to_string(a->result)) < 0 ||
            json_object_object_add(o, "trusted", json_object_new_boolean(a->trusted)) < 0 ||
            add_string(o, "error", a->error) < 0 ||
            json_object_object_add(o, "payload_size", json_object_new_int64((int64_t) a->payload_size)) < 0 ||
            json_object_object_add(o, "payload", payload) < 0)
                return -ENOMEM;
        if (json_dump_python(o, &text) < 0)
                return -ENOMEM;
        printf("%s\n", text);
        return 0;
}

static int add_line(Table *t, const ReportAttempt *a, const char *endpoint, bool all) {
        _cleanup_free_ char *writer = NULL;
        char time[64], size[32];

        format_usec(time, sizeof time, a->time_usec, false);
        snprintf(size, sizeof size, "%zu", a->payload_size);
        if (!a->trusted && asprintf(&writer, "UNTRUSTED: written by uid %s %s", a->uid ?: "?", a->comm ?: "?") < 0)
                return -ENOMEM;
        return table_add(t, (const char *const[]) { time, a->hostname, a->session_id, a->seq, endpoint,
                                                    a->http_status, attempt_result_to_string(a->result), size,
                                                    all ? writer ?: "" : NULL });
}

static int parse_time_option(const char *name, const char *value, uint64_t *ret) {
        if (!value)
                return 0;
        if (parse_timestamp_spec(value, now(CLOCK_REALTIME), ret) < 0) {
                log_error("history: invalid %s '%s': use YYYY-MM-DD [HH:MM[:SS]], today, yesterday, now, or "
                          "a relative time such as -1h or -2d.", name, value);
                return -EINVAL;
        }
        return 0;
}

int cmd_history(int argc, char *argv[]) {
        _cleanup_(table_done) Table table = {};
        bool json = false, payload = false, all = false;
        const char *session = NULL, *since = NULL, *until = NULL, *lines = NULL;
        JournalSource src = {};
        AttemptFilter filter = {};
        ReportAttempt *a = NULL;
        size_t n = 0, first = 0, untrusted = 0;
        int r;

        r = cli_parse(argc, argv,
                      "history [--json] [--payload] [--all] [--session=ID] [--since=TIME] [--until=TIME] [-n N]\n"
                      "                        " JOURNAL_SOURCE_USAGE "\n\n"
                      "List every report attempt recorded in the journal, oldest first: time, host,\n"
                      "session_id, seq, endpoint, HTTP status, result (sent, failed, local) and payload size.\n\n"
                      "  --json           one JSON object per attempt and line, with the payload as JSON\n"
                      "  --payload        the exact bytes of each report, one per line\n"
                      "  --all            also the entries that claim to be this service's but that journald\n"
                      "                   says another program or user wrote, marked untrusted\n"
                      "  --session=ID     only the attempts of this session_id\n"
                      "  --since=TIME     only attempts at or after TIME (YYYY-MM-DD [HH:MM[:SS]], today,\n"
                      "  --until=TIME     yesterday, now, -1h, -2d, ...), at or before TIME\n"
                      "  -n N             only the last N attempts\n"
                      JOURNAL_SOURCE_HELP,
                      (CliFlag[]) {
                              { "json", &json },
                              { "payload", &payload },
                              { "all", &all },
                              { "session", NULL, &session },
                              { "since", NULL, &since },
                              { "until", NULL, &until },
                              { "lines", NULL, &lines, 'n' },
                              JOURNAL_SOURCE_FLAGS(src),
                              {} },
                      0, NULL);
        if (r <= 0)
                return r;

        if (json && payload) {
                log_error("history: --json and --payload exclude each other: give one of them.");
                return -EINVAL;
        }
        filter.session_id = session;
        r = parse_time_option("--since", since, &filter.since_usec);
        if (r < 0)
                return r;
        r = parse_time_option("--until", until, &filter.until_usec);
        if (r < 0)
                return r;
        if (lines) {
                char *end;
                unsigned long long l;

                errno = 0;
                l = strtoull(lines, &end, 10);
                if (errno != 0 || end == lines || *end || lines[0] == '-') {
                        log_error("history: invalid -n '%s': give a number of attempts.", lines);
                        return -EINVAL;
                }
                first = (size_t) l;
        }

        r = cli_read_attempts(&src, &filter, &a, &n);
        if (r != 0)
                return r;
        if (!all)
                untrusted = report_attempts_drop_untrusted(a, &n);
        if (untrusted == 1)
                log_warning("1 journal entry that claims to be a report attempt of ray-usage-stats was written by "
                            "another program or user (says journald): not counted; 'history --all' lists it.");
        else if (untrusted > 1)
                log_warning("%zu journal entries that claim to be report attempts of ray-usage-stats were written "
                            "by another program or user (says journald): not counted; 'history --all' lists them.",
                            untrusted);

        first = lines && first < n ? n - first : 0;
        r = 0;
        if (!json && !payload)
                /* --all adds the writer of the entries that journald says are not ours. */
                r = table_init(&table, all ? 9 : 8,
                               (const char *const[]) { "TIME", "HOST", "SESSION_ID", "SEQ", "ENDPOINT", "HTTP",
                                                       "RESULT", "BYTES", "WRITER" }, all ? "---r-r-r-" : "---r-r-r");
        for (size_t i = first; i < n && r >= 0; i++) {
                _cleanup_free_ char *endpoint = NULL;

                if (payload) {
                        /* Ours is JSON of printable ASCII, which passes unchanged. */
                        if (a[i].payload) {
                                _cleanup_free_ char *shown = escape_text(a[i].payload, a[i].payload_size);

                                if (!shown)
                                        r = -ENOMEM;
                                else
                                        puts(shown);
                        }
                        continue;
                }
                endpoint = shown_endpoint(&a[i]);
                if (!endpoint)
                        r = -ENOMEM;
                else if (json)
                        r = print_json(&a[i], endpoint);
                else
                        r = add_line(&table, &a[i], endpoint, all);
        }
        report_attempts_free(a, n);
        if (r >= 0 && !json && !payload) {
                if (n == first)
                        printf("No report attempts recorded.\n");
                else
                        r = table_print(&table, stdout);
        }
        if (r < 0)
                return log_oom();
        return cli_flush();
}
