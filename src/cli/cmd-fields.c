/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli/cli.h"
#include "report/report.h"
#include "shared/json-util.h"
#include "shared/log.h"

static int print_json(void) {
        _cleanup_json_ json_object *a = json_object_new_array();
        _cleanup_free_ char *text = NULL;

        if (!a)
                return log_oom();
        for (size_t i = 0; i < REPORT_N_FIELDS; i++) {
                const ReportField *f = &report_fields[i];
                json_object *o = json_object_new_object(), *example = NULL;

                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return log_oom();
                }
                if (json_object_object_add(o, "name", json_object_new_string(f->name)) < 0 ||
                    json_object_object_add(o, "type", json_object_new_string(f->type)) < 0 ||
                    json_object_object_add(o, "source", json_object_new_string(f->source)) < 0 ||
                    json_parse_strict(f->example, strlen(f->example), &example) < 0 ||
                    json_object_object_add(o, "example", example) < 0)
                        return log_oom();
        }
        if (json_dump_python(a, &text) < 0)
                return log_oom();
        printf("%s\n", text);
        return 0;
}

static void print_human(void) {
        printf("%-30s %-26s %s\n", "FIELD", "TYPE", "SOURCE (EXAMPLE)");
        for (size_t i = 0; i < REPORT_N_FIELDS; i++) {
                const ReportField *f = &report_fields[i];

                printf("%-30s %-26s %s (e.g. %s)\n", f->name, f->type, f->source, f->example);
        }
}

int cmd_fields(int argc, char *argv[]) {
        bool json = false;
        int r;

        r = cli_parse(argc, argv,
                      "fields [--json]\n\n"
                      "Print the data dictionary: every field of a report, in report order, with its JSON\n"
                      "type, where its value comes from and an example. Reads nothing, sends nothing.\n\n"
                      "  --json    print one JSON array of {name, type, source, example}, the example as a JSON value",
                      (CliFlag[]) { { "json", &json }, {} }, 0, NULL);
        if (r <= 0)
                return r;

        if (json)
                return print_json();
        print_human();
        return 0;
}
