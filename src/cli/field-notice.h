/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>

/* SPEC 11, "no surprises": before a report is sent, compares its keys with
 * the field list last reported (state/field-list.h) and, on the first report
 * after a change, journals MESSAGE_ID_FIELDS_CHANGED with the added and
 * removed fields. Failures are warnings: they never stop a report. */
void field_notice_report(const char *state_dir, json_object *report);
