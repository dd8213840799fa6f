/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "journal/message-ids.h"
#include "shared/macro.h"

/* The audit trail. Every event is one journal entry with
 * SYSLOG_IDENTIFIER=ray-usage-stats, a MESSAGE_ID from message-ids.h and the
 * RAY_USAGE_STATS_* fields of the event. The MESSAGE is also printed on
 * stderr, unless stderr is itself connected to the journal (a service run),
 * so that a person sees the same sentence the journal keeps. */

typedef struct JournalField {
        const char *name;  /* without the RAY_USAGE_STATS_ prefix, e.g. "DECISION" */
        const char *value; /* NULL: the field is left out */
        size_t size;       /* 0: strlen(value); else exact bytes (binary-safe payloads) */
} JournalField;

/* Sends the entry; fields is terminated by an element with name == NULL.
 * Returns 0, or a negative errno from sd_journal_sendv (which callers may
 * ignore: the terminal line has been printed anyway). */
int journal_event(int priority, const char *message_id, const JournalField *fields,
                  const char *format, ...) _printf_(4, 5);

/* A line without MESSAGE_ID, as a service's stderr leaves in the journal:
 * for what is not an event of the audit trail (main()'s line for a failed
 * run). Nothing is printed; nothing is sent when stderr is the journal
 * already. Returns 0 or a negative errno. */
int journal_line(int priority, const char *message);
