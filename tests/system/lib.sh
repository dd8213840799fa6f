# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers of the system tests: a container booted with systemd-nspawn from an
# overlay of this machine's own root (so it runs the same Debian and the same
# libraries as the build), the current build installed into it with
# "make install DESTDIR=", and the fake Ray head on the host's 127.0.0.1, which
# the container reaches because it shares the host's network.
#
# Sourced by run.sh; everything it starts is recorded in the sys_* variables
# below and stopped by sys_cleanup, by process id.

sys_tmp=          # host directory for the record file, logs, port files
sys_mnt=          # tmpfs holding the overlay's upper layer and its mount point
sys_root=         # the container's root: overlay of / with a tmpfs upper layer
sys_nspawn_pid=   # systemd-nspawn
sys_init_pid=     # the container's systemd (PID 1 inside)
sys_head_pid=     # tests/fake-ray-head.py
sys_head_port=
sys_record=       # the fake head's record: one JSON line per request
sys_machine="${RUS_SYSTEM_MACHINE:-rus-test-$$}"
# Every container and mount started, whichever machine it is for, so that
# sys_cleanup stops them all even when a signal arrives in the middle of a
# boot: the pids of systemd-nspawn, and each mount directory's machine.
declare -A sys_running=() sys_mounted=()

SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# In every container: python3 through a link of this name is a fake GCS.
SYS_GCS=/usr/local/libexec/rus-test/gcs_server

sys_log() {
        echo "    $*"
}

# Runs a command inside the container, as root, with a clean environment.
# (sys_on runs the helpers below against another machine by shadowing
# sys_init_pid.)
c() {
        nsenter -t "$sys_init_pid" -a -- env -i PATH="$SYS_PATH" LANG=C.UTF-8 "$@"
}

# The same, as the Ray user of the tests.
c_user() {
        local user=$1
        shift
        c setpriv --reuid="$user" --regid="$user" --init-groups --reset-env -- \
                env HOME="/home/$user" USER="$user" LOGNAME="$user" PATH="$SYS_PATH" "$@"
}

# Why this machine cannot run the tests, or nothing.
sys_unsupported() {
        local t
        [ "$(id -u)" -eq 0 ] || { echo "needs root (it boots a container)"; return; }
        for t in systemd-nspawn nsenter unshare setpriv python3 mount; do
                command -v "$t" >/dev/null || { echo "$t is not installed (package systemd-container/util-linux)"; return; }
        done
        [ -x /usr/lib/systemd/systemd ] || { echo "systemd is not installed"; return; }
        grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
        grep -qw overlay /proc/filesystems || { echo "the kernel has no overlayfs"; return; }
}

sys_start_head() { # SRCDIR FIXTURES
        local srcdir=$1 fixtures=$2 i
        sys_record=$sys_tmp/record.jsonl
        : >"$sys_record"
        python3 "$srcdir/tests/fake-ray-head.py" --port 0 --port-file "$sys_tmp/head.port" \
                --fixtures "$fixtures" --record "$sys_record" >"$sys_tmp/head.log" 2>&1 &
        sys_head_pid=$!
        for i in $(seq 100); do
                [ -s "$sys_tmp/head.port" ] && break
                kill -0 "$sys_head_pid" 2>/dev/null || break
                sleep 0.1
        done
        sys_head_port=$(cat "$sys_tmp/head.port" 2>/dev/null)
        if [ -z "$sys_head_port" ]; then
                echo "the fake Ray head did not start:"
                sed 's/^/    /' "$sys_tmp/head.log"
                return 1
        fi
}

# A TCP port on 127.0.0.1 that nothing listens on (for the metadata URLs).
sys_closed_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Mounts the overlay and installs the build into it. The container sees this
# machine's tree with our files on top; nothing reaches the real root.
sys_prepare_root() { # BUILDDIR
        local builddir=$1 d
        sys_mnt=$(mktemp -d /run/rus-system.XXXXXX) || return 1
        sys_mounted[$sys_mnt]=$sys_machine
        mount -t tmpfs -o mode=0755,size=2G rus-system "$sys_mnt" || return 1
        mkdir -p "$sys_mnt/upper" "$sys_mnt/work" "$sys_mnt/root"
        mount -t overlay rus-system -o "lowerdir=/,upperdir=$sys_mnt/upper,workdir=$sys_mnt/work" \
                "$sys_mnt/root" || return 1
        sys_root=$sys_mnt/root

        if ! make -C "$builddir" install DESTDIR="$sys_root" >"$sys_tmp/install.log" 2>&1; then
                echo "make install DESTDIR=... failed:"
                tail -20 "$sys_tmp/install.log" | sed 's/^/    /'
                return 1
        fi

        # A quiet machine: none of this host's own services and timers (a
        # database on the shared network, apt timers), no getty on the console,
        # and nothing of ray-usage-stats but what was just installed.
        for d in multi-user getty timers; do
                rm -f "$sys_root/etc/systemd/system/$d.target.wants/"*
        done
        ln -sf /dev/null "$sys_root/etc/systemd/system/console-getty.service"
        # The fake GCS of sys_start_gcs.
        mkdir -p "$sys_root${SYS_GCS%/*}"
        ln -sfn /usr/bin/python3 "$sys_root$SYS_GCS"
        rm -rf "$sys_root/etc/systemd/system/ray-usage-stats."* \
               "$sys_root/etc/systemd/system/"*.wants/ray-usage-stats.* \
               "$sys_root/etc/default/ray-usage-stats" "$sys_root/etc/sysconfig/ray-usage-stats" \
               "$sys_root/var/lib/ray-usage-stats" "$sys_root/var/lib/private/ray-usage-stats"
}

# Boots the container; its /tmp, /root and /home are empty file systems of its
# own: the overlay shows this machine's root, and what this machine's root or
# users once set (a /root/.ray/config.json of "ray-usage-stats disable", a
# token, a bootstrap YAML) must not change the results. "unified" gives it
# the unified cgroup hierarchy and the
# bpf() system call, which systemd needs to enforce IPAddressDeny= (on a host
# already on cgroup v2 that is what it gets anyway), "host" takes the host's
# cgroup layout as it is.
sys_boot_mode() { # unified|host
        local i p state unified='' keep_unit=--keep-unit
        [ "$1" = unified ] && unified=1
        # Under a running systemd, nspawn asks it for a scope of its own (with
        # the cgroup delegated); without one (a CI sandbox) it stays where it is.
        [ -d /run/systemd/system ] && keep_unit=
        sys_init_pid=
        # shellcheck disable=SC2086 # extra options, for debugging
        env ${unified:+SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1} \
        systemd-nspawn --quiet -D "$sys_root" -M "$sys_machine" --register=no $keep_unit \
                --tmpfs=/tmp:mode=1777 --tmpfs=/root:mode=0700 --tmpfs=/home:mode=0755 \
                --console=passive ${unified:+--system-call-filter=bpf} \
                ${RUS_SYSTEM_NSPAWN_OPTIONS:-} --boot ${RUS_SYSTEM_INIT_ARGS:-} >"$sys_tmp/nspawn-$sys_machine.log" 2>&1 &
        sys_nspawn_pid=$!
        sys_running[$sys_nspawn_pid]=1
        # nspawn forks an intermediate child before the container's PID 1; the
        # one to enter is the child that is PID 1 of its own PID namespace.
        for i in $(seq 300); do
                for p in $(pgrep -P "$sys_nspawn_pid"); do
                        [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = 1 ] &&
                                sys_init_pid=$p && break 2
                done
                kill -0 "$sys_nspawn_pid" 2>/dev/null || break
                sleep 0.1
        done
        if [ -z "$sys_init_pid" ]; then
                echo "systemd-nspawn ($1 cgroups) did not start a container:"
                tail -20 "$sys_tmp/nspawn-$sys_machine.log" | sed 's/^/    /'
                return 1
        fi
        for i in $(seq 120); do
                state=$(c systemctl is-system-running 2>/dev/null)
                case $state in
                running|degraded) return 0 ;;
                esac
                kill -0 "$sys_nspawn_pid" 2>/dev/null || break
                sleep 0.5
        done
        echo "the container ($1 cgroups) did not finish booting (state '${state:-unknown}'):"
        tail -20 "$sys_tmp/nspawn-$sys_machine.log" | sed 's/^/    /'
        return 1
}

sys_cgroups=      # unified or host, as booted
sys_builddir=     # the build installed into every machine

# Further machines, for the scenarios that need a fleet: booted like the
# first from an overlay of their own, with their own hostname and machine ID.
declare -A sys_extra_mnt=() sys_extra_nspawn=() sys_extra_init=()

sys_boot_extra() { # NAME: boots machine NAME (also its hostname)
        local name=$1 rc
        local sys_mnt sys_root sys_nspawn_pid sys_init_pid sys_machine=$sys_machine-$1
        sys_prepare_root "$sys_builddir" &&
                echo "$name" >"$sys_root/etc/hostname" &&
                systemd-id128 new >"$sys_root/etc/machine-id" &&
                sys_boot_mode "$sys_cgroups"
        rc=$?
        sys_extra_mnt[$name]=$sys_mnt
        sys_extra_nspawn[$name]=$sys_nspawn_pid
        sys_extra_init[$name]=$sys_init_pid
        return $rc
}

# Runs a helper of this file (or any command through c) on machine NAME.
sys_on() { # NAME COMMAND...
        local sys_init_pid=${sys_extra_init[$1]}
        shift
        "$@"
}

sys_stop_extra() { # NAME
        sys_stop_nspawn "${sys_extra_nspawn[$1]}"
        sys_unmount "${sys_extra_mnt[$1]}"
        unset "sys_extra_mnt[$1]" "sys_extra_nspawn[$1]" "sys_extra_init[$1]"
}

# RUS_SYSTEM_CGROUPS=host skips the unified attempt.
sys_boot() {
        if [ "${RUS_SYSTEM_CGROUPS:-unified}" = unified ]; then
                sys_cgroups=unified
                sys_boot_mode unified && return 0
                sys_stop_container
                echo "retrying with the host's cgroup layout"
        fi
        sys_cgroups=host
        sys_boot_mode host
}

sys_stop_container() {
        sys_stop_nspawn "$sys_nspawn_pid"
        sys_nspawn_pid=
        sys_init_pid=
}

# Stops one container by the pid of its systemd-nspawn, once: it leaves
# sys_running, so that a reused pid is never signalled.
sys_stop_nspawn() { # PID
        local pid=$1 i
        [ -n "$pid" ] && [ -n "${sys_running[$pid]:-}" ] || return 0
        unset "sys_running[$pid]"
        if kill -0 "$pid" 2>/dev/null; then
                # nspawn turns SIGTERM into an orderly shutdown of the container.
                kill -TERM "$pid" 2>/dev/null
                for i in $(seq 60); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.5
                done
                kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
}

sys_unmount() { # MOUNT_DIR
        local mnt=$1 machine
        [ -n "$mnt" ] || return 0
        machine=${sys_mounted[$mnt]:-}
        unset "sys_mounted[$mnt]"
        umount "$mnt/root" 2>/dev/null || umount -l "$mnt/root" 2>/dev/null
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
        rmdir "$mnt" 2>/dev/null
        [ -z "$machine" ] || rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
}

# Stops what was started, by pid, and removes the mounts. Safe to call twice,
# and from a trap in the middle of any helper.
sys_cleanup() {
        local e
        for e in "${!sys_running[@]}"; do
                sys_stop_nspawn "$e"
        done
        for e in "${!sys_mounted[@]}"; do
                sys_unmount "$e"
        done
        if [ -n "$sys_head_pid" ]; then
                kill -TERM "$sys_head_pid" 2>/dev/null
                wait "$sys_head_pid" 2>/dev/null
                sys_head_pid=
        fi
        if [ -n "$sys_tmp" ] && [ -z "${RUS_SYSTEM_KEEP:-}" ]; then
                rm -rf "$sys_tmp"
        fi
}

# --- state of the container between scenarios --------------------------------

# The tests' Ray user: a name that no account, group or home directory of
# this machine has (the container's /etc/passwd is this machine's, seen
# through the overlay), so that useradd in the container cannot collide.
sys_free_user_name() {
        local name=rus-ray-test i=1
        while getent passwd "$name" >/dev/null || getent group "$name" >/dev/null || [ -e "/home/$name" ]; do
                i=$((i + 1))
                name=rus-ray-test$i
        done
        echo "$name"
}
RAY_USER=$(sys_free_user_name)
UNIT=ray-usage-stats.service
DROPIN_DIR=/etc/systemd/system/ray-usage-stats.service.d

# The unit's test environment: endpoint and dashboard on the fake head, cloud
# probes off and their addresses on a closed loopback port anyway, so that
# nothing can leave 127.0.0.0/8.
sys_write_base_dropin() {
        local closed
        closed=$(sys_closed_port)
        c mkdir -p "$DROPIN_DIR"
        c sh -c "cat >$DROPIN_DIR/00-test.conf" <<EOF
[Service]
Environment=RAY_USAGE_STATS_REPORT_URL=http://127.0.0.1:$sys_head_port/report
Environment=RAY_USAGE_STATS_CLOUD_PROBE=0
Environment=RAY_USAGE_STATS_AWS_METADATA_URL=http://127.0.0.1:$closed/latest/meta-data/
Environment=RAY_USAGE_STATS_GCP_METADATA_URL=http://127.0.0.1:$closed/computeMetadata/v1/
Environment=RAY_USAGE_STATS_AZURE_METADATA_URL=http://127.0.0.1:$closed/metadata/instance
EOF
}

# A booted machine made ready for the scenarios: the Ray user, the base
# drop-in.
sys_setup_machine() {
        local d
        # (systemd's tmpfiles make /root/.ssh at boot)
        for d in /root /home; do
                [ "$(c findmnt -n -o FSTYPE --mountpoint "$d")" = tmpfs ] && ! c test -e "$d/.ray" ||
                        { echo "the container's $d is not a file system of its own"; return 1; }
        done
        c useradd --create-home --shell /bin/sh "$RAY_USER" && sys_write_base_dropin && c systemctl daemon-reload
}

# Back to: collection enabled by default, no Ray session (no live head), no
# counters, only the base drop-in, nothing failed.
sys_reset() {
        sys_stop_gcs
        c sh -c "
                find $DROPIN_DIR -name '*.conf' ! -name 00-test.conf -delete
                rm -f /etc/default/ray-usage-stats /etc/sysconfig/ray-usage-stats
                rm -rf /etc/systemd/system/ray-usage-stats.timer.d
                rm -rf /tmp/ray /home/$RAY_USER/.ray /var/lib/ray-usage-stats/* 2>/dev/null
                systemctl daemon-reload
                systemctl reset-failed $UNIT ray-usage-stats.timer 2>/dev/null
                true"
}

# A live Ray head, as discovery finds it (docs/design.md §4.1): a process
# named gcs_server with Ray's --log_dir=SESSION_DIR/logs and
# --session-name=<name>, running as USER (default: the Ray user of the tests):
# python3 through the link SYS_GCS, sleeping, in a transient service of the
# container's systemd (rus-gcs-<name>.service), so that it is a process of
# the container like a real GCS. "systemctl start" of a Type=exec unit
# returns once the exec has happened.
sys_start_gcs() { # SESSION_DIR [USER]
        local dir=$1 user=${2:-$RAY_USER}
        c systemd-run --quiet --collect --unit="rus-gcs-${dir##*/}" -p Type=exec --uid="$user" \
                "$SYS_GCS" -c 'import time; time.sleep(86400)' --gcs_server_port=0 \
                --log_dir="$dir/logs" --session-name="${dir##*/}" ||
                { echo "the fake gcs_server of $dir did not start"; return 1; }
}

# "ray stop": ends the GCS of SESSION_DIR (default: every fake GCS); the
# session directory and session_latest stay behind, as after Ray's own stop.
sys_stop_gcs() { # [SESSION_DIR]
        local unit="rus-gcs-*.service"
        [ -n "${1:-}" ] && unit=rus-gcs-${1##*/}.service
        c systemctl stop "$unit" 2>/dev/null
        return 0
}

# A Ray head session built as Ray lays it out, owned by USER (default: the
# Ray user of the tests), with logs/dashboard.log naming the fake head;
# session_latest points at it (for the code before issue 18); its GCS runs
# as USER (sys_start_gcs). Prints the session directory.
sys_make_session() { # [USER]
        local name user=${1:-$RAY_USER}
        name=session_$(date +%Y-%m-%d_%H-%M-%S)_$(printf '%06d' $((RANDOM * 30 % 1000000)))_$((RANDOM + 1000))
        c_user "$user" sh -ec "
                umask 000
                mkdir -p /tmp/ray /tmp/ray/$name/logs /tmp/ray/$name/sockets
                if [ -O /tmp/ray ]; then chmod 0777 /tmp/ray; fi
                chmod 0777 /tmp/ray/$name /tmp/ray/$name/logs /tmp/ray/$name/sockets
                umask 022
                printf '%s\n' \
                        '2025-11-26 14:05:03,123 INFO head.py:160 -- Dashboard head grpc address: 0.0.0.0:40163' \
                        '2025-11-26 14:05:03,456 INFO http_server_head.py:300 -- Dashboard head http address: 127.0.0.1:$sys_head_port' \
                        >/tmp/ray/$name/logs/dashboard.log
                ln -sfn /tmp/ray/$name /tmp/ray/session_latest" || return 1
        sys_start_gcs "/tmp/ray/$name" "$user" >&2 || return 1
        echo "/tmp/ray/$name"
}

sys_env_file() { # LINE...: the machine-wide setting, as an administrator writes it
        c sh -c 'cat >/etc/default/ray-usage-stats' < <(printf '%s\n' "$@")
}

# The cursor of the newest journal entry: scenarios read what came after it.
sys_journal_cursor() {
        c journalctl -q -n 1 -o export | sed -n 's/^__CURSOR=//p'
}

# Journal entries after CURSOR, one JSON object a line. journald files entries
# asynchronously, so this waits up to 15 s until each extended regular
# expression PATTERN matches some line. (Filtering is left to the caller:
# journalctl 252 returns nothing for --after-cursor combined with matches.)
sys_journal_after() { # CURSOR PATTERN...
        local cursor=$1 out p i ok
        shift
        for i in $(seq 150); do
                out=$(c journalctl -q --all -o json --after-cursor="$cursor")
                ok=1
                for p in "$@"; do
                        printf '%s\n' "$out" | grep -qE -- "$p" || ok=0
                done
                [ "$ok" = 1 ] && break
                sleep 0.1
        done
        printf '%s\n' "$out"
}

# How systemd says the last run of the unit ended, from its own structured
# journal entries after CURSOR (the unit's properties are gone once an
# inactive, unreferenced unit is unloaded): success, or UNIT_RESULT of the
# "skipped" or "failed" entry (exec-condition, exit-code, timeout, ...).
SD_UNIT_SUCCESS=7ad2d189f7e94e70a38c781354912448
SD_UNIT_SKIPPED=0e4284a0caca4bfc81c0bb6786972673
SD_UNIT_FAILED=d9b373ed55a64feb8242e02dbe79a49c
sys_unit_result() { # CURSOR
        sys_journal_after "$1" "\"($SD_UNIT_SUCCESS|$SD_UNIT_SKIPPED|$SD_UNIT_FAILED)\"" | python3 -c '
import json, sys
unit, ids = sys.argv[1], sys.argv[2:]
result = "none"
for line in sys.stdin:
    if not line.strip():
        continue
    e = json.loads(line)
    if e.get("UNIT") != unit or e.get("_PID") != "1" or e.get("MESSAGE_ID") not in ids:
        continue
    result = "success" if e["MESSAGE_ID"] == ids[0] else e.get("UNIT_RESULT", "unknown")
print(result)
' "$UNIT" "$SD_UNIT_SUCCESS" "$SD_UNIT_SKIPPED" "$SD_UNIT_FAILED"
}

# Requests the fake head received after line OFFSET of its record.
sys_record_lines() {
        wc -l <"$sys_record"
}

sys_requests_after() { # OFFSET [METHOD]
        tail -n +"$(($1 + 1))" "$sys_record" | { if [ -n "${2:-}" ]; then grep "\"method\": *\"$2\""; else cat; fi; }
}

sys_unit_show() { # PROPERTY
        c systemctl show -P "$1" "$UNIT"
}

# --- helpers of the sandbox scenarios ----------------------------------------

# sys_make_session under another Ray temp directory RAYDIR (<RAY_TMPDIR>/ray):
# root makes <RAY_TMPDIR> as a sticky world-writable directory like /tmp, then
# the Ray user builds RAYDIR and the session exactly as sys_make_session does.
# Prints the session directory.
sys_make_session_at() { # RAYDIR
        local raydir=$1 name
        name=session_$(date +%Y-%m-%d_%H-%M-%S)_$(printf '%06d' $((RANDOM * 30 % 1000000)))_$((RANDOM + 1000))
        c sh -ec "mkdir -p '${raydir%/*}' && chmod 1777 '${raydir%/*}'" || return 1
        c_user "$RAY_USER" sh -ec "
                umask 000
                mkdir -p $raydir $raydir/$name/logs $raydir/$name/sockets
                chmod 0777 $raydir $raydir/$name $raydir/$name/logs $raydir/$name/sockets
                umask 022
                printf '%s\n' \
                        '2025-11-26 14:05:03,456 INFO http_server_head.py:300 -- Dashboard head http address: 127.0.0.1:$sys_head_port' \
                        >$raydir/$name/logs/dashboard.log
                ln -sfn $raydir/$name $raydir/session_latest" || return 1
        sys_start_gcs "$raydir/$name" >&2 || return 1
        echo "$raydir/$name"
}

# A drop-in of the tests, NAME.conf, from the remaining arguments (one line
# each), followed by daemon-reload. sys_reset removes it.
sys_dropin() { # NAME LINE...
        local name=$1
        shift
        c sh -c "cat >$DROPIN_DIR/$name.conf" < <(printf '%s\n' '[Service]' "$@") &&
                c systemctl daemon-reload
}
