/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/macro.h"
#include "shared/time-parse.h"

static int local_midnight(uint64_t now_usec, int day_offset, uint64_t *ret) {
        time_t t = (time_t) (now_usec / USEC_PER_SEC), m;
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return -EINVAL;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday += day_offset;
        tm.tm_isdst = -1;
        m = mktime(&tm);
        if (m < 0)
                return -EINVAL;
        *ret = (uint64_t) m * USEC_PER_SEC;
        return 0;
}

static int parse_absolute(const char *s, uint64_t *ret) {
        static const char *const formats[] = {
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
        };

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = { .tm_isdst = -1 };
                const char *end = strptime(s, formats[i], &tm);
                time_t t;

                if (!end || *end)
                        continue;
                tm.tm_isdst = -1;
                t = mktime(&tm);
                if (t < 0)
                        return -EINVAL;
                *ret = (uint64_t) t * USEC_PER_SEC;
                return 0;
        }
        return -EINVAL;
}

static int unit_to_usec(const char *u, size_t n, uint64_t *ret) {
        static const struct {
                const char *name;
                uint64_t usec;
        } units[] = {
                { "s", USEC_PER_SEC }, { "sec", USEC_PER_SEC }, { "seconds", USEC_PER_SEC },
                { "m", 60 * USEC_PER_SEC }, { "min", 60 * USEC_PER_SEC }, { "minutes", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC }, { "hours", 3600 * USEC_PER_SEC },
                { "d", 86400 * USEC_PER_SEC }, { "days", 86400 * USEC_PER_SEC },
                { "w", 7 * 86400 * USEC_PER_SEC }, { "weeks", 7 * 86400 * USEC_PER_SEC },
        };

        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strlen(units[i].name) == n && strncmp(units[i].name, u, n) == 0) {
                        *ret = units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/* "-N<unit>", "+N<unit>" or "N<unit> ago" (a space before the unit allowed). */
static int parse_relative(const char *s, uint64_t now_usec, uint64_t *ret) {
        const char *p = s, *unit;
        unsigned long long n;
        uint64_t per, span;
        int sign = 0;
        size_t len;
        char *end;

        if (*p == '-' || *p == '+')
                sign = *p++ == '-' ? -1 : 1;
        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        errno = 0;
        n = strtoull(p, &end, 10);
        if (errno != 0)
                return -EINVAL;
        while (*end == ' ')
                end++;
        unit = end;
        len = strcspn(unit, " ");
        if (unit_to_usec(unit, len, &per) < 0)
                return -EINVAL;
        end = (char *) unit + len;
        if (sign == 0) {
                if (!streq(end, " ago"))
                        return -EINVAL;
                sign = -1;
        } else if (*end)
                return -EINVAL;

        if (n > UINT64_MAX / per)
                return -EINVAL;
        span = n * per;
        if (sign < 0)
                *ret = span > now_usec ? 0 : now_usec - span;
        else
                *ret = span > UINT64_MAX - now_usec ? UINT64_MAX : now_usec + span;
        return 0;
}

int parse_timestamp_spec(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        assert(s);
        assert(ret_usec);

        if (streq(s, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (streq(s, "today"))
                return local_midnight(now_usec, 0, ret_usec);
        if (streq(s, "yesterday"))
                return local_midnight(now_usec, -1, ret_usec);
        if (streq(s, "tomorrow"))
                return local_midnight(now_usec, 1, ret_usec);
        if (parse_absolute(s, ret_usec) >= 0)
                return 0;
        return parse_relative(s, now_usec, ret_usec);
}
