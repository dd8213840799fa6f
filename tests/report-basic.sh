#!/bin/bash
# SPDX-License-Identifier: MIT
# `report` against the fake head serving tests/fixtures/basic: what it prints,
# the exact body the endpoint receives (Ray's 27 fields with the fixture's
# values), usage_stats.json, and the counters of docs/design.md §6 / Ray's reporting
# loop (policy reference 3) over runs answered 200, 500, 200.
. "$(dirname "$0")/report-lib.sh"

start_head main --post-status 200,500,200
make_session "$RUS_RAY_DIR" >/dev/null
fresh

# Run 0, answered 200.
case_prints_path() {
        use_head main
        date +%s%3N >"$TEST_TMP/run0.start"
        rus report
        date +%s%3N >"$TEST_TMP/run0.end"
        need "exit 0" [ "$RC" -eq 0 ]
        need "stdout names $USAGE_FILE" grep -qF "$USAGE_FILE" "$T_OUT"
        need "stderr says the report was sent" grep -qi "sent" "$T_ERR"
        need "one POST" [ "$(posts_count)" -eq 1 ]
        post_body 0 "$TEST_TMP/body0.json"
        cp "$USAGE_FILE" "$TEST_TMP/file0.json"
}
t "report prints where it wrote usage_stats.json" case_prints_path

case_post_headers() {
        use_head main
        need "Content-Type" [ "$(last_request_header POST Content-Type)" = application/json ]
        local ua
        ua=$(last_request_header POST User-Agent)
        need "User-Agent is ray-usage-stats/<version>, not '$ua'" \
                [ "$ua" = "ray-usage-stats/$("$RUS_BINARY" --version | awk '{print $2}')" ]
        need "no Authorization header" [ -z "$(last_request_header POST Authorization)" ]
        need "POSTed to /report" [ "$(_rus_requests POST /report | wc -l)" -eq 1 ]
}
t "the POST is application/json with User-Agent ray-usage-stats/VERSION" case_post_headers

case_keys() {
        pycheck "eq(list(J0), $RAY_KEYS, 'keys in order')" "$TEST_TMP/body0.json"
}
t "the body has exactly Ray's 27 keys, in Ray's order" case_keys

case_identity_fields() {
        pycheck '
eq(J0["schema_version"], "0.1", "schema_version")
eq(J0["source"], "OSS", "source")
eq(J0["os"], "linux", "os")
eq(J0["ray_version"], "2.52.0", "ray_version")
eq(J0["git_commit"], "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "git_commit")
eq(J0["python_version"], "3.11.7", "python_version")
eq(J0["session_id"], J[1]["data"]["clusterId"], "session_id == clusterId")
' "$TEST_TMP/body0.json" "$FIXTURES/basic/cluster_id.json"
}
t "versions, python_version and session_id (== clusterId) from the fixture" case_identity_fields

case_totals() {
        pycheck '
eq(J0["total_num_nodes"], 2, "ALIVE nodes")
eq(J0["total_num_cpus"], 24, "CPUs of ALIVE nodes")
eq(J0["total_num_gpus"], 1, "GPUs of ALIVE nodes")
eq(J0["total_memory_gb"], 60.0, "memory GiB of ALIVE nodes")
eq(J0["total_object_store_memory_gb"], 26.0, "object store GiB of ALIVE nodes")
eq(J0["total_num_running_jobs"], 2, "running jobs (driver + submission with a job_id)")
' "$TEST_TMP/body0.json"
}
t "node, CPU, GPU, memory totals of the ALIVE nodes and the running jobs count" case_totals

case_hardware() {
        pycheck "
cpu = $CPU_MODEL_PY
expected = sorted(set(['A10G'] + ([cpu] if cpu else [])), key=lambda s: s.encode())
eq(J0['hardware_usages'], expected, 'hardware_usages (the DEAD node H100 must not count)')
" "$TEST_TMP/body0.json"
}
t "hardware_usages: the CPU model and the ALIVE nodes' accelerator type, sorted" case_hardware

case_tags() {
        pycheck '
eq(J0["extra_usage_tags"], {"dashboard_metrics_grafana_enabled": "True",
    "dashboard_metrics_prometheus_enabled": "False", "actor_num_created": "7", "pg_num_created": "3"},
    "extra_usage_tags")
' "$TEST_TMP/body0.json"
}
t "extra_usage_tags: the built-in tags with Ray's names and string values" case_tags

case_other_fields() {
        local libc
        libc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $1 ":" $2}')
        pycheck "
import datetime
eq(J0['libc_version'], '$libc', 'libc_version')
check(re.fullmatch(r'glibc:[0-9][0-9.]*', J0['libc_version'] or ''), 'libc_version looks like glibc:X.Y')
start = int(datetime.datetime.strptime('2025-11-26_12-00-00_123456', '%Y-%m-%d_%H-%M-%S_%f').timestamp() * 1000)
eq(J0['session_start_timestamp_ms'], start, 'session_start_timestamp_ms from the session name (local time)')
t0, t1 = int(open('$TEST_TMP/run0.start').read()), int(open('$TEST_TMP/run0.end').read())
check(t0 <= J0['collect_timestamp_ms'] <= t1, f'collect_timestamp_ms {J0[\"collect_timestamp_ms\"]} not within the run [{t0}, {t1}]')
for k in ['cloud_provider', 'min_workers', 'max_workers', 'head_node_instance_type',
          'worker_node_instance_types', 'library_usages']:
    eq(J0[k], None, k + ' (no YAML, no probes, no markers)')
eq((J0['total_success'], J0['total_failed'], J0['seq_number']), (0, 0, 0), '(success, failed, seq)')
" "$TEST_TMP/body0.json"
}
t "libc_version, session_start_timestamp_ms, collect_timestamp_ms, null config fields" case_other_fields

case_file0() {
        pycheck '
eq(list(J0), ["usage_stats", "success", "error"], "usage_stats.json keys")
eq(J0["usage_stats"], J[1], "usage_stats is exactly the POSTed report")
eq(J0["success"], True, "success")
eq(J0["error"], None, "error")
' "$TEST_TMP/file0.json" "$TEST_TMP/body0.json"
        need "mode 0644" [ "$(stat -c %a "$USAGE_FILE")" = 644 ]
        need "owned by the session owner" [ "$(stat -c %u:%g "$USAGE_FILE")" = "$(stat -c %u:%g "$SESSION")" ]
        need "a regular file" [ -f "$USAGE_FILE" -a ! -L "$USAGE_FILE" ]
        need "no temporary file left in the session" \
                [ -z "$(find "$SESSION" -maxdepth 1 -name '*.tmp*' -print -quit)" ]
}
t "usage_stats.json is {usage_stats: the body, success: true, error: null}, 0644, the owner's" case_file0

# Run 1, answered 500.
case_second_500() {
        use_head main
        rus report
        need "exit 0 (an upload failure is recorded, not an exit failure)" [ "$RC" -eq 0 ]
        need "two POSTs (no retry)" [ "$(posts_count)" -eq 2 ]
        need "stderr names the failure" grep -q "500" "$T_ERR"
        post_body 1 "$TEST_TMP/body1.json"
        cp "$USAGE_FILE" "$TEST_TMP/file1.json"
        pycheck '
eq((J0["seq_number"], J0["total_success"], J0["total_failed"]), (1, 1, 0), "(seq, success, failed) of run 1")
eq(J[1]["usage_stats"], J0, "the file holds run 1 body")
eq(J[1]["success"], False, "success")
err = J[1]["error"]
check(isinstance(err, str) and "500" in err, f"error names HTTP 500: {err!r}")
check(J0["collect_timestamp_ms"] >= J[2]["collect_timestamp_ms"], "collect_timestamp_ms does not go back")
' "$TEST_TMP/body1.json" "$TEST_TMP/file1.json" "$TEST_TMP/body0.json"
}
t "second run, endpoint answers 500: seq 1, (1, 0); file success false with the error" case_second_500

# Run 2, answered 200.
case_third_200() {
        use_head main
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "three POSTs" [ "$(posts_count)" -eq 3 ]
        post_body 2 "$TEST_TMP/body2.json"
        pycheck '
eq((J0["seq_number"], J0["total_success"], J0["total_failed"]), (2, 1, 1), "(seq, success, failed) of run 2")
eq(J[1], {"usage_stats": J0, "success": True, "error": None}, "usage_stats.json")
' "$TEST_TMP/body2.json" "$USAGE_FILE"
}
t "third run, endpoint answers 200: seq 2, (1, 1); file success true" case_third_200

case_status_after() {
        status_json "$TEST_TMP/status.json"
        pycheck '
eq((J0["seq_number"], J0["total_success"], J0["total_failed"]), (3, 2, 1), "status counters after 3 runs")
eq(J0["session_id"], J[1]["session_id"], "status session_id")
eq(J0["last_report"]["success"], True, "last_report.success")
eq(J0["last_report"]["error"], None, "last_report.error")
check(J0["last_report"]["time_ms"] >= J[1]["collect_timestamp_ms"], "last_report.time_ms")
' "$TEST_TMP/status.json" "$TEST_TMP/body2.json"
}
t "status --json after the three runs: seq 3, success 2, failed 1" case_status_after

case_source() {
        use_head main
        RAY_USAGE_STATS_SOURCE=fixture-source-h8 rus report
        need "exit 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body3.json"
        pycheck '
eq(J0["source"], "fixture-source-h8", "source from RAY_USAGE_STATS_SOURCE")
eq(J0["seq_number"], 3, "seq_number keeps rising")
' "$TEST_TMP/body3.json"
}
t "RAY_USAGE_STATS_SOURCE sets source" case_source

# Policy reference 3 and docs/design.md §6: concurrent runs never reuse a seq_number.
case_concurrent() {
        use_head main
        local i pids=() before
        before=$(posts_count)
        for i in 1 2 3 4; do
                timeout 60 "$RUS_BINARY" report >/dev/null 2>"$TEST_TMP/conc.$i.err" </dev/null &
                pids+=($!)
        done
        for i in "${!pids[@]}"; do
                wait "${pids[$i]}"
                need "concurrent run $i exits 0" [ $? -eq 0 ]
        done
        need "four more POSTs" [ "$(posts_count)" -eq $((before + 4)) ]
        _rus_requests POST | python3 -c '
import base64, json, sys
seqs = sorted(json.loads(base64.b64decode(json.loads(l)["body_b64"]))["seq_number"] for l in sys.stdin)
sys.exit(0 if seqs == list(range(len(seqs))) else "seq_numbers %r" % seqs)' ||
                need "every seq_number used once, none skipped" false
        status_json "$TEST_TMP/status2.json"
        pycheck 'eq((J0["seq_number"], J0["total_success"] + J0["total_failed"]), (8, 8), "(seq, attempts)")' \
                "$TEST_TMP/status2.json"
}
t "four concurrent reports use four distinct seq_numbers, none lost" case_concurrent

case_umask() {
        use_head main
        rm -f "$USAGE_FILE"
        umask 077
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "usage_stats.json is 0644 even under umask 077" [ "$(stat -c %a "$USAGE_FILE")" = 644 ]
}
t "usage_stats.json is 0644 whatever the umask" case_umask

# docs/design.md §6: the counters must stay exact, so without a usable state directory
# nothing is sent (a report whose seq_number cannot be recorded could repeat).
case_state_unusable() {
        use_head main
        local before
        before=$(posts_count)
        : >"$TEST_TMP/not-a-dir"
        RAY_USAGE_STATS_STATE_DIR=$TEST_TMP/not-a-dir rus report
        need "a local failure (exit >= 3), not $RC" [ "$RC" -ge 3 ]
        need "the message names the state directory" grep -qF "$TEST_TMP/not-a-dir" "$T_ERR"
        need "nothing sent" [ "$(posts_count)" -eq "$before" ]
}
t "a state directory that cannot be used: exit >= 3 naming it, nothing sent" case_state_unusable

t_end
