#!/bin/bash
# SPDX-License-Identifier: MIT
# extra_usage_tags and library_usages end to end (policy reference 5, items 1,
# 14, 21, 26): RAY_USAGE_STATS_EXTRA_TAGS parsed exactly as Ray parses it, the
# built-in tags winning over environment tags of the same name, and the
# library-usage markers of the session (record-library and Ray's own files).
. "$(dirname "$0")/report-lib.sh"

start_head main
start_head noactors --route-mode /api/v0/actors=500 --route-mode /api/grafana_health=close
make_session "$RUS_RAY_DIR" >/dev/null

BUILTINS='{"dashboard_metrics_grafana_enabled": "True", "dashboard_metrics_prometheus_enabled": "False",
           "actor_num_created": "7", "pg_num_created": "3"}'

# tags_case EXTRA_TAGS EXPECTED: one report with the variable set (unset when
# EXTRA_TAGS is "-"); EXPECTED is a Python dict of the expected tags.
tags_case() {
        fresh
        use_head main
        if [ "$1" = - ]; then
                unset RAY_USAGE_STATS_EXTRA_TAGS
        else
                export RAY_USAGE_STATS_EXTRA_TAGS=$1
        fi
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck "
eq(J0['extra_usage_tags'], $2, 'extra_usage_tags in the POST')
eq(J[1]['usage_stats']['extra_usage_tags'], $2, 'extra_usage_tags in usage_stats.json')
" "$TEST_TMP/body.json" "$USAGE_FILE"
}

t 'EXTRA_TAGS "key=val;key2=val2": both tags, then the built-ins' \
        tags_case 'key=val;key2=val2' "{'key': 'val', 'key2': 'val2', **$BUILTINS}"
t 'EXTRA_TAGS "key=val;key2=val2;" (trailing ";") parses the same' \
        tags_case 'key=val;key2=val2;' "{'key': 'val', 'key2': 'val2', **$BUILTINS}"
t 'EXTRA_TAGS ";;key=val;;" (both ends stripped)' \
        tags_case ';;key=val;;' "{'key': 'val', **$BUILTINS}"
t 'EXTRA_TAGS "key=val,key2=val2" gives only the built-ins' \
        tags_case 'key=val,key2=val2' "$BUILTINS"
t 'EXTRA_TAGS "key=v=al,key2=val2" gives only the built-ins' \
        tags_case 'key=v=al,key2=val2' "$BUILTINS"
t 'EXTRA_TAGS "a=1;bad;b=2" keeps what was parsed before the bad item' \
        tags_case 'a=1;bad;b=2' "{'a': '1', **$BUILTINS}"
t 'EXTRA_TAGS "k=" gives an empty value, "=v" an empty key' \
        tags_case 'k=;=v' "{'k': '', '': 'v', **$BUILTINS}"
t 'EXTRA_TAGS unset gives only the built-ins' tags_case - "$BUILTINS"
t 'EXTRA_TAGS empty gives only the built-ins' tags_case '' "$BUILTINS"
t 'a built-in tag wins over an EXTRA_TAGS tag of the same name' \
        tags_case 'actor_num_created=999;mine=1;pg_num_created=x;dashboard_metrics_grafana_enabled=no' \
        "{'actor_num_created': '7', 'mine': '1', 'pg_num_created': '3', 'dashboard_metrics_grafana_enabled': 'True',
          'dashboard_metrics_prometheus_enabled': 'False'}"

case_failed_builtins() {
        fresh
        use_head noactors
        RAY_USAGE_STATS_EXTRA_TAGS='actor_num_created=999;dashboard_metrics_grafana_enabled=yes' rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "stderr names the failed actors call" grep -q "/api/v0/actors" "$T_ERR"
        post_body -1 "$TEST_TMP/body.json"
        pycheck '
eq(J0["extra_usage_tags"], {"actor_num_created": "999", "dashboard_metrics_grafana_enabled": "False",
   "dashboard_metrics_prometheus_enabled": "False", "pg_num_created": "3"}, "extra_usage_tags")
' "$TEST_TMP/body.json"
}
t "a failed count call leaves its tag out (the env tag stays); a failed health call gives False" \
        case_failed_builtins

# Item 26: tags and 2 nodes, as the file shows them.
case_item26() {
        fresh
        use_head main
        RAY_USAGE_STATS_EXTRA_TAGS='key=val;key2=val2' rus report
        need "exit 0" [ "$RC" -eq 0 ]
        pycheck "
u = J0['usage_stats']
eq(u['extra_usage_tags'], {'key': 'val', 'key2': 'val2', **$BUILTINS}, 'file tags')
eq(u['total_num_nodes'], 2, 'total_num_nodes')
eq(J0['success'], True, 'success')
" "$USAGE_FILE"
}
t 'item 26: "key=val;key2=val2" with 2 nodes: exact file tags and total_num_nodes 2' case_item26

# Libraries (items 14, 21): record-library and Ray's file-based recorder.
case_libraries() {
        fresh
        use_head main
        local lib
        for lib in core util.ActorPool train Zeta_1 util.multiprocessing.Pool core; do
                rus record-library "$lib"
                need "record-library $lib exits 0" [ "$RC" -eq 0 ]
        done
        need "marker file written" [ -f "$SESSION/_ray_lib_usage-core.txt" ]
        need "marker mode 0644" [ "$(stat -c %a "$SESSION/_ray_lib_usage-core.txt")" = 644 ]
        # Ray's own recorder writes the same files.
        : >"$SESSION/_ray_lib_usage-tune.txt"
        # Not markers of a library: a link, a directory, bad names, other prefixes.
        ln -s "$SESSION/_ray_lib_usage-core.txt" "$SESSION/_ray_lib_usage-linked.txt"
        mkdir "$SESSION/_ray_lib_usage-dir.txt"
        : >"$SESSION/_ray_lib_usage-bad name.txt"
        : >"$SESSION/_ray_lib_usage-.txt"
        : >"$SESSION/_ray_lib_usage-noext"
        : >"$SESSION/ray_lib_usage-other.txt"
        if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
                : >"$SESSION/_ray_lib_usage-foreign.txt"
                chown nobody "$SESSION/_ray_lib_usage-foreign.txt"
        fi
        rus report
        rm -rf "$SESSION/_ray_lib_usage-dir.txt"
        need "exit 0" [ "$RC" -eq 0 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck '
eq(J0["library_usages"], ["Zeta_1", "core", "train", "tune", "util.ActorPool", "util.multiprocessing.Pool"],
   "library_usages (byte order, no duplicates, only valid regular markers of the session owner)")
' "$TEST_TMP/body.json"
}
t "library_usages: record-library and Ray's marker files, sorted, links/others' files ignored" case_libraries

case_no_libraries() {
        fresh
        use_head main
        rus report
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq(J0["library_usages"], None, "library_usages")' "$TEST_TMP/body.json"
}
t "library_usages is null without markers" case_no_libraries

t_end
