#!/bin/sh
# SPDX-License-Identifier: MIT
# Every manual page in man/ must be clean under "mandoc -T lint -W warning"
# and read right as rendered by both mandoc and groff (what man(1) uses on
# Debian): no message from either, quotes that pair up (a nested enclosure
# macro such as ".Pq Ql a , Ql b" renders as "(‘a, ‘b’’)"), and a header
# and footer that name no "BSD" (groff's default for an empty .Os). Skips
# (77) when mandoc or groff is not installed.
srcdir=${RUS_SRCDIR:-$(dirname "$0")/..}
for tool in mandoc groff; do
        command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done

# Reads a rendering on stdin; prints one line per quote that opens inside
# one of its own kind, closes none, or is left open at the end. A closing
# single quote between two letters is an apostrophe.
unbalanced_quotes() {
        sed -e 's/‘/\x01/g' -e 's/’/\x02/g' -e 's/“/\x03/g' -e 's/”/\x04/g' |
        LC_ALL=C awk '
        function where() { return "line " NR ": " $0 }
        {
                n = length($0)
                for (i = 1; i <= n; i++) {
                        c = substr($0, i, 1)
                        if (c == "\001" || c == "\003") {
                                if (open[c]) print "a quote opens inside another: " where()
                                open[c] = 1; at[c] = where()
                        } else if (c == "\002" || c == "\004") {
                                o = c == "\002" ? "\001" : "\003"
                                if (open[o]) open[o] = 0
                                else if (!(c == "\002" && substr($0, i - 1, 1) ~ /[[:alpha:]]/ &&
                                           substr($0, i + 1, 1) ~ /[[:alpha:]]/))
                                        print "a quote closes none: " where()
                        }
                }
        }
        END { for (c in open) if (open[c]) print "a quote is never closed: " at[c] }' |
        sed -e 's/\x01/‘/g' -e 's/\x02/’/g' -e 's/\x03/“/g' -e 's/\x04/”/g'
}

# Appends TEXT, if any, to the page's problems.
add() { # TEXT
        [ -z "$1" ] || problems="$problems${problems:+
}$1"
}

fail=0
for page in "$srcdir"/man/*.[1-9]; do
        name=$(basename "$page")
        problems=
        add "$(mandoc -T lint -W warning "$page" 2>&1)"
        # groff's warnings of lines it cannot break (the wide table rows) are
        # layout, not mistakes in the source.
        add "$(groff -mdoc -T utf8 -w w -W break "$page" 2>&1 >/dev/null)"
        for renderer in mandoc groff; do
                case $renderer in
                mandoc) out=$(mandoc -T utf8 "$page" 2>/dev/null | col -bx) ;;
                groff) out=$(groff -mdoc -T utf8 "$page" 2>/dev/null | col -bx) ;;
                esac
                add "$(printf '%s\n' "$out" | unbalanced_quotes | sed "s|^|$renderer: |")"
                frame=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | sed -n '1p;$p')
                if printf '%s\n' "$frame" | grep -qw BSD; then
                        add "$renderer: header or footer names BSD (.Dt/.Os): $(printf '%s' "$frame" | tr -s ' \t\n' ' ')"
                fi
        done
        if [ -n "$problems" ]; then
                printf 'FAIL: %s\n%s\n' "$name" "$problems"
                fail=1
        else
                echo "PASS: $name"
        fi
done
exit $fail
