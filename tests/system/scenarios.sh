# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The scenarios of the system tests. Each starts from sys_reset (collection
# enabled by default, no Ray session, no counters, only the base drop-in),
# prints why it failed, and returns non-zero on failure (77: it cannot be
# checked on this machine, with the reason printed). Their verdicts come
# from systemd's own state (systemctl, and its structured journal entries for
# how a run ended), our journal entries, the files in the container and the
# requests the fake head received.

SCENARIOS=(timer-enabled timer-fires no-session-skip condition-skip invalid-setting
           catalog report-run user-disable system-disable status-unit-settings ray-tmpdir-dropin ip-allow-list
           sandbox-session-outside sandbox-session-private-tmp sandbox-config-outside
           sandbox-writes-refused sandbox-writes-api-fs transparency fleet)

ID_DECISION=6833ce7bf3874c538289cf1a2b19792a
ID_REPORT_SENT=ad62f88d10f748c8917867ed07753ec3
ID_NO_SESSION=1e3e6d83bfd34f1aa5b9283faf18f8d8
ID_INVALID_SETTING=4c96e955cafd455883692a3147901800
ID_SETTINGS_CHANGED=42ad5a1114a041329f470305c01306cc

expect_eq() { # WHAT ACTUAL EXPECTED
        [ "$2" = "$3" ] && return 0
        sys_log "$1: got '$2', expected '$3'"
        return 1
}

# Python over JSON lines: the journal's and the fake head's.
py() { # SCRIPT ARGS...
        local script=$1
        shift
        python3 -c "$script" "$@"
}

# Starts the service as the timer would and waits for it. The unit's exit
# status is that of "systemctl start".
start_unit() {
        c systemctl start "$UNIT" >"$sys_tmp/start.out" 2>&1
}

# How a run ended, by systemd's account: "systemctl start" status, the unit's
# state and the result systemd journalled for the run after CURSOR.
expect_run() { # CURSOR RC EXPECTED_RESULT
        local state result
        result=$(sys_unit_result "$1")
        state=$(sys_unit_show ActiveState)
        case $3 in
        success|exec-condition)
                # a skip is not a failure: inactive, and systemctl start succeeds
                expect_eq "systemctl start exit status" "$2" 0 || { sed 's/^/    /' "$sys_tmp/start.out"; return 1; }
                expect_eq ActiveState "$state" inactive || return 1 ;;
        *)
                [ "$2" -ne 0 ] || { sys_log "systemctl start succeeded"; return 1; }
                expect_eq ActiveState "$state" failed || return 1 ;;
        esac
        expect_eq "result of the run" "$result" "$3"
}

expect_no_requests() { # OFFSET
        local n
        n=$(sys_requests_after "$1" | grep -c .)
        expect_eq "requests received by the fake head" "$n" 0
}

# Finds the entries with MESSAGE_ID among JSON lines (COUNT of them, or "+"
# for at least one) and checks FIELD=VALUE pairs on each.
expect_entry() { # JSONLINES MESSAGE_ID COUNT FIELD=VALUE...
        py '
import json, sys
lines, mid, count, want = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
entries = [json.loads(l) for l in lines.splitlines() if l.strip()]
hits = [e for e in entries if e.get("MESSAGE_ID") == mid]
if (count == "+" and not hits) or (count != "+" and len(hits) != int(count)):
    print("    expected %s journal entries with MESSAGE_ID=%s, found %d:" % (count, mid, len(hits)))
    for e in entries:
        print("      %s %s" % (e.get("MESSAGE_ID", "-"), e.get("MESSAGE")))
    sys.exit(1)
bad = 0
for e in hits:
    for kv in want:
        k, _, v = kv.partition("=")
        if e.get(k) != v:
            print("    %s: got %r, expected %r (entry: %s)" % (k, e.get(k), v, e.get("MESSAGE")))
            bad = 1
sys.exit(bad)
' "$@"
}

# --- scenarios ---------------------------------------------------------------

# The timer is installed, enabled and scheduled: hourly on the wall clock with
# a delay fixed per machine (the next elapse survives a restart of the timer).
scenario_timer_enabled() {
        local next next2 now delta props p
        c systemctl enable --now ray-usage-stats.timer >"$sys_tmp/enable.out" 2>&1 ||
                { sys_log "systemctl enable --now failed:"; sed 's/^/    /' "$sys_tmp/enable.out"; return 1; }
        expect_eq is-enabled "$(c systemctl is-enabled ray-usage-stats.timer)" enabled || return 1
        expect_eq is-active "$(c systemctl is-active ray-usage-stats.timer)" active || return 1
        c test -L /etc/systemd/system/timers.target.wants/ray-usage-stats.timer ||
                { sys_log "no timers.target.wants/ray-usage-stats.timer link"; return 1; }
        props=$(c systemctl show -P Triggers ray-usage-stats.timer)
        expect_eq Triggers "$props" "$UNIT" || return 1
        props=$(c systemctl show -p TimersCalendar -p RandomizedDelayUSec -p FixedRandomDelay -p Persistent \
                -p AccuracyUSec ray-usage-stats.timer | tr '\n' ' ')
        for p in "OnCalendar=*-*-* *:00:00 " RandomizedDelayUSec=15min FixedRandomDelay=yes Persistent=yes \
                 AccuracyUSec=1min; do
                case $props in
                *"$p"*) ;;
                *) sys_log "timer setting $p missing: $props"; return 1 ;;
                esac
        done
        next=$(c systemctl show -P NextElapseUSecRealtime ray-usage-stats.timer)
        next=$(date -d "$next" +%s 2>/dev/null) || { sys_log "no next elapse: '$next'"; return 1; }
        now=$(date +%s)
        delta=$((next - now))
        sys_log "next elapse in ${delta}s"
        if [ "$delta" -le 0 ] || [ "$delta" -gt $((3600 + 15 * 60)) ]; then
                sys_log "next elapse $next is not within the next hour plus the 15 min delay"
                return 1
        fi
        c systemctl restart ray-usage-stats.timer
        next2=$(c systemctl show -P NextElapseUSecRealtime ray-usage-stats.timer)
        next2=$(date -d "$next2" +%s 2>/dev/null)
        expect_eq "next elapse after a restart (FixedRandomDelay)" "$next2" "$next" || return 1
        # Never fires in the middle of the other scenarios.
        c systemctl disable --now ray-usage-stats.timer >/dev/null 2>&1
}

# The timer starts the service: an elapse a second after the timer starts
# (drop-in) runs the service, which leaves its decision in the journal.
scenario_timer_fires() {
        local cur i out trigger=
        sys_env_file RAY_USAGE_STATS_ENABLED=0
        c mkdir -p /etc/systemd/system/ray-usage-stats.timer.d
        printf '[Timer]\nOnActiveSec=1s\nRandomizedDelaySec=0\nAccuracySec=1s\n' |
                c sh -c 'cat >/etc/systemd/system/ray-usage-stats.timer.d/test.conf'
        c systemctl daemon-reload
        cur=$(sys_journal_cursor)
        c systemctl start ray-usage-stats.timer
        for i in $(seq 100); do
                trigger=$(c systemctl show -P LastTriggerUSec ray-usage-stats.timer)
                [ -n "$trigger" ] && break
                sleep 0.1
        done
        expect_eq "result of the timer's run" "$(sys_unit_result "$cur")" exec-condition || return 1
        c systemctl stop ray-usage-stats.timer
        [ -n "$trigger" ] || { sys_log "the timer's LastTriggerUSec stayed empty"; return 1; }
        sys_log "timer triggered at $trigger"
        out=$(sys_journal_after "$cur" "$ID_DECISION")
        expect_entry "$out" "$ID_DECISION" 1 RAY_USAGE_STATS_DECISION=disabled _SYSTEMD_UNIT="$UNIT"
}

# No Ray session on the machine: ExecCondition= skips the run (exit 2).
scenario_no_session_skip() {
        local cur off rc out
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exec-condition || return 1
        out=$(sys_journal_after "$cur" "$ID_NO_SESSION")
        expect_entry "$out" "$ID_NO_SESSION" 1 _SYSTEMD_UNIT="$UNIT" || return 1
        expect_no_requests "$off"
}

# Disabled in the machine-wide environment file: the run is skipped by the
# condition, not failed; nothing is sent, nothing is written to the session.
scenario_condition_skip() {
        local session cur off rc out
        session=$(sys_make_session) || return 1
        sys_env_file '# written by an administrator' 'RAY_USAGE_STATS_ENABLED=0'
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exec-condition || return 1
        out=$(sys_journal_after "$cur" "$ID_DECISION")
        expect_entry "$out" "$ID_DECISION" 1 RAY_USAGE_STATS_DECISION=disabled RAY_USAGE_STATS_DECIDED_BY=env \
                _SYSTEMD_UNIT="$UNIT" || return 1
        expect_no_requests "$off" || return 1
        ! c test -e "$session/usage_stats.json" || { sys_log "$session/usage_stats.json exists"; return 1; }
}

# An invalid value fails the unit, and the journal names the variable.
scenario_invalid_setting() {
        local session cur off rc out
        session=$(sys_make_session) || return 1
        sys_env_file 'RAY_USAGE_STATS_ENABLED=true'
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exit-code || return 1
        out=$(sys_journal_after "$cur" "$ID_INVALID_SETTING")
        expect_entry "$out" "$ID_INVALID_SETTING" 1 _SYSTEMD_UNIT="$UNIT" || return 1
        py '
import json, sys
e = [json.loads(l) for l in sys.argv[1].splitlines() if l.strip() and json.loads(l).get("MESSAGE_ID") == sys.argv[2]][0]
m = e.get("MESSAGE") or ""
print("    message: %s" % m)
sys.exit(0 if "RAY_USAGE_STATS_ENABLED" in m and "true" in m else 1)
' "$out" "$ID_INVALID_SETTING" || { sys_log "the message does not name RAY_USAGE_STATS_ENABLED and its value"; return 1; }
        expect_no_requests "$off" || return 1
        ! c test -e "$session/usage_stats.json" || { sys_log "$session/usage_stats.json exists"; return 1; }
}

# journalctl -x explains an entry from the installed catalog, with the
# entry's fields substituted.
scenario_catalog() {
        local cur out id
        c journalctl --update-catalog || { sys_log "journalctl --update-catalog failed"; return 1; }
        out=$(c journalctl --list-catalog)
        for id in $(sed -n 's/^#define MESSAGE_ID_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' \
                    "$srcdir/src/journal/message-ids.h"); do
                printf '%s\n' "$out" | grep -q "^$id ray-usage-stats: " ||
                        { sys_log "journalctl --list-catalog has no entry $id"; return 1; }
        done
        sys_make_session >/dev/null || return 1
        sys_env_file 'RAY_USAGE_STATS_ENABLED=0'
        cur=$(sys_journal_cursor)
        start_unit
        sys_journal_after "$cur" "$ID_DECISION" >/dev/null
        out=$(c journalctl -q -x --no-pager -n 1 MESSAGE_ID="$ID_DECISION")
        if ! printf '%s\n' "$out" | grep -q "Subject: Ray usage stats collection is disabled (decided by env)" ||
           ! printf '%s\n' "$out" | grep -q "ray-usage-stats evaluated whether" ||
           ! printf '%s\n' "$out" | grep -q "Documentation: man:ray-usage-stats(8)"; then
                sys_log "journalctl -x does not show the catalog text:"
                printf '%s\n' "$out" | sed 's/^/      /'
                return 1
        fi
}

# One run with collection enabled: exactly one report reaches the endpoint,
# usage_stats.json belongs to the Ray user, and the journal holds every field
# of docs/design.md §7 with the payload byte for byte.
scenario_report_run() {
        local session cur off rc out posts gets file
        session=$(sys_make_session) || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        posts=$(sys_requests_after "$off" POST)
        expect_eq "POSTs received" "$(printf '%s' "$posts" | grep -c .)" 1 || return 1
        gets=$(sys_requests_after "$off" GET | grep -c .)
        [ "$gets" -gt 0 ] || { sys_log "no dashboard request reached the head named in dashboard.log"; return 1; }

        file=$(c stat -c '%U %a' "$session/usage_stats.json" 2>&1)
        expect_eq "owner and mode of usage_stats.json" "$file" "$RAY_USER 644" || return 1
        c cat "$session/usage_stats.json" >"$sys_tmp/usage_stats.json"

        out=$(sys_journal_after "$cur" "$ID_REPORT_SENT")
        # one decision entry per run (check's), not one per command
        expect_entry "$out" "$ID_DECISION" 1 RAY_USAGE_STATS_DECISION=enabled RAY_USAGE_STATS_DECIDED_BY=default \
                _SYSTEMD_UNIT="$UNIT" RAY_USAGE_STATS_COMMAND=check || return 1
        expect_entry "$out" "$ID_REPORT_SENT" 1 SYSLOG_IDENTIFIER=ray-usage-stats _SYSTEMD_UNIT="$UNIT" \
                RAY_USAGE_STATS_URL="http://127.0.0.1:$sys_head_port/report" RAY_USAGE_STATS_HTTP_STATUS=200 \
                RAY_USAGE_STATS_SUCCESS=1 || return 1
        py '
import base64, json, sys
journal, post, usage_file, mid = sys.argv[1:5]
e = [json.loads(l) for l in journal.splitlines() if l.strip() and json.loads(l).get("MESSAGE_ID") == mid][0]
post = json.loads(post)
sent = base64.b64decode(post["body_b64"])
p = e.get("RAY_USAGE_STATS_PAYLOAD")
logged = bytes(p) if isinstance(p, list) else (p or "").encode("utf-8")
bad = []
if logged != sent:
    bad.append("RAY_USAGE_STATS_PAYLOAD (%d bytes) differs from the POSTed body (%d bytes)" % (len(logged), len(sent)))
report = json.loads(sent)
if e.get("RAY_USAGE_STATS_SESSION_ID") != report.get("session_id"):
    bad.append("RAY_USAGE_STATS_SESSION_ID %r != session_id %r" % (e.get("RAY_USAGE_STATS_SESSION_ID"), report.get("session_id")))
if e.get("RAY_USAGE_STATS_SEQ") != str(report.get("seq_number")):
    bad.append("RAY_USAGE_STATS_SEQ %r != seq_number %r" % (e.get("RAY_USAGE_STATS_SEQ"), report.get("seq_number")))
headers = {k.lower(): v for k, v in post["headers"].items()}
if not headers.get("content-type", "").startswith("application/json"):
    bad.append("Content-Type %r" % headers.get("content-type"))
if not headers.get("user-agent", "").startswith("ray-usage-stats/"):
    bad.append("User-Agent %r" % headers.get("user-agent"))
with open(usage_file, "rb") as f:
    usage = json.load(f)
if usage.get("usage_stats") != report or usage.get("success") is not True or usage.get("error") is not None:
    bad.append("usage_stats.json does not hold the sent report with success true")
for b in bad:
    print("    " + b)
print("    report: session_id %s, seq_number %s, %d bytes, identical in the journal" % (report.get("session_id"), report.get("seq_number"), len(sent)))
sys.exit(1 if bad else 0)
' "$out" "$posts" "$sys_tmp/usage_stats.json" "$ID_REPORT_SENT" || return 1
        c sh -c 'ls /var/lib/ray-usage-stats | grep -q .' ||
                { sys_log "nothing in the state directory /var/lib/ray-usage-stats"; return 1; }
}

# The Ray user's own "ray-usage-stats disable" applies at the next run, with
# nothing restarted or reloaded; "enable" brings reports back the same way.
scenario_user_disable() {
        local cur off rc out
        sys_make_session >/dev/null || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        expect_eq "POSTs before disable" "$(sys_requests_after "$off" POST | grep -c .)" 1 || return 1

        cur=$(sys_journal_cursor)
        c_user "$RAY_USER" ray-usage-stats disable >"$sys_tmp/disable.out" 2>&1 ||
                { sys_log "ray-usage-stats disable failed:"; sed 's/^/    /' "$sys_tmp/disable.out"; return 1; }
        out=$(sys_journal_after "$cur" "$ID_SETTINGS_CHANGED")
        expect_entry "$out" "$ID_SETTINGS_CHANGED" 1 RAY_USAGE_STATS_DECISION=disabled \
                RAY_USAGE_STATS_CONFIG_PATH="/home/$RAY_USER/.ray/config.json" || return 1
        out=$(c cat "/home/$RAY_USER/.ray/config.json")
        py 'import json, sys; sys.exit(0 if json.loads(sys.argv[1]).get("usage_stats") is False else 1)' "$out" ||
                { sys_log "config.json after disable: $out"; return 1; }

        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exec-condition || return 1
        out=$(sys_journal_after "$cur" "$ID_DECISION")
        expect_entry "$out" "$ID_DECISION" 1 RAY_USAGE_STATS_DECISION=disabled RAY_USAGE_STATS_DECIDED_BY=config \
                _SYSTEMD_UNIT="$UNIT" || return 1
        expect_no_requests "$off" || return 1

        c_user "$RAY_USER" ray-usage-stats enable >/dev/null 2>&1 || { sys_log "ray-usage-stats enable failed"; return 1; }
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        expect_eq "POSTs after enable" "$(sys_requests_after "$off" POST | grep -c .)" 1
}

# The administrator's "ray-usage-stats disable --system" writes the file the
# unit reads as EnvironmentFile=: the next run is skipped; "enable --system"
# removes the opt-out again.
scenario_system_disable() {
        local cur off rc out
        sys_make_session >/dev/null || return 1
        c ray-usage-stats disable --system >"$sys_tmp/disable.out" 2>&1 ||
                { sys_log "ray-usage-stats disable --system failed:"; sed 's/^/    /' "$sys_tmp/disable.out"; return 1; }
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exec-condition || return 1
        out=$(sys_journal_after "$cur" "$ID_DECISION")
        expect_entry "$out" "$ID_DECISION" 1 RAY_USAGE_STATS_DECISION=disabled RAY_USAGE_STATS_DECIDED_BY=env \
                _SYSTEMD_UNIT="$UNIT" || return 1
        expect_no_requests "$off" || return 1

        c ray-usage-stats enable --system >/dev/null 2>&1 || { sys_log "ray-usage-stats enable --system failed"; return 1; }
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        expect_eq "POSTs after enable --system" "$(sys_requests_after "$off" POST | grep -c .)" 1
}

# status and check run by a person decide under the unit's own settings, read
# from systemd: a drop-in's opt-out (the README's first opt-out row) makes
# status say disabled, naming the drop-in, and check exit 1, as root and as the
# Ray user; the same opt-out in /etc/default/ray-usage-stats is named as that
# file; a drop-in's endpoint is the one status shows. Nothing in the shell's
# environment says so: `c` runs with an empty one.
status_of() { # USER|root FILE ARGS...: ray-usage-stats status ARGS... into FILE
        local who=$1 file=$2
        shift 2
        if [ "$who" = root ]; then
                c ray-usage-stats status "$@" >"$file" 2>&1
        else
                c_user "$who" ray-usage-stats status "$@" >"$file" 2>&1
        fi
}

expect_line() { # WHAT FILE LINE
        grep -qxF -- "$3" "$2" && return 0
        sys_log "$1: no line '$3' in:"
        sed 's/^/      /' "$2"
        return 1
}

scenario_status_unit_settings() {
        local who rc optout=$DROPIN_DIR/50-optout.conf endpoint=$DROPIN_DIR/60-endpoint.conf
        sys_make_session >/dev/null || return 1
        sys_dropin 50-optout 'Environment=RAY_USAGE_STATS_ENABLED=0' || return 1
        for who in root "$RAY_USER"; do
                status_of "$who" "$sys_tmp/status.out" || { sys_log "status as $who failed"; return 1; }
                expect_line "status as $who" "$sys_tmp/status.out" "Decision:      disabled (decided by env)" || return 1
                expect_line "status as $who" "$sys_tmp/status.out" \
                        "Set by:        RAY_USAGE_STATS_ENABLED=0 in $optout" || return 1
                expect_line "status as $who" "$sys_tmp/status.out" \
                        "Settings:      those of $UNIT (Environment= and EnvironmentFile=, drop-ins included, from systemd)" ||
                        return 1
        done
        sys_log "status with a drop-in opt-out:"
        sed 's/^/      /' "$sys_tmp/status.out"
        status_of root "$sys_tmp/status.json" --json || return 1
        py '
import json, sys
o = json.load(open(sys.argv[1]))
want = {"decision": "disabled", "decided_by": "env", "decided_by_source": sys.argv[2], "settings_unit": sys.argv[3]}
bad = {k: o.get(k) for k in want if o.get(k) != want[k]}
if bad:
    print("    status --json: got %s, expected %s" % (bad, {k: want[k] for k in bad}))
sys.exit(1 if bad else 0)' "$sys_tmp/status.json" "$optout" "$UNIT" || return 1
        c ray-usage-stats check >"$sys_tmp/check.out" 2>&1
        rc=$?
        expect_eq "check (as root, outside the unit) with a drop-in opt-out: exit status" "$rc" 1 ||
                { sed 's/^/    /' "$sys_tmp/check.out"; return 1; }
        c_user "$RAY_USER" ray-usage-stats check >"$sys_tmp/check.out" 2>&1
        rc=$?
        expect_eq "check as $RAY_USER with a drop-in opt-out: exit status" "$rc" 1 ||
                { sed 's/^/    /' "$sys_tmp/check.out"; return 1; }
        grep -qF "set by RAY_USAGE_STATS_ENABLED=0 in $optout" "$sys_tmp/check.out" ||
                { sys_log "check does not name the drop-in:"; sed 's/^/      /' "$sys_tmp/check.out"; return 1; }

        # The machine-wide file instead of the drop-in.
        c rm -f "$optout"
        c systemctl daemon-reload
        sys_env_file 'RAY_USAGE_STATS_ENABLED=0'
        status_of root "$sys_tmp/status.out" || return 1
        expect_line "status with the opt-out in /etc/default" "$sys_tmp/status.out" \
                "Set by:        RAY_USAGE_STATS_ENABLED=0 in /etc/default/ray-usage-stats" || return 1
        c ray-usage-stats check >/dev/null 2>&1
        expect_eq "check with the opt-out in /etc/default: exit status" "$?" 1 || return 1

        # A drop-in's endpoint, over the base drop-in's: the one the unit would use.
        c rm -f /etc/default/ray-usage-stats
        sys_dropin 60-endpoint 'Environment=RAY_USAGE_STATS_REPORT_URL=http://127.0.0.1:9/private' || return 1
        status_of root "$sys_tmp/status.out" || return 1
        expect_line "status with a drop-in endpoint" "$sys_tmp/status.out" \
                "Endpoint:      http://127.0.0.1:9/private (RAY_USAGE_STATS_REPORT_URL in $endpoint)" || return 1
        expect_line "status with a drop-in endpoint" "$sys_tmp/status.out" "Decision:      enabled (decided by default)"
}

# The invoking user's enabled per-user unit is the one whose settings count
# for them: its drop-in opts that user out, while root (the generic unit) is
# still enabled.
scenario_status_instance_settings() {
        instance_scenario status_instance_settings
}

status_instance_settings() {
        local dropin=/etc/systemd/system/$INSTANCE.service.d/50-optout.conf
        c mkdir -p "${dropin%/*}" &&
                printf '[Service]\nEnvironment=RAY_USAGE_STATS_ENABLED=0\n' | c sh -c "cat >$dropin" &&
                c systemctl daemon-reload && c systemctl enable --quiet "$INSTANCE.timer" || return 1
        status_of "$RAY_USER" "$sys_tmp/status.out" || return 1
        c rm -rf "${dropin%/*}"
        expect_line "status as $RAY_USER" "$sys_tmp/status.out" "Decision:      disabled (decided by env)" || return 1
        expect_line "status as $RAY_USER" "$sys_tmp/status.out" "Set by:        RAY_USAGE_STATS_ENABLED=0 in $dropin" ||
                return 1
        expect_line "status as $RAY_USER" "$sys_tmp/status.out" \
                "Settings:      those of $INSTANCE.service (Environment= and EnvironmentFile=, drop-ins included, from systemd)" ||
                return 1
        status_of root "$sys_tmp/status.out" || return 1
        expect_line "status as root" "$sys_tmp/status.out" "Decision:      enabled (decided by default)"
}

# The drop-in the unit's comment documents for a Ray temp directory other than
# /tmp/ray (RAY_TMPDIR) makes the session visible and writable to the service.
scenario_ray_tmpdir_dropin() {
        local cur off rc owner name=session_2025-11-26_14-05-03_123456_777
        c sh -ec "mkdir -p /srv/raytmp/ray && chmod 0777 /srv/raytmp/ray"
        c_user "$RAY_USER" sh -ec "
                mkdir -p /srv/raytmp/ray/$name/logs
                printf '%s\n' 'INFO -- Dashboard head http address: 127.0.0.1:$sys_head_port' \
                        >/srv/raytmp/ray/$name/logs/dashboard.log
                ln -sfn /srv/raytmp/ray/$name /srv/raytmp/ray/session_latest" || return 1
        sys_start_gcs "/srv/raytmp/ray/$name" || return 1
        printf '[Service]\nEnvironment=RAY_TMPDIR=/srv/raytmp\nBindPaths=-/srv/raytmp/ray\n' |
                c sh -c "cat >$DROPIN_DIR/50-raytmpdir.conf"
        c systemctl daemon-reload
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        owner=$(c stat -c %U "/srv/raytmp/ray/$name/usage_stats.json" 2>&1)
        c rm -rf /srv/raytmp
        expect_run "$cur" "$rc" success || return 1
        expect_eq "POSTs received" "$(sys_requests_after "$off" POST | grep -c .)" 1 || return 1
        expect_eq "owner of usage_stats.json" "$owner" "$RAY_USER"
}

# The unit's IP allow list (IPAddressDeny=any plus every unicast range) lets
# the run reach the loopback head while systemd enforces it. First shows that
# enforcement is on, with transient units: the same allow list reaches the
# head, IPAddressDeny=any alone does not.
scenario_ip_allow_list() {
        local allow url cur off rc
        allow=$(c systemctl show -P IPAddressAllow "$UNIT")
        # (a set: systemctl prints it in no fixed order)
        expect_eq IPAddressDeny "$(c systemctl show -P IPAddressDeny "$UNIT" | tr ' ' '\n' | sort | xargs)" \
                "0.0.0.0/0 ::/0" || return 1
        [ -n "$allow" ] || { sys_log "the unit has no IPAddressAllow="; return 1; }
        url=http://127.0.0.1:$sys_head_port/api/version
        if c systemd-run --quiet --wait --pipe -p IPAddressDeny=any \
                curl -sf -m 2 -o /dev/null "$url" </dev/null >/dev/null 2>&1; then
                sys_log "systemd does not enforce IPAddressDeny= in this container (no BPF cgroup firewall)"
                return 77
        fi
        c systemd-run --quiet --wait --pipe -p IPAddressDeny=any -p IPAddressAllow="$allow" \
                curl -sf -m 2 -o /dev/null "$url" </dev/null >/dev/null 2>&1 ||
                { sys_log "a transient unit with the allow list '$allow' cannot reach $url"; return 1; }
        sys_make_session >/dev/null || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        expect_eq "POSTs received" "$(sys_requests_after "$off" POST | grep -c .)" 1
}

# --- the sandbox: what the shipped unit lets a run reach ---------------------
#
# These need nothing but the mount namespace systemd builds for the unit
# (ProtectSystem=strict, ProtectHome=read-only, PrivateTmp=yes, BindPaths=,
# StateDirectory=): no IP firewall (BPF), so they run whichever cgroup layout
# the container was booted with.

# MESSAGE of the unit's journal lines among JSON lines, one a line.
unit_messages() { # JSONLINES [SYSLOG_IDENTIFIER]
        py '
import json, sys
unit, ident = sys.argv[2], sys.argv[3]
for l in sys.argv[1].splitlines():
    if not l.strip():
        continue
    e = json.loads(l)
    if e.get("_SYSTEMD_UNIT") != unit or (ident and e.get("SYSLOG_IDENTIFIER") != ident):
        continue
    m = e.get("MESSAGE")
    print(bytes(m).decode("utf-8", "replace") if isinstance(m, list) else m)
' "$1" "$UNIT" "${2:-}"
}

# The service's own state file of SESSION (in the container: <name>@<owner's
# uid>.json), as "seq_number total_success total_failed pending last_success".
state_counters() { # SESSION_DIR
        c cat "/var/lib/ray-usage-stats/${1##*/}@$(c stat -c %u "$1").json" 2>/dev/null | py '
import json, sys
try:
    s = json.load(sys.stdin)
except ValueError:
    print("no-state"); sys.exit(0)
print(s.get("seq_number"), s.get("total_success"), s.get("total_failed"), s.get("pending"),
      (s.get("last_report") or {}).get("success"))
'
}

# A Ray temp directory outside /tmp/ray (RAY_TMPDIR=/srv/raytest) set without
# the BindPaths= the unit's comment asks for: the session is visible (the file
# system is read-only, not hidden) but cannot be written. The run fails
# cleanly: exit status 3 (local failure), a journal line that names
# <session>/usage_stats.json and the reason, no usage_stats.json and no stray
# temporary file in the session. The upload comes before the file is written,
# so the report does go out, and the counters say exactly that, run after run.
scenario_sandbox_session_outside() {
        local rc
        c rm -rf /srv/raytest
        sandbox_session_outside
        rc=$?
        c rm -rf /srv/raytest
        return $rc
}

sandbox_session_outside() {
        local session cur off rc out msgs posts run
        session=$(sys_make_session_at /srv/raytest/ray) || return 1
        sys_dropin 50-outside 'Environment=RAY_TMPDIR=/srv/raytest' || return 1
        for run in 1 2; do
                cur=$(sys_journal_cursor)
                off=$(sys_record_lines)
                start_unit
                rc=$?
                expect_run "$cur" "$rc" exit-code || return 1
                # exited (CLD_EXITED=1) with 3, not killed, not dumped
                expect_eq "ExecMainCode (run $run)" "$(sys_unit_show ExecMainCode)" 1 || return 1
                expect_eq "ExecMainStatus (run $run)" "$(sys_unit_show ExecMainStatus)" 3 || return 1
                out=$(sys_journal_after "$cur" "Failed to write $session/usage_stats.json" "$SD_UNIT_FAILED")
                msgs=$(unit_messages "$out" ray-usage-stats)
                printf '%s\n' "$msgs" | grep -qxF \
                        "ray-usage-stats: Failed to write $session/usage_stats.json: Read-only file system" ||
                        { sys_log "no journal line 'Failed to write $session/usage_stats.json: Read-only file system':"
                          printf '%s\n' "$msgs" | sed 's/^/      /'; return 1; }
                [ "$run" = 1 ] && sys_log "$(printf '%s\n' "$msgs" | grep -F 'Failed to write')"
                expect_entry "$out" "$ID_REPORT_SENT" 1 _SYSTEMD_UNIT="$UNIT" RAY_USAGE_STATS_SEQ=$((run - 1)) \
                        RAY_USAGE_STATS_SESSION_DIR="$session" || return 1
                ! c test -e "$session/usage_stats.json" || { sys_log "$session/usage_stats.json exists"; return 1; }
                expect_eq "entries of the session directory" "$(c ls -A "$session" | xargs)" "logs sockets" || return 1
                posts=$(sys_requests_after "$off" POST)
                expect_eq "POSTs received (run $run)" "$(printf '%s' "$posts" | grep -c .)" 1 || return 1
                # the report counts the runs before it; the state, every run so far
                py '
import base64, json, sys
r = json.loads(base64.b64decode(json.loads(sys.argv[1])["body_b64"]))
sys.exit(0 if (r["seq_number"], r["total_success"], r["total_failed"]) == (int(sys.argv[2]), int(sys.argv[2]), 0) else
         print("    report counters: seq_number %s total_success %s total_failed %s" % (r["seq_number"], r["total_success"], r["total_failed"])) or 1)
' "$posts" $((run - 1)) || return 1
                expect_eq "state counters: seq_number total_success total_failed pending last_success (run $run)" \
                        "$(state_counters "$session")" "$run $run 0 False True" || return 1
        done
}

# The same with the session on the machine's real /var/tmp: PrivateTmp= gives
# the service a /var/tmp of its own, so there is no session to see. The
# condition skips the run, the journal's "No Ray head session" entry says so
# (naming that temp dir, before issue 18; that no live head was found, after
# it: the GCS names a directory the unit cannot see), and nothing is sent.
# (Outside the sandbox, the Ray user's own "check" does find it: what hides
# it is the unit.)
scenario_sandbox_session_private_tmp() {
        local rc
        c rm -rf /var/tmp/raytest
        sandbox_session_private_tmp
        rc=$?
        c rm -rf /var/tmp/raytest
        return $rc
}

sandbox_session_private_tmp() {
        local session cur off rc out
        session=$(sys_make_session_at /var/tmp/raytest/ray) || return 1
        c_user "$RAY_USER" env RAY_TMPDIR=/var/tmp/raytest ray-usage-stats check >/dev/null 2>&1
        expect_eq "the Ray user's own check (outside the sandbox) exit status" "$?" 0 || return 1
        sys_dropin 50-private-tmp 'Environment=RAY_TMPDIR=/var/tmp/raytest' || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exec-condition || return 1
        out=$(sys_journal_after "$cur" "$ID_NO_SESSION")
        expect_entry "$out" "$ID_NO_SESSION" 1 _SYSTEMD_UNIT="$UNIT" || return 1
        py '
import json, re, sys
e = [json.loads(l) for l in sys.argv[1].splitlines() if l.strip() and json.loads(l).get("MESSAGE_ID") == sys.argv[2]][0]
m, t = e.get("MESSAGE") or "", e.get("RAY_USAGE_STATS_TEMP_DIR")
print("    message: %s" % m)
old = m == "No Ray head session on this machine (/var/tmp/raytest/ray/session_latest); nothing to do." and \
        t == "/var/tmp/raytest/ray"
sys.exit(0 if old or re.search("no live ray head", m, re.I) else 1)
' "$out" "$ID_NO_SESSION" || { sys_log "the entry does not say why there is no session"; return 1; }
        expect_no_requests "$off" || return 1
        ! c test -e "$session/usage_stats.json" || { sys_log "$session/usage_stats.json exists"; return 1; }
}

# The Ray user's opt-out at a path the unit cannot see: a config file on the
# machine's /tmp (RAY_USAGE_STATS_CONFIG_PATH=/tmp/elsewhere/config.json),
# hidden by PrivateTmp=. The decision is made without it (decided by
# default, the report goes out) and, with RAY_USAGE_STATS_DEBUG=1, the unit's
# log says why the file was not used: it does not exist there.
# This is exactly why the Ray user's config must live in ~/.ray/config.json
# (ProtectHome=read-only keeps home directories visible, read-only), and why
# an administrator's opt-out belongs in the environment file the unit reads
# (/etc/default/ray-usage-stats, EnvironmentFile=), not in a file elsewhere.
scenario_sandbox_config_outside() {
        local rc
        sandbox_config_outside
        rc=$?
        c rm -rf /tmp/elsewhere
        return $rc
}

sandbox_config_outside() {
        local cur off rc out msgs
        c_user "$RAY_USER" sh -ec 'mkdir -p /tmp/elsewhere
                printf "{\"usage_stats\": false}\n" >/tmp/elsewhere/config.json' || return 1
        sys_make_session >/dev/null || return 1
        sys_dropin 50-config-outside 'Environment=RAY_USAGE_STATS_CONFIG_PATH=/tmp/elsewhere/config.json' \
                'Environment=RAY_USAGE_STATS_DEBUG=1' || return 1
        # the file itself is an opt-out: outside the sandbox, under the unit's settings, it disables collection
        c_user "$RAY_USER" ray-usage-stats check >/dev/null 2>&1
        expect_eq "the Ray user's own check with the unit's config path (outside the sandbox) exit status" "$?" 1 ||
                return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        out=$(sys_journal_after "$cur" "$ID_REPORT_SENT" "Ignoring config file")
        # one decision entry per run: check's (report journals only a decision that stops it)
        expect_entry "$out" "$ID_DECISION" 1 _SYSTEMD_UNIT="$UNIT" RAY_USAGE_STATS_DECISION=enabled \
                RAY_USAGE_STATS_DECIDED_BY=default RAY_USAGE_STATS_CONFIG_PATH=/tmp/elsewhere/config.json || return 1
        msgs=$(unit_messages "$out" ray-usage-stats | grep -F 'config file')
        expect_eq "debug lines about the config file (check, report)" "$msgs" \
                "ray-usage-stats: Ignoring config file /tmp/elsewhere/config.json: No such file or directory
ray-usage-stats: Ignoring config file /tmp/elsewhere/config.json: No such file or directory" || return 1
        sys_log "${msgs%%$'\n'*}"
        expect_eq "POSTs received" "$(sys_requests_after "$off" POST | grep -c .)" 1
}

# What the unit's processes can write: an ExecStartPost= in the same unit (so
# in the same sandbox as ExecStart=, as root with the unit's capabilities, as
# the report itself is until it switches to the Ray user) tries to create
# rus-probe in each directory, during a run that succeeds (a Ray session and
# the fake head). SANDBOX_PROBE_LINES gets its lines: "PROBE <dir> writable"
# or "PROBE <dir> refused: <reason>".
SANDBOX_PROBE=/usr/local/libexec/rus-sandbox-probe
SANDBOX_PROBE_LINES=

sandbox_probe_run() { # DIR... (${STATE_DIRECTORY} is expanded by systemd)
        local session cur off rc out
        c mkdir -p "${SANDBOX_PROBE%/*}"
        c sh -c "cat >$SANDBOX_PROBE && chmod 0755 $SANDBOX_PROBE" <<'EOF_PROBE' || return 1
#!/bin/sh
# Tries to create rus-probe in each directory given; one line per attempt.
for d in "$@"; do
        if err=$(touch "$d/rus-probe" 2>&1); then
                echo "PROBE $d writable"
        else
                echo "PROBE $d refused: ${err##*: }"
        fi
done
exit 0
EOF_PROBE
        session=$(sys_make_session) || return 1
        sys_dropin 50-probe "ExecStartPost=$SANDBOX_PROBE $*" || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" success || return 1
        out=$(sys_journal_after "$cur" "PROBE ${*: -1}" "$SD_UNIT_SUCCESS")
        SANDBOX_PROBE_LINES=$(unit_messages "$out" "${SANDBOX_PROBE##*/}" | grep '^PROBE ')
        printf '%s\n' "$SANDBOX_PROBE_LINES" | sed 's/^/      /'
        expect_eq "probe lines" "$(printf '%s\n' "$SANDBOX_PROBE_LINES" | grep -c .)" $# || return 1
        c test -f "$session/usage_stats.json" || { sys_log "the run wrote no $session/usage_stats.json"; return 1; }
        expect_eq "POSTs received" "$(sys_requests_after "$off" POST | grep -c .)" 1
}

expect_probe() { # DIR RESULT ("writable" or "refused: ...")
        printf '%s\n' "$SANDBOX_PROBE_LINES" | grep -qxF "PROBE $1 $2" && return 0
        sys_log "expected 'PROBE $1 $2'"
        return 1
}

sandbox_probe_cleanup() { # DIR...
        local d
        c rm -f "$SANDBOX_PROBE"
        for d in "$@"; do
                c rm -f "$d/rus-probe"
        done
}

# Outside the Ray temp directory and the state directory every attempt is
# refused, by the read-only file system (not by permissions: the probe runs as
# root); those two are writable and the files land on the real file system.
# /tmp and /var/tmp are writable too, but private to the run (PrivateTmp=):
# nothing of them reaches the machine's /tmp or /var/tmp.
SANDBOX_REFUSED="/etc /usr /usr/local /var /var/lib /var/log /var/cache /srv /opt /home /home/$RAY_USER /root"
SANDBOX_PRIVATE="/tmp /var/tmp"
SANDBOX_ALLOWED="/tmp/ray /var/lib/ray-usage-stats"

scenario_sandbox_writes_refused() {
        local rc
        sandbox_writes_refused
        rc=$?
        # shellcheck disable=SC2086 # lists of directories, split into words
        sandbox_probe_cleanup $SANDBOX_REFUSED $SANDBOX_PRIVATE $SANDBOX_ALLOWED
        return $rc
}

sandbox_writes_refused() {
        local p bad=0
        for p in $SANDBOX_REFUSED; do
                c test -d "$p" || { sys_log "no directory $p in the container"; return 1; }
        done
        for p in $SANDBOX_REFUSED $SANDBOX_PRIVATE $SANDBOX_ALLOWED; do
                ! c test -e "$p/rus-probe" || { sys_log "$p/rus-probe exists before the run"; return 1; }
        done
        # shellcheck disable=SC2086,SC2016 # lists of directories; ${STATE_DIRECTORY} is for systemd
        sandbox_probe_run $SANDBOX_REFUSED $SANDBOX_PRIVATE /tmp/ray '${STATE_DIRECTORY}' || return 1
        for p in $SANDBOX_REFUSED; do
                expect_probe "$p" "refused: Read-only file system" || bad=1
                ! c test -e "$p/rus-probe" || { sys_log "$p/rus-probe exists on the container's file system"; bad=1; }
        done
        for p in $SANDBOX_PRIVATE; do
                expect_probe "$p" writable || bad=1
                ! c test -e "$p/rus-probe" || { sys_log "$p/rus-probe (private to the run) reached the container's $p"; bad=1; }
        done
        for p in $SANDBOX_ALLOWED; do
                expect_probe "$p" writable || bad=1
                c test -f "$p/rus-probe" || { sys_log "$p/rus-probe is not on the container's file system"; bad=1; }
        done
        return $bad
}

# The API file systems, which ProtectSystem=strict leaves alone: nothing the
# run writes may reach the machine's /run (its unit directory
# /run/systemd/system above all: a unit dropped there runs as root at the next
# daemon-reload) or /dev/shm. Each attempt must be refused or stay private.
# systemd 252: ProtectKernelTunables=, ProtectControlGroups= and ProtectProc=
# imply MountAPIVFS=, whose /run entry exempts the real /run from the
# read-only remount; ReadOnlyPaths=/run takes it back. PrivateDevices= binds
# the real /dev/shm into the private /dev.
SANDBOX_API="/run /run/lock /run/systemd/system /dev/shm /dev/mqueue"

scenario_sandbox_writes_api_fs() {
        local rc
        sandbox_writes_api_fs
        rc=$?
        # shellcheck disable=SC2086 # a list of directories, split into words
        sandbox_probe_cleanup $SANDBOX_API
        return $rc
}

sandbox_writes_api_fs() {
        local p bad=0
        for p in $SANDBOX_API; do
                c test -d "$p" || { sys_log "no directory $p in the container"; return 1; }
                ! c test -e "$p/rus-probe" || { sys_log "$p/rus-probe exists before the run"; return 1; }
        done
        # shellcheck disable=SC2086,SC2016 # lists of directories; ${STATE_DIRECTORY} is for systemd
        sandbox_probe_run $SANDBOX_API || return 1
        for p in $SANDBOX_API; do
                if c test -e "$p/rus-probe"; then
                        sys_log "$p/rus-probe: written through the sandbox to the container's $p"
                        bad=1
                fi
        done
        [ "$bad" = 0 ] || sys_log "the unit needs ReadOnlyPaths=/run /dev/shm (see the comment of this scenario)"
        return $bad
}

# --- the per-user units (docs/design.md §8) ----------------------------------------------
#
# ray-usage-stats@USER.service runs the job as USER with no privilege. Each
# scenario leaves both timers disabled, the instances stopped and the
# template's drop-ins removed.

SCENARIOS+=(instance-exposure instance-report instance-foreign-session instance-and-generic status-instance-settings)

INSTANCE=           # ray-usage-stats@$RAY_USER, set by instance_setup
INSTANCE_DROPIN_DIR=/etc/systemd/system/ray-usage-stats@.service.d
OTHER_USER=rus-units-other

# A second local user of the container, OTHER_USER.
other_user() {
        c id "$OTHER_USER" >/dev/null 2>&1 || c useradd --create-home --shell /bin/sh "$OTHER_USER" ||
                { sys_log "useradd $OTHER_USER failed"; return 1; }
}

# The base drop-in of the tests for every instance too.
instance_setup() {
        INSTANCE=ray-usage-stats@$RAY_USER
        c mkdir -p "$INSTANCE_DROPIN_DIR" &&
                c cp "$DROPIN_DIR/00-test.conf" "$INSTANCE_DROPIN_DIR/00-test.conf" &&
                c systemctl daemon-reload
}

instance_cleanup() {
        c sh -c "systemctl disable --now ray-usage-stats.timer '$INSTANCE.timer' \
                        'ray-usage-stats@$OTHER_USER.timer' >/dev/null 2>&1
                 rm -rf $INSTANCE_DROPIN_DIR
                 systemctl daemon-reload
                 systemctl reset-failed '$INSTANCE.service' 'ray-usage-stats@$OTHER_USER.service' 2>/dev/null
                 true"
}

# Wraps scenario body NAME between instance_setup and instance_cleanup.
instance_scenario() { # NAME
        local rc
        instance_setup || { sys_log "setting up the instance's drop-in failed"; return 1; }
        "$1"
        rc=$?
        instance_cleanup
        return $rc
}

# Starts UNIT_NAME (a service) as its timer would and checks how the run
# ended (expect_run); RUN_CURSOR and RUN_OFFSET are where the run's journal
# entries and the fake head's requests begin.
RUN_CURSOR=
RUN_OFFSET=
run_named() { # UNIT_NAME RESULT
        local UNIT=$1 rc
        RUN_CURSOR=$(sys_journal_cursor)
        RUN_OFFSET=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$RUN_CURSOR" "$rc" "$2"
}

# The exposure of both units as loaded by this systemd, printed; asserted:
# generic <= 2.0, per-user <= 1.2 (no PrivateUsers=: see the unit).
scenario_instance_exposure() {
        instance_scenario instance_exposure
}

instance_exposure() {
        local unit limit out figure rc bad=0
        for unit in "$UNIT:20" "$INSTANCE.service:12"; do
                limit=${unit##*:}
                unit=${unit%:*}
                out=$(c systemd-analyze security --no-pager --threshold="$limit" "$unit" 2>&1)
                rc=$?
                figure=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
                sys_log "exposure of $unit: ${figure:-unknown} (limit $((limit / 10)).$((limit % 10)))"
                if [ "$rc" -ne 0 ] || [ -z "$figure" ]; then
                        printf '%s\n' "$out" | grep -E '^✗' | sed 's/^/      /'
                        bad=1
                fi
        done
        return $bad
}

# The instance reports for its own user's session, as that user with no
# privilege: one POST, usage_stats.json of the user, counters in the
# instance's own state directory (not the generic unit's), journalled by the
# instance's unit with the user's uid.
scenario_instance_report() {
        instance_scenario instance_report
}

instance_report() {
        local session out uid state
        session=$(sys_make_session) || return 1
        uid=$(c id -u "$RAY_USER")
        run_named "$INSTANCE.service" success || return 1
        expect_eq "POSTs received" "$(sys_requests_after "$RUN_OFFSET" POST | grep -c .)" 1 || return 1
        expect_eq "owner and mode of usage_stats.json" "$(c stat -c '%U %a' "$session/usage_stats.json" 2>&1)" \
                "$RAY_USER 644" || return 1
        out=$(sys_journal_after "$RUN_CURSOR" "$ID_REPORT_SENT")
        expect_entry "$out" "$ID_REPORT_SENT" 1 _SYSTEMD_UNIT="$INSTANCE.service" _UID="$uid" \
                RAY_USAGE_STATS_SESSION_DIR="$session" RAY_USAGE_STATS_SEQ=0 || return 1
        state=/var/lib/ray-usage-stats/$RAY_USER/${session##*/}@$uid.json
        expect_eq "owner of $state" "$(c stat -c %U "$state" 2>&1)" "$RAY_USER" || return 1
        ! c test -e "/var/lib/ray-usage-stats/${session##*/}@$uid.json" ||
                { sys_log "the instance wrote the generic unit's state file"; return 1; }
        # the generic unit's counters are its own: its first report of the
        # session is seq 0 too, and the instance's next one is seq 1
        run_named "$UNIT" success || return 1
        out=$(sys_journal_after "$RUN_CURSOR" "$ID_REPORT_SENT")
        expect_entry "$out" "$ID_REPORT_SENT" 1 _SYSTEMD_UNIT="$UNIT" RAY_USAGE_STATS_SEQ=0 || return 1
        run_named "$INSTANCE.service" success || return 1
        out=$(sys_journal_after "$RUN_CURSOR" "$ID_REPORT_SENT")
        expect_entry "$out" "$ID_REPORT_SENT" 1 _SYSTEMD_UNIT="$INSTANCE.service" RAY_USAGE_STATS_SEQ=1
}


# An instance for another user finds the session of $RAY_USER: no session for
# it (exit 2, the run skipped), nothing sent or written, and the journal says
# whose session it is. (Its user namespace shows the owner as nobody.)
scenario_instance_foreign_session() {
        other_user || return 1
        instance_scenario instance_foreign_session
}

instance_foreign_session() {
        local session rc out unit=ray-usage-stats@$OTHER_USER.service
        session=$(sys_make_session) || return 1
        # The program's own rule, outside systemd first: another user's check.
        c_user "$OTHER_USER" ray-usage-stats check >"$sys_tmp/check.out" 2>&1
        rc=$?
        if [ "$rc" = 0 ]; then
                sys_log "a non-root check accepts another user's session (the foreign-session rule of docs/design.md §4.2 is not in this build)"
                return 77
        fi
        expect_eq "$OTHER_USER's own check exit status" "$rc" 2 || { sed 's/^/    /' "$sys_tmp/check.out"; return 1; }
        run_named "$unit" exec-condition || return 1
        out=$(sys_journal_after "$RUN_CURSOR" "$ID_NO_SESSION")
        expect_entry "$out" "$ID_NO_SESSION" 1 _SYSTEMD_UNIT="$unit" || return 1
        sys_log "$(UNIT=$unit unit_messages "$out" ray-usage-stats | grep -iF session)"
        expect_no_requests "$RUN_OFFSET" || return 1
        ! c test -e "$session/usage_stats.json" || { sys_log "$session/usage_stats.json exists"; return 1; }
}


# A per-user unit for a user that does not exist (a typo): the run fails where
# "systemctl --failed" shows it (the unit that checks the user), and systemctl
# status of the service says why, instead of a silent "condition not met"
# (status=217/USER of ExecCondition=). Once the user exists, it runs.
SCENARIOS+=(instance-missing-user)
MISSING_USER=rus-nosuchuser

scenario_instance_missing_user() {
        ! c id "$MISSING_USER" >/dev/null 2>&1 || { sys_log "user $MISSING_USER exists"; return 1; }
        instance_scenario instance_missing_user
        local rc=$?
        c sh -c "userdel $MISSING_USER 2>/dev/null
                 systemctl reset-failed 'ray-usage-stats@$MISSING_USER.service' \
                        'ray-usage-stats-user@$MISSING_USER.service' 2>/dev/null
                 rm -rf /var/lib/ray-usage-stats/$MISSING_USER
                 true"
        return $rc
}

instance_missing_user() {
        local unit=ray-usage-stats@$MISSING_USER.service check=ray-usage-stats-user@$MISSING_USER.service out
        if c systemctl start "$unit" >/dev/null 2>&1; then
                sys_log "systemctl start $unit succeeded for a user that does not exist"
                return 1
        fi
        out=$(c systemctl --failed --no-legend --plain 2>&1)
        sys_log "systemctl --failed: $out"
        printf '%s\n' "$out" | grep -q "^$check " || return 1
        out=$(c systemctl status --no-pager "$unit" 2>&1)
        printf '%s\n' "$out" | grep -q 'Dependency failed' ||
                { sys_log "systemctl status $unit does not say 'Dependency failed':"; sys_log "$out"; return 1; }
        c useradd --no-create-home "$MISSING_USER" || { sys_log "useradd $MISSING_USER failed"; return 1; }
        run_named "$unit" exec-condition || return 1
        ! c systemctl is-failed --quiet "$check" || { sys_log "$check still failed with the user there"; return 1; }
}


# Both timers enabled, in either order: per run of both services, one report
# (by the instance); the generic unit's check says no session and names the
# instance's timer, and status shows the instance's counters. With the
# instance's timer disabled again, the generic unit reports.
scenario_instance_and_generic() {
        instance_scenario instance_and_generic
}

both_runs() { # ORDER (label)
        local off out
        off=$(sys_record_lines)
        run_named "$UNIT" exec-condition || return 1
        out=$(sys_journal_after "$RUN_CURSOR" "$ID_NO_SESSION")
        expect_entry "$out" "$ID_NO_SESSION" 1 _SYSTEMD_UNIT="$UNIT" \
                RAY_USAGE_STATS_INSTANCE="$INSTANCE.timer" RAY_USAGE_STATS_COMMAND=check || return 1
        [ "$1" = "generic first" ] && sys_log "$(unit_messages "$out" ray-usage-stats | grep -F "$INSTANCE.timer")"
        run_named "$INSTANCE.service" success || return 1
        expect_eq "POSTs of one run of both units ($1)" "$(sys_requests_after "$off" POST | grep -c .)" 1
}

status_seq() {
        py 'import json, sys; print(json.load(sys.stdin).get("seq_number"))'
}

instance_and_generic() {
        sys_make_session >/dev/null || return 1

        # (enabled, not started: the links are what counts, and no timer may
        # fire in the middle of the scenario)
        c systemctl enable ray-usage-stats.timer >/dev/null 2>&1 &&
                c systemctl enable "$INSTANCE.timer" >/dev/null 2>&1 || { sys_log "enabling the timers failed"; return 1; }
        both_runs "generic first" || return 1

        c systemctl disable ray-usage-stats.timer "$INSTANCE.timer" >/dev/null 2>&1
        c systemctl enable "$INSTANCE.timer" >/dev/null 2>&1 &&
                c systemctl enable ray-usage-stats.timer >/dev/null 2>&1 || { sys_log "enabling the timers failed"; return 1; }
        expect_eq "enabled timers" "$(c systemctl is-enabled ray-usage-stats.timer "$INSTANCE.timer" | xargs)" \
                "enabled enabled" || return 1
        both_runs "instance first" || return 1

        # status shows the counters of the unit that reports: the instance's
        # two reports (seq 0 and 1), to root and to the Ray user alike
        expect_eq "seq_number in root's status" "$(c ray-usage-stats status --json | status_seq)" 2 || return 1
        expect_eq "seq_number in $RAY_USER's status" "$(c_user "$RAY_USER" ray-usage-stats status --json | status_seq)" 2 ||
                return 1

        c systemctl disable "$INSTANCE.timer" >/dev/null 2>&1
        run_named "$UNIT" success || return 1
        expect_eq "POSTs of the generic unit alone" "$(sys_requests_after "$RUN_OFFSET" POST | grep -c .)" 1
}

# docs/design.md §11 under a real journald: three timer runs across two Ray sessions;
# history lists exactly those three attempts with payloads byte-identical to
# what the endpoint received, deletion-request lists both session_ids apart
# (the tests' endpoint is not Ray's), and
# fields, the keys of preview and the installed man page agree. A user outside
# adm/systemd-journal gets the one-line error instead of an empty list.
scenario_transparency() {
        local since off closed i
        # --since has a resolution of one second: after this pause, the
        # entries of earlier scenarios are older than the second read here.
        # (The other order let the previous scenario's report, sent in the
        # same second, count as a fourth attempt.)
        sleep 1.1
        since=$(c date '+%Y-%m-%d %H:%M:%S')
        off=$(sys_record_lines)
        sys_make_session >/dev/null || return 1
        start_unit || { sys_log "run 1 failed: $(cat "$sys_tmp/start.out")"; return 1; }
        start_unit || { sys_log "run 2 failed: $(cat "$sys_tmp/start.out")"; return 1; }
        # The second session's dashboard does not answer: its session_id is
        # the random one kept per session, so the two sessions differ.
        closed=$(sys_closed_port)
        sys_dropin 50-second-session "Environment=RAY_USAGE_STATS_DASHBOARD_URL=http://127.0.0.1:$closed" || return 1
        sleep 1.1 # session names have a resolution of one second
        sys_stop_gcs # "ray stop": the second session is the only live head
        sys_make_session >/dev/null || return 1
        start_unit || { sys_log "run 3 failed: $(cat "$sys_tmp/start.out")"; return 1; }

        # journald files entries asynchronously.
        for i in $(seq 150); do
                c ray-usage-stats history --json --since="$since" >"$sys_tmp/history.jsonl" 2>"$sys_tmp/history.err"
                [ "$(grep -c . "$sys_tmp/history.jsonl")" -ge 3 ] && break
                sleep 0.1
        done
        c ray-usage-stats history --payload --since="$since" >"$sys_tmp/payloads" || return 1
        sys_requests_after "$off" POST >"$sys_tmp/posts"
        c ray-usage-stats deletion-request --json >"$sys_tmp/deletion.json" || return 1
        c ray-usage-stats fields --json >"$sys_tmp/fields.json" || return 1
        c env RAY_USAGE_STATS_CLOUD_PROBE=0 RAY_USAGE_STATS_REPORT_URL="http://127.0.0.1:$closed/" \
                ray-usage-stats preview >"$sys_tmp/preview.json" 2>"$sys_tmp/preview.err" ||
                { sys_log "preview failed: $(cat "$sys_tmp/preview.err")"; return 1; }
        c sh -c 'zcat -f /usr/local/share/man/man8/ray-usage-stats.8* /usr/share/man/man8/ray-usage-stats.8* 2>/dev/null' \
                >"$sys_tmp/man.8"
        py '
import base64, json, re, sys
tmp = sys.argv[1]
bad = []
h = [json.loads(l) for l in open(tmp + "/history.jsonl") if l.strip()]
posts = [json.loads(l) for l in open(tmp + "/posts") if l.strip()]
sent = [base64.b64decode(p["body_b64"]) for p in posts]
payloads = open(tmp + "/payloads", "rb").read()
if len(h) != 3:
    bad.append("history lists %d attempts, expected 3" % len(h))
if len(sent) != 3:
    bad.append("the endpoint received %d POSTs, expected 3" % len(sent))
if payloads != b"".join(s + b"\n" for s in sent):
    bad.append("history --payload is not byte-identical to the three POSTs")
ids = [a["session_id"] for a in h]
if len(set(ids)) != 2 or ids[0] != ids[1]:
    bad.append("session ids of the attempts: %r" % ids)
if [a["result"] for a in h] != ["sent"] * 3:
    bad.append("results: %r" % [a["result"] for a in h])
# The endpoint of the tests is a private one: Ray never had these sessions.
dr = json.load(open(tmp + "/deletion.json"))
d = {s["session_id"] for s in dr["other_endpoints"]}
if not set(ids) <= d or set(ids) & {s["session_id"] for s in dr["sessions"]}:
    bad.append("deletion-request lists %r apart (sent elsewhere), not both of %r; asks Ray about %r" %
               (sorted(d), sorted(set(ids)), sorted(s["session_id"] for s in dr["sessions"])))
names = [f["name"] for f in json.load(open(tmp + "/fields.json"))]
preview = list(json.load(open(tmp + "/preview.json")).keys())
man = re.findall(r"^\.It Ic ([a-z_]+) Ta ", open(tmp + "/man.8").read(), re.M)
if not (names == preview == man) or len(names) != 27:
    bad.append("fields %r, preview %r and man page %r differ" % (names, preview, man))
for b in bad:
    print("    " + b)
if bad:
    for a in h:
        print("      attempt: %s %s seq %s %s" % (a.get("time"), a.get("session_id"), a.get("seq"), a.get("result")))
print("    history: %d attempts of sessions %s; deletion-request: %d sessions" % (len(h), sorted(set(ids)), len(d)))
sys.exit(1 if bad else 0)
' "$sys_tmp" || return 1

        c_user "$RAY_USER" ray-usage-stats history >"$sys_tmp/user.out" 2>"$sys_tmp/user.err"
        i=$?
        expect_eq "history as a user outside adm/systemd-journal: exit status" "$i" 1 || return 1
        grep -q "adm.*systemd-journal" "$sys_tmp/user.err" ||
                { sys_log "the error does not name the groups: $(cat "$sys_tmp/user.err")"; return 1; }
        [ ! -s "$sys_tmp/user.out" ] || { sys_log "an unreadable journal gave a list: $(cat "$sys_tmp/user.out")"; return 1; }
}

# Fleet audit with systemd's own engine (docs/design.md §11): systemd-journal-remote
# listens on loopback in this container; two more head nodes, head-b and
# head-c, each booted as a machine of its own (own hostname and machine ID),
# run the service once and send their journals with systemd-journal-upload.
# history and deletion-request --directory on the received files list both
# machines' reports, each with the payload the endpoint received from it.
# head-c's dashboard does not answer, so its session_id is the random one and
# the two sessions differ.
scenario_fleet() {
        local port off i m rc=0 closed
        port=$(sys_closed_port)
        closed=$(sys_closed_port)
        c mkdir -p /var/log/journal/remote || return 1
        c systemd-run --quiet --collect --unit=rus-journal-remote /lib/systemd/systemd-journal-remote \
                --listen-http="127.0.0.1:$port" --output=/var/log/journal/remote/ --split-mode=host || return 1
        for i in $(seq 50); do
                python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" \
                        2>/dev/null && break
                sleep 0.1
        done

        off=$(sys_record_lines)
        for m in head-b head-c; do
                fleet_member "$m" "$port" "$closed" || { rc=1; break; }
        done
        for m in "${!sys_extra_init[@]}"; do
                sys_stop_extra "$m"
        done
        [ "$rc" = 0 ] || { c systemctl stop rus-journal-remote; return 1; }

        for i in $(seq 150); do
                c ray-usage-stats history --json --directory=/var/log/journal/remote >"$sys_tmp/fleet.jsonl" 2>&1
                grep -q '"hostname": "head-b"' "$sys_tmp/fleet.jsonl" && grep -q '"hostname": "head-c"' "$sys_tmp/fleet.jsonl" &&
                        break
                sleep 0.1
        done
        c ray-usage-stats deletion-request --json --directory=/var/log/journal/remote >"$sys_tmp/fleet-del.json"
        c systemctl stop rus-journal-remote
        sys_requests_after "$off" POST >"$sys_tmp/fleet-posts"
        py '
import base64, json, sys
tmp = sys.argv[1]
h = [json.loads(l) for l in open(tmp + "/fleet.jsonl") if l.strip()]
posts = [json.loads(base64.b64decode(json.loads(l)["body_b64"])) for l in open(tmp + "/fleet-posts") if l.strip()]
ids = {m: open("%s/%s.machine-id" % (tmp, m)).read().strip() for m in ("head-b", "head-c")}
bad = []
by = {m: [x for x in h if x["hostname"] == m] for m in ids}
others = [x["hostname"] for x in h if x["hostname"] not in ids]
if others:
    bad.append("history --directory lists reports of other machines: %r" % others)
if len(posts) != 2:
    bad.append("the endpoint received %d POSTs, expected one per machine" % len(posts))
for i, m in enumerate(ids):
    if len(by[m]) != 1:
        bad.append("history --directory: %d reports of %s, expected 1" % (len(by[m]), m))
        continue
    if by[m][0]["machine_id"] != ids[m]:
        bad.append("%s: machine_id %r, expected %r" % (m, by[m][0]["machine_id"], ids[m]))
    if len(posts) == 2 and by[m][0]["payload"] != posts[i]:
        bad.append("the payload of %s in the remote journal is not what the endpoint received from it" % m)
sessions = {x["session_id"] for x in h}
# The fleet reports to the private endpoint of the tests: listed apart, not asked of Ray.
dr = json.load(open(tmp + "/fleet-del.json"))
d = {s["session_id"] for s in dr["other_endpoints"]}
if len(sessions) != 2 or d != sessions or dr["sessions"]:
    bad.append("deletion-request --directory lists %r apart and asks Ray about %r; the reports are of %r" %
               (sorted(d), [s["session_id"] for s in dr["sessions"]], sorted(sessions)))
for x in bad:
    print("    " + x)
print("    remote journal: %s; deletion-request: %d sessions" %
      (", ".join("%d report(s) of %s" % (len(by[m]), m) for m in ids), len(d)))
sys.exit(1 if bad else 0)
' "$sys_tmp"
}

# One head node of the fleet: booted, one run of the service against its own
# Ray session (head-c's with its dashboard on CLOSED_PORT), then its journal
# sent to journal-remote on PORT.
fleet_member() { # NAME PORT CLOSED_PORT
        local m=$1 out cur
        sys_boot_extra "$m" || { sys_log "$m did not boot"; return 1; }
        out=$(sys_on "$m" sys_setup_machine 2>&1) || { sys_log "setting up $m: $out"; return 1; }
        sys_on "$m" c cat /etc/machine-id >"$sys_tmp/$m.machine-id" || return 1
        if [ "$m" = head-c ]; then
                sys_on "$m" sys_dropin 50-fleet "Environment=RAY_USAGE_STATS_DASHBOARD_URL=http://127.0.0.1:$3" || return 1
        fi
        sys_on "$m" sys_make_session >/dev/null || { sys_log "no session on $m"; return 1; }
        cur=$(sys_on "$m" sys_journal_cursor)
        sys_on "$m" start_unit || { sys_log "the run on $m failed: $(cat "$sys_tmp/start.out")"; return 1; }
        # The run's entries are filed before the upload reads the journal.
        sys_on "$m" sys_journal_after "$cur" "$ID_REPORT_SENT" >/dev/null
        sys_on "$m" c /lib/systemd/systemd-journal-upload --url="http://127.0.0.1:$2" --follow=no \
                --save-state=/root/upload.state >"$sys_tmp/upload-$m.log" 2>&1 ||
                { sys_log "journal-upload on $m failed: $(tail -5 "$sys_tmp/upload-$m.log")"; return 1; }
}

# --- live heads: what each unit can see (issue 18) -----------------------------
#
# A live head is a process (docs/design.md §4.1). Both units keep
# ProtectProc=invisible: the /proc it mounts has no gid= option, so its gid is
# 0; the generic unit's root, in group 0, sees every user's processes, and a
# per-user unit must see its own user's. Each scenario first lists, from
# inside the unit's own sandbox (an ExecCondition= before the unit's check),
# the gcs_server processes it can see: that part needs nothing of the
# program, and fails if a change of a unit hides another user's head from the
# generic unit, or the user's own head from the per-user unit. Then, with
# session_latest removed so that only the processes say where the sessions
# are, the program must find the same heads: that part needs the process
# discovery of issue 18 (before it, session_latest alone decided).

SCENARIOS+=(generic-sees-every-head instance-sees-own-head no-live-head)

PROC_PROBE=/usr/local/libexec/rus-proc-probe

# A drop-in for UNIT_NAME (in DROPIN_DIR) whose first ExecCondition= lists the
# gcs_server processes the unit's sandbox shows, with their owners' uids, one
# "PROBE gcs_server uid N" journal line each, then "PROBE end"; the unit's own
# check follows.
proc_probe_dropin() { # DIR UNIT_NAME
        local check
        check=$(c systemctl cat "$2" | sed -n 's/^ExecCondition=//p' | tail -n 1)
        [ -n "$check" ] || { sys_log "$2 has no ExecCondition="; return 1; }
        c mkdir -p "${PROC_PROBE%/*}" "$1" || return 1
        c sh -c "cat >$PROC_PROBE && chmod 0755 $PROC_PROBE" <<'EOF_PROBE' || return 1
#!/bin/sh
# The gcs_server processes this sandbox can see, with their owners' uids.
for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = gcs_server ] && echo "PROBE gcs_server uid $(stat -c %u "$p")"
done
echo "PROBE end"
EOF_PROBE
        printf '[Service]\nExecCondition=\nExecCondition=%s\nExecCondition=%s\n' "$PROC_PROBE" "$check" |
                c sh -c "cat >$1/50-proc-probe.conf" && c systemctl daemon-reload
}

# The unit's journal lines among JSONLINES say that there is no live Ray head.
expect_no_live_head() { # JSONLINES
        unit_messages "$1" | grep -qi "no live Ray head" && return 0
        sys_log "the journal of $UNIT does not say 'no live Ray head':"
        unit_messages "$1" | sed 's/^/      /'
        return 1
}

# The uids of the probe's lines among JSON lines of UNIT, sorted, one a line.
probe_uids() { # JSONLINES
        unit_messages "$1" "${PROC_PROBE##*/}" | sed -n 's/^PROBE gcs_server uid //p' | sort -n
}

# The session directories of the REPORT_SENT entries of UNIT after CURSOR,
# sorted, one a line, once COUNT of them are in the journal (or 15 s passed).
reports_sent() { # CURSOR COUNT
        local i out
        for i in $(seq 150); do
                # (filtered here: see sys_journal_after)
                out=$(c journalctl -q --all -o json --after-cursor="$1" | py '
import json, sys
for l in sys.stdin:
    e = json.loads(l) if l.strip() else {}
    if e.get("MESSAGE_ID") == sys.argv[1] and e.get("_SYSTEMD_UNIT") == sys.argv[2]:
        print(e.get("RAY_USAGE_STATS_SESSION_DIR"))
' "$ID_REPORT_SENT" "$UNIT" | sort)
                [ "$(printf '%s' "$out" | grep -c .)" -ge "$2" ] && break
                sleep 0.1
        done
        printf '%s\n' "$out"
}

# The generic unit, as root, sees the heads of two users, each a gcs_server
# running as its user; the program finds both: one run, two reports, each
# session's usage_stats.json its owner's. The control: a drop-in that takes
# the unit out of group 0 (Group=nogroup; it has no CAP_SYS_PTRACE either)
# hides both, and the run is skipped as with no head at all.
scenario_generic_sees_every_head() {
        local rc
        other_user || return 1
        generic_sees_every_head
        rc=$?
        c rm -f "$PROC_PROBE"
        return $rc
}

generic_sees_every_head() {
        local a b cur off rc out
        expect_eq ProtectProc "$(sys_unit_show ProtectProc)" invisible || return 1
        a=$(sys_make_session) || return 1
        b=$(sys_make_session "$OTHER_USER") || return 1
        c rm -f /tmp/ray/session_latest
        proc_probe_dropin "$DROPIN_DIR" "$UNIT" || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        out=$(sys_journal_after "$cur" "PROBE end")
        expect_eq "uids of the gcs_server processes the unit sees" "$(probe_uids "$out" | xargs)" \
                "$(c id -u "$RAY_USER") $(c id -u "$OTHER_USER")" || return 1
        sys_log "the unit sees both users' gcs_server processes"
        expect_run "$cur" "$rc" success || return 1
        expect_eq "POSTs received (two heads)" "$(sys_requests_after "$off" POST | grep -c .)" 2 || return 1
        expect_eq "sessions reported" "$(reports_sent "$cur" 2)" "$(printf '%s\n%s\n' "$a" "$b" | sort)" || return 1
        expect_eq "owner of $a/usage_stats.json" "$(c stat -c %U "$a/usage_stats.json" 2>&1)" "$RAY_USER" || return 1
        expect_eq "owner of $b/usage_stats.json" "$(c stat -c %U "$b/usage_stats.json" 2>&1)" "$OTHER_USER" ||
                return 1

        sys_dropin 50-not-group-0 'Group=nogroup' || return 1
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        out=$(sys_journal_after "$cur" "PROBE end" "[Nn]o live Ray head")
        expect_eq "gcs_server processes the unit sees outside group 0" "$(probe_uids "$out" | xargs)" "" || return 1
        expect_run "$cur" "$rc" exec-condition || return 1
        expect_no_requests "$off" || return 1
        expect_no_live_head "$out" || return 1
        sys_log "control: outside group 0 the unit sees no head"
}

# ray-usage-stats@$RAY_USER (User=, no capability) sees its user's head, and
# not the other user's; the program finds it: one report, of its user's
# session, journalled with its uid.
scenario_instance_sees_own_head() {
        local rc
        other_user || return 1
        instance_scenario instance_sees_own_head
        rc=$?
        c rm -f "$PROC_PROBE"
        return $rc
}

instance_sees_own_head() {
        local a uid out cur rc UNIT=$INSTANCE.service
        expect_eq "ProtectProc of $UNIT" "$(sys_unit_show ProtectProc)" invisible || return 1
        a=$(sys_make_session) || return 1
        sys_make_session "$OTHER_USER" >/dev/null || return 1
        c rm -f /tmp/ray/session_latest
        uid=$(c id -u "$RAY_USER")
        proc_probe_dropin "$INSTANCE_DROPIN_DIR" "$UNIT" || return 1
        cur=$(sys_journal_cursor)
        run_named "$UNIT" success
        rc=$?
        out=$(sys_journal_after "$cur" "PROBE end")
        expect_eq "uids of the gcs_server processes $UNIT sees" "$(probe_uids "$out" | xargs)" "$uid" || return 1
        sys_log "the unit sees its user's gcs_server process, not the other user's"
        [ "$rc" = 0 ] || return 1
        expect_eq "POSTs received" "$(sys_requests_after "$RUN_OFFSET" POST | grep -c .)" 1 || return 1
        expect_eq "sessions reported" "$(reports_sent "$RUN_CURSOR" 1)" "$a" || return 1
        out=$(sys_journal_after "$RUN_CURSOR" "$ID_REPORT_SENT")
        expect_entry "$out" "$ID_REPORT_SENT" 1 _SYSTEMD_UNIT="$UNIT" _UID="$uid" RAY_USAGE_STATS_SESSION_DIR="$a"
}

# "ray stop": the GCS has ended; the session directory and session_latest
# stay behind. The run is skipped (ExecCondition), the unit's journal says
# that there is no live Ray head, the endpoint receives nothing, and nothing
# is written to the stale session.
scenario_no_live_head() {
        local session cur off rc out
        session=$(sys_make_session) || return 1
        sys_stop_gcs "$session"
        c test -L /tmp/ray/session_latest && c test -d "$session/logs" ||
                { sys_log "the stale session is not there"; return 1; }
        cur=$(sys_journal_cursor)
        off=$(sys_record_lines)
        start_unit
        rc=$?
        expect_run "$cur" "$rc" exec-condition || return 1
        out=$(sys_journal_after "$cur" "[Nn]o live Ray head")
        expect_no_live_head "$out" || return 1
        sys_log "$(unit_messages "$out" | grep -i "no live Ray head" | head -n 1)"
        expect_no_requests "$off" || return 1
        ! c test -e "$session/usage_stats.json" || { sys_log "$session/usage_stats.json exists"; return 1; }
}
