#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (fuzz/fuzz-*.c) with clang, ASan and UBSan,
# straight from the sources: no configure, and the normal gcc build does not
# depend on any of this.
#
#     fuzz/build.sh [OUTDIR]      (default: $FUZZ_BUILD_DIR, else ./fuzz-build)
#
# CC (default clang) must support -fsanitize=fuzzer (Debian: clang and
# libclang-rt-<version>-dev). Prints the path of every target built.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${FUZZ_BUILD_DIR:-fuzz-build}}
cc=${CC_FUZZ:-clang}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

command -v "$cc" >/dev/null || { echo "fuzz/build.sh: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 77; }
for pc in json-c yaml-0.1 libcurl libsystemd; do
        pkg-config --exists "$pc" || { echo "fuzz/build.sh: pkg-config cannot find $pc" >&2; exit 77; }
done

version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
read -r -a pkg_cflags <<<"$(pkg-config --cflags json-c yaml-0.1 libcurl libsystemd)"
read -r -a libs <<<"$(pkg-config --libs json-c yaml-0.1 libcurl libsystemd) -ldl -lm"
# shellcheck disable=SC2054 # commas inside one flag
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all)
cflags=(-g -O1 -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
        -D_GNU_SOURCE -DPACKAGE_VERSION="\"${version:-0}\"" -DPACKAGE_NAME='"ray-usage-stats"'
        -DSYSTEM_CONFIG_PATH='"/etc/default/ray-usage-stats"' -DSYSCONFDIR='"/etc"' -DLOCALSTATEDIR='"/var"'
        -I"$srcdir/src" -I"$srcdir/fuzz" "${pkg_cflags[@]}")

# The program's modules, without main() and the unit tests. A header change
# rebuilds everything; otherwise only what changed.
sources=()
for s in "$srcdir"/src/*/*.c; do
        s=${s#"$srcdir"/}
        case $s in
        src/cli/* | */test-*) ;;
        *) sources+=("$s") ;;
        esac
done
newest_header=$(find "$srcdir/src" "$srcdir/fuzz" -name '*.h' -printf '%T@\n' | sort -n | tail -n 1)
stale=()
for s in "${sources[@]}"; do
        o=$out/obj/$(echo "${s%.c}" | tr / -).o
        if [ ! "$o" -nt "$srcdir/$s" ] || [ "$(stat -c %Y "$o")" -lt "${newest_header%.*}" ]; then
                stale+=("$s")
        fi
done
if [ ${#stale[@]} -gt 0 ]; then
        # bash -c 'SCRIPT' SRCDIR OUT CC FLAGS... SOURCE: one compiler per core.
        # shellcheck disable=SC2016 # expanded by the inner bash
        printf '%s\n' "${stale[@]}" | xargs -P "$(nproc)" -I{} bash -c \
                'srcdir=$1 out=$2; shift 2; s=${@: -1}; o=$out/obj/$(echo "${s%.c}" | tr / -).o
                 exec "${@:1:$#-1}" -c "$srcdir/$s" -o "$o"' \
                _ "$srcdir" "$out" "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link "${sanitize[@]}" {}
fi
objects=()
for s in "${sources[@]}"; do
        objects+=("$out/obj/$(echo "${s%.c}" | tr / -).o")
done
rm -f "$out/libcore-fuzz.a"
ar rcs "$out/libcore-fuzz.a" "${objects[@]}"

for t in "$srcdir"/fuzz/fuzz-*.c; do
        name=$(basename "$t" .c)
        "$cc" "${cflags[@]}" -fsanitize=fuzzer "${sanitize[@]}" "$t" "$out/libcore-fuzz.a" "${libs[@]}" \
                -o "$out/$name"
        echo "$out/$name"
done
