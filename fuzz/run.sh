#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds every libFuzzer target (fuzz/build.sh), then for each target:
#   1. replays its committed corpus fuzz/corpus/<target>/ (the seeds and every
#      input that ever failed, kept as regress-*): deterministic, must pass;
#   2. explores for SECONDS (default 60; 0 replays only) from a copy of that
#      corpus, so the source tree is never written.
# Any crash, leak, UBSan report, timeout (10 s for one input) or failed
# property fails the target. The failing input is printed in the log, base64
# and C-escaped (up to 4 KiB), so that a find on a machine that is thrown
# away can be reproduced; it is also kept in $FUZZ_ARTIFACTS (default
# ./fuzz-artifacts). Ends with "N passed, N failed" and exits 1 when a
# target failed. docs/robustness.md says what to do with a find.
#
#     fuzz/run.sh [SECONDS] [TARGET...]     TARGET: config, dashboard, ... (default: all)
#
# Environment: FUZZ_BUILD_DIR (kept between runs; default a temporary one),
# FUZZ_JOBS (targets run at once, default 1), FUZZ_ARTIFACTS, CC_FUZZ.
# Reproduce a failure with: <build dir>/fuzz-<target> <input file>
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
        [ $status -eq 77 ] && { echo "SKIP: fuzz: no fuzzing toolchain"; exit 77; }
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

# show_input FILE: the input inline, so that the log alone reproduces it.
show_input() {
        local f=$1 size
        size=$(stat -c %s "$f")
        echo "    input: $size bytes, sha1 $(sha1sum <"$f" | cut -d' ' -f1)$([ "$size" -gt 4096 ] && echo ", first 4096 shown")"
        echo "    base64 (save with: base64 -d >input <<'EOF' ... EOF):"
        head -c 4096 "$f" | base64 -w 76 | sed 's/^/      /'
        echo "    C string:"
        head -c 4096 "$f" | python3 -c '
import sys
esc = {0x22: "\\\"", 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t"}
line = ""
for b in sys.stdin.buffer.read():
    line += esc.get(b) or (chr(b) if 0x20 <= b < 0x7f and b != 0x3f else "\\%03o" % b)
    if len(line) >= 96:
        print("      \"" + line + "\"")
        line = ""
if line:
    print("      \"" + line + "\"")
'
}

# libfuzzer_failed RC LOG: whether a run failed (libFuzzer exits 0 on some sanitizer reports).
libfuzzer_failed() {
        [ "$1" -ne 0 ] || grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' "$2"
}

# report_failure TARGET WHAT RC LOG INPUT...: the FAIL block of a target.
report_failure() {
        local t=$1 what=$2 rc=$3 log=$4 a
        shift 4
        mkdir -p "$artifacts"
        cp "$log" "$artifacts/fuzz-$t.log"
        echo "FAIL $t: $what, exit status $rc; log and input in $artifacts"
        grep -E -m 12 -e 'ERROR: |SUMMARY: |runtime error:|property failed| in [^ ]+ /[^ ]*/(fuzz|src)/' "$log" |
                sed 's/^/    /'
        for a in "$@"; do
                [ -f "$a" ] || continue
                cp "$a" "$artifacts/" 2>/dev/null
                echo "    reproduce: $bin $artifacts/${a##*/}"
                show_input "$a"
        done
}

# replay_one TARGET: each committed input once, in a fixed order. A failure
# here is a regression, not chance, and is the target's result; else
# $work/<target>.seeds holds the number of inputs replayed.
replay_one() {
        local t=$1 bin=$build/fuzz-$1 corpus=$work/corpus-$1 log=$work/$1.log rc seeds failing

        mkdir -p "$corpus" "$work/artifacts-$t"
        [ -d "$srcdir/fuzz/corpus/$t" ] && cp "$srcdir/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
        if [ ! -x "$bin" ]; then
                echo "FAIL $t: no such target" >"$work/$t.result"
                return
        fi
        seeds=$(find "$corpus" -type f | wc -l)
        echo "$seeds" >"$work/$t.seeds"
        [ "$seeds" -gt 0 ] || return

        # libFuzzer names each input before it runs it (xargs may split a long
        # list: the input is the one named last before the report).
        # -close_fd_mask=2 discards the targets' own (debug) logging, not libFuzzer's or the sanitizers' reports.
        find "$corpus" -type f -print0 | sort -z |
                FUZZ_SCRATCH=$work xargs -0 timeout -k 10 600 "$bin" -timeout=10 -rss_limit_mb=2048 \
                -close_fd_mask=2 >"$log" 2>&1
        rc=$?
        libfuzzer_failed $rc "$log" || return
        failing=$(awk '/^Running: /{f = $2} /property failed|ERROR: |runtime error:/{print f; exit}' "$log")
        report_failure "$t" "the committed corpus fails (replay of $seeds inputs; input ${failing##*/})" \
                $rc "$log" "$failing" >"$work/$t.result"
}

# explore_one TARGET: fuzzes for $seconds from the replayed corpus; the target's result.
explore_one() {
        local t=$1 bin=$build/fuzz-$1 corpus=$work/corpus-$1 log=$work/$1.log dict=() rc seeds
        local runs cov ft rate units

        [ -f "$work/$t.result" ] && return
        seeds=$(cat "$work/$t.seeds")
        if [ "$seconds" -eq 0 ]; then
                echo "PASS $t: corpus of $seeds inputs replayed" >"$work/$t.result"
                return
        fi
        [ -f "$srcdir/fuzz/$t.dict" ] && dict=(-dict="$srcdir/fuzz/$t.dict")
        FUZZ_SCRATCH=$work timeout -k 10 $((seconds + 120)) "$bin" "${dict[@]}" \
                -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                -close_fd_mask=2 -artifact_prefix="$work/artifacts-$t/" "$corpus" >"$log" 2>&1
        rc=$?

        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1)
        units=$(find "$corpus" -type f | wc -l)

        if ! libfuzzer_failed $rc "$log"; then
                echo "PASS $t: corpus of $seeds inputs replayed; ${runs:-?} runs in ${seconds} s (${rate:-?}/s)," \
                        "${cov:-cov: ?} ${ft:-ft: ?}, corpus $units" >"$work/$t.result"
                return
        fi
        report_failure "$t" "new find after ${runs:-?} runs of exploration (corpus of $seeds inputs replayed fine)" \
                $rc "$log" "$work/artifacts-$t"/* >"$work/$t.result"
}

# each FUNCTION: FUNCTION TARGET for every target, $jobs at a time.
each() {
        local running=0 t
        for t in "${targets[@]}"; do
                "$1" "$t" &
                running=$((running + 1))
                if [ "$running" -ge "$jobs" ]; then
                        wait -n
                        running=$((running - 1))
                fi
        done
        wait
}

# Every committed corpus first: a deterministic answer before any chance.
each replay_one
replay_failed=$(cat "$work"/*.result 2>/dev/null | grep -c '^FAIL')
echo "fuzz: replayed the committed corpus of ${#targets[@]} targets: $replay_failed failed"
each explore_one

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
