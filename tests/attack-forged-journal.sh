#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 17, weakness 1: any local user could forge "sent" reports. One
# journald message with SYSLOG_IDENTIFIER=ray-usage-stats and the "sent"
# MESSAGE_ID (logger --journald sets both) was listed by root's `history` as a
# report this machine sent, and `deletion-request` put its made-up session_id
# into the deletion mail. Only journald's own fields (_UID, _SYSTEMD_UNIT,
# _COMM/_EXE, which the sender cannot set) may say that the service wrote an
# entry; the others are counted apart, in one line, and listed marked with
# `history --all`.
#
# Needs root (useradd, setpriv, a private mount namespace): the journal is
# tests/journal-capture.py on a private journal socket, which adds the
# trusted fields from the sender's credentials as journald does.
# The real report goes to Ray's own endpoint, answered on loopback in a
# private network namespace (ray_endpoint_on_loopback), as deletion-request
# asks Ray only about those.
RUS_JOURNAL_NETNS=1
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users
command -v logger >/dev/null && logger --help 2>&1 | grep -q -- --journald ||
        skip "needs logger with --journald (util-linux)"

rus_two_users
EVIL_UID=$(id -u "$EVIL")
ID_SENT=$(sed -n 's/^#define MESSAGE_ID_REPORT_SENT *"\([0-9a-f]*\)".*/\1/p' "$RUS_SRCDIR/src/journal/message-ids.h")
FORGED=66666666-dead-beef-0000-forgedforged

start_head main
ray_endpoint_on_loopback ray

# One real report by the service (root), then the forgery, both sent to this
# machine's journal.
journal_with_forgery() {
        fresh
        use_head main
        unset RAY_USAGE_STATS_REPORT_URL
        make_session "$RUS_RAY_DIR" >/dev/null
        start_capture head-a
        rus report
        need "the real report exits 0" [ "$RC" -eq 0 ]
        printf '%s\n' "MESSAGE_ID=$ID_SENT" "SYSLOG_IDENTIFIER=ray-usage-stats" "MESSAGE=Report sent" \
                "RAY_USAGE_STATS_SESSION_ID=$FORGED" "RAY_USAGE_STATS_SEQ=7" \
                "RAY_USAGE_STATS_URL=https://usage-stats.ray.io/" "RAY_USAGE_STATS_HTTP_STATUS=200" \
                "RAY_USAGE_STATS_PAYLOAD={}" "_UID=0" "_SYSTEMD_UNIT=ray-usage-stats.service" \
                "_COMM=ray-usage-stats" >"$TEST_TMP/forged.txt"
        chmod 0644 "$TEST_TMP/forged.txt"
        as_user "$EVIL" logger --journald="$TEST_TMP/forged.txt" || need "logger --journald as $EVIL" false
        sleep 0.5 # the capture is asynchronous
        capture_journal "$TEST_TMP/a.journal"
        rm -rf /var/log/journal/*
        install_system_journal "$TEST_TMP/a.journal"
        need "the forgery reached the journal" grep -q "$FORGED" "$RUS_CAPTURE_OUT"
}

case_history() {
        journal_with_forgery
        rus history
        need "history exits 0" [ "$RC" -eq 0 ]
        need "history lists the real report" [ "$(tail -n +2 "$T_OUT" | grep -c ' sent ')" -eq 1 ]
        need "history does not list the forged report" [ "$(grep -c "$FORGED" "$T_OUT")" -eq 0 ]
        need "one line says how many entries were not counted" \
                [ "$(grep -c "1 journal entry that claims to be a report attempt .* not counted; 'history --all'" "$T_ERR")" -eq 1 ]
        need "and nothing else on stderr" [ "$(wc -l <"$T_ERR")" -eq 1 ]

        rus history --json
        need "history --json lists only the real report" [ "$(wc -l <"$T_OUT")" -eq 1 ]
        need "marked trusted" grep -q '"trusted": true' "$T_OUT"

        rus history --all
        need "history --all exits 0" [ "$RC" -eq 0 ]
        need "--all lists both" [ "$(tail -n +2 "$T_OUT" | wc -l)" -eq 2 ]
        # The program's name only when logger still ran when the journal looked.
        need "--all marks the forged one untrusted and names its writer" \
                grep -qE "$FORGED .* UNTRUSTED: written by uid $EVIL_UID (logger|\?)$" "$T_OUT"
        need "--all leaves the real one unmarked" [ "$(grep -vc UNTRUSTED "$T_OUT")" -eq 2 ]
        rus history --all --json
        need "--all --json: the forged one has trusted false" \
                grep -q "\"session_id\": \"$FORGED\".*\"trusted\": false" "$T_OUT"
}
t "a forged 'sent' entry (logger --journald as another user) is not listed by history, counted in one line" \
        case_history

case_deletion_request() {
        journal_with_forgery
        rus deletion-request
        need "deletion-request exits 0" [ "$RC" -eq 0 ]
        need "the real session is in the mail" grep -q "1 Ray session" "$T_OUT"
        need "the forged session_id is not" [ "$(grep -c "$FORGED" "$T_OUT")" -eq 0 ]
        rus deletion-request --json
        need "nor in --json" [ "$(grep -c "$FORGED" "$T_OUT")" -eq 0 ]
}
t "a forged 'sent' entry does not reach the deletion request" case_deletion_request

case_root_other_program() {
        journal_with_forgery
        start_capture head-a
        # Still running when the journal reads its metadata: a root sender that
        # has exited by then is root's, whichever program it was.
        python3 - "$TEST_TMP/forged.txt" <<'EOF' || need "python3 sent the entry as root" false
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(open(sys.argv[1], "rb").read(), "/run/systemd/journal/socket")
time.sleep(1)
EOF
        capture_journal "$TEST_TMP/b.journal"
        rus history --file="$TEST_TMP/b.journal"
        need "root's own other program is no report of the service either" [ "$(grep -c "$FORGED" "$T_OUT")" -eq 0 ]
        need "and is counted apart" grep -q "1 journal entry that claims" "$T_ERR"
}
t "the same entry sent by root from another program (python3) is not counted either" case_root_other_program

t_end
