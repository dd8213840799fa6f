/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>

/* Inputs longer than this are refused: an environment variable that big is a
 * mistake, and the tags end up in every report. */
#define EXTRA_TAGS_MAX (64U * 1024U)

/* Parses RAY_USAGE_STATS_EXTRA_TAGS exactly as Ray's get_extra_usage_tags_to_report()
 * does: s.strip(";").split(";"), each item split on "=" must give exactly two
 * parts, and the first item that does not stops parsing (pairs before it are
 * kept). Later duplicates overwrite earlier ones. s NULL or empty gives an
 * empty object. Returns 0 and a new object, -E2BIG for an input longer than
 * EXTRA_TAGS_MAX, -ENOMEM. */
int extra_tags_parse(const char *s, json_object **ret);
