#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 9, attack 3: a 1 KB ~/ray_bootstrap_config.yaml whose merge keys
# ("<<: [*a, *a, ...]", 8 aliases a level, 15 levels deep) stand for 8^15
# pairs. (Each level's mapping holds a pair: merges of empty mappings cost
# nothing once each mapping is flattened once, as PyYAML does.) Another local user makes a session of their own (attack 2)
# so that the service, started as root, parses their YAML. The parse must be
# cut by the YAML's budget of node visits (RAY_USAGE_STATS_DEBUG=1 says so),
# the cluster fields null and the run within its 30 s, the YAML parsed by a
# process without root. (How fast belongs in bench/, not here.)
#
# Needs root (useradd, setpriv); runs in a private network namespace.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users

# On a binary without the budget the parse runs for minutes: wait no longer
# than the run's own limit allows.
RUS_RUN_TIMEOUT=$(((LIMIT_RUN_MS + LIMIT_SLACK_MS) / 1000))
CUT="Ignoring the cluster config: reading it takes more than 1000000 node visits"

rus_two_users

start_head main
RAYTMP=$TEST_TMP/raytmp
mkdir -p "$RAYTMP"
chmod 0777 "$RAYTMP"
export RAY_TMPDIR=$RAYTMP

# The bomb, written by the other user into their own home.
bomb() { # FILE
        python3 - "$1" <<'PY'
import sys
lines = ["a0: &a0 {x: 1}"]
for i in range(1, 16):
    lines.append("a%d: &a%d {<<: [%s]}" % (i, i, ", ".join(["*a%d" % (i - 1)] * 8)))
lines += ["<<: *a15", "max_workers: 2", "provider: {type: aws}"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
}

case_bomb_in_own_session() {
        fresh
        use_head main
        rm -rf "$RAYTMP/ray"
        make_session "$RAYTMP/ray" "$EVIL" >/dev/null
        as_user "$EVIL" bash -c "$(declare -f bomb); bomb \"\$1\"" sh "$TEST_TMP/evilhome/ray_bootstrap_config.yaml"
        need "the bomb is about 1 KB" [ "$(stat -c %s "$TEST_TMP/evilhome/ray_bootstrap_config.yaml")" -lt 1100 ]
        export RAY_USAGE_STATS_DEBUG=1
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "the parse is cut by the budget" grep -qF "$CUT" "$T_ERR"
        within "$LIMIT_RUN_MS" "the run"
        need "one POST" [ "$(posts_count)" -eq 1 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck '
for k in ("cloud_provider", "min_workers", "max_workers", "head_node_instance_type", "worker_node_instance_types"):
    eq(J0[k], None, k)
eq(J0["ray_version"], "2.52.0", "the rest of the report is there")
' "$TEST_TMP/body.json"
}
t "merge-key bomb (8 aliases x 15 levels, 1 KB) in the session owner's YAML: cut by the visit budget, cluster fields null" \
        case_bomb_in_own_session

case_bomb_preview() {
        fresh
        use_head main
        rm -rf "$RAYTMP/ray"
        make_session "$RAYTMP/ray" "$RAYU" >/dev/null
        as_user "$RAYU" bash -c "$(declare -f bomb); bomb \"\$1\"" sh "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        export RAY_USAGE_STATS_DEBUG=1
        rus preview
        need "exit 0" [ "$RC" -eq 0 ]
        need "the parse is cut by the budget" grep -qF "$CUT" "$T_ERR"
        within "$LIMIT_RUN_MS" "the run"
        pycheck 'eq((J0["cloud_provider"], J0["max_workers"]), (None, None), "cluster fields null")' "$T_OUT"
}
t "the same bomb under preview: cut by the visit budget, cluster fields null" case_bomb_preview

case_normal_yaml_still_read() {
        fresh
        use_head main
        rm -rf "$RAYTMP/ray"
        make_session "$RAYTMP/ray" "$RAYU" >/dev/null
        as_user "$RAYU" sh -c 'printf "base: &b {min_workers: 1}\n<<: *b\nmax_workers: 3\nprovider: {<<: {type: gcp}}\n" >"$1"' \
                sh "$TEST_TMP/rayhome/ray_bootstrap_config.yaml"
        export RAY_USAGE_STATS_DEBUG=1
        rus preview
        need "exit 0" [ "$RC" -eq 0 ]
        ! grep -q "Ignoring the cluster config" "$T_ERR" || need "the YAML is not ignored" false
        pycheck 'eq((J0["cloud_provider"], J0["min_workers"], J0["max_workers"]), ("gcp", 1, 3), "merge keys still read")' \
                "$T_OUT"
}
t "control: a YAML with ordinary merge keys is still read" case_normal_yaml_still_read

t_end
