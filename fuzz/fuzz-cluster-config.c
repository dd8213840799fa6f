/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "fuzz.h"
#include "report/cluster-config.h"
#include "shared/json-util.h"

/* ~/ray_bootstrap_config.yaml is the Ray user's file, read as PyYAML's
 * safe_load reads it (report/pyyaml.c on libyaml's events). Any bytes give
 * 0, within the work bound (one budget of node visits for the whole
 * document: here, well under a second of CPU even with the sanitizers), and
 * five values whose JSON, as the report writes it, is strict JSON; the
 * worker list is null or a non-empty array sorted by its elements' JSON. */

#define CPU_LIMIT_S 2.0

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

static double cpu_seconds(void) {
        struct timespec ts;

        fuzz_assert(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void assert_strict_json(json_object *v, char **ret_text) {
        _cleanup_json_ json_object *back = NULL;
        _cleanup_free_ char *text = NULL;

        fuzz_assert(json_dump_python(v, &text) == 0);
        fuzz_assert(json_parse_strict(text, strlen(text), &back) == 0);
        if (ret_text)
                *ret_text = TAKE_PTR(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        json_object *fields[] = { NULL, NULL, NULL, NULL };
        json_object *workers;
        _cleanup_free_ char *previous = NULL;
        double start = cpu_seconds();

        fuzz_assert(cluster_config_parse((const char *) data, size, &c) == 0);
        fuzz_assert(cpu_seconds() - start < CPU_LIMIT_S);

        fields[0] = c.cloud_provider, fields[1] = c.min_workers, fields[2] = c.max_workers;
        fields[3] = c.head_node_instance_type;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                assert_strict_json(fields[i], NULL);

        workers = c.worker_node_instance_types;
        if (!workers)
                return 0;
        fuzz_assert(json_object_is_type(workers, json_type_array));
        fuzz_assert(json_object_array_length(workers) > 0);
        for (size_t i = 0; i < json_object_array_length(workers); i++) {
                char *text = NULL;

                assert_strict_json(json_object_array_get_idx(workers, i), &text);
                fuzz_assert(!previous || strcmp(previous, text) <= 0);
                free(previous);
                previous = text;
        }
        return 0;
}
