/* SPDX-License-Identifier: MIT */
#pragma once


/* docs/design.md §11, "no surprises": before a report is sent, compares the
 * report's field list (report_fields[]) with the field list last reported
 * (state/field-list.h) and, on the first report after a change, journals
 * MESSAGE_ID_FIELDS_CHANGED with the added and removed fields. Failures are
 * warnings: they never stop a report. */
void field_notice_report(const char *state_dir);
