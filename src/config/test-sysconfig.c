/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config/settings.h"
#include "config/sysconfig.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/tests.h"

static char *dir;
static char *file;

static void write_file(const char *text) {
        _cleanup_close_ int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
}

static char *read_back(void) {
        char *buf;

        assert_int_equal(read_file_at(AT_FDCWD, file, SYSCONFIG_MAX_SIZE, 0, 0, &buf, NULL), 0);
        return buf;
}

static void assert_value(const char *text, const char *name, const char *expected) {
        _cleanup_free_ char *v = NULL;

        write_file(text);
        assert_int_equal(sysconfig_get(file, name, &v), 0);
        if (expected) {
                assert_non_null(v);
                assert_string_equal(v, expected);
        } else
                assert_null(v);
}

/* Runs sysconfig_set_opt_out() on before and checks the result and the file. */
static void assert_edit(const char *before, bool opt_out, int ret, const char *after) {
        _cleanup_free_ char *text = NULL;

        write_file(before);
        assert_int_equal(sysconfig_set_opt_out(file, opt_out), ret);
        text = read_back();
        assert_string_equal(text, after);
}

static int setup(void **state) {
        dir = test_tmpdir("test-sysconfig");
        assert_true(asprintf(&file, "%s/etc/default/ray-usage-stats", dir) > 0);
        assert_int_equal(mkdir_parents(file, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        rm_rf_and_freep(&dir);
        free(file);
        return 0;
}

static void test_path(void **state) {
        assert_int_equal(unsetenv("RAY_USAGE_STATS_SYSTEM_CONFIG"), 0);
        assert_string_equal(sysconfig_path(), SYSTEM_CONFIG_PATH);
        assert_int_equal(setenv("RAY_USAGE_STATS_SYSTEM_CONFIG", "", 1), 0);
        assert_string_equal(sysconfig_path(), SYSTEM_CONFIG_PATH);
        assert_int_equal(setenv("RAY_USAGE_STATS_SYSTEM_CONFIG", "/x/y", 1), 0);
        assert_string_equal(sysconfig_path(), "/x/y");
        assert_int_equal(unsetenv("RAY_USAGE_STATS_SYSTEM_CONFIG"), 0);
}

static void test_get(void **state) {
        _cleanup_free_ char *v = NULL;

        /* A missing file sets nothing. */
        assert_int_equal(sysconfig_get(file, "A", &v), 0);
        assert_null(v);

        assert_value("A=1\n", "A", "1");
        assert_value("A=1", "A", "1");
        assert_value("A=1\nB=2\n", "B", "2");
        assert_value("A=1\n", "B", NULL);
        assert_value("# A=1\n; A=2\n\n   \nA=3\n", "A", "3");
        assert_value("# A=1\n", "A", NULL);
        assert_value("  A  =  x y  \n", "A", "x y");
        assert_value("A=\n", "A", "");
        assert_value("A\nB=1\n", "A", NULL);
        /* The last assignment wins, as systemd's EnvironmentFile= has it. */
        assert_value("A=1\nA=0\n", "A", "0");
        assert_value("A=0\r\nB=1\r\n", "A", "0");
        /* Names are case-sensitive and must be valid. */
        assert_value("a=1\n", "A", NULL);
        assert_value("1A=1\n", "1A", NULL);
}

static void test_get_quotes(void **state) {
        assert_value("A='x  y'\n", "A", "x  y");
        assert_value("A=\"x  y\"\n", "A", "x  y");
        assert_value("A='0'\n", "A", "0");
        assert_value("A=\"0\"   \n", "A", "0");
        assert_value("A='a\\nb'\n", "A", "a\\nb");
        assert_value("A=\"a\\\"b\\$c\\\\d\\xe\"\n", "A", "a\"b$c\\d\\xe");
        assert_value("A='multi\nline'\nB=2\n", "A", "multi\nline");
        assert_value("A='multi\nline'\nB=2\n", "B", "2");
        assert_value("A=a\\\nb\n", "A", "ab");
        assert_value("A=a\\ \n", "A", "a ");
        assert_value("A='x'y\n", "A", "xy");
        assert_value("A=x'y'\n", "A", "x'y'");
        assert_value("A=x # not a comment\n", "A", "x # not a comment");
}

static void test_get_export(void **state) {
        assert_value("export A=0\n", "A", "0");
        assert_value("export\tA=\"0\"\n", "A", "0");
        assert_value("  export   A = 1\n", "A", "1");
        assert_value("exportA=1\n", "A", NULL);
        assert_value("exportA=1\n", "exportA", "1");
}

static void test_disable_creates(void **state) {
        _cleanup_free_ char *text = NULL, *v = NULL;
        struct stat st;

        assert_int_equal(unlink(file), -1);
        umask(0077);
        assert_int_equal(sysconfig_set_opt_out(file, true), 1);
        umask(0022);
        text = read_back();
        assert_string_equal(text, "RAY_USAGE_STATS_ENABLED=0\n");
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(sysconfig_get(file, "RAY_USAGE_STATS_ENABLED", &v), 0);
        assert_string_equal(v, "0");

        /* Already so: nothing to change. */
        assert_int_equal(sysconfig_set_opt_out(file, true), 0);
}

static void test_disable_creates_directory(void **state) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        assert_true(asprintf(&p, "%s/etc/sysconfig/ray-usage-stats", dir) > 0);
        assert_int_equal(sysconfig_set_opt_out(p, true), 1);
        assert_int_equal(stat(p, &st), 0);
}

static void test_disable_edits(void **state) {
        /* An administrator's =1 is replaced, in place; other lines are kept. */
        assert_edit("# Machine-wide settings\nFOO=bar\nRAY_USAGE_STATS_ENABLED=1\nBAZ=1\n", true, 1,
                    "# Machine-wide settings\nFOO=bar\nRAY_USAGE_STATS_ENABLED=0\nBAZ=1\n");
        /* Every assignment goes, or a later one would still win. */
        assert_edit("export RAY_USAGE_STATS_ENABLED='1'\nA=1\n  RAY_USAGE_STATS_ENABLED=\"1\"\nB=2\n", true, 1,
                    "RAY_USAGE_STATS_ENABLED=0\nA=1\nB=2\n");
        /* A multi-line value goes whole. */
        assert_edit("RAY_USAGE_STATS_ENABLED='1\n2'\nA=1\n", true, 1, "RAY_USAGE_STATS_ENABLED=0\nA=1\n");
        /* Appended after a last line without a newline. */
        assert_edit("# x\nA=1", true, 1, "# x\nA=1\nRAY_USAGE_STATS_ENABLED=0\n");
        assert_edit("", true, 1, "RAY_USAGE_STATS_ENABLED=0\n");
        /* Comments that mention the variable are not assignments. */
        assert_edit("# RAY_USAGE_STATS_ENABLED=1\n", true, 1, "# RAY_USAGE_STATS_ENABLED=1\nRAY_USAGE_STATS_ENABLED=0\n");
        assert_edit("A=1\r\nRAY_USAGE_STATS_ENABLED=1\r\nB=2\r\n", true, 1,
                    "A=1\r\nRAY_USAGE_STATS_ENABLED=0\nB=2\r\n");
        assert_edit("A=1\nRAY_USAGE_STATS_ENABLED=0\n", true, 0, "A=1\nRAY_USAGE_STATS_ENABLED=0\n");
        /* A line appended after an open quote or a trailing backslash would be
         * part of the value: refused, the file untouched (found by fuzz-sysconfig). */
        assert_edit("A='x\n", true, -EBADMSG, "A='x\n");
        assert_edit("A=x\\", true, -EBADMSG, "A=x\\");
}

static void test_enable_edits(void **state) {
        _cleanup_free_ char *missing = NULL;
        struct stat st;

        assert_edit("A=1\nRAY_USAGE_STATS_ENABLED=0\nB=2\n", false, 1, "A=1\nB=2\n");
        assert_edit("# keep me\nexport RAY_USAGE_STATS_ENABLED=\"0\"\n", false, 1, "# keep me\n");
        assert_edit("RAY_USAGE_STATS_ENABLED=0", false, 1, "");
        /* An administrator's own value is never removed. */
        assert_edit("A=1\nRAY_USAGE_STATS_ENABLED=1\n", false, 0, "A=1\nRAY_USAGE_STATS_ENABLED=1\n");
        assert_edit("RAY_USAGE_STATS_ENABLED=0\nRAY_USAGE_STATS_ENABLED=1\n", false, 1, "RAY_USAGE_STATS_ENABLED=1\n");
        assert_edit("RAY_USAGE_STATS_ENABLED=false\n", false, 0, "RAY_USAGE_STATS_ENABLED=false\n");
        assert_edit("# RAY_USAGE_STATS_ENABLED=0\n", false, 0, "# RAY_USAGE_STATS_ENABLED=0\n");

        /* Nothing to remove from a missing file: it stays missing. */
        assert_true(asprintf(&missing, "%s/missing", dir) > 0);
        assert_int_equal(sysconfig_set_opt_out(missing, false), 0);
        assert_int_equal(stat(missing, &st), -1);
}

static void test_keeps_bytes_after_nul(void **state) {
        static const char before[] = "A=1\0junk\n";
        _cleanup_free_ char *text = NULL;
        size_t size;

        {
                _cleanup_close_ int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                assert_true(fd >= 0);
                assert_int_equal(write(fd, before, sizeof before - 1), (ssize_t) sizeof before - 1);
        }
        /* systemd stops reading at the NUL, so the opt-out goes before it; a
         * rewrite must not lose what follows. */
        assert_int_equal(sysconfig_set_opt_out(file, true), 1);
        assert_int_equal(read_file_at(AT_FDCWD, file, SYSCONFIG_MAX_SIZE, 0, 0, &text, &size), 0);
        assert_int_equal(size, sizeof before - 1 + strlen("\nRAY_USAGE_STATS_ENABLED=0\n"));
        assert_memory_equal(text, "A=1\nRAY_USAGE_STATS_ENABLED=0\n\0junk\n", size);
}

static void test_keeps_mode(void **state) {
        struct stat st;

        write_file("A=1\n");
        assert_int_equal(chmod(file, 0640), 0);
        assert_int_equal(sysconfig_set_opt_out(file, true), 1);
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
}

static void test_settings_fallback(void **state) {
        _cleanup_free_ char *config = NULL, *error = NULL, *expected = NULL;
        Decision d;

        assert_true(asprintf(&config, "%s/config.json", dir) > 0);
        assert_int_equal(setenv("RAY_USAGE_STATS_SYSTEM_CONFIG", file, 1), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_ENABLED"), 0);
        assert_int_equal(unsetenv("DO_NOT_TRACK"), 0);

        /* No file, no config: the default. */
        assert_int_equal(settings_decide(config, &d, &error), 0);
        assert_true(d.enabled);
        assert_int_equal(d.decided_by, DECIDED_BY_DEFAULT);

        /* The machine-wide opt-out decides for a shell that did not load it. */
        write_file("RAY_USAGE_STATS_ENABLED=0\n");
        assert_int_equal(settings_decide(config, &d, &error), 0);
        assert_false(d.enabled);
        assert_int_equal(d.decided_by, DECIDED_BY_ENV);

        /* The process environment comes first. */
        assert_int_equal(setenv("RAY_USAGE_STATS_ENABLED", "1", 1), 0);
        assert_int_equal(settings_decide(config, &d, &error), 0);
        assert_true(d.enabled);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_ENABLED"), 0);

        write_file("DO_NOT_TRACK=1\n");
        assert_int_equal(settings_decide(config, &d, &error), 0);
        assert_false(d.enabled);
        assert_int_equal(d.decided_by, DECIDED_BY_DO_NOT_TRACK);

        /* An empty DO_NOT_TRACK in the environment is set (to no effect) and wins over the file. */
        assert_int_equal(setenv("DO_NOT_TRACK", "", 1), 0);
        assert_int_equal(settings_decide(config, &d, &error), 0);
        assert_true(d.enabled);
        assert_int_equal(unsetenv("DO_NOT_TRACK"), 0);

        /* The config file decides after both. */
        write_file("# nothing\n");
        assert_int_equal(write_file_atomic(config, "{\"usage_stats\": false}", 22, 0644), 0);
        assert_int_equal(settings_decide(config, &d, &error), 0);
        assert_false(d.enabled);
        assert_int_equal(d.decided_by, DECIDED_BY_CONFIG);

        /* An invalid value from the file says where it is. */
        write_file("RAY_USAGE_STATS_ENABLED=yes\n");
        assert_int_equal(settings_decide(config, &d, &error), -EINVAL);
        assert_true(asprintf(&expected, "Invalid RAY_USAGE_STATS_ENABLED=\"yes\": valid values are 0 and 1. "
                             "It is set in %s.", file) > 0);
        assert_string_equal(error, expected);

        /* A file that cannot be read is an error, not a silent "enabled". */
        assert_int_equal(setenv("RAY_USAGE_STATS_SYSTEM_CONFIG", dir, 1), 0);
        assert_int_equal(settings_decide(config, &d, NULL), -EISDIR);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_SYSTEM_CONFIG"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path),
                cmocka_unit_test_setup_teardown(test_get, setup, teardown),
                cmocka_unit_test_setup_teardown(test_get_quotes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_get_export, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disable_creates, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disable_creates_directory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disable_edits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enable_edits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keeps_bytes_after_nul, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keeps_mode, setup, teardown),
                cmocka_unit_test_setup_teardown(test_settings_fallback, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
