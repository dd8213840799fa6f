/* SPDX-License-Identifier: MIT */
#pragma once

/* Ray's get_cloud_from_metadata_requests(): GETs Azure's (with "Metadata: true"),
 * GCP's (with "Metadata-Flavor: Google") and then AWS's metadata URL, 1 s each
 * and no proxy; the first that answers HTTP 200 names the cloud. URLs from
 * $RAY_USAGE_STATS_AZURE_METADATA_URL, $RAY_USAGE_STATS_GCP_METADATA_URL and
 * $RAY_USAGE_STATS_AWS_METADATA_URL, else Ray's. *ret is "azure", "gcp", "aws"
 * or "unknown". Returns 0, or -ENOMEM. */
int cloud_probe(char **ret);
