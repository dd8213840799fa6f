#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 17, weakness 2: what others write reached root's terminal raw. A
# fleet member's journal (_HOSTNAME, SESSION_ID, SEQ, HTTP_STATUS, PAYLOAD),
# a forged entry, the state file that `status` shows, and a temp-dir path
# that a user planted before Ray made it were printed as they were by
# `history` (--payload, --all), `deletion-request`, `status`, `check`,
# `report` and the stderr echo of journal messages: escape sequences went
# through (a window title, a cleared screen) and newlines made whole forged
# lines such as "Decision: disabled". Every such string must be escaped on
# the way to a terminal or stderr (one function, src/shared/escape.c);
# `--json` stays JSON and keeps the exact value.
#
# Needs root (a private mount namespace for the journal socket).
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

# The hostile text everywhere below: an OSC window title, a screen clear, a
# carriage return, a newline that starts a forged line, an 8-bit CSI (U+009B)
# and a byte that is not UTF-8; escaped, it starts like this:
SHOWN='\e]0;pwned\x07\e[2J\r\nDecision: disabled\n\xc2\x9b31m\xff'

# raw_free FILE...: no control character but the line ends (C0, DEL, C1 as
# UTF-8 or as a raw byte), and no line that the hostile text started.
raw_free() {
        python3 - "$@" <<'EOF' >&2 || need "no raw control characters and no forged line in: $*" false
import sys
bad = 0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    for i, b in enumerate(data):
        if (b < 0x20 and b != 0x0a) or b == 0x7f or (b == 0xc2 and data[i + 1 : i + 2] == b"\x9b") or b == 0x9b:
            print("#   %s: raw byte 0x%02x at %d: %r" % (path, b, i, data[max(0, i - 20) : i + 20]))
            bad += 1
            break
    for line in data.split(b"\n"):
        if line.startswith(b"Decision: disabled") or line.startswith(b"\xc2\x9b"):
            print("#   %s: a line starts with the hostile text: %r" % (path, line))
            bad += 1
sys.exit(1 if bad else 0)
EOF
}

ID_SENT=$(sed -n 's/^#define MESSAGE_ID_REPORT_SENT *"\([0-9a-f]*\)".*/\1/p' "$RUS_SRCDIR/src/journal/message-ids.h")

# A fleet member's journal file: entries the service wrote there (journald's
# fields say so), with hostile values in every field that is shown.
hostile_journal() {
        python3 - "$ID_SENT" "$TEST_TMP/hostile.export" <<'EOF'
import struct, sys
h = b"\x1b]0;pwned\x07\x1b[2J\r\nDecision: disabled\n\xc2\x9b31m\xff"
def field(name, value):
    return name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
out = b""
for i, trusted in enumerate([True, False]):
    out += b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n" % (1700000000000000 + i, 1000 + i)
    out += b"_MACHINE_ID=0123456789abcdef0123456789abcdef\n"
    out += b"_UID=0\n_COMM=ray-usage-stats\n_SYSTEMD_UNIT=ray-usage-stats.service\n" if trusted else b"_UID=1000\n_COMM=logger\n"
    out += field("_HOSTNAME", b"head" + h)
    out += b"MESSAGE_ID=" + sys.argv[1].encode() + b"\nSYSLOG_IDENTIFIER=ray-usage-stats\n"
    out += field("MESSAGE", b"Report sent" + h)
    out += field("RAY_USAGE_STATS_SESSION_ID", b"sess" + h)
    out += field("RAY_USAGE_STATS_SEQ", b"1" + h)
    # The service's entry went to Ray's own endpoint (deletion-request asks Ray
    # only about those); the other one's URL is hostile too.
    out += field("RAY_USAGE_STATS_URL", b"https://usage-stats.ray.io/" + (b"" if trusted else h))
    out += field("RAY_USAGE_STATS_HTTP_STATUS", b"200" + h)
    out += field("RAY_USAGE_STATS_PAYLOAD", b'{"a": 1}' + h)
    out += b"\n"
open(sys.argv[2], "wb").write(out)
EOF
        rm -f "$TEST_TMP/hostile.journal"
        "$RUS_JOURNAL_REMOTE" -o "$TEST_TMP/hostile.journal" - <"$TEST_TMP/hostile.export" \
                2>"$TEST_TMP/journal-remote.log" || need "systemd-journal-remote: $(cat "$TEST_TMP/journal-remote.log")" false
}

case_history() {
        hostile_journal
        local n=0
        for args in "" "--all" "--payload" "--all --payload" "-n 1"; do
                # shellcheck disable=SC2086
                rus history $args --file="$TEST_TMP/hostile.journal"
                need "history $args exits 0" [ "$RC" -eq 0 ]
                n=$((n + 1))
                cp "$T_OUT" "$TEST_TMP/history.$n.out"
                cp "$T_ERR" "$TEST_TMP/history.$n.err"
        done
        need "the hostile entry was listed, escaped" grep -qF "head$SHOWN" "$TEST_TMP/history.1.out"
        need "--all lists the untrusted one too" [ "$(grep -cF "sess$SHOWN" "$TEST_TMP/history.2.out")" -eq 2 ]
        need "--payload shows the escaped payload on one line" [ "$(wc -l <"$TEST_TMP/history.3.out")" -eq 1 ]
        raw_free "$TEST_TMP"/history.*

        rus history --all --json --file="$TEST_TMP/hostile.journal"
        need "history --json exits 0" [ "$RC" -eq 0 ]
        python3 - "$T_OUT" <<'EOF' >&2 || need "--json keeps the exact values, as JSON" false
import json, sys
h = "\x1b]0;pwned\x07\x1b[2J\r\nDecision: disabled\n\x9b31m"
lines = open(sys.argv[1], "rb").read().splitlines()
assert len(lines) == 2, lines
for l in lines:
    a = json.loads(l)
    assert a["session_id"].startswith("sess" + h), a["session_id"]
    assert a["hostname"].startswith("head" + h), a["hostname"]
EOF
}
t "history (table, --all, --payload, -n) shows a fleet member's hostile fields escaped; --json keeps them" case_history

case_deletion_request() {
        hostile_journal
        rus deletion-request --file="$TEST_TMP/hostile.journal"
        need "deletion-request exits 0" [ "$RC" -eq 0 ]
        need "the hostile session is listed, escaped, in the table and the mail" [ "$(grep -cF "sess$SHOWN" "$T_OUT")" -eq 2 ]
        raw_free "$T_OUT" "$T_ERR"
}
t "deletion-request shows a hostile session_id escaped, in the table and in the mail" case_deletion_request

# Directories whose paths another user chose before Ray made its own in them:
# one with an 8-bit CSI (U+009B) and a byte that is not UTF-8, which a head
# may have; one with C0 controls, which discovery refuses (and says so).
HOSTILE_TMP=$TEST_TMP/$(printf 'x\302\2332J\377y')
HOSTILE_SHOWN='x\xc2\x9b2J\xffy'
CONTROL_TMP=$TEST_TMP/$(printf 'c\033]0;pwned\007\033[2J\r\nDecision: disabled\n')
start_head main

case_paths_and_state() {
        fresh
        use_head main
        mkdir -p "$HOSTILE_TMP" "$CONTROL_TMP"
        chmod 0777 "$HOSTILE_TMP" "$CONTROL_TMP"
        make_session "$CONTROL_TMP/ray" >/dev/null
        make_session "$HOSTILE_TMP/ray" >/dev/null
        export RAY_USAGE_STATS_DEBUG=1
        local n=0
        for cmd in check report "record-library my_lib" "record-library bad/name" status; do
                # shellcheck disable=SC2086
                rus $cmd
                n=$((n + 1))
                cp "$T_OUT" "$TEST_TMP/paths.$n.out"
                cp "$T_ERR" "$TEST_TMP/paths.$n.err"
        done
        need "the report was written" [ -f "$HOSTILE_TMP/ray/$RUS_SESSION_NAME/usage_stats.json" ]
        need "report names the hostile path, escaped" grep -qF "$HOSTILE_SHOWN/ray/$RUS_SESSION_NAME" "$TEST_TMP/paths.2.out"
        raw_free "$TEST_TMP"/paths.*

        # The state file, as the Ray user's per-user unit or a broken disk may leave it.
        local state
        state=$(find "$RAY_USAGE_STATS_STATE_DIR" -name 'session_*.json' | head -1)
        need "a state file was written" [ -n "$state" ]
        python3 - "$state" <<EOF
import json, sys
h = "\x1b]0;pwned\x07\x1b[2J\r\nDecision: disabled\n\x9b31m"
s = json.load(open(sys.argv[1]))
s["session_id"] = "sess" + h
s["last_report"] = {"time_ms": 1700000000000, "success": False, "error": "err" + h}
json.dump(s, open(sys.argv[1], "w"))
EOF
        rus status
        need "status exits 0" [ "$RC" -eq 0 ]
        need "status shows the session_id escaped" grep -qF "Session id:    sess${SHOWN%%\\xc2*}" "$T_OUT"
        need "one Decision line only" [ "$(grep -c '^Decision' "$T_OUT")" -eq 1 ]
        raw_free "$T_OUT" "$T_ERR"
        rus status --json
        need "status --json keeps the exact session_id" python3 -c '
import json, sys
def ids(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "session_id" and isinstance(v, str):
                yield v
            yield from ids(v)
    elif isinstance(o, list):
        for v in o:
            yield from ids(v)
assert any(i.startswith("sess\x1b]0;pwned\x07") for i in ids(json.load(open(sys.argv[1])))), "not exact"' "$T_OUT"
}
t "check, report, record-library and status show planted paths and a hostile state file escaped" \
        case_paths_and_state

t_end
