#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 9, attack 5: "HOME=/home/mallory ray-usage-stats disable" run as root
# (sudo -E, or sudoers env_keep) followed mallory's ~/.ray/config.json, a link
# to a root-owned 0600 file elsewhere, and rewrote that file. Settings
# commands run as root must take the home from passwd, never follow a link at
# the config path, and never replace a file the invoking user does not own.
#
# Needs root (useradd, setpriv). Runs in private network and mount
# namespaces, with a tmpfs over root's passwd home, so that the root's own
# config this test makes is thrown away with the namespace.

ROOT_HOME=$(getent passwd 0 | cut -d: -f6)
RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
[ -d "$ROOT_HOME" ] && rus_private_netns "$ROOT_HOME"
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users
[ -n "${RUS_IN_NETNS:-}" ] || skip "needs private mount and network namespaces (unshare) to keep root's home untouched"

EVIL=$(unique_user rus-evil-)
add_user "$EVIL" "$TEST_TMP/evilhome"
mkdir -p "$TEST_TMP/evilhome"
chown "$EVIL:" "$TEST_TMP/evilhome"

# The victim: a root-owned 0600 JSON file outside root's home.
VICTIM=$TEST_TMP/victim.json
make_victim() {
        printf '{"secret": 1}' >"$VICTIM"
        chmod 0600 "$VICTIM"
        touch -d '2020-01-01 00:00:00' "$VICTIM"
        VICTIM_STAT=$(stat -c '%s %Y %U %a' "$VICTIM")
}
make_victim

victim_untouched() {
        need "the victim file is untouched" [ "$(stat -c '%s %Y %U %a' "$VICTIM")" = "$VICTIM_STAT" ]
        need "the victim's content is untouched" [ "$(cat "$VICTIM")" = '{"secret": 1}' ]
}

# What changed outside root's home during a run: every file and link under
# $TEST_TMP (but the test's own output) with its size, mtime, owner and mode.
mkdir -p "$TEST_TMP/snap"
snapshot() {
        find "$TEST_TMP" \( -path "$TEST_TMP/snap" -o -path "$TEST_TMP/run.*" \) -prune -o ! -type d \
                -printf '%p %s %T@ %u %m\n' 2>/dev/null | sort
}

root_config=$ROOT_HOME/.ray/config.json

setup_evil_link() {
        make_victim
        rm -rf "$TEST_TMP/evilhome/.ray" "$ROOT_HOME/.ray"
        as_user "$EVIL" mkdir -p "$TEST_TMP/evilhome/.ray"
        as_user "$EVIL" ln -s "$VICTIM" "$TEST_TMP/evilhome/.ray/config.json"
        unset RAY_USAGE_STATS_CONFIG_PATH
        export HOME=$TEST_TMP/evilhome
}

settings_case() { # COMMAND EXPECTED-JSON
        setup_evil_link
        snapshot >"$TEST_TMP/snap/before"
        rus "$1"
        snapshot >"$TEST_TMP/snap/after"
        need "exit 0" [ "$RC" -eq 0 ]
        victim_untouched
        need "no file outside root's home changed: $(diff "$TEST_TMP/snap/before" "$TEST_TMP/snap/after" | head -4)" \
                cmp -s "$TEST_TMP/snap/before" "$TEST_TMP/snap/after"
        need "the link in the other user's home is still there" [ -L "$TEST_TMP/evilhome/.ray/config.json" ]
        need "root's own config (passwd home) says so" [ "$(cat "$root_config" 2>/dev/null)" = "$2" ]
}
t "HOME=<other user's home> disable as root: writes root's own config, follows no link, victim untouched" \
        settings_case disable '{"usage_stats": false}'
t "HOME=<other user's home> enable as root: the same" settings_case enable '{"usage_stats": true}'

case_prompt() {
        setup_evil_link
        snapshot >"$TEST_TMP/snap/before"
        rus prompt
        snapshot >"$TEST_TMP/snap/after"
        need "exit 0" [ "$RC" -eq 0 ]
        victim_untouched
        need "no file outside root's home changed" cmp -s "$TEST_TMP/snap/before" "$TEST_TMP/snap/after"
}
t "HOME=<other user's home> prompt as root (non-interactive): nothing written anywhere" case_prompt

case_env_path_link() {
        make_victim
        rm -rf "$TEST_TMP/evilhome/.ray"
        as_user "$EVIL" mkdir -p "$TEST_TMP/evilhome/.ray"
        as_user "$EVIL" ln -s "$VICTIM" "$TEST_TMP/evilhome/.ray/config.json"
        export RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/evilhome/.ray/config.json
        rus disable
        need "exit 1" [ "$RC" -eq 1 ]
        need "one line on stderr saying why" [ "$(wc -l <"$T_ERR")" -eq 1 ]
        # Root refuses at the first component that is not its own (issue 17),
        # before the link.
        need "it says the path is another user's" grep -q "belongs to another user" "$T_ERR"
        victim_untouched
}
t "RAY_USAGE_STATS_CONFIG_PATH naming a link, as root: refused, one line why, victim untouched" case_env_path_link

case_env_path_foreign_file() {
        rm -rf "$TEST_TMP/evilhome/.ray"
        as_user "$EVIL" mkdir -p "$TEST_TMP/evilhome/.ray"
        as_user "$EVIL" sh -c 'printf "{\"mine\": 1}" >"$1"' sh "$TEST_TMP/evilhome/.ray/config.json"
        export RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/evilhome/.ray/config.json
        rus disable
        need "exit 1" [ "$RC" -eq 1 ]
        need "one line on stderr saying why" [ "$(wc -l <"$T_ERR")" -eq 1 ]
        need "it says the file is another user's" grep -q "belongs to another user" "$T_ERR"
        need "the other user's file is untouched" [ "$(cat "$RAY_USAGE_STATS_CONFIG_PATH")" = '{"mine": 1}' ]
        need "and still theirs" [ "$(stat -c %U "$RAY_USAGE_STATS_CONFIG_PATH")" = "$EVIL" ]
}
t "RAY_USAGE_STATS_CONFIG_PATH naming another user's file, as root: refused, one line why" \
        case_env_path_foreign_file

case_own_home_as_user() {
        rm -rf "$TEST_TMP/evilhome/.ray"
        unset RAY_USAGE_STATS_CONFIG_PATH
        export HOME=$TEST_TMP/evilhome
        rus_as "$EVIL" disable
        need "exit 0" [ "$RC" -eq 0 ]
        need "a user's own disable still writes their own config" \
                [ "$(cat "$TEST_TMP/evilhome/.ray/config.json")" = '{"usage_stats": false}' ]
        need "owned by them" [ "$(stat -c %U "$TEST_TMP/evilhome/.ray/config.json")" = "$EVIL" ]
}
t "control: a user's own disable writes their own ~/.ray/config.json" case_own_home_as_user

t_end
