/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/journal-read.h"
#include "journal/message-ids.h"
#include "shared/macro.h"
#include "shared/tests.h"

static const char *const remote_paths[] = {
        "/usr/lib/systemd/systemd-journal-remote", "/lib/systemd/systemd-journal-remote",
};

static char *tmpdir;

/* One export-format entry (journalctl -o export), the payload as a binary
 * field so that any byte survives. */
/* What journald adds for the service run by root (the sender cannot set these). */
#define BY_SERVICE "_UID=0\n_COMM=ray-usage-stats\n_EXE=/usr/bin/ray-usage-stats\n_SYSTEMD_UNIT=ray-usage-stats.service\n"

static void entry_by(FILE *f, const char *writer, uint64_t t, const char *host, const char *message_id,
                     const char *ident, const char *session, const char *seq, const char *payload,
                     const char *additional) {
        uint64_t size = payload ? strlen(payload) : 0;

        fprintf(f, "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n"
                   "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=%s\n"
                   "_MACHINE_ID=%s\nMESSAGE_ID=%s\nSYSLOG_IDENTIFIER=%s\nMESSAGE=m\n",
                (unsigned long long) t, (unsigned long long) t, host,
                streq(host, "head-a") ? "11111111111111111111111111111111" : "22222222222222222222222222222222",
                message_id, ident);
        fputs(writer, f);
        if (session)
                fprintf(f, "RAY_USAGE_STATS_SESSION_ID=%s\n", session);
        if (seq)
                fprintf(f, "RAY_USAGE_STATS_SEQ=%s\nRAY_USAGE_STATS_URL=https://usage-stats.ray.io/\n"
                           "RAY_USAGE_STATS_HTTP_STATUS=200\n", seq);
        if (additional)
                fprintf(f, "RAY_USAGE_STATS_ADDITIONAL=%s\n", additional);
        if (payload) {
                fputs("RAY_USAGE_STATS_PAYLOAD\n", f);
                fwrite(&size, sizeof size, 1, f); /* little endian on the machines we test on */
                fwrite(payload, 1, size, f);
                fputc('\n', f);
        }
        fputc('\n', f);
}

#define entry(f, ...) entry_by(f, BY_SERVICE, __VA_ARGS__)

static int make_journal(const char *path) {
        char cmd[512];
        FILE *f;

        for (size_t i = 0; i < ELEMENTSOF(remote_paths); i++) {
                if (access(remote_paths[i], X_OK) < 0)
                        continue;
                snprintf(cmd, sizeof cmd, "%s -o %s - 2>/dev/null", remote_paths[i], path);
                f = popen(cmd, "w");
                assert_non_null(f);
                entry(f, 1000000, "head-a", MESSAGE_ID_DECISION, "ray-usage-stats", NULL, NULL, NULL, NULL);
                entry(f, 2000000, "head-a", MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "s1", "0",
                      "{\"a\": \"x\\ny\"}\n\x01", NULL);
                entry(f, 3000000, "head-a", MESSAGE_ID_REPORT_FAILED, "ray-usage-stats", "s1", "1", "{}", NULL);
                entry(f, 3000001, "head-a", MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "s1", "1", "{}", "1");
                entry(f, 4000000, "head-b", MESSAGE_ID_REPORT_LOCAL, "ray-usage-stats", "s2", NULL, "{}", NULL);
                entry(f, 5000000, "head-b", MESSAGE_ID_REPORT_SENT, "impostor", "s2", "0", "{}", NULL);
                /* logger --journald as a user: claims everything, but journald says who wrote it */
                entry_by(f, "_UID=1000\n_COMM=logger\n_EXE=/usr/bin/logger\n_SYSTEMD_UNIT=session-2.scope\n",
                         6000000, "head-b", MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "forged", "0", "{}", NULL);
                /* root, but another program */
                entry_by(f, "_UID=0\n_COMM=logger\n_EXE=/usr/bin/logger\n", 7000000, "head-b",
                         MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "forged", "1", "{}", NULL);
                /* a per-user unit as its user: from another machine, the unit is what counts */
                entry_by(f, "_UID=1001\n_COMM=ray-usage-stats\n_SYSTEMD_UNIT=ray-usage-stats@ray.service\n",
                         8000000, "head-b", MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "s3", "0", "{}", NULL);
                /* a user's own run of the program: its name is no proof */
                entry_by(f, "_UID=1000\n_COMM=ray-usage-stats\n_EXE=/usr/bin/ray-usage-stats\n", 9000000,
                         "head-b", MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "forged", "2", "{}", NULL);
                /* root that had exited when journald looked (no _COMM, _EXE, _SYSTEMD_UNIT) */
                entry_by(f, "_UID=0\n", 9500000, "head-b", MESSAGE_ID_REPORT_SENT, "ray-usage-stats", "s4", "0", "{}",
                         NULL);
                assert_int_equal(pclose(f), 0);
                return 0;
        }
        return -ENOENT;
}

static int setup(void **state) {
        char path[128];

        tmpdir = test_tmpdir("test-journal-read");
        assert_int_equal(chmod(tmpdir, 0755), 0); /* test_access_denied reads it as another user */
        snprintf(path, sizeof path, "%s/remote-a.journal", tmpdir);
        return make_journal(path) < 0 ? 0 : 0;
}

static int teardown(void **state) {
        rm_rf_and_freep(&tmpdir);
        return 0;
}

static void read_or_skip(const JournalSource *src, const AttemptFilter *f, ReportAttempt **a, size_t *n) {
        char path[128];

        snprintf(path, sizeof path, "%s/remote-a.journal", tmpdir);
        if (access(path, F_OK) < 0)
                skip(); /* no systemd-journal-remote here */
        assert_int_equal(journal_read_attempts(src, f, a, n), 0);
}

static void test_all_attempts_in_order(void **state) {
        char path[128];
        ReportAttempt *a;
        size_t n;

        snprintf(path, sizeof path, "%s/remote-a.journal", tmpdir);
        read_or_skip(&(JournalSource) { .file = path }, &(AttemptFilter) {}, &a, &n);
        assert_int_equal(n, 9);

        assert_true(a[0].time_usec == 2000000);
        assert_int_equal(a[0].result, ATTEMPT_SENT);
        assert_string_equal(a[0].hostname, "head-a");
        assert_string_equal(a[0].machine_id, "11111111111111111111111111111111");
        assert_string_equal(a[0].session_id, "s1");
        assert_string_equal(a[0].seq, "0");
        assert_string_equal(a[0].url, "https://usage-stats.ray.io/");
        assert_string_equal(a[0].http_status, "200");
        assert_false(a[0].additional);
        assert_int_equal(a[0].payload_size, 15);
        assert_memory_equal(a[0].payload, "{\"a\": \"x\\ny\"}\n\x01", 15);

        assert_int_equal(a[1].result, ATTEMPT_FAILED);
        assert_int_equal(a[2].result, ATTEMPT_SENT);
        assert_true(a[2].additional);
        assert_int_equal(a[3].result, ATTEMPT_LOCAL);
        assert_string_equal(a[3].hostname, "head-b");
        assert_null(a[3].seq);
        assert_null(a[3].url);
        assert_string_equal(attempt_result_to_string(a[3].result), "local");
        for (size_t i = 0; i < 4; i++)
                assert_true(a[i].trusted);
        assert_false(a[4].trusted);
        assert_string_equal(a[4].uid, "1000");
        assert_string_equal(a[4].comm, "logger");
        assert_false(a[5].trusted);
        assert_true(a[6].trusted);
        assert_false(a[7].trusted);
        assert_true(a[8].trusted);

        assert_int_equal(report_attempts_drop_untrusted(a, &n), 3);
        assert_int_equal(n, 6);
        assert_string_equal(a[4].session_id, "s3");
        assert_string_equal(a[5].session_id, "s4");
        report_attempts_free(a, n);
}

static void test_filters(void **state) {
        ReportAttempt *a;
        size_t n;

        read_or_skip(&(JournalSource) { .directory = tmpdir }, &(AttemptFilter) { .session_id = "s2" }, &a, &n);
        assert_int_equal(n, 1);
        assert_string_equal(a[0].hostname, "head-b");
        report_attempts_free(a, n);

        read_or_skip(&(JournalSource) { .directory = tmpdir },
                     &(AttemptFilter) { .since_usec = 2500000, .until_usec = 3000000 }, &a, &n);
        assert_int_equal(n, 1);
        assert_int_equal(a[0].result, ATTEMPT_FAILED);
        report_attempts_free(a, n);

        read_or_skip(&(JournalSource) { .directory = tmpdir }, &(AttemptFilter) { .session_id = "none" }, &a, &n);
        assert_int_equal(n, 0);
        report_attempts_free(a, n);
}

static void test_access_denied(void **state) {
        char dir[160], path[192];
        ReportAttempt *a = NULL;
        size_t n = 0;
        FILE *f;

        if (geteuid() != 0)
                skip(); /* needs root to become another user */
        snprintf(dir, sizeof dir, "%s/root/var/log/journal/0123456789abcdef0123456789abcdef", tmpdir);
        snprintf(path, sizeof path, "mkdir -p %s", dir);
        assert_int_equal(system(path), 0);
        snprintf(path, sizeof path, "%s/system.journal", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fclose(f);
        assert_int_equal(chmod(path, 0600), 0); /* root keeps its groups under seteuid() */
        snprintf(path, sizeof path, "%s/root", tmpdir);

        assert_int_equal(seteuid(65534), 0);
        assert_int_equal(journal_read_attempts(&(JournalSource) { .root = path }, &(AttemptFilter) {}, &a, &n),
                         -EACCES);
        assert_int_equal(seteuid(0), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_attempts_in_order),
                cmocka_unit_test(test_filters),
                cmocka_unit_test(test_access_denied),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
