/* SPDX-License-Identifier: MIT */
#include <syslog.h>

#include "cli/field-notice.h"
#include "journal/journal.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/time-util.h"
#include "state/field-list.h"

void field_notice_report(const char *state_dir, json_object *report) {
        _cleanup_(field_notice_done) FieldNotice n = {};
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *added = NULL, *removed = NULL;
        int r;

        assert(state_dir);
        assert(report);

        json_object_object_foreach(report, key, value) {
                char *s = strdup(key);

                (void) value;
                if (!s || strv_push(&names, s) < 0) {
                        free(s);
                        log_oom();
                        return;
                }
        }

        r = field_list_update(state_dir, names, now_ms(), &n);
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
