#!/bin/bash
# SPDX-License-Identifier: MIT
# When `report` and `preview` must do nothing, or less (docs/design.md §2, §3.5, §3.6, §4.1,
# §6): the cluster's own opt-out, a disabled machine (no connection of any
# kind, not even to the dashboard or a cloud probe), no session, an invalid
# setting, local mode; and preview, which prints exactly the next report and
# changes nothing.
. "$(dirname "$0")/report-lib.sh"

start_head main
start_head optout --fixtures "$FIXTURES/opted-out"
start_head noclusterid --route-mode /cluster_id=500
make_session "$RUS_RAY_DIR" >/dev/null

# Every URL the product could contact points at head NAME, probes on, so that
# any connection at all shows up in its record.
everything_at() {
        use_head "$1"
        export RAY_USAGE_STATS_CLOUD_PROBE=1
        export RAY_USAGE_STATS_AZURE_METADATA_URL=$FAKE_HEAD_URL/metadata/instance
        export RAY_USAGE_STATS_GCP_METADATA_URL=$FAKE_HEAD_URL/computeMetadata/v1
        export RAY_USAGE_STATS_AWS_METADATA_URL=$FAKE_HEAD_URL/latest/meta-data/
}

# One successful report, so that counters and a file exist; the file's copy
# is in $TEST_TMP/before.json, the status in $TEST_TMP/status-before.json.
baseline() {
        fresh
        use_head main
        rus report
        need "baseline report exits 0" [ "$RC" -eq 0 ]
        cp -p "$USAGE_FILE" "$TEST_TMP/before.json"
        status_json "$TEST_TMP/status-before.json"
        : >"$FAKE_HEAD_RECORD"
}

unchanged() {
        need "usage_stats.json unchanged" cmp -s "$USAGE_FILE" "$TEST_TMP/before.json"
        status_json "$TEST_TMP/status-after.json"
        pycheck '
for k in ("seq_number", "total_success", "total_failed", "session_id", "last_report"):
    eq(J0[k], J[1][k], k + " unchanged")
' "$TEST_TMP/status-after.json" "$TEST_TMP/status-before.json"
}

case_cluster_opted_out() {
        baseline
        everything_at optout
        local ino
        ino=$(stat -c %i "$USAGE_FILE")
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "stderr/journal says the cluster itself opted out" grep -qiE "cluster itself|opted out" "$T_ERR"
        need "nothing sent" [ "$(posts_count)" -eq 0 ]
        need "only the opt-out question asked" \
                [ "$(_rus_requests GET | grep -vcE '"path": "/(usage_stats_enabled|api/authentication_mode)"')" -eq 0 ]
        need "usage_stats.json not replaced" [ "$(stat -c %i "$USAGE_FILE")" = "$ino" ]
        unchanged
}
t "cluster opted out: report exits 0, collects, writes and sends nothing, no counter change" case_cluster_opted_out

case_cluster_opted_out_fresh() {
        fresh
        everything_at optout
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "no usage_stats.json" [ ! -e "$USAGE_FILE" ]
        need "no counters" [ -z "$(stored_state)" ]
        need "nothing sent" [ "$(posts_count)" -eq 0 ]
}
t "cluster opted out on a fresh session: no file, no counters, nothing sent" case_cluster_opted_out_fresh

case_preview_opted_out() {
        fresh
        everything_at optout
        rus preview
        need "exit 1" [ "$RC" -eq 1 ]
        need "the reason on stderr" grep -qiE "cluster itself|opted out" "$T_ERR"
        need "nothing on stdout" [ ! -s "$T_OUT" ]
        need "no file" [ ! -e "$USAGE_FILE" ]
}
t "cluster opted out: preview exits 1 with the reason on stderr" case_preview_opted_out

# disabled_case SETUP...: SETUP (a shell command) disables collection; report
# and preview exit 1, contact nothing, write nothing.
disabled_case() {
        baseline
        everything_at main
        rm -f "$USAGE_FILE"
        eval "$1"
        local cmd
        for cmd in report preview "record-library core" check; do
                # shellcheck disable=SC2086 # the command and its argument
                rus $cmd
                need "$cmd exits 1" [ "$RC" -eq 1 ]
                need "$cmd says disabled" grep -qi "disabled" "$T_ERR"
        done
        need "no request at all reached the head (dashboard, probes, endpoint)" [ "$(record_lines)" -eq 0 ]
        need "no usage_stats.json" [ ! -e "$USAGE_FILE" ]
        need "no library marker" [ ! -e "$SESSION/_ray_lib_usage-core.txt" ]
        cp -p "$TEST_TMP/before.json" "$USAGE_FILE"
        unchanged
        if have_strace; then
                rus_traced report
                need "exit 1 under strace" [ "$RC" -eq 1 ]
                need "no IPv4/IPv6 connect() at all: $(inet_connects | head -3)" [ -z "$(inet_connects)" ]
        fi
}
t "RAY_USAGE_STATS_ENABLED=0: report/preview/record-library exit 1, no connection, no file" \
        disabled_case 'export RAY_USAGE_STATS_ENABLED=0'
t "DO_NOT_TRACK=1: report/preview/record-library exit 1, no connection, no file" \
        disabled_case 'export DO_NOT_TRACK=1'
t 'config {"usage_stats": false}: report/preview/record-library exit 1, no connection, no file' \
        disabled_case 'mkdir -p "$HOME/.ray" && printf "{\"usage_stats\": false}" >"$RAY_USAGE_STATS_CONFIG_PATH"'
t "machine-wide RAY_USAGE_STATS_ENABLED=0: report/preview/record-library exit 1, no connection" \
        disabled_case 'echo RAY_USAGE_STATS_ENABLED=0 >"$RAY_USAGE_STATS_SYSTEM_CONFIG"'

case_disabled_no_session() {
        fresh
        everything_at main
        stop_gcs # "ray stop"
        export RAY_USAGE_STATS_ENABLED=0 RAY_TMPDIR=$TEST_TMP/no-ray-here
        rus report
        need "a disabled machine exits 1 whether or not Ray runs" [ "$RC" -eq 1 ]
        need "no connection" [ "$(record_lines)" -eq 0 ]
}
t "disabled and no session: report exits 1" case_disabled_no_session

# no_session_case SETUP: SETUP leaves no usable session; report exits 2.
no_session_case() {
        fresh
        everything_at main
        local tmp=$TEST_TMP/nosess
        stop_gcs # "ray stop": no live head either
        rm -rf "$tmp"
        mkdir -p "$tmp/ray"
        export RAY_TMPDIR=$tmp
        eval "$1"
        local cmd
        for cmd in report preview; do
                rus "$cmd"
                need "$cmd exits 2" [ "$RC" -eq 2 ]
                need "$cmd says there is no session" grep -qiE "no (live )?ray head" "$T_ERR"
        done
        need "no connection" [ "$(record_lines)" -eq 0 ]
        need "nothing written in the temp dir" [ -z "$(find "$tmp" -name usage_stats.json)" ]
        need "no counters" [ -z "$(stored_state)" ]
}
t "no session (no session_latest): report and preview exit 2, no connection" no_session_case ':'
t "no session (no Ray temp dir at all): exit 2" no_session_case 'rm -rf "$tmp/ray"'
t "no session (session_latest dangling): exit 2" \
        no_session_case 'ln -s session_2024-01-01_00-00-00_000000_1 "$tmp/ray/session_latest"'
t "no session (session_latest names a regular file): exit 2" \
        no_session_case 'touch "$tmp/ray/session_2024-01-01_00-00-00_000000_1"; ln -s session_2024-01-01_00-00-00_000000_1 "$tmp/ray/session_latest"'
t "no session (session_latest names no session_* entry): exit 2" \
        no_session_case 'mkdir "$tmp/ray/other"; ln -s other "$tmp/ray/session_latest"'
t "TMPDIR is used when RAY_TMPDIR is unset (no session there: exit 2)" \
        no_session_case 'unset RAY_TMPDIR; export TMPDIR=$tmp'

case_tmpdir_session() {
        fresh
        use_head main
        unset RAY_TMPDIR
        export TMPDIR=$TEST_TMP/tmp
        rus report
        need "exit 0: the session under \$TMPDIR/ray found" [ "$RC" -eq 0 ]
        need "file written there" [ -f "$USAGE_FILE" ]
}
t "TMPDIR/ray is the Ray temp root when RAY_TMPDIR is unset" case_tmpdir_session

# invalid_case SETUP NEEDLE: an invalid setting; report exits 255, says NEEDLE.
invalid_case() {
        baseline
        everything_at main
        eval "$1"
        local cmd
        for cmd in report preview; do
                rus "$cmd"
                need "$cmd exits 255" [ "$RC" -eq 255 ]
                need "$cmd names '$2'" grep -qF -- "$2" "$T_ERR"
        done
        need "no connection" [ "$(record_lines)" -eq 0 ]
        unchanged
}
t "RAY_USAGE_STATS_ENABLED=xxx: report exits 255 naming the variable and value" \
        invalid_case 'export RAY_USAGE_STATS_ENABLED=xxx' xxx
t "RAY_USAGE_STATS_ENABLED= (empty): report exits 255 naming the variable" \
        invalid_case 'export RAY_USAGE_STATS_ENABLED=' RAY_USAGE_STATS_ENABLED
t 'config "usage_stats": "false": report exits 255 naming the file' \
        invalid_case 'mkdir -p "$HOME/.ray" && echo "{\"usage_stats\": \"false\"}" >"$RAY_USAGE_STATS_CONFIG_PATH"' \
        "$HOME/.ray/config.json"

case_local_mode() {
        baseline
        everything_at main
        export RAY_USAGE_STATS_CLOUD_PROBE=0
        export RAY_USAGE_STATS_UPLOAD=0
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "stdout names the file" grep -qF "$USAGE_FILE" "$T_OUT"
        need "nothing POSTed" [ "$(posts_count)" -eq 0 ]
        need "the dashboard was asked" [ "$(requests_count GET /api/version)" -eq 1 ]
        pycheck '
eq(list(J0), ["usage_stats", "success", "error"], "keys")
eq(J0["success"], False, "success")
err = J0["error"] or ""
check("local mode" in err.lower(), f"error names local mode: {err!r}")
u = J0["usage_stats"]
eq(list(u), '"$RAY_KEYS"', "report keys")
eq((u["seq_number"], u["total_success"], u["total_failed"]), (1, 1, 0), "the counters as they stand")
eq(u["ray_version"], "2.52.0", "collected")
' "$USAGE_FILE"
        need "mode 0644" [ "$(stat -c %a "$USAGE_FILE")" = 644 ]
        status_json "$TEST_TMP/status-after.json"
        pycheck '
for k in ("seq_number", "total_success", "total_failed", "session_id"):
    eq(J0[k], J[1][k], k + " unchanged")
' "$TEST_TMP/status-after.json" "$TEST_TMP/status-before.json"
}
t "local mode (RAY_USAGE_STATS_UPLOAD=0): file success false naming local mode, nothing POSTed, counters kept" \
        case_local_mode

case_preview() {
        baseline
        use_head main
        rm -f "$USAGE_FILE"
        export RAY_USAGE_STATS_EXTRA_TAGS='k=v'
        rus record-library core
        rus preview
        need "exit 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$TEST_TMP/preview.json"
        need "nothing POSTed" [ "$(posts_count)" -eq 0 ]
        need "no file written" [ ! -e "$USAGE_FILE" ]
        status_json "$TEST_TMP/status-after.json"
        pycheck '
for k in ("seq_number", "total_success", "total_failed", "session_id", "last_report"):
    eq(J0[k], J[1][k], k + " unchanged by preview")
' "$TEST_TMP/status-after.json" "$TEST_TMP/status-before.json"
        rus report
        need "report after preview exits 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck '
eq(T[0].count("\n"), 1, "preview prints one line")
p, b = dict(J0), dict(J[1])
check(isinstance(p.pop("collect_timestamp_ms"), int), "preview has a collect_timestamp_ms")
b.pop("collect_timestamp_ms")
eq(list(p.items()), list(b.items()), "preview == the next POST body, but for collect_timestamp_ms")
eq(T[0].strip(), T[1].replace(str(J[1]["collect_timestamp_ms"]), str(J0["collect_timestamp_ms"])),
   "the same bytes, but for the timestamp")
eq(J0["library_usages"], ["core"], "library_usages")
eq(J0["extra_usage_tags"]["k"], "v", "env tag")
' "$TEST_TMP/preview.json" "$TEST_TMP/body.json"
}
t "preview prints exactly the next report (but collect_timestamp_ms), sends/writes/counts nothing" case_preview

case_preview_fresh() {
        fresh
        use_head main
        rus preview
        need "exit 0" [ "$RC" -eq 0 ]
        need "no counters stored" [ -z "$(stored_state)" ]
        need "no file written" [ ! -e "$USAGE_FILE" ]
        need "nothing POSTed" [ "$(posts_count)" -eq 0 ]
        pycheck 'eq((J0["seq_number"], J0["total_success"], J0["total_failed"]), (0, 0, 0), "counters")' "$T_OUT"
}
t "preview on a fresh session: seq 0, stores nothing" case_preview_fresh

case_preview_fallback_id() {
        fresh
        use_head noclusterid
        rus preview
        cp "$T_OUT" "$TEST_TMP/preview.json"
        rus report
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq(J0["session_id"], J[1]["session_id"], "session_id of preview and of the next report")' \
                "$TEST_TMP/preview.json" "$TEST_TMP/body.json"
}
t_todo "preview before the first report, /cluster_id failing: the same session_id as the next report" \
        "preview makes up a new random fallback session_id that report does not keep" case_preview_fallback_id

t_end
