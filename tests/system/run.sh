#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The system tests: ray-usage-stats under a real systemd. Boots a container
# with systemd-nspawn from an overlay of this machine's root, installs the
# build into it ("make install DESTDIR="), and drives the units with systemctl,
# checking systemd's own state and the journal. The fake Ray head and report
# endpoint runs on the host's 127.0.0.1; nothing leaves the loopback range.
#
# Usage: tests/system/run.sh [BUILDDIR [SCENARIO...]]
#   BUILDDIR   a configured and built tree (default: $RUS_BUILDDIR, else .)
#   SCENARIO   run only these (default: all; see SCENARIOS in scenarios.sh)
# RUS_SYSTEM_KEEP=1 keeps the logs directory (its path is printed);
# RUS_SYSTEM_CGROUPS=host boots with the host's cgroup layout as it is (by
# default the container gets the unified hierarchy, so that systemd enforces
# IPAddressDeny=; on a host without it the tests fall back to this).
#
# Prints "PASS: name" or "FAIL: name" per scenario and ends with the line
# "N passed, N failed". Exit status 0 when all passed, 1 on any failure, 77
# (skipped, reason printed) when this machine cannot boot a container.
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${RUS_SRCDIR:-$(cd "$here/../.." && pwd)}
builddir=$(cd "${1:-${RUS_BUILDDIR:-.}}" && pwd) || exit 1
[ $# -gt 0 ] && shift

# shellcheck source=tests/system/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/system/scenarios.sh
. "$here/scenarios.sh"

skip() {
        echo "SKIP: system tests: $*"
        echo "0 passed, 0 failed"
        exit 77
}

reason=$(sys_unsupported)
[ -z "$reason" ] || skip "$reason"

# Our own mount namespace: the overlay and tmpfs mounts are invisible to the
# rest of the machine and go away with us even if we are killed.
if [ -z "${RUS_SYSTEM_UNSHARED:-}" ]; then
        # In a chroot whose root is no mount point, this is refused.
        why=$(unshare --mount --propagation private -- true 2>&1) ||
                skip "no private mount namespace here (unshare --mount --propagation private: ${why:-refused})"
        RUS_SYSTEM_UNSHARED=1 exec unshare --mount --propagation private -- "$0" "$builddir" "$@"
fi

if [ ! -f "$builddir/Makefile" ]; then
        echo "FAIL: $builddir is not a configured build tree"
        echo "0 passed, 1 failed"
        exit 1
fi

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${SCENARIOS[@]}")
for s in "${selected[@]}"; do
        declare -F "scenario_${s//-/_}" >/dev/null || { echo "unknown scenario '$s' (known: ${SCENARIOS[*]})"; exit 2; }
done

sys_tmp=$(mktemp -d "${TMPDIR:-/tmp}/rus-system.XXXXXX") || exit 1
trap sys_cleanup EXIT
trap 'exit 130' INT TERM
[ -n "${RUS_SYSTEM_KEEP:-}" ] && echo "logs in $sys_tmp"

echo "system tests: build $builddir"
sys_start_head "$srcdir" "$srcdir/tests/fixtures/basic" || { echo "0 passed, 1 failed"; exit 1; }
sys_builddir=$builddir
sys_prepare_root "$builddir" || { echo "FAIL: installing the build into the container tree"; echo "0 passed, 1 failed"; exit 1; }
if ! sys_boot; then
        sys_cleanup
        trap - EXIT
        skip "this machine cannot boot a systemd-nspawn container"
fi
echo "container $sys_machine booted ($sys_cgroups cgroups, systemd pid $sys_init_pid), fake Ray head on 127.0.0.1:$sys_head_port"

if ! setup_out=$(sys_setup_machine 2>&1); then
        echo "FAIL: setting up the container (Ray user $RAY_USER)${setup_out:+: $setup_out}"
        echo "0 passed, 1 failed"
        exit 1
fi

passed=0
failed=0
for s in "${selected[@]}"; do
        sys_reset
        "scenario_${s//-/_}" >"$sys_tmp/scenario.out" 2>&1
        rc=$?
        # Its live heads end with it ("ray stop").
        sys_stop_gcs
        cat "$sys_tmp/scenario.out"
        if [ "$rc" -eq 0 ]; then
                echo "PASS: $s"
                passed=$((passed + 1))
        elif [ "$rc" -eq 77 ]; then
                # The scenario's last line says why.
                echo "SKIP: $s: $(tail -n 1 "$sys_tmp/scenario.out" | sed 's/^ *//')"
        else
                echo "    last lines of the unit's journal:"
                c journalctl -q --no-pager -n 12 -o short-monotonic -u "$UNIT" | sed 's/^/      /'
                echo "FAIL: $s"
                failed=$((failed + 1))
        fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
