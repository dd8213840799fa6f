/* SPDX-License-Identifier: MIT */
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <math.h>
#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "shared/log.h"
#include "shared/macro.h"

/* Shared by the libFuzzer targets in fuzz/. A target checks properties
 * beyond "does not crash" with fuzz_assert(), which aborts so that libFuzzer
 * keeps the input as a crasher. The message goes to the sanitizers' report
 * descriptor, which -close_fd_mask=2 keeps open. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#define fuzz_assert(expr)                                                                       \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        __sanitizer_report_error_summary("property failed: " __FILE__ ":"       \
                                                         STRINGIFY(__LINE__) ": " #expr);       \
                        abort();                                                                \
                }                                                                               \
        } while (0)

/* A NUL-terminated copy of the input; the parsers that take C strings see
 * the bytes up to the first NUL, as they would from getenv() or a file. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        fuzz_assert(s);
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* Debug logging on, so that every format string on the error paths runs
 * (run.sh passes -close_fd_mask=2, which sends it to /dev/null). */
static inline void fuzz_log_setup(void) {
        log_set_max_level(getenv("FUZZ_QUIET") ? LOG_EMERG : LOG_DEBUG);
}

static char fuzz_dir[64];

static int fuzz_rm_entry(const char *path, const struct stat *st _unused_, int type _unused_,
                         struct FTW *ftw _unused_) {
        return remove(path) < 0 ? -1 : 0;
}

static inline void fuzz_dir_remove(void) {
        if (fuzz_dir[0])
                (void) nftw(fuzz_dir, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private scratch directory below $FUZZ_SCRATCH, else on tmpfs when there
 * is one (the targets that write files fsync them), removed at exit. */
static inline const char *fuzz_scratch_dir(void) {
        if (fuzz_dir[0])
                return fuzz_dir;
        const char *base = getenv("FUZZ_SCRATCH");

        if (!base)
                base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%.40s/rus-fuzz.XXXXXX", base);
        fuzz_assert(mkdtemp(fuzz_dir));
        atexit(fuzz_dir_remove);
        return fuzz_dir;
}

/* Replaces path with exactly data[0..size). */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size) {
        FILE *f = fopen(path, "we");

        fuzz_assert(f);
        fuzz_assert(fwrite(data, 1, size, f) == size);
        fuzz_assert(fclose(f) == 0);
}

/* The whole file, and its size in *ret_size. */
static inline char *fuzz_read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0;

        fuzz_assert(f);
        for (;;) {
                buf = realloc(buf, n + 65536);
                fuzz_assert(buf);
                size_t k = fread(buf + n, 1, 65536, f);
                n += k;
                if (k == 0)
                        break;
        }
        fuzz_assert(!ferror(f));
        fclose(f);
        *ret_size = n;
        return buf;
}

/* json_object_equal(), except that a NaN in a may be null in b: json-c reads
 * "NaN" as Python does, and json_dump_python() writes it as null since it
 * has no JSON form. */
static inline bool fuzz_json_equal(json_object *a, json_object *b) {
        if (json_object_is_type(a, json_type_double) && isnan(json_object_get_double(a)))
                return !b;
        if (json_object_get_type(a) != json_object_get_type(b))
                return false;
        switch (json_object_get_type(a)) {
        case json_type_array:
                if (json_object_array_length(a) != json_object_array_length(b))
                        return false;
                for (size_t i = 0; i < json_object_array_length(a); i++)
                        if (!fuzz_json_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                                return false;
                return true;
        case json_type_object:
                if (json_object_object_length(a) != json_object_object_length(b))
                        return false;
                json_object_object_foreach(a, key, value) {
                        json_object *w;

                        if (!json_object_object_get_ex(b, key, &w) || !fuzz_json_equal(value, w))
                                return false;
                }
                return true;
        default:
                return json_object_equal(a, b);
        }
}
