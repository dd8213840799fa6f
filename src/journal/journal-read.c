/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>

#include <systemd/sd-journal.h>

#include "journal/journal-read.h"
#include "journal/message-ids.h"
#include "shared/alloc-util.h"
#include "shared/fileio.h"
#include "shared/log.h"

#define FIELD_PREFIX "RAY_USAGE_STATS_"
#define PROGRAM "ray-usage-stats"

static const struct {
        const char *message_id;
        AttemptResult result;
} attempt_ids[] = {
        { MESSAGE_ID_REPORT_SENT, ATTEMPT_SENT },
        { MESSAGE_ID_REPORT_FAILED, ATTEMPT_FAILED },
        { MESSAGE_ID_REPORT_LOCAL, ATTEMPT_LOCAL },
};

const char *attempt_result_to_string(AttemptResult r) {
        static const char *const names[] = {
                [ATTEMPT_SENT] = "sent",
                [ATTEMPT_FAILED] = "failed",
                [ATTEMPT_LOCAL] = "local",
        };

        assert((size_t) r < ELEMENTSOF(names));
        return names[r];
}

static void report_attempts_free_items(ReportAttempt *a, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(a[i].hostname);
                free(a[i].machine_id);
                free(a[i].session_id);
                free(a[i].seq);
                free(a[i].url);
                free(a[i].http_status);
                free(a[i].error);
                free(a[i].payload);
                free(a[i].uid);
                free(a[i].comm);
        }
}

size_t report_attempts_drop_untrusted(ReportAttempt *a, size_t *n) {
        size_t kept = 0, dropped;

        assert(a || *n == 0);

        for (size_t i = 0; i < *n; i++)
                if (a[i].trusted)
                        a[kept++] = a[i];
                else
                        report_attempts_free_items(&a[i], 1);
        dropped = *n - kept;
        *n = kept;
        return dropped;
}

void report_attempts_free(ReportAttempt *a, size_t n) {
        report_attempts_free_items(a, n);
        free(a);
}

/* Whether a journal file in dir (and, for a journald root, in its machine
 * directories) exists that open() refuses with EACCES. sd-journal skips
 * such files silently, which would show a user an empty history where the
 * truth is that they may not read it. */
static bool dir_has_unreadable(const char *dir, bool system_only, int depth) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return false;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                size_t n = strlen(de->d_name);
                int fd;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        return false;
                if (de->d_type == DT_DIR) {
                        if (depth > 0 && dir_has_unreadable(path, system_only, depth - 1))
                                return true;
                        continue;
                }
                if (!(n > 8 && streq(de->d_name + n - 8, ".journal")) ||
                    (system_only && strncmp(de->d_name, "system", 6) != 0))
                        continue;
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
                if (fd < 0 && errno == EACCES)
                        return true;
                if (fd >= 0)
                        close(fd);
        }
        return false;
}

static bool access_denied(const JournalSource *src) {
        static const char *const dirs[] = { "/var/log/journal", "/run/log/journal" };

        if (src->file) {
                int fd = open(src->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

                if (fd >= 0)
                        close(fd);
                return fd < 0 && errno == EACCES;
        }
        if (src->directory)
                return dir_has_unreadable(src->directory, false, 0);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s%s", src->root ?: "", dirs[i]) < 0)
                        return false;
                if (dir_has_unreadable(p, true, 1))
                        return true;
        }
        return false;
}

static int open_source(const JournalSource *src, sd_journal **ret) {
        assert(!!src->directory + !!src->file + !!src->root <= 1);

        if (src->directory)
                return sd_journal_open_directory(ret, src->directory, 0);
        if (src->file)
                return sd_journal_open_files(ret, (const char *[]) { src->file, NULL }, 0);
        if (src->root)
                return sd_journal_open_directory(ret, src->root, SD_JOURNAL_OS_ROOT);
        return sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
}

/* The value of field in the current entry, or NULL *ret when absent. */
static int get_field(sd_journal *j, const char *field, char **ret, size_t *ret_size) {
        const void *data;
        size_t size, n = strlen(field);
        char *s;
        int r;

        *ret = NULL;
        r = sd_journal_get_data(j, field, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (size < n + 1 || memcmp(data, field, n) != 0 || ((const char *) data)[n] != '=')
                return -EBADMSG;
        s = malloc(size - n);
        if (!s)
                return -ENOMEM;
        memcpy(s, (const char *) data + n + 1, size - n - 1);
        s[size - n - 1] = 0;
        *ret = s;
        if (ret_size)
                *ret_size = size - n - 1;
        return 0;
}

/* Whether journald, which sets the fields that start with "_" from the
 * sender's credentials and cgroup (a client cannot set them), says that the
 * service wrote the entry (docs/design.md §11): root running our program or
 * one of our units, or a per-user unit as its own user. SYSLOG_IDENTIFIER and
 * MESSAGE_ID are the sender's word only. own_machine: the journal is this
 * machine's, so that the instance's user name can be checked against the
 * uid; on another machine's, the unit (a system cgroup, which only root
 * makes) is all there is to go by. */
static bool written_by_service(const ReportAttempt *a, const char *unit, const char *exe, bool own_machine) {
        const char *instance, *slash;
        char *end;
        unsigned long uid;

        if (!a->uid)
                return false;
        errno = 0;
        uid = strtoul(a->uid, &end, 10);
        if (errno != 0 || end == a->uid || *end || a->uid[0] == '-')
                return false;
        instance = unit ? startswith(unit, PROGRAM "@") : NULL;
        if (uid == 0) {
                /* journald reads these from /proc when the entry arrives: a sender
                 * that has exited by then has none of them, and was root. */
                if (!unit && !a->comm && !exe)
                        return true;
                slash = exe ? strrchr(exe, '/') : NULL;
                return streq_ptr(unit, PROGRAM ".service") || (instance && endswith(instance, ".service")) ||
                       streq_ptr(a->comm, PROGRAM) || streq_ptr(slash ? slash + 1 : exe, PROGRAM);
        }
        if (!instance || !endswith(instance, ".service"))
                return false;
        if (own_machine) {
                struct passwd *pw = getpwuid((uid_t) uid);
                size_t n = strlen(instance) - strlen(".service");

                return pw && strlen(pw->pw_name) == n && strncmp(pw->pw_name, instance, n) == 0;
        }
        return true;
}

static int read_entry(sd_journal *j, bool own_machine, ReportAttempt *a) {
        _cleanup_free_ char *message_id = NULL, *additional = NULL, *unit = NULL, *exe = NULL;
        const struct {
                const char *field;
                char **value;
        } fields[] = {
                { "_HOSTNAME", &a->hostname },
                { "_MACHINE_ID", &a->machine_id },
                { FIELD_PREFIX "SESSION_ID", &a->session_id },
                { FIELD_PREFIX "SEQ", &a->seq },
                { FIELD_PREFIX "URL", &a->url },
                { FIELD_PREFIX "HTTP_STATUS", &a->http_status },
                { FIELD_PREFIX "ERROR", &a->error },
                { FIELD_PREFIX "ADDITIONAL", &additional },
                { "MESSAGE_ID", &message_id },
                { "_UID", &a->uid },
                { "_COMM", &a->comm },
                { "_EXE", &exe },
                { "_SYSTEMD_UNIT", &unit },
        };
        int r;

        r = sd_journal_get_realtime_usec(j, &a->time_usec);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                r = get_field(j, fields[i].field, fields[i].value, NULL);
                if (r < 0)
                        return r;
        }
        r = get_field(j, FIELD_PREFIX "PAYLOAD", &a->payload, &a->payload_size);
        if (r < 0)
                return r;

        a->additional = streq_ptr(additional, "1");
        a->trusted = written_by_service(a, unit, exe, own_machine);
        for (size_t i = 0; i < ELEMENTSOF(attempt_ids); i++)
                if (streq_ptr(message_id, attempt_ids[i].message_id)) {
                        a->result = attempt_ids[i].result;
                        return 1;
                }
        return 0; /* a match we did not ask for */
}

static int add_matches(sd_journal *j, const AttemptFilter *filter) {
        int r;

        /* Matches on one field are alternatives; on different fields, all must hold. */
        for (size_t i = 0; i < ELEMENTSOF(attempt_ids); i++) {
                char m[64];

                snprintf(m, sizeof m, "MESSAGE_ID=%s", attempt_ids[i].message_id);
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=ray-usage-stats", 0);
        if (r < 0)
                return r;
        if (filter->session_id) {
                _cleanup_free_ char *m = NULL;

                if (asprintf(&m, FIELD_PREFIX "SESSION_ID=%s", filter->session_id) < 0)
                        return -ENOMEM;
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int journal_read_attempts(const JournalSource *src, const AttemptFilter *filter, ReportAttempt **ret,
                          size_t *ret_n) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        ReportAttempt *a = NULL;
        size_t n = 0, allocated = 0;
        int r;

        assert(src);
        assert(filter);
        assert(ret);
        assert(ret_n);

        if (access_denied(src))
                return -EACCES;

        r = open_source(src, &j);
        if (r < 0)
                return r;
        /* Payloads are kept whole, whatever their size. */
        r = sd_journal_set_data_threshold(j, 0);
        if (r < 0)
                return r;
        r = add_matches(j, filter);
        if (r < 0)
                return r;
        r = filter->since_usec > 0 ? sd_journal_seek_realtime_usec(j, filter->since_usec) :
                                     sd_journal_seek_head(j);
        if (r < 0)
                return r;

        for (;;) {
                ReportAttempt e = {};

                r = sd_journal_next(j);
                if (r < 0)
                        goto fail;
                if (r == 0)
                        break;
                r = read_entry(j, !src->directory && !src->file && !src->root, &e);
                if (r <= 0 || (filter->until_usec > 0 && e.time_usec > filter->until_usec)) {
                        report_attempts_free_items(&e, 1);
                        if (r < 0)
                                goto fail;
                        if (r == 0)
                                continue;
                        break;
                }
                if (GREEDY_REALLOC(a, allocated, n + 1) < 0) {
                        report_attempts_free_items(&e, 1);
                        r = -ENOMEM;
                        goto fail;
                }
                a[n++] = e;
        }
        *ret = a;
        *ret_n = n;
        return 0;
fail:
        report_attempts_free(a, n);
        return r;
}
