/* SPDX-License-Identifier: MIT */
#pragma once

/* Exit statuses of SPEC section 2, shared by every command. */
enum {
        EXIT_COLLECT = 0,
        EXIT_DISABLED = 1,
        EXIT_NO_SESSION = 2,
        EXIT_LOCAL_FAILURE = 3,
        EXIT_INVALID_SETTING = 255,
};

typedef struct Command {
        const char *name;
        const char *summary;
        const char *usage; /* the per-command help text after "Usage: ray-usage-stats " */
        int (*run)(int argc, char *argv[]);
} Command;

/* Each returns the process exit status. argv[0] is the command name. */
int cmd_check(int argc, char *argv[]);
int cmd_report(int argc, char *argv[]);
int cmd_preview(int argc, char *argv[]);
int cmd_enable(int argc, char *argv[]);
int cmd_disable(int argc, char *argv[]);
int cmd_status(int argc, char *argv[]);
int cmd_prompt(int argc, char *argv[]);
int cmd_record_library(int argc, char *argv[]);
