/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "session/identity.h"
#include "shared/macro.h"

#define NOBODY 65534
/* Not in /etc/passwd on a normal system; checked before use. */
#define NO_PASSWD_UID 54321

static void skip_unless_root(void) {
        if (geteuid() != 0) {
                print_message("Skipping: switching identities needs root.\n");
                skip();
        }
}

static int groups_of_process(gid_t *l, int max) {
        int n = getgroups(max, l);

        assert_true(n >= 0);
        return n;
}

static void test_switch_to_self(void **state) {
        Identity saved;

        assert_int_equal(identity_switch(geteuid(), getegid(), &saved), 0);
        assert_false(saved.switched);
        assert_int_equal(identity_restore(&saved), 0);
}

static void test_switch_not_root(void **state) {
        Identity saved;
        int status;
        pid_t pid;

        if (geteuid() != 0) {
                assert_int_equal(identity_switch(geteuid() + 1, getegid(), &saved), -EPERM);
                assert_false(saved.switched);
                return;
        }

        /* As root, check it in a child that has dropped root for good. */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
                    setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(2);
                _exit(identity_switch(1, 1, &saved) == -EPERM && !saved.switched ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_switch_and_restore(void **state) {
        char dir[] = "/tmp/test-identity-XXXXXX", path[64], secret[64];
        gid_t before[256], during[256], after[256];
        int n_before, n_during, n_after, fd;
        gid_t egid = getegid();
        Identity saved;
        struct stat st;

        skip_unless_root();
        n_before = groups_of_process(before, 256);

        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0777), 0);
        snprintf(path, sizeof path, "%s/created", dir);
        snprintf(secret, sizeof secret, "%s/secret", dir);
        fd = open(secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(close(fd), 0);

        assert_int_equal(identity_switch(NOBODY, NOBODY, &saved), 0);
        assert_true(saved.switched);
        assert_int_equal(geteuid(), NOBODY);
        assert_int_equal(getegid(), NOBODY);
        assert_int_equal(getuid(), 0);
        n_during = groups_of_process(during, 256);
        for (int i = 0; i < n_during; i++)
                assert_int_not_equal(during[i], 0);

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_uid, NOBODY);
        assert_int_equal(st.st_gid, NOBODY);
        assert_int_equal(close(fd), 0);
        assert_int_equal(open(secret, O_RDONLY | O_CLOEXEC), -1);
        assert_int_equal(errno, EACCES);

        assert_int_equal(identity_restore(&saved), 0);
        assert_false(saved.switched);
        assert_null(saved.groups);
        assert_int_equal(geteuid(), 0);
        assert_int_equal(getegid(), egid);
        n_after = groups_of_process(after, 256);
        assert_int_equal(n_after, n_before);
        assert_memory_equal(after, before, sizeof(gid_t) * (size_t) n_before);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(unlink(secret), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_switch_no_passwd_entry(void **state) {
        gid_t during[16];
        Identity saved;

        skip_unless_root();
        if (getpwuid(NO_PASSWD_UID)) {
                print_message("Skipping: uid %d has a passwd entry here.\n", NO_PASSWD_UID);
                skip();
        }

        assert_int_equal(identity_switch(NO_PASSWD_UID, NO_PASSWD_UID, &saved), 0);
        assert_int_equal(geteuid(), NO_PASSWD_UID);
        assert_int_equal(groups_of_process(during, 16), 1);
        assert_int_equal(during[0], NO_PASSWD_UID);
        assert_int_equal(identity_restore(&saved), 0);
        assert_int_equal(geteuid(), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_switch_to_self),
                cmocka_unit_test(test_switch_not_root),
                cmocka_unit_test(test_switch_and_restore),
                cmocka_unit_test(test_switch_no_passwd_entry),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
