#!/bin/bash
# SPDX-License-Identifier: MIT
# docs/design.md §4.2: Ray makes <temp>, the session directory and logs/ mode 0777, so any
# local user can plant files and links there. Here another local user does:
# links and files at usage_stats.json and at temporary-looking names,
# logs/dashboard.log as a link, a FIFO or a file of its own naming another
# dashboard (a loopback decoy, or 10.1.2.3), library markers, and
# session_latest pointing elsewhere (which decides nothing: the live head is
# reported). Then a session that belongs to another user while the service
# runs as root: the session's files are that user's, the state directory
# root's.
#
# Needs root (useradd, setpriv). The dashboard.log cases run in a private
# network namespace with only a loopback interface, where the default
# dashboard port 8265 is free for a fake head and 10.1.2.3 is unreachable,
# so that even a wrong binary could not send a packet anywhere.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users

rus_two_users

TOKEN=tok-h8-hostile-Kw7p
start_head main
start_head decoy
if [ -n "${RUS_IN_NETNS:-}" ]; then
        start_head default --port 8265 --token "$TOKEN"
fi
make_session "$RUS_RAY_DIR" >/dev/null
fresh

VICTIM=$TEST_TMP/victim
echo "VICTIM, must stay as it is" >"$VICTIM"
chmod 0644 "$VICTIM"
touch -d '2020-01-01 00:00:00' "$VICTIM"
VICTIM_STAT=$(stat -c '%s %Y %U %a' "$VICTIM")

victim_untouched() {
        need "the victim file is untouched" [ "$(stat -c '%s %Y %U %a' "$VICTIM")" = "$VICTIM_STAT" ]
        need "the victim's content is untouched" grep -qx "VICTIM, must stay as it is" "$VICTIM"
}

evil() {
        as_user "$EVIL" "$@"
}

# report_ok: one report as root with the main head; exit 0, one POST, a
# regular usage_stats.json of the session owner holding the body.
report_ok() {
        use_head main
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        need "usage_stats.json is a regular file now" [ -f "$USAGE_FILE" -a ! -L "$USAGE_FILE" ]
        need "usage_stats.json belongs to the session owner" \
                [ "$(stat -c %u "$USAGE_FILE")" = "$(stat -c %u "$SESSION")" ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq(J0["usage_stats"], J[1], "usage_stats.json holds the body")' "$USAGE_FILE" "$TEST_TMP/body.json"
}

case_planted_link() {
        fresh
        evil ln -s "$VICTIM" "$USAGE_FILE"
        need "the link is planted" [ -L "$USAGE_FILE" ]
        report_ok
        victim_untouched
}
t "usage_stats.json planted as a link to a victim file: victim untouched, a regular file now" case_planted_link

case_planted_tmp_links() {
        fresh
        local n
        for n in usage_stats.json.tmp .usage_stats.json.tmp usage_stats.json.tmp.0 \
                .usage_stats.json.0000000000000000.tmp .usage_stats.json.XXXXXX; do
                evil ln -s "$VICTIM" "$SESSION/$n"
        done
        evil ln -s "$VICTIM" "$SESSION/usage_stats.json"
        report_ok
        victim_untouched
        rm -f "$SESSION"/usage_stats.json.tmp* "$SESSION"/.usage_stats.json.*
}
t "temporary-looking names planted as links to the victim: victim untouched" case_planted_tmp_links

case_planted_file() {
        fresh
        evil sh -c 'echo "{\"usage_stats\": \"planted\"}" >"$1"; chmod 0666 "$1"' sh "$USAGE_FILE"
        report_ok
        need "mode 0644" [ "$(stat -c %a "$USAGE_FILE")" = 644 ]
}
t "usage_stats.json planted as another user's file: replaced by the owner's own, 0644" case_planted_file

case_planted_dir() {
        fresh
        evil mkdir "$USAGE_FILE"
        use_head main
        rus report
        evil rmdir "$USAGE_FILE"
        need "a local failure (exit >= 3), not success and not a crash" [ "$RC" -ge 3 ]
        need "the error names usage_stats.json" grep -q "usage_stats.json" "$T_ERR"
        need "the report was sent before" [ "$(posts_count)" -eq 1 ]
        status_json "$TEST_TMP/status.json"
        pycheck 'eq((J0["seq_number"], J0["total_success"]), (1, 1), "the attempt is counted")' "$TEST_TMP/status.json"
}
t "usage_stats.json planted as a directory: clear local failure, attempt still counted" case_planted_dir

case_planted_markers() {
        fresh
        evil touch "$SESSION/_ray_lib_usage-evil.txt"
        evil ln -s "$VICTIM" "$SESSION/_ray_lib_usage-linked.txt"
        rus record-library core
        need "record-library exits 0" [ "$RC" -eq 0 ]
        # A marker name planted as a link is replaced, not followed.
        evil ln -s "$VICTIM" "$SESSION/_ray_lib_usage-train.txt"
        rus record-library train
        need "record-library over a planted link exits 0" [ "$RC" -eq 0 ]
        need "the marker is a regular file now" \
                [ -f "$SESSION/_ray_lib_usage-train.txt" -a ! -L "$SESSION/_ray_lib_usage-train.txt" ]
        report_ok
        victim_untouched
        pycheck 'eq(J0["library_usages"], ["core", "train"], "library_usages: other owners markers and links ignored")' \
                "$TEST_TMP/body.json"
}
t "library markers of another user and links are ignored; a planted marker link is replaced" \
        case_planted_markers

# --- logs/dashboard.log ------------------------------------------------------

# log_case SETUP EXPECT: SETUP (shell code) prepares logs/dashboard.log, with no
# RAY_USAGE_STATS_DASHBOARD_URL; EXPECT is "decoy" (the log was used) or
# "default" (it was ignored: 127.0.0.1:8265 was asked).
log_case() {
        fresh
        use_head main
        unset RAY_USAGE_STATS_DASHBOARD_URL
        export RAY_AUTH_TOKEN=$TOKEN
        # shellcheck disable=SC2034 # used by SETUP
        local log=$SESSION/logs/dashboard.log decoy_port=${HEAD_PORT[decoy]}
        rm -rf "$log" "$TEST_TMP/elsewhere"
        eval "$1"
        if have_strace; then rus_traced report; else rus report; fi
        rm -rf "$log"
        make_session "$RUS_RAY_DIR" >/dev/null
        need "exit 0" [ "$RC" -eq 0 ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        within "$LIMIT_DASHBOARD_MS" "the run, its dashboard phase"
        need "nothing tried 10.1.2.3" [ "$(grep -c '10\.1\.2\.3' "$T_ERR")" -eq 0 ]
        if have_strace; then
                need "no connect() to 10.1.2.3" [ "$(inet_connects | grep -c '10\.1\.2\.3')" -eq 0 ]
                need "no connect() beyond loopback: $(inet_connects | grep -v '127\.0\.0\.1' | head -2)" \
                        [ "$(inet_connects | grep -vc '127\.0\.0\.1')" -eq 0 ]
        fi
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq(J0["ray_version"], "2.52.0", "a dashboard answered"); eq(J0["total_num_nodes"], 2, "nodes")' \
                "$TEST_TMP/body.json"
        local used=${HEAD_REC[$2]} unused=${HEAD_REC[decoy]}
        [ "$2" = decoy ] && unused=${HEAD_REC[default]}
        need "the $2 dashboard was asked" [ "$(grep -c '/api/version' "$used")" -eq 1 ]
        need "the other one was not" [ "$(record_lines "$unused")" -eq 0 ]
        local leaks
        leaks=$(grep -rlF -- "$TOKEN" "$TEST_TMP" 2>/dev/null |
                grep -vE "^${HEAD_REC[default]}\$|/run\.(out|err)\$|/connects\$" || true)
        need "the token appears nowhere but in the token head's record: $leaks" [ -z "$leaks" ]
        if [ "$2" = default ]; then
                need "the token went to the default dashboard" \
                        [ "$(grep -c "Bearer $TOKEN" "${HEAD_REC[default]}")" -ge 1 ]
        fi
        if [ "${3:-}" = noted ]; then
                need "the ignored log is noted" grep -qi "dashboard.log" "$T_ERR"
        fi
}

if [ -n "${RUS_IN_NETNS:-}" ]; then
        t "control: the owner's own dashboard.log naming a loopback head is used" \
                log_case 'echo "x -- Dashboard head http address: 127.0.0.1:$decoy_port" >"$log"' decoy
        t "control: a dashboard.log naming 0.0.0.0 means loopback" \
                log_case 'echo "x -- Dashboard head http address: 0.0.0.0:$decoy_port" >"$log"' decoy
        t "logs/dashboard.log replaced by a link (to a file naming a decoy): ignored, default used" \
                log_case 'echo "Dashboard head http address: 127.0.0.1:$decoy_port" >"$TEST_TMP/log-target"
                          evil ln -s "$TEST_TMP/log-target" "$log"' default noted
        t "logs/dashboard.log of another owner naming a loopback decoy: ignored, default used" \
                log_case 'evil sh -c "echo \"Dashboard head http address: 127.0.0.1:$decoy_port\" >$log"' default noted
        t "logs/dashboard.log of another owner naming 10.1.2.3: ignored, no connection there, token kept" \
                log_case 'evil sh -c "echo \"Dashboard head http address: 10.1.2.3:8265\" >$log"' default noted
        t "the owner's dashboard.log naming 10.1.2.3 (not loopback): ignored, default used" \
                log_case 'echo "Dashboard head http address: 10.1.2.3:8265" >"$log"' default
        t "logs/dashboard.log planted as a FIFO: no hang, default used" \
                log_case 'evil mkfifo "$log"' default noted
        t "logs/ replaced by a link to another user's directory: ignored, default used" \
                log_case 'mkdir -p "$TEST_TMP/elsewhere"; chown "$EVIL:" "$TEST_TMP/elsewhere"
                          evil sh -c "echo \"Dashboard head http address: 127.0.0.1:$decoy_port\" >$TEST_TMP/elsewhere/dashboard.log"
                          mv "$SESSION/logs" "$TEST_TMP/logs.orig"; evil ln -s "$TEST_TMP/elsewhere" "$SESSION/logs"
                         ' default noted
        # Put logs/ back for what follows.
        if [ -L "$SESSION/logs" ]; then rm -f "$SESSION/logs"; fi
        [ -d "$TEST_TMP/logs.orig" ] && mv "$TEST_TMP/logs.orig" "$SESSION/logs"
        make_session "$RUS_RAY_DIR" >/dev/null
else
        t_skip "logs/dashboard.log cases" "no private network namespace here (unshare --net, ip)"
fi

# --- session_latest ------------------------------------------------------------

# latest_case SETUP: another user points session_latest elsewhere (issue 18:
# it decides nothing any more); the live head is reported as before.
latest_case() {
        fresh
        use_head main
        local other=$TEST_TMP/elsewhere-ray
        rm -rf "$other"
        mkdir -p "$other/$RUS_SESSION_NAME"
        chown -R "$EVIL:" "$other"
        eval "$1"
        report_ok
        rm -f "$RUS_RAY_DIR/session_latest" "$RUS_RAY_DIR/session_2099-01-01_00-00-00_000000_1"
        make_session "$RUS_RAY_DIR" >/dev/null
        need "nothing written there" [ ! -e "$other/$RUS_SESSION_NAME/usage_stats.json" ]
}
t "session_latest planted to point outside <temp> (absolute): the live head is reported, nothing there" \
        latest_case 'evil ln -sfn "$other/$RUS_SESSION_NAME" "$RUS_RAY_DIR/session_latest"'
t "session_latest planted to point outside <temp> (relative ../): the live head is reported, nothing there" \
        latest_case 'evil ln -sfn "../../elsewhere-ray/$RUS_SESSION_NAME" "$RUS_RAY_DIR/session_latest"'
t "session_latest to a session_* entry that is a link to another directory: the live head is reported" \
        latest_case 'evil ln -s "$other/$RUS_SESSION_NAME" "$RUS_RAY_DIR/session_2099-01-01_00-00-00_000000_1"
                     evil ln -sfn session_2099-01-01_00-00-00_000000_1 "$RUS_RAY_DIR/session_latest"'

# --- a session of another user, the service running as root --------------------

RAYTMP=$TEST_TMP/raytmp
mkdir -p "$RAYTMP"
RAYSESSION=$RAYTMP/ray/$RUS_SESSION_NAME

# The Ray user's head, alone: root's own (made above) is stopped for the case.
ray_user_session() {
        fresh
        use_head main
        stop_gcs
        rm -rf "$RAYTMP/ray"
        make_session "$RAYTMP/ray" "$RAYU" >/dev/null
}

case_other_owner() {
        ray_user_session
        as_user "$RAYU" sh -c 'printf "cluster_name: c\nmax_workers: 3\nprovider:\n    type: azure\n" >"$1"' \
                sh "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        printf 'max_workers: 1\nprovider:\n    type: gcp\n' >"$HOME/ray_bootstrap_config.yaml"
        # record-library marks the invoking user's own head (root has none here), made by that user.
        rus record-library core
        need "record-library as root: no head of root's (exit 2)" [ "$RC" -eq 2 ]
        need "no marker" [ ! -e "$RAYSESSION/_ray_lib_usage-core.txt" ]
        rus_as "$RAYU" record-library core
        need "record-library as the Ray user exits 0" [ "$RC" -eq 0 ]
        need "the marker belongs to the Ray user" [ "$(stat -c %U "$RAYSESSION/_ray_lib_usage-core.txt")" = "$RAYU" ]
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "usage_stats.json belongs to the Ray user" [ "$(stat -c %U "$RAYSESSION/usage_stats.json")" = "$RAYU" ]
        need "usage_stats.json is 0644" [ "$(stat -c %a "$RAYSESSION/usage_stats.json")" = 644 ]
        need "no temporary file left" [ -z "$(find "$RAYSESSION" -maxdepth 1 -name '*.tmp*' -print -quit)" ]
        need "the state directory exists" [ -d "$RAY_USAGE_STATS_STATE_DIR" ]
        need "every state file belongs to root" \
                [ -z "$(find "$RAY_USAGE_STATS_STATE_DIR" ! -user root -print -quit)" ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck '
eq(J0["usage_stats"], J[1], "usage_stats.json holds the body")
eq((J[1]["cloud_provider"], J[1]["max_workers"]), ("azure", 3), "the YAML of the Ray user (passwd home), not $HOME")
eq(J[1]["library_usages"], ["core"], "library_usages")
' "$RAYSESSION/usage_stats.json" "$TEST_TMP/body.json"
        status_json "$TEST_TMP/status.json"
        pycheck "eq(J0['session_dir'], '$RAYSESSION', 'session_dir'); eq(J0['seq_number'], 1, 'seq_number')" \
                "$TEST_TMP/status.json"
        rm -f "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
}
t "a session of another user, run as root: its files are that user's, the state root's" case_other_owner

# Ray opens ~/ray_bootstrap_config.yaml whoever owns it (docs/ray-parity.md);
# the worker reads it with the Ray user's rights only, so a file the Ray
# user may not read gives the five nulls of a missing one.
case_other_owner_yaml_rights() {
        ray_user_session
        rm -f "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        printf 'max_workers: 1\nprovider:\n    type: gcp\n' >"$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        chmod 0644 "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq((J0["cloud_provider"], J0["max_workers"]), ("gcp", 1), "a readable YAML of another owner is read, as Ray does")' \
                "$TEST_TMP/body.json"
        chmod 0600 "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        rus report
        rm -f "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        need "exit 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq((J0["cloud_provider"], J0["max_workers"]), (None, None), "a 0600 YAML of root is not read: the worker has only the rights of the Ray user")' \
                "$TEST_TMP/body.json"
}
t "a bootstrap YAML of another owner in the Ray user's home is read as Ray reads it, with the Ray user's rights only" case_other_owner_yaml_rights

case_other_owner_token_file() {
        ray_user_session
        export RAY_USAGE_STATS_DASHBOARD_URL=${HEAD_URL[decoy]}
        as_user "$RAYU" sh -c 'mkdir -p "$1/.ray" && echo wrong >"$1/.ray/auth_token"' sh "$TEST_TMP/rayhome"
        mkdir -p "$HOME/.ray"
        echo "root-s-own-token" >"$HOME/.ray/auth_token"
        rus report
        rm -rf "$TEST_TMP/rayhome/.ray" "$HOME/.ray/auth_token"
        need "exit 0" [ "$RC" -eq 0 ]
        need "root's own ~/.ray/auth_token is not the Ray user's" [ "$(grep -c root-s-own-token "${HEAD_REC[decoy]}")" -eq 0 ]
}
t "the Ray user's ~/.ray files come from its passwd home, not from root's HOME" case_other_owner_token_file

case_as_ray_user() {
        ray_user_session
        export RAY_USAGE_STATS_STATE_DIR=$TEST_TMP/raystate
        mkdir -p "$RAY_USAGE_STATS_STATE_DIR"
        chown "$RAYU:" "$RAY_USAGE_STATS_STATE_DIR"
        export HOME=$TEST_TMP/rayhome
        unset RAY_USAGE_STATS_CONFIG_PATH
        rus_as "$RAYU" report
        need "exit 0" [ "$RC" -eq 0 ]
        need "usage_stats.json belongs to the Ray user" [ "$(stat -c %U "$RAYSESSION/usage_stats.json")" = "$RAYU" ]
        need "its state files too" [ -z "$(find "$RAY_USAGE_STATS_STATE_DIR" ! -user "$RAYU" -print -quit)" ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        rm -rf "$RAY_USAGE_STATS_STATE_DIR"
}
t "run as the Ray user itself: works, everything the Ray user's" case_as_ray_user

case_as_third_user() {
        ray_user_session
        export RAY_USAGE_STATS_STATE_DIR=$TEST_TMP/evilstate
        mkdir -p "$RAY_USAGE_STATS_STATE_DIR"
        chown "$EVIL:" "$RAY_USAGE_STATS_STATE_DIR"
        export HOME=$TEST_TMP/evilhome
        unset RAY_USAGE_STATS_CONFIG_PATH
        rus_as "$EVIL" report
        need "no live head of this user (exit 2)" [ "$RC" -eq 2 ]
        need "it says to run as root or as the Ray user" grep -qi "run as root or as that user" "$T_ERR"
        need "it names the Ray user" grep -q "($RAYU)" "$T_ERR"
        need "nothing written in the session" [ ! -e "$RAYSESSION/usage_stats.json" ]
        need "nothing sent, nothing asked" [ "$(record_lines)" -eq 0 ]
        rus_as "$EVIL" check
        need "check: no session (exit 2)" [ "$RC" -eq 2 ]
        rm -rf "$RAY_USAGE_STATS_STATE_DIR"
}
t "run as a third, unprivileged user: no session for them (exit 2), nothing read, written or sent" case_as_third_user

t_end
