/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli/cli.h"
#include "shared/log.h"

static const Command commands[] = {
        { "check",               "Decide whether usage stats would be collected now (for ExecCondition=)", cmd_check },
        { "report",              "Collect, write usage_stats.json and send one report (for ExecStart=)",  cmd_report },
        { "preview",             "Print the exact JSON the next report would send; sends nothing",       cmd_preview },
        { "status",              "Show each live Ray head: decision, session, counters and next run",      cmd_status },
        { "enable",              "Enable collection in your config file (--system: machine-wide)",        cmd_enable },
        { "disable",             "Disable collection in your config file (--system: machine-wide)",       cmd_disable },
        { "prompt",              "Ask whether to enable collection and save the answer",                  cmd_prompt },
        { "record-library",      "Record that a library was used in your newest live Ray session",        cmd_record_library },
        { "history",             "List every report attempt recorded in the journal, with its payload",  cmd_history },
        { "deletion-request",    "Every session_id sent to Ray, and a deletion request naming them",     cmd_deletion_request },
        { "fields",              "Print the data dictionary: every report field, its type and source",   cmd_fields },
        { "enable-usage-stats",  "Alias of enable (Ray's verb)",                                           cmd_enable },
        { "disable-usage-stats", "Alias of disable (Ray's verb)",                                          cmd_disable },
};

static void help(FILE *f) {
        fprintf(f,
                "Usage: ray-usage-stats [--help] [--version] COMMAND [ARGS...]\n\n"
                "Ray usage-stats collection as a system service: decides, as Ray does, whether\n"
                "usage stats may be collected on this Ray head node, and if so collects them,\n"
                "writes <session>/usage_stats.json, sends them and records every step in the journal.\n\n"
                "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %-20s %s\n", commands[i].name, commands[i].summary);
        fprintf(f,
                "\nRun 'ray-usage-stats COMMAND --help' for a command's options.\n\n"
                "Opt out: 'ray-usage-stats disable' (you), 'ray-usage-stats disable --system' (this\n"
                "machine), or RAY_USAGE_STATS_ENABLED=0 / DO_NOT_TRACK=1 in the environment.\n\n"
                "Environment (all optional):\n"
                "  RAY_USAGE_STATS_ENABLED       1 enable, 0 disable (wins over everything else)\n"
                "  DO_NOT_TRACK                  set and not 0: disable\n"
                "  RAY_USAGE_STATS_CONFIG_PATH   config file (default ~/.ray/config.json of the Ray user)\n"
                "  RAY_USAGE_STATS_SYSTEM_CONFIG machine-wide environment file (default %s)\n"
                "  RAY_USAGE_STATS_REPORT_URL    endpoint (default https://usage-stats.ray.io/)\n"
                "  RAY_USAGE_STATS_ADDITIONAL_URLS  up to 8 more endpoints (white space between), sent\n"
                "                                the same bytes in parallel; own counters in status\n"
                "  RAY_USAGE_STATS_UPLOAD        0: build and write the report but never send it\n"
                "  RAY_USAGE_STATS_CA_BUNDLE     CA file for private endpoints (never the default one)\n"
                "  RAY_USAGE_STATS_DASHBOARD_URL Ray dashboard (default from logs/dashboard.log, else\n"
                "                                http://127.0.0.1:8265)\n"
                "  RAY_USAGE_STATS_CLOUD_PROBE   0: no cloud metadata probes\n"
                "  RAY_USAGE_STATS_AWS_METADATA_URL, RAY_USAGE_STATS_GCP_METADATA_URL,\n"
                "  RAY_USAGE_STATS_AZURE_METADATA_URL  the cloud probe URLs\n"
                "  RAY_USAGE_STATS_STATE_DIR     counters (default /var/lib/ray-usage-stats for root)\n"
                "  RAY_USAGE_STATS_SOURCE, RAY_USAGE_STATS_EXTRA_TAGS, RAY_USAGE_STATS_PROMPT_ENABLED,\n"
                "  RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH as in Ray (the token only for heads of this user\n"
                "                                or of root);\n"
                "  RAY_USAGE_STATS_DEBUG=1       debug messages on stderr\n\n"
                "See ray-usage-stats(8).\n", SYSTEM_CONFIG_PATH);
}

int cli_run(int argc, char *argv[]) {
        assert(argc >= 1);

        log_clear_last_error();
        if (argc < 2) {
                help(stderr);
                return cli_exit_status(program_invocation_short_name,
                                       log_error_errno(-EINVAL, "No command given. Run 'ray-usage-stats --help' for usage."));
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "--version")) {
                if (argc > 2)
                        return cli_exit_status(argv[1],
                                               log_error_errno(-EINVAL,
                                                               "Unexpected argument %s after %s. Run 'ray-usage-stats --help' for usage.",
                                                               cli_quote(argv[2], &(CliQuoted) {}), argv[1]));
                if (streq(argv[1], "--version"))
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                else
                        help(stdout);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(argv[1], commands[i].name))
                        return cli_exit_status(argv[1], commands[i].run(argc - 1, argv + 1));

        return cli_exit_status(program_invocation_short_name,
                               log_error_errno(-EINVAL,
                                               "Unknown command %s. Run 'ray-usage-stats --help' for the list of commands.",
                                               cli_quote(argv[1], &(CliQuoted) {})));
}
