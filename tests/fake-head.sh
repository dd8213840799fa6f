#!/bin/bash
# SPDX-License-Identifier: MIT
# The fake Ray head and the lib.sh helpers that every integration test relies on.
. "$(dirname "$0")/report-lib.sh"

fetch() { # URL [AUTH]: prints "STATUS BODY"
        python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2:
    req.add_header("Authorization", sys.argv[2])
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}

post() { # URL BODY: prints the status
        python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

# The environment is safe before any head exists.
case_safe_environment() {
        [ "$RAY_USAGE_STATS_CLOUD_PROBE" = 0 ] || fail "cloud probes not off"
        [ -z "${DO_NOT_TRACK+x}" ] || fail "DO_NOT_TRACK is set"
        for v in RAY_USAGE_STATS_REPORT_URL RAY_USAGE_STATS_AWS_METADATA_URL RAY_USAGE_STATS_GCP_METADATA_URL \
                RAY_USAGE_STATS_AZURE_METADATA_URL RAY_USAGE_STATS_DASHBOARD_URL; do
                case ${!v} in
                http://127.0.0.1:*) ;;
                *) fail "$v=${!v} is not loopback" ;;
                esac
        done
        case $HOME/$RAY_TMPDIR/$RAY_USAGE_STATS_STATE_DIR/$RAY_USAGE_STATS_CONFIG_PATH/$RAY_USAGE_STATS_SYSTEM_CONFIG in
        "$TEST_TMP"/*) ;;
        *) fail "paths outside the test directory" ;;
        esac
}
t "the environment is safe before any head exists: loopback URLs, paths in the test directory, no probes" case_safe_environment

case_routes() {
        start_fake_head --token tok-123 --post-status 200,500 --route-mode /cluster_id=500
        [ "$RAY_USAGE_STATS_REPORT_URL" = "$FAKE_HEAD_URL/report" ] || fail "report URL not pointed at the head"

        out=$(fetch "$FAKE_HEAD_URL/api/authentication_mode")
        [ "$out" = '200 {"authentication_mode": "token"}' ] || fail "auth mode: $out"
        [ "$(fetch "$FAKE_HEAD_URL/api/version" | cut -d' ' -f1)" = 401 ] || fail "no 401 without a token"
        [ "$(fetch "$FAKE_HEAD_URL/api/version" "Bearer nope" | cut -d' ' -f1)" = 403 ] || fail "no 403 for a wrong token"
        out=$(fetch "$FAKE_HEAD_URL/api/version" "Bearer tok-123")
        [ "$out" = "200 $(cat "$FIXTURES/basic/api_version.json")" ] || fail "version fixture not served: $out"
        [ "$(fetch "$FAKE_HEAD_URL/cluster_id" "Bearer tok-123" | cut -d' ' -f1)" = 500 ] || fail "route mode ignored"
        [ "$(fetch "$FAKE_HEAD_URL/api/prometheus_health" "Bearer tok-123" | cut -d' ' -f1)" = 500 ] ||
                fail "fixture .status ignored"
        [ "$(fetch "$FAKE_HEAD_URL/nothing/here" "Bearer tok-123" | cut -d' ' -f1)" = 404 ] || fail "no 404"
        [ "$(last_request_header GET Authorization /api/version)" = "Bearer tok-123" ] || fail "Authorization not recorded"

        [ "$(posts_count)" -eq 0 ] || fail "POSTs before any"
        [ "$(post "$FAKE_HEAD_URL/report" '{"a": "é"}')" = 200 ] || fail "first POST status"
        [ "$(post "$FAKE_HEAD_URL/report" '{"b": 2}')" = 500 ] || fail "second POST status"
        [ "$(post "$FAKE_HEAD_URL/report" '{"c": 3}')" = 500 ] || fail "the last status does not repeat"
        [ "$(posts_count)" -eq 3 ] || fail "posts_count: $(posts_count)"
        [ "$(requests_count GET /api/version)" -eq 3 ] || fail "requests_count: $(requests_count GET /api/version)"
        [ "$(last_post_body)" = '{"c": 3}' ] || fail "last_post_body: $(last_post_body)"
        [ "$(last_request_header POST Content-Type)" = application/json ] || fail "POST headers not recorded"
}
t "the fake head: token auth, fixtures, route modes, statuses, recorded requests and POSTs" case_routes

# SIGTERM ends it cleanly, even with a request hanging.
case_sigterm() {
        start_fake_head --mode hang
        python3 -c "import socket; s = socket.create_connection(('127.0.0.1', $FAKE_HEAD_PORT)); \
        s.sendall(b'GET /api/version HTTP/1.0\r\n\r\n'); import time; time.sleep(30)" &
        client=$!
        at_exit _rus_stop_pid "$client"
        sleep 0.5
        start=$SECONDS
        kill "$FAKE_HEAD_PID"
        wait "$FAKE_HEAD_PID"
        status=$?
        [ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
        # Far below the client's 30 s, far above a slow machine's start-up.
        [ $((SECONDS - start)) -le 10 ] || fail "SIGTERM waited for the hanging request"
}
t "SIGTERM ends the fake head cleanly, even with a request hanging" case_sigterm

# HTTPS with a generated certificate.
case_https() {
        make_cert "$TEST_TMP/cert"
        start_fake_head --https --cert "$FAKE_CERT" --key "$FAKE_KEY"
        case $FAKE_HEAD_URL in https://*) ;; *) fail "FAKE_HEAD_URL not https: $FAKE_HEAD_URL" ;; esac
        out=$(SSL_CERT_FILE=$FAKE_CERT fetch "$FAKE_HEAD_URL/api/version" | cut -d' ' -f1)
        [ "$out" = 200 ] || fail "HTTPS: $out"
}
t "HTTPS with a generated certificate" case_https

# A Ray session as Ray lays it out.
case_session() {
        start_fake_head
        session=$(make_session "$RAY_TMPDIR/ray")
        [ "$(readlink "$RAY_TMPDIR/ray/session_latest")" = "$RUS_SESSION_NAME" ] || fail "session_latest"
        [ "$(stat -c %a "$session/logs")" = 777 ] || fail "logs/ mode"
        grep -q "Dashboard head http address: 127.0.0.1:$FAKE_HEAD_PORT\$" "$session/logs/dashboard.log" ||
                fail "dashboard.log does not name the fake head"
}
t "make_session lays a Ray session out as Ray does" case_session

# Its live head: one process named gcs_server with Ray's two arguments, of
# the caller, the only one this test sees (a PID namespace of its own);
# making the session again keeps it; "ray stop" ends it and leaves the rest.
gcs_pids() {
        local p
        for p in /proc/[0-9]*; do
                [ "$(cat "$p/comm" 2>/dev/null)" = gcs_server ] && echo "${p#/proc/}"
        done
}
case_live_head() {
        local session pids
        start_fake_head
        make_session "$RAY_TMPDIR/ray" >/dev/null
        session=$RUS_SESSION
        pids=$(gcs_pids)
        [ "$(echo "$pids" | wc -w)" = 1 ] || fail "expected one gcs_server process, found: ${pids:-none}"
        tr '\0' '\n' <"/proc/$pids/cmdline" | grep -qxF -- "--log_dir=$session/logs" || fail "no --log_dir=$session/logs"
        tr '\0' '\n' <"/proc/$pids/cmdline" | grep -qxF -- "--session-name=$RUS_SESSION_NAME" || fail "no --session-name"
        [ "$(stat -c %u "/proc/$pids")" = "$(id -u)" ] || fail "the gcs_server is not the caller's"
        make_session "$RAY_TMPDIR/ray" >/dev/null
        [ "$(gcs_pids)" = "$pids" ] || fail "making the session again made another head: $(gcs_pids | xargs)"
        stop_gcs "$session"
        [ -z "$(gcs_pids)" ] || fail "stop_gcs left a gcs_server: $(gcs_pids)"
        [ -d "$session/logs" ] && [ -L "$RAY_TMPDIR/ray/session_latest" ] || fail "ray stop took the session away"
}
t "make_session starts the session's live head (a gcs_server of the caller); stop_gcs is ray stop" case_live_head

t_end
