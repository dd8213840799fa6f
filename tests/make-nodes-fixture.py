#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints a /api/v0/nodes answer with N ALIVE nodes (and N/10 DEAD ones), in
the State API's shape, for benchmarks: make-nodes-fixture.py 10000 > nodes.json

Every ALIVE node has 8 CPUs, 32 GiB of memory and 8 GiB of object store; one
in four also has a GPU and an accelerator type (A10G, or L4 for every other
one), so the totals are easy to check: CPUs 8N, memory 32N GiB."""

import json
import sys


def node(i, state):
    ip = f"10.{77 + (i >> 16) % 100}.{(i >> 8) & 255}.{i & 255}"
    resources = {"CPU": 8.0, "memory": 32.0 * 2**30, "object_store_memory": 8.0 * 2**30, f"node:{ip}": 1.0}
    if i % 4 == 0:
        resources["GPU"] = 1.0
        resources["accelerator_type:" + ("A10G" if i % 8 == 0 else "L4")] = 1.0
    if i == 0:
        resources["node:__internal_head__"] = 1.0
    node_id = f"{i:056x}"
    return {"node_id": node_id, "node_ip": ip, "is_head_node": i == 0, "state": state,
            "state_message": None, "node_name": f"bench-host-{i}", "labels": {"ray.io/node_id": node_id},
            "resources_total": resources}


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: make-nodes-fixture.py N")
    n = int(sys.argv[1])
    rows = [node(i, "ALIVE") for i in range(n)] + [node(n + i, "DEAD") for i in range(n // 10)]
    body = {"result": True, "msg": "", "data": {"result": {
        "total": len(rows), "num_after_truncation": len(rows), "num_filtered": len(rows),
        "result": rows, "partial_failure_warning": "", "warnings": None}}}
    json.dump(body, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
