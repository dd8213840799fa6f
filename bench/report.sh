#!/bin/bash
# SPDX-License-Identifier: MIT
# Cost of one `ray-usage-stats report` in local mode (RAY_USAGE_STATS_UPLOAD=0:
# collected, written, not sent) against the fake Ray head, for clusters of 1,
# 1,000 and 10,000 ALIVE nodes (tests/make-nodes-fixture.py), beside /bin/true
# measured in the same run. Figures are medians over RUNS interleaved runs
# (default 20) of the collector process alone (wait4 in bench/measure.py: the
# fake head's time is not counted).
#
# Targets: 1 node under 10 ms CPU (user+sys) and 8 MiB peak RSS; 10,000 nodes
# under 150 ms CPU and 48 MiB; CPU from 1,000 to 10,000 nodes growing no
# faster than linearly (ratio at most 10); a refused dashboard costs at most
# twice the wall time of a 1-node report (the tests assert only the product's
# time limits: "quick" is measured here, as a ratio on the same machine).
# Exits 1 when one is missed.
#   bench/report.sh [BINARY] [RUNS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
RUS_BINARY=$(realpath "${1:-./ray-usage-stats}")
runs=${2:-20}
export RUS_BINARY
[ "$runs" -ge 10 ] || { echo "bench/report.sh: use at least 10 runs" >&2; exit 2; }

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
        # Correct before fast: the report must count every node.
        RAY_USAGE_STATS_DASHBOARD_URL=${url[$n]} "$RUS_BINARY" report >/dev/null 2>"$TEST_TMP/err" ||
                fail "report against $n nodes failed: $(cat "$TEST_TMP/err")"
        python3 - "$session/usage_stats.json" "$n" <<'EOF' || fail "wrong report for $n nodes"
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
u = d["usage_stats"]
assert d["success"] is False and "local mode" in d["error"].lower(), d
assert (u["total_num_nodes"], u["total_num_cpus"]) == (n, 8 * n), (u["total_num_nodes"], u["total_num_cpus"])
EOF
        [ "$(requests_count POST)" -eq 0 ] || fail "local mode sent a report"
done

cmd() { # N: the measured command line for N nodes
        printf 'env RAY_USAGE_STATS_DASHBOARD_URL=%s %q report' "${url[$1]}" "$RUS_BINARY"
}

echo "ray-usage-stats report, local mode, median of $runs runs ($(nproc) CPUs, $(uname -r))"
python3 "$here/measure.py" "$runs" "/bin/true=/bin/true" "report-1-node=$(cmd 1)" \
        "report-1000-nodes=$(cmd 1000)" "report-10000-nodes=$(cmd 10000)" \
        "report-dashboard-refused=env RAY_USAGE_STATS_DASHBOARD_URL=$RUS_CLOSED_URL $RUS_BINARY report" |
        tee "$TEST_TMP/table"

python3 - "$TEST_TMP/table" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    f = line.split()
    rows[f[0]] = {"wall": float(f[2]), "cpu": float(f[3]), "rss_kib": float(f[4]), "exit": f[5]}
one, k1, k10 = rows["report-1-node"], rows["report-1000-nodes"], rows["report-10000-nodes"]
refused = rows["report-dashboard-refused"]
base = rows["/bin/true"]
ratio = k10["cpu"] / k1["cpu"] if k1["cpu"] else float("inf")
marginal = ((k10["cpu"] - one["cpu"]) / (k1["cpu"] - one["cpu"])) if k1["cpu"] > one["cpu"] else float("nan")
checks = [
    ("1 node: CPU < 10 ms", one["cpu"] < 10, f'{one["cpu"]:.2f} ms (/bin/true {base["cpu"]:.2f} ms)'),
    ("1 node: peak RSS < 8 MiB", one["rss_kib"] < 8 * 1024, f'{one["rss_kib"] / 1024:.2f} MiB (/bin/true {base["rss_kib"] / 1024:.2f} MiB)'),
    ("10,000 nodes: CPU < 150 ms", k10["cpu"] < 150, f'{k10["cpu"]:.2f} ms'),
    ("10,000 nodes: peak RSS < 48 MiB", k10["rss_kib"] < 48 * 1024, f'{k10["rss_kib"] / 1024:.2f} MiB'),
    ("CPU 1,000 -> 10,000 nodes at most linear (ratio <= 10)", ratio <= 10,
     f'ratio {ratio:.2f} (1,000 nodes {k1["cpu"]:.2f} ms; above the 1-node cost: x{marginal:.2f})'),
    ("a refused dashboard: wall at most 2x a 1-node report", refused["wall"] <= 2 * one["wall"],
     f'x{refused["wall"] / one["wall"]:.2f} ({refused["wall"]:.2f} ms against {one["wall"]:.2f} ms)'),
    ("every run exited 0", all(r["exit"] == "0" for r in rows.values()), ", ".join(r["exit"] for r in rows.values())),
]
bad = 0
for name, ok, detail in checks:
    print(f'{"PASS" if ok else "FAIL"}  {name}: {detail}')
    bad += not ok
sys.exit(1 if bad else 0)
EOF
