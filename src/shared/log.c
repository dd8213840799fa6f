/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

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
        va_list ap;
        int saved = errno;

        if (level > max_level)
                return error;

        fputs(program_invocation_short_name, stderr);
        fputs(": ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        if (error < 0)
                fprintf(stderr, ": %s", strerror(-error));
        fputc('\n', stderr);

        errno = saved;
        return error;
}
