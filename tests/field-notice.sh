#!/bin/bash
# SPDX-License-Identifier: MIT
# Notice of a changed field list (docs/design.md §11): the state directory remembers the
# fields last reported; the first report of a different list journals
# MESSAGE_ID bc62fe41... with the added and removed fields, and status shows
# it until the next report. Local mode reports nothing and notices nothing.
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/report-lib.sh"

start_head main
make_session "$RUS_RAY_DIR" >/dev/null
FIELDS_CHANGED=bc62fe4136b5483eb8ebea2dfc47c8ad

# An older version's list: without hardware_usages, with a field since removed.
older_list() {
        python3 - "$RAY_USAGE_STATS_STATE_DIR/fields.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["fields"] = [f for f in d["fields"] if f != "hardware_usages"] + ["old_field"]
json.dump(d, open(sys.argv[1], "w"))
PY
}

case_notice() {
        fresh
        use_head main
        start_capture head-a
        rus report
        need "the first report exits 0" [ "$RC" -eq 0 ]
        need "the first report ever notices nothing" bash -c "! grep -q 'fields of the usage stats report changed' '$T_ERR'"
        need "the list is remembered" [ -f "$RAY_USAGE_STATS_STATE_DIR/fields.json" ]
        status_json "$TEST_TMP/s0.json"
        pycheck 'eq(J0["field_change"], None, "no field change yet")' "$TEST_TMP/s0.json"

        older_list
        RAY_USAGE_STATS_UPLOAD=0 rus report
        need "local mode notices nothing" bash -c "! grep -q 'fields of the usage stats report changed' '$T_ERR'"

        rus report
        need "the report after the change exits 0" [ "$RC" -eq 0 ]
        need "it says what changed" grep -q "added: hardware_usages; removed: old_field" "$T_ERR"
        capture_journal "$TEST_TMP/n.journal"
        journalctl --file="$TEST_TMP/n.journal" -o json "MESSAGE_ID=$FIELDS_CHANGED" >"$TEST_TMP/n.json"
        pycheck '
eq(J0["RAY_USAGE_STATS_FIELDS_ADDED"], "hardware_usages", "journal: added")
eq(J0["RAY_USAGE_STATS_FIELDS_REMOVED"], "old_field", "journal: removed")
eq(J0["SYSLOG_IDENTIFIER"], "ray-usage-stats", "journal: identifier")
' "$TEST_TMP/n.json"

        rus status
        need "status shows the change" grep -q "^Field change: .*added: hardware_usages; removed: old_field" "$T_OUT"
        status_json "$TEST_TMP/s1.json"
        pycheck '
c = J0["field_change"]
eq(c["added"], ["hardware_usages"], "status: added")
eq(c["removed"], ["old_field"], "status: removed")
check(c["time_ms"] > 0, "status: time")
' "$TEST_TMP/s1.json"

        rus report
        need "the next report says nothing" bash -c "! grep -q 'fields of the usage stats report changed' '$T_ERR'"
        rus status
        need "status no longer shows it" bash -c "! grep -q '^Field change' '$T_OUT'"
        capture_journal "$TEST_TMP/n2.journal"
        need "exactly one notice in the journal" \
                [ "$(journalctl --file="$TEST_TMP/n2.journal" -o cat "MESSAGE_ID=$FIELDS_CHANGED" | wc -l)" -eq 1 ]
}
t "a changed field list: one catalogued notice, shown by status until the next report" case_notice

t_end
