/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/read-attempts.h"
#include "shared/log.h"

int cli_read_attempts(const JournalSource *src, const AttemptFilter *filter, ReportAttempt **ret, size_t *ret_n) {
        const char *what = src->file ?: src->directory ?: src->root ?: "the system journal";
        int r;

        if (!!src->file + !!src->directory + !!src->root > 1) {
                log_error("--directory=, --file= and --root= exclude each other: give one of them.");
                return -EINVAL;
        }

        r = journal_read_attempts(src, filter, ret, ret_n);
        if (r == -EACCES) {
                log_error("You may not read %s: run this as root, or as a member of the group adm or "
                          "systemd-journal (usermod -aG systemd-journal USER).", what);
                return EXIT_DISABLED; /* docs/design.md §11: exit 1 */
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read the report attempts from %s: %m", what);
        return 0;
}
