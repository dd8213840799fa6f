/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "http/http.h"
#include "shared/env-util.h"
#include "shared/macro.h"
#include "upload/upload.h"

/* The endpoint's answer is not used; this only bounds what is held. */
#define UPLOAD_MAX_RESPONSE (64U * 1024U)

const char *upload_url(void) {
        return env_get_or("RAY_USAGE_STATS_REPORT_URL", UPLOAD_DEFAULT_URL);
}

int upload_report(const char *url, const char *body, size_t size, long *ret_status, char **ret_error) {
        static const char *const headers[] = { "Content-Type: application/json", NULL };
        _cleanup_free_ char *shown = NULL;
        HttpResponse resp;
        char *message = NULL;
        int r;

        assert(url);
        assert(body || size == 0);

        r = http_request(&(HttpRequest) {
                                 .method = "POST",
                                 .url = url,
                                 .headers = headers,
                                 .body = body,
                                 .body_size = size,
                                 .timeout_ms = UPLOAD_TIMEOUT_MS,
                                 .max_response = UPLOAD_MAX_RESPONSE,
                                 .ca_bundle = env_get_or("RAY_USAGE_STATS_CA_BUNDLE", NULL),
                                 .use_proxy = true,
                         },
                         &resp);

        /* A 2xx whose body we cut off is still an accepted report. */
        if (r == -EFBIG && resp.status >= 200 && resp.status < 300)
                r = 0;

        if (ret_status)
                *ret_status = resp.status;

        if (r >= 0 && (resp.status < 200 || resp.status > 299))
                r = -EREMOTEIO;
        if (r < 0 && r != -ENOMEM && ret_error) {
                shown = http_url_redact(url);
                if (!shown)
                        r = -ENOMEM;
                else if ((r == -EREMOTEIO ?
                          asprintf(&message, "HTTP %ld from %s", resp.status, shown) :
                          asprintf(&message, "Failed to send the report to %s: %s", shown,
                                   resp.error ?: strerror(-r))) < 0) {
                        message = NULL;
                        r = -ENOMEM;
                }
        }
        http_response_done(&resp);

        if (ret_error)
                *ret_error = message;
        return r;
}
