/* SPDX-License-Identifier: MIT */
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "session/user.h"
#include "shared/macro.h"

#define NOBODY 65534
/* Not in /etc/passwd on a normal system; checked before use. */
#define NO_PASSWD_UID 54321

static void test_user_home(void **state) {
        struct passwd *pw = getpwuid(getuid());
        char *home = NULL;

        assert_non_null(pw);
        assert_int_equal(setenv("HOME", "/custom/home", 1), 0);
        assert_int_equal(user_home(getuid(), true, &home), 0);
        assert_string_equal(home, "/custom/home");
        free(home);

        /* A relative or missing $HOME gives the passwd entry. */
        assert_int_equal(setenv("HOME", "relative", 1), 0);
        assert_int_equal(user_home(getuid(), true, &home), 0);
        assert_string_equal(home, pw->pw_dir);
        free(home);
        assert_int_equal(unsetenv("HOME"), 0);
        assert_int_equal(user_home(getuid(), true, &home), 0);
        assert_string_equal(home, pw->pw_dir);
        free(home);

        /* Another user's home never comes from our $HOME. */
        assert_int_equal(setenv("HOME", "/custom/home", 1), 0);
        pw = getpwuid(NOBODY);
        if (pw && pw->pw_dir[0] == '/') {
                assert_int_equal(user_home(NOBODY, true, &home), 0);
                assert_string_equal(home, pw->pw_dir);
                free(home);
        }
        if (!getpwuid(NO_PASSWD_UID))
                assert_int_equal(user_home(NO_PASSWD_UID, true, &home), -ENOENT);
}

static void test_user_home_untrusted_env(void **state) {
        struct passwd *pw = getpwuid(getuid());
        char *home = NULL;

        /* Root's settings commands: $HOME may be another user's (sudo -E). */
        assert_non_null(pw);
        assert_int_equal(setenv("HOME", "/home/mallory", 1), 0);
        assert_int_equal(user_home(getuid(), false, &home), 0);
        assert_string_equal(home, pw->pw_dir);
        free(home);
        assert_int_equal(unsetenv("HOME"), 0);
}

/* The Uid:/Gid: line of /proc/self/status: real, effective, saved, filesystem. */
static bool status_line_is(const char *field, unsigned id) {
        char line[256], want[128];
        bool found = false;
        FILE *f = fopen("/proc/self/status", "re");

        if (!f)
                return false;
        snprintf(want, sizeof want, "%s:\t%u\t%u\t%u\t%u\n", field, id, id, id, id);
        while (fgets(line, sizeof line, f))
                if (startswith(line, field) && line[strlen(field)] == ':')
                        found = streq(line, want);
        fclose(f);
        return found;
}

static bool groups_without_root(void) {
        gid_t l[256];
        int n = getgroups(ELEMENTSOF(l), l);

        for (int i = 0; i < n; i++)
                if (l[i] == 0)
                        return false;
        return n >= 0;
}

/* In a child: drop to uid, then try every way back to root. The exit status
 * says which check failed. */
static int drop_and_try_to_return(uid_t uid, gid_t gid) {
        gid_t zero = 0;

        if (drop_privileges(uid) < 0)
                return 10;
        if (!status_line_is("Uid", uid))
                return 11;
        if (!status_line_is("Gid", gid))
                return 12;
        if (!groups_without_root())
                return 13;
        if (setuid(0) >= 0 || seteuid(0) >= 0 || setresuid(0, 0, 0) >= 0 || setreuid(-1, 0) >= 0)
                return 14;
        if (setgid(0) >= 0 || setegid(0) >= 0 || setresgid(0, 0, 0) >= 0 || setgroups(1, &zero) >= 0)
                return 15;
        if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
                return 16;
        return 0;
}

static void test_drop_privileges_for_good(void **state) {
        struct passwd *pw;
        int status;
        pid_t pid;

        if (geteuid() != 0) {
                print_message("Skipping: dropping privileges needs root.\n");
                skip();
        }
        pw = getpwuid(NOBODY);
        if (!pw) {
                print_message("Skipping: no passwd entry for uid %d.\n", NOBODY);
                skip();
        }

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(drop_and_try_to_return(NOBODY, pw->pw_gid));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_drop_privileges_no_passwd_entry(void **state) {
        uid_t uid = getuid();

        if (getpwuid(NO_PASSWD_UID)) {
                print_message("Skipping: uid %d has a passwd entry here.\n", NO_PASSWD_UID);
                skip();
        }
        /* Nothing changes: the ids come from passwd or not at all. */
        assert_int_equal(drop_privileges(NO_PASSWD_UID), -ENOENT);
        assert_int_equal(getuid(), uid);
}

static void test_user_name(void **state) {
        char buf[64];

        assert_string_equal(user_name(0, buf, sizeof buf), "root");
        if (!getpwuid(NO_PASSWD_UID))
                assert_string_equal(user_name(NO_PASSWD_UID, buf, sizeof buf), "?");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_user_home),
                cmocka_unit_test(test_user_home_untrusted_env),
                cmocka_unit_test(test_drop_privileges_for_good),
                cmocka_unit_test(test_drop_privileges_no_passwd_entry),
                cmocka_unit_test(test_user_name),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
