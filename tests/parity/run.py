# SPDX-License-Identifier: MIT
"""tests/parity.sh: runs every generated case through the program's code
(parity-driver) and the oracle, prints the tally by class and each
disagreement with its input inline. Usage: run.py DRIVER SEED"""

import collections
import json
import subprocess
import sys

import generate
import oracle


def expected(kind, raw):
    if kind == "yaml":
        return oracle.cluster_config(raw)
    if kind == "tags":
        return oracle.extra_tags(raw)
    return oracle.dashboard(kind, raw)


def main():
    driver, seed = sys.argv[1], int(sys.argv[2])
    cases = list(generate.cases(seed))
    stdin = b"".join(b"%s %d\n%s\n" % (kind.encode(), len(raw), raw) for _, kind, raw in cases)
    out = subprocess.run([driver], input=stdin, stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()
    if len(out) != len(cases):
        print(f"parity-driver answered {len(out)} of {len(cases)} cases")
        return 1

    tally = collections.defaultdict(lambda: [0, 0])
    departures = collections.Counter()
    failures = 0
    for (cls, kind, raw), got in zip(cases, out):
        want, used = expected(kind, raw)
        want = json.dumps(want)
        ok = json.dumps(json.loads(got)) == want
        tally[cls][0 if ok else 1] += 1
        for d in used:
            departures[d] += 1
        if not ok:
            failures += 1
            shown = raw if len(raw) < 400 else raw[:400] + b"..."
            print(f"DISAGREE [{cls}/{kind}] input={shown!r}\n  program: {got}\n  oracle:  {want}")
    print(f"seed {seed}: {len(cases)} cases")
    for cls, (agree, disagree) in sorted(tally.items()):
        print(f"  {cls:22} agree {agree:5}  disagree {disagree:5}")
    for d, n in sorted(departures.items()):
        print(f"  documented departure {d}: {n} cases")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
