/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "session/session.h"

/* <temp>/session_latest is a link that any local user can plant (Ray makes
 * <temp> mode 0777). Whatever it says, session_find() may only ever give the
 * one real session_* directory directly inside <temp>: never a directory
 * elsewhere, a link to one, or a file. The input is the link's target, with
 * "@T" standing for <temp>'s absolute path, "@O" for a directory outside it
 * and "@L" for a link to <temp>, so that absolute targets are reachable. */

static char root[128], temp[160], temp_real[PATH_MAX];
static struct stat session_st;

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        char p[256];

        fuzz_log_setup();
        snprintf(root, sizeof root, "%s", fuzz_scratch_dir());
        snprintf(temp, sizeof temp, "%s/tmp", root);
        fuzz_assert(mkdir(temp, 0777) == 0);
        snprintf(p, sizeof p, "%s/session_2025-11-26_12-00-00_123456_4242", temp);
        fuzz_assert(mkdir(p, 0777) == 0);
        fuzz_assert(stat(p, &session_st) == 0);
        snprintf(p, sizeof p, "%s/session_file", temp);
        fuzz_write_file(p, (const uint8_t *) "x", 1);
        snprintf(p, sizeof p, "%s/outside", root);
        fuzz_assert(mkdir(p, 0777) == 0);
        snprintf(p, sizeof p, "%s/outside/session_out", root);
        fuzz_assert(mkdir(p, 0777) == 0);
        snprintf(p, sizeof p, "%s/session_sym", temp);
        fuzz_assert(symlink("../outside/session_out", p) == 0);
        snprintf(p, sizeof p, "%s/link", root);
        fuzz_assert(symlink("tmp", p) == 0);
        fuzz_assert(realpath(temp, temp_real));
        return 0;
}

static size_t expand(const uint8_t *data, size_t size, char *out, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < size && data[i]; i++) {
                const char *s = NULL;
                char buf[256];

                if (data[i] == '@' && i + 1 < size) {
                        if (data[i + 1] == 'T')
                                s = temp;
                        else if (data[i + 1] == 'O')
                                s = snprintf(buf, sizeof buf, "%s/outside", root) > 0 ? buf : NULL;
                        else if (data[i + 1] == 'L')
                                s = snprintf(buf, sizeof buf, "%s/link", root) > 0 ? buf : NULL;
                }
                if (s) {
                        size_t l = strlen(s);

                        if (n + l >= max)
                                break;
                        memcpy(out + n, s, l);
                        n += l;
                        i++;
                } else {
                        if (n + 1 >= max)
                                break;
                        out[n++] = (char) data[i];
                }
        }
        out[n] = 0;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_session_ Session *s = NULL;
        char target[PATH_MAX], latest[256];
        struct stat st;
        int r;

        if (expand(data, size, target, sizeof target) == 0)
                return 0;
        snprintf(latest, sizeof latest, "%s/session_latest", temp);
        (void) unlink(latest);
        if (symlink(target, latest) < 0)
                return 0;

        r = session_find(temp, &s, NULL);
        if (r < 0)
                return 0;

        fuzz_assert(fstat(s->fd, &st) == 0);
        fuzz_assert(st.st_dev == session_st.st_dev && st.st_ino == session_st.st_ino);
        fuzz_assert(streq(s->name, "session_2025-11-26_12-00-00_123456_4242"));
        fuzz_assert(streq(s->temp_dir, temp_real));
        fuzz_assert(startswith(s->path, temp_real) &&
                    streq(s->path + strlen(temp_real), "/session_2025-11-26_12-00-00_123456_4242"));
        fuzz_assert(s->uid == session_st.st_uid);
        return 0;
}
