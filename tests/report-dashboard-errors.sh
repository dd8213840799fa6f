#!/bin/bash
# SPDX-License-Identifier: MIT
# A dashboard that misbehaves (docs/design.md §4.3; policy reference item 27): closed
# port, hanging, 401, 403, 500, HTML, garbage, wrong types, 50 MB answers,
# a closed connection, single routes failing, and an old Ray. Each run must
# end with the report sent, the fields of the failed calls null, a line
# naming the failed calls, no crash, no hang, and no counter lost.
. "$(dirname "$0")/report-lib.sh"

start_head endpoint
for mode in 401 403 500 html garbage wrongtypes huge huge-nolength close hang; do
        start_head "$mode" --mode "$mode"
done
start_head nodes-huge --route-mode /api/v0/nodes=huge
start_head nodes-hang --route-mode /api/v0/nodes=hang
start_head jobs-wrong --route-mode /api/jobs/=wrongtypes --route-mode /api/v0/placement_groups=html
start_head noid --route-mode /cluster_id=500 --route-mode /api/v0/cluster_metadata=garbage
start_head oldray --fixtures "$FIXTURES/old-ray"
start_head odd --fixtures "$FIXTURES/basic" --fixtures "$FIXTURES/odd-values"
make_session "$RUS_RAY_DIR" >/dev/null
fresh
echo 0 >"$TEST_TMP/reports"

# report_via DASHBOARD_HEAD|URL: one report with that dashboard and the
# "endpoint" head as the endpoint; the body lands in $TEST_TMP/body.json.
report_via() {
        use_head endpoint
        if [ -n "${HEAD_URL[$1]+x}" ]; then
                export RAY_USAGE_STATS_DASHBOARD_URL=${HEAD_URL[$1]}
        else
                export RAY_USAGE_STATS_DASHBOARD_URL=$1
        fi
        local before
        before=$(posts_count)
        rus report
        echo $(($(cat "$TEST_TMP/reports") + 1)) >"$TEST_TMP/reports"
        need "exit 0" [ "$RC" -eq 0 ]
        need "the report was still sent" [ "$(posts_count)" -eq $((before + 1)) ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq(J0["usage_stats"], J[1], "usage_stats.json holds the body"); eq(J0["success"], True, "success")' \
                "$USAGE_FILE" "$TEST_TMP/body.json"
}

# all_null: every dashboard field null, the fallback session id, the health
# tags "False" and no count tags, the rest of the report filled.
all_null() {
        pycheck "
for k in $DASHBOARD_KEYS:
    eq(J0[k], None, k)
eq(J0['extra_usage_tags'], {'dashboard_metrics_grafana_enabled': 'False',
   'dashboard_metrics_prometheus_enabled': 'False'}, 'extra_usage_tags')
check(re.fullmatch(r'[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', J0['session_id'] or ''),
      f'session_id is a random UUID: {J0[\"session_id\"]!r}')
eq(list(J0), $RAY_KEYS, 'keys')
eq(J0['os'], 'linux', 'os')
check(J0['hardware_usages'] is None or 'A10G' not in J0['hardware_usages'], 'no accelerator type')
import os
fallback = os.environ['TEST_TMP'] + '/fallback-id'
if os.path.exists(fallback):
    eq(J0['session_id'], json.load(open(fallback)), 'the same fallback session_id every run of the session')
else:
    json.dump(J0['session_id'], open(fallback, 'w'))
" "$TEST_TMP/body.json"
}

# failed_calls_named PATH...: stderr's failed-calls line names each PATH.
failed_calls_named() {
        need "a line says which dashboard calls failed" grep -q "dashboard calls failed" "$T_ERR"
        local p
        for p in "$@"; do
                need "the failed call GET $p is named" grep -qF "GET $p" "$T_ERR"
        done
}

export TEST_TMP

case_closed() {
        report_via "$RUS_CLOSED_URL"
        all_null
        failed_calls_named /api/version
        within "$LIMIT_REQUEST_MS" "a refused dashboard ends the phase at once: one request"
        need "the refusal is named" grep -qiE "refused|connect" "$T_ERR"
}
t "dashboard port closed: report sent quickly, dashboard fields null" case_closed

case_hang() {
        report_via hang
        all_null
        failed_calls_named /api/version
        within "$LIMIT_DASHBOARD_MS" "the run, its dashboard phase cut at the budget"
        need "the time-out is named" grep -qiE "timed out|time budget" "$T_ERR"
}
t "dashboard hangs: the run ends within 10 s + slack, report sent with the fields null" case_hang

# mode_case MODE NEEDLE: the whole dashboard answers in MODE.
mode_case() {
        report_via "$1"
        all_null
        failed_calls_named /api/version /api/v0/nodes /api/jobs/
        need "the reason ('$2') is named" grep -qiE -- "$2" "$T_ERR"
        within "$LIMIT_DASHBOARD_MS" "the run, its dashboard phase"
}
t "dashboard answers 401: fields null, the need for a token named" mode_case 401 "401.*token"
t "dashboard answers 403: fields null, the rejected token named" mode_case 403 "403"
t "dashboard answers 500: fields null" mode_case 500 "HTTP 500"
t "dashboard answers HTML: fields null" mode_case html "not valid JSON"
t "dashboard answers binary garbage: fields null" mode_case garbage "not valid JSON"
t "dashboard answers JSON of the wrong types: fields null" mode_case wrongtypes "unexpected"
t "dashboard answers 50 MB (with Content-Length): refused, fields null" mode_case huge "larger|too large|big"
t "dashboard answers 50 MB (no Content-Length): refused, fields null" mode_case huge-nolength "larger|too large|big"
t "dashboard closes the connection: fields null" mode_case close "empty reply|closed|reset|connection"

case_nodes_huge() {
        report_via nodes-huge
        failed_calls_named /api/v0/nodes
        need "only the nodes call failed" [ "$(grep -o 'GET /' "$T_ERR" | wc -l)" -eq 1 ]
        pycheck '
for k in ("total_num_cpus", "total_num_gpus", "total_memory_gb", "total_object_store_memory_gb", "total_num_nodes"):
    eq(J0[k], None, k)
eq(J0["ray_version"], "2.52.0", "ray_version")
eq(J0["total_num_running_jobs"], 2, "jobs")
eq(J0["session_id"], "3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718", "session_id")
eq(J0["extra_usage_tags"]["actor_num_created"], "7", "actors")
check("A10G" not in (J0["hardware_usages"] or []), "no accelerator type without nodes")
' "$TEST_TMP/body.json"
}
t "only /api/v0/nodes answers 50 MB: the node fields null, the others filled" case_nodes_huge

# Item 27: one call that hangs (Ray: a delayed GetAllNodeInfo) gives null for its fields only.
case_nodes_hang() {
        report_via nodes-hang
        failed_calls_named /api/v0/nodes
        need "only the nodes call failed" [ "$(grep -o 'GET /' "$T_ERR" | wc -l)" -eq 1 ]
        within "$LIMIT_REQUEST_MS" "the run, the hanging call given up after its timeout"
        pycheck '
eq(J0["total_num_nodes"], None, "total_num_nodes")
eq(J0["total_num_cpus"], None, "total_num_cpus")
eq(J0["ray_version"], "2.52.0", "ray_version")
eq(J0["total_num_running_jobs"], 2, "jobs")
eq(J0["extra_usage_tags"]["pg_num_created"], "3", "the calls after it still made")
' "$TEST_TMP/body.json"
}
t "item 27: only /api/v0/nodes hangs: its fields null after 2 s, the rest filled" case_nodes_hang

case_jobs_wrong() {
        report_via jobs-wrong
        failed_calls_named /api/jobs/ /api/v0/placement_groups
        pycheck '
eq(J0["total_num_running_jobs"], None, "jobs")
eq(J0["total_num_nodes"], 2, "nodes")
eq(J0["extra_usage_tags"], {"dashboard_metrics_grafana_enabled": "True",
   "dashboard_metrics_prometheus_enabled": "False", "actor_num_created": "7"}, "tags: no pg_num_created")
' "$TEST_TMP/body.json"
}
t "jobs of the wrong types, placement groups in HTML: those fields null, the rest filled" case_jobs_wrong

case_noid() {
        report_via noid
        failed_calls_named /cluster_id /api/v0/cluster_metadata
        pycheck '
eq(J0["python_version"], None, "python_version")
eq(J0["ray_version"], "2.52.0", "ray_version")
eq(J0["session_id"], J[1], "the stored fallback session_id of this session, as in the runs above")
' "$TEST_TMP/body.json" "$TEST_TMP/fallback-id"
}
t "/cluster_id fails: session_id is the session's stored random UUID, python_version null" case_noid

case_old_ray() {
        report_via oldray
        pycheck '
eq(J0["ray_version"], "2.9.3", "ray_version")
eq(J0["git_commit"], "62f2eb1e4f1a3ec5e9d5a0ab5e2a1f3e0b4c7d11", "git_commit")
eq(J0["python_version"], None, "python_version (no cluster metadata route)")
eq(J0["session_id"], "3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718", "session_id")
eq(J0["total_num_nodes"], 1, "nodes without num_filtered")
eq(J0["total_num_cpus"], 4, "cpus")
eq(J0["total_num_gpus"], None, "gpus: no node has the resource")
eq(J0["total_memory_gb"], 8.0, "memory")
eq(J0["total_object_store_memory_gb"], 4.0, "object store")
eq(J0["total_num_running_jobs"], 1, "running jobs (lower-case types)")
eq(J0["extra_usage_tags"], {"dashboard_metrics_grafana_enabled": "False",
   "dashboard_metrics_prometheus_enabled": "True", "actor_num_created": "0", "pg_num_created": "0"}, "tags")
' "$TEST_TMP/body.json"
        need "the 404 routes of an old Ray are not failures worth a line for the opt-out/auth probes" \
                [ "$(grep -cE 'GET /(usage_stats_enabled|api/authentication_mode)' "$T_ERR")" -eq 0 ]
}
t "an old Ray (2.9.3, no session_name/num_filtered/newer routes): fields still filled" case_old_ray

case_odd_values() {
        export RAY_USAGE_STATS_EXTRA_TAGS=$'bin=\xff\xfe;q=a"b\\c\n\x01;nul=x' RAY_USAGE_STATS_SOURCE=$'s"\x01\x7f'
        report_via odd
        RAY_KEYS=$RAY_KEYS python3 - "$TEST_TMP/body.json" "$USAGE_FILE" <<'PY' || need "strictly valid JSON" false
import json, math, os, sys
def refuse(c):
    raise ValueError("non-JSON constant " + c)
for path in sys.argv[1:]:
    text = open(path, "rb").read().decode("utf-8")  # strict UTF-8
    d = json.loads(text, parse_constant=refuse)
    if "usage_stats" in d:
        d = d["usage_stats"]
    keys = json.loads(os.environ["RAY_KEYS"])
    assert list(d) == keys, list(d)
    for k in ("total_num_cpus", "total_num_gpus", "total_num_nodes", "total_num_running_jobs"):
        assert d[k] is None or (isinstance(d[k], int) and d[k] >= 0), (k, d[k])
    for k in ("total_memory_gb", "total_object_store_memory_gb"):
        assert d[k] is None or (isinstance(d[k], float) and math.isfinite(d[k]) and d[k] >= 0), (k, d[k])
    for k, v in (d["extra_usage_tags"] or {}).items():
        assert isinstance(v, str), (k, v)
    # Passed on as Ray passes it (docs/ray-parity.md); the JSON is what keeps it harmless.
    assert d["python_version"] in (None, "3.11.7; rm -rf /"), d["python_version"]
    assert isinstance(d["session_id"], str) and d["session_id"] and "\0" not in d["session_id"], d["session_id"]
PY
}
t "hostile values (NaN, 1e308, control characters, lone surrogates, bytes that are not UTF-8): strict JSON, sent" \
        case_odd_values

case_counters() {
        status_json "$TEST_TMP/status.json"
        local n
        n=$(cat "$TEST_TMP/reports")
        pycheck "
eq((J0['seq_number'], J0['total_success'], J0['total_failed']), ($n, $n, 0), '(seq, success, failed) after $n runs')
" "$TEST_TMP/status.json"
}
t "no counter lost: seq_number and total_success count every run above" case_counters

t_end
