#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The benchmark's peer: what `ray-usage-stats report` does in local mode,
written the plain way in Python 3 with the standard library only. It makes
the same dashboard calls against the same fake head, builds the same 27-field
report and writes it to <session>/usage_stats.json as {"usage_stats": ...,
"success": false, "error": ...}.

    peer.py DASHBOARD_URL SESSION_DIR

bench/report.sh measures it beside `report` (CPU and peak RSS ratios). It is
a yardstick, not a second implementation: no journal, no state directory,
no cloud probes (the bench turns them off for `report` too)."""

import json
import os
import platform
import sys
import time
import urllib.error
import urllib.request
import uuid

ROUTES_TIMEOUT = 2


def get(base, path, token=None):
    req = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=ROUTES_TIMEOUT) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read())
        except ValueError:
            return e.code, None
    except (OSError, ValueError):
        return 0, None


def data(answer):
    status, body = answer
    if status == 200 and isinstance(body, dict) and body.get("result") is True:
        return body.get("data")
    return None


def main():
    base, session = sys.argv[1].rstrip("/"), sys.argv[2]
    token = os.environ.get("RAY_AUTH_TOKEN")
    _, auth = get(base, "/api/authentication_mode")
    if not (isinstance(auth, dict) and auth.get("authentication_mode") in ("token", "k8s")):
        token = None
    enabled = data(get(base, "/usage_stats_enabled", token))
    if enabled and enabled.get("usageStatsEnabled") is False:
        return 0

    _, version = get(base, "/api/version", token)
    cluster = data(get(base, "/cluster_id", token)) or {}
    metadata = data(get(base, "/api/v0/cluster_metadata", token)) or {}
    nodes = data(get(base, "/api/v0/nodes?limit=10000&filter_keys=state&filter_predicates=%3D"
                           "&filter_values=ALIVE", token))
    _, jobs = get(base, "/api/jobs/", token)
    actors = data(get(base, "/api/v0/actors?limit=1", token))
    pgs = data(get(base, "/api/v0/placement_groups?limit=1", token))
    grafana = data(get(base, "/api/grafana_health", token))
    prometheus = get(base, "/api/prometheus_health", token)[1]

    totals = {"CPU": None, "GPU": None, "memory": None, "object_store_memory": None}
    accelerators = set()
    alive = None
    if nodes:
        alive = 0
        for row in nodes["result"]["result"]:
            if row.get("state") != "ALIVE":
                continue
            alive += 1
            for key, value in row.get("resources_total", {}).items():
                if key in totals:
                    totals[key] = (totals[key] or 0) + value
                elif key.startswith("accelerator_type:"):
                    accelerators.add(key.split(":", 1)[1])
    running = None
    if isinstance(jobs, list):
        running = sum(1 for j in jobs if str(j.get("status", "")).upper() == "RUNNING"
                      and (str(j.get("type", "")).upper() == "DRIVER" or j.get("job_id")))

    tags = {}
    tags["dashboard_metrics_grafana_enabled"] = str(bool(grafana and grafana.get("grafanaHost") != "DISABLED"))
    tags["dashboard_metrics_prometheus_enabled"] = str(bool(isinstance(prometheus, dict)
                                                            and prometheus.get("result") is True))
    if actors:
        tags["actor_num_created"] = str(actors["result"]["total"])
    if pgs:
        tags["pg_num_created"] = str(pgs["result"]["total"])

    cpu_model = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()[:50]
                break
    gib = 2 ** 30
    name = os.path.basename(session)
    start = time.mktime(time.strptime(name[8:27], "%Y-%m-%d_%H-%M-%S"))
    report = {
        "schema_version": "0.1",
        "source": os.environ.get("RAY_USAGE_STATS_SOURCE", "OSS"),
        "collect_timestamp_ms": int(time.time() * 1000),
        "total_success": 0,
        "total_failed": 0,
        "seq_number": 0,
        "ray_version": (version or {}).get("ray_version"),
        "python_version": metadata.get("pythonVersion"),
        "session_id": cluster.get("clusterId") or str(uuid.uuid4()),
        "git_commit": (version or {}).get("ray_commit"),
        "os": "linux",
        "session_start_timestamp_ms": int(start * 1000) + int(name[28:34]) // 1000,
        "cloud_provider": None,
        "min_workers": None,
        "max_workers": None,
        "head_node_instance_type": None,
        "worker_node_instance_types": None,
        "total_num_cpus": totals["CPU"],
        "total_num_gpus": totals["GPU"],
        "total_memory_gb": totals["memory"] / gib if totals["memory"] is not None else None,
        "total_object_store_memory_gb": (totals["object_store_memory"] / gib
                                         if totals["object_store_memory"] is not None else None),
        "library_usages": None,
        "extra_usage_tags": tags or None,
        "total_num_nodes": alive,
        "total_num_running_jobs": running,
        "libc_version": "glibc:" + platform.libc_ver()[1],
        "hardware_usages": sorted(({cpu_model} if cpu_model else set()) | accelerators) or None,
    }
    text = json.dumps({"usage_stats": report, "success": False, "error": "local mode"})
    tmp = os.path.join(session, ".usage_stats.json.peer.tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, os.path.join(session, "usage_stats.peer.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
