/* SPDX-License-Identifier: MIT */
#include "fuzz.h"
#include "report/cluster-config.h"

/* ~/ray_bootstrap_config.yaml is the Ray user's file, in YAML, read by a
 * hand-written PyYAML emulation on top of libyaml. Any bytes give 0 and a
 * config the report can carry: counts -1 (null) or more, and a worker list
 * that is NULL or non-empty, sorted and without duplicates. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;

        fuzz_assert(cluster_config_parse((const char *) data, size, &c) == 0);

        fuzz_assert(c.min_workers >= -1);
        fuzz_assert(c.max_workers >= -1);
        fuzz_assert(!c.worker_node_instance_types || c.worker_node_instance_types[0]);
        for (char **w = c.worker_node_instance_types; w && *w; w++)
                if (w[1])
                        fuzz_assert(strcmp(w[0], w[1]) < 0);
        return 0;
}
