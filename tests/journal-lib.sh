# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The journal for integration tests, on machines with or without journald:
# a test that sources this file first re-runs itself in a private mount
# namespace where a tmpfs hides /run/systemd, so that what the binary sends
# to the journal socket reaches tests/journal-capture.py (or nothing)
# instead of any real journald. Captured entries become real journal files
# through systemd-journal-remote, which the binary then reads with
# sd-journal like any other. lib.sh sources it for every test that has not
# (RUS_JOURNAL_PRIVATE_ONLY), so that no test writes to the system journal.
#
#     . "$(dirname "$0")/journal-lib.sh"      # before report-lib.sh
#     . "$(dirname "$0")/report-lib.sh"
#     start_capture head-a
#     rus report
#     capture_journal "$TEST_TMP/a.journal"
#
# Without root, a test that needs journal files is skipped. With
# RUS_JOURNAL_PRIVATE_ONLY=1 (the demo, and lib.sh's default) only the
# private journal is needed: systemd-journal-remote is optional
# (capture_journal then fails), and without root the root of a user
# namespace mounts, then the script runs on with the caller's own ids.

if [ -z "${RUS_IN_JOURNAL_NS:-}" ]; then
        command -v unshare >/dev/null || { echo "SKIP: ${0##*/}: unshare not found" >&2; exit 77; }
        _rus_ns=(--mount --propagation private)
        if [ "$(id -u)" -ne 0 ]; then
                [ -n "${RUS_JOURNAL_PRIVATE_ONLY:-}" ] ||
                        { echo "SKIP: ${0##*/}: needs root (a private mount namespace)" >&2; exit 77; }
                # Root of a user namespace mounts, then maps back to the caller's ids (below).
                unshare --user --map-root-user --mount true 2>/dev/null ||
                        { echo "SKIP: ${0##*/}: no private journal: user namespaces are not available" >&2; exit 77; }
                _rus_ns=(--user --map-root-user "${_rus_ns[@]}")
                export RUS_JOURNAL_AS="$(id -u):$(id -g)"
        fi
        RUS_JOURNAL_REMOTE=
        for _p in /usr/lib/systemd/systemd-journal-remote /lib/systemd/systemd-journal-remote; do
                [ -x "$_p" ] && RUS_JOURNAL_REMOTE=$_p && break
        done
        [ -n "$RUS_JOURNAL_REMOTE${RUS_JOURNAL_PRIVATE_ONLY:-}" ] ||
                { echo "SKIP: ${0##*/}: systemd-journal-remote not found (package systemd-journal-remote)" >&2; exit 77; }
        export RUS_JOURNAL_REMOTE
        # RUS_JOURNAL_NETNS=1: a private network namespace too, with only loopback (ray_endpoint_on_loopback).
        if [ -n "${RUS_JOURNAL_NETNS:-}" ]; then
                command -v ip >/dev/null || { echo "SKIP: ${0##*/}: ip not found (package iproute2)" >&2; exit 77; }
                RUS_IN_JOURNAL_NS=1 exec unshare "${_rus_ns[@]}" --net \
                        bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
        fi
        RUS_IN_JOURNAL_NS=1 exec unshare "${_rus_ns[@]}" bash "$0" "$@"
fi

# The machine's own journal directories are hidden too: "this machine's
# journal" is then only what install_system_journal puts there.
if [ "$RUS_IN_JOURNAL_NS" = 1 ]; then
        for _d in /run/systemd /var/log /run/log; do
                [ -d "$_d" ] || continue
                mount -t tmpfs -o mode=0755 tmpfs "$_d" || { echo "FAIL: cannot mount a tmpfs on $_d" >&2; exit 1; }
        done
        mkdir -p /run/systemd/journal
        if [ -n "${RUS_JOURNAL_AS:-}" ]; then
                RUS_IN_JOURNAL_NS=2 exec unshare --user --map-user="${RUS_JOURNAL_AS%:*}" \
                        --map-group="${RUS_JOURNAL_AS#*:}" bash "$0" "$@"
        fi
fi

_rus_journal_lib=1
RUS_CAPTURE_PID=
RUS_CAPTURE_OUT=

# start_capture HOSTNAME [MACHINE_ID]: journal entries sent from now on are
# recorded as coming from HOSTNAME (a new capture file each time).
start_capture() {
        local ready
        stop_capture
        ready=$TEST_TMP/capture.$RANDOM.ready
        RUS_CAPTURE_OUT=$TEST_TMP/capture-$1.$RANDOM.export
        : >"$RUS_CAPTURE_OUT"
        # at_exit stops it when the case (or script) ends; --pdeathsig also
        # when the shell that started it is killed.
        setpriv --pdeathsig TERM python3 "$TESTS_DIR/journal-capture.py" --socket /run/systemd/journal/socket --out "$RUS_CAPTURE_OUT" \
                --hostname "$1" --machine-id "${2:-0123456789abcdef0123456789abcdef}" --ready "$ready" \
                2>"$TEST_TMP/capture.log" &
        RUS_CAPTURE_PID=$!
        at_exit _rus_stop_pid "$RUS_CAPTURE_PID"
        for _ in $(seq 100); do
                [ -e "$ready" ] && return 0
                sleep 0.05
        done
        fail "journal-capture.py did not start: $(cat "$TEST_TMP/capture.log")"
}

stop_capture() {
        [ -n "$RUS_CAPTURE_PID" ] || return 0
        _rus_stop_pid "$RUS_CAPTURE_PID"
        RUS_CAPTURE_PID=
}

# capture_journal FILE.journal: the entries captured so far (since the last
# start_capture) as a journal file.
capture_journal() {
        rm -f "$1"
        "$RUS_JOURNAL_REMOTE" -o "$1" - <"$RUS_CAPTURE_OUT" 2>"$TEST_TMP/journal-remote.log" ||
                need "systemd-journal-remote wrote $1: $(cat "$TEST_TMP/journal-remote.log")" false
}

# install_system_journal FILE.journal: FILE becomes this machine's system
# journal (as journald keeps it in /var/log/journal/MACHINE_ID/).
install_system_journal() {
        local id
        id=$(cat /etc/machine-id 2>/dev/null) || need "/etc/machine-id exists" false
        mkdir -p "/var/log/journal/$id"
        cp "$1" "/var/log/journal/$id/system.journal"
}

# ray_endpoint_on_loopback NAME: Ray's own endpoint, the default URL
# https://usage-stats.ray.io/, answered by a fake head NAME on 127.0.0.1:443,
# so that the binary sends "to Ray" exactly as a real run records it. Only in
# the private namespaces of RUS_JOURNAL_NETNS=1, where no packet can leave
# loopback: a private /etc/hosts names 127.0.0.1, and the system CA bundle is
# replaced by the fake head's self-signed certificate. Then use_head NAME and
# unset RAY_USAGE_STATS_REPORT_URL to report to it.
ray_endpoint_on_loopback() {
        local dir=$TEST_TMP/ray-endpoint bundle
        [ -n "${RUS_JOURNAL_NETNS:-}" ] && [ -z "$(ip -o addr show scope global 2>/dev/null)" ] ||
                need "ray_endpoint_on_loopback runs only in a private network namespace (RUS_JOURNAL_NETNS=1)" false
        mkdir -p "$dir"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
                -subj /CN=usage-stats.ray.io -addext "subjectAltName=DNS:usage-stats.ray.io" \
                -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 ||
                need "openssl made a certificate for usage-stats.ray.io" false
        printf '127.0.0.1 localhost usage-stats.ray.io\n' >"$dir/hosts"
        mount --bind "$dir/hosts" /etc/hosts || need "a private /etc/hosts" false
        for bundle in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
                [ -e "$bundle" ] && { mount --bind "$dir/cert.pem" "$bundle" || need "a private $bundle" false; }
        done
        start_head "$1" --port 443 --https --cert "$dir/cert.pem" --key "$dir/key.pem"
}

# Two fake heads of two Ray sessions with different cluster ids: "main"
# ($ID1, session $SESSION1) and "other" ($ID2, session $SESSION2).
ID1=3f9e0c7a11b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718
ID2=5e55100000000000000000000000000000000000000000000000002b
SESSION1=session_2025-11-26_12-00-00_123456_4242
SESSION2=session_2025-11-27_08-30-00_654321_4343
start_two_session_heads() {
        printf '{"result": true, "msg": "", "data": {"clusterId": "%s"}}' "$ID2" >"$TEST_TMP/cluster_id2.json"
        start_head main
        start_head other --route "/cluster_id=$TEST_TMP/cluster_id2.json"
}
