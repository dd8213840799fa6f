/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "session/session.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/strv.h"

#define LIB_USAGE_PREFIX "_ray_lib_usage-"
#define LIB_USAGE_SUFFIX ".txt"
#define SAFE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

int session_dir_born(const Session *s, struct timespec *ret) {
        struct statx sx;

        assert(s);
        assert(ret);

        if (statx(s->fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME, &sx) < 0)
                return negative_errno();
        if (sx.stx_mask & STATX_BTIME && sx.stx_btime.tv_sec > 0)
                *ret = (struct timespec) { sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec };
        else
                *ret = (struct timespec) { sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec };
        return 0;
}

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

int session_open_file(Session *s, const char *relpath) {
        _cleanup_close_ int dfd = -1;
        const char *name;
        int r;

        assert(s);
        assert(relpath);

        r = session_open_parent(s, relpath, &dfd, &name);
        if (r < 0)
                return r;
        return open_owned_regular(dfd, name, s->uid);
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
        int r;

        assert(s);
        assert(ret);

        r = opendir_at(s->fd, &d);
        if (r < 0)
                return r;

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
