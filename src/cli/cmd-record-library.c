/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/context.h"
#include "shared/escape.h"
#include "shared/log.h"

int cmd_record_library(int argc, char *argv[]) {
        _cleanup_(head_scan_done) HeadScan heads = {};
        _cleanup_(context_done) Context c = CONTEXT_NULL;
        Session *newest = NULL;
        const char *name;
        int r;

        r = cli_parse(argc, argv,
                      "record-library NAME\n\n"
                      "Record that library NAME ([A-Za-z0-9._-], 1-64 characters) was used in your newest\n"
                      "live Ray head session; it is reported in library_usages. Writes nothing when\n"
                      "collection is disabled.",
                      NULL, 1, &name);
        if (r <= 0)
                return r;

        if (!library_name_is_valid(name)) {
                log_error("Invalid library name '%s': use 1-64 characters of A-Z a-z 0-9 . _ -", name);
                return -EINVAL;
        }

        /* The invoking user's newest head (docs/design.md §4.1): a library used by this user belongs to their cluster. */
        r = context_find_heads("record-library", false, &heads);
        if (r < 0)
                return r;
        for (size_t i = 0; i < heads.n_heads && !newest; i++)
                if (heads.heads[i]->uid == getuid())
                        newest = TAKE_PTR(heads.heads[i]);

        r = context_load(&c, newest);
        if (r < 0)
                return r;
        r = context_verdict(&c, "record-library", true);
        if (r != EXIT_COLLECT)
                return r;

        r = worker_record_library(&c.worker, name);
        if (r < 0)
                return log_error_errno(r, "Failed to record library '%s' in %s: %m", name, c.session->path);
        (void) printf_escaped("Recorded library usage '%s' in %s", name, c.session->path);
        return 0;
}
