/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdlib.h>

/* The variable's value when it is set and not empty, else fallback. */
static inline const char *env_get_or(const char *name, const char *fallback) {
        const char *v = getenv(name);

        return v && *v ? v : fallback;
}
