/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "http/tcp-owner.h"

/* /proc/net/tcp{,6} is the kernel's text, but it is read by a program that
 * starts as root to decide whom the dashboard token may go to: its parser
 * must stay strict and bounded on any input. The first byte picks the
 * family (even: tcp, odd: tcp6); the rest is the file. Properties: every
 * line that parses prints back, in the kernel's format, to a line that
 * parses to the same entry; the scan finds a socket only with the uid that
 * one of the lines gives it, and finds the first parsed line's socket. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

static size_t format_endpoint(char *buf, size_t size, const TcpEndpoint *e) {
        size_t n = 0;

        for (size_t i = 0; i < (e->family == AF_INET6 ? 4U : 1U); i++) {
                uint32_t w;

                memcpy(&w, e->addr + 4 * i, sizeof w);
                n += (size_t) snprintf(buf + n, size - n, "%08X", w);
        }
        return n + (size_t) snprintf(buf + n, size - n, ":%04X", e->port);
}

static void check_reprint(const ProcNetTcpEntry *e, int family) {
        char line[512], local[64], remote[64];
        ProcNetTcpEntry again;
        int n;

        format_endpoint(local, sizeof local, &e->local);
        format_endpoint(remote, sizeof remote, &e->remote);
        n = snprintf(line, sizeof line, "%4d: %s %s %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu", 7, local,
                     remote, e->state, 0, 0, 0, 0UL, 0, (unsigned) e->uid, 0, 12345UL);
        fuzz_assert(n > 0 && (size_t) n < sizeof line);
        fuzz_assert(proc_net_tcp_parse_line(line, (size_t) n, family, &again) == 0);
        fuzz_assert(memcmp(&again.local, &e->local, sizeof e->local) == 0);
        fuzz_assert(memcmp(&again.remote, &e->remote, sizeof e->remote) == 0);
        fuzz_assert(again.state == e->state && again.uid == e->uid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL;
        ProcNetTcpEntry first = {}, e, found = { .uid = (uid_t) -1 };
        bool have_first = false;
        int family, r;
        FILE *f;

        if (size < 1)
                return 0;
        family = data[0] & 1 ? AF_INET6 : AF_INET;
        text = fuzz_strndup(data + 1, size - 1);

        /* Every line on its own (the header, line 1, included). */
        for (const char *p = text; *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);

                if (proc_net_tcp_parse_line(p, len, family, &e) == 0) {
                        fuzz_assert(e.uid != (uid_t) -1);
                        check_reprint(&e, family);
                        if (!have_first && p != text) {
                                first = e;
                                have_first = true;
                        }
                }
                p += len + (nl ? 1 : 0);
        }

        if (!have_first)
                return 0;
        f = fmemopen(text, strlen(text), "r");
        fuzz_assert(f);
        r = proc_net_tcp_find(f, family, &first.local, &first.remote, &found);
        fclose(f);
        fuzz_assert(r == 1 || r == -EBADMSG || r == -E2BIG);
        if (r == 1)
                /* The first parsed line's socket, unless an earlier one had the same ends. */
                fuzz_assert(found.uid != (uid_t) -1);
        return 0;
}
