#!/bin/bash
# SPDX-License-Identifier: MIT
# `deletion-request` (docs/design.md §11): every session_id that reached Ray's endpoint,
# from the journal (what real runs sent to the journal socket, made into
# journal files by systemd-journal-remote) and from the state directory, with
# first/last time and count, and a request to usage_stats@ray.io naming them;
# failed and local-mode attempts do not count; no connection is opened.
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

start_two_session_heads
start_head failing --post-status 500 --route "/cluster_id=$TEST_TMP/cluster_id3.json"
printf '{"result": true, "msg": "", "data": {"clusterId": "%s"}}' fa11ed0000000000000000000000000000000000000000000000000f \
        >"$TEST_TMP/cluster_id3.json"
ID3=fa11ed0000000000000000000000000000000000000000000000000f
SESSION3=session_2025-11-28_09-00-00_111111_4444
ROTATED=session_2025-01-01_00-00-00_000001_1

runs() {
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        use_head main
        rus report
        rus report
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        use_head other
        rus report
        RAY_USAGE_STATS_UPLOAD=0 rus report
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION3 make_session "$RUS_RAY_DIR" >/dev/null
        use_head failing
        rus report
        need "the last report exits 0" [ "$RC" -eq 0 ]
}

case_journal_and_state() {
        fresh
        start_capture head-a
        runs
        capture_journal "$TEST_TMP/a.journal"
        install_system_journal "$TEST_TMP/a.journal"
        # A session whose journal entries rotated away: only its state file is left.
        printf '%s\n' '{"seq_number": 4, "total_success": 3, "total_failed": 1, "pending": false, "session_id": "r0tat3d", "fallback_session_id": null, "last_report": {"time_ms": 1735700000000, "success": true, "error": null}}' \
                >"$RAY_USAGE_STATS_STATE_DIR/$ROTATED.json"

        if have_strace; then rus_traced deletion-request --json; else rus deletion-request --json; fi
        need "deletion-request --json exits 0" [ "$RC" -eq 0 ]
        if have_strace; then
                need "no connection of any kind: $(inet_connects)" [ -z "$(inet_connects)" ]
        fi
        cp "$T_OUT" "$TEST_TMP/d.json"
        pycheck '
s = {x["session_id"]: x for x in J0["sessions"]}
eq(sorted(s), sorted(["'$ID1'", "'$ID2'", "r0tat3d"]), "the sessions that reached Ray (not the failed one)")
eq(s["'$ID1'"]["reports"], 2, "reports of session 1")
eq(s["'$ID2'"]["reports"], 1, "reports of session 2 (local mode does not count)")
eq(s["r0tat3d"]["reports"], 3, "reports of the rotated session, from its state file")
eq(s["r0tat3d"]["first_time"], None, "first time of the rotated session is unknown")
eq(s["r0tat3d"]["last_time_usec"], 1735700000000000, "last time of the rotated session")
check(s["'$ID1'"]["first_time_usec"] < s["'$ID1'"]["last_time_usec"], "first before last")
eq([x["session_id"] for x in J0["sessions"]][0], "r0tat3d", "oldest first")
eq(J0["to"], "usage_stats@ray.io", "to")
for i in s:
    check(i in J0["body"], "the request names " + i)
check("'$ID3'" not in J0["body"], "the request does not name the failed session")
' "$TEST_TMP/d.json"

        rus deletion-request
        need "deletion-request exits 0" [ "$RC" -eq 0 ]
        need "the text names the address" grep -q "^To: usage_stats@ray.io" "$T_OUT"
        need "the table has three sessions" [ "$(grep -cE "^($ID1|$ID2|r0tat3d) " "$T_OUT")" -eq 3 ]
        need "the text lists the session ids" grep -qE "^  $ID2  \(1 report, " "$T_OUT"
}
t "deletion-request: journal and state, counts, times, the mail text, no connection" case_journal_and_state

case_fleet_and_empty() {
        fresh
        mkdir -p "$TEST_TMP/remote"
        start_capture head-a
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        use_head main
        rus report
        capture_journal "$TEST_TMP/remote/remote-a.journal"
        start_capture head-b
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        use_head other
        rus report
        capture_journal "$TEST_TMP/remote/remote-b.journal"
        rus deletion-request --directory="$TEST_TMP/remote"
        need "both machines' sessions" [ "$(grep -cE "^($ID1|$ID2) " "$T_OUT")" -eq 2 ]

        start_capture head-c
        RAY_USAGE_STATS_UPLOAD=0 rus report
        capture_journal "$TEST_TMP/local.journal"
        rus deletion-request --file="$TEST_TMP/local.journal"
        need "nothing sent: nothing to delete" grep -q "nothing to delete" "$T_OUT"
        need "and no mail text" bash -c "! grep -q '^To:' '$T_OUT'"
}
t "deletion-request --directory covers a fleet; nothing sent means nothing to delete" case_fleet_and_empty

t_end
