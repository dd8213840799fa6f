#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Static checks of the installed shape of the units and the catalog:
#   units-verify    systemd-analyze verify is silent for the units (the generic
#                   ones and an instance of the per-user ones), as installed
#                   (binary at its @bindir@ path, man pages found)
#   units-security  systemd-analyze security --offline exposure <= 2.0
#   instance-security  the same for ray-usage-stats@ray.service: <= 1.2 (no PrivateUsers=: see the unit)
#   user-check-security  and for ray-usage-stats-user@ray.service: <= 1.2
#   catalog-ids     one catalog entry per MESSAGE_ID of message-ids.h, no other
#   catalog-parse   journalctl builds its index from the catalog and lists all
#   catalog-short   each entry's text is a few lines (at most 4), since
#                   journalctl -x prints it under every entry
#
# Runs from "make check" (RUS_SRCDIR/RUS_BUILDDIR/RUS_BINARY set by
# Makefile.am) or by hand: tests/system/units-verify.sh [BUILDDIR].
set -u

srcdir=${RUS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${RUS_BUILDDIR:-$(cd "${1:-.}" && pwd)}
binary=${RUS_BINARY:-$builddir/ray-usage-stats}
service=$builddir/units/ray-usage-stats.service
timer=$srcdir/units/ray-usage-stats.timer
instance_service=$builddir/units/ray-usage-stats@.service
instance_timer=$srcdir/units/ray-usage-stats@.timer
user_check=$srcdir/units/ray-usage-stats-user@.service
catalog=$srcdir/units/ray-usage-stats.catalog
ids_header=$srcdir/src/journal/message-ids.h
max_exposure=20 # exposure x 10, as --threshold takes it
max_instance_exposure=12

if ! command -v systemd-analyze >/dev/null || ! command -v journalctl >/dev/null; then
        echo "SKIP: systemd-analyze/journalctl not installed"
        exit 77
fi
for f in "$service" "$instance_service" "$binary"; do
        if ! [ -f "$f" ]; then
                echo "FAIL: $f is missing; run make first"
                exit 1
        fi
done

passed=0 failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rus-units.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

result() { # NAME STATUS [DETAIL...]
        name=$1 status=$2
        shift 2
        if [ "$status" -eq 0 ]; then
                echo "PASS: $name${*:+ ($*)}"
                passed=$((passed + 1))
        else
                echo "FAIL: $name${*:+ ($*)}"
                failed=$((failed + 1))
        fi
}

# A root that looks like the installed system: the distribution's units (for
# sysinit.target, timers.target, ...), ours beside them, the binary at the
# path ExecStart= names, the man pages where man(1) looks. (Not the configured
# unit directory: under "make distcheck" that is a staging path systemd does
# not search.)
root=$tmp/root
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$service")
mkdir -p "$root/usr/lib/systemd" "$root/usr/share/man/man8" "$root/etc/systemd/system"
ln -s usr/lib "$root/lib"
ln -s usr/bin "$root/bin"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/system"
mkdir -p "$root$(dirname "$exec_path")"
cp "$service" "$timer" "$instance_service" "$instance_timer" "$user_check" "$root/usr/lib/systemd/system/"
cp "$binary" "$root$exec_path"
# ray-usage-stats-user@.service runs true(1), found on systemd's search path.
mkdir -p "$root/usr/bin"
cp /bin/true "$root/usr/bin/true"
man_opt=--man=yes
n_man=0
for page in ray-usage-stats.8 ray-usage-stats.service.8; do
        for d in "$builddir/man" "$srcdir/man"; do
                if [ -f "$d/$page" ]; then
                        cp "$d/$page" "$root/usr/share/man/man8/"
                        n_man=$((n_man + 1))
                        break
                fi
        done
done
if [ "$n_man" -lt 2 ]; then
        echo "NOTE: man/ray-usage-stats.8 or man/ray-usage-stats.service.8 not written yet; not checking Documentation="
        man_opt=--man=no
fi

out=$(cd "$tmp" && MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" "$man_opt" \
      ray-usage-stats.service ray-usage-stats.timer ray-usage-stats@ray.service ray-usage-stats@ray.timer \
      ray-usage-stats-user@ray.service 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
[ "$rc" -eq 0 ] && [ -z "$out" ]
result units-verify $? "rc=$rc"

# NAME UNIT_FILE LIMIT: the exposure figure, printed, and its limit asserted.
security() {
        out=$(systemd-analyze security --offline=true --threshold="$3" "$2" 2>&1)
        rc=$?
        figure=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
        printf '%s\n' "$out" | grep -E '^✗' | sed 's/^/    /'
        echo "    exposure of ${2##*/}: ${figure:-unknown} (limit $(($3 / 10)).$(($3 % 10)))"
        [ "$rc" -eq 0 ] && [ -n "$figure" ]
        result "$1" $? "exposure ${figure:-unknown}"
}
security units-security "$service" "$max_exposure"
# An instance: the template itself has no user to analyse.
cp "$instance_service" "$tmp/ray-usage-stats@ray.service"
security instance-security "$tmp/ray-usage-stats@ray.service" "$max_instance_exposure"
cp "$user_check" "$tmp/ray-usage-stats-user@ray.service"
security user-check-security "$tmp/ray-usage-stats-user@ray.service" "$max_instance_exposure"

sed -n 's/^#define MESSAGE_ID_[A-Z_]* *"\([0-9a-f]\{32\}\)".*/\1/p' "$ids_header" | sort >"$tmp/header-ids"
sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog" | sort >"$tmp/catalog-ids"
header_ids=$(cat "$tmp/header-ids")
missing=$(comm -23 "$tmp/header-ids" "$tmp/catalog-ids" | uniq)
extra=$(comm -13 "$tmp/header-ids" "$tmp/catalog-ids" | uniq)
dups=$(uniq -d "$tmp/catalog-ids")
[ -n "$header_ids" ] && [ -z "$missing$extra$dups" ]
result catalog-ids $? "$(printf '%s\n' "$header_ids" | wc -l) ids${missing:+; missing: $missing}${extra:+; unknown: $extra}${dups:+; twice: $dups}"

# The text of an entry: its lines after the blank line that ends the headers.
long=$(awk -v max=4 '
        /^-- [0-9a-f]+$/ && length($2) == 32 { if (id != "" && n > max) print id " (" n " lines)"; id = $2; body = 0; n = 0; next }
        id == "" { next }
        !body && /^$/ { body = 1; next }
        body && /./ { n++ }
        END { if (id != "" && n > max) print id " (" n " lines)" }' "$catalog")
[ -z "$long" ]
result catalog-short $? "${long:+too long: }$(printf '%s' "$long" | tr '\n' ' ')"

catroot=$tmp/catroot
mkdir -p "$catroot/usr/lib/systemd/catalog"
cp "$catalog" "$catroot/usr/lib/systemd/catalog/"
listed=$(journalctl --root="$catroot" --update-catalog 2>&1 &&
         journalctl --root="$catroot" --list-catalog 2>&1)
rc=$?
n_listed=0
for id in $header_ids; do
        printf '%s\n' "$listed" | grep -q "^$id ray-usage-stats: " && n_listed=$((n_listed + 1))
done
[ "$rc" -eq 0 ] && [ "$n_listed" -eq "$(printf '%s\n' "$header_ids" | wc -l)" ]
result catalog-parse $? "$n_listed entries indexed"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
