/* SPDX-License-Identifier: MIT */
#pragma once

#include "journal/journal-read.h"

/* journal_read_attempts() for a command: checks that at most one source is
 * given and turns failures into one-line errors. Returns 0 with the attempts;
 * EXIT_DISABLED when the user may not read the journal (naming the groups
 * that may); or a negative errno. Callers write "if (r != 0) return r;". */
int cli_read_attempts(const JournalSource *src, const AttemptFilter *filter, ReportAttempt **ret, size_t *ret_n);

/* The options that choose the journal, as journalctl's, for cli_parse(). */
#define JOURNAL_SOURCE_USAGE "[--directory=DIR | --file=FILE | --root=DIR]"
#define JOURNAL_SOURCE_HELP \
        "  --directory=DIR  read the journal files in DIR (e.g. /var/log/journal/remote)\n" \
        "  --file=FILE      read one journal file\n" \
        "  --root=DIR       read the journal of the operating system tree at DIR"
#define JOURNAL_SOURCE_FLAGS(src) \
        { "directory", NULL, &(src).directory }, { "file", NULL, &(src).file }, { "root", NULL, &(src).root }
