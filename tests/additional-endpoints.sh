#!/bin/bash
# SPDX-License-Identifier: MIT
# Additional endpoints (docs/design.md §6): RAY_USAGE_STATS_ADDITIONAL_URLS gets the same
# bytes in the same run, in parallel with Ray's endpoint, within the 10 s
# upload budget; Ray's counters count Ray's endpoint only; each additional
# endpoint has its own counters (status) and journal entry (history), without
# credentials; disabled, cluster opt-out and local mode send to none; an
# invalid list is an invalid setting (exit 255).
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

start_head main
start_head optout --fixtures "$FIXTURES/opted-out"
start_head ok200 --post-status 200
start_head err500 --post-status 500
start_head hang --post-mode hang
make_session "$RUS_RAY_DIR" >/dev/null
EXTRA="http://collector:pw0rd@127.0.0.1:${HEAD_PORT[ok200]}/a
        http://127.0.0.1:${HEAD_PORT[err500]}/b	http://127.0.0.1:${HEAD_PORT[hang]}/c"

# The exact bytes of POST N to head NAME into FILE.
body_of() { # NAME N FILE
        local FAKE_HEAD_RECORD=${HEAD_REC[$1]}
        post_body "$2" "$3"
}

case_parallel() {
        fresh
        use_head main
        start_capture head-a
        RAY_USAGE_STATS_ADDITIONAL_URLS=$EXTRA rus report
        need "report exits 0" [ "$RC" -eq 0 ]
        # docs/design.md §6: the upload phase is bounded by 10 s whatever the endpoints do;
        # with the hanging endpoint, the run must still end within it (with slack).
        within "$LIMIT_UPLOAD_MS" "the run, one endpoint hanging"
        info "a report with a hanging additional endpoint took $T_MS ms"
        body_of main 0 "$TEST_TMP/ray" && body_of ok200 0 "$TEST_TMP/a" && body_of err500 0 "$TEST_TMP/b" &&
                body_of hang 0 "$TEST_TMP/c" || need "every endpoint received one POST" false
        need "endpoint a got the very bytes Ray's got" cmp -s "$TEST_TMP/ray" "$TEST_TMP/a"
        need "endpoint b got the very bytes Ray's got" cmp -s "$TEST_TMP/ray" "$TEST_TMP/b"
        need "endpoint c got the very bytes Ray's got" cmp -s "$TEST_TMP/ray" "$TEST_TMP/c"
        need "one POST each" [ "$(record_lines "${HEAD_REC[ok200]}")" -eq 1 ]
        need "the additional endpoints get no dashboard calls" \
                [ "$(record_lines "${HEAD_REC[err500]}")" -eq 1 ]
        need "stderr names the failed additional endpoint" grep -q "additional endpoint http://127.0.0.1:${HEAD_PORT[err500]}/b failed: HTTP 500" "$T_ERR"

        status_json "$TEST_TMP/s.json"
        pycheck '
eq(J0["total_success"], 1, "Ray total_success counts Ray only")
eq(J0["total_failed"], 0, "Ray total_failed counts Ray only")
e = {x["url"]: x for x in J0["additional_endpoints"]}
a, b, c = ("http://127.0.0.1:%s/%s" % (p, n) for p, n in (("'"${HEAD_PORT[ok200]}"'", "a"),
                                                          ("'"${HEAD_PORT[err500]}"'", "b"),
                                                          ("'"${HEAD_PORT[hang]}"'", "c")))
eq(sorted(e), sorted([a, b, c]), "one entry per endpoint, without credentials")
eq((e[a]["total_success"], e[a]["total_failed"], e[a]["last_report"]["success"]), (1, 0, True), "a: 200")
eq((e[b]["total_success"], e[b]["total_failed"], e[b]["last_report"]["error"]), (0, 1, "HTTP 500 from " + b), "b: 500")
eq((e[c]["total_success"], e[c]["total_failed"]), (0, 1), "c: hangs")
check("timed out" in e[c]["last_report"]["error"].lower() or "timeout" in e[c]["last_report"]["error"].lower(),
      "c: the error says it timed out: %r" % e[c]["last_report"]["error"])
' "$TEST_TMP/s.json"
        rus status
        need "status lists the additional endpoints" grep -q "^Additional: .*/a: total_success 1, total_failed 0" "$T_OUT"

        # The report's own counters: the next report says total_success 1 (Ray's), not 2.
        RAY_USAGE_STATS_ADDITIONAL_URLS="http://127.0.0.1:${HEAD_PORT[ok200]}/a" rus report
        body_of main 1 "$TEST_TMP/ray2"
        pycheck 'eq((J0["seq_number"], J0["total_success"], J0["total_failed"]), (1, 1, 0), "the second report counts Ray only")' \
                "$TEST_TMP/ray2"

        capture_journal "$TEST_TMP/e.journal"
        need "no credentials in the journal" bash -c "! grep -qa pw0rd '$RUS_CAPTURE_OUT'"
        rus history --json --file="$TEST_TMP/e.journal"
        python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T_OUT" \
                >"$TEST_TMP/h.json"
        pycheck '
eq(len(J0), 6, "one journal entry per attempt per endpoint (4 + 2)")
eq(sum(1 for a in J0 if not a["additional"]), 2, "two to Ray")
first = [a for a in J0 if a["seq"] == 0]
eq(sorted(((a["additional"], a["result"], a["http_status"]) for a in first), key=repr),
   sorted([(False, "sent", 200), (True, "failed", None), (True, "failed", 500), (True, "sent", 200)], key=repr),
   "first run")
check(all(a["payload"] == first[0]["payload"] for a in first), "the same payload in every entry of a run")
' "$TEST_TMP/h.json"
        rus deletion-request --json --file="$TEST_TMP/e.journal"
        # The report URL here is a private one: nothing reached Ray; both endpoints are listed apart.
        pycheck '
eq(J0["sessions"], [], "deletion-request asks Ray about nothing")
eq(sorted((o["endpoint"].rsplit("/", 1)[1], o["reports"]) for o in J0["other_endpoints"]), [("a", 2), ("report", 2)],
   "the private report URL and the additional endpoint that took the reports, listed apart")' "$T_OUT"
}
t "additional endpoints: same bytes in parallel within budget, own counters and journal entries" case_parallel

case_none() {
        fresh
        export RAY_USAGE_STATS_ADDITIONAL_URLS=$EXTRA
        use_head main
        RAY_USAGE_STATS_UPLOAD=0 rus report
        need "local mode exits 0" [ "$RC" -eq 0 ]
        RAY_USAGE_STATS_ENABLED=0 rus report
        need "disabled exits 1" [ "$RC" -eq 1 ]
        use_head optout
        rus report
        need "cluster opt-out exits 0" [ "$RC" -eq 0 ]
        local h
        for h in main optout ok200 err500 hang; do
                need "no POST to $h" [ "$(FAKE_HEAD_RECORD=${HEAD_REC[$h]} posts_count)" -eq 0 ]
        done
}
t "disabled, cluster opt-out and local mode send to no endpoint" case_none

case_invalid() {
        fresh
        use_head main
        RAY_USAGE_STATS_ADDITIONAL_URLS="http://127.0.0.1:1/ ftp://user:s3cret@x/" rus check
        need "an invalid URL: check exits 255, not $RC" [ "$RC" -eq 255 ]
        need "the message names the setting" grep -q "Invalid RAY_USAGE_STATS_ADDITIONAL_URLS" "$T_ERR"
        need "the message does not echo a password" bash -c "! grep -q s3cret '$T_ERR'"
        RAY_USAGE_STATS_ADDITIONAL_URLS="$(printf 'http://127.0.0.1:1/%d ' 1 2 3 4 5 6 7 8 9)" rus report
        need "nine URLs: report exits 255, not $RC" [ "$RC" -eq 255 ]
        need "the message says at most 8" grep -q "at most 8" "$T_ERR"
        need "nothing sent" [ "$(posts_count)" -eq 0 ]
        RAY_USAGE_STATS_ADDITIONAL_URLS="$(printf 'http://127.0.0.1:1/%d ' 1 2 3 4 5 6 7 8)" rus check
        need "eight URLs are fine" [ "$RC" -eq 0 ]
}
t "an invalid RAY_USAGE_STATS_ADDITIONAL_URLS is an invalid setting (exit 255), named" case_invalid

t_end
