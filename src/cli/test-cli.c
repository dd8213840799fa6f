/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "shared/log.h"
#include "shared/macro.h"

/* The command line in-process: cli_run() as main() calls it, cli_parse(),
 * cli_quote() and the mapping of a command's result to the exit status.
 * Only commands that touch nothing on the machine are run. */

typedef struct Output {
        int status;
        char out[8192], err[8192];
} Output;

static void read_all(int fd, char *buf, size_t size) {
        ssize_t n;

        if (lseek(fd, 0, SEEK_SET) != 0)
                fail_msg("lseek(%d): %m", fd);
        n = read(fd, buf, size - 1);
        assert_true(n >= 0);
        buf[n] = 0;
        close(fd);
}

/* Calls f(argc, argv) with stdout and stderr captured in o. */
static void capture(Output *o, int (*f)(int argc, char *argv[]), char **argv) {
        int out = memfd_create("out", MFD_CLOEXEC), err = memfd_create("err", MFD_CLOEXEC);
        int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
        int argc = 0;

        while (argv[argc])
                argc++;
        assert_true(out >= 0 && err >= 0 && saved_out >= 0 && saved_err >= 0);
        fflush(stdout);
        fflush(stderr);
        assert_int_equal(dup2(out, STDOUT_FILENO), STDOUT_FILENO);
        assert_int_equal(dup2(err, STDERR_FILENO), STDERR_FILENO);
        o->status = f(argc, argv);
        fflush(stdout);
        fflush(stderr);
        assert_int_equal(dup2(saved_out, STDOUT_FILENO), STDOUT_FILENO);
        assert_int_equal(dup2(saved_err, STDERR_FILENO), STDERR_FILENO);
        close(saved_out);
        close(saved_err);
        read_all(out, o->out, sizeof o->out);
        read_all(err, o->err, sizeof o->err);
}

#define RUN(o, ...) capture(o, cli_run, (char *[]) { "ray-usage-stats", __VA_ARGS__, NULL })

static void assert_contains(const char *haystack, const char *needle) {
        if (!strstr(haystack, needle))
                fail_msg("'%s' not in '%s'", needle, haystack);
}

static void test_top_level(void **state) {
        Output o;

        capture(&o, cli_run, (char *[]) { "ray-usage-stats", NULL });
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "Usage: ray-usage-stats [--help] [--version] COMMAND");
        assert_string_equal(o.out, "");

        RUN(&o, "--help");
        assert_int_equal(o.status, 0);
        assert_contains(o.out, "Commands:\n");
        assert_contains(o.out, "  record-library ");
        assert_string_equal(o.err, "");

        RUN(&o, "-h");
        assert_int_equal(o.status, 0);
        assert_contains(o.out, "Commands:\n");

        RUN(&o, "--version");
        assert_int_equal(o.status, 0);
        assert_string_equal(o.out, PACKAGE_NAME " " PACKAGE_VERSION "\n");

        RUN(&o, "--version", "now");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "Unexpected argument 'now' after --version.");
        assert_string_equal(o.out, "");

        RUN(&o, "nope");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "Unknown command 'nope'.");

        /* What a terminal would act on is quoted. */
        RUN(&o, "\033[2Jx");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "Unknown command '\\x1b[2Jx'.");
        assert_null(strchr(o.err, '\033'));
}

/* A command's own options, through cli_run(): fields touches nothing. */
static void test_command_options(void **state) {
        Output o;

        RUN(&o, "fields", "--help");
        assert_int_equal(o.status, 0);
        assert_contains(o.out, "Usage: ray-usage-stats fields");

        RUN(&o, "fields", "--bogus");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "fields: unknown option '--bogus'.");
        assert_string_equal(o.out, "");

        RUN(&o, "fields", "--json=yes");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "fields: option '--json' takes no value: '--json=yes'.");

        RUN(&o, "fields", "extra");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "fields: unexpected argument 'extra'.");

        RUN(&o, "record-library");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "record-library: missing argument NAME.");

        RUN(&o, "record-library", "a", "b");
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "record-library: unexpected argument 'b'.");

        RUN(&o, "fields", "--json");
        assert_int_equal(o.status, 0);
        assert_contains(o.out, "\"seq_number\"");
}

static const char *arg_dir, *arg_n;
static bool flag_json;
static const char *positional[2];

static int parse(int argc, char *argv[]) {
        arg_dir = arg_n = NULL;
        flag_json = false;
        positional[0] = positional[1] = NULL;
        return cli_parse(argc, argv, "cmd [--json] [--directory=DIR] [--lines=N] FIRST SECOND\n\nHelp text.",
                         (CliFlag[]) {
                                 { "json", &flag_json },
                                 { "directory", NULL, &arg_dir },
                                 { "lines", NULL, &arg_n, 'n' },
                                 {},
                         },
                         2, positional);
}

#define PARSE(o, ...) capture(o, parse, (char *[]) { "cmd", __VA_ARGS__, NULL })

static void test_parse(void **state) {
        Output o;

        PARSE(&o, "--json", "--directory=/d", "-n", "5", "one", "two");
        assert_int_equal(o.status, 1);
        assert_true(flag_json);
        assert_string_equal(arg_dir, "/d");
        assert_string_equal(arg_n, "5");
        assert_string_equal(positional[0], "one");
        assert_string_equal(positional[1], "two");
        assert_string_equal(o.err, "");

        PARSE(&o, "--directory", "/e", "--lines=7", "one", "two");
        assert_int_equal(o.status, 1);
        assert_false(flag_json);
        assert_string_equal(arg_dir, "/e");
        assert_string_equal(arg_n, "7");

        /* Options stop at the first positional argument, and at "--". */
        PARSE(&o, "one", "--json");
        assert_int_equal(o.status, 1);
        assert_false(flag_json);
        assert_string_equal(positional[1], "--json");
        PARSE(&o, "--", "-n", "two");
        assert_int_equal(o.status, 1);
        assert_null(arg_n);
        assert_string_equal(positional[0], "-n");

        PARSE(&o, "-h");
        assert_int_equal(o.status, 0);
        assert_string_equal(o.out, "Usage: ray-usage-stats cmd [--json] [--directory=DIR] [--lines=N] FIRST SECOND\n\n"
                                   "Help text.\n");

        PARSE(&o, "one");
        assert_int_equal(o.status, -EINVAL);
        assert_contains(o.err, "cmd: missing argument SECOND.");
        PARSE(&o, "--directory");
        assert_int_equal(o.status, -EINVAL);
        assert_contains(o.err, "cmd: option '--directory' needs a value.");
        PARSE(&o, "-n");
        assert_int_equal(o.status, -EINVAL);
        assert_contains(o.err, "cmd: option '-n' needs a value.");
        PARSE(&o, "-x", "one", "two");
        assert_int_equal(o.status, -EINVAL);
        assert_contains(o.err, "cmd: unknown option '-x'.");
        PARSE(&o, "--help=me");
        assert_int_equal(o.status, -EINVAL);
        assert_contains(o.err, "cmd: option '--help' takes no value: '--help=me'.");
        PARSE(&o, "one", "two", "three");
        assert_int_equal(o.status, -EINVAL);
        assert_contains(o.err, "cmd: unexpected argument 'three'.");
        assert_string_equal(o.out, "");
}

static void test_quote(void **state) {
        char long_arg[CLI_QUOTE_MAX + 11];
        CliQuoted q;

        assert_string_equal(cli_quote("plain", &q), "'plain'");
        assert_string_equal(cli_quote("", &q), "''");
        assert_string_equal(cli_quote("a'b\\c\n\x7f\x01", &q), "'a\\x27b\\x5cc\\x0a\\x7f\\x01'");
        /* UTF-8 is left alone. */
        assert_string_equal(cli_quote("é", &q), "'é'");

        memset(long_arg, 'a', sizeof long_arg - 1);
        long_arg[sizeof long_arg - 1] = 0;
        cli_quote(long_arg, &q);
        assert_int_equal(strlen(q.s), 1 + CLI_QUOTE_MAX + 3 + 1);
        assert_string_equal(q.s + 1 + CLI_QUOTE_MAX, "...'");

        /* The worst case fits. */
        memset(long_arg, '\033', sizeof long_arg - 1);
        assert_int_equal(strlen(cli_quote(long_arg, &q)), 1 + 4 * CLI_QUOTE_MAX + 3 + 1);
}

static int return_enomem(int argc, char *argv[]) {
        log_clear_last_error(); /* as cli_run() before a command */
        return cli_exit_status("report", -ENOMEM);
}

static void test_exit_status(void **state) {
        Output o;

        assert_int_equal(cli_exit_status("check", EXIT_COLLECT), 0);
        assert_int_equal(cli_exit_status("check", EXIT_DISABLED), 1);
        assert_int_equal(cli_exit_status("check", EXIT_NO_SESSION), 2);
        assert_int_equal(cli_exit_status("check", EXIT_LOCAL_FAILURE), 3);
        assert_int_equal(cli_exit_status("check", EXIT_INVALID_SETTING), 255);

        /* A negative errno is exit 3 and one line that says what failed. */
        capture(&o, return_enomem, (char *[]) { "x", NULL });
        assert_int_equal(o.status, EXIT_LOCAL_FAILURE);
        assert_contains(o.err, "report failed");
        assert_contains(o.err, strerror(ENOMEM));
        assert_ptr_equal(strchr(o.err, '\n'), o.err + strlen(o.err) - 1);
        assert_string_equal(o.out, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_top_level),
                cmocka_unit_test(test_command_options),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_quote),
                cmocka_unit_test(test_exit_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
