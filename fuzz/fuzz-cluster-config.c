/* SPDX-License-Identifier: MIT */
#include "fuzz.h"
#include "report/cluster-config.h"

/* ~/ray_bootstrap_config.yaml is the Ray user's file, in YAML, read by a
 * hand-written PyYAML emulation on top of libyaml. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        char **w;

        fuzz_assert(cluster_config_parse((const char *) data, size, &c) == 0);

        fuzz_assert(c.min_workers >= -1);
        fuzz_assert(c.max_workers >= -1);
        fuzz_assert(!c.worker_node_instance_types || c.worker_node_instance_types[0]);
        for (w = c.worker_node_instance_types; w && *w; w++)
                if (w[1])
                        fuzz_assert(strcmp(w[0], w[1]) < 0);

        /* The same input always gives the same answer (no state between calls). */
        {
                _cleanup_(cluster_config_done) ClusterConfig d = CLUSTER_CONFIG_NULL;
                char **x;

                fuzz_assert(cluster_config_parse((const char *) data, size, &d) == 0);
                fuzz_assert(streq_ptr(c.cloud_provider, d.cloud_provider));
                fuzz_assert(streq_ptr(c.head_node_instance_type, d.head_node_instance_type));
                fuzz_assert(c.min_workers == d.min_workers && c.max_workers == d.max_workers);
                for (w = c.worker_node_instance_types, x = d.worker_node_instance_types; w && *w; w++, x++)
                        fuzz_assert(x && *x && streq(*w, *x));
                fuzz_assert(!x || !*x);
        }
        return 0;
}
