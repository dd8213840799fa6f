#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 17, weakness 4: one session's counters passed to another user. The
# state (the counters and the fallback session_id) was keyed by the session
# directory's name only. Another user moved an old session directory of the
# Ray user aside (Ray's temp root is 0777, not sticky) and made their own
# with the same name: their report then went out with the Ray user's
# session_id and continued its sequence numbers. State now belongs to (Ray
# user uid, session name); the files of earlier versions ("<name>.json") are
# carried over on upgrade to the session they were written for, and only to
# it.
#
# Needs root (useradd, setpriv); runs in a private network namespace, with a
# private journal.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users

rus_two_users
RAYU_UID=$(id -u "$RAYU")

start_head main
ray_temp_root

# The Ray user's session; its dashboard gives no cluster id, so that the
# report's session_id is the fallback one kept in the state.
takeover_session() {
        ray_session
        export RAY_USAGE_STATS_DASHBOARD_URL=$RUS_CLOSED_URL
}

# The other user's takeover: the Ray user's directory moved aside, their own
# of the same name (and their own link and head) in its place.
take_over() {
        as_user "$EVIL" sh -c 'mv "$1/$2" "$1/moved-aside" && mkdir -m 0777 "$1/$2" "$1/$2/logs" &&
                ln -s "$2" "$1/tmp" && mv -T "$1/tmp" "$1/session_latest"' sh "$RAYDIR" "$RUS_SESSION_NAME" ||
                need "the other user could take the name" false
        need "the directory is theirs now" [ "$(stat -c %U "$RAYSESSION")" = "$EVIL" ]
        ! declare -F start_gcs >/dev/null || start_gcs "$RAYSESSION" "$EVIL"
}

# The Ray user's session and its first report (REPORT_ID its session_id).
first_report() {
        takeover_session
        rus report
        need "the Ray user's first report exits 0" [ "$RC" -eq 0 ]
        report_is 0 0 0
}

# report_is N SEQ TOTAL_SUCCESS: the Nth POST carries these counters; sets
# REPORT_ID to its session_id.
report_is() {
        post_body "$1" "$TEST_TMP/body.$1" || need "POST number $1 was made" false
        REPORT_ID=$(python3 - "$TEST_TMP/body.$1" "$2" "$3" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
if (b["seq_number"], b["total_success"]) != (int(sys.argv[2]), int(sys.argv[3])):
    sys.exit("seq_number %s, total_success %s" % (b["seq_number"], b["total_success"]))
print(b["session_id"])
EOF
        ) || need "POST $1 has seq_number $2, total_success $3" false
}

case_same_name() {
        first_report
        rus report
        need "the second report exits 0" [ "$RC" -eq 0 ]
        report_is 1 1 1
        local ray_id=$REPORT_ID
        take_over
        rus report
        need "the other user's session is reported, as theirs (exit 0)" [ "$RC" -eq 0 ]
        report_is 2 0 0 # on the old code: seq_number 2, total_success 2
        need "with a session_id of its own, not the Ray user's ($ray_id)" [ "$REPORT_ID" != "$ray_id" ]
        need "two state files: one per owner" \
                [ -f "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME@$RAYU_UID.json" ] &&
                [ -f "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME@$(id -u "$EVIL").json" ]
}
t "another user's directory with the Ray user's session name starts its own counters and session_id" case_same_name

# An earlier version's state file: the same content under the name alone.
downgrade_state() {
        local key=$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME@$RAYU_UID
        need "the state file is keyed by owner and name" [ -f "$key.json" ]
        mv "$key.json" "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME.json"
        mv "$key.lock" "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME.lock"
}

case_upgrade() {
        first_report
        local ray_id=$REPORT_ID
        downgrade_state
        rus report
        need "the first report after the upgrade exits 0" [ "$RC" -eq 0 ]
        report_is 1 1 1
        need "the counters continued, with the same session_id" [ "$REPORT_ID" = "$ray_id" ]
        need "the old file was moved to the new name" \
                [ ! -e "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME.json" ] &&
                [ -f "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME@$RAYU_UID.json" ]
}
t "upgrade: the state file of an earlier version carries over to its session (counters and session_id)" case_upgrade

case_upgrade_takeover() {
        first_report
        local ray_id=$REPORT_ID
        downgrade_state
        sleep 1 # the other user's directory comes later than the last write of the state
        take_over
        rus report
        need "the other user's session is reported (exit 0)" [ "$RC" -eq 0 ]
        report_is 1 0 0
        need "with a session_id of its own" [ "$REPORT_ID" != "$ray_id" ]
        need "the old file stays for the Ray user's session (deletion-request lists it)" \
                [ -f "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME.json" ]
        rus deletion-request
        need "deletion-request still names the Ray user's session_id" grep -q "$ray_id" "$T_OUT"
}
t "upgrade: an earlier version's state file never passes to a directory made later under its name" \
        case_upgrade_takeover

t_end
