# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers of the report-*.sh and cli-*.sh integration tests, on top of lib.sh
# (which this sources: same safe environment, same cleanup). A script is a
# list of cases:
#
#     . "$(dirname "$0")/report-lib.sh"
#     start_head ok
#     make_session "$RAY_TMPDIR/ray" >/dev/null
#     case_sent() {
#             use_head ok
#             rus report
#             need "exit 0" [ "$RC" -eq 0 ]
#             need "one POST" [ "$(posts_count)" -eq 1 ]
#     }
#     t "report sends one POST" case_sent
#     t_end
#
# Each case runs in a subshell (its environment changes stay there) and
# prints "ok - NAME" or "not ok - NAME"; the script exits 1 when one failed.
# Fake heads are started outside the cases, so that lib.sh stops them. The
# live Ray heads (GCS processes) are back as they were after each case: those
# it started end, those it stopped run again (case_begin in lib.sh).

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUS_RUN_TIMEOUT=${RUS_RUN_TIMEOUT:-60}
# The product's own time limits (docs/design.md §4.3 and §6). No case asserts a wall
# time below one of them plus LIMIT_SLACK_MS, which absorbs start-up, the
# fake head and the sanitizers on a slow machine: how fast the program is
# belongs in bench/, as ratios, not in tests. (RUS_RUN_TIMEOUT, the hard stop
# of one run, is above the 30 s that docs/design.md §4.3 gives a run.)
LIMIT_REQUEST_MS=2000
LIMIT_DASHBOARD_MS=10000
LIMIT_PROBES_MS=3000
LIMIT_UPLOAD_MS=10000
LIMIT_RUN_MS=30000
LIMIT_SLACK_MS=3000
T_OUT=$TEST_TMP/run.out
T_ERR=$TEST_TMP/run.err
T_NAME=
RUS_WRAP=()
RC=
T_MS=
_t_run=0
_t_failed=0

# --- cases -----------------------------------------------------------------

# t NAME COMMAND...: runs one case.
t() {
        local name=$1
        shift
        _t_run=$((_t_run + 1))
        : >"$T_OUT"
        : >"$T_ERR"
        if (case_begin && T_NAME=$name && "$@"); then
                echo "ok - $name"
        else
                echo "not ok - $name"
                _t_failed=$((_t_failed + 1))
        fi
}

# t_todo NAME REASON COMMAND...: a case that shows a known, reported bug;
# its failure does not fail the script (TAP's "# TODO").
t_todo() {
        local name=$1 reason=$2
        shift 2
        _t_run=$((_t_run + 1))
        if (case_begin && T_NAME=$name && "$@"); then
                echo "ok - $name # TODO $reason (passes now: make it a plain case)"
        else
                echo "not ok - $name # TODO $reason"
        fi
}

# t_skip NAME REASON: a case that cannot run here.
t_skip() {
        echo "ok - $1 # SKIP $2"
}

# Ends the script: 1 when a case failed.
t_end() {
        if [ "$_t_failed" -gt 0 ]; then
                echo "${0##*/}: $_t_failed of $_t_run cases failed" >&2
                exit 1
        fi
        exit 0
}

# need WHAT COMMAND...: the case fails unless COMMAND succeeds. The output
# of the last run is shown on failure.
need() {
        local what=$1
        shift
        "$@" && return 0
        {
                echo "#   $T_NAME: $what"
                if [ -s "$T_ERR" ] || [ -s "$T_OUT" ]; then
                        echo "#   last run: exit ${RC:-?} after ${T_MS:-?} ms; stdout, stderr:"
                        head -c 3000 "$T_OUT" | sed 's/^/#     /'
                        head -c 3000 "$T_ERR" | sed 's/^/#     /'
                fi
        } >&2
        exit 1
}

# within LIMIT_MS WHAT: the last run took less than LIMIT_MS (one of the
# LIMIT_*_MS above) plus the slack.
within() {
        need "$2: within its $(($1 / 1000)) s limit plus $((LIMIT_SLACK_MS / 1000)) s (${T_MS} ms)" \
                [ "$T_MS" -lt $(($1 + LIMIT_SLACK_MS)) ]
}

# --- running the binary ----------------------------------------------------

# rus ARGS...: runs the binary (prefixed by RUS_WRAP, an array, when set)
# with stdin closed; stdout in $T_OUT, stderr in $T_ERR, exit status in RC,
# wall time in T_MS. A crash, a sanitizer report or a run beyond
# RUS_RUN_TIMEOUT seconds fails the case at once.
rus() {
        local start end
        start=$(date +%s%N)
        timeout -k 5 "$RUS_RUN_TIMEOUT" "${RUS_WRAP[@]}" "$RUS_BINARY" "$@" >"$T_OUT" 2>"$T_ERR" </dev/null
        RC=$?
        end=$(date +%s%N)
        T_MS=$(((end - start) / 1000000))
        case $RC in
        124 | 137) need "ray-usage-stats $* did not end within ${RUS_RUN_TIMEOUT}s" false ;;
        129 | 1[3-9]? | 2[0-4]? | 25[0-4]) need "ray-usage-stats $* died of a signal (exit $RC)" false ;;
        esac
        if grep -qE 'Sanitizer|runtime error:' "$T_ERR"; then
                need "ray-usage-stats $* triggered a sanitizer report" false
        fi
        return 0
}

# rus_as USER ARGS...: rus as USER (root only), environment kept.
rus_as() {
        local user=$1
        shift
        local RUS_WRAP=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups)
        rus "$@"
}

# as_user USER COMMAND...: runs COMMAND as USER (root only).
as_user() {
        local user=$1
        shift
        setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups "$@"
}

# Whether strace can trace here; rus_traced needs it.
have_strace() {
        command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null
}

# rus_traced ARGS...: rus under strace, recording every connect() in
# $TEST_TMP/connects (see inet_connects).
rus_traced() {
        # LeakSanitizer cannot run under ptrace; the other sanitizers can.
        local RUS_WRAP=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
                        strace -f -qq -e trace=connect -o "$TEST_TMP/connects")
        rm -f "$TEST_TMP/connects"
        rus "$@"
}

# The IPv4/IPv6 connect() calls of the last rus_traced run, on stdout.
inet_connects() {
        grep -E 'sa_family=AF_INET6?[,}]' "$TEST_TMP/connects" 2>/dev/null || true
}

# --- fake heads ------------------------------------------------------------

declare -A HEAD_URL=() HEAD_REC=() HEAD_PORT=()

# start_head NAME ARGS...: start_fake_head ARGS..., remembered as NAME.
start_head() {
        local name=$1
        shift
        start_fake_head "$@"
        HEAD_URL[$name]=$FAKE_HEAD_URL
        HEAD_REC[$name]=$FAKE_HEAD_RECORD
        HEAD_PORT[$name]=$FAKE_HEAD_PORT
}

# use_head NAME: head NAME is the dashboard and the report endpoint, and
# the one that posts_count & co. look at.
use_head() {
        FAKE_HEAD_URL=${HEAD_URL[$1]}
        FAKE_HEAD_RECORD=${HEAD_REC[$1]}
        FAKE_HEAD_PORT=${HEAD_PORT[$1]}
        export RAY_USAGE_STATS_DASHBOARD_URL=$FAKE_HEAD_URL
        export RAY_USAGE_STATS_REPORT_URL=$FAKE_HEAD_URL/report
}

# The number of requests in a record file (every method, every path).
record_lines() { # [RECORD]
        local f=${1:-$FAKE_HEAD_RECORD}
        if [ -f "$f" ]; then wc -l <"$f"; else echo 0; fi
}

# post_body N FILE: the exact bytes of the Nth POST (0-based; -1 the last)
# to the current head into FILE.
post_body() {
        _rus_requests POST | python3 -c '
import base64, json, sys
lines = sys.stdin.read().splitlines()
n = int(sys.argv[1])
try:
    line = lines[n]
except IndexError:
    sys.exit("no POST number %d (%d received)" % (n, len(lines)))
open(sys.argv[2], "wb").write(base64.b64decode(json.loads(line)["body_b64"]))' "$1" "$2"
}

# --- sessions and state ----------------------------------------------------

RUS_RAY_DIR=$RAY_TMPDIR/ray
SESSION=$RUS_RAY_DIR/$RUS_SESSION_NAME
USAGE_FILE=$SESSION/usage_stats.json

# A fresh start for a case: no counters, no usage_stats.json, no library
# markers, no bootstrap YAML, no settings files, and empty records for
# every head.
fresh() {
        local f
        rm -rf "$RAY_USAGE_STATS_STATE_DIR"
        rm -f "$USAGE_FILE" "$SESSION"/_ray_lib_usage-* "$HOME/ray_bootstrap_config.yaml" \
                "$RAY_USAGE_STATS_CONFIG_PATH" "$RAY_USAGE_STATS_SYSTEM_CONFIG"
        for f in "${HEAD_REC[@]}"; do
                : >"$f"
        done
}

# The files of the state directory but lock files, one a line.
stored_state() {
        [ -d "$RAY_USAGE_STATS_STATE_DIR" ] || return 0
        find "$RAY_USAGE_STATS_STATE_DIR" -mindepth 1 ! -name '*.lock' -print
}

# status_json FILE: `status --json` into FILE (the case fails unless it exits 0).
status_json() {
        rus status --json
        need "status --json exits 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$1"
}

# A user for the duration of the case (or of the script, outside a case; root
# only): add_user NAME HOME.
# Retried, because other tests may hold the passwd lock for a moment.
add_user() {
        local i
        for i in 1 2 3 4 5 6 7 8 9 10; do
                if useradd -M -d "$2" -s /usr/sbin/nologin -U -c "ray-usage-stats test ${RUS_CHECK_ID:-}" "$1" \
                        2>"$TEST_TMP/useradd.err"; then
                        at_exit _rus_del_user "$1"
                        return 0
                fi
                sleep 0.5
        done
        fail "cannot create user $1: $(cat "$TEST_TMP/useradd.err")"
}

# Retried for up to 30 s: other tests on the machine may hold the passwd lock,
# and userdel refuses a user with a process still ending. Says so when the
# user stays (tests/leftovers.sh then fails the run).
_rus_del_user() {
        local i
        for i in $(seq 60); do
                userdel "$1" 2>"$TEST_TMP/userdel.err" && return 0
                id "$1" >/dev/null 2>&1 || return 0
                sleep 0.5
        done
        echo "${0##*/}: cannot remove user $1: $(cat "$TEST_TMP/userdel.err")" >&2
}

# Skips the script unless it can make local users and run as them.
rus_need_root_users() {
        [ "$(id -u)" = 0 ] || skip "needs root to create the other local users (useradd) and to run as them"
        command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
}

# The two real users of the attack tests: EVIL (another local user) and RAYU
# (the Ray user), with homes $TEST_TMP/evilhome and $TEST_TMP/rayhome (each
# with a .ray/ directory) that belong to them.
rus_two_users() {
        EVIL=$(unique_user rus-evil-)
        RAYU=$(unique_user rus-ray-)
        add_user "$EVIL" "$TEST_TMP/evilhome"
        add_user "$RAYU" "$TEST_TMP/rayhome"
        mkdir -p "$TEST_TMP/rayhome/.ray" "$TEST_TMP/evilhome/.ray"
        chown -R "$RAYU:" "$TEST_TMP/rayhome"
        chown -R "$EVIL:" "$TEST_TMP/evilhome"
}

# Ray's temp root as Ray makes it, 0777 and not sticky, so that any user may
# rename or replace what is in it: $TEST_TMP/raytmp. Sets RAYTMP, RAYDIR
# (its ray/) and RAYSESSION (the session directory there).
ray_temp_root() {
        RAYTMP=$TEST_TMP/raytmp
        mkdir -p "$RAYTMP"
        chmod 0777 "$RAYTMP"
        RAYDIR=$RAYTMP/ray
        RAYSESSION=$RAYDIR/$RUS_SESSION_NAME
}

# The Ray user's live head, alone, as Ray makes it (everything 0777 and the
# Ray user's) at $RAYSESSION (ray_temp_root), with head main as its
# dashboard: whatever head ran before is stopped first ("ray stop").
ray_session() {
        fresh
        use_head main
        stop_gcs
        rm -rf "$RAYDIR"
        make_session "$RAYDIR" "$RAYU" >/dev/null
}

# A user name unique to this run: unique_user PREFIX (at most 32 characters).
# (Not from $$: every test is PID 1 of its own namespace.)
unique_user() {
        printf '%s%08x' "$1" "$SRANDOM" | cut -c1-32
}

# --- JSON checks -----------------------------------------------------------

# pycheck CODE [FILE...]: runs the Python CODE with J[i] the JSON of the ith
# FILE (J0 = J[0]; T[i] its text), and eq(actual, expected, what) /
# check(condition, what), which report every mismatch; the case fails when
# any does (or the code raises).
pycheck() {
        local code=$1
        shift
        python3 - "$code" "$@" <<'EOF' >&2 || need "the JSON checks above" false
import json, re, sys
failures = []

def same(a, b):
    """Equal with the same JSON types throughout (1 is not 1.0 nor True);
    object key order does not matter, array order does."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

def eq(actual, expected, what=""):
    if not same(actual, expected):
        failures.append(f"{what}: got {actual!r}, expected {expected!r}")

def check(condition, what):
    if not condition:
        failures.append(what)

T, J = [], []
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    T.append(text)
    try:
        J.append(json.loads(text))
    except ValueError as e:
        J.append(None)
        failures.append(f"{path} is not JSON ({e}): {text[:300]!r}")
J0 = J[0] if J else None
if not failures:
    exec(sys.argv[1])
for f in failures:
    print("#   " + f)
sys.exit(1 if failures else 0)
EOF
}

# shellcheck disable=SC2034 # used by the scripts that source this file
# The 27 report keys in report order (a Python list), from the table that
# builds the report, as `fields --json` prints it; src/report/test-report.c
# holds the one copy of Ray's own list and checks the table against it.
RAY_KEYS=$("$RUS_BINARY" fields --json |
        python3 -c 'import json, sys; print(json.dumps([f["name"] for f in json.load(sys.stdin)]))') &&
        [ -n "$RAY_KEYS" ] || fail "ray-usage-stats fields --json gave no key list"

# shellcheck disable=SC2034
# The fields that come from the dashboard (null when it does not answer).
DASHBOARD_KEYS='["ray_version", "python_version", "git_commit", "total_num_cpus", "total_num_gpus",
"total_memory_gb", "total_object_store_memory_gb", "total_num_nodes", "total_num_running_jobs"]'

# shellcheck disable=SC2034
# The first "model name" of /proc/cpuinfo, 50 characters at most (a Python expression).
CPU_MODEL_PY='next((l.split(":")[1].strip()[:50] or None for l in open("/proc/cpuinfo") if l.startswith("model name")), None)'
