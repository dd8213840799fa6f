# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced first by the tests that run as root with real local users, before
# report-lib.sh (whose temporary directory would not survive the exec):
#
#     . "$(dirname "$0")/netns-lib.sh"
#     rus_private_netns [DIR...]
#     . "$(dirname "$0")/report-lib.sh"
#     rus_need_root_users
#
# rus_private_netns re-executes the script, once, in a private network
# namespace with only a loopback interface (so that even a wrong binary cannot
# send a packet anywhere, and the default dashboard port 8265 is free) and,
# when DIRs are given, a private mount namespace with a tmpfs over each DIR.
# Without root or unshare it returns and the script runs as it is;
# RUS_IN_NETNS says which happened.

rus_private_netns() {
        local mount=()
        [ $# -gt 0 ] && mount=(--mount)
        if [ "$(id -u)" = 0 ] && [ -z "${RUS_IN_NETNS:-}" ] && command -v unshare >/dev/null &&
                command -v ip >/dev/null && unshare --net "${mount[@]}" true 2>/dev/null; then
                export RUS_IN_NETNS=1 RUS_NETNS_TMPFS="$*"
                exec unshare --net "${mount[@]}" -- /bin/bash -c \
                        'ip link set lo up || exit 1
                         for d in $RUS_NETNS_TMPFS; do mount -t tmpfs -o mode=0700 tmpfs "$d" || exit 1; done
                         exec /bin/bash "$0" "$@"' "$0" "${RUS_SCRIPT_ARGS[@]}"
        fi
}
