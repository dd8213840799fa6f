#!/bin/bash
# SPDX-License-Identifier: MIT
# The last test of make check: nothing the tests made is left on the machine.
# Everything they make carries this run's RUS_CHECK_ID (set by make check,
# see tests/lib.sh): users by their comment, processes by their environment
# (containers and their mounts included: systemd-nspawn inherits it), temporary
# directories and mounts by their path. Any of them still here fails the run,
# named, with what to do.
set -u

id=${RUS_CHECK_ID:-}
[ -n "$id" ] || { echo "SKIP: ${0##*/}: RUS_CHECK_ID is not set (run through make check)" >&2; exit 77; }
tmp=${TMPDIR:-/tmp}
found=0

left() {
        echo "FAIL: ${0##*/}: left behind by a test: $*" >&2
        found=1
}

# Users (add_user in tests/report-lib.sh).
while IFS=: read -r name _ uid _ gecos _; do
        [ "$gecos" = "ray-usage-stats test $id" ] && left "user $name (uid $uid): userdel -r $name"
done < <(getent passwd)

# Processes: this script and the shells that run it carry the id too.
ancestors=" $$ "
p=$$
while [ "$p" -gt 1 ]; do
        p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || break
        [ -n "$p" ] || break
        ancestors+="$p "
done
for env in /proc/[0-9]*/environ; do
        pid=${env#/proc/}
        pid=${pid%/environ}
        case $ancestors in *" $pid "*) continue ;; esac
        if { tr '\0' '\n' <"$env" | grep -qxF "RUS_CHECK_ID=$id" ||
                tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "rus-test.$id."; } 2>/dev/null; then
                # Gone since the listing: not a leftover.
                [ -d "/proc/$pid" ] || continue
                left "process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)): $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
        fi
done

# Mounts, in this mount namespace.
while read -r _ _ _ _ point _; do
        case $point in *"/rus-test.$id."*) left "mount $point: umount $point" ;; esac
done </proc/self/mountinfo

# Temporary directories (lib.sh removes its own at exit).
for d in "$tmp/rus-test.$id."*; do
        [ -e "$d" ] && left "directory $d: rm -rf $d"
done

[ "$found" -eq 0 ] || exit 1
echo "${0##*/}: nothing left behind (users, processes, containers, mounts, temporary directories)" >&2
exit 0
