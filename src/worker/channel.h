/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The channel between the root parent and the child that dropped to the Ray
 * user (docs/design.md §4.2): one JSON object per message, framed by a 4-byte
 * big-endian length. The parent trusts nothing the child says: every message
 * is bounded in size, parsed strictly, and read through the typed getters
 * below, which refuse whatever is missing, of another type or too long. */

/* A report is a few kilobytes; this leaves room for a long library list. */
#define CHANNEL_MESSAGE_MAX (1024U * 1024U)
/* Messages are flat: an object of scalars and at most one array of strings. */
#define CHANNEL_MAX_DEPTH 3

/* Serialises o (an object) and sends it whole. -EPIPE when the other end is gone. */
int channel_send(int fd, json_object *o);

/* Receives one message within timeout_ms (-1: no limit) and parses it with
 * channel_parse(). -ENODATA when the other end closed the channel before a
 * message began, -ETIMEDOUT, -EBADMSG for a bad frame or message. */
int channel_recv(int fd, int timeout_ms, json_object **ret);

/* One message's bytes: at most CHANNEL_MESSAGE_MAX, strict JSON (UTF-8, one
 * document), an object nesting at most CHANNEL_MAX_DEPTH levels. -EBADMSG
 * otherwise, -ENOMEM. Pure. */
int channel_parse(const char *buf, size_t size, json_object **ret);

/* Typed members. Each returns 0, or -EBADMSG when the member is missing, of
 * another type, out of range or too long (a string holding a NUL byte is
 * too). "nullable" getters accept a JSON null (or a missing member) as NULL. */
int channel_get_string(json_object *o, const char *key, size_t max_len, bool nullable, const char **ret);
int channel_get_bool(json_object *o, const char *key, bool *ret);
int channel_get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret);
/* A copy of an array of strings, NULL-terminated; NULL for null. */
int channel_get_strv(json_object *o, const char *key, size_t max_items, size_t max_len, char ***ret);

/* Building messages: adds v (taken; NULL is a JSON null) as key. -ENOMEM. */
int channel_add(json_object *o, const char *key, json_object *v);
/* A JSON string, or NULL (a JSON null) for NULL. */
json_object *channel_string_or_null(const char *s);
