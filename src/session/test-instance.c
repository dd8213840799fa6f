/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pwd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "session/instance.h"
#include "shared/macro.h"
#include "shared/tests.h"

static char *root;

static int setup(void **state) {
        root = test_tmpdir("test-instance");
        return 0;
}

static int teardown(void **state) {
        rm_rf_and_freep(&root);
        return 0;
}

/* mkdir -p ROOT/DIR and ln -s TARGET ROOT/DIR/NAME */
static void link_at(const char *dir, const char *name, const char *target) {
        char cmd[1024];

        snprintf(cmd, sizeof(cmd), "mkdir -p '%s%s' && ln -sfn '%s' '%s%s/%s'", root, dir, target, root, dir, name);
        assert_int_equal(system(cmd), 0);
}

static void unlink_at(const char *dir, const char *name) {
        char path[1024];

        snprintf(path, sizeof(path), "%s%s/%s", root, dir, name);
        assert_int_equal(unlink(path), 0);
}

static void assert_enabled(const char *user, const char *expected) {
        _cleanup_free_ char *timer = NULL;

        if (!expected) {
                assert_int_equal(instance_enabled_at(root, user, &timer), 0);
                assert_null(timer);
                return;
        }
        assert_int_equal(instance_enabled_at(root, user, &timer), 1);
        assert_string_equal(timer, expected);
}

static void test_timer_name(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        char long_name[300];

        assert_int_equal(instance_timer_name("ray", false, &a), 0);
        assert_string_equal(a, "ray-usage-stats@ray.timer");
        assert_int_equal(instance_timer_name("first-last.x_1", false, &b), 0);
        assert_string_equal(b, "ray-usage-stats@first-last.x_1.timer");
        assert_int_equal(instance_timer_name("first-last", true, &c), 0);
        assert_string_equal(c, "ray-usage-stats@first\\x2dlast.timer");
        /* a machine account: "$" cannot stand in a unit name */
        assert_int_equal(instance_timer_name("host$", false, &d), 0);
        assert_string_equal(d, "ray-usage-stats@host\\x24.timer");

        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        assert_int_equal(instance_timer_name(long_name, false, &a), -EINVAL);
        assert_int_equal(instance_timer_name("", false, &a), -EINVAL);
}

static void test_not_enabled(void **state) {
        assert_enabled("ray", NULL);
        /* another user's instance is not this user's */
        link_at("/etc/systemd/system/timers.target.wants", "ray-usage-stats@alice.timer",
                "/usr/lib/systemd/system/ray-usage-stats@.timer");
        assert_enabled("ray", NULL);
        assert_enabled("", NULL);
        unlink_at("/etc/systemd/system/timers.target.wants", "ray-usage-stats@alice.timer");
}

static void test_enabled_etc_run_vendor(void **state) {
        static const char *const dirs[] = {
                "/etc/systemd/system/timers.target.wants",
                "/run/systemd/system/timers.target.wants",
                "/usr/lib/systemd/system/timers.target.wants",
        };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                /* the link counts, whether or not its target resolves here */
                link_at(dirs[i], "ray-usage-stats@ray.timer", "/usr/lib/systemd/system/ray-usage-stats@.timer");
                assert_enabled("ray", "ray-usage-stats@ray.timer");
                unlink_at(dirs[i], "ray-usage-stats@ray.timer");
                assert_enabled("ray", NULL);
        }
}

static void test_enabled_escaped(void **state) {
        link_at("/etc/systemd/system/timers.target.wants", "ray-usage-stats@first\\x2dlast.timer",
                "/usr/lib/systemd/system/ray-usage-stats@.timer");
        assert_enabled("first-last", "ray-usage-stats@first\\x2dlast.timer");
        unlink_at("/etc/systemd/system/timers.target.wants", "ray-usage-stats@first\\x2dlast.timer");
        assert_enabled("first-last", NULL);
}

static void test_masked(void **state) {
        link_at("/etc/systemd/system/timers.target.wants", "ray-usage-stats@ray.timer",
                "/usr/lib/systemd/system/ray-usage-stats@.timer");
        link_at("/run/systemd/system", "ray-usage-stats@ray.timer", "/dev/null");
        assert_enabled("ray", NULL);
        unlink_at("/run/systemd/system", "ray-usage-stats@ray.timer");
        /* a link elsewhere is an ordinary unit file, not a mask */
        link_at("/etc/systemd/system", "ray-usage-stats@ray.timer", "/usr/lib/systemd/system/ray-usage-stats@.timer");
        assert_enabled("ray", "ray-usage-stats@ray.timer");
        unlink_at("/etc/systemd/system", "ray-usage-stats@ray.timer");
        unlink_at("/etc/systemd/system/timers.target.wants", "ray-usage-stats@ray.timer");
}

static void test_for_uid_without_passwd(void **state) {
        _cleanup_free_ char *timer = NULL;

        /* not in /etc/passwd on a normal system */
        if (getpwuid(54321))
                skip();
        assert_int_equal(instance_enabled_for_uid(54321, NULL, &timer), 0);
        assert_null(timer);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timer_name),
                cmocka_unit_test(test_not_enabled),
                cmocka_unit_test(test_enabled_etc_run_vendor),
                cmocka_unit_test(test_enabled_escaped),
                cmocka_unit_test(test_masked),
                cmocka_unit_test(test_for_uid_without_passwd),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
