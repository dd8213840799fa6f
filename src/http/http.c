/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <time.h>

#include "http/curl-dl.h"
#include "http/http.h"
#include "http/tcp-owner.h"
#include "shared/alloc-util.h"
#include "shared/macro.h"

typedef struct Buffer {
        char *data;
        size_t size;
        size_t allocated;
        size_t max;
        bool too_big;
        bool oom;
        size_t header_size;
        bool header_too_big;
} Buffer;

/* The status and header lines of one response, interim ones and trailers
 * included, may take this much at most (libcurl's own limits are larger). */
#define HTTP_HEADER_MAX (64U * 1024U)

/* What the pre-request callback found out about the peer. */
typedef struct PeerCheck {
        const HttpRequest *req;
        int error;              /* why the request was stopped before it was sent, or 0 */
        char message[256];
} PeerCheck;

static size_t write_callback(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Buffer *b = userdata;
        size_t n = size * nmemb;

        /* Returning less than n makes libcurl abort the transfer with
         * CURLE_WRITE_ERROR: a peer that sends more than we agreed to hold
         * is cut off instead of being buffered. */
        if (n > b->max - b->size) {
                b->too_big = true;
                return 0;
        }
        if (GREEDY_REALLOC_MAX(b->data, b->allocated, b->size + n + 1, b->max + 1) < 0) {
                b->oom = true;
                return 0;
        }
        memcpy(b->data + b->size, ptr, n);
        b->size += n;
        b->data[b->size] = 0;
        return n;
}

/* libcurl sends custom headers as they are: a line break in one would
 * start another header, or another request, of the caller's (or a token
 * file's) making. A name of RFC 9110 token characters, a colon, and a value
 * of visible characters, spaces and tabs. */
static bool header_is_valid(const char *h, size_t *ret_name_len) {
        size_t name_len = strspn(h, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

        *ret_name_len = name_len;
        if (name_len == 0 || h[name_len] != ':')
                return false;
        for (const char *c = h + name_len + 1; *c; c++)
                if (((unsigned char) *c < 0x20 && *c != '\t') || *c == 0x7f)
                        return false;
        return true;
}

static size_t header_callback(char *ptr _unused_, size_t size, size_t nmemb, void *userdata) {
        Buffer *b = userdata;
        size_t n = size * nmemb;

        if (n > HTTP_HEADER_MAX - b->header_size) {
                b->header_too_big = true;
                return 0;
        }
        b->header_size += n;
        return n;
}

static int peer_failed(PeerCheck *p, int error, const char *format, ...) _printf_(3, 4);
static int peer_failed(PeerCheck *p, int error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(p->message, sizeof p->message, format, ap);
        va_end(ap);
        p->error = error;
        return CURL_PREREQFUNC_ABORT;
}

/* Called once the connection stands and before the first byte of the
 * request goes out: the only moment at which refusing the peer keeps the
 * request, and the token in it, from reaching whoever listens there. */
static int prereq_callback(void *userdata, char *peer_ip, char *local_ip, int peer_port, int local_port) {
        PeerCheck *p = userdata;
        TcpEndpoint ours, theirs;
        TcpPeer peer = {};
        int r = -ESRCH;

        if (tcp_endpoint_from_string(peer_ip, peer_port, &theirs) < 0 ||
            tcp_endpoint_from_string(local_ip, local_port, &ours) < 0)
                return peer_failed(p, -EPERM,
                                   "Refusing to send to %s port %d: the connection's addresses are unknown",
                                   peer_ip, peer_port);

        /* The server's end of a fresh connection is half-open (SYN_RECV, no
         * owner yet) until the kernel has handled our ACK, a matter of
         * microseconds on loopback. */
        for (int attempt = 0; attempt < 10; attempt++) {
                r = tcp_peer(&ours, &theirs, &peer);
                if (r < 0 ? r != -ESRCH : peer.state != TCP_STATE_SYN_RECV)
                        break;
                (void) nanosleep(&(struct timespec) { .tv_nsec = 1000 * 1000 }, NULL);
        }
        if (r == -ESRCH)
                return peer_failed(p, -EPERM,
                                   "Refusing to send to %s port %d: no local socket owns that end of the "
                                   "connection (not a process of this machine)", peer_ip, peer_port);
        if (r < 0)
                return peer_failed(p, -EPERM, "Refusing to send to %s port %d: cannot find who owns it: %s",
                                   peer_ip, peer_port, strerror(-r));
        if (peer.state != TCP_STATE_ESTABLISHED)
                return peer_failed(p, -EPERM,
                                   "Refusing to send to %s port %d: its end of the connection is not "
                                   "established (TCP state %u)", peer_ip, peer_port, peer.state);
        if (peer.uid != 0 && peer.uid != p->req->peer_owner)
                return peer_failed(p, -EPERM,
                                   "Refusing to send to %s port %d: it is owned by uid %u, not by the Ray "
                                   "user (uid %u) or root", peer_ip, peer_port, (unsigned) peer.uid,
                                   (unsigned) p->req->peer_owner);
        return CURL_PREREQFUNC_OK;
}

static int global_init(void) {
        /* The program is single-threaded: a plain flag suffices, and
         * sym_curl_global_init() must run once before any handle exists. */
        static CURLcode result = CURLE_FAILED_INIT;
        static bool done = false;

        if (!done) {
                result = curl_dl_open() < 0 ? CURLE_FAILED_INIT : sym_curl_global_init(CURL_GLOBAL_DEFAULT);
                done = true;
        }
        return result == CURLE_OK ? 0 : -ENOMEM;
}

static int curl_code_to_errno(CURLcode code) {
        switch (code) {
        case CURLE_OK:
                return 0;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_FILESIZE_EXCEEDED:
                return -EFBIG;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_WEIRD_SERVER_REPLY:
                return -EBADMSG;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
                return -EPROTO;
        default:
                return -EIO;
        }
}

#define SETOPT(h, opt, val)                                     \
        do {                                                    \
                if (sym_curl_easy_setopt(h, opt, val) != CURLE_OK)  \
                        return -EIO;                            \
        } while (0)

static int setup(CURL *h, const HttpRequest *req, struct curl_slist *headers, Buffer *buf, PeerCheck *peer,
                 char *errbuf) {
        long connect_timeout = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : req->timeout_ms;

        SETOPT(h, CURLOPT_URL, req->url);
        SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
        /* No SIGALRM for resolver timeouts: not thread-safe, and it would
         * disturb the caller's own signal handling. */
        SETOPT(h, CURLOPT_NOSIGNAL, 1L);
        SETOPT(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
        SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
#if LIBCURL_VERSION_NUM >= 0x075500
        SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        SETOPT(h, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        /* A redirect could carry a dashboard token to another host. */
        SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
        SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
        SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (req->ca_bundle)
                SETOPT(h, CURLOPT_CAINFO, req->ca_bundle);
        /* An empty proxy overrides http_proxy & co.: loopback and cloud
         * metadata must never be sent through a proxy. */
        if (!req->use_proxy)
                SETOPT(h, CURLOPT_PROXY, "");
        /* A peer that announces a bigger body is refused before it is read. */
        SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) req->max_response);
        SETOPT(h, CURLOPT_WRITEFUNCTION, write_callback);
        SETOPT(h, CURLOPT_WRITEDATA, buf);
        SETOPT(h, CURLOPT_HEADERFUNCTION, header_callback);
        SETOPT(h, CURLOPT_HEADERDATA, buf);
        SETOPT(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
        if (headers)
                SETOPT(h, CURLOPT_HTTPHEADER, headers);
        /* No way to check the owner means no request: a libcurl older than
         * 7.80 lacks the option and refuses it here. */
        if (req->check_peer_owner) {
                SETOPT(h, CURLOPT_PREREQFUNCTION, prereq_callback);
                SETOPT(h, CURLOPT_PREREQDATA, peer);
        }

        if (streq(req->method, "POST")) {
                SETOPT(h, CURLOPT_POST, 1L);
                SETOPT(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
                SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_size);
        } else if (streq(req->method, "GET"))
                SETOPT(h, CURLOPT_HTTPGET, 1L);
        else
                return -EINVAL;

        return 0;
}

static int fail(HttpResponse *ret, int r, const char *message) {
        free(ret->error);
        ret->error = strdup(message);
        return r;
}

/* One transfer of http_request_parallel(). */
typedef struct Transfer {
        CURL *handle;
        struct curl_slist *headers;
        Buffer buf;
        PeerCheck peer;
        char errbuf[CURL_ERROR_SIZE];
        bool added;
} Transfer;

static void transfer_done(CURLM *multi, Transfer *t) {
        if (t->added)
                (void) sym_curl_multi_remove_handle(multi, t->handle);
        if (t->handle)
                sym_curl_easy_cleanup(t->handle);
        if (t->headers)
                sym_curl_slist_free_all(t->headers);
        free(t->buf.data);
        *t = (Transfer) {};
}

static int transfer_prepare(Transfer *t, const HttpRequest *req, HttpResponse *ret) {
        int r;

        assert(req->method);
        assert(req->url);
        assert(req->timeout_ms > 0);
        assert(req->max_response > 0); /* 0 would mean "no limit" to CURLOPT_MAXFILESIZE */

        t->buf.max = req->max_response;
        t->handle = sym_curl_easy_init();
        if (!t->handle)
                return fail(ret, -ENOMEM, "Failed to allocate a libcurl handle");

        for (const char *const *hdr = req->headers; hdr && *hdr; hdr++) {
                struct curl_slist *l;
                size_t name_len;

                if (!header_is_valid(*hdr, &name_len)) {
                        char msg[160];

                        /* The name only: the value may be a token. */
                        if (name_len == 0 || name_len > 64)
                                return fail(ret, -EINVAL, "Refusing a request header without a valid name");
                        snprintf(msg, sizeof msg,
                                 "Refusing request header \"%.*s\": its value has a line break or control "
                                 "character", (int) name_len, *hdr);
                        return fail(ret, -EINVAL, msg);
                }
                l = sym_curl_slist_append(t->headers, *hdr);
                if (!l)
                        return fail(ret, -ENOMEM, "Out of memory");
                t->headers = l;
        }
        if (streq(req->method, "POST")) {
                /* Without this, libcurl waits up to a second for a "100
                 * Continue" that simple servers never send. */
                struct curl_slist *l = sym_curl_slist_append(t->headers, "Expect:");
                if (!l)
                        return fail(ret, -ENOMEM, "Out of memory");
                t->headers = l;
        }

        t->peer.req = req;
        r = setup(t->handle, req, t->headers, &t->buf, &t->peer, t->errbuf);
        if (r < 0)
                return fail(ret, r, "Failed to set up the libcurl request");
        return 0;
}

static int transfer_finish(Transfer *t, const HttpRequest *req, CURLcode code, HttpResponse *ret) {
        (void) sym_curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &ret->status);

        if (t->peer.error < 0)
                return fail(ret, t->peer.error, t->peer.message);
        if (t->buf.header_too_big)
                return fail(ret, -EBADMSG, "Response header larger than 64 KiB refused");
        if (t->buf.too_big || code == CURLE_FILESIZE_EXCEEDED) {
                char msg[128];

                snprintf(msg, sizeof msg, "Response larger than %zu bytes refused", req->max_response);
                return fail(ret, -EFBIG, msg);
        }
        if (t->buf.oom)
                return fail(ret, -ENOMEM, "Out of memory while receiving the response");
        if (code != CURLE_OK)
                return fail(ret, curl_code_to_errno(code), t->errbuf[0] ? t->errbuf : sym_curl_easy_strerror(code));

        ret->body = TAKE_PTR(t->buf.data);
        ret->size = t->buf.size;
        return 0;
}

static void multi_cleanupp(CURLM **m) {
        if (*m)
                sym_curl_multi_cleanup(*m);
}

void http_request_parallel(const HttpRequest *reqs, size_t n, HttpResponse *rets, int *results) {
        _cleanup_(multi_cleanupp) CURLM *multi = NULL;
        _cleanup_free_ Transfer *t = NULL;
        size_t pending = 0;
        int r, running;

        assert(reqs || n == 0);
        assert(rets || n == 0);
        assert(results || n == 0);

        for (size_t i = 0; i < n; i++) {
                rets[i] = (HttpResponse) {};
                results[i] = -EIO;
        }
        if (n == 0)
                return;

        r = global_init();
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        results[i] = fail(&rets[i], r, "Failed to initialise libcurl");
                return;
        }
        multi = sym_curl_multi_init();
        t = calloc(n, sizeof *t);
        if (!multi || !t) {
                for (size_t i = 0; i < n; i++)
                        results[i] = fail(&rets[i], -ENOMEM, "Out of memory");
                return;
        }

        for (size_t i = 0; i < n; i++) {
                results[i] = transfer_prepare(&t[i], &reqs[i], &rets[i]);
                if (results[i] < 0)
                        continue;
                if (sym_curl_multi_add_handle(multi, t[i].handle) != CURLM_OK) {
                        results[i] = fail(&rets[i], -ENOMEM, "Failed to add a libcurl transfer");
                        continue;
                }
                t[i].added = true;
                results[i] = 1; /* running */
                pending++;
        }

        /* Each transfer has its own CURLOPT_TIMEOUT_MS, so this loop ends
         * when the slowest deadline passes, whatever the peers do. */
        while (pending > 0) {
                CURLMsg *msg;
                int left;

                if (sym_curl_multi_perform(multi, &running) != CURLM_OK ||
                    (running > 0 && sym_curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK))
                        break;
                while ((msg = sym_curl_multi_info_read(multi, &left))) {
                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        for (size_t i = 0; i < n; i++)
                                if (t[i].added && t[i].handle == msg->easy_handle && results[i] == 1) {
                                        results[i] = transfer_finish(&t[i], &reqs[i], msg->data.result, &rets[i]);
                                        pending--;
                                }
                }
                if (running == 0)
                        break; /* every transfer has ended; one without a message is failed below */
        }

        for (size_t i = 0; i < n; i++) {
                if (results[i] == 1)
                        results[i] = fail(&rets[i], -EIO, "libcurl stopped the transfer");
                transfer_done(multi, &t[i]);
        }
}

int http_request(const HttpRequest *req, HttpResponse *ret) {
        int r;

        assert(req);
        assert(ret);

        http_request_parallel(req, 1, ret, &r);
        return r;
}

void http_response_done(HttpResponse *r) {
        if (!r)
                return;
        free(r->body);
        free(r->error);
        *r = (HttpResponse) {};
}

char *http_url_redact(const char *url) {
        CURLU *u;
        char *s = NULL, *ret;

        assert(url);

        if (curl_dl_open() < 0)
                return strdup("the report endpoint");
        u = sym_curl_url();
        if (u && sym_curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            sym_curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
            sym_curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
            sym_curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
                ret = strdup(s);
        else
                ret = strdup("the report endpoint"); /* unparsable: do not echo it */
        sym_curl_free(s);
        sym_curl_url_cleanup(u);
        return ret;
}
