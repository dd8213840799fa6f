/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "shared/escape.h"
#include "shared/log.h"

static int max_level = LOG_INFO;
/* The last line logged at LOG_ERR or above, for cli_exit_status() to journal
 * when the run fails (HACKING.md, "Errors"). */
static char last_error[2048];

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

const char *log_last_error(void) {
        return last_error[0] ? last_error : NULL;
}

void log_clear_last_error(void) {
        last_error[0] = 0;
}

int log_internal(int level, int error, const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int saved = errno, r;

        if (level > max_level)
                return error;

        /* As in systemd: "%m" in the format is the text of -error. */
        if (error < 0)
                errno = -error;
        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r >= 0 && level <= LOG_ERR)
                (void) snprintf(last_error, sizeof last_error, "%s", message);
        /* Messages name paths and quote what others wrote: escaped, whole. */
        if (r < 0 || fprintf_escaped(stderr, "%s: %s", program_invocation_short_name, message) < 0)
                fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);

        errno = saved;
        return error;
}
