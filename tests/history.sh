#!/bin/bash
# SPDX-License-Identifier: MIT
# `history` (docs/design.md §11): every report attempt read back from the journal with
# sd-journal, from journal files that systemd-journal-remote made of what
# real runs sent to the journal socket: the three attempts of two sessions
# with byte-identical payloads, --json, --payload, the filters, failed and
# local-mode attempts, no credentials, a fleet directory of two machines, and
# a user who may not read the journal.
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

start_two_session_heads
start_head failing --post-status 500

# Three timer runs across two Ray sessions, as the service makes them.
three_runs() {
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        use_head main
        rus report
        need "report 1 exits 0" [ "$RC" -eq 0 ]
        rus report
        need "report 2 exits 0" [ "$RC" -eq 0 ]
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        use_head other
        rus report
        need "report 3 exits 0" [ "$RC" -eq 0 ]
        { use_head main; post_body 0 "$TEST_TMP/sent.0"; post_body 1 "$TEST_TMP/sent.1"
          use_head other; post_body 0 "$TEST_TMP/sent.2"; } || need "the heads recorded three POSTs" false
}

case_three() {
        fresh
        start_capture head-a
        three_runs
        capture_journal "$TEST_TMP/a.journal"

        rus history --file="$TEST_TMP/a.journal"
        need "history exits 0" [ "$RC" -eq 0 ]
        need "history lists exactly three attempts" [ "$(tail -n +2 "$T_OUT" | wc -l)" -eq 3 ]
        need "each line has host, session, seq, HTTP 200 and 'sent'" \
                grep -qE "head-a +$ID1 +0 +http://127\.0\.0\.1:[0-9]+/report +200 sent +[0-9]+$" "$T_OUT"
        # Ray's cluster ids are 56 hex digits: the columns after them stay under their headings.
        need "columns fit the data: every endpoint starts under ENDPOINT, every result under RESULT" python3 -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
e, r = lines[0].index("ENDPOINT"), lines[0].index("RESULT")
sys.exit(0 if all(l.index("http://") == e and l.index("sent") == r for l in lines[1:]) else 1)' "$T_OUT"
        need "the second session's line" grep -qE "head-a +$ID2 +0 .* 200 sent" "$T_OUT"

        rus history --payload --file="$TEST_TMP/a.journal"
        need "history --payload exits 0" [ "$RC" -eq 0 ]
        cat "$TEST_TMP/sent.0" <(echo) "$TEST_TMP/sent.1" <(echo) "$TEST_TMP/sent.2" <(echo) >"$TEST_TMP/expected"
        need "--payload prints the exact bytes that were sent, one report a line" cmp -s "$T_OUT" "$TEST_TMP/expected"

        rus history --json --file="$TEST_TMP/a.journal"
        need "history --json exits 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$TEST_TMP/history.jsonl"
        python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' \
                "$TEST_TMP/history.jsonl" >"$TEST_TMP/history.json"
        pycheck '
h = J0
eq(len(h), 3, "attempts")
eq([a["session_id"] for a in h], ["'$ID1'", "'$ID1'", "'$ID2'"], "session ids")
eq([a["seq"] for a in h], [0, 1, 0], "seq")
eq([a["result"] for a in h], ["sent"] * 3, "results")
eq([a["http_status"] for a in h], [200] * 3, "statuses")
eq([a["hostname"] for a in h], ["head-a"] * 3, "hostnames")
for i, a in enumerate(h):
    sent = open("'"$TEST_TMP"'/sent.%d" % i, "rb").read()
    eq(a["payload"], json.loads(sent), "payload %d is the JSON object sent" % i)
    eq(a["payload_size"], len(sent), "payload_size %d" % i)
    check(a["time_usec"] > 0 and a["time"].endswith("Z"), "time %d" % i)
check(h[0]["time_usec"] <= h[1]["time_usec"] <= h[2]["time_usec"], "oldest first")
' "$TEST_TMP/history.json"

        rus history --session="$ID2" --file="$TEST_TMP/a.journal"
        need "--session keeps one attempt" [ "$(tail -n +2 "$T_OUT" | wc -l)" -eq 1 ]
        need "--session keeps that session's" grep -q "$ID2" "$T_OUT"
        rus history -n 2 --payload --file="$TEST_TMP/a.journal"
        need "-n 2 gives the last two" cmp -s "$T_OUT" <(cat "$TEST_TMP/sent.1" <(echo) "$TEST_TMP/sent.2" <(echo))
        rus history --since=tomorrow --file="$TEST_TMP/a.journal"
        need "--since=tomorrow finds nothing" grep -q "No report attempts" "$T_OUT"
        rus history --since=-1h --until=now --file="$TEST_TMP/a.journal"
        need "--since=-1h --until=now finds all three" [ "$(tail -n +2 "$T_OUT" | wc -l)" -eq 3 ]
        rus history --until=yesterday --file="$TEST_TMP/a.journal"
        need "--until=yesterday finds nothing" grep -q "No report attempts" "$T_OUT"
}
t "history: three runs across two sessions, byte-identical payloads, --json, filters" case_three

case_failed_local_credentials() {
        fresh
        start_capture head-a
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        use_head failing
        RAY_USAGE_STATS_REPORT_URL=http://ray:s3cret@127.0.0.1:${HEAD_PORT[failing]}/report rus report
        need "a failed upload exits 0" [ "$RC" -eq 0 ]
        RAY_USAGE_STATS_UPLOAD=0 rus report
        need "local mode exits 0" [ "$RC" -eq 0 ]
        capture_journal "$TEST_TMP/f.journal"
        rus history --file="$TEST_TMP/f.journal"
        need "two attempts" [ "$(tail -n +2 "$T_OUT" | wc -l)" -eq 2 ]
        need "the failed one with HTTP 500" grep -qE " 500 failed " "$T_OUT"
        need "the local one" grep -qE " - +- local " "$T_OUT"
        rus history --json --file="$TEST_TMP/f.journal"
        need "no credentials in history" bash -c "! grep -q s3cret '$T_OUT'"
        need "the endpoint without its user" grep -q '"endpoint": "http://127.0.0.1:' "$T_OUT"
}
t "history: failed and local-mode attempts, endpoint without credentials" case_failed_local_credentials

case_fleet() {
        fresh
        mkdir -p "$TEST_TMP/remote"
        start_capture head-a 11111111111111111111111111111111
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        use_head main
        rus report
        capture_journal "$TEST_TMP/remote/remote-head-a.journal"
        start_capture head-b 22222222222222222222222222222222
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        use_head other
        rus report
        capture_journal "$TEST_TMP/remote/remote-head-b.journal"

        rus history --json --directory="$TEST_TMP/remote"
        need "history --directory exits 0" [ "$RC" -eq 0 ]
        python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T_OUT" \
                >"$TEST_TMP/fleet.json"
        pycheck '
eq(sorted((a["hostname"], a["machine_id"], a["session_id"]) for a in J0),
   [("head-a", "11111111111111111111111111111111", "'$ID1'"),
    ("head-b", "22222222222222222222222222222222", "'$ID2'")], "both machines with their sessions")
for a in J0:
    check("hostname" not in json.dumps(a["payload"]) and a["hostname"] not in json.dumps(a["payload"]),
          "the host name is local metadata, never in the payload")
' "$TEST_TMP/fleet.json"
}
t "history --directory: the reports of two machines from one remote journal directory" case_fleet

case_access_denied() {
        local user root
        fresh
        start_capture head-a
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        use_head main
        rus report
        root=$TEST_TMP/os
        mkdir -p "$root/var/log/journal/0123456789abcdef0123456789abcdef"
        capture_journal "$root/var/log/journal/0123456789abcdef0123456789abcdef/system.journal"
        chmod -R a+rX "$root/var"
        chmod 0640 "$root/var/log/journal/0123456789abcdef0123456789abcdef/system.journal"

        rus history --root="$root"
        need "root reads the journal of --root" [ "$(tail -n +2 "$T_OUT" | wc -l)" -eq 1 ]

        user=$(unique_user rushist)
        add_user "$user" "$TEST_TMP/nohome"
        rus_as "$user" history --root="$root"
        need "a user outside adm/systemd-journal gets exit 1, not $RC" [ "$RC" -eq 1 ]
        need "the error names adm and systemd-journal" grep -q "adm.*systemd-journal" "$T_ERR"
        need "the error is one line" [ "$(wc -l <"$T_ERR")" -eq 1 ]
        need "no empty list on stdout" [ ! -s "$T_OUT" ]
}
t "history: a user who may not read the journal gets a one-line error naming the groups, exit 1" case_access_denied

case_usage() {
        rus history --since=soon
        need "an invalid --since exits 3" [ "$RC" -eq 3 ]
        need "it names the syntax" grep -q "YYYY-MM-DD" "$T_ERR"
        rus history -n x
        need "an invalid -n exits 3" [ "$RC" -eq 3 ]
        rus history --json --payload
        need "--json with --payload is an error" [ "$RC" -eq 3 ]
        rus history --file=/nonexistent.journal --directory=/tmp
        need "two sources are an error" [ "$RC" -eq 3 ]
        rus history --session
        need "--session without a value is an error" [ "$RC" -eq 3 ]
}
t "history: usage errors" case_usage

t_end
