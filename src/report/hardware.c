/* SPDX-License-Identifier: MIT */
#include <gnu/libc-version.h>

#include "report/hardware.h"
#include "shared/macro.h"

/* Python's str.strip() without arguments, for the ASCII range. */
static bool is_py_space(char c) {
        return c != '\0' && strchr(" \t\n\r\v\f\x1c\x1d\x1e\x1f", c);
}

/* Length in bytes of the first max_chars characters of the valid UTF-8 string
 * s, or -EBADMSG when s is not valid UTF-8 (Python could not have decoded it). */
static ssize_t utf8_prefix(const char *s, size_t max_chars) {
        const unsigned char *p = (const unsigned char *) s;
        size_t chars = 0, cut = 0;

        while (*p) {
                uint32_t c = *p, min;
                size_t n;

                if (c < 0x80)
                        n = 0, min = 0;
                else if ((c & 0xe0) == 0xc0)
                        n = 1, c &= 0x1f, min = 0x80;
                else if ((c & 0xf0) == 0xe0)
                        n = 2, c &= 0x0f, min = 0x800;
                else if ((c & 0xf8) == 0xf0)
                        n = 3, c &= 0x07, min = 0x10000;
                else
                        return -EBADMSG;
                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return -EBADMSG;
                        c = (c << 6) | (p[i] & 0x3f);
                }
                if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        return -EBADMSG;
                p += n + 1;
                if (++chars == max_chars)
                        cut = (size_t) (p - (const unsigned char *) s);
        }
        return chars > max_chars ? (ssize_t) cut : (ssize_t) ((const char *) p - s);
}

int hardware_cpu_model(const char *cpuinfo_path, char **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t allocated = 0;
        ssize_t n;

        assert(cpuinfo_path);
        assert(ret);

        f = fopen(cpuinfo_path, "re");
        if (!f)
                return negative_errno();

        *ret = NULL;
        while ((n = getline(&line, &allocated, f)) >= 0) {
                char *value, *end;
                ssize_t len;

                if (!startswith(line, "model name"))
                        continue;

                /* line.split(":")[1].strip() */
                value = strchr(line, ':');
                if (!value)
                        return 0;
                value++;
                end = strchrnul(value, ':');
                while (end > value && is_py_space(end[-1]))
                        end--;
                while (value < end && is_py_space(*value))
                        value++;
                *end = 0;

                len = utf8_prefix(value, CPU_MODEL_MAX_CHARS);
                if (len <= 0)
                        return 0;
                *ret = strndup(value, (size_t) len);
                return *ret ? 0 : -ENOMEM;
        }
        if (ferror(f))
                return -EIO;
        return 0;
}

int libc_version(char **ret) {
        assert(ret);

        return asprintf(ret, "glibc:%s", gnu_get_libc_version()) < 0 ? -ENOMEM : 0;
}
