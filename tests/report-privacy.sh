#!/bin/bash
# SPDX-License-Identifier: MIT
# docs/design.md §4.2: "A report never contains a host name, IP address, user name, path,
# or machine id." The fake head's fixtures are full of distinctive host names
# (fixture-host-zz9), IPs (10.77.x.x), a user (fixture-user-qq7) and paths; here
# the bootstrap YAML, dashboard.log and the environment add more, the machine
# gets a distinctive host name (in a private UTS namespace, when possible),
# and the session belongs to a distinctive user (when root). None of it may
# reach the POSTed body or usage_stats.json's report.
. "$(dirname "$0")/report-lib.sh"

UTS_HOST=fixture-uts-host-kk5
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare --uts true 2>/dev/null; then
        HAVE_UTS=1
else
        HAVE_UTS=
fi
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null; then
        OWNER=$(unique_user rus-priv-)
        add_user "$OWNER" "$TEST_TMP/ownerhome"
        mkdir -p "$TEST_TMP/ownerhome"
        chown "$OWNER:" "$TEST_TMP/ownerhome"
        YAML=$TEST_TMP/ownerhome/ray_bootstrap_config.yaml
else
        OWNER=
        YAML=$HOME/ray_bootstrap_config.yaml
fi

start_head main
start_head noid --route-mode /cluster_id=500
make_session "$RUS_RAY_DIR" $OWNER >/dev/null

cat >"$YAML" <<'EOF'
cluster_name: fixture-cluster-name-pp4
max_workers: 2
provider:
    type: aws
    region: us-west-2
    head_ip: 10.77.5.5
    worker_ips: [10.77.5.6, "fd00::77:5"]
auth:
    ssh_user: fixture-user-qq7
    ssh_private_key: /home/fixture-user-qq7/.ssh/id_rsa
head_node_type: fixture-head-type
available_node_types:
    fixture-head-type:
        node_config:
            InstanceType: m5.large
            SubnetId: subnet-fixture-host-zz9
    worker:
        node_config:
            InstanceType: m5.xlarge
file_mounts:
    /home/fixture-user-qq7/data: /etc/fixture-secret
EOF
[ -n "$OWNER" ] && chown "$OWNER:" "$YAML"
# The Ray user's files and the session's, full of private data.
printf '%s\n' "2025-11-26 12:00:01 INFO -- node_ip_address=10.77.1.2 hostname=fixture-host-zz9 user=fixture-user-qq7" \
        "x -- Dashboard head http address: 127.0.0.1:${HEAD_PORT[main]}" >>"$SESSION/logs/dashboard.log"

MACHINE_ID=$(cat /etc/machine-id 2>/dev/null || true)
BOOT_ID=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || true)
REAL_HOST=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)

# private_report ARGS: one report (ARGS: "uts" to run under a distinctive host
# name); the POSTed body and the file's report must hold nothing private.
private_report() {
        fresh_keep_yaml
        local RUS_WRAP=()
        if [ "${1:-}" = uts ]; then
                RUS_WRAP=(unshare --uts -- /bin/sh -c 'hostname "$0" && exec "$@"' "$UTS_HOST")
        fi
        export RAY_USAGE_STATS_EXTRA_TAGS='team=ml'
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        post_body -1 "$TEST_TMP/body.json"
        python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["usage_stats"], open(sys.argv[2], "w"))' \
                "$USAGE_FILE" "$TEST_TMP/file-report.json"
        local users
        users="root fixture-user-qq7 ${OWNER:-} $(id -un)"
        pycheck "
private = {
    'host name': ['$REAL_HOST', '$UTS_HOST', 'fixture-host-zz9', 'fixture-gpu-host-yy8', 'fixture-dead-host-xx7',
                  'fixture-old-host-ww6', 'fixture-cluster-name-pp4', 'subnet-fixture'],
    'machine id': ['$MACHINE_ID', '$BOOT_ID'],
    'user name': '$users'.split(),
    'node id': ['aa11aa11aa11', 'bb22bb22bb22'],
    'session name or dir': ['$RUS_SESSION_NAME', '$TEST_TMP'],
    'fixture secrets': ['fixture-session-uuid-not-reported', 'raysubmit_', 'FixtureTrainer', 'fixture-ns'],
}
for i, text in enumerate(T):
    where = ['POST body', 'usage_stats.json report'][i]
    for kind, words in private.items():
        for w in words:
            if not w:
                continue
            if '-' in w and kind == 'machine id':
                forms = [w, w.replace('-', '')]
            elif kind == 'machine id':
                forms = [w, '-'.join([w[:8], w[8:12], w[12:16], w[16:20], w[20:]])]
            else:
                forms = [w]
            for f in forms:
                check(not re.search(r'(?<![A-Za-z0-9_.-])' + re.escape(f) + r'(?![A-Za-z0-9_-])', text),
                      f'{where} holds the {kind} {f!r}')
    for m in re.finditer(r'(?<![0-9.])\d{1,3}(\.\d{1,3}){3}(?![0-9.])', text):
        failures.append(f'{where} holds an IPv4 address {m.group(0)!r}')
    for m in re.finditer(r'(?i)(?<![0-9a-z:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![0-9a-z:])', text):
        failures.append(f'{where} holds an IPv6 address {m.group(0)!r}')
    for m in re.finditer(r'/(tmp|home|etc|root|var|usr|run|proc|dev|opt|srv|mnt)\b', text):
        failures.append(f'{where} holds a path {text[max(0, m.start() - 20):m.end() + 20]!r}')
    check('10.77.' not in text, f'{where} holds a fixture IP prefix')
    check('ssh' not in text.lower(), f'{where} holds the ssh settings')
eq(J0, J[1], 'the POST body and the file hold the same report')
eq(J0['cloud_provider'], 'aws', 'the YAML was read')
eq(J0['worker_node_instance_types'], ['m5.xlarge'], 'worker types')
" "$TEST_TMP/body.json" "$TEST_TMP/file-report.json"
}

# fresh, but the bootstrap YAML stays.
fresh_keep_yaml() {
        cp -p "$YAML" "$TEST_TMP/yaml.keep"
        fresh
        cp -p "$TEST_TMP/yaml.keep" "$YAML"
        use_head main
}

t "a report holds no host name, IP, user name, path, machine id" private_report
if [ -n "$HAVE_UTS" ]; then
        t "a report holds no host name under a distinctive host name ($UTS_HOST)" private_report uts
else
        t_skip "a report holds no host name under a distinctive host name" "no UTS namespace (needs root and unshare)"
fi

case_fallback_id() {
        fresh_keep_yaml
        use_head noid
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body1.json"
        rm -rf "$RAY_USAGE_STATS_STATE_DIR"
        rus report
        post_body -1 "$TEST_TMP/body2.json"
        pycheck "
a, b = J0['session_id'], J[1]['session_id']
check(a != b, f'two fresh states give two different session ids ({a})')
for s in (a, b):
    check(re.fullmatch(r'[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', s or ''),
          f'a random (version 4) UUID: {s!r}')
    check('$MACHINE_ID' == '' or '$MACHINE_ID'[:12] not in s.replace('-', ''), 'not the machine id')
    check('$BOOT_ID' == '' or '$BOOT_ID' != s, 'not the boot id')
" "$TEST_TMP/body1.json" "$TEST_TMP/body2.json"
}
t "without /cluster_id, session_id is a random UUID, not derived from the machine" case_fallback_id

t_end
