/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/time.h>

/* Wall-clock time in milliseconds since the epoch, as Ray's reports carry it. */
static inline int64_t now_ms(void) {
        struct timeval tv;

        (void) gettimeofday(&tv, NULL);
        return (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
