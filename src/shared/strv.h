/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "shared/macro.h"

/* NULL-terminated arrays of malloc'ed strings ("strv"), as in systemd. A NULL
 * strv is a valid empty one everywhere. */

void strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char * const *l);

/* Appends value, taking ownership of it on success only: on -ENOMEM the
 * caller still owns (and frees) value. */
int strv_push(char ***l, char *value);

/* Sorts by strcmp (byte order, as Python's sorted() on ASCII) and drops
 * duplicates, freeing them. */
void strv_sort_unique(char **l);

/* The strings joined by sep; "" for an empty strv. NULL on OOM. */
char *strv_join(char * const *l, const char *sep);

/* Whether l holds s. */
bool strv_contains(char * const *l, const char *s);
