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

/* What json-c will allocate, at most, to hold the tree of the JSON text
 * buf[0..size), in bytes: a cheap pass over the text that counts objects,
 * arrays, scalars and string bytes at what json-c 0.16 spends on each
 * (measured, rounded up), plus the tokener's buffer for the longest string.
 * For text json_parse_strict() would refuse, the figure is still an upper
 * bound of what it allocates before it gives up. */
size_t json_tree_cost(const char *buf, size_t size);

/* json_parse_strict() when json_tree_cost() is at most max_cost, else
 * -E2BIG before anything is allocated. */
int json_parse_bounded(const char *buf, size_t size, size_t max_cost, json_object **ret);

/* Like json_parse_bounded(), for a document whose bulk is one array (a
 * listing of thousands of nodes or jobs), in the memory of one element
 * instead of the whole tree: the array at path (member names from the top
 * object, NULL-terminated; empty: the document itself is the array) is not
 * kept. Each element is parsed alone, within max_cost, handed to f, and
 * freed; in *ret that array is empty. The rest of the document together
 * stays within max_cost too. A path member that appears twice is -EBADMSG
 * (json-c would keep the last); one that is not an object or array is kept
 * like any other member. f's negative result ends the parse and is
 * returned. The document is refused as json_parse_strict() refuses it. */
typedef int (*JsonElementFunc)(json_object *element, void *userdata);
int json_parse_streamed(const char *buf, size_t size, const char *const *path, size_t max_cost,
                        JsonElementFunc f, void *userdata, json_object **ret);

/* Member lookups that check the type; NULL when missing or of another type. */
const char *json_get_string(json_object *o, const char *key);
json_object *json_get_object(json_object *o, const char *key);
json_object *json_get_array(json_object *o, const char *key);
/* 0 and the value for a JSON integer (or a float that is a whole number),
 * -ENOENT when missing, -EBADMSG for another type. */
int json_get_int64(json_object *o, const char *key, int64_t *ret);
/* 0 and the value for a JSON boolean, -ENOENT missing, -EBADMSG other type. */
int json_get_bool(json_object *o, const char *key, bool *ret);

/* Serialises o the way Python's json.dumps does by default (", " and ": "
 * separators, non-ASCII escaped as \uXXXX), so that files we write are
 * byte-identical to Ray's. */
int json_dump_python(json_object *o, char **ret);

/* A JSON number written as text (digits, as an integer beyond int64 that
 * Python would send exactly): json_dump_python() and json-c's own
 * serialiser write text as it is; json_object_get_double() gives its
 * approximation. NULL when out of memory. */
json_object *json_new_raw_number(const char *text);

/* Python's repr() of a float, as json_dump_python() writes it. */
int json_format_double(double d, char **ret);

/* A new array of the strings of l (an empty one for NULL); NULL when out of memory. */
json_object *json_array_from_strv(char *const *l);
