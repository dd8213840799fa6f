/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <time.h>

typedef uint64_t usec_t;

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_INFINITY UINT64_MAX

/* The time on clock in µs, as systemd's now(): CLOCK_MONOTONIC for deadlines
 * and durations, CLOCK_REALTIME for what a report or the journal records. */
static inline usec_t now(clockid_t clock) {
        struct timespec ts;

        /* Cannot fail for a clock that exists and a valid pointer. */
        (void) clock_gettime(clock, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* Wall-clock time in milliseconds since the epoch, as Ray's reports carry it. */
static inline int64_t now_ms(void) {
        return (int64_t) (now(CLOCK_REALTIME) / USEC_PER_MSEC);
}
