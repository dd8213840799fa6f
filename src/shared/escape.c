/* SPDX-License-Identifier: MIT */
#include <stdarg.h>

#include "shared/escape.h"
#include "shared/utf8.h"

char *escape_text(const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *) s, *end = p + n;
        char *buf, *o;

        assert(s || n == 0);

        /* At most four bytes out ("\xNN") for each byte in. */
        buf = malloc(4 * n + 1);
        if (!buf)
                return NULL;
        o = buf;
        while (p < end) {
                const unsigned char *start = p;
                uint32_t c = utf8_next(&p, end);

                if (c == 0xfffd && p == start + 1) /* not UTF-8: the byte, escaped */
                        o += sprintf(o, "\\x%02x", *start);
                else if (c == '\n')
                        o = stpcpy(o, "\\n");
                else if (c == '\t')
                        o = stpcpy(o, "\\t");
                else if (c == '\r')
                        o = stpcpy(o, "\\r");
                else if (c == 0x1b)
                        o = stpcpy(o, "\\e");
                else if (c < 0x20 || (c >= 0x7f && c < 0xa0))
                        /* C1 controls (U+0080..U+009F, e.g. U+009B, a one-byte CSI) as their UTF-8 bytes */
                        for (const unsigned char *b = start; b < p; b++)
                                o += sprintf(o, "\\x%02x", *b);
                else {
                        memcpy(o, start, p - start);
                        o += p - start;
                }
        }
        *o = 0;
        return buf;
}

int fprintf_escaped(FILE *f, const char *format, ...) {
        _cleanup_free_ char *line = NULL, *shown = NULL;
        va_list ap;
        int r;

        assert(f);
        assert(format);

        va_start(ap, format);
        r = vasprintf(&line, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        shown = escape_text(line, (size_t) r);
        if (!shown)
                return -ENOMEM;
        return fputs(shown, f) < 0 || fputc('\n', f) == EOF ? -EIO : 0;
}
