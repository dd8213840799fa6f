#!/bin/bash
# SPDX-License-Identifier: MIT
# The data dictionary (docs/design.md §11): `fields`, `fields --json`, the keys of
# `preview` and the field table of ray-usage-stats(8) list the same names in
# the same order, so that no field can be added without its documentation.
. "$(dirname "$0")/report-lib.sh"

start_head main
make_session "$RUS_RAY_DIR" >/dev/null
MAN=$RUS_SRCDIR/man/ray-usage-stats.8

case_same_names() {
        use_head main
        rus fields
        need "fields exits 0" [ "$RC" -eq 0 ]
        tail -n +2 "$T_OUT" | awk '{ print $1 }' >"$TEST_TMP/fields.txt"
        rus fields --json
        need "fields --json exits 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$TEST_TMP/fields.json"
        rus preview
        need "preview exits 0" [ "$RC" -eq 0 ]
        cp "$T_OUT" "$TEST_TMP/preview.json"
        # The rows of the column list in THE REPORT: ".It Ic NAME Ta TYPE Ta SOURCE".
        sed -n '/^\.Sh THE REPORT/,/^\.Sh /s/^\.It Ic \([a-z_]*\) Ta .*/\1/p' "$MAN" >"$TEST_TMP/man.txt"
        python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().split()))' \
                "$TEST_TMP/fields.txt" >"$TEST_TMP/fields-text.json"
        python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().split()))' \
                "$TEST_TMP/man.txt" >"$TEST_TMP/man.json"
        # That they are Ray's keys is src/report/test-report.c's check, on the same table.
        pycheck '
names = [f["name"] for f in J[0]]
eq(len(names), 27, "27 fields")
eq(len(set(names)), 27, "27 distinct names")
eq(list(J[1].keys()), names, "preview keys")
eq(J[2], names, "fields (text) names")
eq(J[3], names, "man page table names")
kinds = {"string": str, "integer": int, "number": float, "array": list, "object": dict, "null": type(None)}
for f in J[0]:
    n, ty = f["name"], f["type"]
    check(ty and f["source"], n + " has a type and a source")
    ok = [t for w, t in kinds.items() if w in ty.split()]
    check(type(f["example"]) in ok, "%s: example %r is a %s" % (n, f["example"], ty))
    check(J[1][n] is None or type(J[1][n]) in ok, "%s: preview value %r is a %s" % (n, J[1][n], ty))
' "$TEST_TMP/fields.json" "$TEST_TMP/preview.json" "$TEST_TMP/fields-text.json" "$TEST_TMP/man.json"
}
t "fields, fields --json, preview and the man page list the same fields in the same order" case_same_names

case_usage() {
        rus fields extra
        need "an extra argument is an error" [ "$RC" -ne 0 ]
        rus fields --help
        need "fields --help exits 0" [ "$RC" -eq 0 ]
        need "fields --help shows usage" grep -q "Usage: ray-usage-stats fields" "$T_OUT"
}
t "fields: usage errors and --help" case_usage

t_end
