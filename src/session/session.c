/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "session/session.h"
#include "shared/env-util.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/strv.h"

#define SESSION_LATEST "session_latest"
#define LIB_USAGE_PREFIX "_ray_lib_usage-"
#define LIB_USAGE_SUFFIX ".txt"
#define SAFE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

int ray_temp_dir(char **ret) {
        const char *base;
        size_t l;
        char *p;

        assert(ret);

        base = env_get_or("RAY_TMPDIR", env_get_or("TMPDIR", "/tmp"));

        /* os.path.join(base, "ray") semantics: no doubled slash. */
        l = strlen(base);
        while (l > 1 && base[l - 1] == '/')
                l--;
        if (asprintf(&p, "%.*s%sray", (int) l, base, base[l - 1] == '/' ? "" : "/") < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* Session names end up in state file names and paths: a conservative charset. */
static bool session_name_is_valid(const char *name) {
        const char *rest = startswith(name, "session_");
        size_t l = strlen(name);

        if (!rest || streq(rest, "latest") || l > 200)
                return false;
        return *rest && strspn(rest, SAFE_CHARS) == strlen(rest);
}

Session *session_free(Session *s) {
        if (!s)
                return NULL;
        free(s->temp_dir);
        free(s->name);
        free(s->path);
        if (s->fd >= 0)
                (void) close(s->fd);
        free(s);
        return NULL;
}

/* Accepts "session_x" or "<dir>/session_x" where <dir> resolves to temp_resolved. */
static int session_name_from_target(const char *target, const char *temp_resolved, char **ret) {
        const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
        char *name;

        if (slash) {
                _cleanup_free_ char *parent = NULL, *parent_resolved = NULL;

                if (target[0] != '/')
                        return log_debug_errno(-EINVAL,
                                               "session_latest points to '%s', a relative path of several "
                                               "components, ignoring", target);
                parent = slash == target ? strdup("/") : strndup(target, slash - target);
                if (!parent)
                        return -ENOMEM;
                parent_resolved = realpath(parent, NULL);
                if (!parent_resolved)
                        return log_debug_errno(negative_errno(),
                                               "Cannot resolve the parent of session_latest's target '%s'",
                                               target);
                if (!streq(parent_resolved, temp_resolved))
                        return log_debug_errno(-EXDEV,
                                               "session_latest points to '%s', outside of %s, ignoring",
                                               target, temp_resolved);
        }
        if (!session_name_is_valid(base))
                return log_debug_errno(-EINVAL,
                                       "session_latest points to '%s', which does not name a session_* "
                                       "directory, ignoring", target);

        name = strdup(base);
        if (!name)
                return -ENOMEM;
        *ret = name;
        return 0;
}

int session_find(const char *temp_dir, Session **ret, SessionOwners *ret_owners) {
        _cleanup_session_ Session *s = NULL;
        _cleanup_close_ int tfd = -1, lfd = -1;
        char target[PATH_MAX];
        struct stat st, lst;
        ssize_t n;
        int r;

        assert(temp_dir);
        assert(ret);

        s = calloc(1, sizeof(Session));
        if (!s)
                return -ENOMEM;
        s->fd = -1;

        s->temp_dir = realpath(temp_dir, NULL);
        if (!s->temp_dir) {
                r = negative_errno();
                if (r == -ENOTDIR)
                        r = -ENOENT;
                return log_debug_errno(r, "Cannot resolve Ray's temp dir %s", temp_dir);
        }
        tfd = open(s->temp_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0)
                return log_debug_errno(negative_errno(), "Cannot open Ray's temp dir %s", s->temp_dir);

        /* The link itself, pinned: its owner and its target come from the same inode,
         * however often someone swaps the name (<temp> is 0777 and not sticky). */
        lfd = openat(tfd, SESSION_LATEST, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0)
                return log_debug_errno(negative_errno(), "Cannot open %s/" SESSION_LATEST, s->temp_dir);
        if (fstat(lfd, &lst) < 0)
                return negative_errno();
        if (!S_ISLNK(lst.st_mode))
                return log_debug_errno(-EINVAL, "%s/" SESSION_LATEST " is not a symlink, ignoring", s->temp_dir);
        n = readlinkat(lfd, "", target, sizeof target);
        if (n < 0)
                return log_debug_errno(negative_errno(), "Cannot read %s/" SESSION_LATEST, s->temp_dir);
        if ((size_t) n >= sizeof target)
                return log_debug_errno(-ENAMETOOLONG, "%s/" SESSION_LATEST " has an overlong target",
                                       s->temp_dir);
        target[n] = 0;

        r = session_name_from_target(target, s->temp_dir, &s->name);
        if (r < 0)
                return r;

        s->fd = openat(tfd, s->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->fd < 0) {
                r = negative_errno();
                if (r == -ENOENT)
                        return log_debug_errno(r, "%s/" SESSION_LATEST " points to %s, which does not exist",
                                               s->temp_dir, s->name);
                return log_debug_errno(r, "%s/%s is not a real directory, ignoring", s->temp_dir, s->name);
        }
        if (fstat(s->fd, &st) < 0)
                return negative_errno();
        s->uid = st.st_uid;
        s->gid = st.st_gid;

        /* One owner's session, or nobody's: whoever swapped the link, or the
         * directory behind it, does not get to pick "the Ray user". */
        if (lst.st_uid != st.st_uid) {
                if (ret_owners)
                        *ret_owners = (SessionOwners) { .link_uid = lst.st_uid, .dir_uid = st.st_uid };
                return log_debug_errno(-EPERM, "%s/" SESSION_LATEST " belongs to uid %u, but %s to uid %u, ignoring",
                                       s->temp_dir, (unsigned) lst.st_uid, s->name, (unsigned) st.st_uid);
        }

        if (asprintf(&s->path, "%s%s%s", s->temp_dir, streq(s->temp_dir, "/") ? "" : "/", s->name) < 0) {
                s->path = NULL;
                return -ENOMEM;
        }

        *ret = TAKE_PTR(s);
        return 0;
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
