/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "shared/alloc-util.h"
#include "shared/fileio.h"
#include "shared/macro.h"

#define READ_CHUNK 4096U

int read_file_at(int dirfd, const char *path, size_t max_size, ReadFlags flags, uid_t owner,
                 char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size = 0, allocated = 0;

        assert(path);
        assert(ret);

        fd = openat(dirfd, path,
                    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | ((flags & READ_NOFOLLOW) ? O_NOFOLLOW : 0));
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if ((flags & READ_REGULAR) && !S_ISREG(st.st_mode))
                return -EBADFD;
        if ((flags & READ_CHECK_OWNER) && st.st_uid != owner)
                return -EPERM;
        if (S_ISREG(st.st_mode) && (size_t) st.st_size > max_size)
                return -EFBIG;

        for (;;) {
                ssize_t n;

                /* Room for a read of a page or more and the NUL; one byte more
                 * than max_size tells an oversized file. */
                if (allocated - size < 2 &&
                    GREEDY_REALLOC_MAX(buf, allocated, size + READ_CHUNK, max_size + 2) < 0)
                        return -ENOMEM;
                n = read(fd, buf + size, allocated - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return -EFBIG;
        }

        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int loop_write(int fd, const void *data, size_t size, WriteFlags flags) {
        const char *p = data;

        assert(fd >= 0);
        assert(data || size == 0);

        while (size > 0) {
                ssize_t n = (flags & WRITE_NOSIGNAL) ? send(fd, p, size, MSG_NOSIGNAL) : write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode) {
        _cleanup_close_ int fd = -1;
        char tmp[256];
        int r;

        assert(name);
        assert(data || size == 0);

        if (strchr(name, '/') || strlen(name) > 200)
                return -EINVAL;

        /* A random suffix and O_EXCL: a name planted in a world-writable
         * directory only makes us pick another one. */
        for (unsigned attempt = 0;; attempt++) {
                uint64_t rnd;

                if (attempt >= 64)
                        return -EEXIST;
                if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
                        return negative_errno();
                snprintf(tmp, sizeof tmp, ".%s.%016llx.tmp", name, (unsigned long long) rnd);
                fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
                if (fd >= 0)
                        break;
                if (errno != EEXIST)
                        return negative_errno();
        }

        r = loop_write(fd, data, size, 0);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = negative_errno();
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = negative_errno();
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }

        /* Make the rename itself durable; failure here loses nothing already visible. */
        (void) fsync(dirfd == AT_FDCWD ? fd : dirfd);
        return 0;
}

static bool is_temporary_of(const char *entry, const char *name) {
        const char *p = entry;
        size_t n = strlen(name);

        if (*p++ != '.' || strncmp(p, name, n) != 0 || p[n] != '.')
                return false;
        p += n + 1;
        if (strspn(p, "0123456789abcdef") != 16)
                return false;
        return streq(p + 16, ".tmp");
}

int opendir_at(int dirfd, DIR **ret) {
        DIR *d;
        int fd;

        assert(ret);

        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();

                (void) close(fd);
                return r;
        }
        *ret = d;
        return 0;
}

int remove_stale_temporaries_at(int dirfd, const char *name) {
        DIR *d;
        struct dirent *e;
        int r, removed = 0;

        assert(name);

        r = opendir_at(dirfd, &d);
        if (r < 0)
                return r;
        while ((e = readdir(d)))
                if (is_temporary_of(e->d_name, name) && unlinkat(dirfd, e->d_name, 0) >= 0)
                        removed++;
        closedir(d);
        return removed;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *dir_copy = NULL, *base_copy = NULL;
        _cleanup_close_ int dfd = -1;

        assert(path);

        dir_copy = strdup(path);
        base_copy = strdup(path);
        if (!dir_copy || !base_copy)
                return -ENOMEM;

        dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();

        return write_file_atomic_at(dfd, basename(base_copy), data, size, mode);
}

int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *p = NULL;

        assert(path);

        p = strdup(path);
        if (!p)
                return -ENOMEM;

        /* Walk every '/' after the first character; the last component is the file itself. */
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = '/';
        }
        return 0;
}
