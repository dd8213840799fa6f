#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 17, weakness 3: root's settings commands wrote through a path that
# someone else chose. `sudo` may keep the environment, so another user sets
# RAY_USAGE_STATS_CONFIG_PATH for root's `disable`/`enable`:
#   - naming a root-owned file directly replaced it ("owned by the caller"
#     holds for every root file): a 0600 file became {"usage_stats": false};
#   - a link to a directory in the middle of the path made root create
#     directories and files anywhere;
#   - only a link as the last component was refused.
# As root, the path is walked from "/" without following any link, every
# directory on it must be root's and writable by nobody else (or sticky), and
# an existing file must be a JSON config; else one line says why and nothing
# changes.
#
# Needs root (useradd, setpriv).
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users

rus_two_users

# Root's files, standing in for /etc: a 0600 secret that is not JSON, and a
# directory that a link may point into.
ROOTDIR=$TEST_TMP/rootdir
mkdir -p "$ROOTDIR/etc"
chmod 0755 "$ROOTDIR" "$ROOTDIR/etc"

snapshot() {
        find "$ROOTDIR" -printf '%p %s %T@ %u %m\n' | sort
}

refused() { # WHY-REGEX: exit 1, one line saying WHY, nothing in $ROOTDIR changed
        need "exit 1, not $RC" [ "$RC" -eq 1 ]
        need "one line on stderr" [ "$(wc -l <"$T_ERR")" -eq 1 ]
        need "it says why" grep -qE "$1" "$T_ERR"
        need "nothing changed under root's directory: $(diff "$TEST_TMP/before" <(snapshot) | head -4)" \
                cmp -s "$TEST_TMP/before" <(snapshot)
}

case_root_file() {
        printf 'root:secret\n' >"$ROOTDIR/etc/shadow-like"
        chmod 0600 "$ROOTDIR/etc/shadow-like"
        snapshot >"$TEST_TMP/before"
        RAY_USAGE_STATS_CONFIG_PATH=$ROOTDIR/etc/shadow-like rus disable
        refused "is not a JSON config"
        need "the file still holds its secret" grep -qx 'root:secret' "$ROOTDIR/etc/shadow-like"
}
t "RAY_USAGE_STATS_CONFIG_PATH naming a root-owned file that is not a config: refused, file untouched" \
        case_root_file

case_link_in_the_middle() {
        # Another user's link in sticky /tmp-like space, to root's directory.
        mkdir -p "$TEST_TMP/sticky"
        chmod 1777 "$TEST_TMP/sticky"
        as_user "$EVIL" ln -s "$ROOTDIR/etc" "$TEST_TMP/sticky/link"
        snapshot >"$TEST_TMP/before"
        RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/sticky/link/cron.d/config.json rus disable
        refused "symbolic link"
        need "no directory was created behind the link" [ ! -e "$ROOTDIR/etc/cron.d" ]
        # The same with a link that root made: no link at all is followed.
        mkdir -p "$TEST_TMP/rootonly"
        ln -s "$ROOTDIR/etc" "$TEST_TMP/rootonly/link"
        RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/rootonly/link/x/config.json rus enable
        refused "symbolic link"
}
t "a link to a directory in the middle of the path: refused, nothing created behind it" case_link_in_the_middle

case_foreign_dirs() {
        mkdir -p "$TEST_TMP/evil-dir" "$TEST_TMP/open-dir"
        chown "$EVIL:" "$TEST_TMP/evil-dir"
        chmod 0777 "$TEST_TMP/open-dir"
        snapshot >"$TEST_TMP/before"
        RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/evil-dir/config.json rus disable
        refused "belongs to another user"
        need "nothing written into the other user's directory" [ -z "$(ls -A "$TEST_TMP/evil-dir")" ]
        RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/open-dir/sub/config.json rus disable
        refused "may be written by users other than root"
        need "nothing created in the directory anyone may write" [ -z "$(ls -A "$TEST_TMP/open-dir")" ]
        RAY_USAGE_STATS_CONFIG_PATH=relative/config.json rus disable
        refused "not an absolute path"
}
t "a directory of another user, or one anyone may write, on the path: refused" case_foreign_dirs

case_control() {
        mkdir -p "$TEST_TMP/sticky"
        chmod 1777 "$TEST_TMP/sticky"
        RAY_USAGE_STATS_CONFIG_PATH=$TEST_TMP/sticky/root-made/.ray/config.json rus disable
        need "exit 0" [ "$RC" -eq 0 ]
        need "written, parents created by root" \
                [ "$(cat "$TEST_TMP/sticky/root-made/.ray/config.json")" = '{"usage_stats": false}' ]
        need "the new directory is root's" [ "$(stat -c %u "$TEST_TMP/sticky/root-made")" = 0 ]
}
t "control: a path through root's directories (and sticky ones) is written as asked" case_control

t_end
