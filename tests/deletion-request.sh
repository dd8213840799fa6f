#!/bin/bash
# SPDX-License-Identifier: MIT
# `deletion-request` (docs/design.md §11): every session_id that reached Ray's endpoint,
# from the journal (what real runs sent to the journal socket, made into
# journal files by systemd-journal-remote) and from the state directory, with
# first/last time and count, and a request to usage_stats@ray.io naming them;
# failed and local-mode attempts do not count; no connection is opened.
# Only what reached Ray's own endpoint (the default URL, answered on loopback
# in a private network namespace) is asked of Ray; sessions sent to a private
# report URL or an additional endpoint are listed apart; the per-user units'
# state directories count too.
RUS_JOURNAL_NETNS=1
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

start_two_session_heads
ray_endpoint_on_loopback ray
start_head failing --post-status 500 --route "/cluster_id=$TEST_TMP/cluster_id3.json"
printf '{"result": true, "msg": "", "data": {"clusterId": "%s"}}' fa11ed0000000000000000000000000000000000000000000000000f \
        >"$TEST_TMP/cluster_id3.json"
ID3=fa11ed0000000000000000000000000000000000000000000000000f
SESSION3=session_2025-11-28_09-00-00_111111_4444
ROTATED=session_2025-01-01_00-00-00_000001_1

# use_head NAME for the dashboard, with reports to Ray's own endpoint.
to_ray() {
        use_head "$1"
        unset RAY_USAGE_STATS_REPORT_URL
}

runs() {
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        to_ray main
        rus report
        need "the report to Ray's endpoint exits 0" [ "$RC" -eq 0 ]
        rus report
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        to_ray other
        rus report
        RAY_USAGE_STATS_UPLOAD=0 rus report
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION3 make_session "$RUS_RAY_DIR" >/dev/null
        use_head failing
        rus report
        need "the last report exits 0" [ "$RC" -eq 0 ]
        need "Ray's endpoint received three reports" [ "$(requests_count_of ray POST)" -eq 3 ]
}

requests_count_of() { # HEAD METHOD
        _rus_requests "$2" "" "${HEAD_REC[$1]}" | wc -l
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
        to_ray main
        rus report
        capture_journal "$TEST_TMP/remote/remote-a.journal"
        start_capture head-b
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        to_ray other
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

# A report to a private endpoint (a drop-in's RAY_USAGE_STATS_REPORT_URL) and
# one to an additional endpoint never reached Ray: not asked of Ray, listed
# apart. A per-user unit's session whose journal entries rotated away is
# still in its state directory, below the service's.
case_private_endpoint_and_per_user() {
        local peruser=session_2025-11-25_10-00-00_000002_2
        fresh
        start_capture head-a
        RUS_SESSION_NAME=$SESSION1 make_session "$RUS_RAY_DIR" >/dev/null
        to_ray main
        RAY_USAGE_STATS_ADDITIONAL_URLS=${HEAD_URL[other]}/extra rus report
        need "the report to Ray and an additional endpoint exits 0" [ "$RC" -eq 0 ]
        stop_gcs # "ray stop": the next session is the only live head
        RUS_SESSION_NAME=$SESSION2 make_session "$RUS_RAY_DIR" >/dev/null
        use_head other
        rus report
        need "the report to a private endpoint exits 0" [ "$RC" -eq 0 ]
        need "Ray's endpoint received only session 1" [ "$(requests_count_of ray POST)" -eq 1 ]
        capture_journal "$TEST_TMP/p.journal"
        install_system_journal "$TEST_TMP/p.journal"
        mkdir -p "$RAY_USAGE_STATS_STATE_DIR/rayuser"
        printf '%s\n' '{"seq_number": 2, "total_success": 2, "total_failed": 0, "ray_success": 2, "pending": false, "session_id": "p3rus3r", "fallback_session_id": null, "last_report": {"time_ms": 1735600000000, "success": true, "error": null}}' \
                >"$RAY_USAGE_STATS_STATE_DIR/rayuser/$peruser.json"

        rus deletion-request --json
        need "deletion-request --json exits 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$TEST_TMP/p.json"
        pycheck '
eq(sorted(x["session_id"] for x in J0["sessions"]), sorted(["'$ID1'", "p3rus3r"]),
   "asked of Ray: the session sent to Ray and the per-user unit'"'"'s session, not the private one")
o = sorted((x["session_id"], x["endpoint"], x["reports"]) for x in J0["other_endpoints"])
eq(o, sorted([("'$ID1'", "'${HEAD_URL[other]}'/extra", 1), ("'$ID2'", "'${HEAD_URL[other]}'/report", 1)]),
   "listed apart: the additional endpoint and the private report URL")
check("'$ID2'" not in J0["body"], "the request to Ray does not name the privately sent session")
check("p3rus3r" in J0["body"], "the request names the per-user unit'"'"'s session")
' "$TEST_TMP/p.json"

        rus deletion-request
        need "deletion-request exits 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$TEST_TMP/p.txt"
        info "deletion-request after a private-endpoint report:"$'\n'"$(cat "$TEST_TMP/p.txt")"
        need "the sessions sent elsewhere are listed apart, for their operators" \
                grep -q "^Sent to other endpoints, not Ray's: ask their operators" "$TEST_TMP/p.txt"
        need "the privately sent session is in that list, with its endpoint" \
                grep -qE "^$ID2 +${HEAD_URL[other]}/report " "$TEST_TMP/p.txt"
        need "and not in the mail to Ray" bash -c "! sed -n '/^To: /,\$p' '$TEST_TMP/p.txt' | grep -q '$ID2'"
}
t "deletion-request: a private endpoint's sessions are not asked of Ray; per-user state directories count" \
        case_private_endpoint_and_per_user

t_end
