/* SPDX-License-Identifier: MIT */
#include <syslog.h>

#include "attempt/field-notice.h"
#include "journal/journal.h"
#include "report/report.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/time-util.h"
#include "state/field-list.h"

void field_notice_report(const char *state_dir) {
        _cleanup_(field_notice_done) FieldNotice n = {};
        _cleanup_free_ char *added = NULL, *removed = NULL;
        const char *names[REPORT_N_FIELDS + 1] = {};
        int r;

        assert(state_dir);

        /* The report is built from this table, so its keys are these names in this order. */
        for (size_t i = 0; i < REPORT_N_FIELDS; i++)
                names[i] = report_fields[i].name;

        r = field_list_update(state_dir, (char *const *) names, now_ms(), &n);
        if (r < 0) {
                log_warning_errno(r, "Failed to record the report's field list in %s: %m", state_dir);
                return;
        }
        if (r == 0)
                return;

        added = strv_join(n.added, ", ");
        removed = strv_join(n.removed, ", ");
        if (!added || !removed) {
                log_oom();
                return;
        }
        journal_event(LOG_NOTICE, MESSAGE_ID_FIELDS_CHANGED,
                      (JournalField[]) {
                              { "FIELDS_ADDED", n.added ? added : NULL },
                              { "FIELDS_REMOVED", n.removed ? removed : NULL },
                              {} },
                      "The fields of the usage stats report changed with this version: added: %s; removed: %s. "
                      "See 'ray-usage-stats fields'.",
                      n.added ? added : "none", n.removed ? removed : "none");
}
