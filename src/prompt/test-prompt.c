/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "prompt/prompt.h"
#include "shared/macro.h"
#include "shared/tests.h"

#define QUESTION PROMPT_CONFIRMATION " " PROMPT_CONFIRM_SUFFIX
#define INVALID(a) "Invalid answer: " a ". Expected y/yes/true/1 or n/no/false/0\n" PROMPT_CONFIRM_SUFFIX

/* A pipe holding input; the write end stays open (for the timeout) unless close_input. */
typedef struct Input {
        int fds[2];
} Input;

static void input_open(Input *in, const char *text, bool close_input) {
        assert_int_equal(pipe(in->fds), 0);
        assert_int_equal(write(in->fds[1], text, strlen(text)), (ssize_t) strlen(text));
        if (close_input) {
                close(in->fds[1]);
                in->fds[1] = -1;
        }
}

static void input_close(Input *in) {
        close(in->fds[0]);
        if (in->fds[1] >= 0)
                close(in->fds[1]);
}

/* Asks with input text and checks the answer and everything printed. */
static void assert_ask(const char *text, bool close_input, bool expected, const char *output) {
        _cleanup_free_ char *buf = NULL;
        FILE *out;
        size_t size;
        Input in;
        bool yes = !expected;

        input_open(&in, text, close_input);
        out = open_memstream(&buf, &size);
        assert_non_null(out);
        assert_int_equal(prompt_ask(in.fds[0], out, 5, &yes), 0);
        assert_int_equal(fclose(out), 0);
        input_close(&in);
        assert_int_equal(yes, expected);
        assert_string_equal(buf, output);
}

static void test_ask_answers(void **state) {
        assert_ask("y\n", false, true, QUESTION);
        assert_ask("n\n", false, false, QUESTION);
        assert_ask("yes\n", false, true, QUESTION);
        assert_ask("no\n", false, false, QUESTION);
        assert_ask("true\n", false, true, QUESTION);
        assert_ask("false\n", false, false, QUESTION);
        assert_ask("1\n", false, true, QUESTION);
        assert_ask("0\n", false, false, QUESTION);
        assert_ask("YES\n", false, true, QUESTION);
        assert_ask("  No \r\n", false, false, QUESTION);
}

static void test_ask_enter(void **state) {
        assert_ask("\n", false, true, QUESTION);
        /* Only the answer line is read: what follows is left alone. */
        assert_ask("\nn\n", false, true, QUESTION);
}

static void test_ask_again(void **state) {
        assert_ask("maybe\ny\n", false, true, QUESTION INVALID("maybe"));
        assert_ask("Maybe\nok\nN\n", false, false, QUESTION INVALID("maybe") INVALID("ok"));
        /* Blanks are not "Enter" (Ray compares the line with "\n"). */
        assert_ask("   \nn\n", false, false, QUESTION INVALID(""));
        /* Control bytes are not echoed back to the terminal. */
        assert_ask("\033[2J\nn\n", false, false, QUESTION INVALID("\\e[2j"));
        /* An endless line is invalid, not a buffer overrun. */
        {
                char line[300];

                memset(line, 'y', sizeof line - 3);
                strcpy(line + sizeof line - 3, "\nn");
                assert_ask(line, true, false, QUESTION INVALID("..."));
        }
}

static void test_ask_eof(void **state) {
        assert_ask("", true, true, QUESTION "\n");
        /* A last line without a newline still counts. */
        assert_ask("n", true, false, QUESTION);
        /* An invalid answer, then the end: the default. */
        assert_ask("what\n", true, true, QUESTION INVALID("what") "\n");
}

static void test_ask_timeout(void **state) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        FILE *out;
        Input in;
        bool yes = false;
        double t;

        input_open(&in, "", false);
        out = open_memstream(&buf, &size);
        assert_non_null(out);
        t = now_s();
        assert_int_equal(prompt_ask(in.fds[0], out, 1, &yes), 0);
        t = now_s() - t;
        assert_int_equal(fclose(out), 0);
        input_close(&in);
        assert_true(yes);
        assert_true(t >= 0.95 && t < 3);
        assert_string_equal(buf, QUESTION "\n");

        /* The timeout applies to each question afresh. */
        free(buf);
        input_open(&in, "bad\n", false);
        out = open_memstream(&buf, &size);
        assert_non_null(out);
        assert_int_equal(prompt_ask(in.fds[0], out, 1, &yes), 0);
        assert_int_equal(fclose(out), 0);
        input_close(&in);
        assert_true(yes);
        assert_string_equal(buf, QUESTION INVALID("bad") "\n");
}

static void test_ask_read_error(void **state) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        FILE *out;
        bool yes = false;
        int fds[2];

        /* A descriptor that cannot be read is an error, not a "yes". */
        assert_int_equal(pipe(fds), 0);
        close(fds[0]);
        out = open_memstream(&buf, &size);
        assert_non_null(out);
        assert_int_equal(prompt_ask(fds[0], out, 1, &yes), -EBADF);
        assert_int_equal(fclose(out), 0);
        close(fds[1]);
        assert_false(yes);
}

static void assert_prompt_enabled(const char *value, bool expected) {
        char *error = NULL;
        bool enabled = !expected;

        assert_int_equal(prompt_enabled_parse(value, &enabled, &error), 0);
        assert_null(error);
        assert_int_equal(enabled, expected);
}

static void assert_prompt_enabled_invalid(const char *value) {
        _cleanup_free_ char *error = NULL, *expected = NULL;
        bool enabled;

        assert_int_equal(prompt_enabled_parse(value, &enabled, &error), -EINVAL);
        assert_true(asprintf(&expected, "Invalid RAY_USAGE_STATS_PROMPT_ENABLED=\"%s\": expected an integer "
                             "(1 shows the prompt, any other integer hides it).", value) > 0);
        assert_string_equal(error, expected);
}

static void test_prompt_enabled(void **state) {
        /* int(value or "1") == 1, as Ray. */
        assert_prompt_enabled(NULL, true);
        assert_prompt_enabled("", true);
        assert_prompt_enabled("1", true);
        assert_prompt_enabled(" 1 ", true);
        assert_prompt_enabled("+1", true);
        assert_prompt_enabled("001", true);
        assert_prompt_enabled("0_1", true);
        assert_prompt_enabled("0", false);
        assert_prompt_enabled("2", false);
        assert_prompt_enabled("-1", false);
        assert_prompt_enabled("10", false);
        assert_prompt_enabled("1_0", false);
        assert_prompt_enabled("11", false);
        assert_prompt_enabled("-0", false);

        assert_prompt_enabled_invalid("true");
        assert_prompt_enabled_invalid("1.0");
        assert_prompt_enabled_invalid("_1");
        assert_prompt_enabled_invalid("1_");
        assert_prompt_enabled_invalid("1__0");
        assert_prompt_enabled_invalid("+");
        assert_prompt_enabled_invalid(" ");
        assert_prompt_enabled_invalid("1 1");
}

/* Ray's test_usage_stats_prompt (policy reference section 5 item 8), CLI cases. The ray.init()
 * cases (ENABLED_FOR_RAY_INIT, BY_DEFAULT_FOR_RAY_INIT, version 2.0.0 vs nightly) do not apply:
 * this product has no ray.init() and no nightly wheels. */
static void assert_show(Decision d, bool prompt_enabled, bool interactive, const char *input, unsigned timeout,
                        PromptAnswer expected, const char *output) {
        _cleanup_free_ char *buf = NULL;
        PromptAnswer answer;
        size_t size;
        FILE *out;
        Input in;

        input_open(&in, input, false);
        out = open_memstream(&buf, &size);
        assert_non_null(out);
        assert_int_equal(prompt_show(&d, prompt_enabled, interactive, in.fds[0], out, timeout, &answer), 0);
        assert_int_equal(fclose(out), 0);
        input_close(&in);
        assert_int_equal(answer, expected);
        assert_string_equal(buf, output);
}

static void test_show_ray(void **state) {
        const Decision by_default = { .enabled = true, .decided_by = DECIDED_BY_DEFAULT },
                       env_0 = { .enabled = false, .decided_by = DECIDED_BY_ENV },
                       env_1 = { .enabled = true, .decided_by = DECIDED_BY_ENV };

        /* RAY_USAGE_STATS_PROMPT_ENABLED=0 hides the messages. */
        assert_show(by_default, false, true, "n\n", 5, PROMPT_ANSWER_NONE, "");
        assert_show(by_default, false, false, "", 5, PROMPT_ANSWER_NONE, "");
        assert_show(env_1, false, false, "", 5, PROMPT_ANSWER_NONE, "");
        /* RAY_USAGE_STATS_ENABLED=0: DISABLED, nothing asked. */
        assert_show(env_0, true, true, "y\n", 5, PROMPT_ANSWER_NONE, PROMPT_DISABLED "\n");
        assert_show(env_1, true, true, "n\n", 5, PROMPT_ANSWER_NONE, PROMPT_ENABLED_FOR_CLI "\n");
        /* Unset, non-interactive: the notice, nothing saved. */
        assert_show(by_default, true, false, "n\n", 5, PROMPT_ANSWER_NONE, PROMPT_ENABLED_BY_DEFAULT_FOR_CLI "\n");
        /* Interactive: "y", "n", and no input within the timeout. */
        assert_show(by_default, true, true, "y\n", 5, PROMPT_ANSWER_YES, QUESTION PROMPT_ENABLED_FOR_CLI "\n");
        assert_show(by_default, true, true, "n\n", 5, PROMPT_ANSWER_NO, QUESTION PROMPT_DISABLED "\n");
        assert_show(by_default, true, true, "", 1, PROMPT_ANSWER_YES, QUESTION "\n" PROMPT_ENABLED_FOR_CLI "\n");
}

static void test_show_explicit(void **state) {
        /* DO_NOT_TRACK and the config file are explicit too: nothing asked. */
        assert_show((Decision) { .enabled = false, .decided_by = DECIDED_BY_DO_NOT_TRACK }, true, true, "y\n", 5,
                    PROMPT_ANSWER_NONE, PROMPT_DISABLED "\n");
        assert_show((Decision) { .enabled = false, .decided_by = DECIDED_BY_CONFIG }, true, true, "y\n", 5,
                    PROMPT_ANSWER_NONE, PROMPT_DISABLED "\n");
        assert_show((Decision) { .enabled = true, .decided_by = DECIDED_BY_CONFIG }, true, true, "n\n", 5,
                    PROMPT_ANSWER_NONE, PROMPT_ENABLED_FOR_CLI "\n");
}

static void test_strings(void **state) {
        /* Ray's exact strings (usage_constants.py). */
        assert_string_equal(PROMPT_CONFIRMATION,
                            "Enable usage stats collection? This prompt will auto-proceed in 10 seconds to avoid "
                            "blocking cluster startup.");
        assert_string_equal(PROMPT_ENABLED_FOR_CLI,
                            "Usage stats collection is enabled. To disable this, add `--disable-usage-stats` to the "
                            "command that starts the cluster, or run the following command: `ray "
                            "disable-usage-stats` before starting the cluster. See "
                            "https://docs.ray.io/en/master/cluster/usage-stats.html for more details.");
        assert_string_equal(PROMPT_ENABLED_BY_DEFAULT_FOR_CLI,
                            "Usage stats collection is enabled by default without user confirmation because this "
                            "terminal is detected to be non-interactive. To disable this, add "
                            "`--disable-usage-stats` to the command that starts the cluster, or run the following "
                            "command: `ray disable-usage-stats` before starting the cluster. See "
                            "https://docs.ray.io/en/master/cluster/usage-stats.html for more details.");
        assert_string_equal(PROMPT_DISABLED, "Usage stats collection is disabled.");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ask_answers),
                cmocka_unit_test(test_ask_enter),
                cmocka_unit_test(test_ask_again),
                cmocka_unit_test(test_ask_eof),
                cmocka_unit_test(test_ask_timeout),
                cmocka_unit_test(test_ask_read_error),
                cmocka_unit_test(test_prompt_enabled),
                cmocka_unit_test(test_show_ray),
                cmocka_unit_test(test_show_explicit),
                cmocka_unit_test(test_strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
