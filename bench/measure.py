#!/usr/bin/env python3
"""Runs commands interleaved, many times, and prints the median wall time,
CPU time (user+sys) and peak RSS of each, with ratios against the first
(the baseline, measured in the same run).

usage: measure.py RUNS NAME=COMMAND [NAME=COMMAND...]

COMMAND is split like a shell word list (no shell runs it); its output is
discarded. Each figure comes from wait4() on that one process, taken by the
small launcher spawn.c (compiled here on first use), so a server the
command talks to is not counted, and neither is Python's own memory."""
import os
import shlex
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def build_launcher(tmp):
    exe = os.path.join(tmp, "spawn")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "spawn.c")], check=True)
    return exe


def run_once(launcher, argv):
    out = subprocess.run([launcher] + argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, check=True, text=True,
                         # the command's own output goes nowhere; only the launcher's line is read
                         ).stdout
    wall_us, cpu_us, rss_kib, code = out.split()[-4:]
    return int(wall_us) / 1000, int(cpu_us) / 1000, int(rss_kib), int(code)


def main():
    runs = int(sys.argv[1])
    cmds = [(name, shlex.split(cmd)) for name, cmd in (a.split("=", 1) for a in sys.argv[2:])]
    with tempfile.TemporaryDirectory() as tmp:
        launcher = build_launcher(tmp)
        results = {name: [] for name, _ in cmds}
        for _ in range(runs):
            for name, argv in cmds:
                results[name].append(run_once(launcher, argv))
    base = None
    print(f"{'command':<28} {'runs':>4} {'wall ms':>9} {'cpu ms':>8} {'peak RSS KiB':>13} {'exit':>5} "
          f"{'wall x':>7} {'cpu x':>7} {'RSS +KiB':>9}")
    for name, _ in cmds:
        r = results[name]
        wall = statistics.median(x[0] for x in r)
        cpu = statistics.median(x[1] for x in r)
        rss = statistics.median(x[2] for x in r)
        codes = ",".join(map(str, sorted(set(x[3] for x in r))))
        if base is None:
            base = (wall, cpu, rss)
        cpu_ratio = f"{cpu / base[1]:>7.2f}" if base[1] else f"{'-':>7}"
        print(f"{name:<28} {len(r):>4} {wall:>9.3f} {cpu:>8.3f} {rss:>13.0f} {codes:>5} "
              f"{wall / base[0]:>7.2f} {cpu_ratio} {rss - base[2]:>9.0f}")


if __name__ == "__main__":
    main()
