#!/bin/bash
# Issue target: `ray-usage-stats check` (enabled by default, one live Ray
# head: the tests' fake GCS) within 2x of /bin/true's wall time and within
# 2 MiB of its peak RSS. Prints medians over RUNS interleaved runs (default
# 50). Runs in the tests' safe environment and PID namespace (tests/lib.sh).
#   bench/check.sh [BINARY] [RUNS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
RUS_BINARY=$(realpath "${1:-./ray-usage-stats}")
runs=${2:-50}
export RUS_BINARY
. "$here/../tests/lib.sh"

make_session "$RAY_TMPDIR/ray" >/dev/null
# Journal writes are part of the real cost where journald runs; here they fail fast.
"$RUS_BINARY" check >/dev/null 2>&1 || fail "check did not exit 0 on the fixture session"
python3 "$here/measure.py" "$runs" "/bin/true=/bin/true" "check=$RUS_BINARY check"
