/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* An http:// or https:// URL with a host, and no white space or control
 * characters: what every URL setting must be before anything connects, so
 * that a mistyped setting is reported as such instead of becoming a DNS
 * lookup of a fragment of it. */
bool http_url_is_valid(const char *url);

/* The URL settings of docs/design.md §4.3 and §5; NULL-terminated. */
extern const char *const http_url_settings[];
