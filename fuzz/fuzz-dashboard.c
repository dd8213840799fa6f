/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "dashboard/dashboard.h"
#include "fuzz.h"
#include "shared/utf8.h"

/* Whatever answers on the dashboard port writes these bodies. The first
 * byte picks the parser; the rest is the body. Beyond not crashing: the
 * error codes are the documented ones, a failure leaves the output alone,
 * and what reaches the report is what Ray would pass on (docs/ray-parity.md):
 * any string, as valid UTF-8 (json-c's parser gives no other) no longer than
 * the answer, and finite numbers. */

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_) {
        fuzz_log_setup();
        return 0;
}

static bool text(const char *s, size_t max) {
        size_t n = strlen(s);

        return n <= max && utf8_is_valid(s, n);
}

static bool maybe_text(const char *s, size_t max) {
        return !s || text(s, max);
}

/* Unknown is NAN; a known total is finite, and never -0.0 (sums start at 0.0, as Ray's). */
static bool total(double d) {
        return isnan(d) || (isfinite(d) && !(d == 0 && signbit(d)));
}

static void check_figures(const DashboardFigures *f, size_t size) {
        fuzz_assert(maybe_text(f->ray_version, size));
        fuzz_assert(maybe_text(f->git_commit, size));
        fuzz_assert(maybe_text(f->cluster_id, size));
        fuzz_assert(maybe_text(f->python_version, size));
        fuzz_assert(f->total_num_nodes >= -1);
        fuzz_assert(f->total_num_running_jobs >= -1);
        fuzz_assert(total(f->total_num_cpus));
        fuzz_assert(total(f->total_num_gpus));
        fuzz_assert(total(f->total_memory_bytes));
        fuzz_assert(total(f->total_object_store_memory_bytes));
        for (char **a = f->accelerator_types; a && *a; a++) {
                fuzz_assert(text(*a, size));
                if (a[1])
                        fuzz_assert(strcmp(a[0], a[1]) < 0);
        }
}

static bool documented_error(int r) {
        return r == -EBADMSG || r == -EINVAL || r == -EREMOTEIO;
}

typedef int (*FiguresParser)(const char *body, size_t size, DashboardFigures *f);
typedef int (*BoolParser)(const char *body, size_t size, bool *ret);

static const FiguresParser figures_parsers[] = {
        dashboard_parse_version, dashboard_parse_cluster_id, dashboard_parse_cluster_metadata,
        dashboard_parse_nodes,   dashboard_parse_jobs,
};

static const BoolParser bool_parsers[] = {
        dashboard_parse_auth_mode,       dashboard_parse_usage_stats_enabled,
        dashboard_parse_grafana_health,  dashboard_parse_prometheus_health,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *body = (const char *) data + 1;
        unsigned which;
        int r;

        if (size < 1)
                return 0;
        which = data[0] % (ELEMENTSOF(figures_parsers) + ELEMENTSOF(bool_parsers) + 1);
        size--;

        if (which < ELEMENTSOF(figures_parsers)) {
                DashboardFigures f, snapshot;

                dashboard_figures_init(&f);
                /* Twice: the second run replaces what the first one set. */
                for (int i = 0; i < 2; i++) {
                        snapshot = f;
                        r = figures_parsers[which](body, size, &f);
                        fuzz_assert(r == 0 || documented_error(r));
                        if (r < 0)
                                fuzz_assert(memcmp(&f, &snapshot, sizeof f) == 0);
                        check_figures(&f, size);
                }
                dashboard_figures_done(&f);
                return 0;
        }

        which -= ELEMENTSOF(figures_parsers);
        if (which < ELEMENTSOF(bool_parsers)) {
                bool v[2] = { false, true };
                int r2;

                /* Untouched on failure, whichever value it held. */
                r = bool_parsers[which](body, size, &v[0]);
                r2 = bool_parsers[which](body, size, &v[1]);
                fuzz_assert(r == r2);
                fuzz_assert(r == 0 || documented_error(r));
                if (r < 0)
                        fuzz_assert(!v[0] && v[1]);
                else
                        fuzz_assert(v[0] == v[1]);
                return 0;
        }

        {
                int64_t total = -42;

                r = dashboard_parse_state_total(body, size, &total);
                fuzz_assert(r == 0 || documented_error(r));
                fuzz_assert(r == 0 ? total >= 0 : total == -42);
        }
        return 0;
}
