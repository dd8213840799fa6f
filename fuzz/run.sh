#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds every libFuzzer target (fuzz/build.sh) and runs each one for SECONDS
# (default 60) from a copy of its seed corpus fuzz/corpus/<target>/, so the
# source tree is never written. Any crash, leak, UBSan report, timeout (10 s
# for one input) or failed property fails the target; its reproducer is kept
# in $FUZZ_ARTIFACTS (default ./fuzz-artifacts). Ends with "N passed, N failed"
# and exits 1 when a target failed.
#
#     fuzz/run.sh [SECONDS] [TARGET...]     TARGET: config, dashboard, ... (default: all)
#
# Environment: FUZZ_BUILD_DIR (kept between runs; default a temporary one),
# FUZZ_JOBS (targets run at once, default 1), FUZZ_ARTIFACTS, CC_FUZZ.
# Reproduce a failure with: <build dir>/fuzz-<target> <artifact>
set -uo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
case $seconds in
''|*[!0-9]*) echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/rus-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
build=${FUZZ_BUILD_DIR:-$work/build}
artifacts=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
jobs=${FUZZ_JOBS:-1}

echo "fuzz: building the targets with ${CC_FUZZ:-clang} in $build"
"$srcdir/fuzz/build.sh" "$build" >"$work/build.log" 2>&1
status=$?
if [ $status -ne 0 ]; then
        cat "$work/build.log" >&2
        [ $status -eq 77 ] && { echo "fuzz: SKIP: no fuzzing toolchain"; exit 77; }
        echo "fuzz: build failed"
        exit 1
fi
grep -i 'warning' "$work/build.log" >&2

if [ $# -gt 0 ]; then
        targets=("$@")
else
        targets=()
        for f in "$srcdir"/fuzz/fuzz-*.c; do
                f=${f##*/fuzz-}
                targets+=("${f%.c}")
        done
fi

# Runs one target; its summary line goes to $work/<target>.result.
run_one() {
        local t=$1 bin=$build/fuzz-$1 corpus=$work/corpus-$1 log=$work/$1.log dict=() rc
        local runs cov ft rate units

        mkdir -p "$corpus" "$work/artifacts-$t"
        [ -d "$srcdir/fuzz/corpus/$t" ] && cp "$srcdir/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
        [ -f "$srcdir/fuzz/$t.dict" ] && dict=(-dict="$srcdir/fuzz/$t.dict")
        if [ ! -x "$bin" ]; then
                echo "FAIL $t: no such target" >"$work/$t.result"
                return
        fi

        # -close_fd_mask=2 discards the targets' own (debug) logging, not libFuzzer's or the sanitizers' reports.
        FUZZ_SCRATCH=$work timeout -k 10 $((seconds + 120)) "$bin" "${dict[@]}" \
                -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                -close_fd_mask=2 -artifact_prefix="$work/artifacts-$t/" "$corpus" >"$log" 2>&1
        rc=$?

        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1)
        units=$(find "$corpus" -type f | wc -l)

        if [ $rc -eq 0 ] && ! grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' "$log"; then
                echo "PASS $t: ${runs:-?} runs in ${seconds} s (${rate:-?}/s), ${cov:-cov: ?} ${ft:-ft: ?}, corpus $units" \
                        >"$work/$t.result"
                return
        fi

        mkdir -p "$artifacts"
        cp "$work/artifacts-$t"/* "$artifacts"/ 2>/dev/null
        cp "$log" "$artifacts/fuzz-$t.log"
        {
                echo "FAIL $t: exit status $rc after ${runs:-?} runs; log and reproducer in $artifacts"
                grep -E -m 12 -e 'ERROR: |SUMMARY: |runtime error:|property failed| in [^ ]+ /[^ ]*/(fuzz|src)/' "$log" |
                        sed 's/^/    /'
                for a in "$work/artifacts-$t"/*; do
                        [ -f "$a" ] && echo "    reproduce: $bin $artifacts/${a##*/}"
                done
        } >"$work/$t.result"
}

running=0
for t in "${targets[@]}"; do
        run_one "$t" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
                wait -n
                running=$((running - 1))
        fi
done
wait

passed=0
failed=0
for t in "${targets[@]}"; do
        cat "$work/$t.result"
        case $(head -c 4 "$work/$t.result") in
        PASS) passed=$((passed + 1)) ;;
        *) failed=$((failed + 1)) ;;
        esac
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
