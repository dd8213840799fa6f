/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reading the audit trail back (docs/design.md §11): the report attempts this machine,
 * or the machines whose journals were collected in one directory, recorded
 * with journal_event(). Read with sd-journal only: journald's files are the
 * one copy of what was sent. Anyone may send an entry with our
 * SYSLOG_IDENTIFIER and MESSAGE_IDs: each attempt says whether journald's
 * trusted fields show that the service wrote it (docs/design.md §11). */

typedef enum AttemptResult {
        ATTEMPT_SENT,
        ATTEMPT_FAILED,
        ATTEMPT_LOCAL,     /* RAY_USAGE_STATS_UPLOAD=0: built, not sent */
} AttemptResult;

typedef struct ReportAttempt {
        uint64_t time_usec;          /* the entry's realtime timestamp */
        AttemptResult result;
        bool additional;             /* to an additional endpoint, not Ray's */
        bool trusted;                /* journald's own fields say the service wrote it */
        char *uid, *comm;            /* journald's _UID and _COMM: who wrote it; NULL when absent */
        char *hostname, *machine_id; /* the journal's _HOSTNAME, _MACHINE_ID: local metadata */
        char *session_id, *seq, *url, *http_status, *error; /* NULL when the entry lacks them */
        char *payload;               /* exact bytes, NUL-terminated; NULL when absent */
        size_t payload_size;
} ReportAttempt;

/* Where to read: at most one of them set; none is this machine's journal. */
typedef struct JournalSource {
        const char *directory;       /* journalctl --directory= (e.g. /var/log/journal/remote) */
        const char *file;            /* journalctl --file= */
        const char *root;            /* journalctl --root=: ROOT/var/log/journal, ROOT/run/log/journal */
} JournalSource;

typedef struct AttemptFilter {
        const char *session_id;      /* NULL: all */
        uint64_t since_usec;         /* 0: from the start */
        uint64_t until_usec;         /* 0: to the end */
} AttemptFilter;

const char *attempt_result_to_string(AttemptResult r);

/* Every report attempt in src matching filter, oldest first. Returns 0 with
 * a new array (free with report_attempts_free()), -EACCES when src has
 * system journal files that this user may not read (not root, not in the
 * groups adm or systemd-journal), or another negative errno. */
int journal_read_attempts(const JournalSource *src, const AttemptFilter *filter, ReportAttempt **ret,
                          size_t *ret_n);
void report_attempts_free(ReportAttempt *a, size_t n);

/* Frees the attempts that only claim to be the service's (!trusted) and
 * moves the others together, in order; returns how many were dropped. */
size_t report_attempts_drop_untrusted(ReportAttempt *a, size_t *n);
