/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "shared/escape.h"
#include "shared/log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_parse_environment(void) {
        const char *e = getenv("RAY_USAGE_STATS_DEBUG");

        if (e && streq(e, "1"))
                max_level = LOG_DEBUG;
}

int log_internal(int level, int error, const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int saved = errno, r;

        if (level > max_level)
                return error;

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        /* Messages name paths and quote what others wrote: escaped, whole. */
        if (r < 0 || fprintf_escaped(stderr, "%s: %s%s%s", program_invocation_short_name, message,
                                     error < 0 ? ": " : "", error < 0 ? strerror(-error) : "") < 0)
                fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);

        errno = saved;
        return error;
}
