/* SPDX-License-Identifier: MIT */
#include "config/sysconfig.h"
#include "fuzz.h"

/* The machine-wide environment file is edited by administrators and by
 * "enable/disable --system". Any content must read without failing, and
 * the edits must do what they promise on any content: after "disable
 * --system" the variable reads "0"; after "enable --system" it does not,
 * and reads as before when it was not "0"; every other variable keeps its
 * value through both edits. */

#define NAME "RAY_USAGE_STATS_ENABLED"

static char path[128];

/* Variables the edits must not touch, probed by name. */
static const char *const others[] = { "A", "FOO", "DO_NOT_TRACK", "RAY_USAGE_STATS_ENABLED_X", "X" };

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        snprintf(path, sizeof path, "%s/ray-usage-stats", fuzz_scratch_dir());
        return 0;
}

static char *get(const char *name) {
        char *v = NULL;

        fuzz_assert(sysconfig_get(path, name, &v) == 0);
        return v;
}

static void get_others(char *ret[static ELEMENTSOF(others)]) {
        for (size_t i = 0; i < ELEMENTSOF(others); i++)
                ret[i] = get(others[i]);
}

static void check_others(char *before[static ELEMENTSOF(others)]) {
        char *now[ELEMENTSOF(others)];

        get_others(now);
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                fuzz_assert(streq_ptr(before[i], now[i]));
                free(now[i]);
        }
}

/* An edit that is refused (-EBADMSG: the file ends inside quotes or after a
 * backslash, where an appended line would become part of a value) leaves the
 * file as it was. */
static bool refused(int r, const uint8_t *data, size_t size) {
        _cleanup_free_ char *now = NULL;
        size_t n;

        if (r != -EBADMSG)
                return false;
        now = fuzz_read_file(path, &n);
        fuzz_assert(n == size && memcmp(now, data, size) == 0);
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *original = NULL, *v = NULL, *text = NULL;
        char *before[ELEMENTSOF(others)];
        size_t n;
        int r;

        fuzz_write_file(path, data, size);
        original = get(NAME);
        get_others(before);

        r = sysconfig_set_opt_out(path, false);
        if (refused(r, data, size))
                goto done;
        fuzz_assert(r == 0 || r == 1);
        v = get(NAME);
        fuzz_assert(!streq_ptr(v, "0"));
        if (!streq_ptr(original, "0"))
                fuzz_assert(streq_ptr(v, original));
        check_others(before);
        free(v);
        v = NULL;

        text = fuzz_read_file(path, &n);
        r = sysconfig_set_opt_out(path, true);
        if (refused(r, (const uint8_t *) text, n))
                goto done;
        fuzz_assert(r == 0 || r == 1);
        v = get(NAME);
        fuzz_assert(streq_ptr(v, "0"));
        check_others(before);

        /* Idempotent. */
        fuzz_assert(sysconfig_set_opt_out(path, true) == 0);

done:
        for (size_t i = 0; i < ELEMENTSOF(others); i++)
                free(before[i]);
        return 0;
}
