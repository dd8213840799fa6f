#!/usr/bin/env python3
"""Runs commands interleaved, many times, and prints the median wall time,
CPU time (user+sys) and peak RSS of each, with ratios against the first
(the baseline, measured in the same run).

usage: measure.py RUNS NAME=COMMAND [NAME=COMMAND...]
COMMAND is run with /bin/sh -c; its stdout/stderr are discarded. Each
figure comes from wait4() of that one process, so a server it talks to is
not counted."""
import os
import statistics
import sys
import time


def run_once(cmd):
    devnull = os.open(os.devnull, os.O_RDWR)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv("/bin/sh", ["sh", "-c", "exec " + cmd])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.close(devnull)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def main():
    runs = int(sys.argv[1])
    cmds = [a.split("=", 1) for a in sys.argv[2:]]
    results = {name: [] for name, _ in cmds}
    for _ in range(runs):
        for name, cmd in cmds:
            results[name].append(run_once(cmd))
    base = None
    print(f"{'command':<24} {'runs':>4} {'wall ms':>9} {'cpu ms':>8} {'peak RSS KiB':>13} {'exit':>5} {'wall x':>7} {'cpu x':>7} {'RSS +KiB':>9}")
    for name, _ in cmds:
        r = results[name]
        wall = statistics.median(x[0] for x in r) * 1000
        cpu = statistics.median(x[1] for x in r) * 1000
        rss = statistics.median(x[2] for x in r)
        codes = sorted(set(x[3] for x in r))
        if base is None:
            base = (wall, cpu, rss)
        print(f"{name:<24} {len(r):>4} {wall:>9.3f} {cpu:>8.3f} {rss:>13.0f} {','.join(map(str, codes)):>5} "
              f"{wall / base[0]:>7.2f} {cpu / base[1] if base[1] else float('nan'):>7.2f} {rss - base[2]:>9.0f}")


if __name__ == "__main__":
    main()
