#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 18: a Ray head is a running process. The program used to decide what
# "the Ray head session" was from <temp>/session_latest, a link in a 0777,
# non-sticky directory: a stopped cluster was reported forever, another user
# could re-point the link and so decide who the Ray user was (and receive the
# administrator's token), and heads the link did not name were invisible.
# Now every live GCS (a gcs_server process with Ray's --log_dir and
# --session-name, naming a directory of its own real uid) is a head, and each
# is its own session: its own decision, worker, file, counters and report.
#
# Needs root (useradd, setpriv: each head runs as its own user); runs in a
# private network namespace, and with a tmpfs over /etc/systemd/system, where
# the per-user timers are enabled.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns /etc/systemd/system
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users
[ -n "${RUS_IN_NETNS:-}" ] || skip "needs private network and mount namespaces (unshare, ip)"

rus_two_users
A=$RAYU
M=$EVIL
A_UID=$(id -u "$A")
M_UID=$(id -u "$M")

start_head main
# The heads' own dashboards, for the token case: each user's, with token auth on.
ADMIN_TOKEN=admin-token-$RANDOM-Qx7
M_TOKEN=m-own-token-$RANDOM-Wy3
FAKE_HEAD_USER=$M start_head mdash --token "$M_TOKEN"
start_head rootdash --token "$ADMIN_TOKEN"

NAME_A=session_2025-11-26_12-00-00_123456_4242
NAME_M=session_2025-12-01_08-30-00_000001_77
# Each user's Ray temp directory, as "ray start" makes it (0777).
A_TMP=$TEST_TMP/a-tmp/ray
M_TMP=$TEST_TMP/m-tmp/ray
mkdir -p "$TEST_TMP/a-tmp" "$TEST_TMP/m-tmp"
chmod 0777 "$TEST_TMP/a-tmp" "$TEST_TMP/m-tmp"

opt_out() { # USER
        as_user "$1" sh -c 'echo "{\"usage_stats\": false}" >"$1"' sh "$TEST_TMP/$2/.ray/config.json"
}
opt_in() { # USER HOME
        as_user "$1" sh -c 'echo "{}" >"$1"' sh "$TEST_TMP/$2/.ray/config.json"
}

# live_head USER DIR NAME: a live head of USER: its session DIR/NAME and its GCS.
live_head() {
        local RUS_SESSION_NAME=$3
        make_session "$2" "$1" >/dev/null
}

# A fresh case: no GCS, no session, no counters, no records; both users opted in.
reset() {
        stop_gcs
        rm -rf "$A_TMP" "$M_TMP" "$RAY_USAGE_STATS_STATE_DIR" "$TEST_TMP/data"
        rm -f /etc/systemd/system/timers.target.wants/*
        opt_in "$A" rayhome
        opt_in "$M" evilhome
        fresh
        # Each head's user's own ~/.ray/config.json decides.
        unset RAY_USAGE_STATS_CONFIG_PATH
        use_head main
        # RAY_TMPDIR names A's temp directory, as the unit's environment would: it decides nothing now.
        export RAY_TMPDIR=$TEST_TMP/a-tmp
}

# The counters file of session NAME (named after the session, and its user where kept so).
state_file() { # NAME
        find "$RAY_USAGE_STATS_STATE_DIR" -maxdepth 1 -name "$1*.json" ! -name '*.corrupt' -print -quit
}

posts() {
        _rus_requests POST "" "${HEAD_REC[main]}" | wc -l
}

case_ray_stop() {
        reset
        live_head "$A" "$A_TMP" "$NAME_A"
        rus check
        need "check: a live head is collected (exit 0)" [ "$RC" -eq 0 ]
        # "ray stop": the GCS ends; the session directory and session_latest stay behind.
        stop_gcs
        need "session_latest stays" [ -L "$A_TMP/session_latest" ]
        rus check
        need "check: no live head (exit 2)" [ "$RC" -eq 2 ]
        need "it says there is no live Ray head" grep -q "no live Ray head" "$T_ERR"
        status_json "$TEST_TMP/status.json"
        pycheck 'eq(J0["heads"], [], "status lists no head"); eq(J0["session_dir"], None, "session_dir")' \
                "$TEST_TMP/status.json"
        if have_strace; then
                rus_traced report
                need "no connection of any kind" [ -z "$(inet_connects)" ]
        else
                rus report
        fi
        need "report: no live head (exit 2)" [ "$RC" -eq 2 ]
        need "nothing sent or asked" [ "$(record_lines "${HEAD_REC[main]}")" -eq 0 ]
        need "no usage_stats.json" [ ! -e "$A_TMP/$NAME_A/usage_stats.json" ]
        need "no counters" [ -z "$(stored_state)" ]
}
t "ray stop: the directory stays, nothing is sent, no connection is made" case_ray_stop

case_own_temp_dir() {
        reset
        # ray start --head --temp-dir=/data/ray: nothing in RAY_TMPDIR names it.
        live_head "$A" "$TEST_TMP/data/ray" "$NAME_A"
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one report" [ "$(posts)" -eq 1 ]
        need "written in the head's own directory" [ -f "$TEST_TMP/data/ray/$NAME_A/usage_stats.json" ]
}
t "a head with its own --temp-dir is found like any other" case_own_temp_dir

case_two_users_one_opted_out() {
        reset
        live_head "$A" "$A_TMP" "$NAME_A"
        live_head "$M" "$M_TMP" "$NAME_M"
        opt_out "$A" rayhome
        rus check
        need "check: one head is to be collected (exit 0)" [ "$RC" -eq 0 ]
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "exactly one report" [ "$(posts)" -eq 1 ]
        need "the opted-in user's head" [ -f "$M_TMP/$NAME_M/usage_stats.json" ]
        need "nothing written for the opted-out user's" [ ! -e "$A_TMP/$NAME_A/usage_stats.json" ]
        need "the opt-out is journaled for A's head" grep -q "disabled (decided by config).*$NAME_A" "$T_ERR"
        opt_out "$M" evilhome
        rus check
        need "check: heads, none to be collected (exit 1)" [ "$RC" -eq 1 ]
}
t "two heads of two users, one opted out: exactly one report, each decided by its own user" \
        case_two_users_one_opted_out

case_two_heads_two_reports() {
        reset
        live_head "$A" "$A_TMP" "$NAME_A"
        live_head "$M" "$M_TMP" "$NAME_M"
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "two reports" [ "$(posts)" -eq 2 ]
        need "each written as its owner" [ "$(stat -c %U "$A_TMP/$NAME_A/usage_stats.json")" = "$A" ] &&
                need "and M's" [ "$(stat -c %U "$M_TMP/$NAME_M/usage_stats.json")" = "$M" ]
        rus report
        need "two more" [ "$(posts)" -eq 4 ]
        need "two sets of counters" [ -n "$(state_file "$NAME_A")" ] &&
                need "M's" [ -n "$(state_file "$NAME_M")" ]
        pycheck '
for j in J:
    eq(j["seq_number"], 2, "seq_number of each head after two runs")
    eq(j["total_success"], 2, "total_success")
' "$(state_file "$NAME_A")" "$(state_file "$NAME_M")"
        status_json "$TEST_TMP/status.json"
        pycheck "
heads = J0['heads']
eq(len(heads), 2, 'status lists both heads')
eq(sorted(h['session_dir'] for h in heads), sorted(['$A_TMP/$NAME_A', '$M_TMP/$NAME_M']), 'their directories')
eq(J0['session_dir'], '$M_TMP/$NAME_M', 'the top-level keys describe the newest head')
eq(J0['seq_number'], 2, 'its counters')
" "$TEST_TMP/status.json"
}
t "two heads: two reports, two sets of counters, both in status" case_two_heads_two_reports

case_foreign_directory() {
        reset
        # A's session stays from an earlier run; M starts a GCS that names it.
        live_head "$A" "$A_TMP" "$NAME_A"
        stop_gcs
        start_gcs "$A_TMP/$NAME_A" "$M"
        rus report
        need "no live head of anyone (exit 2)" [ "$RC" -eq 2 ]
        need "nothing sent" [ "$(record_lines "${HEAD_REC[main]}")" -eq 0 ]
        need "the journal names the GCS's uid" grep -q "uid $M_UID" "$T_ERR"
        need "and the directory's owner" grep -q "uid $A_UID" "$T_ERR"
        need "no usage_stats.json" [ ! -e "$A_TMP/$NAME_A/usage_stats.json" ]
}
t "a GCS of user M naming user A's directory is ignored, and journaled" case_foreign_directory

case_repointed_link() {
        reset
        live_head "$A" "$A_TMP" "$NAME_A"
        opt_out "$A" rayhome
        # Problem 2: M points session_latest at a session directory of their own (no GCS of theirs runs).
        as_user "$M" mkdir -m 0777 "$A_TMP/$NAME_M" "$A_TMP/$NAME_M/logs"
        as_user "$M" sh -c 'ln -s "$2" "$1/tmp" && mv -T "$1/tmp" "$1/session_latest"' sh "$A_TMP" "$NAME_M"
        need "the link is M's" [ "$(stat -c %u "$A_TMP/session_latest")" = "$M_UID" ]
        rus check
        need "A's opt-out decides, as before the swap (exit 1)" [ "$RC" -eq 1 ]
        rus report
        need "report: exit 1" [ "$RC" -eq 1 ]
        need "nothing sent" [ "$(posts)" -eq 0 ]
        need "nothing written in M's directory" [ ! -e "$A_TMP/$NAME_M/usage_stats.json" ]
}
t "a session_latest re-pointed by another user changes nothing" case_repointed_link

case_admin_token() {
        reset
        # Problem 3: the administrator's token in the unit's environment; M runs a GCS of their own
        # whose dashboard.log names M's listener (in the temp directory that RAY_TMPDIR names, whose
        # session_latest, M's now, the old code followed).
        FAKE_HEAD_PORT=${HEAD_PORT[mdash]} live_head "$M" "$A_TMP" "$NAME_M"
        as_user "$M" sh -c 'echo "$2" >"$1"; chmod 0600 "$1"' sh "$TEST_TMP/evilhome/.ray/auth_token" "$M_TOKEN"
        export RAY_AUTH_TOKEN=$ADMIN_TOKEN
        unset RAY_USAGE_STATS_DASHBOARD_URL
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "M's dashboard was asked" [ "$(record_lines "${HEAD_REC[mdash]}")" -gt 0 ]
        need "the administrator's token was not sent there" [ "$(grep -c "$ADMIN_TOKEN" "${HEAD_REC[mdash]}")" -eq 0 ]
        need "M's own token was" grep -q "Bearer $M_TOKEN" "${HEAD_REC[mdash]}"
        need "the journal notes the configured token was not used" grep -qi "token.*not used" "$T_ERR"
        rm -f "$TEST_TMP/evilhome/.ray/auth_token"
}
t "the administrator's token never goes to another user's head, only that user's own token" case_admin_token

case_admin_token_root_head() {
        reset
        # Control: a head of root (the user the program runs as) gets the configured token.
        FAKE_HEAD_PORT=${HEAD_PORT[rootdash]} live_head root "$A_TMP" "$NAME_A"
        export RAY_AUTH_TOKEN=$ADMIN_TOKEN
        unset RAY_USAGE_STATS_DASHBOARD_URL
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "root's head got the configured token" grep -q "Bearer $ADMIN_TOKEN" "${HEAD_REC[rootdash]}"
}
t "control: the configured token goes to a head of the user the program runs as" case_admin_token_root_head

case_per_user_unit() {
        reset
        live_head "$A" "$A_TMP" "$NAME_A"
        live_head "$M" "$M_TMP" "$NAME_M"
        # ray-usage-stats@A: the same job as A, without privilege: A's head only.
        export RAY_USAGE_STATS_STATE_DIR=$TEST_TMP/a-state
        mkdir -p "$RAY_USAGE_STATS_STATE_DIR"
        chown "$A:" "$RAY_USAGE_STATS_STATE_DIR"
        rus_as "$A" report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one report" [ "$(posts)" -eq 1 ]
        need "of A's head" [ -f "$A_TMP/$NAME_A/usage_stats.json" ]
        need "not of M's" [ ! -e "$M_TMP/$NAME_M/usage_stats.json" ]
        # With A's timer enabled, the generic unit (root) leaves A's head to it and reports M's.
        rm -f "$A_TMP/$NAME_A/usage_stats.json"
        mkdir -p /etc/systemd/system/timers.target.wants
        ln -s /usr/lib/systemd/system/ray-usage-stats@.timer \
                "/etc/systemd/system/timers.target.wants/ray-usage-stats@$A.timer"
        export RAY_USAGE_STATS_STATE_DIR=$TEST_TMP/state
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one more report" [ "$(posts)" -eq 2 ]
        need "of M's head" [ -f "$M_TMP/$NAME_M/usage_stats.json" ]
        need "A's head left to A's unit" [ ! -e "$A_TMP/$NAME_A/usage_stats.json" ]
        need "and said so" grep -q "ray-usage-stats@$A.timer" "$T_ERR"
}
t "per-user unit with two users' heads: each head reported once, by its own unit" case_per_user_unit

case_record_library() {
        reset
        live_head "$A" "$A_TMP" "$NAME_A"
        live_head "$A" "$TEST_TMP/data/ray" "$NAME_M"
        rus_as "$A" record-library mylib
        need "exit 0" [ "$RC" -eq 0 ]
        need "the newest head of A is marked" [ -f "$TEST_TMP/data/ray/$NAME_M/_ray_lib_usage-mylib.txt" ]
        need "the older one is not" [ ! -e "$A_TMP/$NAME_A/_ray_lib_usage-mylib.txt" ]
        rus_as "$M" record-library mylib
        need "M has no live head (exit 2)" [ "$RC" -eq 2 ]
}
t "record-library marks the invoking user's newest head" case_record_library

t_end
