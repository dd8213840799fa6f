/* SPDX-License-Identifier: MIT */
#include "http/url.h"
#include "shared/macro.h"

const char *const http_url_settings[] = {
        "RAY_USAGE_STATS_REPORT_URL",
        "RAY_USAGE_STATS_DASHBOARD_URL",
        "RAY_USAGE_STATS_AWS_METADATA_URL",
        "RAY_USAGE_STATS_GCP_METADATA_URL",
        "RAY_USAGE_STATS_AZURE_METADATA_URL",
        NULL,
};

bool http_url_is_valid(const char *url) {
        const char *rest, *at;
        size_t authority;

        assert(url);

        for (const char *p = url; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return false;

        rest = startswith(url, "http://") ?: startswith(url, "https://");
        if (!rest)
                return false;

        authority = strcspn(rest, "/?#");
        at = memchr(rest, '@', authority);
        if (at) {
                authority -= (size_t) (at + 1 - rest);
                rest = at + 1;
        }
        /* A host, not just a port. */
        return authority > 0 && rest[0] != ':';
}
