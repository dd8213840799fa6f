/* SPDX-License-Identifier: MIT */
#include <sys/socket.h>

#include "fuzz.h"
#include "shared/json-util.h"
#include "shared/strv.h"
#include "worker/channel.h"

/* The root parent reads what the Ray user's worker answers (src/worker/worker.c)
 * with channel_parse() and the typed getters: whatever the bytes, they must
 * refuse or give values within their bounds, and a message that parses must
 * cross a real channel (framing included) unchanged. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

static void check_getters(json_object *o) {
        static const char *const keys[] = {
                "error", "op", "body", "session_id", "dashboard_url", "failed_calls", "opted_out",
                "enabled", "decided_by", "invalid", "success", "message", "seq_number", "name",
        };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_strv_free_ char **l = NULL;
                const char *s;
                int64_t n;
                bool b;

                if (channel_get_string(o, keys[i], 16, true, &s) == 0 && s)
                        fuzz_assert(strlen(s) <= 16);
                if (channel_get_int(o, keys[i], -4095, 0, &n) == 0)
                        fuzz_assert(n >= -4095 && n <= 0);
                (void) channel_get_bool(o, keys[i], &b);
                if (channel_get_strv(o, keys[i], 4, 8, &l) == 0 && l) {
                        fuzz_assert(strv_length(l) <= 4);
                        for (char **e = l; *e; e++)
                                fuzz_assert(strlen(*e) <= 8);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL, *back = NULL;
        int sv[2];

        if (channel_parse((const char *) data, size, &o) < 0) {
                fuzz_assert(!o);
                return 0;
        }
        fuzz_assert(json_object_is_type(o, json_type_object));
        check_getters(o);

        /* Small messages only: a socket buffer holds them without a reader thread. */
        if (size > 64 * 1024)
                return 0;
        fuzz_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        fuzz_assert(channel_send(sv[0], o) == 0);
        fuzz_assert(channel_recv(sv[1], 1000, &back) == 0);
        fuzz_assert(fuzz_json_equal(o, back));
        close(sv[0]);
        close(sv[1]);
        return 0;
}
