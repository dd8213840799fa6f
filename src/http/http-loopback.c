/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>

#include "http/http-loopback.h"
#include "shared/macro.h"

#define BODY_INITIAL_ALLOCATION (16U * 1024U)

/* ---- The response parser ---- */

void http_parser_init(HttpParser *p, size_t max_body) {
        assert(p);

        p->state = HTTP_PARSER_STATUS_LINE;
        p->error = 0;
        p->reason = NULL;
        /* Keeps body_size + n + 1 from overflowing; nobody can hold more anyway. */
        p->max_body = max_body < SIZE_MAX / 2 ? max_body : SIZE_MAX / 2;
        p->header_left = HTTP_HEADER_MAX;
        p->status = p->pending_status = 0;
        p->have_length = p->chunked = p->saw_cr = false;
        p->length = 0;
        p->body = NULL;
        p->body_size = p->body_allocated = 0;
        p->line_size = 0;
}

void http_parser_done(HttpParser *p) {
        if (!p)
                return;
        free(p->body);
        p->body = NULL;
        p->body_size = p->body_allocated = 0;
}

static int parser_fail(HttpParser *p, int r, const char *reason) {
        p->state = HTTP_PARSER_FAILED;
        p->error = r;
        p->reason = reason;
        return r;
}

static bool is_tchar(char c) {
        /* RFC 9110 5.6.2 token characters. */
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_field_vchar(char c) {
        /* Visible ASCII, obs-text, SP and HTAB; no other control character. */
        return (unsigned char) c >= 0x20 ? c != 0x7f : c == '\t';
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Ensures room for n more body bytes and the NUL, growing geometrically up
 * to max_body + 1; the caller checked n against max_body. */
static int body_reserve(HttpParser *p, size_t n) {
        size_t need = p->body_size + n + 1, want;
        char *b;

        assert(n <= p->max_body - p->body_size);

        if (p->body_allocated >= need)
                return 0;
        want = p->body_allocated > BODY_INITIAL_ALLOCATION ? p->body_allocated : BODY_INITIAL_ALLOCATION;
        while (want < need)
                want *= 2; /* cannot overflow: need <= SIZE_MAX / 2 + 1 */
        if (want > p->max_body + 1)
                want = p->max_body + 1;
        b = realloc(p->body, want);
        if (!b)
                return -ENOMEM;
        p->body = b;
        p->body_allocated = want;
        return 0;
}

static int body_append(HttpParser *p, const char *data, size_t n) {
        if (n > p->max_body - p->body_size)
                return parser_fail(p, -EFBIG, "the body is longer than allowed");
        if (body_reserve(p, n) < 0)
                return parser_fail(p, -ENOMEM, "out of memory");
        memcpy(p->body + p->body_size, data, n);
        p->body_size += n;
        p->body[p->body_size] = 0;
        return 0;
}

/* "HTTP/1.1 200 OK": version 1.0 or 1.1, three digits, optional reason. */
static int parse_status_line(HttpParser *p, const char *l, size_t n) {
        if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
                return parser_fail(p, -EBADMSG, "the status line does not start with HTTP/1.0 or HTTP/1.1");
        if (l[9] < '1' || l[9] > '9' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9' ||
            (n > 12 && l[12] != ' '))
                return parser_fail(p, -EBADMSG, "the status code is not three digits");
        for (size_t i = 12; i < n; i++)
                if (!is_field_vchar(l[i]))
                        return parser_fail(p, -EBADMSG, "the status line contains a control character");
        p->pending_status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
        /* 101 would switch to a protocol we never asked for. */
        if (p->pending_status == 101)
                return parser_fail(p, -EBADMSG, "unrequested protocol switch (HTTP 101)");
        p->have_length = p->chunked = false;
        p->state = HTTP_PARSER_HEADER_LINE;
        return 0;
}

static int parse_content_length(HttpParser *p, const char *v, size_t n) {
        uint64_t x = 0;

        if (n == 0)
                return parser_fail(p, -EBADMSG, "empty Content-Length");
        for (size_t i = 0; i < n; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return parser_fail(p, -EBADMSG, "Content-Length is not a decimal number");
                unsigned d = v[i] - '0';

                if (x > (UINT64_MAX - d) / 10)
                        return parser_fail(p, -EBADMSG, "Content-Length does not fit in 64 bits");
                x = x * 10 + d;
        }
        if (p->have_length && p->length != x)
                return parser_fail(p, -EBADMSG, "conflicting Content-Length headers");
        p->have_length = true;
        p->length = x;
        return 0;
}

static int parse_header_line(HttpParser *p, const char *l, size_t n) {
        const char *colon, *v;
        size_t name_len, value_len;

        if (l[0] == ' ' || l[0] == '\t')
                return parser_fail(p, -EBADMSG, "folded header line (obs-fold)");
        colon = memchr(l, ':', n);
        if (!colon || colon == l)
                return parser_fail(p, -EBADMSG, "a header line lacks a name and colon");
        name_len = colon - l;
        for (size_t i = 0; i < name_len; i++)
                if (!is_tchar(l[i]))
                        return parser_fail(p, -EBADMSG, "invalid character in a header name");
        v = colon + 1;
        value_len = n - name_len - 1;
        for (size_t i = 0; i < value_len; i++)
                if (!is_field_vchar(v[i]))
                        return parser_fail(p, -EBADMSG, "control character in a header value");
        while (value_len > 0 && (*v == ' ' || *v == '\t'))
                v++, value_len--;
        while (value_len > 0 && (v[value_len - 1] == ' ' || v[value_len - 1] == '\t'))
                value_len--;

        if (name_len == 14 && strncasecmp(l, "Content-Length", 14) == 0)
                return parse_content_length(p, v, value_len);
        if (name_len == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
                /* We send no TE header, so chunked is the only coding a server may use. */
                if (p->chunked)
                        return parser_fail(p, -EBADMSG, "more than one Transfer-Encoding header");
                if (value_len != 7 || strncasecmp(v, "chunked", 7) != 0)
                        return parser_fail(p, -EBADMSG, "unsupported Transfer-Encoding");
                p->chunked = true;
        }
        return 0;
}

static int headers_complete(HttpParser *p) {
        if (p->pending_status < 200) {
                /* An interim response (100 Continue, 103 Early Hints): the real one follows. */
                p->state = HTTP_PARSER_STATUS_LINE;
                return 0;
        }
        p->status = p->pending_status;

        /* Both would allow request smuggling or response splitting (RFC 9112 6.3). */
        if (p->chunked && p->have_length)
                return parser_fail(p, -EBADMSG, "both Transfer-Encoding and Content-Length");
        if (p->status == 204 || p->status == 304) {
                p->state = HTTP_PARSER_DONE;
                return 0;
        }
        if (p->chunked) {
                p->state = HTTP_PARSER_CHUNK_SIZE;
                return 0;
        }
        if (!p->have_length) {
                p->state = HTTP_PARSER_BODY_EOF;
                return 0;
        }
        if (p->length > p->max_body)
                return parser_fail(p, -EFBIG, "the announced Content-Length is longer than allowed");
        if (p->length == 0) {
                p->state = HTTP_PARSER_DONE;
                return 0;
        }
        /* Announced and within the limit: one allocation of the right size. */
        if (body_reserve(p, p->length) < 0)
                return parser_fail(p, -ENOMEM, "out of memory");
        p->state = HTTP_PARSER_BODY_LENGTH;
        return 0;
}

/* chunk-size [ BWS ";" chunk-ext ]: strict hex, extensions ignored. */
static int parse_chunk_size(HttpParser *p, const char *l, size_t n) {
        uint64_t x = 0;
        size_t i;

        for (i = 0; i < n; i++) {
                int d = hex_value(l[i]);

                if (d < 0)
                        break;
                if (x > UINT64_MAX >> 4)
                        return parser_fail(p, -EBADMSG, "chunk size does not fit in 64 bits");
                x = x << 4 | (uint64_t) d;
        }
        if (i == 0)
                return parser_fail(p, -EBADMSG, "chunk size is not a hexadecimal number");
        while (i < n && (l[i] == ' ' || l[i] == '\t'))
                i++;
        if (i < n && l[i] != ';')
                return parser_fail(p, -EBADMSG, "garbage after the chunk size");
        for (; i < n; i++)
                if (!is_field_vchar(l[i]))
                        return parser_fail(p, -EBADMSG, "control character in a chunk extension");

        if (x == 0) {
                p->state = HTTP_PARSER_TRAILER;
                return 0;
        }
        if (x > p->max_body - p->body_size)
                return parser_fail(p, -EFBIG, "the chunked body is longer than allowed");
        p->length = x;
        p->state = HTTP_PARSER_CHUNK_DATA;
        return 0;
}

static int process_line(HttpParser *p, const char *l, size_t n) {
        /* The line came without its LF; a CR before it is part of the terminator,
         * one anywhere else is not allowed (RFC 9112 2.2). */
        if (n > 0 && l[n - 1] == '\r')
                n--;
        if (memchr(l, '\r', n))
                return parser_fail(p, -EBADMSG, "bare CR in a line");

        switch (p->state) {
        case HTTP_PARSER_STATUS_LINE:
                return parse_status_line(p, l, n);
        case HTTP_PARSER_HEADER_LINE:
                return n == 0 ? headers_complete(p) : parse_header_line(p, l, n);
        case HTTP_PARSER_CHUNK_SIZE:
                return parse_chunk_size(p, l, n);
        case HTTP_PARSER_TRAILER:
                /* Trailer fields are skipped; they cannot change what we use. */
                if (n == 0)
                        p->state = HTTP_PARSER_DONE;
                return 0;
        default:
                assert(false);
                return -EINVAL;
        }
}

/* Takes bytes up to and including the next LF into p->line; *ret_used says
 * how many were taken. Returns 1 when a whole line is there. */
static int take_line(HttpParser *p, const char *data, size_t size, size_t *ret_used) {
        const char *lf = memchr(data, '\n', size);
        size_t n = lf ? (size_t) (lf - data) : size, limit = HTTP_LINE_MAX;
        bool header = p->state != HTTP_PARSER_CHUNK_SIZE;

        if (header) {
                if (n + !!lf > p->header_left)
                        return parser_fail(p, -EBADMSG, "the response headers are too long");
                p->header_left -= n + !!lf;
        }
        if (n > limit - p->line_size)
                return parser_fail(p, -EBADMSG,
                                   header ? "a header line is too long" : "a chunk-size line is too long");
        memcpy(p->line + p->line_size, data, n);
        p->line_size += n;
        *ret_used = n + !!lf;
        return !!lf;
}

int http_parser_feed(HttpParser *p, const char *data, size_t size) {
        int r;

        assert(p);
        assert(data || size == 0);

        while (size > 0 || p->state == HTTP_PARSER_DONE || p->state == HTTP_PARSER_FAILED) {
                size_t n;

                switch (p->state) {
                case HTTP_PARSER_STATUS_LINE:
                case HTTP_PARSER_HEADER_LINE:
                case HTTP_PARSER_CHUNK_SIZE:
                case HTTP_PARSER_TRAILER:
                        r = take_line(p, data, size, &n);
                        if (r < 0)
                                return r;
                        data += n;
                        size -= n;
                        /* Something else than HTTP (another service on the port) is
                         * known from its first bytes, whether or not a line ends. */
                        if (p->state == HTTP_PARSER_STATUS_LINE &&
                            memcmp(p->line, "HTTP/1.", p->line_size < 7 ? p->line_size : 7) != 0)
                                return parser_fail(p, -EBADMSG, "the response does not start with HTTP/1.");
                        if (r > 0) {
                                r = process_line(p, p->line, p->line_size);
                                p->line_size = 0;
                                if (r < 0)
                                        return r;
                        }
                        break;

                case HTTP_PARSER_BODY_LENGTH:
                case HTTP_PARSER_CHUNK_DATA:
                        n = size < p->length ? size : (size_t) p->length;
                        r = body_append(p, data, n);
                        if (r < 0)
                                return r;
                        data += n;
                        size -= n;
                        p->length -= n;
                        if (p->length == 0) {
                                p->state = p->state == HTTP_PARSER_CHUNK_DATA ? HTTP_PARSER_CHUNK_DATA_END
                                                                              : HTTP_PARSER_DONE;
                                p->saw_cr = false;
                        }
                        break;

                case HTTP_PARSER_CHUNK_DATA_END:
                        if (*data == '\r' && !p->saw_cr)
                                p->saw_cr = true;
                        else if (*data == '\n')
                                p->state = HTTP_PARSER_CHUNK_SIZE;
                        else
                                return parser_fail(p, -EBADMSG, "chunk data is not followed by CRLF");
                        data++;
                        size--;
                        break;

                case HTTP_PARSER_BODY_EOF:
                        r = body_append(p, data, size);
                        if (r < 0)
                                return r;
                        size = 0;
                        break;

                case HTTP_PARSER_DONE:
                        return 0;

                case HTTP_PARSER_FAILED:
                        return p->error;
                }
        }
        return -EAGAIN;
}

int http_parser_eof(HttpParser *p) {
        assert(p);

        switch (p->state) {
        case HTTP_PARSER_BODY_EOF:
                p->state = HTTP_PARSER_DONE;
                return 0;
        case HTTP_PARSER_DONE:
                return 0;
        case HTTP_PARSER_FAILED:
                return p->error;
        default:
                /* Not a parser failure: the caller says how the connection ended. */
                return -EIO;
        }
}

int http_response_parse(const char *buf, size_t size, bool eof, size_t max_body, HttpParsed *ret) {
        _cleanup_free_ HttpParser *p = NULL;
        int r;

        assert(buf || size == 0);
        assert(ret);

        *ret = (HttpParsed) {};
        p = malloc(sizeof *p);
        if (!p)
                return -ENOMEM;
        http_parser_init(p, max_body);
        r = http_parser_feed(p, buf, size);
        if (r == -EAGAIN && eof)
                r = http_parser_eof(p);
        ret->status = p->status;
        if (r >= 0) {
                ret->body = TAKE_PTR(p->body);
                ret->size = p->body_size;
        }
        http_parser_done(p);
        return r;
}

/* ---- The request ---- */

static bool ascii_printable(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] <= ' ' || s[i] >= 0x7f)
                        return false;
        return true;
}

int http_loopback_target(const char *url, HttpLoopbackTarget *ret) {
        const char *p, *host, *port = NULL, *path;
        size_t authority_len, host_len, port_len = 0, query;
        HttpLoopbackTarget t = {};

        assert(url);
        assert(ret);

        p = startswith(url, "http://");
        if (!p)
                return 0;
        authority_len = strcspn(p, "/?#");
        host = p;
        if (host[0] == '[') {
                const char *close = memchr(host, ']', authority_len);

                if (!close)
                        return 0;
                host_len = close - host + 1;
        } else {
                const char *colon = memchr(host, ':', authority_len);

                host_len = colon ? (size_t) (colon - host) : authority_len;
        }
        if (host_len < authority_len) {
                if (host[host_len] != ':')
                        return 0;
                port = host + host_len + 1;
                port_len = authority_len - host_len - 1;
        }
        if (host_len == 0 || host_len >= sizeof t.host)
                return 0; /* also rejects user names: "user@127.0.0.1" is too long or not an address */
        memcpy(t.host, host, host_len);

        if (streq(t.host, "[::1]")) {
                t.addr.in6 = (struct sockaddr_in6) {
                        .sin6_family = AF_INET6,
                        .sin6_addr = IN6ADDR_LOOPBACK_INIT,
                };
                t.addr_len = sizeof t.addr.in6;
        } else {
                struct in_addr a;

                /* No resolver: localhost is 127.0.0.1 (RFC 6761 6.3). inet_pton() takes
                 * dotted decimal only, so "127.1" or "0x7f.0.0.1" stay with libcurl. */
                if (strcasecmp(t.host, "localhost") == 0)
                        a.s_addr = htonl(INADDR_LOOPBACK);
                else if (inet_pton(AF_INET, t.host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
                        return 0;
                t.addr.in = (struct sockaddr_in) { .sin_family = AF_INET, .sin_addr = a };
                t.addr_len = sizeof t.addr.in;
        }

        if (port) {
                unsigned v = 0;

                if (port_len == 0 || port_len > 5 || port[0] == '0')
                        return 0;
                for (size_t i = 0; i < port_len; i++) {
                        if (port[i] < '0' || port[i] > '9')
                                return 0;
                        v = v * 10 + (unsigned) (port[i] - '0');
                }
                if (v > 65535)
                        return 0;
                t.port = (uint16_t) v;
        } else
                t.port = 80;
        if (t.addr.sa.sa_family == AF_INET6)
                t.addr.in6.sin6_port = htons(t.port);
        else
                t.addr.in.sin_port = htons(t.port);

        path = p + authority_len;
        t.path = path;
        t.path_len = strcspn(path, "#");
        query = strcspn(path, "?#");
        /* libcurl would percent-encode or refuse odd bytes and remove dot segments. */
        if (!ascii_printable(path, t.path_len))
                return 0;
        for (size_t i = 0; i < query; i++) {
                size_t segment;

                if (path[i] != '/')
                        continue;
                segment = strcspn(path + i + 1, "/?#");
                if ((segment == 1 && path[i + 1] == '.') ||
                    (segment == 2 && path[i + 1] == '.' && path[i + 2] == '.'))
                        return 0;
        }

        *ret = t;
        return 1;
}

static bool header_is(const char *h, size_t name_len, const char *name) {
        return strlen(name) == name_len && strncasecmp(h, name, name_len) == 0;
}

/* Our own headers, in libcurl's order, each unless the caller gives it (a
 * caller's "Name:" without a value removes it, as with libcurl). */
enum {
        OWN_HOST,
        OWN_USER_AGENT,
        OWN_ACCEPT,
        _OWN_MAX,
};

static const char *const own_header_names[_OWN_MAX] = {
        [OWN_HOST] = "Host",
        [OWN_USER_AGENT] = "User-Agent",
        [OWN_ACCEPT] = "Accept",
};

typedef struct Text {
        char *data;
        size_t size, allocated;
} Text;

static int text_add(Text *t, const char *s, size_t n) {
        if (t->allocated - t->size < n + 1) {
                size_t want = t->allocated ? t->allocated : 512;
                char *d;

                while (want - t->size < n + 1)
                        want *= 2;
                d = realloc(t->data, want);
                if (!d)
                        return -ENOMEM;
                t->data = d;
                t->allocated = want;
        }
        memcpy(t->data + t->size, s, n);
        t->size += n;
        t->data[t->size] = 0;
        return 0;
}

static int text_adds(Text *t, const char *s) {
        return text_add(t, s, strlen(s));
}

/* Checks the caller's headers; says which of ours they replace or remove. */
static int check_headers(const char *const *headers, bool own_replaced[_OWN_MAX], const char **ret_bad) {
        for (const char *const *h = headers; h && *h; h++) {
                const char *colon = strchr(*h, ':');
                size_t name_len;

                *ret_bad = *h;
                if (!colon || colon == *h)
                        return -EINVAL;
                name_len = colon - *h;
                for (size_t i = 0; i < name_len; i++)
                        if (!is_tchar((*h)[i]))
                                return -EINVAL;
                /* A line break would start a header, or a request, of the caller's making. */
                for (const char *c = colon + 1; *c; c++)
                        if (!is_field_vchar(*c))
                                return -EINVAL;
                /* This client frames the message itself. */
                if (header_is(*h, name_len, "Content-Length") ||
                    header_is(*h, name_len, "Transfer-Encoding") ||
                    header_is(*h, name_len, "Connection"))
                        return -EINVAL;
                for (size_t i = 0; i < _OWN_MAX; i++)
                        if (header_is(*h, name_len, own_header_names[i]))
                                own_replaced[i] = true;
        }
        *ret_bad = NULL;
        return 0;
}

static int build_request(const HttpRequest *req, const HttpLoopbackTarget *t, bool post, Text *ret,
                         const char **ret_bad) {
        bool own_replaced[_OWN_MAX] = {};
        char line[64];
        int r;

        r = check_headers(req->headers, own_replaced, ret_bad);
        if (r < 0)
                return r;

        if (text_adds(ret, req->method) < 0 || text_adds(ret, " ") < 0 ||
            (t->path_len == 0 || t->path[0] == '?' ? text_adds(ret, "/") : 0) < 0 ||
            text_add(ret, t->path, t->path_len) < 0 || text_adds(ret, " HTTP/1.1\r\n") < 0)
                return -ENOMEM;
        if (!own_replaced[OWN_HOST]) {
                if (t->port == 80)
                        snprintf(line, sizeof line, "Host: %s\r\n", t->host);
                else
                        snprintf(line, sizeof line, "Host: %s:%u\r\n", t->host, t->port);
                if (text_adds(ret, line) < 0)
                        return -ENOMEM;
        }
        if (!own_replaced[OWN_USER_AGENT] &&
            text_adds(ret, "User-Agent: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n") < 0)
                return -ENOMEM;
        if (!own_replaced[OWN_ACCEPT] && text_adds(ret, "Accept: */*\r\n") < 0)
                return -ENOMEM;
        if (post) {
                snprintf(line, sizeof line, "Content-Length: %zu\r\n", req->body_size);
                if (text_adds(ret, line) < 0)
                        return -ENOMEM;
        }
        if (text_adds(ret, "Connection: close\r\n") < 0)
                return -ENOMEM;
        for (const char *const *h = req->headers; h && *h; h++) {
                const char *v = strchr(*h, ':') + 1;

                v += strspn(v, " \t");
                if (!*v)
                        continue; /* "Name:" only removes ours */
                if (text_adds(ret, *h) < 0 || text_adds(ret, "\r\n") < 0)
                        return -ENOMEM;
        }
        return text_adds(ret, "\r\n");
}

/* ---- The exchange ---- */

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

/* Waits for events on fd until deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, uint64_t deadline) {
        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = events };
                uint64_t now = now_usec();
                int n;

                if (now >= deadline)
                        return -ETIMEDOUT;
                n = poll(&pfd, 1, (int) ((deadline - now + 999) / 1000));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n > 0)
                        return 0;
        }
}

typedef struct Exchange {
        const HttpLoopbackTarget *target;
        HttpResponse *ret;
        uint64_t start;
} Exchange;

static int fail(const Exchange *x, int r, const char *format, ...) _printf_(3, 4);
static int fail(const Exchange *x, int r, const char *format, ...) {
        char message[512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(message, sizeof message, format, ap);
        va_end(ap);
        free(x->ret->error);
        x->ret->error = strdup(message);
        return r;
}

static long elapsed_ms(const Exchange *x) {
        return (long) ((now_usec() - x->start) / 1000U);
}

static int connect_to(const Exchange *x, uint64_t deadline, int *ret_fd) {
        const HttpLoopbackTarget *t = x->target;
        _cleanup_close_ int fd = -1;
        socklen_t len = sizeof(int);
        int r, error = 0;

        fd = socket(t->addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return fail(x, errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : -EIO,
                            "Failed to create a socket for %s port %u: %m", t->host, t->port);
        if (connect(fd, &t->addr.sa, t->addr_len) < 0) {
                if (errno != EINPROGRESS)
                        /* Every connect() failure, as libcurl's CURLE_COULDNT_CONNECT. */
                        return fail(x, -ECONNREFUSED, "Failed to connect to %s port %u: %m",
                                    t->host, t->port);
                r = wait_fd(fd, POLLOUT, deadline);
                if (r == -ETIMEDOUT)
                        return fail(x, r, "Connection to %s port %u timed out after %ld ms",
                                    t->host, t->port, elapsed_ms(x));
                if (r < 0)
                        return fail(x, -EIO, "Failed to wait for the connection to %s port %u: %s", t->host,
                                    t->port, strerror(-r));
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                        error = errno;
                if (error != 0)
                        return fail(x, -ECONNREFUSED, "Failed to connect to %s port %u: %s",
                                    t->host, t->port, strerror(error));
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Sends head and body in one go where the socket takes them (no Nagle delay
 * between the two). 0, -ETIMEDOUT, or -errno of the failed send. */
static int send_all(int fd, const char *head, size_t head_size, const void *body, size_t body_size,
                    uint64_t deadline) {
        struct iovec iov[2] = {
                { .iov_base = (void *) head, .iov_len = head_size },
                { .iov_base = (void *) body, .iov_len = body ? body_size : 0 },
        };
        size_t first = 0;

        while (first < ELEMENTSOF(iov)) {
                struct msghdr mh = { .msg_iov = iov + first, .msg_iovlen = ELEMENTSOF(iov) - first };
                ssize_t n;
                int r;

                if (iov[first].iov_len == 0) {
                        first++;
                        continue;
                }
                n = sendmsg(fd, &mh, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t i = first; i < ELEMENTSOF(iov) && n > 0; i++) {
                        size_t k = (size_t) n < iov[i].iov_len ? (size_t) n : iov[i].iov_len;

                        iov[i].iov_base = (char *) iov[i].iov_base + k;
                        iov[i].iov_len -= k;
                        n -= k;
                }
        }
        return 0;
}

static int parser_failed(const Exchange *x, const HttpParser *p, int r) {
        const HttpLoopbackTarget *t = x->target;

        x->ret->status = p->status;
        if (r == -EFBIG)
                return fail(x, r, "Response larger than %zu bytes refused", p->max_body);
        if (r == -ENOMEM)
                return fail(x, r, "Out of memory while receiving the response");
        return fail(x, r, "Malformed HTTP response from %s port %u: %s", t->host, t->port, p->reason);
}

static int receive(const Exchange *x, int fd, HttpParser *p, uint64_t deadline, int send_error) {
        const HttpLoopbackTarget *t = x->target;
        uint64_t received = 0;
        char buf[64 * 1024];
        int r;

        for (;;) {
                ssize_t n;

                /* Also here, not only in poll(): a peer that always has more
                 * (endless chunk extensions, say) must not outlast the deadline. */
                if (now_usec() >= deadline) {
                        x->ret->status = p->status;
                        return fail(x, -ETIMEDOUT,
                                    "Operation timed out after %ld ms with %" PRIu64
                                    " bytes received from %s port %u",
                                    elapsed_ms(x), received, t->host, t->port);
                }
                n = recv(fd, buf, sizeof buf, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN) {
                                x->ret->status = p->status;
                                if (send_error != 0)
                                        return fail(x, -EIO, "Failed to send the request to %s port %u: %s",
                                                    t->host, t->port, strerror(send_error));
                                return fail(x, -EIO, "Failed to receive the response from %s port %u: %m",
                                            t->host, t->port);
                        }
                        r = wait_fd(fd, POLLIN, deadline);
                        if (r < 0) {
                                x->ret->status = p->status;
                                if (r == -ETIMEDOUT)
                                        return fail(x, r,
                                                    "Operation timed out after %ld ms with %" PRIu64
                                                    " bytes received from %s port %u",
                                                    elapsed_ms(x), received, t->host, t->port);
                                return fail(x, -EIO, "Failed to wait for the response from %s port %u: %s",
                                            t->host, t->port, strerror(-r));
                        }
                        continue;
                }
                if (n == 0) {
                        r = http_parser_eof(p);
                        if (r == -EIO) {
                                x->ret->status = p->status;
                                if (send_error != 0)
                                        return fail(x, r, "Failed to send the request to %s port %u: %s",
                                                    t->host, t->port, strerror(send_error));
                                if (received == 0)
                                        return fail(x, r, "Empty reply: %s port %u closed the connection",
                                                    t->host, t->port);
                                return fail(x, r,
                                            "Connection closed by %s port %u before the end of the response",
                                            t->host, t->port);
                        }
                        return r < 0 ? parser_failed(x, p, r) : 0;
                }
                received += (uint64_t) n;
                r = http_parser_feed(p, buf, (size_t) n);
                if (r != -EAGAIN)
                        return r < 0 ? parser_failed(x, p, r) : 0;
        }
}

int http_request_loopback(const HttpRequest *req, HttpResponse *ret) {
        _cleanup_free_ HttpParser *p = NULL;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *head = NULL;
        HttpLoopbackTarget t;
        Text request = {};
        const char *bad = NULL;
        Exchange x;
        uint64_t deadline, connect_deadline;
        long connect_timeout;
        bool post;
        int r, send_error = 0;

        assert(req);
        assert(req->method);
        assert(req->url);
        assert(req->timeout_ms > 0);
        assert(req->max_response > 0);
        assert(ret);

        *ret = (HttpResponse) {};
        x = (Exchange) { .target = &t, .ret = ret, .start = now_usec() };
        deadline = x.start + (uint64_t) req->timeout_ms * 1000U;
        connect_timeout = req->connect_timeout_ms > 0 && req->connect_timeout_ms < req->timeout_ms ?
                req->connect_timeout_ms : req->timeout_ms;
        connect_deadline = x.start + (uint64_t) connect_timeout * 1000U;

        post = streq(req->method, "POST");
        if ((!post && !streq(req->method, "GET")) || req->use_proxy ||
            http_loopback_target(req->url, &t) <= 0) {
                ret->error = strdup("The request is not a plain HTTP GET or POST to loopback");
                return -EINVAL;
        }

        r = build_request(req, &t, post, &request, &bad);
        head = request.data;
        if (r == -EINVAL) {
                /* The name only: the value may be a token. */
                size_t name_len = strcspn(bad, ":");

                for (size_t i = 0; i < name_len; i++)
                        if (!is_tchar(bad[i]) || i >= 64)
                                return fail(&x, r, "Refusing a request header without a valid name");
                return fail(&x, r,
                            "Refusing request header \"%.*s\": its value has a line break or control "
                            "character, or it frames the message, which this client does itself",
                            (int) name_len, bad);
        }
        if (r < 0)
                return fail(&x, r, "Out of memory");

        p = malloc(sizeof *p);
        if (!p)
                return fail(&x, -ENOMEM, "Out of memory");
        http_parser_init(p, req->max_response);

        r = connect_to(&x, connect_deadline, &fd);
        if (r < 0)
                return r;

        r = send_all(fd, head, request.size, post ? req->body : NULL, post ? req->body_size : 0, deadline);
        if (r == -ETIMEDOUT)
                return fail(&x, r,
                            "Operation timed out after %ld ms while sending the request to %s port %u",
                            elapsed_ms(&x), t.host, t.port);
        /* The server may have answered, and closed, before taking the whole
         * body: its answer is still worth reading. */
        if (r < 0)
                send_error = -r;

        r = receive(&x, fd, p, deadline, send_error);
        if (r < 0) {
                http_parser_done(p);
                return r;
        }
        ret->status = p->status;
        ret->body = TAKE_PTR(p->body);
        ret->size = p->body_size;
        return 0;
}
