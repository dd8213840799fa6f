#!/bin/bash
# SPDX-License-Identifier: MIT
# RUS_CONCURRENCY (default 50) reports started at once against the fake head,
# with `status --json`, `preview` and `record-library` running among them:
# the lock serialises the counters (docs/design.md §6), so the endpoint receives exactly
# one POST per run with the sequence numbers 0..N-1, each once, each counting
# the N-1 runs before it as successes; the state ends at seq_number N and
# total_success N; readers never see a corrupt file; usage_stats.json is
# complete JSON and no temporary file remains.
. "$(dirname "$0")/report-lib.sh"

n=${RUS_CONCURRENCY:-50}
start_fake_head
make_session "$RAY_TMPDIR/ray" >/dev/null
out=$TEST_TMP/out
mkdir -p "$out"

case_concurrent_runs() {
        pids=()
        for ((i = 0; i < n; i++)); do
                "$RUS_BINARY" report >"$out/report-$i.out" 2>"$out/report-$i.err" &
                pids+=($!)
                if ((i % 5 == 0)); then
                        "$RUS_BINARY" status --json >"$out/status-$i.out" 2>"$out/status-$i.err" &
                        pids+=($!)
                        "$RUS_BINARY" preview >"$out/preview-$i.out" 2>"$out/preview-$i.err" &
                        pids+=($!)
                        "$RUS_BINARY" record-library "lib$i" >/dev/null 2>"$out/library-$i.err" &
                        pids+=($!)
                fi
        done
        for pid in "${pids[@]}"; do
                wait "$pid" || fail "a command failed (status $?): $(cat "$out"/*.err)"
        done

        python3 - "$n" "$out" "$FAKE_HEAD_RECORD" "$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME@$(id -u).json" \
                "$RUS_SESSION/usage_stats.json" <<'EOF' || fail "concurrent runs interfered (above)"
import base64, glob, json, os, sys

n, out, record, state_path, usage_path = int(sys.argv[1]), *sys.argv[2:]
errors = []

posts = [json.loads(base64.b64decode(r["body_b64"])) for r in map(json.loads, open(record, encoding="utf-8"))
         if r["method"] == "POST"]
seqs = sorted(p["seq_number"] for p in posts)
if len(posts) != n:
    errors.append(f"{len(posts)} POSTs for {n} runs")
if seqs != list(range(n)):
    dup = sorted({s for s in seqs if seqs.count(s) > 1})
    errors.append(f"seq_numbers are not 0..{n - 1} each once (repeated: {dup[:10]}, "
                  f"{len(set(seqs))} distinct)")
for p in posts:
    if (p["total_success"], p["total_failed"]) != (p["seq_number"], 0):
        errors.append(f"POST {p['seq_number']}: total_success {p['total_success']}, "
                      f"total_failed {p['total_failed']}")

s = json.load(open(state_path))
if (s["seq_number"], s["total_success"], s["total_failed"], s["pending"]) != (n, n, 0, False):
    errors.append(f"final state {s}")
u = json.load(open(usage_path))
if u["success"] is not True or len(u["usage_stats"]) != 27:
    errors.append("usage_stats.json is not a successful report")

for f in glob.glob(os.path.join(out, "status-*.out")):
    st = json.load(open(f))
    if st["seq_number"] is not None and not 0 <= st["seq_number"] <= n:
        errors.append(f"{f}: seq_number {st['seq_number']}")
for f in glob.glob(os.path.join(out, "preview-*.out")):
    if len(json.load(open(f))) != 27:
        errors.append(f"{f}: not a 27-field report")
for f in glob.glob(os.path.join(out, "*.err")):
    text = open(f).read()
    if "corrupt" in text or "ray-usage-stats: " in text:
        errors.append(f"{f}: {text.strip()}")

print(f"concurrency: {n} reports: seq_numbers {seqs[0] if seqs else None}..{seqs[-1] if seqs else None}, "
      f"state {s['seq_number']}/{s['total_success']}/{s['total_failed']}", file=sys.stderr)
for e in errors[:20]:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

        for ((i = 0; i < n; i += 5)); do
                [ -f "$RUS_SESSION/_ray_lib_usage-lib$i.txt" ] || fail "record-library lib$i left no marker"
        done
        left=$(find "$RUS_SESSION" "$RAY_USAGE_STATS_STATE_DIR" -name '.*.tmp')
        [ -z "$left" ] || fail "temporary files left behind: $left"
}
t "concurrent reports, status, preview and record-library: one POST and one seq_number per run, exact counters" case_concurrent_runs

t_end
