/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <strings.h>

#include "dashboard/dashboard-log.h"
#include "dashboard/host-address.h"
#include "shared/log.h"

#define DASHBOARD_LOG "logs/dashboard.log"
#define DASHBOARD_NEEDLE "Dashboard head http address: "
/* The needle line is short; longer lines are someone else's and are skipped. */
#define DASHBOARD_LINE_MAX 4096

static int parse_port(const char *s, unsigned *ret) {
        unsigned v = 0;
        size_t l = strlen(s);

        if (l == 0 || l > 5 || strspn(s, "0123456789") != l)
                return -EINVAL;
        for (size_t i = 0; i < l; i++)
                v = v * 10 + (unsigned) (s[i] - '0');
        if (v == 0 || v > 65535)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* The URL form of a loopback host, or NULL when host is not loopback. The
 * wildcard addresses and this host's own addresses mean loopback (docs/design.md §4.2). */
static const char *loopback_host(const char *host, char *buf, size_t size) {
        struct in_addr a4;
        struct in6_addr a6;
        char inner[INET6_ADDRSTRLEN];
        size_t l = strlen(host);

        if (strcasecmp(host, "localhost") == 0)
                return "localhost";

        if (inet_pton(AF_INET, host, &a4) == 1) {
                uint32_t h = ntohl(a4.s_addr);

                if (h == 0 || host_address_is_own(AF_INET, &a4))
                        return "127.0.0.1";
                if ((h >> 24) != 127)
                        return NULL;
                return inet_ntop(AF_INET, &a4, buf, size);
        }

        /* Ray logs IPv6 hosts bare ("::1:8265"); accept the bracketed URL form too. */
        if (l >= 2 && host[0] == '[' && host[l - 1] == ']') {
                if (l - 2 >= sizeof inner)
                        return NULL;
                memcpy(inner, host + 1, l - 2);
                inner[l - 2] = 0;
                host = inner;
        }
        if (inet_pton(AF_INET6, host, &a6) == 1 &&
            (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
             host_address_is_own(AF_INET6, &a6)))
                return "[::1]";

        return NULL;
}

int dashboard_url_from_log(const char *text, size_t size, char **ret) {
        const char *line = NULL, *end, *colon;
        char host_buf[INET_ADDRSTRLEN];
        _cleanup_free_ char *rest = NULL;
        const char *host;
        size_t len = 0;
        unsigned port;
        char *url;

        assert(text || size == 0);
        assert(ret);

        *ret = NULL;

        /* Find the last line holding the needle, scanning forward (lines are short). */
        for (const char *p = text, *e = text + size; p < e;) {
                const char *nl = memchr(p, '\n', e - p);
                size_t l = nl ? (size_t) (nl - p) : (size_t) (e - p);
                const char *m = memmem(p, l, DASHBOARD_NEEDLE, strlen(DASHBOARD_NEEDLE));

                if (m) {
                        line = m + strlen(DASHBOARD_NEEDLE);
                        len = l - (line - p);
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        if (!line) {
                log_debug("No '" DASHBOARD_NEEDLE "' line in the dashboard log.");
                return 0;
        }

        end = line + len;
        while (end > line && strchr(" \t\r", end[-1]))
                end--;
        if ((size_t) (end - line) > 256 || memchr(line, 0, end - line)) {
                log_debug("Ignoring a malformed dashboard address in the dashboard log.");
                return 0;
        }
        rest = strndup(line, end - line);
        if (!rest)
                return -ENOMEM;

        colon = strrchr(rest, ':');
        if (!colon || colon == rest || parse_port(colon + 1, &port) < 0) {
                log_debug("Ignoring dashboard address '%s' from the dashboard log: no valid port.", rest);
                return 0;
        }
        rest[colon - rest] = 0;

        host = loopback_host(rest, host_buf, sizeof host_buf);
        if (!host) {
                log_debug("Ignoring dashboard address '%s' from the dashboard log: not a loopback address.",
                          rest);
                return 0;
        }

        if (asprintf(&url, "http://%s:%u", host, port) < 0)
                return -ENOMEM;
        *ret = url;
        return 0;
}

static int session_dashboard_line(int fd, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL, *found = NULL;
        size_t have = 0, found_size = 0;
        bool skipping = false;
        const size_t bufsize = 64 * 1024;

        buf = malloc(bufsize);
        if (!buf)
                return -ENOMEM;

        /* Streams the file line by line and keeps the last matching line only. */
        for (;;) {
                ssize_t n = read(fd, buf + have, bufsize - have);
                size_t start = 0;
                bool eof;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                eof = n == 0;
                have += (size_t) n;

                for (;;) {
                        const char *nl = memchr(buf + start, '\n', have - start);
                        size_t l;

                        if (!nl && !(eof && start < have))
                                break;
                        l = nl ? (size_t) (nl - (buf + start)) : have - start;
                        if (!skipping && l <= DASHBOARD_LINE_MAX &&
                            memmem(buf + start, l, DASHBOARD_NEEDLE, strlen(DASHBOARD_NEEDLE))) {
                                free(found);
                                found = malloc(l + 1);
                                if (!found)
                                        return -ENOMEM;
                                memcpy(found, buf + start, l);
                                found[l] = 0;
                                found_size = l;
                        }
                        skipping = false;
                        start += l + (nl ? 1 : 0);
                }
                if (eof)
                        break;

                memmove(buf, buf + start, have - start);
                have -= start;
                if (have == bufsize) {
                        /* A line longer than the buffer cannot be the one we want. */
                        have = 0;
                        skipping = true;
                }
        }

        *ret = TAKE_PTR(found);
        *ret_size = found_size;
        return 0;
}

int session_dashboard_url(Session *s, char **ret) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        int r;

        assert(s);
        assert(ret);

        *ret = NULL;

        r = fd = session_open_file(s, DASHBOARD_LOG);
        if (r == -ENOENT) {
                log_debug("No %s/" DASHBOARD_LOG ", using the default dashboard address.", s->path);
                return 0;
        }
        if (r < 0) {
                log_notice("Ignoring %s/" DASHBOARD_LOG ": %s; it must be a regular file owned by uid %u, "
                           "not a link.",
                           s->path, strerror(-r), (unsigned) s->uid);
                return 0;
        }

        r = session_dashboard_line(fd, &line, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_notice("Failed to read %s/" DASHBOARD_LOG ", using the default dashboard address: %s",
                           s->path, strerror(-r));
                return 0;
        }
        if (!line) {
                log_debug("No '" DASHBOARD_NEEDLE "' line in %s/" DASHBOARD_LOG ".", s->path);
                return 0;
        }
        return dashboard_url_from_log(line, size, ret);
}
