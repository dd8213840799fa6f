#!/bin/bash
# SPDX-License-Identifier: MIT
# RUS_LEAK_RUNS (default 36) consecutive commands under valgrind, cycling
# through report (normal, dashboard down, upload refused, local mode, cluster
# opted out), preview, check (collect, disabled, invalid setting, no session)
# and status --json: no memory error, no definite or indirect leak, and no
# file descriptor left open at exit beyond 0, 1, 2, the ones inherited from
# the parent and the journal socket that libsystemd keeps open by design.
. "$(dirname "$0")/report-lib.sh"

command -v valgrind >/dev/null || skip "valgrind is not installed"
# An ASan build cannot run under valgrind; LeakSanitizer checks it at every exit instead.
ldd "$RUS_BINARY" 2>/dev/null | grep -q libasan && skip "$RUS_BINARY is built with ASan, which finds leaks itself"
runs=${RUS_LEAK_RUNS:-36}

start_fake_head
head_ok=$FAKE_HEAD_URL
start_fake_head --post-status 500
head_refusing=$FAKE_HEAD_URL
start_fake_head --fixtures "$FIXTURES/opted-out"
head_opted_out=$FAKE_HEAD_URL
export RAY_USAGE_STATS_DASHBOARD_URL=$head_ok RAY_USAGE_STATS_REPORT_URL=$head_ok/report
make_session "$RAY_TMPDIR/ray" >/dev/null
session=$RUS_SESSION
mkdir -p "$TEST_TMP/no-ray"

# The optional inputs too, so that their parsers run: a cluster YAML, extra
# tags, library markers and a config file.
cat >"$HOME/ray_bootstrap_config.yaml" <<'EOF'
cluster_name: leaks
max_workers: 2
provider: {type: aws, region: us-west-2}
head_node_type: head
available_node_types:
  head: {node_config: {InstanceType: m5.large}}
  worker: {node_config: {InstanceType: m5.xlarge}, min_workers: 0}
EOF
export RAY_USAGE_STATS_EXTRA_TAGS="team=ml;env=test"
"$RUS_BINARY" record-library train >/dev/null 2>"$TEST_TMP/err" || fail "record-library failed: $(cat "$TEST_TMP/err")"
mkdir -p "$HOME/.ray" && echo '{"usage_stats": true, "other": [1, 2.5]}' >"$HOME/.ray/config.json"

# NAME EXPECTED-STATUS ENV... -- ARGS...
scenarios=(
        "report 0 -- report"
        "preview 0 -- preview"
        "check 0 -- check"
        "status 0 -- status --json"
        "report-dashboard-down 0 RAY_USAGE_STATS_DASHBOARD_URL=$RUS_CLOSED_URL -- report"
        "report-upload-refused 0 RAY_USAGE_STATS_REPORT_URL=$head_refusing/report -- report"
        "report-local-mode 0 RAY_USAGE_STATS_UPLOAD=0 -- report"
        "report-cluster-opted-out 0 RAY_USAGE_STATS_DASHBOARD_URL=$head_opted_out -- report"
        "check-disabled 1 RAY_USAGE_STATS_ENABLED=0 -- check"
        "check-invalid 255 RAY_USAGE_STATS_ENABLED=yes -- check"
        "check-no-session 2 RAY_TMPDIR=$TEST_TMP/no-ray -- check"
        "status-no-session 0 RAY_TMPDIR=$TEST_TMP/no-ray -- status --json"
)

# shellcheck disable=SC2054 # commas inside one option
vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --track-fds=yes --child-silent-after-fork=yes)
case_valgrind() {
        fd_leaks=0
        for ((i = 0; i < runs; i++)); do
                read -r -a words <<<"${scenarios[i % ${#scenarios[@]}]}"
                name=${words[0]} expected=${words[1]} envs=() args=()
                for ((j = 2; j < ${#words[@]}; j++)); do
                        [ "${words[j]}" = -- ] && { args=("${words[@]:j+1}"); break; }
                        envs+=("${words[j]}")
                done
                log=$TEST_TMP/vg-$i.log
                # the *-no-session runs come after "ray stop", and the head runs again after them
                [[ $name != *-no-session ]] || stop_gcs
                env "${envs[@]}" "${vg[@]}" --log-file="$log" "$RUS_BINARY" "${args[@]}" >/dev/null 2>"$TEST_TMP/err"
                status=$?
                [[ $name != *-no-session ]] || start_gcs "$session"
                [ "$status" -ne 99 ] || fail "run $i ($name): valgrind found errors or leaks: $(cat "$log")"
                [ "$status" -eq "$expected" ] ||
                        fail "run $i ($name): exit status $status, expected $expected: $(cat "$TEST_TMP/err" "$log")"
                # Each "Open ..." block of --track-fds that is neither inherited nor libsystemd's journal socket.
                leaked=$(awk '
                        /Open (file descriptor|AF_|socket)/ { if (block != "" && keep) print block; block = $0; keep = 1; next }
                        block != "" && /inherited from parent|sd_journal_sendv/ { keep = 0 }
                        block != "" { block = block "\n" $0 }
                        END { if (block != "" && keep) print block }' "$log")
                if [ -n "$leaked" ]; then
                        echo "run $i ($name): descriptors open at exit:" >&2
                        echo "$leaked" >&2
                        fd_leaks=$((fd_leaks + 1))
                fi
                grep -q "FILE DESCRIPTORS" "$log" || fail "run $i ($name): valgrind did not report the descriptors: $(cat "$log")"
                rm -f "$log"
        done
        [ "$fd_leaks" -eq 0 ] || fail "$fd_leaks runs left descriptors open"
        info "$runs runs under valgrind (${#scenarios[@]} scenarios): no error, no leak, no descriptor left open"
}
t "commands under valgrind: no memory error, no leak, no descriptor left open" case_valgrind

t_end
