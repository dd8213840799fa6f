/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "prompt/prompt.h"
#include "shared/escape.h"
#include "shared/macro.h"
#include "shared/time-util.h"

/* Longer answers are invalid anyway; this much is kept to show in the message. */
#define ANSWER_MAX 64

typedef enum ReadResult {
        READ_LINE,
        READ_TIMEOUT,
        READ_EOF,
} ReadResult;

/* Reads one line without its newline, a byte at a time so that nothing past
 * the answer is consumed. A last line without a newline counts as a line. */
static int read_answer(int fd, unsigned timeout_sec, char buf[static ANSWER_MAX + 1], bool *ret_overlong) {
        usec_t deadline = now(CLOCK_MONOTONIC) + timeout_sec * USEC_PER_SEC;
        size_t n = 0;

        *ret_overlong = false;
        buf[0] = 0;
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                usec_t t = now(CLOCK_MONOTONIC);
                ssize_t l;
                char c;
                int k;

                if (t >= deadline)
                        return READ_TIMEOUT;
                k = poll(&p, 1, (deadline - t) / USEC_PER_MSEC > INT_MAX ? INT_MAX :
                                (int) ((deadline - t + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return READ_TIMEOUT;

                l = read(fd, &c, 1);
                if (l < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return negative_errno();
                }
                if (l == 0)
                        return n > 0 || *ret_overlong ? READ_LINE : READ_EOF;
                if (c == '\n')
                        return READ_LINE;
                if (n < ANSWER_MAX) {
                        buf[n++] = c;
                        buf[n] = 0;
                } else
                        *ret_overlong = true;
        }
}

static bool in_list(const char *s, const char *const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}

int prompt_ask(int fd_in, FILE *out, unsigned timeout_sec, bool *ret_yes) {
        static const char *const yes[] = { "y", "yes", "true", "1", NULL };
        static const char *const no[] = { "n", "no", "false", "0", NULL };

        assert(fd_in >= 0);
        assert(out);
        assert(ret_yes);

        fputs(PROMPT_CONFIRMATION " " PROMPT_CONFIRM_SUFFIX, out);
        for (;;) {
                char buf[ANSWER_MAX + 1], *a, *shown;
                bool overlong;
                int r;

                fflush(out);
                r = read_answer(fd_in, timeout_sec, buf, &overlong);
                if (r < 0)
                        return r;
                if (r != READ_LINE) {
                        /* No answer: the default, on a line of its own as Ray does. */
                        fputc('\n', out);
                        *ret_yes = true;
                        return 0;
                }
                /* Only a truly empty line is "Enter" (Ray compares with "\n"). */
                if (!buf[0] && !overlong) {
                        *ret_yes = true;
                        return 0;
                }

                for (char *p = buf; *p; p++)
                        *p = (char) tolower((unsigned char) *p);
                a = buf + strspn(buf, " \t\r\v\f");
                for (size_t l = strlen(a); l > 0 && strchr(" \t\r\v\f", a[l - 1]); l--)
                        a[l - 1] = 0;

                if (!overlong && in_list(a, yes)) {
                        *ret_yes = true;
                        return 0;
                }
                if (!overlong && in_list(a, no)) {
                        *ret_yes = false;
                        return 0;
                }

                /* The answer goes back to the terminal it came from, escaped. */
                shown = overlong ? NULL : escape_str(a);
                fprintf(out, PROMPT_INVALID_ANSWER_FORMAT "\n" PROMPT_CONFIRM_SUFFIX, shown ?: "...");
                free(shown);
        }
}

int prompt_enabled_parse(const char *value, bool *ret_enabled, char **ret_error) {
        const char *s = value;
        bool negative = false, digit = false;
        size_t significant = 0;
        char first = 0;

        assert(ret_enabled);

        /* Python's int(): surrounding whitespace, a sign, digits with single
         * underscores between them. */
        if (isempty(value)) {
                *ret_enabled = true;
                return 0;
        }
        s += strspn(s, " \t\n\r\v\f");
        if (*s == '+' || *s == '-')
                negative = *s++ == '-';
        for (; *s; s++) {
                if (*s >= '0' && *s <= '9') {
                        /* Leading zeros do not count: "01" is 1, as in Python. */
                        if (significant > 0 || *s != '0') {
                                if (significant++ == 0)
                                        first = *s;
                        }
                        digit = true;
                } else if (*s == '_' && digit && s[1] >= '0' && s[1] <= '9')
                        continue;
                else
                        break;
        }
        s += strspn(s, " \t\n\r\v\f");
        if (!digit || *s) {
                _cleanup_free_ char *q = NULL;
                char *m;

                if (!ret_error)
                        return -EINVAL;
                q = decision_quote_value(value);
                if (!q || asprintf(&m, "Invalid RAY_USAGE_STATS_PROMPT_ENABLED=%s: expected an integer "
                                   "(1 shows the prompt, any other integer hides it).", q) < 0)
                        return -ENOMEM;
                *ret_error = m;
                return -EINVAL;
        }
        *ret_enabled = significant == 1 && first == '1' && !negative;
        return 0;
}

int prompt_show(const Decision *d, bool prompt_enabled, bool interactive, int fd_in, FILE *out,
                unsigned timeout_sec, PromptAnswer *ret) {
        bool yes;
        int r;

        assert(d);
        assert(out);
        assert(ret);

        *ret = PROMPT_ANSWER_NONE;
        if (!prompt_enabled)
                return 0;

        if (d->decided_by != DECIDED_BY_DEFAULT)
                fputs(d->enabled ? PROMPT_ENABLED_FOR_CLI "\n" : PROMPT_DISABLED "\n", out);
        else if (!interactive)
                fputs(PROMPT_ENABLED_BY_DEFAULT_FOR_CLI "\n", out);
        else {
                r = prompt_ask(fd_in, out, timeout_sec, &yes);
                if (r < 0)
                        return r;
                fputs(yes ? PROMPT_ENABLED_FOR_CLI "\n" : PROMPT_DISABLED "\n", out);
                *ret = yes ? PROMPT_ANSWER_YES : PROMPT_ANSWER_NO;
        }
        fflush(out);
        return 0;
}
