/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "journal/journal.h"
#include "shared/escape.h"
#include "shared/log.h"

#define FIELD_PREFIX "RAY_USAGE_STATS_"
#define MAX_FIELDS 32

/* Under systemd, stderr may already be the journal ($JOURNAL_STREAM names its
 * device and inode); printing there too would record every event twice. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

int journal_event(int priority, const char *message_id, const JournalField *fields,
                  const char *format, ...) {
        _cleanup_free_ char *message = NULL, *msg_field = NULL, *id_field = NULL, *prio_field = NULL;
        char *owned[MAX_FIELDS] = {};
        struct iovec iov[MAX_FIELDS + 4];
        size_t n = 0, n_owned = 0;
        va_list ap;
        int r = 0;

        assert(message_id);
        assert(format);

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        if (!stderr_is_journal())
                (void) fprintf_escaped(stderr, "%s", message);

        if (asprintf(&msg_field, "MESSAGE=%s", message) < 0 ||
            asprintf(&id_field, "MESSAGE_ID=%s", message_id) < 0 ||
            asprintf(&prio_field, "PRIORITY=%i", priority) < 0)
                return -ENOMEM;
        iov[n++] = (struct iovec) { msg_field, strlen(msg_field) };
        iov[n++] = (struct iovec) { id_field, strlen(id_field) };
        iov[n++] = (struct iovec) { prio_field, strlen(prio_field) };
        iov[n++] = (struct iovec) { (char *) "SYSLOG_IDENTIFIER=ray-usage-stats", strlen("SYSLOG_IDENTIFIER=ray-usage-stats") };

        r = 0;
        for (const JournalField *f = fields; f && f->name && n_owned < MAX_FIELDS; f++) {
                size_t vlen, nlen;
                char *buf;

                if (!f->value)
                        continue;
                vlen = f->size ? f->size : strlen(f->value);
                nlen = strlen(FIELD_PREFIX) + strlen(f->name) + 1;
                buf = malloc(nlen + vlen);
                if (!buf) {
                        r = -ENOMEM;
                        goto finish;
                }
                snprintf(buf, nlen + 1, FIELD_PREFIX "%s=", f->name);
                memcpy(buf + nlen, f->value, vlen);
                owned[n_owned++] = buf;
                iov[n++] = (struct iovec) { buf, nlen + vlen };
        }

        r = sd_journal_sendv(iov, (int) n);
        if (r < 0)
                log_debug_errno(r, "Failed to write to the journal: %m");
finish:
        for (size_t i = 0; i < n_owned; i++)
                free(owned[i]);
        return r;
}

int journal_line(int priority, const char *message) {
        int r;

        assert(message);

        /* Under systemd, stderr already carried the line into the journal. */
        if (stderr_is_journal())
                return 0;
        r = sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", priority,
                            "SYSLOG_IDENTIFIER=ray-usage-stats", NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to write to the journal: %m");
        return r;
}
