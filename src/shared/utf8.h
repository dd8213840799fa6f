/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the UTF-8 sequence at *s (before end) and moves *s past it. An
 * invalid byte (overlong forms, surrogates and code points past U+10FFFF
 * included) gives U+FFFD and moves *s by exactly one byte. */
uint32_t utf8_next(const unsigned char **s, const unsigned char *end);

/* Whether s[0..size) is strict UTF-8. */
bool utf8_is_valid(const char *s, size_t size);
