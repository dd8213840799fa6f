#!/bin/bash
# The whole test suite, as CI runs it: installs what it needs (Debian 12, as
# root), builds, runs the unit and integration tests (make check), the unit
# tests again under ASan/UBSan, make distcheck, and the system tests under a
# real systemd. Ends with one summary line "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=${RUS_WORK_DIR:-$top/build-ci}
passed=0
failed=0
skipped=0
failures=()

stage() {
        local name=$1
        shift
        echo "=== stage: $name"
        "$@"
        case $? in
        0)
                echo "=== PASS: $name"
                passed=$((passed + 1)) ;;
        77)
                echo "=== SKIP: $name"
                skipped=$((skipped + 1)) ;;
        *)
                echo "=== FAIL: $name"
                failed=$((failed + 1))
                failures+=("$name") ;;
        esac
}

install_deps() {
        [ "$(id -u)" -eq 0 ] || { echo "run as root to install build dependencies"; return 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends \
                build-essential autoconf automake pkg-config git ca-certificates \
                libsystemd-dev libcurl4-openssl-dev libjson-c-dev libyaml-dev libcmocka-dev \
                python3 openssl curl systemd systemd-container dbus debootstrap \
                mandoc bash-completion valgrind clang libclang-rt-14-dev \
                debhelper devscripts lintian rpm rpmlint >/dev/null
}

build() {
        local dir=$1
        shift
        rm -rf "$dir" && mkdir -p "$dir" &&
        (cd "$top" && autoreconf -fi >/dev/null 2>&1) &&
        (cd "$dir" && "$top/configure" -q "$@" && make -j"$(nproc)" >/dev/null)
}

make_check() {
        local dir=$1
        (cd "$dir" && make -j"$(nproc)" check)
        local rc=$?
        [ $rc -eq 0 ] || cat "$dir"/test-suite.log
        return $rc
}

stage "install build dependencies" install_deps
stage "build" build "$work/default"
stage "make check" make_check "$work/default"
stage "build with ASan/UBSan" build "$work/sanitizers" --enable-sanitizers
stage "make check with ASan/UBSan" make_check "$work/sanitizers"
stage "system tests under systemd-nspawn" bash "$top/tests/system/run.sh" "$work/default"
stage "Debian and RPM packages (lintian, rpmlint, install tests in a debootstrap root)" bash "$top/tests/package/run.sh"
stage "make distcheck" bash -c "cd '$work/default' && make -j$(nproc) distcheck >'$work/distcheck.log' 2>&1 || { tail -50 '$work/distcheck.log'; exit 1; }"

echo
for f in "${failures[@]}"; do
        echo "failed: $f"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
