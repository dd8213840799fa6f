/* SPDX-License-Identifier: MIT */
#include "dashboard/dashboard.h"
#include "fuzz.h"
#include "http/http-loopback.h"

/* Whatever listens on the dashboard's loopback port writes these bytes to
 * the built-in HTTP client. The first byte picks the body limit, the second
 * how the bytes are cut into reads; the rest is the response. Beyond not
 * crashing: only the documented errors, a body within the limit and
 * NUL-terminated, the same outcome however the bytes arrive, and a response
 * complete before the close unchanged by it. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

/* Up to the largest limit a caller passes: an announced Content-Length within
 * the limit is allocated at once, so SIZE_MAX here would only measure how
 * much ASan lets a process allocate. */
static const size_t limits[] = { 0, 1, 5, 64, 4096, 65536, 1024 * 1024, DASHBOARD_MAX_RESPONSE };

static bool documented(int r) {
        return r == 0 || r == -EAGAIN || r == -EBADMSG || r == -EFBIG || r == -EIO;
}

static void check(int r, const HttpParsed *h, size_t max) {
        fuzz_assert(documented(r));
        if (r == 0) {
                fuzz_assert(h->status >= 200 && h->status <= 999);
                fuzz_assert(h->size <= max);
                fuzz_assert(!h->body == (h->size == 0));
                fuzz_assert(!h->body || h->body[h->size] == 0);
        } else {
                fuzz_assert(!h->body);
                fuzz_assert(h->size == 0);
        }
        if (r == -EFBIG)
                fuzz_assert(h->status >= 200);
}

/* Feeds the response in pieces of 1 to 16 bytes, sizes drawn from seed. */
static int parse_in_pieces(const char *s, size_t n, size_t max, uint8_t seed, HttpParser *p) {
        uint32_t x = seed * 2654435761U + 1;
        int r = -EAGAIN;

        http_parser_init(p, max);
        for (size_t i = 0; i < n && r == -EAGAIN;) {
                size_t k;

                x = x * 1103515245U + 12345U;
                k = 1 + (x >> 16) % 16;
                if (k > n - i)
                        k = n - i;
                r = http_parser_feed(p, s + i, k);
                i += k;
        }
        if (r == -EAGAIN)
                r = http_parser_eof(p);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static HttpParser parser;
        HttpParsed at_open = {}, closed = {};
        const char *s;
        size_t max, n;
        int r_open, r_closed, r_pieces;

        if (size < 2)
                return 0;
        max = limits[data[0] % ELEMENTSOF(limits)];
        s = (const char *) data + 2;
        n = size - 2;

        r_open = http_response_parse(s, n, false, max, &at_open);
        check(r_open, &at_open, max);
        fuzz_assert(r_open != -EIO);

        r_closed = http_response_parse(s, n, true, max, &closed);
        check(r_closed, &closed, max);
        fuzz_assert(r_closed != -EAGAIN);

        /* The close only decides what was still open. */
        if (r_open == -EAGAIN)
                fuzz_assert(r_closed == 0 || r_closed == -EIO);
        else {
                fuzz_assert(r_closed == r_open);
                fuzz_assert(closed.status == at_open.status);
                fuzz_assert(closed.size == at_open.size);
                fuzz_assert(closed.size == 0 || memcmp(closed.body, at_open.body, closed.size) == 0);
        }

        r_pieces = parse_in_pieces(s, n, max, data[1], &parser);
        fuzz_assert(r_pieces == r_closed);
        fuzz_assert(parser.status == closed.status);
        if (r_pieces == 0) {
                fuzz_assert(parser.body_size == closed.size);
                fuzz_assert(closed.size == 0 || memcmp(parser.body, closed.body, closed.size) == 0);
        }
        http_parser_done(&parser);

        free(at_open.body);
        free(closed.body);
        return 0;
}
