/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "shared/macro.h"

/* Text that another party may have written (journal fields, state files,
 * paths, dashboard values, curl's messages) must not reach a terminal as
 * control sequences or as lines of its own (docs/design.md §11). This is
 * the one place that makes such text safe to show: a copy of s[0..n) in
 * which control characters (C0, DEL and C1), and bytes that are not strict
 * UTF-8, are written as \n, \t, \r, \e or \xNN. A newline therefore never
 * starts a line. Backslashes stay as they are: the point is what a terminal
 * does, not a reversible encoding. Printable UTF-8 is kept. NULL on OOM. */
char *escape_text(const char *s, size_t n);

static inline char *escape_str(const char *s) {
        return escape_text(s, strlen(s));
}

/* Formats one line, escapes all of it with escape_text(), and writes it to f
 * followed by a newline: for every human-readable line that shows such text.
 * Returns 0, or -ENOMEM/-EIO. */
int fprintf_escaped(FILE *f, const char *format, ...) _printf_(2, 3);
#define printf_escaped(...) fprintf_escaped(stdout, __VA_ARGS__)
