#!/bin/bash
# The whole test suite, as CI runs it: installs what it needs (Debian 12, as
# root), builds, runs the unit and integration tests (make check), the unit
# and integration tests again under ASan/UBSan, the fuzz targets for a short
# budget, the system tests under a real systemd, the package tests and make
# distcheck. Ends with a summary: each stage with its time, each skipped
# stage, test or case with its reason, each failure, and the closing line
# "total: N passed, N failed, N skipped" (skipped counts every entry of the
# skipped list, a case skipped inside a passing test included).
#
# Under CI=true, a skip of the system tests or of the package install tests
# is a failure: the machine that runs CI can boot containers, and a green CI
# must mean that the units ran under a real systemd.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=${RUS_WORK_DIR:-$top/build-ci}
passed=0
failed=0
failures=()
skips=()
times=()
run_start=$SECONDS

# stage [--required-in-ci] NAME COMMAND...: runs one stage, and adds its
# tests to the totals: the counts of its own closing line (automake's
# "# PASS: N" block, or "N passed, N failed"), or the stage itself as one
# test when it prints neither. Its "SKIP: WHAT: REASON" lines go to the
# skipped list (automake's bare "SKIP: test" lines do not: make_check prints
# them again with their reasons). --required-in-ci: under CI=true, a skip of
# the whole stage is a failure.
stage() {
        local required=0 name log rc counts start line reason stage_skips
        if [ "$1" = --required-in-ci ]; then
                required=1
                shift
        fi
        name=$1
        shift
        log=$(mktemp)
        start=$SECONDS
        echo "=== stage: $name"
        "$@" 2>&1 | tee "$log"
        rc=${PIPESTATUS[0]}
        counts=$(python3 - "$log" "$rc" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
rc = int(sys.argv[2])
am = {k: int(v) for k, v in re.findall(r"^# (PASS|FAIL|SKIP|ERROR|XPASS):\s+(\d+)$", text, re.M)}
plain = re.findall(r"^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", text, re.M)
if am:
    p, f, s = am.get("PASS", 0), am.get("FAIL", 0) + am.get("ERROR", 0) + am.get("XPASS", 0), am.get("SKIP", 0)
elif plain:
    p, f, s = (int(x or 0) for x in plain[-1])
else:
    p, f, s = (1, 0, 0) if rc == 0 else (0, 0, 0) if rc == 77 else (0, 1, 0)
if rc not in (0, 77) and f == 0:
    f = 1
print(p, f)
PY
)
        read -r p f <<<"${counts:-0 $((rc != 0 && rc != 77))}"
        stage_skips=()
        while IFS= read -r line; do
                stage_skips+=("$name: ${line#SKIP: }")
        done < <(grep -E '^SKIP: .*: ' "$log" | awk '!seen[$0]++')
        passed=$((passed + p))
        failed=$((failed + f))
        times+=("$(printf '%5d s  %s' $((SECONDS - start)) "$name")")
        reason=$(grep -E 'SKIP' "$log" | tail -n 1 | sed 's/^.*SKIP: //')
        if [ "$rc" -eq 77 ] && [ "$required" = 1 ] && [ "${CI:-}" = true ]; then
                echo "=== FAIL: $name: skipped, and CI=true requires it (${reason:-no reason printed})"
                failed=$((failed + 1))
                failures+=("$name (skipped under CI=true: ${reason:-no reason printed})")
                rm -f "$log"
                return
        fi
        [ "$rc" -eq 77 ] && [ ${#stage_skips[@]} -eq 0 ] && stage_skips=("$name: ${reason:-no reason printed}")
        skips+=("${stage_skips[@]}")
        case $rc in
        0) echo "=== PASS: $name ($p passed, $f failed, ${#stage_skips[@]} skipped, $((SECONDS - start)) s)" ;;
        77) echo "=== SKIP: $name" ;;
        *)
                echo "=== FAIL: $name (exit status $rc)"
                failures+=("$name") ;;
        esac
        rm -f "$log"
}

install_deps() {
        [ "$(id -u)" -eq 0 ] || { echo "run as root to install build dependencies"; return 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends \
                build-essential autoconf automake pkg-config git ca-certificates \
                libsystemd-dev libcurl4-openssl-dev libjson-c-dev libyaml-dev libcmocka-dev \
                python3 python3-yaml openssl curl systemd systemd-container systemd-journal-remote dbus debootstrap \
                mandoc man-db bash-completion valgrind strace clang libclang-rt-14-dev \
                procps iproute2 kmod util-linux mount passwd hostname xz-utils \
                debhelper devscripts lintian rpm rpmlint >/dev/null
}

build() {
        local dir=$1
        shift
        rm -rf "$dir" && mkdir -p "$dir" &&
        (cd "$top" && autoreconf -fi >/dev/null 2>&1) &&
        (cd "$dir" && "$top/configure" -q "$@" && make -j"$(nproc)" >/dev/null)
}

# make check, then the logs that CI must show in full: systemd-analyze
# verify and the exposure figure, and mandoc's lint.
make_check() {
        local dir=$1 log
        (cd "$dir" && make -j"$(nproc)" check)
        local rc=$?
        [ $rc -eq 0 ] || cat "$dir"/test-suite.log
        for log in tests/system/units-verify.log man/check-pages.log; do
                [ -f "$dir/$log" ] && { echo "--- $log"; grep -v '^# \|^=\+$' "$dir/$log"; }
        done
        make_check_skips "$dir"
        return $rc
}

# make_check_skips DIR: "SKIP: TEST: REASON" for each test that skipped and
# each case that a test skipped ("ok - NAME # SKIP REASON").
make_check_skips() {
        local trs test
        while IFS= read -r trs; do
                test=${trs%.trs}
                if grep -q '^:test-result: SKIP' "$1/$trs"; then
                        echo "SKIP: $test: $(grep -m 1 'SKIP' "$1/$test.log" | sed 's/^SKIP: [^ :]*: //')"
                fi
                sed -n "s|^ok - \(.*\) # SKIP \(.*\)\$|SKIP: $test: case '\1': \2|p" "$1/$test.log"
        done < <(cd "$1" && find . -name '*.trs' | sed 's|^\./||' | sort)
}

stage "install build dependencies" install_deps
stage "build" build "$work/default"
stage "make check" make_check "$work/default"
stage "build with ASan/UBSan" build "$work/sanitizers" --enable-sanitizers
stage "make check with ASan/UBSan" make_check "$work/sanitizers"
stage "fuzzing every parser of outside input (60 s each, ASan/UBSan)" \
        env FUZZ_JOBS=2 FUZZ_ARTIFACTS="$work/fuzz-artifacts" bash "$top/fuzz/run.sh" 60
stage --required-in-ci "system tests under systemd-nspawn" bash "$top/tests/system/run.sh" "$work/default"
stage --required-in-ci "Debian and RPM packages (lintian, rpmlint, install tests in a debootstrap root)" bash "$top/tests/package/run.sh"
stage "make distcheck" bash -c "cd '$work/default' && make -j$(nproc) distcheck >'$work/distcheck.log' 2>&1 || { tail -50 '$work/distcheck.log'; exit 1; }"

echo
echo "=== summary"
echo "stage times:"
printf '  %s\n' "${times[@]}"
printf '%7d s  in all\n' $((SECONDS - run_start))
skipped=${#skips[@]}
for s in "${skips[@]}"; do
        echo "skipped: $s"
done
for f in "${failures[@]}"; do
        echo "failed: $f"
done
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
