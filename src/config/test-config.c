/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "config/config.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/tests.h"

static char *dir;

static char *path_in(const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

static void write_text(const char *name, const void *data, size_t size) {
        _cleanup_free_ char *p = path_in(name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, size), (ssize_t) size);
}

static char *read_text(const char *name) {
        _cleanup_free_ char *p = path_in(name);
        char *buf;

        assert_int_equal(read_file_at(AT_FDCWD, p, CONFIG_MAX_SIZE, 0, 0, &buf, NULL), 0);
        return buf;
}

static ConfigSetting read_setting(const char *name, char **ret_value) {
        _cleanup_free_ char *p = path_in(name);
        ConfigSetting s;

        assert_int_equal(config_read(p, &s, ret_value), 0);
        return s;
}

static void assert_setting_text(const char *text, ConfigSetting expected) {
        _cleanup_free_ char *value = NULL;

        write_text("config.json", text, strlen(text));
        assert_int_equal(read_setting("config.json", &value), expected);
        if (expected != CONFIG_SETTING_INVALID)
                assert_null(value);
}

static int setup(void **state) {
        dir = test_tmpdir("test-config");
        return 0;
}

static int teardown(void **state) {
        (void) chmod(dir, 0700);
        rm_rf_and_freep(&dir);
        return 0;
}

static void test_path(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        char *d;

        assert_int_equal(unsetenv("RAY_USAGE_STATS_CONFIG_PATH"), 0);
        assert_int_equal(config_path("/home/u", &a), 0);
        assert_string_equal(a, "/home/u/.ray/config.json");
        assert_int_equal(config_path("/", &b), 0);
        assert_string_equal(b, "/.ray/config.json");
        assert_int_equal(config_path(NULL, &d), -ENOENT);
        assert_int_equal(config_path("", &d), -ENOENT);

        assert_int_equal(setenv("RAY_USAGE_STATS_CONFIG_PATH", "", 1), 0);
        assert_int_equal(config_path(NULL, &d), -ENOENT);
        assert_int_equal(setenv("RAY_USAGE_STATS_CONFIG_PATH", "/etc/x.json", 1), 0);
        assert_int_equal(config_path("/home/u", &c), 0);
        assert_string_equal(c, "/etc/x.json");
        assert_int_equal(unsetenv("RAY_USAGE_STATS_CONFIG_PATH"), 0);
}

/* Ray's test_usage_stats_enabledness, the config half (policy reference section 5 item 6). */
static void test_ray_values(void **state) {
        _cleanup_free_ char *value = NULL;

        assert_setting_text("{\"usage_stats\": true}", CONFIG_SETTING_TRUE);
        assert_setting_text("{\"usage_stats\": false}", CONFIG_SETTING_FALSE);
        assert_setting_text("{\"usage_stats\": \"xxx\"}", CONFIG_SETTING_INVALID);
        assert_int_equal(read_setting("config.json", &value), CONFIG_SETTING_INVALID);
        assert_string_equal(value, "\"xxx\"");
        /* Missing and empty: unset, so the default decides. */
        assert_int_equal(read_setting("missing.json", NULL), CONFIG_SETTING_UNSET);
        assert_setting_text("", CONFIG_SETTING_UNSET);
}

static void test_not_set(void **state) {
        assert_setting_text("[]", CONFIG_SETTING_UNSET);
        assert_setting_text("\"x\"", CONFIG_SETTING_UNSET);
        assert_setting_text("null", CONFIG_SETTING_UNSET);
        assert_setting_text("{}", CONFIG_SETTING_UNSET);
        assert_setting_text("{\"other\": 1}", CONFIG_SETTING_UNSET);
        assert_setting_text("{\"usage_stats\":null}", CONFIG_SETTING_UNSET);
        assert_setting_text("{\"usage_stats\": false", CONFIG_SETTING_UNSET);
        assert_setting_text("{\"usage_stats\": false} x", CONFIG_SETTING_UNSET);
        assert_setting_text(" \n{\"usage_stats\": false}\n", CONFIG_SETTING_FALSE);
        /* Python's json keeps the last of duplicate keys. */
        assert_setting_text("{\"usage_stats\": true, \"usage_stats\": false}", CONFIG_SETTING_FALSE);
}

static void test_invalid_values(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        assert_setting_text("{\"usage_stats\":\"false\"}", CONFIG_SETTING_INVALID);
        assert_int_equal(read_setting("config.json", &a), CONFIG_SETTING_INVALID);
        assert_string_equal(a, "\"false\"");

        assert_setting_text("{\"usage_stats\":1}", CONFIG_SETTING_INVALID);
        assert_int_equal(read_setting("config.json", &b), CONFIG_SETTING_INVALID);
        assert_string_equal(b, "1");

        assert_setting_text("{\"usage_stats\":{\"a\":[1,\"\\n\"]}}", CONFIG_SETTING_INVALID);
        assert_int_equal(read_setting("config.json", &c), CONFIG_SETTING_INVALID);
        assert_string_equal(c, "{\"a\": [1, \"\\n\"]}");
}

static void test_invalid_message(void **state) {
        _cleanup_free_ char *p = path_in("config.json"), *value = NULL, *error = NULL, *expected = NULL;
        ConfigSetting s;
        Decision d;

        write_text("config.json", "{\"usage_stats\":1}", 17);
        assert_int_equal(config_read(p, &s, &value), 0);
        assert_int_equal(decision_evaluate(&(DecisionInput) { .config = s, .config_path = p, .config_value = value },
                                           &d, &error),
                         -EINVAL);
        assert_true(asprintf(&expected, "Invalid \"usage_stats\" in %s: 1; valid values are true and false "
                             "(run 'ray-usage-stats enable' or 'ray-usage-stats disable' to fix it).", p) > 0);
        assert_string_equal(error, expected);
}

static void test_big_file(void **state) {
        static const char head[] = "{\"pad\": \"", tail[] = "\", \"usage_stats\": false}";
        const size_t size = 10 * 1000 * 1000;
        _cleanup_free_ char *buf = malloc(size);

        assert_non_null(buf);
        memcpy(buf, head, strlen(head));
        memset(buf + strlen(head), 'x', size - strlen(head) - strlen(tail));
        memcpy(buf + size - strlen(tail), tail, strlen(tail));
        write_text("big.json", buf, size);
        assert_int_equal(read_setting("big.json", NULL), CONFIG_SETTING_FALSE);
}

static void test_oversized_file(void **state) {
        _cleanup_free_ char *p = path_in("huge.json");
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"usage_stats\": false}", 22), 22);
        assert_int_equal(ftruncate(fd, CONFIG_MAX_SIZE + 1), 0);
        assert_int_equal(read_setting("huge.json", NULL), CONFIG_SETTING_UNSET);
}

static void test_invalid_utf8(void **state) {
        assert_setting_text("{\"usage_stats\": false, \"x\": \"\xff\xfe\"}", CONFIG_SETTING_UNSET);
        assert_setting_text("{\"usage_stats\": false, \"x\": \"\xc3\"}", CONFIG_SETTING_UNSET);
}

static void test_deep_nesting(void **state) {
        const size_t depth = 10000;
        _cleanup_free_ char *buf = malloc(2 * depth + 64);
        size_t n = 0;

        assert_non_null(buf);
        n += (size_t) sprintf(buf, "{\"usage_stats\": false, \"x\": ");
        for (size_t i = 0; i < depth; i++)
                buf[n++] = '[';
        for (size_t i = 0; i < depth; i++)
                buf[n++] = ']';
        buf[n++] = '}';
        write_text("deep.json", buf, n);
        assert_int_equal(read_setting("deep.json", NULL), CONFIG_SETTING_UNSET);
}

static void test_not_a_file(void **state) {
        _cleanup_free_ char *d = path_in("config.json"), *dangling = path_in("dangling.json"),
                            *loop_a = path_in("loop-a"), *loop_b = path_in("loop-b"), *link = path_in("link.json");

        assert_int_equal(mkdir(d, 0755), 0);
        assert_int_equal(read_setting("config.json", NULL), CONFIG_SETTING_UNSET);

        assert_int_equal(symlink("nonexistent.json", dangling), 0);
        assert_int_equal(read_setting("dangling.json", NULL), CONFIG_SETTING_UNSET);

        assert_int_equal(symlink("loop-b", loop_a), 0);
        assert_int_equal(symlink("loop-a", loop_b), 0);
        assert_int_equal(read_setting("loop-a", NULL), CONFIG_SETTING_UNSET);

        /* A link to a real file is followed, as Ray's open() does. */
        write_text("real.json", "{\"usage_stats\": false}", 22);
        assert_int_equal(symlink("real.json", link), 0);
        assert_int_equal(read_setting("link.json", NULL), CONFIG_SETTING_FALSE);
}

static void test_unreadable(void **state) {
        _cleanup_free_ char *p = path_in("config.json");
        ConfigSetting s;
        pid_t pid;
        int status;

        if (geteuid() != 0)
                skip(); /* needs root to become another user that cannot read the file */

        write_text("config.json", "{\"usage_stats\": false}", 22);
        assert_int_equal(chmod(p, 0000), 0);
        assert_int_equal(chmod(dir, 0755), 0);

        /* Root reads anything: the case needs a user without access, "nobody". */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(2);
                if (config_read(p, &s, NULL) < 0)
                        _exit(3);
                _exit(s == CONFIG_SETTING_UNSET ? 0 : 4);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* Ray's test_set_usage_stats_enabled_via_config (policy reference section 5 item 7). */
static void test_write_ray(void **state) {
        _cleanup_free_ char *p = path_in("config.json"), *d = path_in("dir.json"), *a = NULL, *b = NULL, *c = NULL;

        assert_int_equal(config_write(p, true), 0);
        a = read_text("config.json");
        assert_string_equal(a, "{\"usage_stats\": true}");

        assert_int_equal(config_write(p, false), 0);
        b = read_text("config.json");
        assert_string_equal(b, "{\"usage_stats\": false}");

        write_text("config.json", "\"xxx\"", 5);
        if (geteuid() == 0) {
                /* Root never replaces what is not a config: the path may be another user's choice. */
                assert_int_equal(config_write(p, true), -EBADMSG);
                c = read_text("config.json");
                assert_string_equal(c, "\"xxx\"");
        } else {
                assert_int_equal(config_write(p, true), 0);
                c = read_text("config.json");
                assert_string_equal(c, "{\"usage_stats\": true}");
        }

        assert_int_equal(mkdir(d, 0755), 0);
        assert_int_equal(config_write(d, true), -EISDIR);
}

static void test_write_keeps_keys(void **state) {
        static const char before[] = "{\"a\": 1, \"usage_stats\": false, \"b\": [1, \"\\u00e9\"], \"c\": {\"d\": null}}";
        _cleanup_free_ char *p = path_in("config.json"), *a = NULL, *b = NULL;

        write_text("config.json", before, strlen(before));
        assert_int_equal(config_write(p, true), 0);
        a = read_text("config.json");
        assert_string_equal(a, "{\"a\": 1, \"usage_stats\": true, \"b\": [1, \"\\u00e9\"], \"c\": {\"d\": null}}");

        write_text("config.json", "{\"x\": \"y\"}", 10);
        assert_int_equal(config_write(p, false), 0);
        b = read_text("config.json");
        assert_string_equal(b, "{\"x\": \"y\", \"usage_stats\": false}");
}

static void test_write_creates_parents(void **state) {
        _cleanup_free_ char *p = path_in("home/u/.ray/config.json"), *a = NULL;
        struct stat st;

        umask(0077);
        assert_int_equal(config_write(p, false), 0);
        a = read_text("home/u/.ray/config.json");
        assert_string_equal(a, "{\"usage_stats\": false}");
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        umask(0022);
}

static void test_write_keeps_mode_refuses_link(void **state) {
        _cleanup_free_ char *real = path_in("real.json"), *link = path_in("link.json"), *a = NULL, *b = NULL;
        struct stat st;

        write_text("real.json", "{}", 2);
        assert_int_equal(chmod(real, 0600), 0);
        assert_int_equal(config_write(real, false), 0);
        assert_int_equal(stat(real, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        a = read_text("real.json");
        assert_string_equal(a, "{\"usage_stats\": false}");

        /* Issue 9: a link at the config path is never followed, not even to a file of ours. */
        assert_int_equal(symlink("real.json", link), 0);
        assert_int_equal(config_write(link, true), -ELOOP);
        assert_int_equal(lstat(link, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        b = read_text("real.json");
        assert_string_equal(b, "{\"usage_stats\": false}");
}

static void test_write_refuses_other_owner(void **state) {
        _cleanup_free_ char *p = path_in("theirs.json"), *a = NULL;

        if (getuid() != 0) {
                print_message("Skipping: giving a file to another user needs root.\n");
                skip();
        }
        write_text("theirs.json", "{\"k\": 1}", 8);
        assert_int_equal(chown(p, 65534, 65534), 0);
        assert_int_equal(config_write(p, false), -EPERM);
        a = read_text("theirs.json");
        assert_string_equal(a, "{\"k\": 1}");
}

static void test_write_unreadable_kept(void **state) {
        _cleanup_free_ char *p = path_in("config.json"), *a = NULL;
        pid_t pid;
        int status;

        if (geteuid() != 0)
                skip(); /* needs root to become another user that cannot read the file */

        /* A file that cannot be read is not replaced by {} (its keys would be lost). */
        write_text("config.json", "{\"keep\": 1}", 11);
        assert_int_equal(chmod(p, 0000), 0);
        /* Its owner's, or it is refused for that reason before any reading. */
        if (getuid() == 0)
                assert_int_equal(chown(p, 65534, 65534), 0);
        assert_int_equal(chmod(dir, 0777), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(2);
                _exit(config_write(p, true) == -EACCES ? 0 : 3);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        a = read_text("config.json");
        assert_string_equal(a, "{\"keep\": 1}");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path),
                cmocka_unit_test_setup_teardown(test_ray_values, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_set, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_values, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_message, setup, teardown),
                cmocka_unit_test_setup_teardown(test_big_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_oversized_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_a_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_ray, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_keeps_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_creates_parents, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_keeps_mode_refuses_link, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_refuses_other_owner, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_unreadable_kept, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
