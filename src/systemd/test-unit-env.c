/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "shared/macro.h"
#include "shared/strv.h"
#include "systemd/unit-env.h"

static char dir[] = "/tmp/test-unit-env.XXXXXX";

static char *write_file(const char *name, const char *text) {
        _cleanup_close_ int fd = -1;
        char *path;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        return path;
}

static char **strv_of(const char *a, ...) {
        char **l = NULL;
        va_list ap;

        va_start(ap, a);
        for (const char *s = a; s; s = va_arg(ap, const char *))
                assert_int_equal(strv_push(&l, strdup(s)), 0);
        va_end(ap);
        return l;
}

static void assert_setting(const UnitEnv *e, const char *name, const char *value, const char *source) {
        const UnitSetting *s = unit_env_get(e, name);

        if (!value) {
                assert_null(s);
                return;
        }
        assert_non_null(s);
        assert_string_equal(s->value, value);
        assert_string_equal(s->source, source);
}

static void add_file(UnitProperties *p, char *path, bool ignore_missing) {
        p->files = reallocarray(p->files, p->n_files + 1, sizeof *p->files);
        assert_non_null(p->files);
        p->files[p->n_files++] = (UnitEnvFile) { .path = path, .ignore_missing = ignore_missing };
}

/* A unit as `systemctl show` gives it: a fragment, two drop-ins, two environment files. */
static void test_sources(void **state) {
        _cleanup_(unit_properties_done) UnitProperties p = {};
        _cleanup_(unit_env_done) UnitEnv e = {};
        char *fragment, *a, *b, *dflt;

        fragment = write_file("ray-usage-stats.service",
                              "[Unit]\nDescription=x\nEnvironment=NOT_A_SERVICE_LINE=1\n"
                              "[Service]\nType=oneshot\nEnvironment=FROM_FRAGMENT=1 RAY_USAGE_STATS_ENABLED=1\n"
                              "EnvironmentFile=-/etc/default/ray-usage-stats\n");
        a = write_file("10-endpoint.conf",
                       "# comment Environment=RAY_USAGE_STATS_REPORT_URL=no\n[Service]\n"
                       "Environment=\"RAY_USAGE_STATS_REPORT_URL=http://127.0.0.1:9/r\" \\\n"
                       "    'DO_NOT_TRACK=1'\n");
        b = write_file("20-optout.conf", "[Service]\nEnvironment = RAY_USAGE_STATS_ENABLED=0\n");
        dflt = write_file("default", "export DO_NOT_TRACK=0\nRAY_USAGE_STATS_UPLOAD=\"0\"\nFROM_FRAGMENT=2\n");

        p.fragment_path = fragment;
        p.dropin_paths = strv_of(a, b, NULL);
        p.manager_environment = strv_of("PATH=/usr/bin", "RAY_USAGE_STATS_SOURCE=manager", NULL);
        /* What systemd resolved: later assignments of a name win. */
        p.environment = strv_of("FROM_FRAGMENT=1", "RAY_USAGE_STATS_ENABLED=0",
                                "RAY_USAGE_STATS_REPORT_URL=http://127.0.0.1:9/r", "DO_NOT_TRACK=1",
                                "SET_AT_RUNTIME=1", NULL);
        add_file(&p, strdup("/nonexistent/ray-usage-stats"), true);
        add_file(&p, dflt, false);

        assert_int_equal(unit_env_build("ray-usage-stats.service", &p, &e), 0);
        assert_null(e.problem);
        assert_setting(&e, "RAY_USAGE_STATS_ENABLED", "0", b);
        assert_setting(&e, "RAY_USAGE_STATS_REPORT_URL", "http://127.0.0.1:9/r", a);
        /* systemd drops "export NAME=" lines: the drop-in's value stays. */
        assert_setting(&e, "DO_NOT_TRACK", "1", a);
        assert_setting(&e, "RAY_USAGE_STATS_UPLOAD", "0", dflt);
        assert_setting(&e, "FROM_FRAGMENT", "2", dflt);
        assert_setting(&e, "SET_AT_RUNTIME", "1", "ray-usage-stats.service");
        assert_setting(&e, "RAY_USAGE_STATS_SOURCE", "manager",
                       "the service manager's environment (systemctl show-environment)");
        assert_setting(&e, "NOT_A_SERVICE_LINE", NULL, NULL);
        free(a);
        free(b);
}

/* An empty Environment= resets the list: an earlier file no longer sets the name. */
static void test_reset(void **state) {
        _cleanup_(unit_properties_done) UnitProperties p = {};
        _cleanup_(unit_env_done) UnitEnv e = {};
        char *a, *b;

        a = write_file("a.conf", "[Service]\nEnvironment=RAY_USAGE_STATS_ENABLED=0\n");
        b = write_file("b.conf", "[Service]\nEnvironment=\nEnvironment=RAY_USAGE_STATS_UPLOAD=0\n"
                                 "Environment=RAY_USAGE_STATS_ENABLED=1\n");
        p.dropin_paths = strv_of(a, b, NULL);
        p.environment = strv_of("RAY_USAGE_STATS_UPLOAD=0", "RAY_USAGE_STATS_ENABLED=1", NULL);
        assert_int_equal(unit_env_build("u.service", &p, &e), 0);
        assert_setting(&e, "RAY_USAGE_STATS_ENABLED", "1", b);
        free(a);
        free(b);
}

/* A required environment file that is missing: the unit would not start, and says which. */
static void test_missing_file(void **state) {
        _cleanup_(unit_properties_done) UnitProperties p = {};
        _cleanup_(unit_env_done) UnitEnv e = {};

        add_file(&p, strdup("/nonexistent/env"), false);
        assert_int_equal(unit_env_build("u.service", &p, &e), 0);
        assert_non_null(e.problem);
        assert_non_null(strstr(e.problem, "/nonexistent/env is missing: the unit would not start"));
        assert_int_equal(e.n, 0);
}

/* The process takes the unit's settings; its own product variables that the unit lacks go. */
static void test_apply(void **state) {
        _cleanup_(unit_properties_done) UnitProperties p = {};
        _cleanup_(unit_env_done) UnitEnv e = {};

        assert_int_equal(setenv("DO_NOT_TRACK", "1", 1), 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_CONFIG_PATH", "/tmp/x", 1), 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_DEBUG", "1", 1), 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_ENABLED", "1", 1), 0);
        assert_int_equal(setenv("HOME_OF_TEST", "kept", 1), 0);
        p.environment = strv_of("RAY_USAGE_STATS_ENABLED=0", NULL);
        assert_int_equal(unit_env_build("u.service", &p, &e), 0);
        assert_int_equal(unit_env_apply(&e), 0);
        assert_null(getenv("DO_NOT_TRACK"));
        assert_null(getenv("RAY_USAGE_STATS_CONFIG_PATH"));
        assert_string_equal(getenv("RAY_USAGE_STATS_DEBUG"), "1");
        assert_string_equal(getenv("RAY_USAGE_STATS_ENABLED"), "0");
        assert_string_equal(getenv("HOME_OF_TEST"), "kept");
}

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        _cleanup_free_ char *cmd = NULL;

        assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sources),
                cmocka_unit_test(test_reset),
                cmocka_unit_test(test_missing_file),
                cmocka_unit_test(test_apply),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
