/* SPDX-License-Identifier: MIT */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http/http.h"

/* Internal to src/http: the plain-HTTP/1.1 client that http_request() uses
 * for the dashboard on loopback, so that a run that talks to nothing else
 * never loads libcurl and its thirty-odd libraries. It handles exactly one
 * case: GET or POST to http://127.x.y.z, http://[::1] or http://localhost,
 * no proxy. Everything else goes to libcurl. */

/* The status and header lines of one response (1xx interim ones and chunked
 * trailers included) may take this much at most. */
#define HTTP_HEADER_MAX (64U * 1024U)
/* One such line, or one chunk-size line, at most. */
#define HTTP_LINE_MAX (16U * 1024U)

typedef enum HttpParserState {
        HTTP_PARSER_STATUS_LINE,
        HTTP_PARSER_HEADER_LINE,
        HTTP_PARSER_BODY_LENGTH,
        HTTP_PARSER_BODY_EOF,
        HTTP_PARSER_CHUNK_SIZE,
        HTTP_PARSER_CHUNK_DATA,
        HTTP_PARSER_CHUNK_DATA_END,
        HTTP_PARSER_TRAILER,
        HTTP_PARSER_DONE,
        HTTP_PARSER_FAILED,
} HttpParserState;

/* A push parser for one response to a GET or POST: bytes go in as they
 * arrive, in pieces of any size; the body comes out decoded (chunked or not),
 * NUL-terminated and never longer than max_body. */
typedef struct HttpParser {
        HttpParserState state;
        int error;              /* the failure once state is HTTP_PARSER_FAILED */
        const char *reason;     /* what was wrong, in words (static), or NULL */
        size_t max_body;
        size_t header_left;     /* of HTTP_HEADER_MAX */
        long status;            /* of the final (non-1xx) response, once its headers are complete; else 0 */
        long pending_status;    /* of the status line being parsed */
        bool have_length;
        bool chunked;
        bool saw_cr;            /* HTTP_PARSER_CHUNK_DATA_END: the CR of the CRLF came */
        uint64_t length;        /* Content-Length, then what is left of it or of the chunk */
        char *body;             /* NUL-terminated; NULL while empty */
        size_t body_size;
        size_t body_allocated;
        size_t line_size;
        char line[HTTP_LINE_MAX];
} HttpParser;

void http_parser_init(HttpParser *p, size_t max_body);
void http_parser_done(HttpParser *p);
/* Takes the next size bytes of the response. Returns 0 once the response is
 * complete (later bytes are ignored), -EAGAIN when more are needed, -EFBIG
 * when the body is, or is announced to be, longer than max_body, -EBADMSG
 * for a malformed response (p->reason says how), or -ENOMEM. A failure
 * sticks: later calls return it again. */
int http_parser_feed(HttpParser *p, const char *data, size_t size);
/* The peer closed the connection: 0 when that completes the response (a
 * body without length or chunking ends there), else -EIO (truncated). */
int http_parser_eof(HttpParser *p);

typedef struct HttpParsed {
        long status;    /* as HttpParser.status */
        char *body;     /* NUL-terminated, owned by the caller; NULL when empty or on failure */
        size_t size;
} HttpParsed;

/* The whole response in one buffer (the fuzzer's entry point): eof says
 * whether the connection closed after it. Returns what http_parser_feed()
 * and http_parser_eof() would; *ret is always set. */
int http_response_parse(const char *buf, size_t size, bool eof, size_t max_body, HttpParsed *ret);

typedef struct HttpLoopbackTarget {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } addr;
        socklen_t addr_len;
        char host[16];          /* "127.0.0.1", "[::1]" or "localhost", as the URL spells it */
        uint16_t port;
        const char *path;       /* into the URL: path and query without the fragment; may be empty */
        size_t path_len;
} HttpLoopbackTarget;

/* Whether url is one the loopback client serves exactly as libcurl would:
 * "http://" (lower case), no user name, host 127.x.y.z in dotted decimal,
 * [::1] or localhost, an optional decimal port, and a path of printable
 * ASCII without dot segments (libcurl would rewrite those). 1 and *ret set,
 * or 0. */
int http_loopback_target(const char *url, HttpLoopbackTarget *ret);

/* The two implementations behind http_request(), callable directly by the
 * tests. http_request_loopback() returns -EINVAL for a request it does not
 * serve (see above; also use_proxy or another method). */
int http_request_loopback(const HttpRequest *req, HttpResponse *ret);
int http_request_curl(const HttpRequest *req, HttpResponse *ret);
