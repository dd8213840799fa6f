/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "shared/macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Outside input never nests deeper than this; deeper documents are refused
 * instead of being walked recursively. */
#define JSON_MAX_DEPTH 64

/* Parses exactly one JSON document filling all of buf[0..size) (trailing
 * whitespace allowed), with strict UTF-8 and JSON_MAX_DEPTH. -EBADMSG for
 * anything else. *ret may be NULL for a literal "null". */
int json_parse_strict(const char *buf, size_t size, json_object **ret);

/* Member lookups that check the type; NULL when missing or of another type. */
const char *json_get_string(json_object *o, const char *key);
json_object *json_get_object(json_object *o, const char *key);
json_object *json_get_array(json_object *o, const char *key);
/* 0 and the value for a JSON integer (or a float that is a whole number),
 * -ENOENT when missing, -EBADMSG for another type. */
int json_get_int64(json_object *o, const char *key, int64_t *ret);
/* 0 and the value for any JSON number, -ENOENT missing, -EBADMSG other type. */
int json_get_double(json_object *o, const char *key, double *ret);
/* 0 and the value for a JSON boolean, -ENOENT missing, -EBADMSG other type. */
int json_get_bool(json_object *o, const char *key, bool *ret);

/* Serialises o the way Python's json.dumps does by default (", " and ": "
 * separators, non-ASCII escaped as \uXXXX), so that files we write are
 * byte-identical to Ray's. */
int json_dump_python(json_object *o, char **ret);
