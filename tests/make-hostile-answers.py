#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the worst dashboard answers a hostile listener can send, as fixture
directories of fake-ray-head.py, for the attack-4 test and the benchmark:
make-hostile-answers.py DIR

    DIR/zeros32/ROUTE.json  a JSON array of zeros of 32 MiB - 1 bytes (the
                          attack as reported: on the old code, 1.2 GB of
                          RSS), one file hard-linked for every route
    DIR/fill/ROUTE.json   just under the route's byte cap (16 MiB for the
                          listings nodes and jobs, 1 MiB for the others), the
                          costliest shape for json-c (empty objects) inside
                          the envelope the route expects
    DIR/strings/ROUTE.json  the same size, one long string

ROUTE is the fixture name without .json (see fake-ray-head.py's ROUTES)."""

import os
import sys

MiB = 1024 * 1024
CAPS = {"authentication_mode": 1, "usage_stats_enabled": 1, "api_version": 1, "cluster_id": 1,
        "cluster_metadata": 1, "nodes": 16, "jobs": 16, "actors": 1, "placement_groups": 1,
        "grafana_health": 1, "prometheus_health": 1}


def envelope(route, inner):
    if route == "jobs":
        return b"[" + inner + b"]"
    if route == "nodes":
        return b'{"result": true, "msg": "", "data": {"result": {"total": 1, "result": [' + inner + b"]}}}"
    return b'{"result": true, "data": {"result": [' + inner + b"]}}"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-hostile-answers.py DIR")
    base = sys.argv[1]
    os.makedirs(base, exist_ok=True)
    n = (32 * MiB - 1 - 2) // 2
    os.makedirs(os.path.join(base, "zeros32"), exist_ok=True)
    zeros = os.path.join(base, "zeros32", "api_version.json")
    with open(zeros, "wb") as f:
        f.write(b"[" + b"0," * n + b"0]")
    for route in CAPS:
        if route != "api_version":
            os.link(zeros, os.path.join(base, "zeros32", route + ".json"))
    for kind in ("fill", "strings"):
        os.makedirs(os.path.join(base, kind), exist_ok=True)
        for route, cap in CAPS.items():
            room = cap * MiB - 200
            if kind == "fill":
                inner = b'{"state": "ALIVE", "status": "RUNNING", "x": [' + b"{}," * (room // 3 - 20) + b"{}]}"
            else:
                inner = b'"' + b"a" * (room - 2) + b'"'
            with open(os.path.join(base, kind, route + ".json"), "wb") as f:
                f.write(envelope(route, inner))


if __name__ == "__main__":
    main()
