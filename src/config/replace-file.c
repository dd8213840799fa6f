/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <sys/stat.h>

#include "config/replace-file.h"
#include "shared/fileio.h"
#include "shared/macro.h"

int replace_file(const char *path, const void *data, size_t size, mode_t new_mode) {
        _cleanup_free_ char *resolved = NULL;
        const char *target = path;
        struct stat st;
        int r;

        assert(path);

        /* These are the invoking user's own files (or root's under /etc), so
         * following their links gives nobody else a lever. A dangling link is
         * replaced itself. */
        if (lstat(path, &st) >= 0 && S_ISLNK(st.st_mode)) {
                resolved = realpath(path, NULL);
                if (resolved)
                        target = resolved;
        }

        if (stat(target, &st) >= 0) {
                if (S_ISDIR(st.st_mode))
                        return -EISDIR;
                new_mode = st.st_mode & 07777;
        }

        r = mkdir_parents(target, 0755);
        if (r < 0)
                return r;

        return write_file_atomic(target, data, size, new_mode);
}
