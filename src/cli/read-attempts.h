/* SPDX-License-Identifier: MIT */
#pragma once

#include "journal/journal-read.h"

/* journal_read_attempts() for a command: checks that at most one source is
 * given and turns failures into one-line errors. Returns CLI_CONTINUE with
 * the attempts, or the exit status: 1 when the user may not read the
 * journal (naming the groups that may), 3 for other failures. */
int cli_read_attempts(const JournalSource *src, const AttemptFilter *filter, ReportAttempt **ret, size_t *ret_n);
