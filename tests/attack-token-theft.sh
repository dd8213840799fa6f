#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 1 of the local-attacker issue: the token goes to whoever listens on
# the dashboard port. Ray runs as one local user; ANOTHER local user listens
# on the port that the session's logs/dashboard.log names (Ray logged another
# port, or has stopped), or on the 127.0.0.1:8265 fallback (logs/ moved
# aside: it is 0777), and answers /api/authentication_mode with "token". On
# the old code every following request carried "Authorization: Bearer
# <~rayuser/.ray/auth_token>" to that user's process, and the same with
# RAY_AUTH_TOKEN set machine-wide. Now the owner of the listening socket is
# checked before the first byte of any request: no request, and so no token,
# reaches a foreign listener; its fields are null and the run says which
# port and uid it refused. The Ray user's own dashboard (the control) is
# still asked, with the token.
#
# Needs root (useradd, setpriv). Runs in a private network namespace with only
# a loopback interface, where 8265 is free and nothing can leave the machine.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns
. "$(dirname "$0")/report-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to create the other local users (useradd) and to run as them"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
[ -n "${RUS_IN_NETNS:-}" ] || skip "needs a private network namespace (unshare --net, ip) to use port 8265"

EVIL=$(unique_user rus-thief-)
RAYU=$(unique_user rus-ray-)
add_user "$EVIL" "$TEST_TMP/evilhome"
add_user "$RAYU" "$TEST_TMP/rayhome"
mkdir -p "$TEST_TMP/evilhome" "$TEST_TMP/rayhome/.ray"
chown "$EVIL:" "$TEST_TMP/evilhome"
TOKEN=tok-attack1-$RANDOM-Zq8v
echo "$TOKEN" >"$TEST_TMP/rayhome/.ray/auth_token"
chmod 0600 "$TEST_TMP/rayhome/.ray/auth_token"
chown -R "$RAYU:" "$TEST_TMP/rayhome"

# The thief answers like a Ray head with token auth on, on a port of its own and on 8265.
FAKE_HEAD_USER=$EVIL start_head thief --token anything
FAKE_HEAD_USER=$EVIL start_head thief8265 --port 8265 --token anything
# The Ray user's own dashboard, for the control case.
FAKE_HEAD_USER=$RAYU start_head own --token "$TOKEN"
start_head sink
start_head rootdash

RAYTMP=$TEST_TMP/raytmp
mkdir -p "$RAYTMP"
SESSION_DIR=$RAYTMP/ray/$RUS_SESSION_NAME
EVIL_UID=$(id -u "$EVIL")

# session_naming PORT: the Ray user's session, its dashboard.log naming 127.0.0.1:PORT.
session_naming() {
        rm -rf "$RAYTMP/ray"
        FAKE_HEAD_PORT=$1 make_session "$RAYTMP/ray" "$RAYU" >/dev/null
        export RAY_TMPDIR=$RAYTMP
}

# run_report HEAD: a report as root (the shipped unit's identity), the
# dashboard found from the session alone; HEAD is the one it must not ask.
run_report() {
        fresh
        unset RAY_USAGE_STATS_DASHBOARD_URL
        export RAY_USAGE_STATS_REPORT_URL=${HEAD_URL[sink]}/report
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "the report was still sent" [ "$(_rus_requests POST "" "${HEAD_REC[sink]}" | wc -l)" -eq 1 ]
        post_body_of sink "$TEST_TMP/body.json"
}

post_body_of() { # HEAD FILE
        _rus_requests POST "" "${HEAD_REC[$1]}" | tail -n 1 | python3 -c '
import base64, json, sys
open(sys.argv[1], "wb").write(base64.b64decode(json.loads(sys.stdin.read())["body_b64"]))' "$2"
}

# refused HEAD PORT: nothing reached HEAD, the token went nowhere, the fields
# are null, and the run named the port and the thief's uid.
refused() {
        local head=$1 port=$2 leaks
        need "no request reached the thief's listener ($(record_lines "${HEAD_REC[$head]}") recorded)" \
                [ "$(record_lines "${HEAD_REC[$head]}")" -eq 0 ]
        leaks=$(grep -rlF -- "$TOKEN" "$TEST_TMP" 2>/dev/null |
                grep -vE "^$TEST_TMP/rayhome/|^${HEAD_REC[own]}\$|/run\.(out|err)\$" || true)
        need "the token appears nowhere it should not: $leaks" [ -z "$leaks" ]
        need "the run names the port" grep -q "port $port" "$T_ERR"
        need "the run names the thief's uid $EVIL_UID" grep -q "uid $EVIL_UID" "$T_ERR"
        pycheck "
for k in $DASHBOARD_KEYS:
    eq(J0[k], None, k + ' is null: the foreign dashboard was not asked')
" "$TEST_TMP/body.json"
}

case_logged_port() {
        session_naming "${HEAD_PORT[thief]}"
        run_report
        refused thief "${HEAD_PORT[thief]}"
}
t "attack 1: another user listens on the port dashboard.log names: no request, no token reaches it" \
        case_logged_port

case_fallback_8265() {
        session_naming "${HEAD_PORT[thief]}"
        # Any user can move logs/ aside (Ray makes it 0777): the default address is used.
        as_user "$EVIL" mv "$SESSION_DIR/logs" "$SESSION_DIR/logs.moved"
        run_report
        refused thief8265 8265
        need "the logged port was not asked either" [ "$(record_lines "${HEAD_REC[thief]}")" -eq 0 ]
}
t "attack 1: another user listens on the 127.0.0.1:8265 fallback: no request, no token reaches it" \
        case_fallback_8265

case_machine_wide_token() {
        session_naming "${HEAD_PORT[thief]}"
        export RAY_AUTH_TOKEN=$TOKEN
        run_report
        refused thief "${HEAD_PORT[thief]}"
}
t "attack 1: RAY_AUTH_TOKEN set machine-wide, a foreign listener on the logged port: nothing reaches it" \
        case_machine_wide_token

case_control_own_dashboard() {
        session_naming "${HEAD_PORT[own]}"
        run_report
        need "the Ray user's own dashboard was asked" [ "$(requests_count_of own /api/version)" -eq 1 ]
        need "with the token" grep -q "Bearer $TOKEN" "${HEAD_REC[own]}"
        pycheck 'eq(J0["ray_version"], "2.52.0", "ray_version from the own dashboard")' "$TEST_TMP/body.json"
}
requests_count_of() { # HEAD PATH
        _rus_requests GET "$2" "${HEAD_REC[$1]}" | wc -l
}
t "control: the Ray user's own dashboard on the logged port is asked, with the token" case_control_own_dashboard

case_control_root_dashboard() {
        # A dashboard of root's (a Ray started by root for this user's session) is trusted too.
        session_naming "${HEAD_PORT[rootdash]}"
        run_report
        need "root's dashboard was asked" [ "$(requests_count_of rootdash /api/version)" -eq 1 ]
}
t "control: a root-owned dashboard on the logged port is asked" case_control_root_dashboard

# The dashboard.log address rule (docs/design.md §4.2): an address of this host's own
# means loopback with the LOGGED port (the old code dropped the port and
# asked 127.0.0.1:8265, here the thief's); any other address is ignored.
case_own_address() {
        session_naming "${HEAD_PORT[own]}"
        sed -i "s/127\.0\.0\.1:${HEAD_PORT[own]}\$/10.1.2.4:${HEAD_PORT[own]}/" "$SESSION_DIR/logs/dashboard.log"
        need "the log names 10.1.2.4" grep -q "address: 10.1.2.4:${HEAD_PORT[own]}" "$SESSION_DIR/logs/dashboard.log"
        run_report
        need "the Ray user's dashboard was asked at the logged port" [ "$(requests_count_of own /api/version)" -eq 1 ]
        need "8265 was not" [ "$(record_lines "${HEAD_REC[thief8265]}")" -eq 0 ]
}
case_other_address() {
        session_naming "${HEAD_PORT[own]}"
        sed -i "s/127\.0\.0\.1:${HEAD_PORT[own]}\$/10.9.9.9:${HEAD_PORT[own]}/" "$SESSION_DIR/logs/dashboard.log"
        run_report
        need "the logged port was not asked" [ "$(record_lines "${HEAD_REC[own]}")" -eq 0 ]
        refused thief8265 8265
}
if ip addr add 10.1.2.4/32 dev lo 2>/dev/null; then
        t "dashboard.log naming one of this host's own addresses: loopback with the logged port" case_own_address
        t "dashboard.log naming an address not this host's: ignored, and the 8265 fallback's foreign owner refused" \
                case_other_address
else
        t_skip "dashboard.log naming this host's own address" "cannot add an address inside the namespace"
fi

t_end
