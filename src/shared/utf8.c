/* SPDX-License-Identifier: MIT */
#include "shared/utf8.h"

/* Decodes one UTF-8 sequence; invalid bytes become U+FFFD, one byte at a time. */
uint32_t utf8_next(const unsigned char **s, const unsigned char *end) {
        const unsigned char *p = *s;
        uint32_t c = *p, min;
        int n;

        if (c < 0x80) {
                *s = p + 1;
                return c;
        }
        if ((c & 0xe0) == 0xc0) n = 1, c &= 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0) n = 2, c &= 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0) n = 3, c &= 0x07, min = 0x10000;
        else goto invalid;
        if (end - p <= n)
                goto invalid;
        for (int i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        goto invalid;
                c = (c << 6) | (p[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                goto invalid;
        *s = p + n + 1;
        return c;
invalid:
        *s = p + 1;
        return 0xfffd;
}

bool utf8_is_valid(const char *s, size_t size) {
        const unsigned char *p = (const unsigned char *) s, *end = p + size;

        while (p < end) {
                const unsigned char *start = p;

                /* Only an invalid byte decodes to U+FFFD in one byte. */
                if (utf8_next(&p, end) == 0xfffd && p == start + 1)
                        return false;
        }
        return true;
}
