/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "config/replace-file.h"
#include "shared/fileio.h"
#include "shared/macro.h"

/* Opens path's parent directory and checks path in it; *ret_mode is the
 * existing file's mode, or new_mode. */
static int open_checked(const char *path, mode_t new_mode, int *ret_dfd, char **ret_name, mode_t *ret_mode) {
        _cleanup_free_ char *dir_copy = NULL, *name_copy = NULL;
        _cleanup_close_ int dfd = -1;
        struct stat st;

        dir_copy = strdup(path);
        name_copy = strdup(path);
        if (!dir_copy || !name_copy)
                return -ENOMEM;

        dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();

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

        r = open_checked(path, 0, &dfd, &name, &mode);
        /* A missing parent is created by replace_file(). */
        return r == -ENOENT ? 0 : r;
}

int replace_file(const char *path, const void *data, size_t size, mode_t new_mode) {
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *name = NULL;
        mode_t mode;
        int r;

        assert(path);

        r = mkdir_parents(path, 0755);
        if (r < 0)
                return r;
        r = open_checked(path, new_mode, &dfd, &name, &mode);
        if (r < 0)
                return r;
        return write_file_atomic_at(dfd, name, data, size, mode);
}
