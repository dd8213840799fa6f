#!/bin/bash
# SPDX-License-Identifier: MIT
# Includes flow one way: every `#include "module/..."` in src/ must be allowed
# by the table "Modules and their includes" in HACKING.md, which this reads.
# A unit test (test-*.c) may also include another module's test helpers
# (test-*.h). Prints each include that breaks the table; exit 1 if any.
set -euo pipefail
srcdir=${RUS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

declare -A allowed=()
while IFS='|' read -r _ module deps _; do
        module=${module//[\` ]/}
        allowed[$module]=" $(tr -d '`' <<<"$deps" | xargs) "
done < <(sed -n '/^## Modules and their includes/,/^## /{/^| `/p}' "$srcdir/HACKING.md")
if [ ${#allowed[@]} -eq 0 ]; then
        echo "check-includes: no table 'Modules and their includes' in HACKING.md" >&2
        exit 1
fi

bad=0 checked=0
for dir in "$srcdir"/src/*/; do
        module=$(basename "$dir")
        if [ -z "${allowed[$module]+set}" ]; then
                echo "src/$module: not in the table of HACKING.md"
                bad=$((bad + 1))
                continue
        fi
        while IFS=: read -r file line target; do
                checked=$((checked + 1))
                used=${target%%/*}
                [ "$used" = "$module" ] && continue
                [[ ${allowed[$module]} == *" * "* || ${allowed[$module]} == *" $used "* ]] && continue
                [[ $(basename "$file") == test-*.c && $(basename "$target") == test-*.h ]] && continue
                echo "${file#"$srcdir"/}:$line: includes $target, but $module may include only:${allowed[$module]}"
                bad=$((bad + 1))
        done < <(grep -HnoE '^#include "[a-z0-9_-]+/[^"]+"' "$dir"*.[ch] | sed 's/#include "\(.*\)"$/\1/')
done

echo "check-includes: $checked includes of $((${#allowed[@]})) modules checked, $bad against the table"
[ "$bad" -eq 0 ]
