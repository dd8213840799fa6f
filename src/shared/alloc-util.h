/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The one way an array grows here, as systemd's GREEDY_REALLOC(): makes room
 * for at least need elements of size bytes in *p, which holds *allocated,
 * growing geometrically so that appending one element at a time costs
 * amortised O(1). Never beyond max elements: need is cut to max, so that a
 * bounded reader never holds more than its bound. Returns 0 (with *p and
 * *allocated updated) or -ENOMEM (both untouched). */
int greedy_realloc(void **p, size_t *allocated, size_t need, size_t size, size_t max);

#define GREEDY_REALLOC(array, allocated, need) \
        greedy_realloc((void **) &(array), &(allocated), (need), sizeof((array)[0]), SIZE_MAX)
#define GREEDY_REALLOC_MAX(array, allocated, need, max) \
        greedy_realloc((void **) &(array), &(allocated), (need), sizeof((array)[0]), (max))
