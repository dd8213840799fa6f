/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "http/http.h"
#include "http/url.h"
#include "shared/env-util.h"
#include "shared/macro.h"
#include "shared/strv.h"
#include "upload/upload.h"

/* The endpoint's answer is not used; this only bounds what is held. */
#define UPLOAD_MAX_RESPONSE (64U * 1024U)
#define ADDITIONAL_URLS "RAY_USAGE_STATS_ADDITIONAL_URLS"

bool upload_url_is_rays(const char *url) {
        return url && streq(url, UPLOAD_DEFAULT_URL);
}

const char *upload_url(void) {
        return env_get_or("RAY_USAGE_STATS_REPORT_URL", UPLOAD_DEFAULT_URL);
}

int upload_additional_urls(char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **l = NULL;
        const char *e = getenv(ADDITIONAL_URLS), *p;
        char *msg = NULL;
        size_t n = 0;

        assert(ret);

        for (p = e; p && *p;) {
                size_t len;
                char *u;

                p += strspn(p, " \t\n\r\f\v");
                len = strcspn(p, " \t\n\r\f\v");
                if (len == 0)
                        break;
                u = strndup(p, len);
                if (!u || strv_push(&l, u) < 0) {
                        free(u);
                        return -ENOMEM;
                }
                p += len;
                if (++n > UPLOAD_ADDITIONAL_MAX) {
                        if (ret_error && asprintf(&msg, "Invalid %s: more than %d URLs; give at most %d.",
                                                  ADDITIONAL_URLS, UPLOAD_ADDITIONAL_MAX, UPLOAD_ADDITIONAL_MAX) < 0)
                                return -ENOMEM;
                        goto invalid;
                }
                if (!http_url_is_valid(u)) {
                        /* The URL itself may hold a password: it is not echoed. */
                        if (ret_error && asprintf(&msg, "Invalid %s: URL number %zu is not an http:// or https:// "
                                                  "URL with a host.", ADDITIONAL_URLS, n) < 0)
                                return -ENOMEM;
                        goto invalid;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;

invalid:
        if (ret_error)
                *ret_error = msg;
        return -EINVAL;
}

void upload_results_free(UploadResult *r, size_t n) {
        for (size_t i = 0; r && i < n; i++)
                free(r[i].error);
        free(r);
}

/* The outcome of one POST, in the terms of upload_report(). */
static int result_of(const char *url, int r, HttpResponse *resp, UploadResult *ret) {
        _cleanup_free_ char *shown = NULL;

        /* A 2xx whose body we cut off is still an accepted report. */
        if (r == -EFBIG && resp->status >= 200 && resp->status < 300)
                r = 0;
        if (r >= 0 && (resp->status < 200 || resp->status > 299))
                r = -EREMOTEIO;

        *ret = (UploadResult) { .r = r, .status = resp->status };
        if (r >= 0 || r == -ENOMEM)
                return r;
        shown = http_url_redact(url);
        if (!shown ||
            (r == -EREMOTEIO ?
             asprintf(&ret->error, "HTTP %ld from %s", resp->status, shown) :
             asprintf(&ret->error, "Failed to send the report to %s: %s", shown, resp->error ?: strerror(-r))) < 0) {
                ret->error = NULL;
                return ret->r = -ENOMEM;
        }
        return r;
}

int upload_report_all(const char *url, char *const *extra, const char *body, size_t size,
                      UploadResult **ret_results) {
        static const char *const headers[] = { "Content-Type: application/json", NULL };
        _cleanup_free_ HttpRequest *reqs = NULL;
        _cleanup_free_ HttpResponse *resps = NULL;
        _cleanup_free_ int *rs = NULL;
        const char *ca = env_get_or("RAY_USAGE_STATS_CA_BUNDLE", NULL);
        size_t n = 1 + strv_length(extra);
        UploadResult *results;
        int r = 0;

        assert(url);
        assert(body || size == 0);
        assert(ret_results);

        *ret_results = NULL;
        reqs = calloc(n, sizeof *reqs);
        resps = calloc(n, sizeof *resps);
        rs = calloc(n, sizeof *rs);
        results = calloc(n, sizeof *results);
        if (!reqs || !resps || !rs || !results) {
                free(results);
                return -ENOMEM;
        }

        for (size_t i = 0; i < n; i++) {
                const char *u = i == 0 ? url : extra[i - 1];

                reqs[i] = (HttpRequest) {
                        .method = "POST",
                        .url = u,
                        .headers = headers,
                        .body = body,
                        .body_size = size,
                        .timeout_ms = UPLOAD_TIMEOUT_MS,
                        .max_response = UPLOAD_MAX_RESPONSE,
                        /* A private CA is for private endpoints, never Ray's own. */
                        .ca_bundle = streq(u, UPLOAD_DEFAULT_URL) ? NULL : ca,
                        .use_proxy = true,
                };
        }

        http_request_parallel(reqs, n, resps, rs);

        for (size_t i = 0; i < n; i++) {
                if (result_of(reqs[i].url, rs[i], &resps[i], &results[i]) == -ENOMEM)
                        r = -ENOMEM;
                http_response_done(&resps[i]);
        }
        *ret_results = results;
        return r;
}

int upload_report(const char *url, const char *body, size_t size, long *ret_status, char **ret_error) {
        UploadResult *res;
        int r;

        assert(url);

        r = upload_report_all(url, NULL, body, size, &res);
        if (!res)
                return r;
        if (ret_status)
                *ret_status = res[0].status;
        if (ret_error)
                *ret_error = TAKE_PTR(res[0].error);
        r = res[0].r;
        upload_results_free(res, 1);
        return r;
}
