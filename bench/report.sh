#!/bin/bash
# SPDX-License-Identifier: MIT
# Cost of one `ray-usage-stats report` in local mode (RAY_USAGE_STATS_UPLOAD=0:
# collected, written, not sent) against the fake Ray head, for clusters of 1,
# 1,000 and 10,000 ALIVE nodes (tests/make-nodes-fixture.py), as ratios
# against two yardsticks measured in the same run:
#   - bench/peer.py, a Python 3 script (standard library only) that makes the
#     same dashboard calls against the same fake head and builds the same
#     27-field report (the issue-13 peer);
#   - /bin/true.
# And the worst case of the local-attacker issue: hostile answers just under
# every route's byte cap (tests/make-hostile-answers.py, "fill"), with its
# peak RSS against half the unit's MemoryMax.
#
# Figures are medians over RUNS interleaved runs (default 20) of the measured
# process alone (wait4 in bench/measure.py: the fake head's time and memory
# are not counted). Targets (exits 1 when one is missed): at every size,
# `report` uses at most 1/5 of the peer's CPU and at most 1/2 of its peak RSS;
# CPU from 1,000 to 10,000 nodes grows no faster than linearly (ratio <= 10);
# the hostile worst case stays under 64 MiB; a refused dashboard costs at most
# twice the wall time of a 1-node report (the tests assert only the product's
# time limits: "quick" is measured here, as a ratio on the same machine).
#   bench/report.sh [BINARY] [RUNS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
RUS_BINARY=$(realpath "${1:-./ray-usage-stats}")
runs=${2:-20}
export RUS_BINARY
[ "$runs" -ge 10 ] || { echo "bench/report.sh: use at least 10 runs" >&2; exit 2; }
# The distribution's Python where there is one: what a head node has.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# The tests' safe environment and fake head: nothing leaves 127.0.0.1.
. "$here/../tests/lib.sh"

export RAY_USAGE_STATS_UPLOAD=0
make_session "$RAY_TMPDIR/ray" >/dev/null
session=$RAY_TMPDIR/ray/$RUS_SESSION_NAME

declare -A url=()
for n in 1 1000 10000; do
        mkdir -p "$TEST_TMP/nodes-$n"
        python3 "$TESTS_DIR/make-nodes-fixture.py" "$n" >"$TEST_TMP/nodes-$n/nodes.json"
        start_fake_head --fixtures "$FIXTURES/basic" --fixtures "$TEST_TMP/nodes-$n"
        url[$n]=$FAKE_HEAD_URL
        # Correct before fast: both must count every node, and agree.
        RAY_USAGE_STATS_DASHBOARD_URL=${url[$n]} "$RUS_BINARY" report >/dev/null 2>"$TEST_TMP/err" ||
                fail "report against $n nodes failed: $(cat "$TEST_TMP/err")"
        "$PY" "$here/peer.py" "${url[$n]}" "$session" || fail "the peer failed against $n nodes"
        python3 - "$session/usage_stats.json" "$session/usage_stats.peer.json" "$n" <<'EOF' || fail "wrong report for $n nodes"
import json, sys
d, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
n = int(sys.argv[3])
u, v = d["usage_stats"], p["usage_stats"]
assert d["success"] is False and "local mode" in d["error"].lower(), d
assert (u["total_num_nodes"], u["total_num_cpus"]) == (n, 8 * n), (u["total_num_nodes"], u["total_num_cpus"])
assert sorted(u) == sorted(v) and len(u) == 27, (sorted(u), sorted(v))
volatile = {"collect_timestamp_ms", "session_id", "total_success", "total_failed", "seq_number"}
diff = {k: (u[k], v[k]) for k in u if k not in volatile and u[k] != v[k]}
assert not diff, diff
EOF
        [ "$(requests_count POST)" -eq 0 ] || fail "local mode sent a report"
done

python3 "$TESTS_DIR/make-hostile-answers.py" "$TEST_TMP/hostile" || fail "cannot write the hostile answers"
start_fake_head --fixtures "$TEST_TMP/hostile/fill"
url[hostile]=$FAKE_HEAD_URL

cmd() { # N: the measured command line of report for N nodes (or "hostile")
        printf 'env RAY_USAGE_STATS_DASHBOARD_URL=%s %q report' "${url[$1]}" "$RUS_BINARY"
}
peer() { # N
        printf '%q %q %s %q' "$PY" "$here/peer.py" "${url[$1]}" "$session"
}

echo "ray-usage-stats report, local mode, median of $runs runs ($(nproc) CPUs, $(uname -r), $("$PY" -V))"
python3 "$here/measure.py" "$runs" "/bin/true=/bin/true" \
        "report-1-node=$(cmd 1)" "peer-1-node=$(peer 1)" \
        "report-1000-nodes=$(cmd 1000)" "peer-1000-nodes=$(peer 1000)" \
        "report-10000-nodes=$(cmd 10000)" "peer-10000-nodes=$(peer 10000)" \
        "report-hostile-answers=$(cmd hostile)" \
        "report-dashboard-refused=env RAY_USAGE_STATS_DASHBOARD_URL=$RUS_CLOSED_URL $RUS_BINARY report" |
        tee "$TEST_TMP/table"

python3 - "$TEST_TMP/table" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    f = line.split()
    rows[f[0]] = {"wall": float(f[2]), "cpu": float(f[3]), "rss_kib": float(f[4]), "exit": f[5]}
base = rows["/bin/true"]
print()
print(f'| nodes | report CPU ms | peer CPU ms | CPU report/peer | CPU report/true | report peak RSS MiB '
      f'| peer peak RSS MiB | RSS report/peer | RSS report/true |')
print('|---|---|---|---|---|---|---|---|---|')
checks = []
for n, label in (("1-node", "1"), ("1000-nodes", "1,000"), ("10000-nodes", "10,000")):
    r, p = rows["report-" + n], rows["peer-" + n]
    cpu_ratio, rss_ratio = r["cpu"] / p["cpu"], r["rss_kib"] / p["rss_kib"]
    print(f'| {label} | {r["cpu"]:.2f} | {p["cpu"]:.2f} | {cpu_ratio:.3f} | {r["cpu"] / base["cpu"]:.1f} '
          f'| {r["rss_kib"] / 1024:.2f} | {p["rss_kib"] / 1024:.2f} | {rss_ratio:.3f} | {r["rss_kib"] / base["rss_kib"]:.1f} |')
    checks.append((f"{label} nodes: CPU at most 1/5 of the peer's", cpu_ratio <= 0.2, f"{cpu_ratio:.3f}"))
    checks.append((f"{label} nodes: peak RSS at most 1/2 of the peer's", rss_ratio <= 0.5, f"{rss_ratio:.3f}"))
h = rows["report-hostile-answers"]
print(f'| hostile answers, every route | {h["cpu"]:.2f} | | | {h["cpu"] / base["cpu"]:.1f} | {h["rss_kib"] / 1024:.2f} '
      f'| | | {h["rss_kib"] / base["rss_kib"]:.1f} |')
print()
one, k1, k10 = rows["report-1-node"], rows["report-1000-nodes"], rows["report-10000-nodes"]
refused = rows["report-dashboard-refused"]
ratio = k10["cpu"] / k1["cpu"] if k1["cpu"] else float("inf")
checks += [
    ("a refused dashboard: wall at most 2x a 1-node report", refused["wall"] <= 2 * one["wall"],
     f'x{refused["wall"] / one["wall"]:.2f} ({refused["wall"]:.2f} ms against {one["wall"]:.2f} ms)'),
    ("CPU 1,000 -> 10,000 nodes at most linear (ratio <= 10)", ratio <= 10, f"ratio {ratio:.2f}"),
    ("hostile answers on every route: peak RSS < 64 MiB", h["rss_kib"] < 64 * 1024, f'{h["rss_kib"] / 1024:.2f} MiB'),
    ("every run exited 0", all(r["exit"] == "0" for r in rows.values()), ", ".join(r["exit"] for r in rows.values())),
]
bad = 0
for name, ok, detail in checks:
    print(f'{"PASS" if ok else "FAIL"}  {name}: {detail}')
    bad += not ok
sys.exit(1 if bad else 0)
EOF
