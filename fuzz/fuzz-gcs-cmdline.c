/* SPDX-License-Identifier: MIT */
#include "fuzz.h"
#include "session/discover.h"

/* The command line of a process named gcs_server: whoever starts it chooses
 * every byte (any local user can run a program through a link of that name).
 * What gcs_cmdline_session() accepts must be exactly one argument
 * "--log_dir=<dir>/logs" and one "--session-name=<name>", <dir> absolute,
 * without control characters and ending in "/<name>", <name> a session name
 * of Ray's naming. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

static size_t count_arg(const char *data, size_t size, const char *arg) {
        size_t n = 0;

        for (const char *p = data, *e = data + size; p < e; p += strnlen(p, e - p) + 1)
                n += streq(p, arg);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *dir = NULL, *name = NULL, *log_arg = NULL, *name_arg = NULL;
        const char *text = (const char *) data;
        int64_t ms;
        int r;

        r = gcs_cmdline_session(text, size, &dir, &name);
        fuzz_assert(r == 0 || r == -EINVAL);
        if (r < 0) {
                fuzz_assert(!dir && !name);
                return 0;
        }

        fuzz_assert(size > 0 && text[size - 1] == 0);
        fuzz_assert(dir[0] == '/');
        for (const char *c = dir; *c; c++)
                fuzz_assert((unsigned char) *c >= 0x20 && *c != 0x7f);
        fuzz_assert(streq(strrchr(dir, '/') + 1, name));
        fuzz_assert(session_start_time_ms(name, &ms) == 0);
        fuzz_assert(asprintf(&log_arg, "--log_dir=%s/logs", dir) > 0);
        fuzz_assert(asprintf(&name_arg, "--session-name=%s", name) > 0);
        fuzz_assert(count_arg(text, size, log_arg) == 1);
        fuzz_assert(count_arg(text, size, name_arg) == 1);
        return 0;
}
