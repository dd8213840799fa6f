/* SPDX-License-Identifier: MIT */
#include <grp.h>
#include <pwd.h>

#include "session/identity.h"
#include "shared/log.h"
#include "shared/macro.h"

/* The supplementary groups initgroups(3) would give uid, primary group gid. */
static int user_groups(uid_t uid, gid_t gid, gid_t **ret, int *ret_n) {
        struct passwd *pw;
        gid_t *l = NULL;
        int n = 16;

        pw = getpwuid(uid);
        if (!pw) {
                l = malloc(sizeof(gid_t));
                if (!l)
                        return -ENOMEM;
                l[0] = gid;
                *ret = l;
                *ret_n = 1;
                return 0;
        }

        for (;;) {
                int want = n;
                gid_t *p = reallocarray(l, (size_t) want, sizeof(gid_t));

                if (!p) {
                        free(l);
                        return -ENOMEM;
                }
                l = p;
                /* On -1, n holds the number needed. */
                if (getgrouplist(pw->pw_name, gid, l, &n) >= 0)
                        break;
                if (n <= want)
                        n = want * 2;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static int saved_groups(gid_t **ret, int *ret_n) {
        gid_t *l;
        int n;

        n = getgroups(0, NULL);
        if (n < 0)
                return negative_errno();
        l = malloc(sizeof(gid_t) * (size_t) (n > 0 ? n : 1));
        if (!l)
                return -ENOMEM;
        n = getgroups(n, l);
        if (n < 0) {
                free(l);
                return negative_errno();
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int identity_switch(uid_t uid, gid_t gid, Identity *saved) {
        _cleanup_free_ gid_t *groups = NULL, *old_groups = NULL;
        int n_groups, n_old, r;

        assert(saved);

        *saved = (Identity) {
                .euid = geteuid(),
                .egid = getegid(),
        };
        if (saved->euid == uid)
                return 0;
        if (saved->euid != 0)
                return -EPERM;

        r = saved_groups(&old_groups, &n_old);
        if (r < 0)
                return r;
        r = user_groups(uid, gid, &groups, &n_groups);
        if (r < 0)
                return r;

        /* Groups and gid first: once uid is no longer 0 they cannot be changed. */
        if (setgroups((size_t) n_groups, groups) < 0)
                return negative_errno();
        if (setegid(gid) < 0) {
                r = negative_errno();
                (void) setgroups((size_t) n_old, old_groups);
                return r;
        }
        if (seteuid(uid) < 0) {
                r = negative_errno();
                (void) setegid(saved->egid);
                (void) setgroups((size_t) n_old, old_groups);
                return r;
        }

        saved->switched = true;
        saved->groups = TAKE_PTR(old_groups);
        saved->n_groups = n_old;
        return 0;
}

int identity_restore(Identity *saved) {
        int r = 0;

        assert(saved);

        if (saved->switched) {
                /* Back to root first: only root may set the groups and gid. */
                if (seteuid(saved->euid) < 0)
                        r = negative_errno();
                else if (setgroups((size_t) saved->n_groups, saved->groups) < 0)
                        r = negative_errno();
                else if (setegid(saved->egid) < 0)
                        r = negative_errno();
        }

        free(saved->groups);
        *saved = (Identity) {};
        return r < 0 ? log_error_errno(r, "Failed to restore the service's own identity, stopping") : 0;
}
