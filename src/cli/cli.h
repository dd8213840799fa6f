/* SPDX-License-Identifier: MIT */
#pragma once

/* The command line: main(), one file per command, and what the commands
 * share (options, exit statuses, the Context). The top of the modules: it
 * may use every other, and none may include it (HACKING.md). */

/* Exit statuses of docs/design.md §2, shared by every command. */
enum {
        EXIT_COLLECT = 0,
        EXIT_DISABLED = 1,
        EXIT_NO_SESSION = 2,
        EXIT_LOCAL_FAILURE = 3,
        EXIT_INVALID_SETTING = 255,
};

#include <stdbool.h>
#include <stddef.h>

typedef struct CliFlag {
        const char *name;   /* long option without "--" */
        bool *value;        /* set to true when given; or NULL and: */
        const char **arg;   /* the option takes an argument, stored here */
        char short_name;    /* also -X, or 0 */
} CliFlag;

/* Parses a command's arguments, as systemd's parse_argv(): returns 1 with the
 * n_args positional arguments in args[] when the command goes on; 0 when
 * --help/-h printed the usage on stdout; -EINVAL after a one-line error for
 * an unknown option, a value given to a flag, a missing or an extra argument
 * (quoting the argument refused, or naming the one missing from usage's first
 * line). Callers write "if (r <= 0) return r;". */
int cli_parse(int argc, char *argv[], const char *usage, const CliFlag *flags, size_t n_args,
              const char **args);

/* An argument for a one-line error message: in single quotes, with control
 * bytes, quotes and backslashes as \xNN, at most CLI_QUOTE_MAX bytes of it. */
#define CLI_QUOTE_MAX 64
typedef struct CliQuoted {
        char s[CLI_QUOTE_MAX * 4 + 6];
} CliQuoted;
const char *cli_quote(const char *arg, CliQuoted *buf);

/* Flushes stdout: 0, or a one-line error and a negative errno. */
int cli_flush(void);

typedef struct Command {
        const char *name;
        const char *summary;
        int (*run)(int argc, char *argv[]);
} Command;

/* The whole command line (argv[0] is the program): the top-level options,
 * then the command argv[1] names. Returns the process's exit status. */
int cli_run(int argc, char *argv[]);

/* The one place where a local failure becomes exit status 3 (HACKING.md,
 * "Errors"): r itself when it is an exit status (>= 0); else
 * EXIT_LOCAL_FAILURE, with one line on stderr and in the journal: the error
 * the failing code logged since cli_run() started the command or, when it
 * logged none, one that names the command and the error. */
int cli_exit_status(const char *command, int r);

/* Each returns an exit status of docs/design.md §2, or a negative errno for a
 * local failure (cli_exit_status()). argv[0] is the command name. */
int cmd_check(int argc, char *argv[]);
int cmd_report(int argc, char *argv[]);
int cmd_preview(int argc, char *argv[]);
int cmd_enable(int argc, char *argv[]);
int cmd_disable(int argc, char *argv[]);
int cmd_status(int argc, char *argv[]);
int cmd_prompt(int argc, char *argv[]);
int cmd_record_library(int argc, char *argv[]);
int cmd_fields(int argc, char *argv[]);
int cmd_history(int argc, char *argv[]);
int cmd_deletion_request(int argc, char *argv[]);
