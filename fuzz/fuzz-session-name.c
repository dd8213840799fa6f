/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "fuzz.h"
#include "session/session.h"

/* The session directory's name is chosen by whoever runs "ray start"
 * (anyone can plant a session_* entry in a 0777 temp root). In UTC, a name
 * that is accepted must give back exactly the date and time it spells. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        setenv("TZ", "UTC", 1);
        tzset();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *name = fuzz_strndup(data, size);
        char expected[64];
        int64_t ms;
        time_t t;
        struct tm tm;

        if (session_start_time_ms(name, &ms) < 0)
                return 0;

        fuzz_assert(ms >= 0);
        t = (time_t) (ms / 1000);
        fuzz_assert(gmtime_r(&t, &tm));
        fuzz_assert(strftime(expected, sizeof expected, "session_%Y-%m-%d_%H-%M-%S_", &tm) > 0);
        fuzz_assert(startswith(name, expected));
        /* The milliseconds are the first three digits of %f. */
        fuzz_assert(ms % 1000 == (name[28] - '0') * 100 + (name[29] - '0') * 10 + (name[30] - '0'));
        return 0;
}
