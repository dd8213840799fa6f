# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced first (before lib.sh) by a test that, run as root, wants a private
# network namespace with only a loopback interface: there the default
# dashboard port 8265 is free for a fake head, other addresses can be added
# to lo, and nothing can reach another machine. Re-executes the script once
# inside one and sets RUS_IN_NETNS=1; elsewhere (not root, no unshare or ip)
# the script goes on as it is and RUS_IN_NETNS stays unset.
if [ "$(id -u)" = 0 ] && [ -z "${RUS_IN_NETNS:-}" ] && command -v unshare >/dev/null &&
        command -v ip >/dev/null && unshare --net true 2>/dev/null; then
        export RUS_IN_NETNS=1
        exec unshare --net -- /bin/bash -c 'ip link set lo up && exec /bin/bash "$0" "$@"' "$0" "$@"
fi
