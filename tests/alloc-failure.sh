#!/bin/bash
# SPDX-License-Identifier: MIT
# Out of memory anywhere in a run (HACKING.md, "Errors"): an allocation that
# fails ends the run cleanly, never with a crash, and an exit status of 3 or
# more always comes with a line on stderr and the same line in the journal.
# tests/faultinject.c makes the NTH allocation of the run fail, for NTH spread
# over every allocation a clean `report` makes (in-process worker: the session
# is root's, so the collection's allocations are counted too). json-c's own
# allocations are spared: its parser crashes on a failed one (faultinject.c).
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

cc=${CC:-cc}
command -v "$cc" >/dev/null || skip "no C compiler for the fault injection shim"
# ASan replaces malloc itself: the shim's would never be called.
ldd "$RUS_BINARY" 2>/dev/null | grep -q 'libasan' && skip "the binary is built with ASan, which owns malloc"
"$cc" -shared -fPIC -O1 -DRUS_FAULT_MALLOC -o "$TEST_TMP/faultinject.so" "$TESTS_DIR/faultinject.c" -ldl ||
        fail "cannot build the fault injection shim"

start_head main
make_session "$RUS_RAY_DIR" >/dev/null

# rus_failing NTH ARGS...: rus ARGS... with the NTH allocation failing.
rus_failing() {
        local nth=$1
        shift
        rm -f "$TEST_TMP/faults"
        RUS_WRAP=(env "LD_PRELOAD=$TEST_TMP/faultinject.so" "RUS_FAULT=malloc:ENOMEM:$nth"
                  "RUS_FAULT_LOG=$TEST_TMP/faults" RUS_FAULT_SPARE=libjson-c)
        rus "$@"
        RUS_WRAP=()
}

# The journal's MESSAGE of every PRIORITY=3 entry without a MESSAGE_ID.
journal_error_lines() {
        journalctl --file="$1" -o json PRIORITY=3 |
                python3 -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if "MESSAGE_ID" not in e:
        print(e["MESSAGE"])'
}

case_every_allocation() {
        local total step nth failures=0 line
        fresh
        use_head main
        start_capture head-a
        rus_failing 2147483647 report
        need "a run without a fault exits 0" [ "$RC" -eq 0 ]
        total=$(sed -n 's/^allocations //p' "$TEST_TMP/faults")
        need "the shim counted the run's allocations" [ "${total:-0}" -gt 100 ]

        # About 60 runs: every allocation near the start, then spread evenly.
        step=$((total / 50 + 1))
        : >"$TEST_TMP/expected"
        for nth in $(seq 1 10) $(seq 11 "$step" "$total"); do
                rus_failing "$nth" report
                # (A run's count varies a little: the first half is reached by every run.)
                [ "$nth" -gt $((total / 2)) ] ||
                        need "allocation $nth of $total: the fault was injected" grep -q '^malloc:ENOMEM' "$TEST_TMP/faults"
                [ "$RC" -ge 3 ] || continue
                failures=$((failures + 1))
                line=$(grep '^ray-usage-stats: ' "$T_ERR" | tail -n 1)
                need "allocation $nth of $total: exit $RC with a line on stderr" [ -n "$line" ]
                printf '%s\n' "${line#ray-usage-stats: }" >>"$TEST_TMP/expected"
        done
        need "some failed allocation ends the run with exit 3 (else this test cannot fail)" [ "$failures" -gt 0 ]

        capture_journal "$TEST_TMP/oom.journal"
        journal_error_lines "$TEST_TMP/oom.journal" >"$TEST_TMP/journaled"
        while IFS= read -r line; do
                need "the journal has the line: $line" grep -qxF -- "$line" "$TEST_TMP/journaled"
        done <"$TEST_TMP/expected"
        info "$failures of the runs with one failed allocation (of $total) ended with exit 3, each with its line"
}
t "a failed allocation anywhere: no crash, and exit 3 always with one line on stderr and in the journal" \
        case_every_allocation

t_end
