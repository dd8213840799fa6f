/* SPDX-License-Identifier: MIT */
#pragma once

/* The command line: main(), one file per command, and what the commands
 * share (options, exit statuses, the Context). The top of the modules: it
 * may use every other, and none may include it (HACKING.md). */

/* Exit statuses of SPEC section 2, shared by every command. */
enum {
        EXIT_COLLECT = 0,
        EXIT_DISABLED = 1,
        EXIT_NO_SESSION = 2,
        EXIT_LOCAL_FAILURE = 3,
        EXIT_INVALID_SETTING = 255,
};

#include <stdbool.h>
#include <stddef.h>

/* cli_parse() result meaning "go on with the command". */
#define CLI_CONTINUE (-1)

typedef struct CliFlag {
        const char *name;   /* long option without "--" */
        bool *value;        /* set to true when given; or NULL and: */
        const char **arg;   /* the option takes an argument, stored here */
        char short_name;    /* also -X, or 0 */
} CliFlag;

/* Parses a command's arguments: --help/-h prints usage on stdout and gives
 * exit status 0; an unknown option, a value given to a flag, a missing or an
 * extra argument is a one-line error that quotes the argument refused (or
 * names the one missing, from usage's first line) and gives error_status.
 * Otherwise returns CLI_CONTINUE with the n_args positional arguments in
 * args[]. */
int cli_parse(int argc, char *argv[], const char *usage, const CliFlag *flags, size_t n_args,
              const char **args, int error_status);

/* An argument for a one-line error message: in single quotes, with control
 * bytes, quotes and backslashes as \xNN, at most CLI_QUOTE_MAX bytes of it. */
#define CLI_QUOTE_MAX 64
typedef struct CliQuoted {
        char s[CLI_QUOTE_MAX * 4 + 6];
} CliQuoted;
const char *cli_quote(const char *arg, CliQuoted *buf);

typedef struct Command {
        const char *name;
        const char *summary;
        int (*run)(int argc, char *argv[]);
} Command;

/* The whole command line (argv[0] is the program): the top-level options,
 * then the command argv[1] names. Returns the process's exit status. */
int cli_run(int argc, char *argv[]);

/* The exit status for what a command returned: r itself when it is an exit
 * status (>= 0), else EXIT_LOCAL_FAILURE, after one line that names the
 * command and the error (a negative errno no one has reported). */
int cli_exit_status(const char *command, int r);

/* Each returns an exit status, or a negative errno. argv[0] is the command name. */
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
