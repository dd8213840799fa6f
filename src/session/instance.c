/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/instance.h"
#include "shared/log.h"
#include "shared/macro.h"

#define INSTANCE_PREFIX "ray-usage-stats@"
#define INSTANCE_SUFFIX ".timer"
#define UNIT_NAME_MAX 255

/* Where "systemctl enable" (/etc), "enable --runtime" (/run) and a vendor
 * image (/usr/lib, and /lib where it is not merged) put the link. */
static const char *const wants_dirs[] = {
        "/etc/systemd/system/timers.target.wants",
        "/run/systemd/system/timers.target.wants",
        "/usr/lib/systemd/system/timers.target.wants",
        "/lib/systemd/system/timers.target.wants",
};

/* "systemctl mask" links the unit's name to /dev/null here; a mask wins. */
static const char *const mask_dirs[] = {
        "/etc/systemd/system",
        "/run/systemd/system",
};

int instance_timer_name(const char *user, bool escape_dash, char **ret) {
        _cleanup_free_ char *name = NULL;
        char *p;

        assert(user);
        assert(ret);

        if (isempty(user))
                return -EINVAL;
        name = malloc(strlen(INSTANCE_PREFIX) + 4 * strlen(user) + strlen(INSTANCE_SUFFIX) + 1);
        if (!name)
                return -ENOMEM;
        p = stpcpy(name, INSTANCE_PREFIX);
        for (const char *u = user; *u; u++) {
                unsigned char ch = (unsigned char) *u;

                if ((ch < 0x80 && (isalnum(ch) || strchr(":_.", ch))) || (ch == '-' && !escape_dash))
                        *p++ = (char) ch;
                else
                        p += sprintf(p, "\\x%02x", ch);
        }
        strcpy(p, INSTANCE_SUFFIX);
        if (strlen(name) > UNIT_NAME_MAX)
                return -EINVAL;
        *ret = TAKE_PTR(name);
        return 0;
}

static int path_under(const char *root, const char *dir, const char *name, char **ret) {
        return asprintf(ret, "%s%s/%s", root, dir, name) < 0 ? -ENOMEM : 0;
}

static int is_masked(const char *root, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(mask_dirs); i++) {
                _cleanup_free_ char *path = NULL;
                char target[sizeof("/dev/null")];
                ssize_t n;

                if (path_under(root, mask_dirs[i], name, &path) < 0)
                        return -ENOMEM;
                n = readlink(path, target, sizeof(target));
                if (n == (ssize_t) strlen("/dev/null") && memcmp(target, "/dev/null", n) == 0)
                        return 1;
        }
        return 0;
}

static int is_linked(const char *root, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(wants_dirs); i++) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (path_under(root, wants_dirs[i], name, &path) < 0)
                        return -ENOMEM;
                if (lstat(path, &st) == 0)
                        return 1;
                if (errno != ENOENT && errno != ENOTDIR)
                        /* Unreadable: not known to be enabled, so the generic unit reports. */
                        log_debug_errno(negative_errno(), "Failed to look at %s: %m", path);
        }
        return 0;
}

int instance_enabled_at(const char *root, const char *user, char **ret_timer) {
        assert(root);
        assert(user);
        assert(ret_timer);

        for (int escape_dash = 0; escape_dash <= 1; escape_dash++) {
                _cleanup_free_ char *name = NULL;
                int r;

                if (escape_dash && !strchr(user, '-'))
                        break; /* the same name again */
                r = instance_timer_name(user, escape_dash, &name);
                if (r == -EINVAL)
                        return 0; /* no unit can have been enabled for it */
                if (r < 0)
                        return r;
                r = is_masked(root, name);
                if (r == 0)
                        r = is_linked(root, name);
                else if (r > 0)
                        continue;
                if (r < 0)
                        return r;
                if (r > 0) {
                        *ret_timer = TAKE_PTR(name);
                        return 1;
                }
        }
        return 0;
}

int instance_enabled_for_uid(uid_t uid, char **ret_user, char **ret_timer) {
        _cleanup_free_ char *timer = NULL;
        struct passwd *pw;
        int r;

        assert(ret_timer);

        errno = 0;
        pw = getpwuid(uid);
        if (!pw)
                return errno == ENOMEM ? -ENOMEM : 0;
        r = instance_enabled_at("", pw->pw_name, &timer);
        if (r <= 0)
                return r;
        if (ret_user) {
                *ret_user = strdup(pw->pw_name);
                if (!*ret_user)
                        return -ENOMEM;
        }
        *ret_timer = TAKE_PTR(timer);
        return 1;
}
