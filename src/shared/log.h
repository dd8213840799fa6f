/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdarg.h>

#include "shared/macro.h"

/* Terminal diagnostics. The audit trail goes to the journal (journal/journal.h);
 * these lines are for the person or unit log reading stderr. Levels follow
 * syslog(3): LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */

void log_set_max_level(int level);
int log_get_max_level(void);
/* Reads RAY_USAGE_STATS_DEBUG (1 enables debug lines). */
void log_parse_environment(void);

/* Prints "ray-usage-stats: <message>" when level is enabled; "%m" in the
 * format is the text of -error, as in systemd ("Failed to read %s: %m").
 * Returns error (a negative errno, or 0), so that callers can write
 * "return log_error_errno(r, ...)". errno is preserved. */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);
/* The last message logged at LOG_ERR or above since log_clear_last_error()
 * (without the program name), or NULL: what cli_exit_status() journals when
 * a command fails. */
const char *log_last_error(void);
void log_clear_last_error(void);

#include <syslog.h>
#define log_full_errno(level, error, ...) log_internal(level, error, __VA_ARGS__)
#define log_error_errno(error, ...) log_internal(LOG_ERR, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_internal(LOG_WARNING, error, __VA_ARGS__)
#define log_notice_errno(error, ...) log_internal(LOG_NOTICE, error, __VA_ARGS__)
#define log_debug_errno(error, ...) log_internal(LOG_DEBUG, error, __VA_ARGS__)
#define log_error(...) (void) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) (void) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...) (void) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) (void) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) (void) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_oom() log_error_errno(-ENOMEM, "Out of memory")
