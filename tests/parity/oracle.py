# SPDX-License-Identifier: MIT
"""What Ray's usage_lib sends for a cluster YAML, RAY_USAGE_STATS_EXTRA_TAGS
and the head's figures, written from Ray's documented behaviour
(reference/ray-usage-stats-policy.md sections 4 and 5, Ray's
get_cluster_config_to_report and get_extra_usage_tags_to_report) and run on
PyYAML's safe_load, the oracle of tests/parity.sh. The deliberate departures
of docs/ray-parity.md are applied on top, each by a named function, so that
a case that differs only by one of them agrees and is counted under it."""

import io
import json
import math

import yaml

FIELDS = ("cloud_provider", "min_workers", "max_workers", "head_node_instance_type",
          "worker_node_instance_types")

# docs/ray-parity.md, bounded work: these limits are the program's.
YAML_MAX_SIZE = 1024 * 1024
EXTRA_TAGS_MAX = 64 * 1024


class Departure(Exception):
    """A documented departure decided the value."""


def ray_cluster_config(raw):
    """Ray's get_cluster_config_to_report() on a file holding raw."""
    result = dict.fromkeys(FIELDS)

    def get_instance_type(node_config):
        if not node_config:
            return None
        if "InstanceType" in node_config:
            return node_config["InstanceType"]
        if "machineType" in node_config:
            return node_config["machineType"]
        if "azure_arm_parameters" in node_config and "vmSize" in node_config["azure_arm_parameters"]:
            return node_config["azure_arm_parameters"]["vmSize"]
        return None

    try:
        # open(path) in text mode: UTF-8, universal newlines.
        with io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8") as f:
            config = yaml.safe_load(f)
        if "min_workers" in config:
            result["min_workers"] = config["min_workers"]
        if "max_workers" in config:
            result["max_workers"] = config["max_workers"]
        if "provider" in config and "type" in config["provider"]:
            result["cloud_provider"] = config["provider"]["type"]
        if "head_node_type" in config and "available_node_types" in config:
            for node_type, node_type_config in config["available_node_types"].items():
                if node_type == config["head_node_type"]:
                    result["head_node_instance_type"] = get_instance_type(node_type_config.get("node_config"))
                else:
                    worker = get_instance_type(node_type_config.get("node_config"))
                    if worker:
                        result["worker_node_instance_types"] = result["worker_node_instance_types"] or set()
                        result["worker_node_instance_types"].add(worker)
            if result["worker_node_instance_types"]:
                result["worker_node_instance_types"] = list(result["worker_node_instance_types"])
        return result
    except Exception:
        return dict.fromkeys(FIELDS)


def no_lone_surrogates(s):
    """Departure: the report is valid Unicode, a lone surrogate is U+FFFD."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if 0xD800 <= ord(c) <= 0xDBFF and i + 1 < len(s) and 0xDC00 <= ord(s[i + 1]) <= 0xDFFF:
            out.append(c + s[i + 1])
            i += 2
            continue
        out.append("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c)
        i += 1
    return "".join(out)


def valid_unicode(v):
    if isinstance(v, str):
        return no_lone_surrogates(v)
    if isinstance(v, list):
        return [valid_unicode(x) for x in v]
    if isinstance(v, tuple):
        return tuple(valid_unicode(x) for x in v)
    if isinstance(v, dict):
        return {valid_unicode(k): valid_unicode(x) for k, x in v.items()}
    return v


def json_value(v, departures):
    """json.dumps(v) as requests sends it (allow_nan=False). Where that raises,
    Ray sends no report at all; departure: the field is null."""
    try:
        text = json.dumps(v, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        departures.add("no-json-form")
        return None
    return valid_unicode(json.loads(text))


def cluster_config(raw):
    """The five fields as the program sends them; the set of departures used."""
    departures = set()
    if len(raw) > YAML_MAX_SIZE:
        departures.add("size-limit")
        return dict.fromkeys(FIELDS), departures
    ray = ray_cluster_config(raw)
    out = {}
    for k in FIELDS:
        v = ray[k]
        if k == "worker_node_instance_types" and v is not None:
            values = [json_value(x, departures) for x in v]
            # Departure: Ray's list(set) has no order; ours is by JSON text.
            if "no-json-form" in departures and any(x is None for x in values):
                out[k] = None
                continue
            out[k] = sorted(values, key=lambda x: json.dumps(x).encode())
        else:
            out[k] = json_value(v, departures)
    return out, departures


def surrogateescape_to_fffd(value):
    """Departure: invalid UTF-8 in the environment becomes U+FFFD, one per byte."""
    return "".join("\ufffd" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in value)


def extra_tags(raw):
    """Ray's get_extra_usage_tags_to_report() for the environment variable
    alone (the built-in tags are the dashboard's). No tag at all: null."""
    departures = set()
    if len(raw) > EXTRA_TAGS_MAX:
        departures.add("extra-tags-cap")
        return None, departures
    value = raw.decode("utf-8", "surrogateescape")
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in value):
        departures.add("invalid-utf8")
        value = surrogateescape_to_fffd(value)
    tags = {}
    if value:
        try:
            for kv in value.strip(";").split(";"):
                k, v = kv.split("=")
                tags[k] = v
        except Exception:
            pass
    return (tags or None), departures


def _strict_json(raw):
    def no_constant(name):
        raise ValueError(name)
    return json.loads(raw.decode("utf-8"), parse_constant=no_constant)


DASHBOARD_FIELDS = ("ray_version", "git_commit", "python_version", "total_num_cpus", "total_num_gpus",
                    "total_memory_gb", "total_object_store_memory_gb", "total_num_nodes", "hardware_usages")


def _string(v):
    # A NUL cannot be carried by the C strings of the figures (docs/ray-parity.md).
    return isinstance(v, str) and "\0" not in v


def dashboard(kind, raw):
    """The head's figures as Ray passes them on: strings as they are, counts
    as int(sum), memory as sum / 2**30."""
    out = dict.fromkeys(DASHBOARD_FIELDS)
    departures = set()
    try:
        doc = _strict_json(raw)
    except Exception:
        return out, departures
    try:
        if kind == "version":
            if not isinstance(doc, dict) or not _string(doc.get("ray_version")):
                return out, departures
            commit = doc.get("ray_commit")
            if commit is not None and not _string(commit):
                return out, departures
            out["ray_version"], out["git_commit"] = doc["ray_version"], commit
        elif kind == "metadata":
            if doc.get("result") is not True or not _string(doc["data"].get("pythonVersion")):
                return out, departures
            out["python_version"] = doc["data"]["pythonVersion"]
        else:
            if doc.get("result") is not True:
                return out, departures
            rows = doc["data"]["result"]["result"]
            if not isinstance(rows, list):
                return out, departures
            sums = {}
            accelerators = set()
            alive = 0
            for row in rows:
                if not isinstance(row["state"], str):
                    return out, departures
                if row["state"] != "ALIVE":
                    continue
                alive += 1
                resources = row["resources_total"]
                if not isinstance(resources, dict):
                    return out, departures
                for key, value in resources.items():
                    if key in ("CPU", "GPU", "memory", "object_store_memory"):
                        if isinstance(value, bool) or not isinstance(value, (int, float)):
                            return out, departures
                        if isinstance(value, int) and not -2**63 <= value < 2**64:
                            # Departure: json-c holds integers within 64 bits.
                            departures.add("json-int-cap")
                            value = min(max(value, -2**63), 2**64 - 1)
                        value = float(value)
                        if not math.isfinite(value):
                            return out, departures
                        sums[key] = sums.get(key, 0.0) + value
                        if not math.isfinite(sums[key]):
                            return out, departures
                    elif key.startswith("accelerator_type:"):
                        accelerators.add(key[len("accelerator_type:"):])
            out["total_num_nodes"] = alive
            for key, field in (("CPU", "total_num_cpus"), ("GPU", "total_num_gpus")):
                if key in sums:
                    out[field] = int(sums[key])
            for key, field in (("memory", "total_memory_gb"),
                               ("object_store_memory", "total_object_store_memory_gb")):
                if key in sums:
                    out[field] = sums[key] / 2**30
            if len(accelerators) > 64:
                departures.add("accelerator-cap")
            out["hardware_usages"] = sorted(accelerators, key=lambda s: s.encode()) or None
    except (KeyError, TypeError, AttributeError, IndexError):
        return dict.fromkeys(DASHBOARD_FIELDS), departures
    return out, departures
