#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 9, attack 2, and issue 18, problem 2: <temp> (/tmp/ray) is 0777 and
# not sticky, so another local user can swap session_latest ("ln -s ... tmp
# && mv -T tmp session_latest") or move the session directory aside and put
# their own in its place. Then "check" decided from their config instead of
# the Ray user's {"usage_stats": false}. Now a head is its running GCS:
# session_latest decides nothing (the Ray user's opt-out still decides), and
# a GCS whose directory is another user's is no head (check 2, the journal
# names both owners); a user's own head is handled by a worker running as
# that user, never as root.
#
# Needs root (useradd, setpriv); runs in a private network namespace.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users

rus_two_users
EVIL_UID=$(id -u "$EVIL")
RAYU_UID=$(id -u "$RAYU")

# The Ray user opted out; the other user's config is invalid (it made the unit fail every hour).
as_user "$RAYU" sh -c 'echo "{\"usage_stats\": false}" >"$1"' sh "$TEST_TMP/rayhome/.ray/config.json"
as_user "$EVIL" sh -c 'echo "{\"usage_stats\": \"nope\"}" >"$1"' sh "$TEST_TMP/evilhome/.ray/config.json"

start_head main
ray_temp_root

# The Ray user's live head (ray_session), with the Ray user's own config path.
hijack_session() {
        ray_session
        unset RAY_USAGE_STATS_CONFIG_PATH
}

evil() {
        as_user "$EVIL" "$@"
}

# Nothing was asked, sent, written or counted.
nothing_done() {
        need "nothing asked or sent" [ "$(record_lines)" -eq 0 ]
        need "no usage_stats.json anywhere" [ -z "$(find "$RAYDIR" -name usage_stats.json -print -quit)" ]
        need "no counters" [ -z "$(stored_state)" ]
}

# unchanged: the Ray user's opt-out decides (check and report 1); nothing asked, sent or written.
unchanged() {
        rus check
        need "check: the Ray user's opt-out decides (exit 1)" [ "$RC" -eq 1 ]
        need "decided by config" grep -q "decided by config" "$T_ERR"
        rus report
        need "report: disabled (exit 1)" [ "$RC" -eq 1 ]
        nothing_done
}

# refused GCS_UID GCS_USER DIR_UID DIR_USER: the head's GCS names a directory of another owner: no live
# head (check and report 2), the journal names both owners; nothing asked, sent or written.
refused() {
        rus check
        need "check: no session (exit 2)" [ "$RC" -eq 2 ]
        need "the message names the GCS's owner" grep -q "uid $1 ($2)" "$T_ERR"
        need "and the directory's" grep -q "uid $3 ($4)" "$T_ERR"
        rus report
        need "report: no session (exit 2)" [ "$RC" -eq 2 ]
        nothing_done
}

case_control() {
        hijack_session
        export RAY_USAGE_STATS_DEBUG=1
        rus check
        need "the Ray user's own opt-out decides: exit 1" [ "$RC" -eq 1 ]
        need "decided by config" grep -q "decided by config" "$T_ERR"
        need "read by a worker running as the Ray user, not by root" \
                grep -q "Worker [0-9]* runs as uid $RAYU_UID, gid $(id -g "$RAYU"), for good" "$T_ERR"
}
t "control: the Ray user's session, their opt-out decides (check 1), read as them" case_control

case_link_swapped() {
        hijack_session
        local other=session_2025-11-25_10-00-00_000000_99
        make_session "$RAYDIR" "$RAYU" >/dev/null
        as_user "$RAYU" mkdir -m 0777 "$RAYDIR/$other"
        ln -sfn "$RUS_SESSION_NAME" "$RAYDIR/session_latest"
        chown -h "$RAYU:" "$RAYDIR/session_latest"
        # The swap, as described in the issue: their own link, renamed over the Ray user's.
        evil sh -c 'ln -s "$2" "$1/tmp" && mv -T "$1/tmp" "$1/session_latest"' sh "$RAYDIR" "$other"
        need "the link is theirs now" [ "$(stat -c %u "$RAYDIR/session_latest")" = "$EVIL_UID" ]
        unchanged
}
t "session_latest swapped by another user to another session: nothing changes, the Ray user's opt-out decides" \
        case_link_swapped

case_link_to_current() {
        hijack_session
        evil sh -c 'ln -s "$2" "$1/tmp" && mv -T "$1/tmp" "$1/session_latest"' sh "$RAYDIR" "$RUS_SESSION_NAME"
        unchanged
}
t "session_latest replaced by another user's link to the same session: nothing changes" case_link_to_current

case_link_to_own() {
        hijack_session
        # Issue 18, problem 2: the link names a session directory of the other user, who opted in.
        local theirs=session_2025-11-27_09-00-00_000000_77
        evil mkdir -m 0777 "$RAYDIR/$theirs" "$RAYDIR/$theirs/logs"
        as_user "$EVIL" sh -c 'echo "{}" >"$1"' sh "$TEST_TMP/evilhome/.ray/config.json"
        evil sh -c 'ln -s "$2" "$1/tmp" && mv -T "$1/tmp" "$1/session_latest"' sh "$RAYDIR" "$theirs"
        unchanged
        need "nothing written in their directory" [ ! -e "$RAYDIR/$theirs/usage_stats.json" ]
        as_user "$EVIL" sh -c 'echo "{\"usage_stats\": \"nope\"}" >"$1"' sh "$TEST_TMP/evilhome/.ray/config.json"
}
t "session_latest pointed by another user at a session of their own: nothing changes" case_link_to_own

case_dir_swapped() {
        hijack_session
        # Ray's session directory is 0777 in a 0777, non-sticky <temp>: it can be moved aside.
        evil mv "$RAYSESSION" "$RAYDIR/session_moved-aside"
        evil mkdir -m 0777 "$RAYSESSION" "$RAYSESSION/logs"
        refused "$RAYU_UID" "$RAYU" "$EVIL_UID" "$EVIL"
        need "no config of the other user decided (no exit 255)" [ "$RC" -ne 255 ]
}
t "the session directory moved aside and replaced by another user's: no live head, both owners named" \
        case_dir_swapped

case_own_session() {
        hijack_session
        stop_gcs # "ray stop" of the Ray user's head
        rm -rf "$RAYDIR"
        make_session "$RAYDIR" "$EVIL" >/dev/null
        as_user "$EVIL" sh -c 'echo "{}" >"$1"' sh "$TEST_TMP/evilhome/.ray/config.json"
        as_user "$RAYU" sh -c 'echo secret-token-of-the-ray-user >"$1"; chmod 0600 "$1"' sh \
                "$TEST_TMP/rayhome/.ray/auth_token"
        export RAY_USAGE_STATS_DEBUG=1
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "the session's files were handled by a worker running as its owner, not root" \
                grep -q "Worker [0-9]* runs as uid $EVIL_UID, gid $(id -g "$EVIL"), for good" "$T_ERR"
        need "usage_stats.json is theirs" [ "$(stat -c %U "$RAYSESSION/usage_stats.json")" = "$EVIL" ]
        need "the Ray user's token went nowhere" [ "$(grep -c secret-token-of-the-ray-user "${HEAD_REC[main]}")" -eq 0 ]
        as_user "$EVIL" sh -c 'echo "{\"usage_stats\": \"nope\"}" >"$1"' sh "$TEST_TMP/evilhome/.ray/config.json"
        rm -f "$TEST_TMP/rayhome/.ray/auth_token"
}
t "a user's own head (their GCS, their directory): handled as that user only" case_own_session

t_end
