#!/bin/bash
# The main job end to end on a local default, for the README: a Ray head
# session and its dashboard faked on 127.0.0.1 (tests/fake-ray-head.py,
# which also plays the report endpoint), then the real binary's check,
# preview, report and status. Nothing leaves 127.0.0.1, and nothing reaches
# the system journal: the demo runs in a private mount namespace whose
# journal socket is tests/journal-capture.py (tests/journal-lib.sh), so that
# its fake reports never show in `history` or `deletion-request`.
#   bash tests/demo.sh [BINARY]
RUS_BINARY=$(realpath "${1:-./ray-usage-stats}")
RUS_JOURNAL_PRIVATE_ONLY=1
. "$(dirname "$0")/journal-lib.sh"
. "$(dirname "$0")/lib.sh"

start_capture demo

start_fake_head --fixtures "$FIXTURES/basic"
make_session "$RAY_TMPDIR/ray" >/dev/null
# Take the dashboard address from the session's logs/dashboard.log, as on a real head.
unset RAY_USAGE_STATS_DASHBOARD_URL

echo "### ray-usage-stats check"
"$RUS_BINARY" check
echo "(exit status $?)"
echo
echo "### ray-usage-stats report"
"$RUS_BINARY" report || fail "report failed"
echo
echo "### $RUS_SESSION/usage_stats.json"
python3 -m json.tool "$RUS_SESSION/usage_stats.json"
echo
echo "### what the endpoint received (byte-identical to the journal's RAY_USAGE_STATS_PAYLOAD)"
last_post_body
echo
echo
echo "### ray-usage-stats status"
"$RUS_BINARY" status
echo
echo "### the journal entries of this demo (a private journal: the system journal is untouched)"
sed -n 's/^MESSAGE=//p' "$RUS_CAPTURE_OUT"
