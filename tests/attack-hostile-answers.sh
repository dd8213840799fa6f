#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 4 of the local-attacker issue: whatever answers on the dashboard port
# sends the largest answers it can. On the old code a 32 MiB JSON array of
# zeros at /api/jobs/ made `preview` peak at 1.2 GB, which the unit's
# MemoryMax=128M would have OOM-killed. Now every answer is bounded in bytes
# (16 MiB for the two listings, 1 MiB for the other routes) and in the size
# of its JSON tree (the listings parsed one element at a time), so that the
# worst answer to EVERY route, one after another, keeps the whole run under
# 64 MiB of peak RSS (half of MemoryMax), with the dashboard's fields null.
#
# The hostile answers come from a server the owner check accepts (this
# test's own user): the bounds must hold even when the Ray user's own
# dashboard is the hostile party.

. "$(dirname "$0")/report-lib.sh"

LIMIT_KIB=$((64 * 1024))
# ASan's shadow memory and quarantine are not the program's: only the bytes
# and the outcome are checked under it.
if ldd "$RUS_BINARY" 2>/dev/null | grep -q libasan; then
        LIMIT_KIB=$((1024 * 1024))
        info "built with ASan: peak RSS limit raised to 1 GiB (the 64 MiB bound holds for the normal build)"
fi
HOSTILE=$TEST_TMP/hostile
mkdir -p "$HOSTILE"

python3 "$TESTS_DIR/make-hostile-answers.py" "$HOSTILE" || fail "cannot write the hostile answers"
for kind in zeros32 fill strings; do
        start_head "$kind" --fixtures "$HOSTILE/$kind"
done
start_head sink
start_head nolength --mode huge-nolength
make_session "$RUS_RAY_DIR" >/dev/null

# peak_rss_preview: `preview` with the peak RSS (KiB) of the process in $T_PEAK.
peak_rss_preview() {
        local RUS_WRAP=(python3 -c '
import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$TEST_TMP/peak")
        rus preview
        T_PEAK=$(cat "$TEST_TMP/peak")
}

case_hostile() { # KIND
        fresh
        use_head "$1"
        export RAY_USAGE_STATS_REPORT_URL=${HEAD_URL[sink]}/report
        peak_rss_preview
        info "$1: preview peak RSS $T_PEAK KiB in $T_MS ms"
        need "exit 0" [ "$RC" -eq 0 ]
        need "peak RSS $T_PEAK KiB < 64 MiB" [ "$T_PEAK" -lt "$LIMIT_KIB" ]
        need "every route was asked" [ "$(requests_count GET)" -ge 10 ]
        need "within the 10 s dashboard phase and more ($T_MS ms)" [ "$T_MS" -lt 15000 ]
        cp "$T_OUT" "$TEST_TMP/preview.json"
        pycheck "
for k in $DASHBOARD_KEYS:
    eq(J0[k], None, k + ' is null')
check(J0['session_id'] and len(J0['session_id']) == 36, 'session_id is the fallback UUID')
tags = J0['extra_usage_tags'] or {}
check('actor_num_created' not in tags and 'pg_num_created' not in tags, 'no counts from hostile answers')
" "$TEST_TMP/preview.json"
}
t "attack 4: 32 MiB arrays of zeros on every route: fields null, peak RSS < 64 MiB" case_hostile zeros32
t "attack 4: answers just under every route's byte cap, all empty objects: fields null, peak RSS < 64 MiB" \
        case_hostile fill
t "attack 4: answers just under every route's byte cap, one long string each: fields null, peak RSS < 64 MiB" \
        case_hostile strings
t "attack 4: 50 MB answers without a length on every route: cut off, fields null, peak RSS < 64 MiB" \
        case_hostile nolength

t_end
