#!/bin/bash
# SPDX-License-Identifier: MIT
# Ray's token auth (docs/design.md §4.3, §4.2): a head started with token auth answers
# 401/403 without the right "Authorization: Bearer" header. The token comes
# from RAY_AUTH_TOKEN, else the file RAY_AUTH_TOKEN_PATH, else
# ~/.ray/auth_token; it goes to the dashboard only, never to the endpoint
# (even on the same host and port), and is written nowhere.
. "$(dirname "$0")/report-lib.sh"

TOKEN=tok-h8-Zq93xVb1-secret
start_head token --token "$TOKEN"
start_head plain
make_session "$RUS_RAY_DIR" >/dev/null

# filled: the dashboard fields of the last POST are the fixture's.
filled() {
        post_body -1 "$TEST_TMP/body.json"
        pycheck '
eq(J0["ray_version"], "2.52.0", "ray_version")
eq(J0["total_num_nodes"], 2, "nodes")
eq(J0["session_id"], "3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718", "session_id")
eq(J0["extra_usage_tags"]["actor_num_created"], "7", "actors")
' "$TEST_TMP/body.json"
}

# token_sent_right: every authenticated dashboard GET carried the token, the
# POST did not, and the token is nowhere but in the head's record and in
# the files it was read from.
token_sent_right() {
        need "GET /api/version carried the token" \
                [ "$(last_request_header GET Authorization /api/version)" = "Bearer $TOKEN" ]
        need "every dashboard GET but the auth-mode question carried it" \
                [ "$(_rus_requests GET | grep -v '/api/authentication_mode' | grep -vc "Bearer $TOKEN")" -eq 0 ]
        need "the POST has no Authorization header" [ -z "$(last_request_header POST Authorization)" ]
        need "the POST body does not hold the token" [ "$(_rus_requests POST | grep -c "$TOKEN")" -eq 0 ]
        local leaks
        leaks=$(grep -rlF -- "$TOKEN" "$TEST_TMP" 2>/dev/null |
                grep -vE '\.record\.jsonl$|/token-file$|/\.ray/auth_token$|/run\.(out|err)$' || true)
        need "the token is written nowhere else: $leaks" [ -z "$leaks" ]
        need "the token is not printed" [ "$(grep -cF -- "$TOKEN" "$T_OUT" "$T_ERR" | grep -vc ':0$')" -eq 0 ]
}

case_no_token() {
        fresh
        use_head token
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        need "the need for a token is named" grep -qE "401.*(RAY_AUTH_TOKEN|token)" "$T_ERR"
        post_body -1 "$TEST_TMP/body.json"
        pycheck "
for k in $DASHBOARD_KEYS:
    eq(J0[k], None, k)
" "$TEST_TMP/body.json"
}
t "token auth, no token anywhere: 401s named, fields null, report still sent" case_no_token

case_env() {
        fresh
        use_head token
        export RAY_AUTH_TOKEN=$TOKEN
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "no failed call" [ "$(grep -c 'dashboard calls failed' "$T_ERR")" -eq 0 ]
        filled
        token_sent_right
}
t "RAY_AUTH_TOKEN: the dashboard answers, the endpoint never sees the token" case_env

case_path() {
        fresh
        use_head token
        printf '  %s\n\n' "$TOKEN" >"$TEST_TMP/token-file"
        export RAY_AUTH_TOKEN_PATH=$TEST_TMP/token-file
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        filled
        token_sent_right
}
t "RAY_AUTH_TOKEN_PATH (whitespace around the token): works" case_path

case_home_file() {
        fresh
        use_head token
        mkdir -p "$HOME/.ray"
        printf '%s\n' "$TOKEN" >"$HOME/.ray/auth_token"
        rus report
        rm -f "$HOME/.ray/auth_token"
        need "exit 0" [ "$RC" -eq 0 ]
        filled
        token_sent_right
}
# shellcheck disable=SC2088 # the name of the file, not a path to expand
t "~/.ray/auth_token of the Ray user: works" case_home_file

case_order() {
        fresh
        use_head token
        mkdir -p "$HOME/.ray"
        echo wrong-home-token >"$HOME/.ray/auth_token"
        echo wrong-path-token >"$TEST_TMP/wrong-token"
        export RAY_AUTH_TOKEN=$TOKEN RAY_AUTH_TOKEN_PATH=$TEST_TMP/wrong-token
        rus report
        filled
        unset RAY_AUTH_TOKEN
        printf '%s\n' "$TOKEN" >"$TEST_TMP/token-file"
        export RAY_AUTH_TOKEN_PATH=$TEST_TMP/token-file
        : >"$FAKE_HEAD_RECORD"
        rus report
        rm -f "$HOME/.ray/auth_token"
        filled
}
t "RAY_AUTH_TOKEN wins over RAY_AUTH_TOKEN_PATH, which wins over ~/.ray/auth_token" case_order

case_bad_token_path() {
        fresh
        use_head token
        local p
        mkdir -p "$TEST_TMP/token-dir"
        for p in "$TEST_TMP/no-such-token" "$TEST_TMP/token-dir" /dev/null; do
                export RAY_AUTH_TOKEN_PATH=$p
                rus report
                need "RAY_AUTH_TOKEN_PATH=$p: exit 0" [ "$RC" -eq 0 ]
        done
        need "every report sent" [ "$(posts_count)" -eq 3 ]
        need "no Authorization header sent" [ "$(_rus_requests GET | grep -c Authorization)" -eq 0 ]
}
t "RAY_AUTH_TOKEN_PATH naming a missing file, a directory, /dev/null: no token, reports sent" case_bad_token_path

case_wrong() {
        fresh
        use_head token
        export RAY_AUTH_TOKEN=not-the-token
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "the rejected token is named (403)" grep -q "403" "$T_ERR"
        need "report sent" [ "$(posts_count)" -eq 1 ]
        need "the POST has no Authorization header" [ -z "$(last_request_header POST Authorization)" ]
}
t "a wrong token: 403s named, report sent without it" case_wrong

case_header_injection() {
        fresh
        use_head token
        export RAY_AUTH_TOKEN=$'tok\r\nX-Injected: 1'
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "no injected header" [ "$(_rus_requests GET | grep -c 'X-Injected')" -eq 0 ]
        need "report sent" [ "$(posts_count)" -eq 1 ]
}
t "a token with CR/LF is refused, not sent as extra headers" case_header_injection

case_not_asked() {
        fresh
        use_head plain
        export RAY_AUTH_TOKEN=$TOKEN
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        filled
        need "no request carried the token to a head without token auth" [ "$(grep -c -- "$TOKEN" "$FAKE_HEAD_RECORD")" -eq 0 ]
}
t "a head without token auth never receives the token" case_not_asked

case_endpoint_same_head_status() {
        fresh
        use_head token
        export RAY_AUTH_TOKEN=$TOKEN
        rus status --json
        need "status makes no request" [ "$(record_lines)" -eq 0 ]
        need "status does not print the token" [ "$(grep -c -- "$TOKEN" "$T_OUT" "$T_ERR" | grep -vc ':0$')" -eq 0 ]
}
t "status with a token set: no request, token not shown" case_endpoint_same_head_status

t_end
