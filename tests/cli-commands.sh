#!/bin/bash
# SPDX-License-Identifier: MIT
# The command `ray-usage-stats` (docs/design.md §2, §3): exit statuses and messages of
# check, the config file written by enable/disable (byte-exact, other keys
# kept), the machine-wide file of --system, status --json (every key, no
# network), record-library, prompt without a terminal, help, version, and
# unknown options and arguments.
. "$(dirname "$0")/report-lib.sh"

start_head main
make_session "$RUS_RAY_DIR" >/dev/null
CONFIG=$RAY_USAGE_STATS_CONFIG_PATH
SYSCONF=$RAY_USAGE_STATS_SYSTEM_CONFIG

# expect STATUS NEEDLE ARGS...: runs ARGS; exit STATUS and NEEDLE (an
# extended regex, "" for none) somewhere in stdout or stderr.
expect() {
        local status=$1 needle=$2
        shift 2
        rus "$@"
        need "'$*' exits $status, not $RC" [ "$RC" -eq "$status" ]
        if [ -n "$needle" ]; then
                need "'$*' says /$needle/" grep -qE -- "$needle" "$T_OUT" "$T_ERR"
        fi
}

config_is() { # BYTES: the config file holds exactly BYTES
        need "config file holds exactly '$1', not '$(cat "$CONFIG" 2>/dev/null)'" \
                cmp -s "$CONFIG" <(printf '%s' "$1")
}

# --- help, version, usage errors -------------------------------------------------

case_help() {
        expect 0 "Usage: ray-usage-stats" --help
        local c
        for c in check report preview status enable disable prompt record-library fields history deletion-request enable-usage-stats \
                disable-usage-stats; do
                need "--help lists $c" grep -qE "^  $c " "$T_OUT"
        done
        expect 0 "Usage: ray-usage-stats" -h
        for c in check report preview status enable disable prompt record-library fields history deletion-request enable-usage-stats \
                disable-usage-stats; do
                expect 0 "Usage: ray-usage-stats $c" "$c" --help
                need "$c --help writes nothing to stderr" [ ! -s "$T_ERR" ]
        done
}
t "--help, -h and every command's --help: usage on stdout, exit 0" case_help

case_version() {
        expect 0 "" --version
        need "--version prints 'ray-usage-stats X.Y[.Z]'" grep -qxE 'ray-usage-stats [0-9]+\.[0-9]+(\.[0-9]+)?.*' "$T_OUT"
        if [ -f "${RUS_BUILDDIR:-/nonexistent}/config.h" ]; then
                local v
                v=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$RUS_BUILDDIR/config.h")
                need "--version is the package's $v" grep -qx "ray-usage-stats $v" "$T_OUT"
        fi
}
t "--version prints the name and version, exit 0" case_version

case_usage_errors() {
        rus
        need "no command: an error (exit >= 3), not $RC" [ "$RC" -ge 3 ]
        need "no command: usage on stderr" grep -q "Usage" "$T_ERR"
        expect 3 "Unknown command 'frobnicate'" frobnicate
        expect 3 "Unknown command '--bogus'" --bogus
        expect 3 "unknown option '--bogus'" check --bogus
        expect 3 "unknown option '-x'" report -x
        expect 3 "unknown option '--system'" preview --system
        expect 3 "unknown option '--yaml'" status --yaml
        expect 3 "check: unexpected argument 'stray-argument'" check stray-argument
        expect 3 "report: unexpected argument 'now'" report now
        expect 3 "preview: unexpected argument 'later'" preview later
        expect 3 "status: unexpected argument 'extra'" status --json extra
        expect 3 "check: unexpected argument 'x'" check -- x
        expect 3 "check: unexpected argument ''" check ""
        expect 3 "record-library: missing argument NAME" record-library
        expect 3 "record-library: unexpected argument 'b'" record-library a b
        expect 1 "unknown option '--bogus'" enable --bogus
        expect 1 "enable: option '--system' takes no value: '--system=yes'" enable --system=yes
        expect 1 "disable: unexpected argument 'now'" disable now
        expect 1 "enable-usage-stats: unexpected argument 'x'" enable-usage-stats x
        expect 1 "disable-usage-stats: unexpected argument 'y'" disable-usage-stats y
        expect 3 "prompt: unknown option '--yes'" prompt --yes
        expect 3 "prompt: unexpected argument 'yes'" prompt yes
        expect 3 "Unexpected argument 'extra' after --version" --version extra
        expect 3 "Unexpected argument 'extra' after --help" --help extra
        # A control byte in an argument does not break the one-line message.
        expect 3 "unexpected argument 'a\\\\x0ab'" check "$(printf 'a\nb')"
        need "the message is one line" [ "$(wc -l <"$T_ERR")" -eq 1 ]
        need "nothing was written by a usage error" [ ! -e "$CONFIG" -a ! -e "$SYSCONF" ]
        need "no connection by a usage error" [ "$(record_lines)" -eq 0 ]
}
t "unknown commands, options and arguments are errors, not ignored" case_usage_errors

# --- check ------------------------------------------------------------------------

# check_case STATUS NEEDLE SETUP: SETUP (shell code) then `check`.
check_case() {
        fresh
        use_head main
        eval "$3"
        expect "$1" "$2" check
        need "check makes no connection" [ "$(record_lines)" -eq 0 ]
}
t "check: enabled by default with a session: 0" check_case 0 "enabled \(decided by default\)" :
t "check: RAY_USAGE_STATS_ENABLED=0: 1, decided by env" check_case 1 "disabled \(decided by env\)" \
        'export RAY_USAGE_STATS_ENABLED=0'
t "check: RAY_USAGE_STATS_ENABLED=1 wins over DO_NOT_TRACK and the config: 0" check_case 0 "enabled \(decided by env\)" \
        'export RAY_USAGE_STATS_ENABLED=1 DO_NOT_TRACK=1; mkdir -p "${CONFIG%/*}"; echo "{\"usage_stats\": false}" >"$CONFIG"'
t "check: DO_NOT_TRACK=1: 1, decided by do-not-track" check_case 1 "disabled \(decided by do-not-track\)" \
        'export DO_NOT_TRACK=1'
t "check: DO_NOT_TRACK=true wins over config true: 1" check_case 1 "do-not-track" \
        'export DO_NOT_TRACK=true; mkdir -p "${CONFIG%/*}"; echo "{\"usage_stats\": true}" >"$CONFIG"'
t "check: DO_NOT_TRACK=0 does not disable: 0" check_case 0 "decided by default" 'export DO_NOT_TRACK=0'
t "check: DO_NOT_TRACK empty does not disable: 0" check_case 0 "decided by default" 'export DO_NOT_TRACK='
t "check: config false: 1, decided by config" check_case 1 "disabled \(decided by config\)" \
        'mkdir -p "${CONFIG%/*}"; printf "{\"usage_stats\": false}" >"$CONFIG"'
t "check: config true: 0, decided by config" check_case 0 "enabled \(decided by config\)" \
        'mkdir -p "${CONFIG%/*}"; printf "{\"usage_stats\": true, \"x\": 1}" >"$CONFIG"'
for content in '{"usage_stats": null}' '{}' '[]' '"xxx"' 'not json' '' '{"usage_stats": fal'; do
        t "check: config '$content' counts as not set: 0, by default" check_case 0 "decided by default" \
                "mkdir -p \"\${CONFIG%/*}\"; printf '%s' '$content' >\"\$CONFIG\""
done
t "check: machine-wide RAY_USAGE_STATS_ENABLED=0: 1" check_case 1 "disabled" \
        'echo RAY_USAGE_STATS_ENABLED=0 >"$SYSCONF"'
t 'check: machine-wide export RAY_USAGE_STATS_ENABLED="0": 1' check_case 1 "disabled" \
        'printf "# admin\nexport RAY_USAGE_STATS_ENABLED=\"0\"\n" >"$SYSCONF"'
t "check: machine-wide DO_NOT_TRACK=1: 1" check_case 1 "do-not-track" 'echo DO_NOT_TRACK=1 >"$SYSCONF"'
t "check: the environment wins over the machine-wide file: 0" check_case 0 "enabled \(decided by env\)" \
        'echo RAY_USAGE_STATS_ENABLED=0 >"$SYSCONF"; export RAY_USAGE_STATS_ENABLED=1'
t "check: no session: 2" check_case 2 "[Nn]o (live )?Ray head" 'stop_gcs; export RAY_TMPDIR=$TEST_TMP/none'
t "check: disabled and no session: 1" check_case 1 "disabled" \
        'stop_gcs; export RAY_TMPDIR=$TEST_TMP/none RAY_USAGE_STATS_ENABLED=0'
t "check: RAY_USAGE_STATS_ENABLED=xxx: 255 naming the variable and the value" \
        check_case 255 'RAY_USAGE_STATS_ENABLED.*xxx' 'export RAY_USAGE_STATS_ENABLED=xxx'
t "check: RAY_USAGE_STATS_ENABLED empty: 255 naming the variable" \
        check_case 255 'RAY_USAGE_STATS_ENABLED' 'export RAY_USAGE_STATS_ENABLED='
t "check: RAY_USAGE_STATS_ENABLED=true: 255 (only 0 and 1)" \
        check_case 255 'RAY_USAGE_STATS_ENABLED.*true' 'export RAY_USAGE_STATS_ENABLED=true'
for setting in RAY_USAGE_STATS_REPORT_URL RAY_USAGE_STATS_DASHBOARD_URL RAY_USAGE_STATS_AWS_METADATA_URL; do
        for url in 'http://' 'ftp://host/' 'http://:8265/' 'http://a b/'; do
                t "check: $setting='$url': 255 naming the variable, before any connection" \
                        check_case 255 "Invalid $setting=" "export $setting='$url'"
        done
done
# libcurl (and its thirty-odd libraries) is opened only by the first HTTP
# request; check makes none (issue 13). The dynamic loader says what it loads.
case_check_without_libcurl() {
        local RUS_WRAP=(env LD_DEBUG=files)
        rus check
        need "check exits 0" [ "$RC" -eq 0 ]
        need "the loader's trace is there" grep -q "file=" "$T_ERR"
        need "check never loads libcurl" [ "$(grep -c 'file=libcurl' "$T_ERR")" -eq 0 ]
        export RAY_USAGE_STATS_UPLOAD=0
        rus preview
        need "preview does (the control)" [ "$(grep -c 'file=libcurl' "$T_ERR")" -ge 1 ]
}
t "check never loads libcurl; preview does" case_check_without_libcurl
t "check: a bad URL setting does not matter while disabled: 1" check_case 1 "disabled" \
        "export RAY_USAGE_STATS_ENABLED=0 RAY_USAGE_STATS_REPORT_URL=http://"
t 'check: config "usage_stats": "false": 255 naming the file and the value' \
        check_case 255 "$CONFIG.*false|false.*$CONFIG" 'mkdir -p "${CONFIG%/*}"; echo "{\"usage_stats\": \"false\"}" >"$CONFIG"'
t 'check: config "usage_stats": 1: 255 naming the file' \
        check_case 255 "$CONFIG" 'mkdir -p "${CONFIG%/*}"; echo "{\"usage_stats\": 1}" >"$CONFIG"'
t "check: machine-wide RAY_USAGE_STATS_ENABLED=yes: 255 naming the file" \
        check_case 255 "$SYSCONF" 'echo RAY_USAGE_STATS_ENABLED=yes >"$SYSCONF"'
t "check: an invalid setting is reported even without a session: 255" \
        check_case 255 'xxx' 'stop_gcs; export RAY_TMPDIR=$TEST_TMP/none RAY_USAGE_STATS_ENABLED=xxx'

# --- enable, disable ---------------------------------------------------------------

case_disable_new() {
        fresh
        rm -rf "${CONFIG%/*}"
        expect 0 "disabled" disable
        config_is '{"usage_stats": false}'
        expect 1 "decided by config" check
        expect 0 "enabled" enable
        config_is '{"usage_stats": true}'
        expect 0 "enabled \(decided by config\)" check
}
t 'disable / enable on a new file: exactly {"usage_stats": false} / {"usage_stats": true}, parent created' \
        case_disable_new

case_aliases() {
        fresh
        expect 0 "" disable-usage-stats
        config_is '{"usage_stats": false}'
        expect 0 "" enable-usage-stats
        config_is '{"usage_stats": true}'
}
t "disable-usage-stats / enable-usage-stats are aliases" case_aliases

case_keep_keys() {
        fresh
        mkdir -p "${CONFIG%/*}"
        printf '{"other": 1, "usage_stats": true, "nested": {"a": [1, 2.5, null]}, "s": "\\u00e9"}' >"$CONFIG"
        expect 0 "" disable
        pycheck '
eq(J0, {"other": 1, "usage_stats": False, "nested": {"a": [1, 2.5, None]}, "s": "\u00e9"}, "config after disable")
' "$CONFIG"
        expect 0 "" enable
        pycheck 'eq(J0, {"other": 1, "usage_stats": True, "nested": {"a": [1, 2.5, None]}, "s": "\u00e9"}, "after enable")' \
                "$CONFIG"
        printf '{"prompt_enabled": false}' >"$CONFIG"
        expect 0 "" disable
        pycheck 'eq(J0, {"prompt_enabled": False, "usage_stats": False}, "a key added")' "$CONFIG"
}
t "disable / enable keep the config file's other keys" case_keep_keys

case_overwrite_bad() {
        fresh
        mkdir -p "${CONFIG%/*}"
        # Root never replaces a file that is not a JSON config (issue 17: the
        # path may be another user's choice); a user's own run does as Ray.
        local as=()
        if [ "$(id -u)" = 0 ]; then
                printf '"xxx"' >"$CONFIG"
                expect 1 "is not a JSON config" enable
                config_is '"xxx"'
                chown -R nobody: "${CONFIG%/*}"
                as=(rus_as nobody)
        fi
        printf '"xxx"' >"$CONFIG"
        "${as[@]:-rus}" enable
        need "enable exits 0" [ "$RC" -eq 0 ]
        config_is '{"usage_stats": true}'
        printf 'not json at all' >"$CONFIG"
        "${as[@]:-rus}" disable
        need "disable exits 0" [ "$RC" -eq 0 ]
        config_is '{"usage_stats": false}'
        [ "$(id -u)" != 0 ] || chown -R 0:0 "${CONFIG%/*}"
}
t 'enable over a file holding "xxx" (Ray item 7) or non-JSON: a fresh {"usage_stats": ...} (refused as root)' \
        case_overwrite_bad

case_config_dir() {
        fresh
        mkdir -p "$CONFIG"
        expect 1 "Failed to enable usage stats" enable
        need "one line on stderr" [ "$(wc -l <"$T_ERR")" -le 2 ]
        expect 1 "Failed to disable usage stats" disable
        rmdir "$CONFIG"
}
t "enable / disable when the config path is a directory: exit 1, Ray's message" case_config_dir

case_config_link() {
        fresh
        mkdir -p "${CONFIG%/*}"
        echo '{"usage_stats": true}' >"$TEST_TMP/config-target"
        ln -s "$TEST_TMP/config-target" "$CONFIG"
        expect 1 "is a symbolic link, which is never followed" disable
        need "one line on stderr" [ "$(wc -l <"$T_ERR")" -eq 1 ]
        need "the link is still there" [ -L "$CONFIG" ]
        need "its target is untouched" grep -qx '{"usage_stats": true}' "$TEST_TMP/config-target"
        rm -f "$CONFIG" "$TEST_TMP/config-target"
}
t "disable over a config that is a link: refused with a one-line reason, nothing followed (issue 9)" case_config_link

case_note_overridden() {
        fresh
        export RAY_USAGE_STATS_ENABLED=1
        expect 0 "" disable
        need "a note says the environment still decides" grep -qi "RAY_USAGE_STATS_ENABLED" "$T_ERR"
        config_is '{"usage_stats": false}'
}
t "disable while RAY_USAGE_STATS_ENABLED=1 decides: done, with a note saying so" case_note_overridden

case_default_config_path() {
        fresh
        unset RAY_USAGE_STATS_CONFIG_PATH
        export HOME=$TEST_TMP/other-home
        mkdir -p "$HOME"
        # Root's settings commands take the home from passwd (issue 9, see
        # attack-settings-link.sh): $HOME is tried by an ordinary user.
        if [ "$(id -u)" = 0 ]; then
                chown nobody: "$HOME"
                rus_as nobody disable
        else
                rus disable
        fi
        need "exit 0" [ "$RC" -eq 0 ]
        need "written to \$HOME/.ray/config.json" cmp -s "$HOME/.ray/config.json" <(printf '{"usage_stats": false}')
        rm -rf "$HOME"
}
t "without RAY_USAGE_STATS_CONFIG_PATH, enable/disable write ~/.ray/config.json" case_default_config_path

# --- --system ------------------------------------------------------------------------

case_system_new() {
        fresh
        expect 0 "RAY_USAGE_STATS_ENABLED=0" disable --system
        need "file created, mode 0644" [ "$(stat -c %a "$SYSCONF")" = 644 ]
        need "it sets RAY_USAGE_STATS_ENABLED=0" grep -qxE '(export )?RAY_USAGE_STATS_ENABLED="?0"?' "$SYSCONF"
        need "the config file is untouched" [ ! -e "$CONFIG" ]
        expect 1 "disabled" check
        expect 0 "" disable --system
        need "idempotent: one line" [ "$(grep -c RAY_USAGE_STATS_ENABLED "$SYSCONF")" -eq 1 ]
        expect 0 "" enable --system
        need "the opt-out is removed" [ "$(grep -c RAY_USAGE_STATS_ENABLED "$SYSCONF")" -eq 0 ]
        expect 0 "enabled" check
        expect 0 "nothing changed" enable --system
}
t "disable --system creates the machine-wide file (0644) with the opt-out; enable --system removes it" \
        case_system_new

case_system_missing() {
        fresh
        rm -f "$SYSCONF"
        expect 0 "does not exist: there is no machine-wide opt-out; nothing changed" enable --system
        need "no 'sets no machine-wide opt-out' for a file that does not exist" \
                bash -c "! grep -q 'sets no machine-wide' '$T_OUT' '$T_ERR'"
        need "the file is not created" [ ! -e "$SYSCONF" ]
}
t "enable --system without the machine-wide file says that it does not exist" case_system_missing

case_system_keep() {
        fresh
        printf '# Machine-wide settings\nRAY_USAGE_STATS_REPORT_URL=http://127.0.0.1:1/x\nexport FOO="bar baz"\n\nRAY_USAGE_STATS_ENABLED=1\n# end\n' \
                >"$SYSCONF"
        cp "$SYSCONF" "$TEST_TMP/sys.orig"
        expect 0 "" enable --system
        need "enable --system keeps an administrator's RAY_USAGE_STATS_ENABLED=1 (file unchanged)" \
                cmp -s "$SYSCONF" "$TEST_TMP/sys.orig"
        expect 0 "" disable --system
        need "the admin's =1 is replaced" [ "$(grep -c 'RAY_USAGE_STATS_ENABLED=1' "$SYSCONF")" -eq 0 ]
        need "one opt-out line" [ "$(grep -cE '^(export )?RAY_USAGE_STATS_ENABLED="?0"?$' "$SYSCONF")" -eq 1 ]
        need "the other lines are kept, in order" \
                cmp -s <(grep -v RAY_USAGE_STATS_ENABLED "$SYSCONF") <(grep -v RAY_USAGE_STATS_ENABLED "$TEST_TMP/sys.orig")
        env -i RAY_USAGE_STATS_SYSTEM_CONFIG="$SYSCONF" RAY_TMPDIR="$RAY_TMPDIR" HOME="$HOME" \
                RAY_USAGE_STATS_CONFIG_PATH="$CONFIG" "$RUS_BINARY" check >/dev/null 2>&1
        need "check reads the file: disabled" [ $? -eq 1 ]
        expect 0 "" enable --system
        need "enable --system removes the opt-out" [ "$(grep -c RAY_USAGE_STATS_ENABLED "$SYSCONF")" -eq 0 ]
        need "and keeps the other lines" \
                cmp -s "$SYSCONF" <(grep -v RAY_USAGE_STATS_ENABLED "$TEST_TMP/sys.orig")
}
t "--system keeps the file's other lines; the admin's =1 is replaced by disable, kept by enable" case_system_keep

# system_remove_case LINE: enable --system removes the opt-out written as LINE.
system_remove_case() {
        fresh
        printf 'A=1\n%s\nB=2\n' "$1" >"$SYSCONF"
        expect 1 "disabled" check
        expect 0 "" enable --system
        need "opt-out '$1' removed, the rest kept" cmp -s "$SYSCONF" <(printf 'A=1\nB=2\n')
        expect 0 "" check
}
t 'enable --system removes export RAY_USAGE_STATS_ENABLED="0"' system_remove_case 'export RAY_USAGE_STATS_ENABLED="0"'
t "enable --system removes RAY_USAGE_STATS_ENABLED='0'" system_remove_case "RAY_USAGE_STATS_ENABLED='0'"

case_system_not_root() {
        fresh
        mkdir -p "$TEST_TMP/etc-ro"
        chmod 0755 "$TEST_TMP/etc-ro"
        export RAY_USAGE_STATS_SYSTEM_CONFIG=$TEST_TMP/etc-ro/ray-usage-stats
        rus_as nobody disable --system
        need "exit 1, not $RC" [ "$RC" -eq 1 ]
        need "the message says it needs root" grep -qiE "root|sudo" "$T_ERR"
        need "nothing written" [ ! -e "$RAY_USAGE_STATS_SYSTEM_CONFIG" ]
}
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
        t "disable --system without the right to write the file: exit 1, says it needs root" case_system_not_root
else
        t_skip "disable --system without the right to write the file" "needs root and the user nobody"
fi

# --- status ---------------------------------------------------------------------------

STATUS_KEYS='["decision", "decided_by", "config_path", "session_dir", "session_id", "endpoint", "seq_number",
"total_success", "total_failed", "last_report", "next_run"]'

# everything pointed at the head, so that any connection shows.
everything_at_head() {
        use_head main
        export RAY_USAGE_STATS_CLOUD_PROBE=1
        export RAY_USAGE_STATS_AZURE_METADATA_URL=$FAKE_HEAD_URL/metadata/instance
        export RAY_USAGE_STATS_GCP_METADATA_URL=$FAKE_HEAD_URL/computeMetadata/v1
        export RAY_USAGE_STATS_AWS_METADATA_URL=$FAKE_HEAD_URL/latest/meta-data/
}

case_status_before() {
        fresh
        everything_at_head
        expect 0 "" status --json
        cp "$T_OUT" "$TEST_TMP/status.json"
        need "status makes no connection" [ "$(record_lines)" -eq 0 ]
        pycheck "
for k in $STATUS_KEYS:
    check(k in J0, 'status --json has ' + k)
eq(J0['decision'], 'enabled', 'decision')
eq(J0['decided_by'], 'default', 'decided_by')
eq(J0['config_path'], '$CONFIG', 'config_path')
eq(J0['session_dir'], '$SESSION', 'session_dir')
eq(J0['session_id'], None, 'session_id before the first report')
eq(J0['endpoint'], '$FAKE_HEAD_URL/report', 'endpoint')
eq(J0['last_report'], None, 'last_report before the first report')
check(J0['next_run'] is None or isinstance(J0['next_run'], int), 'next_run null or ms')
eq(T[0].count(chr(10)), 1, 'one line')
" "$TEST_TMP/status.json"
}
t "status --json before any report: every key, session_id and last_report null, no connection" \
        case_status_before

# Outside systemd (the tests hide it), status and check say so in one line and
# decide under this process's environment, naming the file a setting comes
# from; --json keeps every key and adds where each came from.
case_status_sources() {
        fresh
        use_head main
        echo 'RAY_USAGE_STATS_ENABLED=0' >"$SYSCONF"
        expect 0 "" status
        cp "$T_OUT" "$TEST_TMP/status.txt"
        need "one line says systemd is not used" \
                [ "$(grep -c "^Settings:      this command's own environment (no systemd on this machine)$" "$TEST_TMP/status.txt")" -eq 1 ]
        need "the deciding setting is named with its file" \
                grep -qxF "Set by:        RAY_USAGE_STATS_ENABLED=0 in $SYSCONF" "$TEST_TMP/status.txt"
        need "the endpoint is named with where it comes from" \
                grep -qxF "Endpoint:      $FAKE_HEAD_URL/report (RAY_USAGE_STATS_REPORT_URL in the environment)" "$TEST_TMP/status.txt"
        expect 1 "set by RAY_USAGE_STATS_ENABLED=0 in $SYSCONF" check
        need "check says in one line that systemd is not used" [ "$(grep -c "Settings: " "$T_ERR")" -eq 1 ]
        expect 0 "" status --json
        pycheck "
for k in $STATUS_KEYS:
    check(k in J0, 'status --json has ' + k)
eq(J0['decision'], 'disabled', 'decision')
eq(J0['decided_by_source'], '$SYSCONF', 'decided_by_source')
eq(J0['decided_by_setting'], 'RAY_USAGE_STATS_ENABLED=0 in $SYSCONF', 'decided_by_setting')
eq(J0['endpoint_source'], 'the environment', 'endpoint_source')
eq(J0['settings_unit'], None, 'settings_unit without systemd')
" "$T_OUT"
}
t "status and check without systemd: one line says so; the deciding setting's file and the endpoint's source" \
        case_status_sources

case_status_after() {
        fresh
        everything_at_head
        export RAY_USAGE_STATS_CLOUD_PROBE=0
        rus report
        need "report exits 0" [ "$RC" -eq 0 ]
        : >"$FAKE_HEAD_RECORD"
        export RAY_USAGE_STATS_CLOUD_PROBE=1
        if have_strace; then rus_traced status --json; else rus status --json; fi
        need "exit 0" [ "$RC" -eq 0 ]
        need "status makes no connection" [ "$(record_lines)" -eq 0 ]
        if have_strace; then
                need "no IPv4/IPv6 connect(): $(inet_connects | head -2)" [ -z "$(inet_connects)" ]
        fi
        pycheck "
for k in $STATUS_KEYS:
    check(k in J0, 'status --json has ' + k)
eq(J0['session_id'], '3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718', 'session_id')
eq((J0['seq_number'], J0['total_success'], J0['total_failed']), (1, 1, 0), 'counters')
eq(sorted(J0['last_report']), ['error', 'success', 'time_ms'], 'last_report keys')
eq(J0['last_report']['success'], True, 'last_report.success')
eq(J0['last_report']['error'], None, 'last_report.error')
check(isinstance(J0['last_report']['time_ms'], int) and J0['last_report']['time_ms'] > 1.7e12, 'time_ms')
" "$T_OUT"
        rus status
        need "human status exits 0" [ "$RC" -eq 0 ]
        need "human status names the config path" grep -qF "$CONFIG" "$T_OUT"
        need "human status names the endpoint" grep -qF "$FAKE_HEAD_URL/report" "$T_OUT"
        need "human status names the session" grep -qF "$SESSION" "$T_OUT"
        need "human status shows the counters" grep -q "seq_number 1" "$T_OUT"
}
t "status --json after a report: counters, session_id, last_report; no connection (human form too)" \
        case_status_after

case_status_states() {
        fresh
        everything_at_head
        RAY_USAGE_STATS_ENABLED=0 rus status --json
        need "exit 0" [ "$RC" -eq 0 ]
        pycheck 'eq((J0["decision"], J0["decided_by"]), ("disabled", "env"), "decision")' "$T_OUT"
        DO_NOT_TRACK=1 rus status --json
        pycheck 'eq((J0["decision"], J0["decided_by"]), ("disabled", "do-not-track"), "decision")' "$T_OUT"
        RAY_USAGE_STATS_ENABLED=xxx rus status --json
        need "exit 0 even for an invalid setting" [ "$RC" -eq 0 ]
        pycheck 'check(J0["decision"] != "enabled", "not enabled"); check("xxx" in json.dumps(J0), "the value is shown")' \
                "$T_OUT"
        stop_gcs # "ray stop"
        RAY_TMPDIR=$TEST_TMP/none rus status --json
        pycheck '
eq(J0["session_dir"], None, "session_dir without a session")
eq(J0["session_id"], None, "session_id without a session")
' "$T_OUT"
        need "no connection" [ "$(record_lines)" -eq 0 ]
}
t "status --json when disabled, invalid, or without a session: exit 0, the right values" case_status_states

# --- record-library -------------------------------------------------------------------------

case_record_valid() {
        fresh
        use_head main
        local n64
        n64=$(printf 'a%.0s' $(seq 64))
        expect 0 "" record-library my-lib_1.0
        expect 0 "" record-library "$n64"
        need "the marker of NAME" [ -f "$SESSION/_ray_lib_usage-my-lib_1.0.txt" ]
        rus report
        post_body -1 "$TEST_TMP/body.json"
        pycheck "eq(J0['library_usages'], ['$n64', 'my-lib_1.0'], 'library_usages')" "$TEST_TMP/body.json"
}
t "record-library NAME (64 characters at most): shows up in the next report's library_usages" case_record_valid

case_record_invalid() {
        fresh
        local n65 name
        n65=$(printf 'a%.0s' $(seq 65))
        for name in '../x' '' "$n65" 'a/b' 'a b' '.' '..' 'é' 'x;y' '-'; do
                [ "$name" = - ] && continue
                rus record-library "$name"
                need "record-library '$name' exits >= 3 (not $RC)" [ "$RC" -ge 3 -a "$RC" -lt 128 ]
                need "record-library '$name' says the name is invalid" grep -qi "invalid library name" "$T_ERR"
        done
        need "no marker written" [ -z "$(find "$RUS_RAY_DIR" "$TEST_TMP" -name '_ray_lib_usage-*' -print -quit)" ]
        need "nothing outside the session" [ ! -e "$RUS_RAY_DIR/_ray_lib_usage-x.txt" -a ! -e "$SESSION/x.txt" ]
}
t "record-library with an invalid name ('../x', '', 65 characters, ...): exit >= 3, nothing written" \
        case_record_invalid

case_record_states() {
        fresh
        RAY_USAGE_STATS_ENABLED=0 rus record-library core
        need "disabled: exit 1" [ "$RC" -eq 1 ]
        need "disabled: no marker" [ ! -e "$SESSION/_ray_lib_usage-core.txt" ]
        stop_gcs # "ray stop"
        RAY_TMPDIR=$TEST_TMP/none rus record-library core
        need "no session: exit 2" [ "$RC" -eq 2 ]
        start_gcs "$SESSION"
        RAY_USAGE_STATS_ENABLED=xxx rus record-library core
        need "invalid setting: exit 255" [ "$RC" -eq 255 ]
        need "no marker" [ ! -e "$SESSION/_ray_lib_usage-core.txt" ]
        expect 0 "" record-library core
        expect 0 "" record-library core
        need "recording twice is fine" [ -f "$SESSION/_ray_lib_usage-core.txt" ]
}
t "record-library: disabled 1 (no file), no session 2, invalid setting 255, idempotent" case_record_states

# --- prompt ---------------------------------------------------------------------------------

case_prompt_noninteractive() {
        fresh
        expect 0 "enabled by default" prompt
        need "mentions how to disable" grep -qi "disable" "$T_OUT"
        need "nothing saved" [ ! -e "$CONFIG" ]
        RAY_USAGE_STATS_ENABLED=0 rus prompt
        need "explicit decision: exit 0" [ "$RC" -eq 0 ]
        need "nothing saved" [ ! -e "$CONFIG" ]
        RAY_USAGE_STATS_PROMPT_ENABLED=xyz rus prompt
        need "a bad RAY_USAGE_STATS_PROMPT_ENABLED is an invalid setting: 255, not $RC" [ "$RC" -eq 255 ]
}
t "prompt without a terminal: the enabled-by-default notice, nothing saved" case_prompt_noninteractive

t_end
