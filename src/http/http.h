/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One HTTP exchange through libcurl (loaded on first use, see curl-dl.h),
 * with hard limits: every caller (dashboard, cloud probes, uploader) states
 * its own timeout and response cap, so that no answer from the network can
 * hang the run or exhaust memory. No redirect is followed, only http and
 * https are spoken, and libcurl's own cap on the response header (100 KiB)
 * applies. */

typedef struct HttpRequest {
        const char *method;           /* "GET" or "POST" */
        const char *url;
        const char *const *headers;   /* NULL-terminated "Name: value" list, or NULL */
        const void *body;             /* POST body */
        size_t body_size;
        long timeout_ms;              /* whole exchange */
        long connect_timeout_ms;      /* 0: same as timeout_ms */
        size_t max_response;          /* a bigger body ends the transfer: -EFBIG */
        const char *ca_bundle;        /* NULL: the system's CA store */
        bool use_proxy;               /* honour http(s)_proxy/no_proxy; false for loopback and metadata */
        /* The peer socket (the server's end of the TCP connection, as listed
         * in /proc/net/tcp{,6}) must belong to peer_owner or to root, checked
         * before any byte of the request is sent; otherwise -EPERM and
         * nothing was sent. For a local server only (the dashboard). */
        bool check_peer_owner;
        uid_t peer_owner;
} HttpRequest;

typedef struct HttpResponse {
        long status;                  /* HTTP status, 0 when none arrived */
        char *body;                   /* NUL-terminated; NULL when none */
        size_t size;
        char *error;                  /* transport failure in words (curl's), or NULL */
} HttpResponse;

/* Performs the request; no redirect is followed. Returns 0 when an HTTP
 * response arrived, whatever its status; otherwise a negative errno
 * (-ECONNREFUSED when the connection failed, -ETIMEDOUT when the connect or
 * the whole-exchange deadline passed, -EFBIG for a body over max_response,
 * announced or not, -EPROTO for TLS/verification failures, -EBADMSG for a
 * malformed response or one whose header is over 64 KiB, -EINVAL for a
 * request header with a line break, -EPERM when check_peer_owner refused
 * the peer, -EIO when the connection closed early and for the rest) with
 * ret->error describing it in one line; ret->status is set when a status
 * line arrived. Always fills *ret; free with http_response_done(). */
int http_request(const HttpRequest *req, HttpResponse *ret);

/* The n requests at the same time through libcurl (its multi interface):
 * rets[i] and results[i] (http_request()'s return value) for reqs[i]. Each
 * keeps its own timeout, so all end by the longest one. */
void http_request_parallel(const HttpRequest *reqs, size_t n, HttpResponse *rets, int *results);
void http_response_done(HttpResponse *r);

/* The URL as it may appear in the journal, usage_stats.json and status, which
 * other local users can read: without user name and password. NULL on OOM. */
char *http_url_redact(const char *url);
