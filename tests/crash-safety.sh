#!/bin/bash
# SPDX-License-Identifier: MIT
# A report killed at any moment, or hit by a failing disk, never leaves a
# truncated state or report file, never reuses a sequence number, and every
# attempt is counted exactly once (docs/design.md §6).
#
# Part 1: RUS_CRASH_RUNS (default 2000) reports against the fake head, each
# killed with SIGKILL after a random delay spread over a whole run (the
# window adapts so that about a third of the runs end first); after
# every kill the state file and <session>/usage_stats.json must parse as
# complete JSON. Then one clean run settles a pending attempt, and
#   I1  every file ever seen was complete JSON of the expected shape, and in
#       the state file seq_number == total_success + total_failed + pending;
#   I2  the counters never went backwards;
#   I3  no seq_number was sent twice, each POST carried
#       total_success + total_failed == seq_number, and all are below the
#       final seq_number;
#   I4  after the clean run: pending is false, and
#       total_success <= POSTs received <= seq_number == total_success + total_failed
#       (a run counts as a success only once the endpoint had its POST, and a
#       POST is only made with its number reserved on disk).
# Part 2: an LD_PRELOAD shim (tests/faultinject.c) makes write, fsync, rename
# or create fail with ENOSPC/EIO/EDQUOT/EROFS/EACCES on the state file or on
# usage_stats.json: exit status 3, one error line naming the file and the
# error, the file that failed untouched, no temporary file left behind, no
# POST when the counters could not be saved first, and the next run is clean;
# the same for enable/disable (exit status 1) on the config file and on the
# machine-wide environment file.
. "$(dirname "$0")/report-lib.sh"

runs=${RUS_CRASH_RUNS:-2000}
start_fake_head
make_session "$RAY_TMPDIR/ray" >/dev/null
# The counters of the session of this name and owner (issue 17).
state=$RAY_USAGE_STATS_STATE_DIR/$RUS_SESSION_NAME@$(id -u).json
usage=$RUS_SESSION/usage_stats.json
snaps=$TEST_TMP/snapshots
mkdir -p "$snaps"

# A builtin sleep: read(1) with a timeout on a pipe that never has data.
exec {never}<> <(:)
nap() { read -r -t "$1" -u "$never" _ || true; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

case_killed_runs() {
        # How long one run takes here, so that the kills spread over all of it.
        t0=$(now_ms)
        for i in 1 2 3 4 5; do
                "$RUS_BINARY" report >/dev/null 2>&1 || fail "a clean report failed before the test"
        done
        run_ms=$((($(now_ms) - t0) / 5))
        max_ms=$((run_ms * 5 / 4 + 2))
        info "one report takes ~$run_ms ms; $runs runs killed after 0-$max_ms ms"

        killed=0
        finished=0
        recent=0
        t0=$(now_ms)
        for ((i = 1; i <= runs; i++)); do
                # Keep about a third of the runs finishing before their kill, whatever
                # the load: every 20 runs, widen or narrow the window by a tenth.
                if ((i % 20 == 0)); then
                        if ((recent > 10)); then
                                max_ms=$((max_ms * 9 / 10 > 5 ? max_ms * 9 / 10 : 5))
                        elif ((recent < 4)); then
                                max_ms=$((max_ms * 11 / 10 + 1))
                        fi
                        recent=0
                fi
                "$RUS_BINARY" report >/dev/null 2>&1 &
                pid=$!
                delay=$((RANDOM % (max_ms + 1)))
                nap "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
                kill -KILL "$pid" 2>/dev/null
                # (Redirected so that bash does not report every killed job.)
                { wait "$pid"; } 2>/dev/null
                status=$?
                case $status in
                137) killed=$((killed + 1)) ;;
                0)
                        finished=$((finished + 1))
                        recent=$((recent + 1)) ;;
                *) fail "run $i ended by itself with status $status" ;;
                esac
                # Copies, checked all at once below: a python3 per run would triple the time.
                [ -e "$state" ] && cp "$state" "$snaps/$i.state"
                [ -e "$usage" ] && cp "$usage" "$snaps/$i.usage"
        done
        info "$runs runs in $((($(now_ms) - t0) / 1000)) s: $killed killed, $finished finished before the kill (window at the end: 0-$max_ms ms)"
        [ "$killed" -gt $((runs / 4)) ] || fail "only $killed of $runs runs were killed: the delays do not hit the runs"

        leftovers=$(find "$RUS_SESSION" "$RAY_USAGE_STATS_STATE_DIR" -name '.*.tmp' | wc -l)
        # A killed run can leave its temporary file (nothing runs at SIGKILL); it is
        # never mistaken for the file itself, and the next run removes it.
        info "temporary files left by killed runs: $leftovers"

        "$RUS_BINARY" report >/dev/null 2>"$TEST_TMP/final.err" || fail "the clean run after the kills failed: $(cat "$TEST_TMP/final.err")"
        leftovers=$(find "$RUS_SESSION" "$RAY_USAGE_STATS_STATE_DIR" -name '.*.tmp' | wc -l)
        [ "$leftovers" -eq 0 ] || fail "$leftovers temporary files still there after a clean run"

        python3 - "$snaps" "$runs" "$state" "$usage" "$FAKE_HEAD_RECORD" <<'EOF' || fail "invariants violated (above)"
import base64, json, os, sys

snaps, runs, state_path, usage_path, record = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
errors = []

STATE_KEYS = {"seq_number", "total_success", "total_failed", "ray_success", "pending", "session_id",
              "fallback_session_id", "last_report"}

def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))

def check_state(name, s):
    if set(s) != STATE_KEYS:
        errors.append(f"{name}: keys {sorted(s)}")
        return None
    if not 0 <= s["ray_success"] <= s["total_success"]:
        errors.append(f"{name}: ray_success {s['ray_success']} not within total_success {s['total_success']}")
    if s["seq_number"] != s["total_success"] + s["total_failed"] + (1 if s["pending"] else 0):
        errors.append(f"{name}: seq_number {s['seq_number']} != {s['total_success']} + "
                      f"{s['total_failed']} + pending {s['pending']}")
    return (s["seq_number"], s["total_success"], s["total_failed"])

# I1, I2: every snapshot complete, counters never going back.
last = (0, 0, 0)
seen = 0
for i in range(1, runs + 1):
    for kind in ("state", "usage"):
        p = os.path.join(snaps, f"{i}.{kind}")
        if not os.path.exists(p):
            continue
        seen += 1
        try:
            doc = load(p)
        except (ValueError, UnicodeDecodeError) as e:
            errors.append(f"after kill {i}: {kind} file is not complete JSON ({e}): {open(p, 'rb').read()[:200]!r}")
            continue
        if kind == "usage":
            if set(doc) != {"usage_stats", "success", "error"} or len(doc["usage_stats"]) != 27:
                errors.append(f"after kill {i}: usage_stats.json has the wrong shape")
            continue
        counters = check_state(f"after kill {i}", doc)
        if counters and any(a < b for a, b in zip(counters, last)):
            errors.append(f"after kill {i}: counters went back from {last} to {counters}")
        last = counters or last

# I3: the POSTs the endpoint received in full.
posts, partial = [], 0
for line in open(record, encoding="utf-8"):
    r = json.loads(line)
    if r["method"] != "POST":
        continue
    body = base64.b64decode(r["body_b64"])
    length = int({k.lower(): v for k, v in r["headers"].items()}.get("content-length", "-1"))
    if len(body) != length:
        partial += 1  # the sender was killed mid-request: not a report anyone received
        continue
    posts.append(json.loads(body))
seqs = [p["seq_number"] for p in posts]
if len(seqs) != len(set(seqs)):
    dup = sorted({s for s in seqs if seqs.count(s) > 1})
    errors.append(f"seq_numbers sent more than once: {dup[:10]}")
for p in posts:
    if p["total_success"] + p["total_failed"] != p["seq_number"]:
        errors.append(f"POST {p['seq_number']}: total_success {p['total_success']} + total_failed "
                      f"{p['total_failed']} != seq_number")

# I4: the final state accounts for every attempt.
final = load(state_path)
check_state("final state", final)
S, ok, failed = final["seq_number"], final["total_success"], final["total_failed"]
if final["pending"]:
    errors.append("final state still pending after a clean run")
if any(s >= S for s in seqs):
    errors.append(f"a POST carried seq_number >= the final seq_number {S}")
if not ok <= len(posts) <= S == ok + failed:
    errors.append(f"not total_success {ok} <= POSTs {len(posts)} <= seq_number {S} == {ok} + {failed}")
usage = load(usage_path)
if usage["success"] is not True or usage["usage_stats"]["seq_number"] != S - 1:
    errors.append("usage_stats.json is not the clean run's report")

print(f"crash-safety: {seen} snapshots complete; {len(posts)} POSTs received (+{partial} cut off), "
      f"seq_number {S} = {ok} succeeded + {failed} failed", file=sys.stderr)
for e in errors[:20]:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
}
t "reports killed at any moment: complete files, no seq_number twice, every attempt counted once" case_killed_runs

# --- Part 2: failing disks ----------------------------------------------------

cc=${CC:-cc}
case_failing_disks() {
        "$cc" -shared -fPIC -O1 -o "$TEST_TMP/faultinject.so" "$TESTS_DIR/faultinject.c" -ldl ||
                fail "cannot build the fault injection shim"
        # Under --enable-sanitizers, ASan must not insist on coming first.
        export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

        state_tmp="$RAY_USAGE_STATS_STATE_DIR/.$RUS_SESSION_NAME@$(id -u).json.*.tmp"
        usage_tmp="$RUS_SESSION/.usage_stats.json.*.tmp"

        # OP:ERRNO[:NTH] GLOB FILE-THAT-FAILS EXPECT-POST MESSAGE
        #   NTH 1 and 2 of the state file: the save before and the one after the POST.
        cases=(
                "write:ENOSPC:1|$state_tmp|$state|no|No space left on device"
                "write:EIO:2|$state_tmp|$state|yes|Input/output error"
                "fsync:EIO:1|$state_tmp|$state|no|Input/output error"
                "rename:ENOSPC:1|$state|$state|no|No space left on device"
                "rename:EDQUOT:2|$state|$state|yes|Disk quota exceeded"
                "create:EROFS:1|$state_tmp|$state|no|Read-only file system"
                "write:ENOSPC|$usage_tmp|$usage|yes|No space left on device"
                "write:EDQUOT|$usage_tmp|$usage|yes|Disk quota exceeded"
                "fsync:EIO|$usage_tmp|$usage|yes|Input/output error"
                "rename:EIO|$usage|$usage|yes|Input/output error"
                "create:EACCES|$usage_tmp|$usage|yes|Permission denied"
        )

        # The record holds one sorted-keys JSON object per line: counting is a grep.
        count_posts() { grep -c '"method": "POST"' "$FAKE_HEAD_RECORD"; }

        n_cases=0
        for c in "${cases[@]}"; do
                IFS='|' read -r spec glob file expect_post message <<<"$c"
                rm -f "$TEST_TMP/faults"
                cp "$file" "$TEST_TMP/before"
                posts_before=$(count_posts)

                out=$(RUS_FAULT=$spec RUS_FAULT_PATH=$glob RUS_FAULT_LOG=$TEST_TMP/faults LD_PRELOAD=$TEST_TMP/faultinject.so \
                        "$RUS_BINARY" report 2>&1 >/dev/null)
                status=$?
                [ -s "$TEST_TMP/faults" ] || fail "$spec: the fault was never injected (the shim missed $glob)"
                [ "$status" -eq 3 ] || fail "$spec: exit status $status, expected 3; stderr: $out"
                errors=$(grep -c '^ray-usage-stats: ' <<<"$out")
                [ "$errors" -eq 1 ] || fail "$spec: $errors error lines, expected one: $out"
                line=$(grep '^ray-usage-stats: ' <<<"$out")
                case $line in
                *"$file"*": $message") ;;
                *) fail "$spec: the error does not name $file and '$message': $line" ;;
                esac
                if [ "${spec##*:}" = 2 ]; then
                        # The save after the POST failed: the file is still the one saved before it.
                        python3 - "$TEST_TMP/before" "$file" <<'EOF' || fail "$spec: $file is not the reservation saved before the POST"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if b["pending"] and b["seq_number"] == a["seq_number"] + 1 else 1)
EOF
                else
                        cmp -s "$TEST_TMP/before" "$file" || fail "$spec: $file changed although writing it failed"
                fi
                python3 -c 'import json, sys; [json.load(open(p)) for p in sys.argv[1:]]' "$state" "$usage" ||
                        fail "$spec: the state file or usage_stats.json is not complete JSON"
                left=$(find "$RUS_SESSION" "$RAY_USAGE_STATS_STATE_DIR" -name '.*.tmp' -newer "$TEST_TMP/before")
                [ -z "$left" ] || fail "$spec: temporary files left behind: $left"
                posts=$(($(count_posts) - posts_before))
                case $expect_post in
                no) [ "$posts" -eq 0 ] || fail "$spec: sent a report although the counters could not be saved first" ;;
                yes) [ "$posts" -eq 1 ] || fail "$spec: $posts POSTs, expected 1" ;;
                esac

                "$RUS_BINARY" report >/dev/null 2>"$TEST_TMP/err" || fail "$spec: the next clean run failed: $(cat "$TEST_TMP/err")"
                python3 - "$state" <<'EOF' || fail "$spec: counters inconsistent after the next run"
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if not s["pending"] and s["seq_number"] == s["total_success"] + s["total_failed"] else 1)
EOF
                n_cases=$((n_cases + 1))
        done
        # The settings commands: exit status 1, one error line, the file as it was.
        config=$RAY_USAGE_STATS_CONFIG_PATH
        system=$RAY_USAGE_STATS_SYSTEM_CONFIG
        mkdir -p "${config%/*}"
        echo '{"usage_stats": true, "theme": "dark"}' >"$config"
        printf '# kept\nA=1\n' >"$system"
        cases=(
                "disable|write:ENOSPC|${config%/*}/.config.json.*.tmp|$config|No space left on device"
                "enable|rename:EROFS|$config|$config|Read-only file system"
                "disable --system|fsync:EIO|${system%/*}/.${system##*/}.*.tmp|$system|Input/output error"
                "disable --system|create:EACCES|${system%/*}/.${system##*/}.*.tmp|$system|Permission denied"
        )
        for c in "${cases[@]}"; do
                IFS='|' read -r command spec glob file message <<<"$c"
                rm -f "$TEST_TMP/faults"
                cp "$file" "$TEST_TMP/before"
                # shellcheck disable=SC2086 # the command's words
                out=$(RUS_FAULT=$spec RUS_FAULT_PATH=$glob RUS_FAULT_LOG=$TEST_TMP/faults LD_PRELOAD=$TEST_TMP/faultinject.so \
                        "$RUS_BINARY" $command 2>&1 >/dev/null)
                status=$?
                [ -s "$TEST_TMP/faults" ] || fail "$command, $spec: the fault was never injected (the shim missed $glob)"
                [ "$status" -eq 1 ] || fail "$command, $spec: exit status $status, expected 1: $out"
                [ "$(grep -c '^ray-usage-stats: ' <<<"$out")" -eq 1 ] || fail "$command, $spec: not one error line: $out"
                case $out in
                *"$file"*": $message") ;;
                *) fail "$command, $spec: the error does not name $file and '$message': $out" ;;
                esac
                cmp -s "$TEST_TMP/before" "$file" || fail "$command, $spec: $file changed although writing it failed"
                left=$(find "${config%/*}" "${system%/*}" -name '.*.tmp')
                [ -z "$left" ] || fail "$command, $spec: temporary files left behind: $left"
                n_cases=$((n_cases + 1))
        done
        info "$n_cases injected faults: each a clean one-line error with the old file intact"
}
if command -v "$cc" >/dev/null; then
        t "failing writes, fsyncs, renames and creates: one clean error line, old files intact" case_failing_disks
else
        t_skip "failing disks" "no C compiler for the fault injection shim"
fi

t_end
