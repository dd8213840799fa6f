#!/bin/bash
# Issue target: `ray-usage-stats check` (enabled by default, a session
# present) within 2x of /bin/true's wall time and within 2 MiB of its peak
# RSS. Prints medians over RUNS interleaved runs (default 50).
#   bench/check.sh [BINARY] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-./ray-usage-stats}")
runs=${2:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

session=session_2025-11-26_12-00-00_123456_4242
mkdir -p "$tmp/ray/$session/logs" "$tmp/home"
ln -s "$session" "$tmp/ray/session_latest"

export RAY_TMPDIR=$tmp HOME=$tmp/home RAY_USAGE_STATS_SYSTEM_CONFIG=$tmp/none
unset RAY_USAGE_STATS_ENABLED DO_NOT_TRACK RAY_USAGE_STATS_CONFIG_PATH
# Journal writes are part of the real cost where journald runs; here they fail fast.
"$bin" check >/dev/null 2>&1 || { echo "check did not exit 0 on the fixture session" >&2; exit 1; }
python3 "$here/measure.py" "$runs" "/bin/true=/bin/true" "check=$bin check"
