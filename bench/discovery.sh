#!/bin/bash
# SPDX-License-Identifier: MIT
# Discovery (docs/design.md §4.1: one pass over /proc, comm first, the command
# line only of gcs_server processes) on a machine with 10,000 processes.
# `ray-usage-stats check` (collection enabled, one live head: a fake GCS of
# tests/lib.sh) is measured with only the script's few processes, then with
# N/4, N/2 and N idle processes more (bench/procs.c; N = 10,000, or 5,000
# where the machine cannot hold that many, which is said), beside three
# yardsticks at each size: bench/walk.c (the least such a pass can cost: one
# readdir of /proc, one open, read and close of each comm), `pgrep -x
# gcs_server` (what a script would run to find the same processes) and
# `ps -e`. It runs in a PID namespace of its own
# (tests/lib.sh), so the processes walked are exactly the ones made here; the
# journal socket is hidden there, so that a run costs no journald time and
# leaves no entry.
#
# Figures are medians of RUNS interleaved runs (default 30) of the measured
# process alone (bench/measure.py). "discovery" is check's CPU at a size
# minus its CPU at the baseline, measured in the same run. Targets (exits 1
# when one is missed): discovery at 10,000 processes at most 20 ms of CPU (at
# 5,000, 10 ms), and linear: discovery at N at most 2.5 times discovery at
# N/2.
#   bench/discovery.sh [BINARY] [RUNS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
RUS_BINARY=$(realpath "${1:-./ray-usage-stats}")
runs=${2:-30}
export RUS_BINARY
[ "$runs" -ge 10 ] || { echo "bench/discovery.sh: use at least 10 runs" >&2; exit 2; }

# The tests' safe environment, a PID namespace of its own, the fake GCS.
. "$here/../tests/lib.sh"

target=10000
fallback=5000
if [ $$ != 1 ]; then
        info "not in a PID namespace of its own: the machine's other processes are counted too"
fi
# No journald time in the figures, and no entry in the machine's journal (the
# mount is private to this namespace).
if [ $$ = 1 ] && [ -d /run/systemd ]; then
        mount -t tmpfs -o mode=0755 tmpfs /run/systemd 2>/dev/null ||
                info "cannot hide /run/systemd: each check also writes to the journal"
fi

make_session "$RAY_TMPDIR/ray" >/dev/null
"$RUS_BINARY" check >/dev/null 2>"$TEST_TMP/err" ||
        fail "check does not exit 0 (collect) with one live head: $(cat "$TEST_TMP/err")"
cc -O2 -o "$TEST_TMP/procs" "$here/procs.c" || fail "cannot compile bench/procs.c"
cc -O2 -o "$TEST_TMP/walk" "$here/walk.c" || fail "cannot compile bench/walk.c"
[ "$("$TEST_TMP/walk")" = 1 ] || fail "bench/walk.c does not find the one gcs_server"

# --- how many processes this machine can take --------------------------------

# The room left under each limit that applies to making processes: the
# kernel's pid and thread limits (system-wide: /proc/loadavg counts every
# thread of the machine), RLIMIT_NPROC (not applied to root), the pids
# controller of our cgroup, and memory (about 100 KiB a process, measured;
# 256 KiB asked). Prints the room, then the limit that sets it.
room() {
        local total pid_max threads_max r limit cg cur avail why=pid_max/threads-max
        total=$(cut -d' ' -f4 /proc/loadavg | cut -d/ -f2)
        pid_max=$(cat /proc/sys/kernel/pid_max)
        threads_max=$(cat /proc/sys/kernel/threads-max)
        r=$(( (pid_max < threads_max ? pid_max : threads_max) - total - 1000 ))
        limit=$(ulimit -u)
        if [ "$(id -u)" != 0 ] && [ "$limit" != unlimited ]; then
                cur=$(ps -u "$(id -u)" --no-headers 2>/dev/null | wc -l)
                [ $((limit - cur - 100)) -lt "$r" ] && r=$((limit - cur - 100)) && why="ulimit -u $limit"
        fi
        for cg in $(sed -n 's/^0::\(.*\)/\/sys\/fs\/cgroup\1/p; s/^[0-9]*:pids:\(.*\)/\/sys\/fs\/cgroup\/pids\1/p' \
                    /proc/self/cgroup); do
                [ -r "$cg/pids.max" ] || continue
                limit=$(cat "$cg/pids.max")
                [ "$limit" = max ] && continue
                cur=$(cat "$cg/pids.current")
                [ $((limit - cur - 100)) -lt "$r" ] && r=$((limit - cur - 100)) && why="pids.max $limit of $cg"
        done
        avail=$(awk '/^MemAvailable:/ { print int($2 / 256) }' /proc/meminfo)
        [ "$avail" -lt "$r" ] && r=$avail && why="memory ($((avail / 4)) MiB available)"
        echo "$r $why"
}
n=$target
read -r have why < <(room)
if [ "$have" -lt "$target" ]; then
        [ "$have" -ge "$fallback" ] ||
                fail "this machine can take only $have more processes ($why): fewer than $fallback"
        n=$fallback
        info "this machine cannot hold $target more processes ($why: room for $have): measuring at $n"
fi

# --- the processes -------------------------------------------------------------

procs_pids=()
# Stops every holder of processes started so far, by pid; each ends its
# children by pid. (Also at exit, on a signal too: lib.sh's trap.)
stop_procs() {
        local p
        for p in "${procs_pids[@]}"; do
                kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
        done
        procs_pids=()
}
at_exit stop_procs

# add_procs K: K idle processes more.
add_procs() {
        local out=$TEST_TMP/procs.${#procs_pids[@]} i
        "$TEST_TMP/procs" "$1" >"$out" 2>&1 &
        procs_pids+=($!)
        for ((i = 0; i < 600; i++)); do
                grep -q '^ready' "$out" && return 0
                kill -0 "$!" 2>/dev/null || break
                sleep 0.1
        done
        fail "could not make $1 processes: $(cat "$out")"
}

nprocs() {
        find /proc -maxdepth 1 -name '[0-9]*' | wc -l
}

# --- measuring -----------------------------------------------------------------

declare -A check_ms=() walk_ms=() pgrep_ms=() ps_ms=() count=()
# measure LABEL: check and the yardsticks at the current size.
measure() {
        local out
        count[$1]=$(nprocs)
        out=$(python3 "$here/measure.py" "$runs" "walk=$TEST_TMP/walk" "pgrep=pgrep -x gcs_server" "ps=ps -e" \
                "check=$RUS_BINARY check") || fail "measure.py failed"
        printf '%s\n' "$out" | awk '$1 == "check" && $6 != "0" { exit 1 }' ||
                fail "check did not exit 0 at ${count[$1]} processes: $out"
        walk_ms[$1]=$(printf '%s\n' "$out" | awk '$1 == "walk" { print $4 }')
        pgrep_ms[$1]=$(printf '%s\n' "$out" | awk '$1 == "pgrep" { print $4 }')
        ps_ms[$1]=$(printf '%s\n' "$out" | awk '$1 == "ps" { print $4 }')
        check_ms[$1]=$(printf '%s\n' "$out" | awk '$1 == "check" { print $4 }')
        info "${count[$1]} processes: CPU ms: check ${check_ms[$1]}, walk ${walk_ms[$1]}, pgrep ${pgrep_ms[$1]}," \
                "ps -e ${ps_ms[$1]}"
}

measure base
add_procs $((n / 4))
measure quarter
add_procs $((n / 4))
measure half
add_procs $((n / 2))
measure full
stop_procs

# --- the table and the targets ---------------------------------------------------

python3 - "$n" "$target" <<EOF
import sys
n, target = int(sys.argv[1]), int(sys.argv[2])
sizes = ["base", "quarter", "half", "full"]
count = {"base": ${count[base]}, "quarter": ${count[quarter]}, "half": ${count[half]}, "full": ${count[full]}}
check = {"base": ${check_ms[base]}, "quarter": ${check_ms[quarter]}, "half": ${check_ms[half]}, "full": ${check_ms[full]}}
walk = {"base": ${walk_ms[base]}, "quarter": ${walk_ms[quarter]}, "half": ${walk_ms[half]}, "full": ${walk_ms[full]}}
pgrep = {"base": ${pgrep_ms[base]}, "quarter": ${pgrep_ms[quarter]}, "half": ${pgrep_ms[half]}, "full": ${pgrep_ms[full]}}
ps = {"base": ${ps_ms[base]}, "quarter": ${ps_ms[quarter]}, "half": ${ps_ms[half]}, "full": ${ps_ms[full]}}
disc = {k: check[k] - check["base"] for k in check}
print("| processes | check CPU ms | discovery CPU ms | check/baseline | walk CPU ms | discovery/walk | "
      "pgrep CPU ms | check/pgrep | ps -e CPU ms | check/ps -e |")
print("|---|---|---|---|---|---|---|---|---|---|")
for k in sizes:
    dw = f"{disc[k] / walk[k]:.2f}" if k != "base" else "-"
    print(f"| {count[k]:,} | {check[k]:.2f} | {disc[k]:.2f} | {check[k] / check['base']:.2f} | {walk[k]:.2f} | {dw} | "
          f"{pgrep[k]:.2f} | {check[k] / pgrep[k]:.2f} | {ps[k]:.2f} | {check[k] / ps[k]:.3f} |")
bad = 0
print()
print(f"processes made: {n:,}" + ("" if n == target else f" (not {target:,}: this machine cannot hold them)"))
# 20 ms at 10,000 processes; at 5,000, linearly, 10 ms
limit = 20.0 * n / target
ok = disc["full"] <= limit
print(f"target: discovery at {count['full']:,} processes at most {limit:.0f} ms CPU: "
      f"{'met' if ok else 'MISSED'} ({disc['full']:.2f} ms)")
bad |= not ok
if disc["half"] < 0.5:
    print("linear: no growth to measure (this binary does not walk /proc at check)")
else:
    growth = disc["full"] / disc["half"]
    ok = growth <= 2.5
    print(f"target: linear, discovery at N at most 2.5 x discovery at N/2: {'met' if ok else 'MISSED'} "
          f"(x{growth:.2f} for x2 processes; per 1,000 processes: {1000 * disc['full'] / n:.3f} ms)")
    bad |= not ok
sys.exit(1 if bad else 0)
EOF
