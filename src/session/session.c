/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "session/host-address.h"
#include "session/session.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/strv.h"

#define LIB_USAGE_PREFIX "_ray_lib_usage-"
#define LIB_USAGE_SUFFIX ".txt"
#define DASHBOARD_LOG "logs/dashboard.log"
#define DASHBOARD_NEEDLE "Dashboard head http address: "
/* The needle line is short; longer lines are someone else's and are skipped. */
#define DASHBOARD_LINE_MAX 4096
#define SAFE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

Session *session_free(Session *s) {
        if (!s)
                return NULL;
        free(s->name);
        free(s->path);
        if (s->fd >= 0)
                (void) close(s->fd);
        free(s);
        return NULL;
}

static int parse_digits(const char **p, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                char c = (*p)[i];

                if (c < '0' || c > '9')
                        return -EINVAL;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

static int expect_char(const char **p, char c) {
        if (**p != c)
                return -EINVAL;
        (*p)++;
        return 0;
}

static bool is_leap_year(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int session_start_time_ms(const char *name, int64_t *ret) {
        static const int days_in_month[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int year, mon, mday, hour, min, sec, usec;
        struct tm tm;
        const char *p;
        time_t t;

        assert(ret);

        p = name ? startswith(name, "session_") : NULL;
        if (!p)
                return -EINVAL;
        /* Python's strftime("%Y-%m-%d_%H-%M-%S_%f"): fixed widths, %f six digits. */
        if (parse_digits(&p, 4, &year) < 0 || expect_char(&p, '-') < 0 ||
            parse_digits(&p, 2, &mon) < 0 || expect_char(&p, '-') < 0 ||
            parse_digits(&p, 2, &mday) < 0 || expect_char(&p, '_') < 0 ||
            parse_digits(&p, 2, &hour) < 0 || expect_char(&p, '-') < 0 ||
            parse_digits(&p, 2, &min) < 0 || expect_char(&p, '-') < 0 ||
            parse_digits(&p, 2, &sec) < 0 || expect_char(&p, '_') < 0 ||
            parse_digits(&p, 6, &usec) < 0 || expect_char(&p, '_') < 0)
                return -EINVAL;
        /* The pid: 1-10 digits and nothing after them. */
        if (*p == 0 || strlen(p) > 10 || strspn(p, "0123456789") != strlen(p))
                return -EINVAL;

        if (year < 1970 || mon < 1 || mon > 12 || mday < 1 ||
            mday > days_in_month[mon - 1] + (mon == 2 && is_leap_year(year)) ||
            hour > 23 || min > 59 || sec > 59)
                return -EINVAL;

        tm = (struct tm) {
                .tm_year = year - 1900,
                .tm_mon = mon - 1,
                .tm_mday = mday,
                .tm_hour = hour,
                .tm_min = min,
                .tm_sec = sec,
                .tm_isdst = -1, /* Ray used local time and does not record whether DST applied */
        };
        t = mktime(&tm);
        if (t == (time_t) -1)
                return -EINVAL;

        *ret = (int64_t) t * 1000 + usec / 1000;
        return 0;
}

static bool is_dot_or_dotdot(const char *p, size_t l) {
        return (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.');
}

/* Splits relpath into its directories, opening each below s->fd, and returns
 * the fd of the last directory and the final component. */
static int session_open_parent(Session *s, const char *relpath, int *ret_fd, const char **ret_name) {
        _cleanup_close_ int dfd = -1;
        const char *p = relpath;

        if (isempty(relpath) || relpath[0] == '/')
                return -EINVAL;

        dfd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return negative_errno();

        for (;;) {
                size_t l = strcspn(p, "/");
                char component[NAME_MAX + 1];
                struct stat st;
                int nfd;

                if (l == 0 || l > NAME_MAX || is_dot_or_dotdot(p, l))
                        return -EINVAL;
                if (p[l] == 0)
                        break;

                memcpy(component, p, l);
                component[l] = 0;
                nfd = openat(dfd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0) {
                        int r = negative_errno();

                        /* O_DIRECTORY|O_NOFOLLOW reports a link as ENOTDIR; say what it is. */
                        if (r == -ENOTDIR && fstatat(dfd, component, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                            S_ISLNK(st.st_mode))
                                r = -ELOOP;
                        return r;
                }
                (void) close(dfd);
                dfd = nfd;
                if (fstat(dfd, &st) < 0)
                        return negative_errno();
                if (st.st_uid != s->uid)
                        return -EPERM;
                p += l + 1;
        }

        *ret_fd = TAKE_FD(dfd);
        *ret_name = p;
        return 0;
}

int session_read_file(Session *s, const char *relpath, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int dfd = -1;
        const char *name;
        int r;

        assert(s);
        assert(relpath);
        assert(ret);

        r = session_open_parent(s, relpath, &dfd, &name);
        if (r < 0)
                return r;

        return read_file_at(dfd, name, max_size, READ_NOFOLLOW | READ_REGULAR | READ_CHECK_OWNER, s->uid,
                            ret, ret_size);
}

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
 * wildcard addresses and this host's own addresses mean loopback (SPEC 4.2). */
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

/* Opens dirfd/name as a regular file owned by uid, never through a link. */
static int open_owned_regular(int dirfd, const char *name, uid_t uid) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_uid != uid)
                return -EPERM;
        return TAKE_FD(fd);
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
        _cleanup_close_ int dfd = -1, fd = -1;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        const char *name;
        int r;

        assert(s);
        assert(ret);

        *ret = NULL;

        r = session_open_parent(s, DASHBOARD_LOG, &dfd, &name);
        if (r >= 0)
                r = fd = open_owned_regular(dfd, name, s->uid);
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

bool library_name_is_valid(const char *name) {
        size_t l;

        if (!name)
                return false;
        l = strlen(name);
        if (l < 1 || l > 64 || streq(name, ".") || streq(name, ".."))
                return false;
        return strspn(name, SAFE_CHARS) == l;
}

/* The <name> of "_ray_lib_usage-<name>.txt", or NULL. */
static char *library_from_marker(const char *filename) {
        const char *p = startswith(filename, LIB_USAGE_PREFIX);
        _cleanup_free_ char *name = NULL;
        size_t l;

        if (!p)
                return NULL;
        l = strlen(p);
        if (l <= strlen(LIB_USAGE_SUFFIX) || !streq(p + l - strlen(LIB_USAGE_SUFFIX), LIB_USAGE_SUFFIX))
                return NULL;
        name = strndup(p, l - strlen(LIB_USAGE_SUFFIX));
        if (!name || !library_name_is_valid(name))
                return NULL;
        return TAKE_PTR(name);
}

int session_library_usages(Session *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        int fd, r = 0;

        assert(s);
        assert(ret);

        fd = openat(s->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                r = negative_errno();
                (void) close(fd);
                return r;
        }

        for (;;) {
                _cleanup_free_ char *name = NULL;
                struct dirent *de;
                struct stat st;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = negative_errno();
                        break;
                }
                if (!startswith(de->d_name, LIB_USAGE_PREFIX))
                        continue;
                name = library_from_marker(de->d_name);
                if (!name) {
                        log_debug("Ignoring library marker '%s' in %s: invalid name.", de->d_name, s->path);
                        continue;
                }
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        log_debug_errno(negative_errno(), "Ignoring library marker %s/%s", s->path,
                                        de->d_name);
                        continue;
                }
                if (!S_ISREG(st.st_mode) || st.st_uid != s->uid) {
                        log_debug("Ignoring library marker %s/%s: not a regular file owned by uid %u.",
                                  s->path, de->d_name, (unsigned) s->uid);
                        continue;
                }
                r = strv_push(&l, name);
                if (r < 0)
                        break;
                name = NULL;
        }
        (void) closedir(d);
        if (r < 0)
                return r;

        strv_sort_unique(l);
        *ret = TAKE_PTR(l);
        return 0;
}

int session_record_library(Session *s, const char *name) {
        _cleanup_free_ char *marker = NULL;

        assert(s);

        if (!library_name_is_valid(name))
                return -EINVAL;
        if (geteuid() != s->uid)
                return log_debug_errno(-EPERM,
                                       "Not recording library '%s': running as uid %u, but the session "
                                       "belongs to uid %u", name, (unsigned) geteuid(), (unsigned) s->uid);
        if (asprintf(&marker, LIB_USAGE_PREFIX "%s" LIB_USAGE_SUFFIX, name) < 0)
                return -ENOMEM;

        /* Twice at most: the second attempt follows removing a planted entry. */
        for (unsigned attempt = 0;; attempt++) {
                _cleanup_close_ int fd = -1;
                struct stat st;

                fd = openat(s->fd, marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                            0644);
                if (fd >= 0)
                        return fchmod(fd, 0644) < 0 ? negative_errno() : 0;
                if (errno != EEXIST || attempt > 0)
                        return negative_errno();

                if (fstatat(s->fd, marker, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                if (S_ISREG(st.st_mode) && st.st_uid == s->uid)
                        return 0;

                /* Something planted under the marker's name: remove it (a link is removed, not followed). */
                log_debug("Replacing %s/%s, which is not a regular file owned by uid %u.", s->path, marker,
                          (unsigned) s->uid);
                if (unlinkat(s->fd, marker, 0) < 0)
                        return negative_errno();
        }
}
