#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the bash completion of ray-usage-stats against a few command lines.
# Skips (77) when bash or bash-completion is not installed.
srcdir=${RUS_SRCDIR:-$(dirname "$0")/..}
bc=/usr/share/bash-completion/bash_completion
command -v bash >/dev/null 2>&1 || { echo "SKIP: bash not found"; exit 77; }
[ -r "$bc" ] || { echo "SKIP: $bc not found (bash-completion)"; exit 77; }

exec bash --norc --noprofile -c '
. "$1"
. "$2"
fail=0
t() {
        local expect=$1; shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _ray_usage_stats ray-usage-stats "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        got=
        [ ${#COMPREPLY[@]} -eq 0 ] || got=$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " ")
        if [ "$got" = "$expect" ]; then
                echo "PASS: $*"
        else
                echo "FAIL: $* -> [$got], expected [$expect]"
                fail=1
        fi
}
t "check " ray-usage-stats ch
t "disable disable-usage-stats " ray-usage-stats disa
t "--help --version " ray-usage-stats --
t "--help --system " ray-usage-stats disable --
t "--help --json " ray-usage-stats status -
t "--help " ray-usage-stats report --
t "" ray-usage-stats record-library ""
t "status " ray-usage-stats --help sta
t "fields " ray-usage-stats fi
t "--help --json " ray-usage-stats fields -
t "--directory --file --help --json --root " ray-usage-stats deletion-request --
t "--session --since " ray-usage-stats history --s
t "" ray-usage-stats history --since ""
exit $fail
' sh "$bc" "$srcdir/completion/ray-usage-stats"
