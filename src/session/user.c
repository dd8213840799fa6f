/* SPDX-License-Identifier: MIT */
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>

#include "session/user.h"
#include "shared/log.h"
#include "shared/macro.h"

int user_home(uid_t uid, bool trust_env, char **ret) {
        const char *home = getenv("HOME");
        struct passwd *pw;
        char *p;

        assert(ret);

        if (trust_env && getuid() == uid && home && home[0] == '/')
                p = strdup(home);
        else {
                pw = getpwuid(uid);
                if (!pw)
                        return -ENOENT;
                if (isempty(pw->pw_dir) || pw->pw_dir[0] != '/')
                        return -ENOENT;
                p = strdup(pw->pw_dir);
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

const char *user_name(uid_t uid, char *buf, size_t size) {
        struct passwd *pw = getpwuid(uid);

        assert(buf);

        snprintf(buf, size, "%s", pw && !isempty(pw->pw_name) ? pw->pw_name : "?");
        return buf;
}

static bool is_uid_everywhere(uid_t uid, gid_t gid) {
        uid_t ru, eu, su;
        gid_t rg, eg, sg;

        return getresuid(&ru, &eu, &su) >= 0 && getresgid(&rg, &eg, &sg) >= 0 &&
               ru == uid && eu == uid && su == uid && rg == gid && eg == gid && sg == gid;
}

int drop_privileges(uid_t uid) {
        struct passwd *pw;
        gid_t gid;

        errno = 0;
        pw = getpwuid(uid);
        if (!pw)
                return errno > 0 ? -errno : -ENOENT;
        gid = pw->pw_gid;

        if (is_uid_everywhere(uid, gid))
                return 0;

        /* Groups and gids first: once the uid is not 0 they can no longer change. */
        if (initgroups(pw->pw_name, gid) < 0)
                return negative_errno();
        if (setresgid(gid, gid, gid) < 0)
                return negative_errno();
        if (setresuid(uid, uid, uid) < 0)
                return negative_errno();

        /* Nothing this process runs needs to gain privileges again: no set-uid
         * binary, no file capability. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();

        if (!is_uid_everywhere(uid, gid))
                return -EPERM;
        if (uid != 0 && (setresuid(0, 0, 0) >= 0 || seteuid(0) >= 0 || setresgid(0, 0, 0) >= 0))
                return -EPERM;
        return 0;
}
