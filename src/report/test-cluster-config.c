/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <time.h>

#include "report/cluster-config.h"
#include "shared/macro.h"
#include "shared/tests.h"

/* The fixtures of Ray's test_usage_lib_get_cluster_config_to_report, verbatim. */
static const char ray_minimal[] =
        "\n"
        "cluster_name: minimal\n"
        "max_workers: 1\n"
        "provider:\n"
        "    type: aws\n"
        "    region: us-west-2\n"
        "    availability_zone: us-west-2a\n";

static const char ray_full[] =
        "\n"
        "cluster_name: full\n"
        "min_workers: 1\n"
        "provider:\n"
        "    type: gcp\n"
        "head_node_type: head_node\n"
        "available_node_types:\n"
        "    head_node:\n"
        "        node_config:\n"
        "            InstanceType: m5.large\n"
        "        min_workers: 0\n"
        "        max_workers: 0\n"
        "    aws_worker_node:\n"
        "        node_config:\n"
        "            InstanceType: m3.large\n"
        "        min_workers: 0\n"
        "        max_workers: 0\n"
        "    azure_worker_node:\n"
        "        node_config:\n"
        "            azure_arm_parameters:\n"
        "                vmSize: Standard_D2s_v3\n"
        "    gcp_worker_node:\n"
        "        node_config:\n"
        "            machineType: n1-standard-2\n";

static const char ray_no_usable_config[] =
        "\n"
        "cluster_name: full\n"
        "head_node_type: head_node\n"
        "available_node_types:\n"
        "    worker_node_1:\n"
        "        node_config:\n"
        "            ImageId: xyz\n"
        "    worker_node_2:\n"
        "        resources: {}\n"
        "    worker_node_3:\n"
        "        node_config:\n"
        "            InstanceType: m5.large\n";

typedef struct Expected {
        const char *provider;
        int64_t min, max;
        const char *head;
        const char *workers; /* joined with ",", NULL for null */
} Expected;

#define ALL_NULL { NULL, -1, -1, NULL, NULL }

static void assert_config(const char *what, const ClusterConfig *c, const Expected *e) {
        _cleanup_free_ char *joined = NULL;
        size_t size = 0;
        FILE *f;

        if (c->worker_node_instance_types) {
                f = open_memstream(&joined, &size);
                assert_non_null(f);
                for (char **w = c->worker_node_instance_types; *w; w++)
                        fprintf(f, "%s%s", w == c->worker_node_instance_types ? "" : ",", *w);
                assert_int_equal(fclose(f), 0);
        }

        if (!streq_ptr(c->cloud_provider, e->provider) || c->min_workers != e->min || c->max_workers != e->max ||
            !streq_ptr(c->head_node_instance_type, e->head) || !streq_ptr(joined, e->workers))
                fail_msg("%s: got (%s, %lld, %lld, %s, [%s]), expected (%s, %lld, %lld, %s, [%s])", what,
                         c->cloud_provider ?: "null", (long long) c->min_workers, (long long) c->max_workers,
                         c->head_node_instance_type ?: "null", joined ?: "null",
                         e->provider ?: "null", (long long) e->min, (long long) e->max,
                         e->head ?: "null", e->workers ?: "null");
}

static void check(const char *yaml, size_t size, const Expected *e) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;

        assert_int_equal(cluster_config_parse(yaml, size, &c), 0);
        assert_config(yaml, &c, e);
}

static void test_ray_cases(void **state) {
        check(ray_minimal, strlen(ray_minimal), &(Expected) { "aws", -1, 1, NULL, NULL });
        /* Ray's list(set(...)) has no order; ours is sorted by byte order. */
        check(ray_full, strlen(ray_full),
              &(Expected) { "gcp", 1, -1, "m5.large", "Standard_D2s_v3,m3.large,n1-standard-2" });
        check(ray_no_usable_config, strlen(ray_no_usable_config), &(Expected) { NULL, -1, -1, NULL, "m5.large" });
        check("[invalid", strlen("[invalid"), &(Expected) ALL_NULL);
}

/* Expected values computed by running Ray's get_cluster_config_to_report() with
 * PyYAML 6.0 on each text. Where Ray would copy a value of the wrong type into
 * the report ("3", true, 1.5, a date, 5, -1, 2**66), we report every field null
 * instead: those cases are marked "stricter". */
static const struct {
        const char *yaml;
        Expected expected;
} cases[] = {
        { "min_workers: 0x1_0\nmax_workers: 010\n", { NULL, 16, 8, NULL, NULL } },
        { "min_workers: 1_000\nmax_workers: 1:30\n", { NULL, 1000, 90, NULL, NULL } },
        { "min_workers: !!int \"3\"\nmax_workers: +0b101\n", { NULL, 3, 5, NULL, NULL } },
        { "min_workers: ~\nmax_workers: null\nprovider: {type: ~}\n", ALL_NULL },
        /* Merge keys, as PyYAML resolves them: own keys win, then the first merged. */
        { "base: &b\n  type: aws\nprovider:\n  <<: *b\n  region: x\n", { "aws", -1, -1, NULL, NULL } },
        { "provider:\n  <<: [{type: a}, {type: b}]\n", { "a", -1, -1, NULL, NULL } },
        { "provider:\n  <<: {type: a}\n  type: c\n", { "c", -1, -1, NULL, NULL } },
        { "defaults: &d {node_config: {InstanceType: X}}\nhead_node_type: h\navailable_node_types:\n"
          "  h: {<<: *d}\n  w: {<<: *d, node_config: {machineType: Y}}\n", { NULL, -1, -1, "X", "Y" } },
        /* Duplicate keys: the last one wins. */
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: {InstanceType: A}}\n"
          "  w: {node_config: {InstanceType: B}}\n  w: {node_config: {InstanceType: C}}\n",
          { NULL, -1, -1, "A", "C" } },
        { "max_workers: 2\nmax_workers: 4\n", { NULL, -1, 4, NULL, NULL } },
        /* Node type names compare as Python values: 1 is not "1". */
        { "head_node_type: 1\navailable_node_types:\n  1: {node_config: {InstanceType: A}}\n"
          "  \"1\": {node_config: {InstanceType: B}}\n", { NULL, -1, -1, "A", "B" } },
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: {InstanceType: A}}\n"
          "  h2: {node_config: {InstanceType: A}}\n  h3: {node_config: {InstanceType: A}}\n",
          { NULL, -1, -1, "A", "A" } },
        /* Falsy instance types are skipped; InstanceType before machineType before vmSize. */
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: {machineType: \"\"}}\n"
          "  v: {node_config: {}}\n  u: {node_config: {azure_arm_parameters: {vmSize: Z}, machineType: M}}\n",
          { NULL, -1, -1, NULL, "M" } },
        { "head_node_type: h\navailable_node_types: []\nmax_workers: 3\n", { NULL, -1, 3, NULL, NULL } },
        { "x: !!binary aGVsbG8=\nmax_workers: 2\nprovider: {type: \"gcp\"}\n", { "gcp", -1, 2, NULL, NULL } },
        /* Python's "in" on a string is a substring test, on a list a search. */
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: InstanceTm5.large}\n"
          "  w: {node_config: {InstanceType: B}}\n", { NULL, -1, -1, NULL, "B" } },
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: my InstanceType}\n"
          "  w: {node_config: {InstanceType: B}}\n", ALL_NULL },
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: [a, machineType]}\n", ALL_NULL },
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: [a, b]}\n"
          "  v: {node_config: {azure_arm_parameters: {x: 1}}}\n", ALL_NULL },
        /* Values Ray never reads still have to be constructible, but may be big. */
        { "x: !!int abc\nmax_workers: 1\n", ALL_NULL },
        { "x: !!float abc\nmax_workers: 1\n", ALL_NULL },
        { "max_workers: 1\nx: 99999999999999999999\n", { NULL, -1, 1, NULL, NULL } },
        /* A top level that is not a mapping, or a provider that is a plain string. */
        { "just a string\n", ALL_NULL },
        { "- min_workers\n", ALL_NULL },
        { "provider: aws\nmax_workers: 1\n", { NULL, -1, 1, NULL, NULL } },
        { "provider: mytype\nmax_workers: 1\n", ALL_NULL },
        /* Errors PyYAML raises. */
        { "", ALL_NULL },
        { "min_workers: 1\n---\nmax_workers: 2\n", ALL_NULL },
        { "? [a, b]\n: 1\nmax_workers: 1\n", ALL_NULL },
        { "max_workers: !foo 1\n", ALL_NULL },
        { "head_node_type: h\navailable_node_types:\n  w: null\n", ALL_NULL },
        { "max_workers: 1\nprovider: {type: aws\n", ALL_NULL },
        { "max_workers: 1\n\tprovider: aws\n", ALL_NULL },
        /* stricter */
        { "min_workers: \"3\"\n", ALL_NULL },
        { "max_workers: !!str 1\n", ALL_NULL },
        { "min_workers: 0o7\n", ALL_NULL },
        { "min_workers: yes\n", ALL_NULL },
        { "min_workers: 1.5\n", ALL_NULL },
        { "min_workers: -1\n", ALL_NULL },
        { "max_workers: 99999999999999999999\n", ALL_NULL },
        { "provider: {type: 2001-12-14}\n", ALL_NULL },
        { "provider: {type: yes}\n", ALL_NULL },
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: {InstanceType: 5}}\n", ALL_NULL },
};

static void test_pyyaml_cases(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check(cases[i].yaml, strlen(cases[i].yaml), &cases[i].expected);
}

static void test_embedded_nul(void **state) {
        static const char yaml[] = "max_workers: 1\nprovider: {type: a\0b}\n";

        check(yaml, sizeof yaml - 1, &(Expected) ALL_NULL);
}

static void test_billion_laughs(void **state) {
        /* Nine levels of nine aliases: 9^9 strings if expanded. Never expanded,
         * so the rest of the file still counts. */
        static const char laughs[] =
                "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
                "max_workers: 2\n";
        /* The same through merge keys, which must be expanded to be read: refused
         * once they exceed the bound. */
        static const char merges[] =
                "a: &a {x: 1, y: 2}\n"
                "b: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a]}\n"
                "c: &c {<<: [*b, *b, *b, *b, *b, *b, *b, *b]}\n"
                "d: &d {<<: [*c, *c, *c, *c, *c, *c, *c, *c]}\n"
                "e: &e {<<: [*d, *d, *d, *d, *d, *d, *d, *d]}\n"
                "f: &f {<<: [*e, *e, *e, *e, *e, *e, *e, *e]}\n"
                "g: &g {<<: [*f, *f, *f, *f, *f, *f, *f, *f]}\n"
                "h: &h {<<: [*g, *g, *g, *g, *g, *g, *g, *g]}\n"
                "max_workers: 2\n"
                "provider: {<<: *h, type: aws}\n";
        /* A mapping that merges itself (PyYAML, which flattens in place, reads it;
         * refusing it is stricter). */
        static const char cycle[] = "max_workers: 2\nprovider: &p {<<: *p, type: aws}\n";
        double start = now_s();

        check(laughs, strlen(laughs), &(Expected) { NULL, -1, 2, NULL, NULL });
        check(merges, strlen(merges), &(Expected) ALL_NULL);
        check(cycle, strlen(cycle), &(Expected) ALL_NULL);
        assert_true(now_s() - start < 2.0);
}

/* Issue 9, attack 3: empty mappings add no pair, so only a budget of visits
 * for the whole document bounds 8^15 merges of them (about 1 KB). */
static void test_merge_bomb_of_empty_mappings(void **state) {
        _cleanup_free_ char *bomb = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&bomb, &size);
        double start;

        assert_non_null(f);
        fputs("a0: &a0 {}\n", f);
        for (unsigned i = 1; i <= 15; i++) {
                fprintf(f, "a%u: &a%u {<<: [", i, i);
                for (unsigned j = 0; j < 8; j++)
                        fprintf(f, "%s*a%u", j ? ", " : "", i - 1);
                fputs("]}\n", f);
        }
        fputs("<<: *a15\nmax_workers: 2\nprovider: {type: aws}\n", f);
        assert_int_equal(fclose(f), 0);
        assert_true(size < 1100);

        start = now_s();
        check(bomb, size, &(Expected) ALL_NULL);
        assert_true(now_s() - start < 0.5);
}

/* The budget leaves ordinary merges alone: PyYAML's results. */
static void test_merges_within_budget(void **state) {
        static const char yaml[] =
                "base: &base {node_config: {InstanceType: m5.large}, min_workers: 0}\n"
                "defaults: &defaults {min_workers: 1}\n"
                "<<: [*defaults, {max_workers: 9}]\n"
                "max_workers: 4\n"
                "provider: {<<: {type: gcp}}\n"
                "head_node_type: head\n"
                "available_node_types:\n"
                "    head: {<<: *base}\n"
                "    w1: {<<: *base, node_config: {machineType: n1}}\n"
                "    w2: {<<: [*base, *base]}\n";

        check(yaml, strlen(yaml), &(Expected) { "gcp", 1, 4, "m5.large", "m5.large,n1" });
}

static char *nested(unsigned depth) {
        char *s = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        assert_non_null(f);
        fputs("max_workers: 7\nx: ", f);
        for (unsigned i = 0; i < depth; i++)
                fputc('[', f);
        for (unsigned i = 0; i < depth; i++)
                fputc(']', f);
        fputc('\n', f);
        assert_int_equal(fclose(f), 0);
        return s;
}

static void test_deep_nesting(void **state) {
        _cleanup_free_ char *ok = nested(60), *deep = nested(100000);

        check(ok, strlen(ok), &(Expected) { NULL, -1, 7, NULL, NULL });
        check(deep, strlen(deep), &(Expected) ALL_NULL);
}

static void test_too_big(void **state) {
        _cleanup_free_ char *big = NULL;
        size_t size = CLUSTER_CONFIG_MAX_SIZE + 1;

        big = malloc(size);
        assert_non_null(big);
        memset(big, ' ', size);
        memcpy(big, "max_workers: 1", strlen("max_workers: 1"));
        check(big, size, &(Expected) ALL_NULL);
        check(big, CLUSTER_CONFIG_MAX_SIZE, &(Expected) { NULL, -1, 1, NULL, NULL });
}

static void detect(bool missing, const char *yaml, const Expected *e) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;

        assert_int_equal(cluster_config_detect(yaml, yaml ? strlen(yaml) : 0, missing, NULL, &c), 0);
        assert_config(yaml ?: "(missing)", &c, e);
}

static void test_kubernetes_without_probes(void **state) {
        assert_int_equal(setenv("RAY_USAGE_STATS_CLOUD_PROBE", "0", 1), 0);
        assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_KUBERAY_IN_USE"), 0);

        detect(true, NULL, &(Expected) ALL_NULL);

        assert_int_equal(setenv("KUBERNETES_SERVICE_HOST", "localhost", 1), 0);
        detect(true, NULL, &(Expected) { "kubernetes", -1, -1, NULL, NULL });

        /* Ray tests presence, so an empty value counts. */
        assert_int_equal(setenv("RAY_USAGE_STATS_KUBERAY_IN_USE", "", 1), 0);
        detect(true, NULL, &(Expected) { "kuberay", -1, -1, NULL, NULL });

        /* An existing YAML is all that counts, on Kubernetes too. */
        detect(false, ray_minimal, &(Expected) { "aws", -1, 1, NULL, NULL });
        detect(false, "[invalid", &(Expected) ALL_NULL);

        assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_KUBERAY_IN_USE"), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_CLOUD_PROBE"), 0);
}

static void test_done(void **state) {
        ClusterConfig c = CLUSTER_CONFIG_NULL;

        assert_int_equal(cluster_config_parse(ray_full, strlen(ray_full), &c), 0);
        assert_non_null(c.worker_node_instance_types);
        cluster_config_done(&c);
        assert_null(c.cloud_provider);
        assert_null(c.head_node_instance_type);
        assert_null(c.worker_node_instance_types);
        assert_int_equal(c.min_workers, -1);
        assert_int_equal(c.max_workers, -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ray_cases),
                cmocka_unit_test(test_pyyaml_cases),
                cmocka_unit_test(test_embedded_nul),
                cmocka_unit_test(test_billion_laughs),
                cmocka_unit_test(test_merge_bomb_of_empty_mappings),
                cmocka_unit_test(test_merges_within_budget),
                cmocka_unit_test(test_deep_nesting),
                cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_kubernetes_without_probes),
                cmocka_unit_test(test_done),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
