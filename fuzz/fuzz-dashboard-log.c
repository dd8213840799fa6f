/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "dashboard/dashboard-log.h"
#include "session/session.h"

/* <session>/logs/dashboard.log is written by the Ray user, in a 0777 tree.
 * Two ways in: dashboard_url_from_log() on the whole text, and
 * session_dashboard_url(), which streams the file in 64 KiB blocks. The
 * address they give, if any, must be a loopback URL; and they must agree
 * (the streamed reader skips lines over 4096 bytes by design, so the whole
 * text is compared with those lines dropped).
 *
 * So that small inputs can cross the 64 KiB block boundaries, a byte 0xFE
 * followed by k expands to (k + 1) * 257 bytes of "a". */

#define LINE_MAX_STREAMED 4096
#define EXPANDED_MAX (1024U * 1024U)

static Session session;
static char log_path[192];

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        char p[160];

        fuzz_log_setup();
        snprintf(p, sizeof p, "%s/session_2025-11-26_12-00-00_123456_4242", fuzz_scratch_dir());
        fuzz_assert(mkdir(p, 0755) == 0);
        snprintf(log_path, sizeof log_path, "%s/logs", p);
        fuzz_assert(mkdir(log_path, 0755) == 0);
        strcat(log_path, "/dashboard.log");
        session = (Session) {
                .path = strdup(p),
                .name = strdup("session_2025-11-26_12-00-00_123456_4242"),
                .fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                .uid = getuid(),
                .gid = getgid(),
        };
        fuzz_assert(session.fd >= 0);
        return 0;
}

static char *expand(const uint8_t *data, size_t size, size_t *ret_size) {
        char *out = malloc(EXPANDED_MAX);
        size_t n = 0;

        fuzz_assert(out);
        for (size_t i = 0; i < size && n < EXPANDED_MAX; i++) {
                if (data[i] == 0xfe && i + 1 < size) {
                        size_t k = ((size_t) data[++i] + 1) * 257;

                        if (k > EXPANDED_MAX - n)
                                k = EXPANDED_MAX - n;
                        memset(out + n, 'a', k);
                        n += k;
                } else
                        out[n++] = (char) data[i];
        }
        *ret_size = n;
        return out;
}

/* The text without the lines the streamed reader skips. */
static char *drop_long_lines(const char *text, size_t size, size_t *ret_size) {
        char *out = malloc(size + 1);
        size_t n = 0;

        fuzz_assert(out);
        for (size_t p = 0; p < size;) {
                const char *nl = memchr(text + p, '\n', size - p);
                size_t l = nl ? (size_t) (nl - (text + p)) : size - p;

                if (l <= LINE_MAX_STREAMED) {
                        memcpy(out + n, text + p, l + (nl ? 1 : 0));
                        n += l + (nl ? 1 : 0);
                }
                p += l + (nl ? 1 : 0);
        }
        *ret_size = n;
        return out;
}

static void check_url(const char *url) {
        const char *host, *colon;
        char buf[64];
        struct in_addr a;
        unsigned long port;
        char *end;

        host = startswith(url, "http://");
        fuzz_assert(host);
        colon = strrchr(host, ':');
        fuzz_assert(colon && (size_t) (colon - host) < sizeof buf);
        memcpy(buf, host, colon - host);
        buf[colon - host] = 0;
        port = strtoul(colon + 1, &end, 10);
        fuzz_assert(*end == 0 && port >= 1 && port <= 65535 && colon[1] != '0');

        if (streq(buf, "localhost") || streq(buf, "[::1]"))
                return;
        fuzz_assert(inet_pton(AF_INET, buf, &a) == 1);
        fuzz_assert((ntohl(a.s_addr) >> 24) == 127);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL, *short_lines = NULL, *whole = NULL, *streamed = NULL,
                            *whole_all = NULL;
        size_t n, m;

        text = expand(data, size, &n);

        fuzz_assert(dashboard_url_from_log(text, n, &whole_all) == 0);
        if (whole_all)
                check_url(whole_all);

        short_lines = drop_long_lines(text, n, &m);
        fuzz_assert(dashboard_url_from_log(short_lines, m, &whole) == 0);

        fuzz_write_file(log_path, (const uint8_t *) text, n);
        fuzz_assert(session_dashboard_url(&session, &streamed) == 0);
        if (streamed)
                check_url(streamed);
        fuzz_assert(streq_ptr(whole, streamed));
        return 0;
}
