#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The package test. Builds the .deb from a clean copy of the tree and installs
# it in a clean Debian 12 system booted with systemd-nspawn, once with the
# debconf question preseeded to yes and once to no, and checks what the
# maintainer scripts did; builds the .rpm from "make dist"'s tarball; runs
# lintian and rpmlint. Prints one PASS/FAIL line per scenario and ends with
# the line "N passed, N failed". Exit status: 0 when everything passed, 1 when
# something failed, 77 (skip) when debootstrap or systemd-nspawn cannot work on
# this machine.
#
# Needs root, debootstrap, systemd-container, debhelper, lintian, rpm and
# rpmlint. The debootstrap root is cached under $RUS_PKG_CACHE_DIR
# (default /var/cache/ray-usage-stats-test), so that reruns need no network;
# the container itself runs with --private-network.
#
# Usage: tests/package/run.sh [SCENARIO...]: the builds and their checks,
# then only the named container scenarios (default: all; see the list at the
# end); each scenario that purges first can run alone.
#
# Environment: RUS_DEBIAN_MIRROR (default: the bookworm archive of this
# machine's apt sources; the tree names no mirror, and without either the
# test says what is missing and skips, which CI=true makes a failure),
# RUS_PKG_CACHE_DIR, RUS_PKG_WORK_DIR (where the
# work directory is made, default /var/tmp; it is removed at the end unless
# RUS_PKG_KEEP=1).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
selected=("$@")
suite=bookworm
cache_dir=${RUS_PKG_CACHE_DIR:-/var/cache/ray-usage-stats-test}
# The runtime dependencies are in the cached root, so that installing the
# .deb needs no package lists and no network.
include=systemd,systemd-sysv,dbus,apt,libcurl4,libjson-c5,libyaml-0-2
start_time=$(date +%s)

passed=0
failed=0
failures=()
work=
nspawn_pid=
leader=
tarball=
deb=
changes=
base=

log() { printf '%s\n' "$*"; }
elapsed() { echo "$(($(date +%s) - start_time))s"; }

cleanup() {
        if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
                kill -TERM "$nspawn_pid" 2>/dev/null
                for _ in $(seq 60); do
                        kill -0 "$nspawn_pid" 2>/dev/null || break
                        sleep 0.5
                done
                kill -0 "$nspawn_pid" 2>/dev/null && kill -KILL "$nspawn_pid" 2>/dev/null
                wait "$nspawn_pid" 2>/dev/null
        fi
        nspawn_pid=
        if [ -n "$work" ] && [ "${RUS_PKG_KEEP:-0}" != 1 ]; then
                rm -rf "$work"
        fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Skips (77) when nothing has failed so far; a failure already seen is not
# hidden by a later skip.
skip() {
        log "SKIP: $*"
        cleanup
        log "package test took $(elapsed)"
        log "$passed passed, $failed failed"
        [ "$failed" -eq 0 ] && exit 77
        exit 1
}

result() { # NAME STATUS(0 = pass) [DETAIL]
        if [ "$2" -eq 0 ]; then
                log "PASS: $1${3:+ ($3)}"
                passed=$((passed + 1))
        else
                log "FAIL: $1${3:+ ($3)}"
                failed=$((failed + 1))
                failures+=("$1")
        fi
}

# --- preconditions -----------------------------------------------------------

[ "$(id -u)" -eq 0 ] || skip "the package test needs root (debootstrap, systemd-nspawn)"
for tool in debootstrap systemd-nspawn nsenter dpkg-buildpackage lintian rpmbuild rpmlint flock; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done

mirror() {
        local f uri suites line
        if [ -n "${RUS_DEBIAN_MIRROR:-}" ]; then
                echo "$RUS_DEBIAN_MIRROR"
                return
        fi
        # deb822 .sources: the URIs of a stanza whose Suites has the suite itself.
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -r "$f" ] || continue
                uri=$(awk -v suite="$suite" '
                        function flush() {
                                if (!found && deb && ok && uri != "") { print uri; found = 1 }
                                deb = ok = 0; uri = ""
                        }
                        /^[[:space:]]*$/ { flush(); next }
                        tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
                        tolower($1) == "uris:" { uri = $2 }
                        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
                        END { flush() }' "$f")
                [ -n "$uri" ] && { echo "$uri"; return; }
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -r "$f" ] || continue
                while read -r line; do
                        set -f
                        # shellcheck disable=SC2086 # split into words, unglobbed
                        set -- $line
                        set +f
                        [ "${1:-}" = deb ] || continue
                        shift
                        case ${1:-} in \[*) while [ $# -gt 0 ] && [[ $1 != *"]" ]]; do shift; done; shift ;; esac
                        uri=${1:-}
                        suites=${2:-}
                        [ "$suites" = "$suite" ] && { echo "$uri"; return; }
                done < "$f"
        done
        # No guess at a mirror: this machine's apt knows where it may fetch from.
        echo "no 'deb' source for $suite in /etc/apt/sources.list or /etc/apt/sources.list.d/ (the" \
             "debootstrap root needs one); add one, or set RUS_DEBIAN_MIRROR to a $suite mirror" >&2
        return 1
}

work=$(mktemp -d "${RUS_PKG_WORK_DIR:-/var/tmp}/ray-usage-stats-pkgtest.XXXXXX") || exit 1
log "work directory: $work"

# --- build the .deb and the .rpm ---------------------------------------------

copy_tree() { # DEST: the tracked and untracked (not ignored) files of the tree
        mkdir -p "$1"
        if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
                git -C "$top" ls-files -co --exclude-standard -z |
                        tar -C "$top" --null -T - -cf - | tar -C "$1" -xf -
        else
                tar -C "$top" --exclude='./build*' --exclude=./autom4te.cache -cf - . | tar -C "$1" -xf -
        fi
}

src=$work/src/ray-usage-stats
log "=== build ($(elapsed))"
copy_tree "$src"

# "make dist" first, out of the tree, before dpkg-buildpackage fills debian/.
dist_rc=1
if (cd "$src" && autoreconf -fi) > "$work/dist.log" 2>&1 &&
   mkdir -p "$work/dist-build" &&
   (cd "$work/dist-build" && "$src/configure" -q && make dist) >> "$work/dist.log" 2>&1; then
        tarball=$(find "$work/dist-build" -maxdepth 1 -name 'ray-usage-stats-*.tar.xz' | head -n 1)
        [ -n "$tarball" ] && dist_rc=0
fi
[ $dist_rc -eq 0 ] || tail -n 30 "$work/dist.log"
result "make-dist" $dist_rc "${tarball:+$(basename "$tarball")}"

# The same tree as a package source: dh_autoreconf regenerates what it needs.
rm -rf "$src/autom4te.cache"
deb_rc=1
if (cd "$src" && dpkg-buildpackage -us -uc -b) > "$work/deb-build.log" 2>&1; then
        deb=$(find "$work/src" -maxdepth 1 -name 'ray-usage-stats_*.deb' | head -n 1)
        changes=$(find "$work/src" -maxdepth 1 -name 'ray-usage-stats_*.changes' | head -n 1)
        [ -n "$deb" ] && [ -n "$changes" ] && deb_rc=0
fi
[ $deb_rc -eq 0 ] || tail -n 40 "$work/deb-build.log"
result "build-deb" $deb_rc "${deb:+$(basename "$deb")}"

if [ $deb_rc -eq 0 ]; then
        # libcurl is opened with dlopen(), so its dependency is declared by hand.
        depends=$(dpkg-deb -f "$deb" Depends)
        depends_rc=0
        for lib in libcurl4 libjson-c5 libyaml-0-2 libsystemd0 debconf; do
                grep -q "\(^\|[ ,|]\)$lib\( \|,\|\$\)" <<< "$depends" ||
                        { log "  Depends lacks $lib: $depends"; depends_rc=1; }
        done
        result "deb-depends" $depends_rc
fi

if [ $deb_rc -eq 0 ]; then
        log "=== lintian ($(elapsed))"
        lintian_out=$(lintian --info --display-info "$changes" 2>&1)
        lintian_rc=$?
        lintian_out=$(printf '%s\n' "$lintian_out" | grep -v '^running with root privileges is not recommended')
        [ -n "$lintian_out" ] && printf '%s\n' "$lintian_out" | sed 's/^/  /'
        if [ $lintian_rc -ne 0 ] || printf '%s\n' "$lintian_out" | grep -q '^[EW]: '; then
                result "lintian" 1 "errors or warnings"
        else
                result "lintian" 0 "no errors, no warnings"
        fi
fi

log "=== rpm ($(elapsed))"
rpm_rc=1
rpms=
if [ $dist_rc -eq 0 ]; then
        # --nodeps: rpm's database is empty on Debian, so no BuildRequires can be
        # satisfied from it (the Debian build dependencies provide them).
        # Debian's /usr/lib/rpm/brp-compress is a /bin/sh script with bash's
        # "read -d", which fails under dash and leaves the man pages
        # uncompressed; run it with bash, as on RPM systems.
        os_install_post=$(rpm --eval '%{__os_install_post}' | sed -e '/^[[:space:]]*$/d' \
                -e 's|^[[:space:]]*\(/usr/lib/rpm/brp-compress\)|bash \1|' | paste -sd ';')
        if rpmbuild -ba --nodeps \
                --define "_topdir $work/rpmbuild" \
                --define "_sourcedir $(dirname "$tarball")" \
                ${os_install_post:+--define "__os_install_post $os_install_post"} \
                "$src/rpm/ray-usage-stats.spec" > "$work/rpm-build.log" 2>&1; then
                rpms=$(find "$work/rpmbuild/RPMS" "$work/rpmbuild/SRPMS" -name '*.rpm' | sort)
                [ -n "$rpms" ] && rpm_rc=0
        fi
fi
if [ $rpm_rc -ne 0 ]; then
        if [ -f "$work/rpm-build.log" ]; then tail -n 40 "$work/rpm-build.log"; else log "  no tarball to build from"; fi
fi
result "build-rpm" $rpm_rc "$(for r in $rpms; do printf '%s ' "$(basename "$r")"; done)"

if [ $rpm_rc -eq 0 ]; then
        binrpm=$(printf '%s\n' "$rpms" | grep -v -e '\.src\.rpm$' -e debuginfo -e debugsource | head -n 1)
        contents_rc=0
        files=$(rpm -qlp "$binrpm" 2>/dev/null)
        for want in /usr/bin/ray-usage-stats /usr/lib/systemd/system/ray-usage-stats.service \
                /usr/lib/systemd/system/ray-usage-stats.timer \
                /usr/lib/systemd/system/ray-usage-stats@.service /usr/lib/systemd/system/ray-usage-stats@.timer \
                /usr/lib/systemd/system/ray-usage-stats-user@.service \
                /usr/lib/systemd/system-preset/50-ray-usage-stats.preset \
                /usr/lib/systemd/catalog/ray-usage-stats.catalog \
                /usr/share/bash-completion/completions/ray-usage-stats \
                /etc/sysconfig/ray-usage-stats; do
                grep -qx "$want" <<< "$files" || { log "  missing in the rpm: $want"; contents_rc=1; }
        done
        grep -qx /etc/sysconfig/ray-usage-stats <<< "$(rpm -qp --configfiles "$binrpm" 2>/dev/null)" ||
                { log "  /etc/sysconfig/ray-usage-stats is not a %config file"; contents_rc=1; }
        grep -q 'preset ray-usage-stats.timer\|install-system-units ray-usage-stats.timer' \
                <<< "$(rpm -qp --scripts "$binrpm" 2>/dev/null)" ||
                { log "  %post does not apply the preset of the timer"; contents_rc=1; }
        grep -q '^libcurl' <<< "$(rpm -qp --requires "$binrpm" 2>/dev/null)" ||
                { log "  the rpm does not require libcurl (opened with dlopen())"; contents_rc=1; }
        grep -q '^[[:space:]]*[A-Za-z_]' "$src/rpm/ray-usage-stats.sysconfig" &&
                { log "  /etc/sysconfig/ray-usage-stats sets something"; contents_rc=1; }
        result "rpm-contents" $contents_rc

        log "=== rpmlint ($(elapsed))"
        # shellcheck disable=SC2086 # one argument per package file
        rpmlint_out=$(rpmlint -r "$src/rpm/ray-usage-stats.rpmlintrc" $rpms "$src/rpm/ray-usage-stats.spec" 2>&1)
        printf '%s\n' "$rpmlint_out" | sed 's/^/  /'
        if printf '%s\n' "$rpmlint_out" | grep -Eq '(^|[[:space:]])[1-9][0-9]* errors?' ||
           printf '%s\n' "$rpmlint_out" | grep -q ': E: '; then
                result "rpmlint" 1 "errors"
        else
                result "rpmlint" 0 "$(printf '%s\n' "$rpmlint_out" | grep -c ': W: ') warnings"
        fi
fi

# --- the Debian 12 container ---------------------------------------------------

boot_root() {
        local key root tmp url
        key=$(printf '%s %s minbase %s\n' "$suite" "$(dpkg --print-architecture)" "$include" | md5sum | cut -c1-12)
        root=$cache_dir/$suite-$key
        mkdir -p "$cache_dir"
        exec 9> "$cache_dir/.lock"
        flock 9
        # Rebuilt after 30 days, so that its libraries keep up with the point
        # releases the .deb is built against.
        if [ -z "$(find "$root/.rus-bootstrapped" -mtime -30 2>/dev/null)" ]; then
                tmp=$cache_dir/.tmp-$suite-$key.$$
                rm -rf "$tmp"
                url=$(mirror) || { exec 9>&-; return 1; }
                log "debootstrap $suite from $url into $root (cached for later runs)" >&2
                if ! debootstrap --variant=minbase --include="$include" "$suite" "$tmp" "$url" \
                        > "$work/debootstrap.log" 2>&1; then
                        tail -n 20 "$work/debootstrap.log" >&2
                        rm -rf "$tmp"
                        exec 9>&-
                        return 1
                fi
                rm -f "$tmp"/var/cache/apt/archives/*.deb
                touch "$tmp/.rus-bootstrapped"
                rm -rf "$root"
                mv "$tmp" "$root"
        fi
        exec 9>&-
        echo "$root"
}

# Runs a bash snippet inside the container, as root, with the helpers below.
ct() {
        nsenter -t "$leader" -m -u -i -n -p -- \
                env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
                LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
                /bin/bash -c ". /usr/local/lib/pkgtest-lib.sh; $1"
}

write_helpers() { # ROOT
        mkdir -p "$1/usr/local/lib"
        cat > "$1/usr/local/lib/pkgtest-lib.sh" <<'EOF'
SYSCONF=/etc/default/ray-usage-stats
cd /root/pkgs || exit 1
preseed() { echo "ray-usage-stats ray-usage-stats/enable boolean $1" | debconf-set-selections; }
answer_is() { debconf-show ray-usage-stats 2>/dev/null | grep -Eq "^[* ] ray-usage-stats/enable: $1\$"; }
has_opt_out() {
        [ -f "$SYSCONF" ] &&
        grep -Eq "^[[:space:]]*(export[[:space:]]+)?RAY_USAGE_STATS_ENABLED=[\"']?0[\"']?[[:space:]]*\$" "$SYSCONF"
}
never_started() { [ "$(systemctl show -p InactiveExitTimestampMonotonic --value ray-usage-stats.service)" = 0 ]; }
timer_on() {
        [ "$(systemctl is-enabled ray-usage-stats.timer)" = enabled ] && systemctl is-active --quiet ray-usage-stats.timer
}
show() { echo "--- $SYSCONF:"; cat "$SYSCONF" 2>&1; echo "--- debconf:"; debconf-show ray-usage-stats; }
no_timer_links() { ! ls /etc/systemd/system/timers.target.wants | grep '^ray-usage-stats'; }
# A live Ray head of root, as discovery finds it: a process named gcs_server
# with Ray's --log_dir=<session>/logs and --session-name=<name> (bash through
# a link of that name, sleeping in a loop so that it stays the process), and
# the session directory as Ray lays it out, session_latest too. ray_stop ends
# it and removes the session.
GCS_SESSION=/tmp/ray/session_2025-11-26_12-00-00_123456_4242
ray_start() {
        mkdir -p "$GCS_SESSION/logs" /usr/local/libexec/rus-test &&
        ln -sfn "${GCS_SESSION##*/}" /tmp/ray/session_latest &&
        ln -sfn /bin/bash /usr/local/libexec/rus-test/gcs_server &&
        systemd-run --quiet --collect --unit=rus-pkg-gcs -p Type=exec /usr/local/libexec/rus-test/gcs_server \
                -c 'while :; do sleep 3600; done' --gcs_server_port=0 \
                --log_dir="$GCS_SESSION/logs" --session-name="${GCS_SESSION##*/}" &&
        [ "$(cat /proc/$(systemctl show -P MainPID rus-pkg-gcs)/comm)" = gcs_server ]
}
ray_stop() {
        systemctl stop rus-pkg-gcs 2>/dev/null
        rm -rf /tmp/ray /usr/local/libexec/rus-test
}
EOF
}

# The checks of a scenario; the scenario fails when one of them fails, and
# prints the check's output then.
scenario_failed=0
check() { # DESCRIPTION SNIPPET
        local out
        if out=$(ct "$2" 2>&1); then
                log "  ok: $1"
        else
                log "  not ok: $1"
                printf '%s\n' "$out" | tail -n 25 | sed 's/^/    | /'
                scenario_failed=1
        fi
}
scenario() { # NAME FUNCTION
        if [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " != *" $1 "* ]]; then
                return 0
        fi
        scenario_failed=0
        log "--- $1"
        "$2"
        result "$1" $scenario_failed
}

sc_install_yes() {
        check "preseed yes" "preseed true"
        check "apt-get install ./$deb_name" "apt-get install -y ./$deb_name"
        check "the timer is enabled and active" "timer_on"
        check "the service was not started by the installation" "never_started"
        check "no opt-out in $sysconf" "! has_opt_out || { show; false; }"
        check "debconf answer is true" "answer_is true || { show; false; }"
        check "program, units, catalog, pages and completion installed" "
                test -x /usr/bin/ray-usage-stats &&
                test -f /lib/systemd/system/ray-usage-stats.service &&
                test -f /lib/systemd/system/ray-usage-stats.timer &&
                test -f /usr/lib/systemd/catalog/ray-usage-stats.catalog &&
                test -f /usr/share/man/man8/ray-usage-stats.8.gz &&
                test -f /usr/share/man/man8/ray-usage-stats.service.8.gz &&
                test -f /usr/share/bash-completion/completions/ray-usage-stats"
        check "the journal catalog is indexed" "journalctl --list-catalog | grep -qi 6833ce7bf3874c538289cf1a2b19792a"
        check "the machine-wide file is not a conffile" "! dpkg-query -W -f='\${Conffiles}' ray-usage-stats | grep -q ray-usage-stats"
}

sc_install_no() {
        check "purge the previous installation" "apt-get purge -y ray-usage-stats"
        check "preseed no" "preseed false"
        check "apt-get install ./$deb_name" "apt-get install -y ./$deb_name"
        check "$sysconf has RAY_USAGE_STATS_ENABLED=0" "has_opt_out || { show; false; }"
        check "$sysconf is mode 0644" "[ \"\$(stat -c %a $sysconf)\" = 644 ]"
        check "the timer is enabled and active" "timer_on"
        check "the service was not started by the installation" "never_started"
        check "a live Ray head of root" "ray_start"
        check "systemctl start ray-usage-stats.service succeeds" "systemctl start ray-usage-stats.service"
        check "the run was skipped by ExecCondition=" "
                r=\$(systemctl show -p Result --value ray-usage-stats.service); echo Result=\$r
                [ \"\$r\" = exec-condition ] || { journalctl -u ray-usage-stats.service --no-pager | tail -n 15; false; }"
        check "the journal records the decision: disabled" "
                journalctl -o export MESSAGE_ID=6833ce7bf3874c538289cf1a2b19792a RAY_USAGE_STATS_DECISION=disabled |
                grep -q '^RAY_USAGE_STATS_DECIDED_BY=env' || { journalctl -u ray-usage-stats.service --no-pager | tail -n 15; false; }"
        check "ray stop" "ray_stop"
}

sc_reconfigure() {
        check "preseed yes, dpkg-reconfigure: the opt-out is removed" "
                preseed true && dpkg-reconfigure ray-usage-stats && ! has_opt_out && answer_is true || { show; false; }"
        check "preseed no, dpkg-reconfigure: the opt-out is back" "
                preseed false && dpkg-reconfigure ray-usage-stats && has_opt_out && answer_is false || { show; false; }"
        check "after 'enable --system', dpkg-reconfigure shows and keeps yes" "
                ray-usage-stats enable --system && dpkg-reconfigure ray-usage-stats && answer_is true && ! has_opt_out ||
                { show; false; }"
        check "after 'disable --system', dpkg-reconfigure shows and keeps no" "
                ray-usage-stats disable --system && dpkg-reconfigure ray-usage-stats && answer_is false && has_opt_out ||
                { show; false; }"
        check "answered yes at the terminal (debconf teletype frontend)" "
                printf 'yes\\n\\n' | DEBIAN_FRONTEND=teletype timeout 60 script -qec 'dpkg-reconfigure ray-usage-stats' /dev/null &&
                ! has_opt_out && answer_is true || { show; false; }"
        check "answered no at the terminal (debconf teletype frontend)" "
                printf 'no\\n' | DEBIAN_FRONTEND=teletype timeout 60 script -qec 'dpkg-reconfigure ray-usage-stats' /dev/null &&
                has_opt_out && answer_is false || { show; false; }"
}

sc_upgrade_keeps_answer() {
        check "apt-get install --reinstall ./$deb_name" "apt-get install -y --reinstall ./$deb_name"
        check "the answer is still no" "has_opt_out && answer_is false || { show; false; }"
        check "upgrade to $upgrade_version" "apt-get install -y ./$upgrade_name &&
                [ \"\$(dpkg-query -W -f='\${Version}' ray-usage-stats)\" = '$upgrade_version' ]"
        check "the answer is still no" "has_opt_out && answer_is false || { show; false; }"
        check "the timer is enabled and active" "timer_on"
}

sc_purge() {
        check "the state directory exists before" "test -d /var/lib/ray-usage-stats"
        check "apt-get purge" "apt-get purge -y ray-usage-stats"
        check "/var/lib/ray-usage-stats is removed" "! test -e /var/lib/ray-usage-stats"
        check "$sysconf is removed" "! test -e $sysconf"
        check "the debconf answers are removed" "[ -z \"\$(debconf-show ray-usage-stats 2>&1)\" ] || { show; false; }"
        check "the timer is gone" "! test -e /etc/systemd/system/timers.target.wants/ray-usage-stats.timer &&
                ! systemctl is-active --quiet ray-usage-stats.timer"
        check "the package is gone" "! dpkg-query -W -f='\${Status}' ray-usage-stats 2>/dev/null | grep -q installed"
}

sc_reinstall() {
        check "apt-get install ./$deb_name (not preseeded)" "apt-get install -y ./$deb_name > /root/reinstall.log 2>&1 ||
                { cat /root/reinstall.log; false; }"
        check "prints the non-interactive notice" "grep -q 'enabled by default without confirmation' /root/reinstall.log ||
                { cat /root/reinstall.log; false; }"
        check "the timer is enabled and active" "timer_on"
        check "no opt-out, debconf answer true" "! has_opt_out && answer_is true || { show; false; }"
}

# The per-user unit (docs/design.md §8): the debconf follow-up "Which user runs Ray on
# this machine?" with a name enables ray-usage-stats@NAME.timer instead of the
# generic timer; dpkg-reconfigure switches back and forth. PKG_RAY_USER exists
# only in the container.
PKG_RAY_USER=raypkg
units_lib="preseed_user() { echo \"ray-usage-stats ray-usage-stats/ray-user string \$1\" | debconf-set-selections; }
        state_of() { echo \"\$(systemctl is-enabled \"\$1\" 2>/dev/null) \$(systemctl is-active \"\$1\" 2>/dev/null)\"; }
        timers() { echo \"generic: \$(state_of ray-usage-stats.timer); instance: \$(state_of ray-usage-stats@$PKG_RAY_USER.timer)\"; }
        on_instance() { [ \"\$(timers)\" = 'generic: disabled inactive; instance: enabled active' ] || { timers; false; }; }
        on_generic() { [ \"\$(timers)\" = 'generic: enabled active; instance: disabled inactive' ] || { timers; false; }; }"

sc_install_ray_user() {
        check "purge the previous installation" "apt-get purge -y ray-usage-stats"
        check "useradd $PKG_RAY_USER" "id $PKG_RAY_USER >/dev/null 2>&1 || useradd --create-home $PKG_RAY_USER"
        check "preseed yes and the Ray user $PKG_RAY_USER" "$units_lib; preseed true && preseed_user $PKG_RAY_USER"
        check "apt-get install ./$deb_name" "apt-get install -y ./$deb_name"
        check "the instance timer, not the generic one, is enabled and active" "$units_lib; on_instance"
        check "the template units are installed" "test -f /lib/systemd/system/ray-usage-stats@.service &&
                test -f /lib/systemd/system/ray-usage-stats@.timer"
        check "ray-usage-stats@$PKG_RAY_USER.service runs as $PKG_RAY_USER and skips (no session)" "
                systemctl start ray-usage-stats@$PKG_RAY_USER.service &&
                r=\$(systemctl show -p Result --value ray-usage-stats@$PKG_RAY_USER.service) && echo Result=\$r &&
                [ \"\$r\" = exec-condition ] &&
                for i in 1 2 3 4 5 6 7 8 9 10; do
                        journalctl -o export _SYSTEMD_UNIT=ray-usage-stats@$PKG_RAY_USER.service \
                                MESSAGE_ID=1e3e6d83bfd34f1aa5b9283faf18f8d8 | grep -qx \"_UID=\$(id -u $PKG_RAY_USER)\" && break
                        [ \$i = 10 ] && { journalctl -u ray-usage-stats@$PKG_RAY_USER.service --no-pager | tail -n 15; false; }
                        sleep 0.5
                done"
}

sc_reconfigure_ray_user() {
        check "empty user, dpkg-reconfigure: back to the generic timer" "$units_lib
                preseed_user '' && dpkg-reconfigure ray-usage-stats && on_generic"
        check "user $PKG_RAY_USER, dpkg-reconfigure: the instance timer again" "$units_lib
                preseed_user $PKG_RAY_USER && dpkg-reconfigure ray-usage-stats && on_instance"
        check "an upgrade keeps the instance timer" "$units_lib
                apt-get install -y ./$upgrade_name && on_instance"
        check "an invalid name is refused: the generic timer" "$units_lib
                preseed_user 'Bad Name' && dpkg-reconfigure ray-usage-stats 2>&1 | tee /root/bad.log &&
                grep -q 'is not a user name' /root/bad.log && on_generic"
        check "answered at the terminal (debconf teletype frontend): yes, $PKG_RAY_USER" "$units_lib
                printf 'yes\\n$PKG_RAY_USER\\n' | DEBIAN_FRONTEND=teletype timeout 60 script -qec 'dpkg-reconfigure ray-usage-stats' /dev/null &&
                on_instance"
        check "purge removes the instance timer's link" "
                apt-get purge -y ray-usage-stats &&
                ! test -e /etc/systemd/system/timers.target.wants/ray-usage-stats@$PKG_RAY_USER.timer &&
                ! systemctl is-active --quiet ray-usage-stats@$PKG_RAY_USER.timer"
}

# Per-user timers an operator enabled by hand, beside the one debconf chose:
# removing the .deb stops them all and purging removes their links. The rpm's
# %preun (its text from the built .rpm, run here on the same unit files, which
# both packages ship) disables and stops them on erase and leaves them on an
# upgrade.
sc_hand_enabled_instances() {
        check "install with the Ray user $PKG_RAY_USER; ray-usage-stats@rayhand.timer enabled by hand" "$units_lib
                { id rayhand >/dev/null 2>&1 || useradd rayhand; } && preseed true && preseed_user $PKG_RAY_USER &&
                apt-get install -y ./$deb_name && systemctl enable --now ray-usage-stats@rayhand.timer &&
                systemctl is-active --quiet ray-usage-stats@rayhand.timer && on_instance"
        check "apt-get remove stops both per-user timers" "
                apt-get remove -y ray-usage-stats &&
                ! systemctl is-active ray-usage-stats@rayhand.timer && ! systemctl is-active ray-usage-stats@$PKG_RAY_USER.timer"
        check "apt-get purge removes both links" "
                apt-get purge -y ray-usage-stats && no_timer_links"
}

sc_rpm_erase_instances() {
        if [ ! -s "$root/root/pkgs/rpm-preun.sh" ]; then
                log "  not ok: the .rpm's %preun scriptlet (no .rpm was built, or it has none)"
                scenario_failed=1
                return
        fi
        check "install (generic timer); ray-usage-stats@rayhand.timer enabled by hand" "$units_lib
                preseed true && preseed_user '' && apt-get install -y ./$deb_name &&
                systemctl enable --now ray-usage-stats@rayhand.timer && timer_on"
        check "%preun of an upgrade (\$1 = 1) leaves both enabled and active" "
                sh /root/pkgs/rpm-preun.sh 1 && timer_on &&
                [ \"\$(systemctl is-enabled ray-usage-stats@rayhand.timer)\" = enabled ] &&
                systemctl is-active --quiet ray-usage-stats@rayhand.timer"
        check "%preun of an erase (\$1 = 0) disables and stops both" "
                sh /root/pkgs/rpm-preun.sh 0 && no_timer_links &&
                ! systemctl is-active ray-usage-stats@rayhand.timer && ! systemctl is-active ray-usage-stats.timer"
        check "%postun of an upgrade (\$1 = 1) leaves the timers' stamps" "
                touch /var/lib/systemd/timers/stamp-ray-usage-stats.timer \
                        /var/lib/systemd/timers/stamp-ray-usage-stats@rayhand.timer &&
                sh /root/pkgs/rpm-postun.sh 1 && test -e /var/lib/systemd/timers/stamp-ray-usage-stats.timer"
        check "%postun of an erase (\$1 = 0) removes the timers' stamps" "
                sh /root/pkgs/rpm-postun.sh 0 && ! ls /var/lib/systemd/timers | grep ray-usage-stats"
        check "apt-get purge" "apt-get purge -y ray-usage-stats"
}

# A per-user unit for a user that does not exist (a typo in the debconf
# answer): postinst says so, and each run fails where "systemctl --failed"
# shows it, instead of being skipped as "condition not met" (status=217/USER
# of ExecCondition=). Asked at the terminal, debconf asks again.
sc_missing_ray_user() {
        check "purge any previous installation; useradd $PKG_RAY_USER" "apt-get purge -y ray-usage-stats
                id $PKG_RAY_USER >/dev/null 2>&1 || useradd --create-home $PKG_RAY_USER"
        check "preseed yes and the Ray user nosuchuser, apt-get install: postinst warns" "$units_lib
                ! id nosuchuser 2>/dev/null && preseed true && preseed_user nosuchuser &&
                apt-get install -y ./$deb_name > /root/missing.log 2>&1 &&
                grep \"there is no user 'nosuchuser'\" /root/missing.log || { cat /root/missing.log; false; }"
        check "a run of ray-usage-stats@nosuchuser.service fails" "
                ! systemctl start ray-usage-stats@nosuchuser.service"
        check "systemctl --failed lists the unit of the missing user" "
                systemctl --failed --no-legend --plain | tee /dev/stderr | grep -q '^ray-usage-stats-user@nosuchuser.service '"
        check "systemctl status of the per-user service says its dependency failed" "
                systemctl status ray-usage-stats@nosuchuser.service | tee /dev/stderr | grep -q 'Dependency failed'"
        check "once the user exists, the run is no longer a failure" "
                useradd nosuchuser && systemctl start ray-usage-stats@nosuchuser.service &&
                ! systemctl is-failed --quiet ray-usage-stats-user@nosuchuser.service; rc=\$?; userdel nosuchuser; exit \$rc"
        check "at the terminal, a missing user is asked again (then raypkg)" "$units_lib
                printf 'yes\\nnosuchuser\\n$PKG_RAY_USER\\n' |
                        DEBIAN_FRONTEND=teletype timeout 60 script -qec 'dpkg-reconfigure ray-usage-stats' /dev/null > /root/ask.log &&
                grep -q 'No such user: nosuchuser' /root/ask.log && on_instance || { cat /root/ask.log; false; }"
        check "purge" "apt-get purge -y ray-usage-stats && ! systemctl --failed --no-legend | grep ray-usage-stats"
}

# The generic service's drop-ins (here an opt-out) apply to the per-user
# service that dpkg-reconfigure switches to, and postinst names them; switching
# back or purging removes only the links it made.
sc_dropins_carried() {
        local dropin=/etc/systemd/system/ray-usage-stats.service.d/50-optout.conf
        local link=/etc/systemd/system/ray-usage-stats@.service.d/50-optout.conf
        check "install with the generic timer and a drop-in opt-out" "$units_lib
                apt-get purge -y ray-usage-stats; preseed true && preseed_user '' && apt-get install -y ./$deb_name &&
                mkdir -p ${dropin%/*} && printf '[Service]\\nEnvironment=RAY_USAGE_STATS_ENABLED=0\\n' > $dropin &&
                systemctl daemon-reload && on_generic"
        check "switch to $PKG_RAY_USER: postinst names the drop-in" "$units_lib
                preseed_user $PKG_RAY_USER && dpkg-reconfigure ray-usage-stats > /root/switch.log 2>&1 &&
                grep -F '$dropin' /root/switch.log && on_instance || { cat /root/switch.log; false; }"
        check "the opt-out applies to ray-usage-stats@$PKG_RAY_USER.service" "
                systemctl show -p Environment ray-usage-stats@$PKG_RAY_USER.service | tee /dev/stderr |
                grep -q 'RAY_USAGE_STATS_ENABLED=0'"
        check "its run is skipped as disabled, decided by env" "
                systemctl start ray-usage-stats@$PKG_RAY_USER.service &&
                run=\$(systemctl show -p InvocationID --value ray-usage-stats@$PKG_RAY_USER.service) &&
                for i in \$(seq 10); do
                        journalctl -o export _SYSTEMD_INVOCATION_ID=\$run \
                                MESSAGE_ID=6833ce7bf3874c538289cf1a2b19792a RAY_USAGE_STATS_DECISION=disabled |
                                grep -q '^RAY_USAGE_STATS_DECIDED_BY=env' && break
                        [ \$i = 10 ] && { journalctl -u ray-usage-stats@$PKG_RAY_USER.service --no-pager | tail -n 15; false; }
                        sleep 0.5
                done"
        check "switching back removes the link, keeps the drop-in" "$units_lib
                preseed_user '' && dpkg-reconfigure ray-usage-stats && on_generic &&
                ! test -e $link && ! test -L $link && test -f $dropin"
        check "purge removes the link it made, keeps the administrator's drop-in" "$units_lib
                preseed_user $PKG_RAY_USER && dpkg-reconfigure ray-usage-stats && test -L $link &&
                apt-get purge -y ray-usage-stats && ! test -L $link && ! test -e ${link%/*} && test -f $dropin"
        check "remove the drop-in" "rm -rf ${dropin%/*} && systemctl daemon-reload"
}

# What the operator reads is what the service does (issue 19): with a drop-in
# opt-out and a drop-in endpoint, `status` run by root says disabled, names
# the drop-in that decided it and the one that sets the endpoint, and `check`
# exits 1, as the service's own run decides. The output goes to the log.
sc_operator_status() {
        local dropin=/etc/systemd/system/ray-usage-stats.service.d
        check "install with the generic timer; a live head of root; drop-ins: an opt-out and an endpoint" "$units_lib
                apt-get purge -y ray-usage-stats; preseed true && preseed_user '' && apt-get install -y ./$deb_name &&
                mkdir -p $dropin &&
                printf '[Service]\\nEnvironment=RAY_USAGE_STATS_ENABLED=0\\n' > $dropin/50-optout.conf &&
                printf '[Service]\\nEnvironment=RAY_USAGE_STATS_REPORT_URL=https://telemetry.example.internal/\\n' \
                        > $dropin/60-endpoint.conf &&
                systemctl daemon-reload && on_generic && ray_start"
        check "status says disabled, decided by the drop-in, and the drop-in's endpoint" "
                ray-usage-stats status > /root/status.log 2>&1; cat /root/status.log >&2
                grep -qx 'Decision:      disabled (decided by env)' /root/status.log &&
                grep -qF 'RAY_USAGE_STATS_ENABLED=0 in $dropin/50-optout.conf' /root/status.log &&
                grep -qF 'https://telemetry.example.internal/ (RAY_USAGE_STATS_REPORT_URL in $dropin/60-endpoint.conf)' \
                        /root/status.log"
        log "$(ct 'sed "s/^/    status> /" /root/status.log' 2>&1)"
        check "check exits 1 (disabled), as the service's run" "ray-usage-stats check; test \$? = 1"
        check "clean up" "ray_stop; rm -rf $dropin && systemctl daemon-reload"
}

# What the maintainer scripts print is true: no word about a machine-wide file
# that does not exist, no warning that the service is stopped while the timer
# can start it, no "disabled unit, not starting it" about the timer they start.
sc_maintainer_messages() {
        check "purge, then a fresh install prints nothing about $sysconf" "$units_lib
                apt-get purge -y ray-usage-stats; preseed true && preseed_user '' &&
                apt-get install -y ./$deb_name > /root/msg.log 2>&1 && ! test -e $sysconf &&
                ! grep -F '$sysconf' /root/msg.log && timer_on || { cat /root/msg.log; false; }"
        check "dpkg-reconfigure does not warn about stopping the service" "
                dpkg-reconfigure ray-usage-stats > /root/msg.log 2>&1 &&
                ! grep -E 'Warning|Stopping' /root/msg.log && timer_on || { cat /root/msg.log; false; }"
        check "switching to $PKG_RAY_USER and back: no 'not starting it', the timer runs" "$units_lib
                preseed_user $PKG_RAY_USER && dpkg-reconfigure ray-usage-stats && on_instance &&
                preseed_user '' && dpkg-reconfigure ray-usage-stats > /root/msg.log 2>&1 &&
                ! grep -E 'not starting|Warning' /root/msg.log && on_generic || { cat /root/msg.log; false; }"
        check "an upgrade with the per-user timer names no disabled unit" "$units_lib
                preseed_user $PKG_RAY_USER && dpkg-reconfigure ray-usage-stats && on_instance &&
                apt-get install -y ./$upgrade_name > /root/msg.log 2>&1 &&
                ! grep -E 'not starting|Warning' /root/msg.log && on_instance || { cat /root/msg.log; false; }"
        check "the timer is stopped when the package is removed" "$units_lib
                preseed_user '' && dpkg-reconfigure ray-usage-stats && apt-get remove -y ray-usage-stats &&
                ! systemctl is-active ray-usage-stats.timer"
}

# Purge removes the stamps that the timers (Persistent=true) leave in
# /var/lib/systemd/timers: the generic timer's, made by letting it elapse, and
# a per-user timer's.
sc_purge_stamps() {
        check "install; the generic timer elapses once (a runtime drop-in: every 2 s)" "
                apt-get purge -y ray-usage-stats; preseed true && apt-get install -y ./$deb_name &&
                mkdir -p /run/systemd/system/ray-usage-stats.timer.d &&
                printf '[Timer]\\nOnCalendar=\\nOnCalendar=*:*:0/2\\nRandomizedDelaySec=0\\nAccuracySec=1s\\n' \
                        > /run/systemd/system/ray-usage-stats.timer.d/pkgtest.conf &&
                systemctl daemon-reload && systemctl restart ray-usage-stats.timer &&
                for i in \$(seq 20); do test -e /var/lib/systemd/timers/stamp-ray-usage-stats.timer && break; sleep 0.5; done &&
                rm -rf /run/systemd/system/ray-usage-stats.timer.d && systemctl daemon-reload &&
                test -e /var/lib/systemd/timers/stamp-ray-usage-stats.timer"
        check "a per-user timer's stamp" "touch /var/lib/systemd/timers/stamp-ray-usage-stats@$PKG_RAY_USER.timer"
        check "apt-get purge removes both" "apt-get purge -y ray-usage-stats &&
                ! ls /var/lib/systemd/timers | grep ray-usage-stats"
}

if [ $deb_rc -eq 0 ]; then
        log "=== container ($(elapsed))"
        base=$(boot_root) || skip "debootstrap of $suite failed (see above); cannot test the packages here"
        root=$work/root
        # The container boots this copy, never the cache (a killed run would
        # leave it half-configured); the shared lock keeps a rebuild out meanwhile.
        flock -s "$cache_dir/.lock" cp -a "$base" "$root" ||
                { result "container-root" 1 "cannot copy $base"; base=; }
fi

if [ $deb_rc -eq 0 ] && [ -n "$base" ]; then
        deb_name=$(basename "$deb")
        sysconf=/etc/default/ray-usage-stats
        upgrade_version=$(dpkg-deb -f "$deb" Version)+pkgtest1
        upgrade_name=ray-usage-stats_${upgrade_version}_$(dpkg-deb -f "$deb" Architecture).deb
        mkdir -p "$root/root/pkgs" "$work/repack"
        cp "$deb" "$root/root/pkgs/"
        # The upgrade: the same files under a higher version.
        dpkg-deb -R "$deb" "$work/repack/pkg" &&
                sed -i "s/^Version: .*/Version: $upgrade_version/" "$work/repack/pkg/DEBIAN/control" &&
                dpkg-deb -b "$work/repack/pkg" "$root/root/pkgs/$upgrade_name" >/dev/null
        write_helpers "$root"
        if [ $rpm_rc -eq 0 ]; then
                rpm -qp --scripts "$binrpm" 2>/dev/null |
                        awk '/^[a-z]+ scriptlet \(using /{f = /^preuninstall /; next} f' >"$root/root/pkgs/rpm-preun.sh"
                rpm -qp --scripts "$binrpm" 2>/dev/null |
                        awk '/^[a-z]+ scriptlet \(using /{f = /^postuninstall /; next} f' >"$root/root/pkgs/rpm-postun.sh"
        fi

        machine=rus-pkgtest-$$
        # The unified cgroup hierarchy, as the system tests boot: on a host with the
        # hybrid one, systemd 252 in the container cannot attach to its compat cgroup.
        SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 \
        systemd-nspawn --quiet --boot --directory="$root" --machine="$machine" --register=no --keep-unit \
                --private-network --console=read-only > "$work/console.log" 2>&1 &
        nspawn_pid=$!
        for _ in $(seq 100); do
                # The container's systemd is nspawn's child, or (nspawn forks an
                # intermediate child first) its grandchild.
                leader=$({ pgrep -x -P "$nspawn_pid" systemd
                           for p in $(pgrep -P "$nspawn_pid"); do pgrep -x -P "$p" systemd; done; } 2>/dev/null |
                         head -n 1)
                [ -n "$leader" ] && break
                kill -0 "$nspawn_pid" 2>/dev/null || break
                sleep 0.2
        done
        state=
        if [ -n "$leader" ]; then
                state=$(timeout 60 nsenter -t "$leader" -m -u -i -n -p -- \
                        env -i PATH=/usr/bin:/bin systemctl is-system-running --wait 2>/dev/null)
        fi
        case $state in
        running|degraded)
                log "container $machine booted ($state, $(elapsed))"
                [ "$state" = degraded ] && ct "systemctl --failed --no-legend" 2>&1 | sed 's/^/  /'
                scenario install-yes sc_install_yes
                scenario install-no sc_install_no
                scenario reconfigure sc_reconfigure
                scenario upgrade-keeps-answer sc_upgrade_keeps_answer
                scenario purge sc_purge
                scenario reinstall sc_reinstall
                scenario install-ray-user sc_install_ray_user
                scenario reconfigure-ray-user sc_reconfigure_ray_user
                scenario hand-enabled-instances sc_hand_enabled_instances
                scenario rpm-erase-instances sc_rpm_erase_instances
                scenario missing-ray-user sc_missing_ray_user
                scenario dropins-carried sc_dropins_carried
                scenario maintainer-messages sc_maintainer_messages
                scenario operator-status sc_operator_status
                scenario purge-stamps sc_purge_stamps
                ;;
        *)
                tail -n 20 "$work/console.log"
                skip "systemd-nspawn could not boot a $suite container here (state '${state:-none}')"
                ;;
        esac
fi

cleanup
log "package test took $(elapsed)"
[ ${#failures[@]} -eq 0 ] || log "failed: ${failures[*]}"
log "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
