/* SPDX-License-Identifier: MIT */
#include "http/http.h"
#include "report/cloud.h"
#include "shared/env-util.h"
#include "shared/log.h"
#include "shared/macro.h"

/* Ray's timeout=1 per probe; the three together stay within 3 s. */
#define CLOUD_PROBE_TIMEOUT_MS 1000
/* The body is not used; an instance document is a few KiB. */
#define CLOUD_PROBE_MAX_RESPONSE (256U * 1024U)

static bool probe_one(const char *url, const char *header) {
        const char *const headers[] = { header, NULL };
        HttpRequest req = {
                .method = "GET",
                .url = url,
                .headers = header ? headers : NULL,
                .timeout_ms = CLOUD_PROBE_TIMEOUT_MS,
                .max_response = CLOUD_PROBE_MAX_RESPONSE,
                /* Link-local metadata services are never reached through a proxy. */
                .use_proxy = false,
        };
        HttpResponse resp = {};
        bool found;
        int r;

        r = http_request(&req, &resp);
        /* Only 200 counts: on Azure, AWS's path at the same address answers 400. */
        found = r >= 0 && resp.status == 200;
        if (r < 0)
                log_debug_errno(r, "Cloud metadata probe %s got no answer: %s: %m", url, resp.error ?: "no details");
        else
                log_debug("Cloud metadata probe %s answered HTTP %ld.", url, resp.status);
        http_response_done(&resp);
        return found;
}

int cloud_probe(char **ret) {
        static const struct {
                const char *env, *url, *header, *cloud;
        } probes[] = {
                { "RAY_USAGE_STATS_AZURE_METADATA_URL",
                  "http://169.254.169.254/metadata/instance?api-version=2021-12-13", "Metadata: true", "azure" },
                { "RAY_USAGE_STATS_GCP_METADATA_URL",
                  "http://metadata.google.internal/computeMetadata/v1", "Metadata-Flavor: Google", "gcp" },
                { "RAY_USAGE_STATS_AWS_METADATA_URL",
                  "http://169.254.169.254/latest/meta-data/", NULL, "aws" },
        };
        const char *cloud = "unknown";
        char *s;

        assert(ret);

        for (size_t i = 0; i < ELEMENTSOF(probes); i++)
                if (probe_one(env_get_or(probes[i].env, probes[i].url), probes[i].header)) {
                        cloud = probes[i].cloud;
                        break;
                }

        s = strdup(cloud);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
