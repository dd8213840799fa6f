/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "config/replace-file.h"
#include "shared/fileio.h"
#include "shared/macro.h"

/* A directory that root may write through: root's, and nobody else may
 * replace its entries (not writable by group or others, or sticky, as /tmp:
 * there others may add names, which the walk below opens without following
 * and checks like any other). */
static int check_root_dir(int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_uid != 0)
                return -EPERM;
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
                return -ENOLINK;
        return 0;
}

/* Root's way to path's parent (docs/design.md §4.2): from "/", one component
 * at a time, never following a link (-ELOOP), each directory checked with
 * check_root_dir(); missing ones are created (0755) when create is set, and
 * then opened and checked like the others. path must be absolute and
 * without "..". */
static int open_parent_as_root(const char *path, bool create) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int dfd = -1;
        char *p, *next;
        int r;

        if (!copy)
                return -ENOMEM;
        if (copy[0] != '/')
                return -EINVAL;
        dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        r = check_root_dir(dfd);
        if (r < 0)
                return r;
        for (p = copy + 1; (next = strchr(p, '/')); p = next + 1) {
                struct stat st;
                int fd;

                *next = 0;
                if (*p == 0 || streq(p, "."))
                        continue;
                if (streq(p, ".."))
                        return -EINVAL;
                if (create && mkdirat(dfd, p, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                if (fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISLNK(st.st_mode))
                        return -ELOOP;
                fd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return errno == ENOTDIR && fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                                S_ISLNK(st.st_mode) ? -ELOOP : negative_errno();
                closep(&dfd);
                dfd = fd;
                r = check_root_dir(dfd);
                if (r < 0)
                        return r;
        }
        return TAKE_FD(dfd);
}

/* Opens path's parent directory and checks path in it; *ret_mode is the
 * existing file's mode, or new_mode. */
static int open_checked(const char *path, mode_t new_mode, bool create, int *ret_dfd, char **ret_name,
                        mode_t *ret_mode) {
        _cleanup_free_ char *dir_copy = NULL, *name_copy = NULL;
        _cleanup_close_ int dfd = -1;
        struct stat st;
        int r;

        dir_copy = strdup(path);
        name_copy = strdup(path);
        if (!dir_copy || !name_copy)
                return -ENOMEM;

        if (geteuid() == 0)
                dfd = open_parent_as_root(path, create);
        else {
                if (create) {
                        r = mkdir_parents(path, 0755);
                        if (r < 0)
                                return r;
                }
                dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        dfd = negative_errno();
        }
        if (dfd < 0)
                return dfd;

        *ret_mode = new_mode;
        if (fstatat(dfd, basename(name_copy), &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                if (S_ISLNK(st.st_mode))
                        return -ELOOP;
                if (S_ISDIR(st.st_mode))
                        return -EISDIR;
                if (st.st_uid != getuid())
                        return -EPERM;
                *ret_mode = st.st_mode & 07777;
        } else if (errno != ENOENT)
                return negative_errno();

        *ret_name = strdup(basename(name_copy));
        if (!*ret_name)
                return -ENOMEM;
        *ret_dfd = TAKE_FD(dfd);
        return 0;
}

int replace_file_check(const char *path) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *name = NULL;
        mode_t mode;
        int r;

        assert(path);

        r = open_checked(path, 0, false, &dfd, &name, &mode);
        /* A missing parent is created by replace_file(). */
        return r == -ENOENT ? 0 : r;
}

int replace_file(const char *path, const void *data, size_t size, mode_t new_mode) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *name = NULL;
        mode_t mode;
        int r;

        assert(path);

        r = open_checked(path, new_mode, true, &dfd, &name, &mode);
        if (r < 0)
                return r;
        return write_file_atomic_at(dfd, name, data, size, mode);
}
