#!/bin/sh
# SPDX-License-Identifier: MIT
# The manual pages must be clean under "mandoc -T lint -W warning": any
# message fails. Skips (77) when mandoc is not installed.
srcdir=${RUS_SRCDIR:-$(dirname "$0")/..}
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc not found"; exit 77; }

fail=0
for page in ray-usage-stats.8 ray-usage-stats.service.8; do
        out=$(mandoc -T lint -W warning "$srcdir/man/$page" 2>&1)
        if [ -n "$out" ]; then
                printf 'FAIL: %s\n%s\n' "$page" "$out"
                fail=1
        else
                echo "PASS: $page"
        fi
done
exit $fail
