# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared helpers for the integration tests. A test is a bash script:
#
#     #!/bin/bash
#     . "$(dirname "$0")/lib.sh"
#     start_fake_head --fixtures "$FIXTURES/basic"
#     make_session "$RAY_TMPDIR/ray"
#     "$RUS_BINARY" report || fail "report failed"
#     [ "$(posts_count)" -eq 1 ] || fail "expected one POST"
#
# and exits 0 (pass), 77 (skip) or 1 (fail). Sourcing this file gives the
# test its own temporary directory ($TEST_TMP, removed at exit, with every
# process started here stopped), and an environment in which nothing can
# reach beyond 127.0.0.1: the report endpoint, the dashboard and the cloud
# metadata URLs point at a closed loopback port, the cloud probes are off,
# proxies are unset, and HOME, the Ray temp root, the state directory and
# both settings files live inside $TEST_TMP.

set -u

# Every test writes to a private journal, never the system one: unless the
# test has sourced journal-lib.sh itself, it re-runs in journal-lib's private
# namespace, where nothing answers on the journal socket.
if [ -z "${_rus_journal_lib:-}" ]; then
        RUS_JOURNAL_PRIVATE_ONLY=${RUS_JOURNAL_PRIVATE_ONLY:-1}
        . "$(dirname "${BASH_SOURCE[0]}")/journal-lib.sh"
fi

RUS_SRCDIR=${RUS_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RUS_BINARY=${RUS_BINARY:-${RUS_BUILDDIR:-$RUS_SRCDIR}/ray-usage-stats}
TESTS_DIR=$RUS_SRCDIR/tests
FIXTURES=$TESTS_DIR/fixtures
export RUS_SRCDIR RUS_BINARY

fail() {
        echo "FAIL: ${0##*/}: $*" >&2
        exit 1
}

skip() {
        echo "SKIP: ${0##*/}: $*" >&2
        exit 77
}

info() {
        echo "${0##*/}: $*" >&2
}

# --- a PID namespace of its own -----------------------------------------------

# Discovery finds the live Ray heads among all the processes it can see
# (docs/design.md §4.1), so a test must see only its own: not the fake heads
# of a test that runs beside it, nor a real Ray on this machine. The script
# re-runs itself, once, in a PID namespace of its own with its own /proc
# (root directly; another user in a user namespace that maps only itself),
# which also ends every process the test started when it exits. Where that
# is refused the test runs as it is, and says so.
if [ -z "${RUS_IN_PIDNS:-}" ]; then
        export RUS_IN_PIDNS=1
        _rus_ns=(--pid --fork --mount-proc --kill-child=TERM)
        [ "$(id -u)" = 0 ] || _rus_ns+=(--map-current-user)
        if command -v unshare >/dev/null && unshare "${_rus_ns[@]}" true 2>/dev/null; then
                exec unshare "${_rus_ns[@]}" -- /bin/bash "$0" "$@"
        fi
        info "no PID namespace of its own here (unshare): the processes of other tests are visible"
fi

# --- cleanup ---------------------------------------------------------------

_rus_cleanups=()
_rus_case_base=

# Runs COMMAND... at exit, last registered first: at the end of the case when
# called inside one (t in report-lib.sh, or any subshell that called
# case_begin), else at the end of the script.
at_exit() {
        _rus_cleanups+=("$(printf '%q ' "$@")")
}

# Called first thing in a subshell that runs one case: bash resets the EXIT
# trap in a subshell, so the cleanups registered from here on would never
# run. They now run when the subshell ends, however it ends; those of the
# script (registered before) are left to the script. The live Ray heads are
# then back as they were: those the case started end, those it stopped ("ray
# stop") run again.
case_begin() {
        _rus_case_base=${#_rus_cleanups[@]}
        _rus_case_gcs=$(save_gcs)
        trap _rus_case_end EXIT
}

# The heads go first: userdel refuses a user whose gcs_server still runs.
_rus_case_end() {
        local status=$? i
        restore_gcs "$_rus_case_gcs"
        for ((i = ${#_rus_cleanups[@]} - 1; i >= _rus_case_base; i--)); do
                eval "${_rus_cleanups[i]}" || true
        done
        exit "$status"
}

_rus_run_cleanups() {
        local status=$? i
        [ -n "${TEST_TMP:-}" ] && stop_gcs
        for ((i = ${#_rus_cleanups[@]} - 1; i >= 0; i--)); do
                eval "${_rus_cleanups[i]}" || true
        done
        [ -n "${TEST_TMP:-}" ] && rm -rf -- "$TEST_TMP"
        exit "$status"
}
trap _rus_run_cleanups EXIT
trap 'exit 1' INT TERM HUP

# Stops one process we started, by its PID.
_rus_stop_pid() {
        kill "$1" 2>/dev/null || return 0
        wait "$1" 2>/dev/null || true
}

# World-traversable, so that a test can run the binary as another user.
# Under make check, RUS_CHECK_ID tags what the tests make (this directory's
# name, the users, every process through the environment) so that
# tests/leftovers.sh finds what one of them left behind.
[ -n "${RUS_CHECK_ID:-}" ] && export RUS_CHECK_ID
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rus-test.${RUS_CHECK_ID:+$RUS_CHECK_ID.}XXXXXX") ||
        { echo "mktemp failed" >&2; exit 1; }
chmod 0755 "$TEST_TMP"

# --- a safe environment ----------------------------------------------------

# A TCP port on 127.0.0.1 that nothing listens on (released just now).
closed_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

command -v python3 >/dev/null || skip "python3 is needed for the fake Ray head"

RUS_CLOSED_PORT=$(closed_port)
RUS_CLOSED_URL=http://127.0.0.1:$RUS_CLOSED_PORT

unset DO_NOT_TRACK RAY_USAGE_STATS_ENABLED RAY_USAGE_STATS_PROMPT_ENABLED RAY_USAGE_STATS_UPLOAD \
        RAY_USAGE_STATS_EXTRA_TAGS RAY_USAGE_STATS_SOURCE RAY_USAGE_STATS_CA_BUNDLE RAY_USAGE_STATS_DEBUG \
        RAY_AUTH_TOKEN RAY_AUTH_TOKEN_PATH RAY_AUTH_MODE STATE_DIRECTORY XDG_STATE_HOME XDG_CONFIG_HOME \
        TMPDIR \
        http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy \
        KUBERNETES_SERVICE_HOST

export RAY_USAGE_STATS_REPORT_URL=$RUS_CLOSED_URL/report
export RAY_USAGE_STATS_DASHBOARD_URL=$RUS_CLOSED_URL
export RAY_USAGE_STATS_AWS_METADATA_URL=$RUS_CLOSED_URL/latest/meta-data/
export RAY_USAGE_STATS_GCP_METADATA_URL=$RUS_CLOSED_URL/computeMetadata/v1
export RAY_USAGE_STATS_AZURE_METADATA_URL=$RUS_CLOSED_URL/metadata/instance
export RAY_USAGE_STATS_CLOUD_PROBE=0

export HOME=$TEST_TMP/home
export RAY_TMPDIR=$TEST_TMP/tmp
export RAY_USAGE_STATS_STATE_DIR=$TEST_TMP/state
export RAY_USAGE_STATS_CONFIG_PATH=$HOME/.ray/config.json
export RAY_USAGE_STATS_SYSTEM_CONFIG=$TEST_TMP/etc/default/ray-usage-stats
mkdir -p "$HOME" "$RAY_TMPDIR" "$TEST_TMP/etc/default"

[ -x "$RUS_BINARY" ] || fail "no binary at $RUS_BINARY: build first, or set RUS_BINARY"

# --- the fake Ray head -----------------------------------------------------

_rus_heads=0

# Starts tests/fake-ray-head.py on a free loopback port with ARGS (see its
# --help; the fixtures default to $FIXTURES/basic). Sets FAKE_HEAD_PID,
# FAKE_HEAD_PORT, FAKE_HEAD_URL and FAKE_HEAD_RECORD, and points the
# dashboard URL and the report endpoint (at /report) to it; a test may
# override either afterwards. Stopped at exit. With FAKE_HEAD_USER set (root
# only), that local user runs it: its files are then in a directory of that
# user's, and the distribution's python3 runs it (one on root's PATH may live
# in root's home).
start_fake_head() {
        local n dir port_file log i args=("$@") run=(python3)
        _rus_heads=$((_rus_heads + 1))
        # Unique in a case too: its subshell counts from the script's number.
        n=$_rus_heads.$BASHPID
        dir=$TEST_TMP
        if [ -n "${FAKE_HEAD_USER:-}" ]; then
                dir=$TEST_TMP/fake-head-$n.d
                mkdir -p "$dir"
                chown "$FAKE_HEAD_USER:" "$dir"
                run=(setpriv --reuid="$FAKE_HEAD_USER" --regid="$(id -g "$FAKE_HEAD_USER")" --clear-groups
                     /usr/bin/python3)
        fi
        port_file=$dir/fake-head-$n.port
        log=$dir/fake-head-$n.log
        FAKE_HEAD_RECORD=$dir/fake-head-$n.record.jsonl
        case " $* " in
        *" --port "*) ;;
        *) args=(--port 0 "${args[@]}") ;;
        esac
        case " $* " in
        *" --fixtures "*) ;;
        *) args+=(--fixtures "$FIXTURES/basic") ;;
        esac
        "${run[@]}" "$TESTS_DIR/fake-ray-head.py" --port-file "$port_file" \
                --record "$FAKE_HEAD_RECORD" "${args[@]}" >"$log" 2>&1 &
        FAKE_HEAD_PID=$!
        at_exit _rus_stop_pid "$FAKE_HEAD_PID"
        for i in $(seq 100); do
                [ -s "$port_file" ] && break
                kill -0 "$FAKE_HEAD_PID" 2>/dev/null || break
                sleep 0.1
        done
        [ -s "$port_file" ] || fail "the fake Ray head did not start: $(cat "$log")"
        FAKE_HEAD_PORT=$(cat "$port_file")
        case " ${args[*]} " in
        *" --https "*) FAKE_HEAD_URL=https://127.0.0.1:$FAKE_HEAD_PORT ;;
        *) FAKE_HEAD_URL=http://127.0.0.1:$FAKE_HEAD_PORT ;;
        esac
        export RAY_USAGE_STATS_DASHBOARD_URL=$FAKE_HEAD_URL
        export RAY_USAGE_STATS_REPORT_URL=$FAKE_HEAD_URL/report
}

# Stops the most recent fake head now (it is also stopped at exit).
stop_fake_head() {
        _rus_stop_pid "$FAKE_HEAD_PID"
}

# Every recorded request (one JSON object per line) to METHOD [PATH], in order.
_rus_requests() { # METHOD [PATH] [RECORD]
        python3 - "$1" "${2:-}" "${3:-$FAKE_HEAD_RECORD}" <<'EOF'
import base64, json, sys
method, path, record = sys.argv[1:4]
try:
    lines = open(record, encoding="utf-8").read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    r = json.loads(line)
    if (method == "*" or r["method"] == method) and (not path or r["path"] == path):
        print(json.dumps(r))
EOF
}

# How many POSTs (reports) the fake head received.
posts_count() {
        _rus_requests POST | wc -l
}

# How many requests of METHOD ("*" for any) [to PATH] it received.
requests_count() { # METHOD [PATH]
        _rus_requests "$1" "${2:-}" | wc -l
}

# The exact bytes of the last POST body, on stdout.
last_post_body() {
        _rus_requests POST | tail -n 1 | python3 -c '
import base64, json, sys
line = sys.stdin.read()
if line:
    sys.stdout.buffer.write(base64.b64decode(json.loads(line)["body_b64"]))'
}

# The value of header NAME in the last request of METHOD [to PATH], if any.
last_request_header() { # METHOD NAME [PATH]
        _rus_requests "$1" "${3:-}" | tail -n 1 | python3 -c '
import json, sys
line, name = sys.stdin.read(), sys.argv[1].lower()
if line:
    for k, v in json.loads(line)["headers"].items():
        if k.lower() == name:
            print(v)' "$2"
}

# A self-signed certificate for 127.0.0.1 and localhost: DIR/cert.pem (also
# the CA bundle to trust) and DIR/key.pem. Sets FAKE_CERT and FAKE_KEY.
make_cert() { # DIR
        command -v openssl >/dev/null || skip "openssl is needed for the HTTPS tests"
        mkdir -p "$1"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
                -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
                -keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1 ||
                fail "openssl could not make a certificate"
        FAKE_CERT=$1/cert.pem
        FAKE_KEY=$1/key.pem
}

# --- a Ray session ---------------------------------------------------------

RUS_SESSION_NAME=session_2025-11-26_12-00-00_123456_4242

# Builds a Ray temp tree as Ray lays it out: DIR (normally $RAY_TMPDIR/ray)
# and DIR/<session>/{logs,sockets}, mode 0777 like Ray, logs/dashboard.log
# naming the fake head's port (or 8265), and DIR/session_latest pointing at
# the session. OWNER (a user name) owns it all when given. Sets and prints
# RUS_SESSION, the session directory.
make_session() { # DIR [OWNER]
        local dir=$1 owner=${2:-} port=${FAKE_HEAD_PORT:-8265}
        RUS_SESSION=$dir/$RUS_SESSION_NAME
        mkdir -p "$RUS_SESSION/logs" "$RUS_SESSION/sockets"
        chmod 0777 "$dir" "$RUS_SESSION" "$RUS_SESSION/logs" "$RUS_SESSION/sockets"
        local log=$RUS_SESSION/logs/dashboard.log
        printf '%s\tINFO head.py:160 -- Dashboard head grpc address: %s\n' \
                "2025-11-26 12:00:01,100" 0.0.0.0:40163 >"$log"
        printf '%s\tINFO http_server_head.py:300 -- Dashboard head http address: 127.0.0.1:%s\n' \
                "2025-11-26 12:00:01,234" "$port" >>"$log"
        ln -sfn "$RUS_SESSION_NAME" "$dir/session_latest"
        if [ -n "$owner" ]; then
                chown -hR "$owner:" "$dir" || fail "cannot give $dir to $owner"
        fi
        [ -n "${RUS_NO_GCS:-}" ] || start_gcs "$RUS_SESSION" "$owner"
        echo "$RUS_SESSION"
}

# --- a live Ray head: its GCS process --------------------------------------

# A live head, as discovery sees it (docs: a process named gcs_server with
# Ray's --log_dir=<session>/logs and --session-name=<name>), running as OWNER
# (default: the caller): python3 run through a link named gcs_server, which
# makes /proc/PID/comm "gcs_server", sleeping. Its pid goes to
# $TEST_TMP/gcs.pids, so that the exit cleanup stops it even when it was
# started in a subshell (a case, a command substitution), and how it was
# started to $TEST_TMP/gcs.d/PID (see restore_gcs). Sets RUS_GCS_PID.
# ARGS after the owner replace the two Ray arguments (for malformed heads).
# While the same GCS (same session, owner and arguments) of ours runs, that
# one is kept: making a session again does not make a second head.
start_gcs() { # SESSION_DIR [OWNER [ARGS...]]
        local dir=$1 owner=${2:-} exe=$TEST_TMP/bin/gcs_server run=() how pid
        shift $(($# < 2 ? $# : 2))
        local args=("$@")
        [ ${#args[@]} -gt 0 ] || args=(--log_dir="$dir/logs" --session-name="${dir##*/}")
        how=$(printf '%q ' "$dir" "$owner" "${args[@]}")
        for pid in $(_rus_live_gcs); do
                [ "$(cat "$TEST_TMP/gcs.d/$pid")" = "$how" ] && RUS_GCS_PID=$pid && return 0
        done
        mkdir -p "$TEST_TMP/bin" "$TEST_TMP/gcs.d"
        chmod 0755 "$TEST_TMP/bin"
        [ -e "$exe" ] || ln -s /usr/bin/python3 "$exe"
        if [ -n "$owner" ] && [ "$owner" != "$(id -un)" ]; then
                run=(setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups)
        fi
        "${run[@]}" "$exe" -c 'import time; time.sleep(86400)' --gcs_server_port=0 "${args[@]}" \
                </dev/null >/dev/null 2>&1 &
        RUS_GCS_PID=$!
        echo "$RUS_GCS_PID" >>"$TEST_TMP/gcs.pids"
        echo "$how" >"$TEST_TMP/gcs.d/$RUS_GCS_PID"
        # Discovery reads comm: wait until the exec has happened.
        local i
        for ((i = 0; i < 100; i++)); do
                [ "$(cat "/proc/$RUS_GCS_PID/comm" 2>/dev/null)" = gcs_server ] && return 0
                sleep 0.02
        done
        fail "the fake gcs_server did not start"
}

# "ray stop": ends the GCS of SESSION_DIR (default: every fake GCS); the
# session directory and session_latest stay behind, as after Ray's own stop.
# Only processes that still run our gcs_server link are signalled (a pid in
# the list may have been reused), and each is waited for until it has no
# command line any more (gone, or a zombie that discovery cannot mistake for
# a head).
stop_gcs() { # [SESSION_DIR]
        local pid
        [ -f "$TEST_TMP/gcs.pids" ] || return 0
        while read -r pid; do
                _rus_our_gcs "$pid" "${1:-}" && _rus_end_gcs "$pid"
        done <"$TEST_TMP/gcs.pids"
        return 0
}

_rus_end_gcs() { # PID
        local i
        kill "$1" 2>/dev/null || return 0
        for ((i = 0; i < 500; i++)); do
                _rus_our_gcs "$1" || return 0
                sleep 0.02
        done
        fail "the fake gcs_server $1 did not end"
}

# Whether PID runs $TEST_TMP/bin/gcs_server [for SESSION_DIR].
_rus_our_gcs() { # PID [SESSION_DIR]
        local args
        mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
        [ "${args[0]:-}" = "$TEST_TMP/bin/gcs_server" ] || return 1
        [ -z "${2:-}" ] && return 0
        printf '%s\n' "${args[@]}" | grep -qxF -- "--log_dir=$2/logs"
}

# The pids of our fake GCS processes that run now, one a line.
_rus_live_gcs() {
        local pid
        [ -f "$TEST_TMP/gcs.pids" ] || return 0
        while read -r pid; do
                _rus_our_gcs "$pid" && echo "$pid"
        done <"$TEST_TMP/gcs.pids"
}

# The fake heads as they are now, for restore_gcs (on stdout).
save_gcs() {
        _rus_live_gcs | xargs
}

# Back to the heads that save_gcs saw: the GCS processes started since end,
# and those that ended since ("ray stop" in a case) run again, as before.
restore_gcs() { # SAVED
        local pid how
        for pid in $(_rus_live_gcs); do
                case " $1 " in *" $pid "*) ;; *) _rus_end_gcs "$pid" ;; esac
        done
        for pid in $1; do
                _rus_our_gcs "$pid" && continue
                how=$(cat "$TEST_TMP/gcs.d/$pid")
                eval "start_gcs $how" >/dev/null
        done
}
