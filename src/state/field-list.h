/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

/* "You will be notified of any changes to the data being collected": the
 * state directory remembers the list of report fields last reported, in
 * "<dir>/fields.json", so that the first report of a version that reports
 * another list can say so, and `status` can show it until the next report. */

typedef struct FieldNotice {
        int64_t time_ms;   /* when the changed list was first reported */
        char **added;      /* in report order; NULL when none */
        char **removed;    /* in the old report order; NULL when none */
} FieldNotice;

void field_notice_done(FieldNotice *n);

/* Called with the names (NULL-terminated, report order) of a report about to
 * be sent. Saves them as the list last reported. When a list was saved
 * before and differs, returns 1 with *ret the added and removed names, and
 * keeps that notice for field_list_notice(); otherwise returns 0 and clears a
 * kept notice (the report after a change ends it). A missing or corrupt file
 * counts as no list saved before. Negative errno on write failures. */
int field_list_update(const char *dir, char *const *names, int64_t now_ms, FieldNotice *ret);

/* The kept notice: 1 and *ret, or 0 when there is none. */
int field_list_notice(const char *dir, FieldNotice *ret);
