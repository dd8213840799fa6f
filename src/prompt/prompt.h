/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "decision/decision.h"

/* docs/design.md §3.4: Ray's opt-out prompt, with Ray's exact strings
 * (python/ray/_common/usage/usage_constants.py), so that a person who has
 * seen Ray's prompt recognises this one. */

#define PROMPT_USAGE_STATS_DOC "See https://docs.ray.io/en/master/cluster/usage-stats.html for more details."

#define PROMPT_ENABLED_FOR_CLI                                                                          \
        "Usage stats collection is enabled. To disable this, add `--disable-usage-stats` to the "       \
        "command that starts the cluster, or run the following command: `ray disable-usage-stats` "     \
        "before starting the cluster. " PROMPT_USAGE_STATS_DOC

#define PROMPT_DISABLED "Usage stats collection is disabled."

#define PROMPT_ENABLED_BY_DEFAULT_FOR_CLI                                                               \
        "Usage stats collection is enabled by default without user confirmation because this "          \
        "terminal is detected to be non-interactive. To disable this, add `--disable-usage-stats` to "  \
        "the command that starts the cluster, or run the following command: `ray disable-usage-stats` " \
        "before starting the cluster. " PROMPT_USAGE_STATS_DOC

#define PROMPT_CONFIRMATION                                                                             \
        "Enable usage stats collection? This prompt will auto-proceed in 10 seconds to avoid blocking " \
        "cluster startup."

#define PROMPT_CONFIRM_SUFFIX "Confirm [Y/n]: "
#define PROMPT_INVALID_ANSWER_FORMAT "Invalid answer: %s. Expected y/yes/true/1 or n/no/false/0"
#define PROMPT_TIMEOUT_SEC 10U

/* Prints "<PROMPT_CONFIRMATION> Confirm [Y/n]: " on out and reads one line
 * from fd_in. Enter, timeout_sec seconds without a complete line, or end of
 * input mean yes; y/yes/true/1 yes and n/no/false/0 no (case-insensitive,
 * surrounding whitespace ignored); anything else prints Ray's "Invalid
 * answer" line and asks again, with a fresh timeout. Returns 0, or a negative
 * errno when fd_in cannot be read. */
int prompt_ask(int fd_in, FILE *out, unsigned timeout_sec, bool *ret_yes);

/* RAY_USAGE_STATS_PROMPT_ENABLED as Ray reads it, int(value or "1") == 1:
 * unset or empty shows the prompt, an integer other than 1 hides it (and the
 * messages), anything else is -EINVAL with a one-line message in *ret_error. */
int prompt_enabled_parse(const char *value, bool *ret_enabled, char **ret_error);

typedef enum PromptAnswer {
        PROMPT_ANSWER_NONE, /* nothing asked: nothing to save */
        PROMPT_ANSWER_YES,
        PROMPT_ANSWER_NO,
} PromptAnswer;

/* Ray's show_usage_stats_prompt() for the CLI: prints nothing when the prompt
 * is disabled; the current state when the decision is explicit; the
 * non-interactive notice when the decision is the default and !interactive;
 * otherwise asks (prompt_ask) and prints the resulting state. *ret says what
 * the caller has to save. */
int prompt_show(const Decision *d, bool prompt_enabled, bool interactive, int fd_in, FILE *out,
                unsigned timeout_sec, PromptAnswer *ret);
