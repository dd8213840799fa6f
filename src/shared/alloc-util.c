/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "shared/alloc-util.h"
#include "shared/macro.h"

/* Small arrays start with this many bytes' worth of elements. */
#define GREEDY_MIN_BYTES 64U

int greedy_realloc(void **p, size_t *allocated, size_t need, size_t size, size_t max) {
        size_t n;
        void *q;

        assert(p);
        assert(allocated);
        assert(size > 0);

        if (need > max)
                need = max;
        if (*allocated >= need)
                return 0;

        /* Never ask for more than size_t holds (reallocarray() would refuse it,
         * but a sanitizer's allocator aborts instead). */
        if (need > SIZE_MAX / size)
                return -ENOMEM;
        n = need > SIZE_MAX / size / 2 ? SIZE_MAX / size : need * 2;
        if (n < GREEDY_MIN_BYTES / size)
                n = GREEDY_MIN_BYTES / size;
        if (n > max)
                n = max;

        q = reallocarray(*p, n, size);
        if (!q)
                return -ENOMEM;
        *p = q;
        *allocated = n;
        return 0;
}
