# SPDX-License-Identifier: MIT
"""Inputs for tests/parity.sh: cluster YAMLs (Ray's example configs, each
mutated with every scalar form, tag, merge shape and key type, plus random
structure), RAY_USAGE_STATS_EXTRA_TAGS values and dashboard answers. Each
case is (class, kind, bytes)."""

import json
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))

# One-line YAML values: every scalar form YAML 1.1 resolves, every standard
# tag (and some misuses), merge shapes, escapes.
SCALARS = [
    "1", "-1", "-5", "0", "+0", "08", "010", "0o17", "0b101", "0b", "0b_", "0x1F", "0x_", "0xFFFFFFFFFFFFFFFFFF",
    "-0xFFFFFFFFFFFFFFFFFFFF", "1_000", "1__0", "1:30", "1:60", "190:20:30", "-1:30", "12345678901234567890123",
    "-99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "1.5", "1.", ".5", "1e5", "1.5e+3", "1.5e3", "-0.0", "0.0", "1_0.5", ".inf", "-.inf", "+.INF", ".nan", ".NaN",
    "1:30.5", "1e400", "1.0e+400", "123456789.123456789",
    "yes", "No", "on", "OFF", "true", "False", "TRUE", "y", "n", "~", "null", "Null", "NULL", "",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-12-14T21:59:43Z",
    "2023-02-30", "2001-1-1", "2024-02-29", "2023-02-29", "0000-01-01", "2001-12-14 25:00:00",
    "2001-12-14 21:59:43 +24", "2001-12-14 21:59:43 -23:59",
    "'quoted 1'", "\"double\"", "'yes'", "\"1\"", "'~'", "\"\\0nul\"", "\"a\\x00b\"", "\"\\ud83d\\ude00\"",
    "\"\\udcff\"", "\"\\ud83d\"", "\"x\\ude00y\"", "\"\\x41\\u00e9\\U0001F600\"", "\"a\\tb\\/c\"",
    "\"\\e\\N\\_\\L\\P\"", "'\u00e9t\u00e9 \u4e2d'",
    "!!int 0o17", "!!int '12'", "!!int ' 12 '", "!!int abc", "!!int ''", "!!int '-'", "!!int 0b0b1",
    "!!int 0x0x1f", "!!int '1: 2'", "!!int 1:x", "!!int 0B1", "!!int 1e3", "!!int 08",
    "!!float 1e5", "!!float '1'", "!!float x", "!!float ' 2.5 '", "!!float infinity", "!!float -nan",
    "!!float 0x10", "!!float ''", "!!float 1:30", "!!float '1e'",
    "!!str 1", "!!str", "!!bool YES", "!!bool maybe", "!!bool oN", "!!null x", "!!null",
    "!!binary aGVsbG8=", "!!binary aGVsbG8", "!!binary aGVsbA", "!!binary '!!'", "!!binary 'a=b='",
    "!!binary \"\u00e9\"", "!!binary ''",
    "!!timestamp 2001-01-01", "!!timestamp 2001-1-1", "!!timestamp nope", "!!timestamp '2001-01-01 '",
    "!!set {a, b}", "!!set {}", "!!omap [{a: 1}, {b: 2}]", "!!pairs [{a: 1}, {a: 2}]", "!!omap [{a: 1, b: 2}]",
    "!!omap {a: 1}", "!!omap [1]", "!!pairs [{[1]: 2}]", "!!omap []",
    "!!seq [1, 2]", "!!map {a: 1}", "!!seq x", "!!map x", "!!str [1]", "!!int {}", "!!set [a]",
    "!custom 1", "!!python/tuple [1]", "!!merge x", "!!value x", "! 12", "! '12'", "! [1]", "=", "<<",
    "[1, 2]", "{a: 1}", "[]", "{}", "[a, [b, {c: d}]]", "{1: a, 2.5: b, true: c, ~: d}", "{'1': a, 1: b}",
    "{2001-01-01: x}", "{!!binary aGk=: x}", "{[1]: 2}", "{{a: 1}: 2}", "{!!set {a}: 2}",
    "TYPICALLY_THE_NUMBER_OF_WORKER_IPS", "&anc 5", "&anc [1, *anc]", "m5.large", "a b  c",
    "{<<: {a: 1}, b: 2}", "{<<: [{a: 1}, {a: 2}], b: 3}", "{<<: 5}", "{<<: [1, 2]}", "{<<: [{a: 1}, 3]}",
    "{<<: ~}", "{a: <<}", "[<<]", "{<<: {<<: {a: 1}}}", "{!!merge x: {a: 1}}", "{'<<': 1}",
    "{<<: !!set {a}}", "{<<: !foo {a: 1}}", "{<<: !!omap [{a: 1}]}", "{<<: []}", "{=: 1}", "{a: =}",
]

# Keys for node types and head_node_type.
KEYS = ["head", "1", "1.0", "true", "'1'", "~", "0", "false", "0.0", "-0.0", "2001-01-01", "!!binary aGk=", "0x1",
        "1e3", ".nan", "99999999999999999999", "99999999999999999999.0", "'head'", "!!str 1", "[1]", "{a: 1}",
        "!!set {a}", "2001-01-01 00:00:00", "2001-01-01 00:00:00Z", "2001-01-01 01:00:00 +01:00", "yes", "on"]


def examples():
    for name in sorted(os.listdir(os.path.join(HERE, "configs"))):
        with open(os.path.join(HERE, "configs", name), "rb") as f:
            yield name, f.read().decode()


def with_top_key(text, key, value):
    """text with the top-level key set to value (replaced, or added at the end)."""
    lines = text.split("\n")
    out, skipping, done = [], False, False
    for line in lines:
        if skipping:
            if line.startswith((" ", "\t", "#")) or line == "":
                if line.startswith(" "):
                    continue
            else:
                skipping = False
        if not done and re.match(re.escape(key) + r"\s*:", line):
            out.append(f"{key}: {value}")
            skipping = done = True
            continue
        out.append(line)
    if not done:
        out.append(f"{key}: {value}")
    return "\n".join(out) + ("" if text.endswith("\n") else "\n")


def yaml_cases(rng):
    exs = list(examples())
    for name, text in exs:
        yield "example", "yaml", text.encode()
    # Every example with an unread key changed to every unusual form.
    for name, text in exs:
        for form in SCALARS:
            key = rng.choice(["cluster_name", "idle_timeout_minutes", "setup_commands", "upscaling_speed",
                              "unread_key"])
            yield "example-unread-form", "yaml", with_top_key(text, key, form).encode()
    # The fields Ray reads, set to every form.
    base = dict(exs)["ray-test-full.yaml"]
    for form in SCALARS:
        yield "read-field", "yaml", with_top_key(base, "min_workers", form).encode()
        yield "read-field", "yaml", with_top_key(base, "max_workers", form).encode()
        yield "read-field", "yaml", with_top_key(base, "provider", "{type: %s}" % form if not form.startswith("&")
                                                 else "{type: 1}").encode()
        yield "read-field", "yaml", with_top_key(base, "provider", form).encode()
        yield "read-field", "yaml", (
            "head_node_type: h\navailable_node_types:\n  h: {node_config: {InstanceType: %s}}\n"
            "  w: {node_config: {machineType: %s}}\n  v: {node_config: %s}\n" % (form, form, form)).encode()
        yield "read-field", "yaml", (
            "head_node_type: h\navailable_node_types:\n  h: {node_config: {azure_arm_parameters: %s}}\n"
            "  w: {node_config: {azure_arm_parameters: {vmSize: %s}}}\n  x: %s\n" % (form, form, form)).encode()
    # Key equality: node type names against head_node_type.
    for head in KEYS:
        for other in rng.sample(KEYS, 4):
            yield "key-equality", "yaml", (
                "head_node_type: %s\navailable_node_types:\n  %s: {node_config: {InstanceType: a}}\n"
                "  %s: {node_config: {InstanceType: b}}\n  w: {node_config: {InstanceType: c}}\n"
                % (head, other, head)).encode()
            yield "key-equality", "yaml", (
                "head_node_type: %s\navailable_node_types:\n  ? %s\n  : {node_config: {InstanceType: %s}}\n"
                "  x: {node_config: {InstanceType: %s}}\n" % (head, other, other, head)).encode()
    # Duplicate keys, merges and anchors around the read fields.
    for doc in [
        "min_workers: 1\nmin_workers: 2\n",
        "base: &b {min_workers: 3, provider: {type: aws}}\n<<: *b\nmax_workers: 4\n",
        "base: &b {min_workers: 3}\nother: &o {min_workers: 5}\n<<: [*b, *o]\n",
        "base: &b {min_workers: 3}\n<<: *b\nmin_workers: 7\n",
        "<<: {min_workers: 1}\n<<: {min_workers: 2}\n",
        "a: &a {x: 1}\nb: &b {<<: [*a, *a, *a]}\nc: {<<: [*b, *b, *b]}\nmin_workers: 1\n",
        "&r {<<: *r}\n",
        "a: &a [*a]\nmin_workers: *a\n",
        "a: &a {k: *a}\nmin_workers: *a\n",
        "available_node_types: &t {h: {node_config: {InstanceType: x}}}\nhead_node_type: h\nmore: *t\n",
        "head_node_type: h\navailable_node_types: {h: {node_config: {InstanceType: x}}, h: {node_config: {}}}\n",
        "head_node_type: h\navailable_node_types: {1: {node_config: {InstanceType: x}}, 1.0: {node_config: "
        "{InstanceType: y}}, true: {node_config: {InstanceType: z}}}\n",
        "head_node_type: h\navailable_node_types:\n  a: {node_config: {InstanceType: 1}}\n"
        "  b: {node_config: {InstanceType: true}}\n  c: {node_config: {InstanceType: 1.0}}\n",
        "head_node_type: h\navailable_node_types:\n  a: {node_config: {InstanceType: [1]}}\n",
        "head_node_type: h\navailable_node_types:\n  a: {node_config: {InstanceType: ''}}\n  h: {node_config: "
        "{InstanceType: ''}}\n",
        "head_node_type: h\navailable_node_types: []\n",
        "head_node_type: h\navailable_node_types: {}\n",
        "head_node_type: h\navailable_node_types: {a: [1]}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: InstanceType}}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: [InstanceType]}}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: !!set {InstanceType}}}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: !!set {x}}}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: !!binary aGk=}}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: 5}}\n",
        "head_node_type: h\navailable_node_types: {a: {node_config: {azure_arm_parameters: vmSize}}}\n",
        "provider: type\n", "provider: [type]\n", "provider: !!set {type}\n", "provider: 5\n",
        "provider: !!binary aGk=\n", "provider: {type: !!binary aGk=}\n",
        "- min_workers\n", "min_workers\n", "", "# nothing\n", "---\n", "--- 5\n", "---\nmin_workers: 1\n...\n",
        "min_workers: 1\n---\nmax_workers: 2\n", "%YAML 1.1\n---\nmin_workers: 1\n",
        "%YAML 1.3\n---\nmin_workers: 1\n", "%YAML 2.0\n---\nmin_workers: 1\n",
        "%TAG !e! tag:yaml.org,2002:\n---\nmin_workers: !e!int 5\n",
        "min_workers: 1\t# tab before a comment\n", "min_workers:\t1\n", "min_workers: 1 # ok\n",
        "min_workers: \"a\tb\"\n", "min_workers: |\n  a\tb\n", "min_workers: 1\nx: [1,\t2]\n",
        "\ufeffmin_workers: 1\n", "min_workers: 1\r\nmax_workers: 2\r\n", "min_workers: 1\rmax_workers: 2\r",
        "min_workers: \"line\n  folded\"\n", "min_workers: >\n  folded\n  text\n", "min_workers: |-\n  x\n",
        "min_workers: 'it''s'\n", "{min_workers: 1, max_workers: 2}\n", "min_workers: *undefined\n",
        "a: &x 1\nb: &x 2\nmin_workers: 1\n", "min_workers: {a:1}\n", "min_workers: [a:1]\n",
        "min_workers: {a: 1, ? b}\n", "? [1, 2]\n: x\nmin_workers: 1\n",
        "min_workers: 1\n" + "x" * 5000 + ": 1\n",
        "min_workers: " + "1" * 4300 + "\n", "min_workers: " + "1" * 4301 + "\n",
        "min_workers: 0x" + "F" * 3600 + "\n", "min_workers: 0x" + "F" * 3500 + "\n",
        "min_workers: !!int '1:" + "1" * 4301 + "'\n",
    ]:
        yield "merge-dup-scanner", "yaml", doc.encode()
    for raw in [b"min_workers: \xff\n", b"\xfe\xffmin_workers: 1\n", b"min_workers: 1\x00\n",
                b"min_workers: \x07\n", b"min_workers: \"\xc3\xa9\"\n", b"\xef\xbb\xbfmin_workers: 1\n"]:
        yield "merge-dup-scanner", "yaml", raw
    # Random structure.
    for _ in range(300):
        yield "random", "yaml", random_doc(rng).encode()
    # Syntax noise on the examples: where libyaml's scanner and PyYAML's differ.
    texts = [t for _, t in exs]
    for _ in range(400):
        yield "syntax-noise", "yaml", syntax_noise(rng, rng.choice(texts)).encode()


NOISE = [":", " :", ": ", "?", "? ", "-", "- ", "#", " #", "\t", " \t", "'", '"', "[", "]", "{", "}", ",", "&a ",
         "*a", "!", "!!str ", "|", ">", "%", "@", "`", "\n", "\n  ", "  ", "---\n", "...\n", "\\", "\r\n",
         "\ufeff", "\u00a0", "\u2028", "\x85", "<<: ", "=", "~"]


def syntax_noise(rng, text):
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.3 and at < len(text):
            text = text[:at] + text[at + rng.randint(1, 3):]
        else:
            text = text[:at] + rng.choice(NOISE) + text[at:]
    return text


def random_value(rng, depth, anchors):
    r = rng.random()
    if depth > 3 or r < 0.45:
        v = rng.choice(SCALARS)
        if v.startswith("&"):
            v = "5"
        if anchors and rng.random() < 0.1:
            return "*" + rng.choice(anchors)
        if rng.random() < 0.1:
            name = "a%d" % len(anchors)
            anchors.append(name)
            return "&%s %s" % (name, v) if not v.startswith(("!", "&")) else v
        return v
    if r < 0.7:
        items = [random_value(rng, depth + 1, anchors) for _ in range(rng.randint(0, 3))]
        return "[" + ", ".join(items) + "]"
    pairs = []
    for _ in range(rng.randint(0, 3)):
        key = rng.choice(KEYS + ["min_workers", "type", "InstanceType", "node_config", "<<"])
        pairs.append("%s: %s" % (key, random_value(rng, depth + 1, anchors)))
    return "{" + ", ".join(pairs) + "}"


def random_doc(rng):
    anchors = []
    lines = []
    keys = ["min_workers", "max_workers", "provider", "head_node_type", "available_node_types", "cluster_name",
            "setup_commands", "<<", "extra"]
    for _ in range(rng.randint(1, 6)):
        key = rng.choice(keys)
        if key == "available_node_types" and rng.random() < 0.7:
            head = rng.choice(KEYS[:6])
            parts = []
            for _ in range(rng.randint(1, 4)):
                name = rng.choice(KEYS[:12])
                t = rng.choice(["InstanceType", "machineType", "azure_arm_parameters"])
                val = random_value(rng, 2, anchors) if rng.random() < 0.5 else rng.choice(["m5.large", "n1", "''"])
                inner = "{vmSize: %s}" % val if t == "azure_arm_parameters" else val
                parts.append("%s: {node_config: {%s: %s}}" % (name, t, inner))
            lines.append("head_node_type: %s" % head)
            lines.append("available_node_types: {%s}" % ", ".join(parts))
        elif key == "provider" and rng.random() < 0.7:
            lines.append("provider: {type: %s, region: %s}" % (random_value(rng, 3, anchors),
                                                              random_value(rng, 3, anchors)))
        else:
            lines.append("%s: %s" % (key, random_value(rng, 0, anchors)))
    return "\n".join(lines) + "\n"


TAG_STRINGS = [
    "", "key=val;key2=val2", "key=val;key2=val2;", "key=val,key2=val2", "key=v=al,key2=val2", "a=1;bad", ";;a=1;;",
    "=", "=v", "k=", ";", "a=1;;b=2", " a = 1 ; b=2 ", "a=1;a=2", "k=\u00e9\u4e2d\U0001F600", "k=\"q\"\\",
    "a=1;b", "a", "a=1;=;b=2", "k=\t\n", "x" * 70000 + "=1", "k=" + "v" * 65000,
]
TAG_BYTES = [b"k=\xff", b"k=\xe2\x82A", b"\xed\xa0\x80=x", b"k=\xc0\xaf;j=1", b"k=\xf4\x90\x80\x80"]


def tag_cases(rng):
    for s in TAG_STRINGS:
        yield "extra-tags", "tags", s.encode()
    for b in TAG_BYTES:
        yield "extra-tags", "tags", b
    alphabet = "ab=;=;\u00e9 "
    for _ in range(150):
        yield "extra-tags", "tags", "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))).encode()


VERSIONS = ["3.11.7", "3.13.0rc1", "3.11.7+", "", "3.12.0a7", "3.9", "3.10.12 (main)", "\u00e9", "x" * 300,
            "3.11.7\n", "a\u0000b"]


def dashboard_cases(rng):
    for v in VERSIONS + [5, None, True, [1]]:
        yield "dashboard", "metadata", json.dumps({"result": True, "msg": "", "data": {"pythonVersion": v}}).encode()
        yield "dashboard", "version", json.dumps({"ray_version": v, "ray_commit": v, "version": "5"}).encode()
        yield "dashboard", "version", json.dumps({"ray_version": v}).encode()
    accelerators = ["A100", "\u00e9\u4e2d", "x" * 200, "", "T4 with spaces", "tab\there", "A100"]
    values = [1, 0, -0.0, 2.5, 1e20, 2 ** 70, 12345678901234567890, -3, 0.1, 1e308, 4.0, True, "5", None]
    for _ in range(120):
        rows = []
        for _ in range(rng.randint(0, 4)):
            res = {}
            for k in rng.sample(["CPU", "GPU", "memory", "object_store_memory"], rng.randint(0, 4)):
                res[k] = rng.choice(values[:11]) if rng.random() < 0.95 else rng.choice(values)
            if rng.random() < 0.4:
                res["accelerator_type:" + rng.choice(accelerators)] = 1
            rows.append({"state": rng.choice(["ALIVE", "ALIVE", "DEAD"]), "resources_total": res})
        yield "dashboard", "nodes", json.dumps(
            {"result": True, "msg": "", "data": {"result": {"total": len(rows), "result": rows}}}).encode()


def cases(seed):
    rng = random.Random(seed)
    yield from yaml_cases(rng)
    yield from tag_cases(rng)
    yield from dashboard_cases(rng)
