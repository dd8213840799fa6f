/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <time.h>

#include "report/cluster-config.h"
#include "shared/json-util.h"
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

#define ALL_NULL "[null, null, null, null, null]"

/* The five fields as a JSON array, as the report writes them. */
static void assert_config(const char *what, const ClusterConfig *c, const char *expected) {
        _cleanup_json_ json_object *a = json_object_new_array();
        _cleanup_free_ char *text = NULL;
        json_object *fields[] = {
                c->cloud_provider, c->min_workers, c->max_workers, c->head_node_instance_type,
                c->worker_node_instance_types,
        };

        assert_non_null(a);
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                assert_int_equal(json_object_array_add(a, json_object_get(fields[i])), 0);
        assert_int_equal(json_dump_python(a, &text), 0);
        if (!streq(text, expected))
                fail_msg("%s: got %s, expected %s", what, text, expected);
}

/* size 0: strlen(yaml) */
static void check(const char *yaml, size_t size, const char *e) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;

        size = size ?: strlen(yaml);
        assert_int_equal(cluster_config_parse(yaml, size, &c), 0);
        assert_config(yaml, &c, e);
}

static void test_ray_cases(void **state) {
        check(ray_minimal, strlen(ray_minimal), "[\"aws\", null, 1, null, null]");
        /* Ray's list(set(...)) has no order; ours is sorted by byte order. */
        check(ray_full, strlen(ray_full),
              "[\"gcp\", 1, null, \"m5.large\", [\"Standard_D2s_v3\", \"m3.large\", \"n1-standard-2\"]]");
        check(ray_no_usable_config, strlen(ray_no_usable_config), "[null, null, null, null, [\"m5.large\"]]");
        check("[invalid", strlen("[invalid"), ALL_NULL);
}

/* Expected values: Ray's get_cluster_config_to_report() with PyYAML 6.0 on
 * each text (tests/parity/oracle.py), as JSON [cloud_provider, min_workers,
 * max_workers, head_node_instance_type, worker_node_instance_types]. */
static const struct {
        const char *yaml;
        const char *expected;
} cases[] = {
        { "min_workers: 0x1_0\nmax_workers: 010\n", "[null, 16, 8, null, null]" },
        { "min_workers: 1_000\nmax_workers: 1:30\n", "[null, 1000, 90, null, null]" },
        { "min_workers: !!int \"3\"\nmax_workers: +0b101\n", "[null, 3, 5, null, null]" },
        { "min_workers: ~\nmax_workers: null\nprovider: {type: ~}\n", "[null, null, null, null, null]" },
        /* Merge keys, as PyYAML resolves them: own keys win, then the first merged. */
        { "base: &b\n  type: aws\nprovider:\n  <<: *b\n  region: x\n", "[\"aws\", null, null, null, null]" },
        { "provider:\n  <<: [{type: a}, {type: b}]\n", "[\"a\", null, null, null, null]" },
        { "provider:\n  <<: {type: a}\n  type: c\n", "[\"c\", null, null, null, null]" },
        { "defaults: &d {node_config: {InstanceType: X}}\nhead_node_type: h\navailable_node_types:\n"
          "  h: {<<: *d}\n  w: {<<: *d, node_config: {machineType: Y}}\n", "[null, null, null, \"X\", [\"Y\"]]" },
        /* Duplicate keys: the last one wins. */
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: {InstanceType: A}}\n"
          "  w: {node_config: {InstanceType: B}}\n  w: {node_config: {InstanceType: C}}\n", "[null, null, null, \"A\", [\"C\"]]" },
        { "max_workers: 2\nmax_workers: 4\n", "[null, null, 4, null, null]" },
        /* Node type names compare as Python values: 1 is not "1". */
        { "head_node_type: 1\navailable_node_types:\n  1: {node_config: {InstanceType: A}}\n"
          "  \"1\": {node_config: {InstanceType: B}}\n", "[null, null, null, \"A\", [\"B\"]]" },
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: {InstanceType: A}}\n"
          "  h2: {node_config: {InstanceType: A}}\n  h3: {node_config: {InstanceType: A}}\n", "[null, null, null, \"A\", [\"A\"]]" },
        /* Falsy instance types are skipped; InstanceType before machineType before vmSize. */
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: {machineType: \"\"}}\n"
          "  v: {node_config: {}}\n  u: {node_config: {azure_arm_parameters: {vmSize: Z}, machineType: M}}\n", "[null, null, null, null, [\"M\"]]" },
        /* [].items() raises: everything null, max_workers too. */
        { "head_node_type: h\navailable_node_types: []\nmax_workers: 3\n", "[null, null, null, null, null]" },
        { "x: !!binary aGVsbG8=\nmax_workers: 2\nprovider: {type: \"gcp\"}\n", "[\"gcp\", null, 2, null, null]" },
        /* Python's "in" on a string is a substring test, on a list a search. */
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: InstanceTm5.large}\n"
          "  w: {node_config: {InstanceType: B}}\n", "[null, null, null, null, [\"B\"]]" },
        { "head_node_type: h\navailable_node_types:\n  h: {node_config: my InstanceType}\n"
          "  w: {node_config: {InstanceType: B}}\n", "[null, null, null, null, null]" },
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: [a, machineType]}\n", "[null, null, null, null, null]" },
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: [a, b]}\n"
          "  v: {node_config: {azure_arm_parameters: {x: 1}}}\n", "[null, null, null, null, null]" },
        /* Values Ray never reads still have to be constructible, but may be big. */
        { "x: !!int abc\nmax_workers: 1\n", "[null, null, null, null, null]" },
        { "x: !!float abc\nmax_workers: 1\n", "[null, null, null, null, null]" },
        { "max_workers: 1\nx: 99999999999999999999\n", "[null, null, 1, null, null]" },
        /* A top level that is not a mapping, or a provider that is a plain string. */
        { "just a string\n", "[null, null, null, null, null]" },
        { "- min_workers\n", "[null, null, null, null, null]" },
        { "provider: aws\nmax_workers: 1\n", "[null, null, 1, null, null]" },
        { "provider: mytype\nmax_workers: 1\n", "[null, null, null, null, null]" },
        /* Errors PyYAML raises. */
        { "", "[null, null, null, null, null]" },
        { "min_workers: 1\n---\nmax_workers: 2\n", "[null, null, null, null, null]" },
        { "? [a, b]\n: 1\nmax_workers: 1\n", "[null, null, null, null, null]" },
        { "max_workers: !foo 1\n", "[null, null, null, null, null]" },
        { "head_node_type: h\navailable_node_types:\n  w: null\n", "[null, null, null, null, null]" },
        { "max_workers: 1\nprovider: {type: aws\n", "[null, null, null, null, null]" },
        { "max_workers: 1\n\tprovider: aws\n", "[null, null, null, null, null]" },
        /* Values of any type are sent as they are; a date has no JSON form (null). */
        { "min_workers: \"3\"\n", "[null, \"3\", null, null, null]" },
        { "max_workers: !!str 1\n", "[null, null, \"1\", null, null]" },
        { "min_workers: 0o7\n", "[null, \"0o7\", null, null, null]" },
        { "min_workers: yes\n", "[null, true, null, null, null]" },
        { "min_workers: 1.5\n", "[null, 1.5, null, null, null]" },
        { "min_workers: -1\n", "[null, -1, null, null, null]" },
        { "max_workers: 99999999999999999999\n", "[null, null, 99999999999999999999, null, null]" },
        { "provider: {type: 2001-12-14}\n", "[null, null, null, null, null]" },
        { "provider: {type: yes}\n", "[true, null, null, null, null]" },
        { "head_node_type: h\navailable_node_types:\n  w: {node_config: {InstanceType: 5}}\n", "[null, null, null, null, [5]]" },
};

static void test_pyyaml_cases(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check(cases[i].yaml, strlen(cases[i].yaml), cases[i].expected);
}

static void test_embedded_nul(void **state) {
        static const char yaml[] = "max_workers: 1\nprovider: {type: a\0b}\n";

        check(yaml, sizeof yaml - 1, ALL_NULL);
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
         * once they exceed the budget (PyYAML reads it, slowly: a departure of
         * docs/ray-parity.md). */
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
        /* A mapping that merges itself: PyYAML's flatten_mapping() recurses
         * until RecursionError. */
        static const char cycle[] = "max_workers: 2\nprovider: &p {<<: *p, type: aws}\n";
        double start = now_s();

        check(laughs, strlen(laughs), "[null, null, 2, null, null]");
        check(merges, strlen(merges), ALL_NULL);
        check(cycle, strlen(cycle), ALL_NULL);
        assert_true(now_s() - start < 2.0);
}

/* Issue 9, attack 3: 8^15 merges of empty mappings (about 1 KB). Each
 * mapping is flattened once, as PyYAML flattens in place, so this costs a
 * few hundred visits and reads as in Ray. */
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
        check(bomb, size, "[\"aws\", null, 2, null, null]");
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

        check(yaml, strlen(yaml), "[\"gcp\", 1, 4, \"m5.large\", [\"m5.large\", \"n1\"]]");
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

        check(ok, strlen(ok), "[null, null, 7, null, null]");
        check(deep, strlen(deep), ALL_NULL);
}

static void test_too_big(void **state) {
        _cleanup_free_ char *big = NULL;
        size_t size = CLUSTER_CONFIG_MAX_SIZE + 1;

        big = malloc(size);
        assert_non_null(big);
        memset(big, ' ', size);
        memcpy(big, "max_workers: 1", strlen("max_workers: 1"));
        check(big, size, ALL_NULL);
        check(big, CLUSTER_CONFIG_MAX_SIZE, "[null, null, 1, null, null]");
}

static void detect(bool missing, const char *yaml, const char *e) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;

        assert_int_equal(cluster_config_detect(yaml, yaml ? strlen(yaml) : 0, missing, NULL, &c), 0);
        assert_config(yaml ?: "(missing)", &c, e);
}

static void test_kubernetes_without_probes(void **state) {
        assert_int_equal(setenv("RAY_USAGE_STATS_CLOUD_PROBE", "0", 1), 0);
        assert_int_equal(unsetenv("KUBERNETES_SERVICE_HOST"), 0);
        assert_int_equal(unsetenv("RAY_USAGE_STATS_KUBERAY_IN_USE"), 0);

        detect(true, NULL, ALL_NULL);

        assert_int_equal(setenv("KUBERNETES_SERVICE_HOST", "localhost", 1), 0);
        detect(true, NULL, "[\"kubernetes\", null, null, null, null]");

        /* Ray tests presence, so an empty value counts. */
        assert_int_equal(setenv("RAY_USAGE_STATS_KUBERAY_IN_USE", "", 1), 0);
        detect(true, NULL, "[\"kuberay\", null, null, null, null]");

        /* An existing YAML is all that counts, on Kubernetes too. */
        detect(false, ray_minimal, "[\"aws\", null, 1, null, null]");
        detect(false, "[invalid", ALL_NULL);

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
        assert_null(c.min_workers);
        assert_null(c.max_workers);
}

/* What PyYAML reads and libyaml's scanner refuses, or the other way round. */
static void test_scanner_differences(void **state) {
        /* Surrogate escapes: a pair is the character (JSON writes the same
         * escapes), a lone one U+FFFD. */
        check("min_workers: \"\\ud83d\\ude00\"\nsetup_commands: [\"\\udcff\"]\n", 0,
              "[null, \"\\ud83d\\ude00\", null, null, null]");
        check("min_workers: \"a\\udcffb\"\n", 0, "[null, \"a\\ufffdb\", null, null, null]");
        /* A later minor version is a warning in PyYAML. */
        check("%YAML 1.3\n---\nmin_workers: 1\n", 0, "[null, 1, null, null, null]");
        check("%YAML 2.0\n---\nmin_workers: 1\n", 0, ALL_NULL);
        /* PyYAML takes no tab between tokens, not even before a comment. */
        check("min_workers: 1\t# comment\n", 0, ALL_NULL);
        check("min_workers:\t1\n", 0, ALL_NULL);
        check("min_workers: \"a\tb\"\n", 0, "[null, \"a\\tb\", null, null, null]");
        /* PyYAML's tags go on through "," and "]". */
        check("min_workers: [!!null, 1]\n", 0, ALL_NULL);
}

/* Values as Ray sends them, and Python's key equality. */
static void test_values_as_ray(void **state) {
        check("min_workers: TYPICALLY_THE_NUMBER_OF_WORKER_IPS\nmax_workers: 08\n", 0,
              "[null, \"TYPICALLY_THE_NUMBER_OF_WORKER_IPS\", \"08\", null, null]");
        check("min_workers: 0xFFFFFFFFFFFFFFFFFF\nmax_workers: -99999999999999999999\n", 0,
              "[null, 4722366482869645213695, -99999999999999999999, null, null]");
        check("min_workers: 1:60\nmax_workers: 0b\nprovider: {type: [a, {b: 1.0}]}\n", 0,
              "[[\"a\", {\"b\": 1.0}], \"1:60\", \"0b\", null, null]");
        /* Unread values PyYAML loads change nothing. */
        check("x: [!!float 1e5, !!int 0o17, !!binary aGk=, !!set {a}, !!omap [{a: 1}], \"\\0\"]\nmin_workers: 2\n", 0,
              "[null, 2, null, null, null]");
        /* ... and what it refuses nulls everything. */
        check("x: 2023-02-30\nmin_workers: 2\n", 0, ALL_NULL);
        check("x: {<<: 5}\nmin_workers: 2\n", 0, ALL_NULL);
        check("x: <<\nmin_workers: 2\n", 0, ALL_NULL);
        check("x: !!binary a\nmin_workers: 2\n", 0, ALL_NULL);
        /* 1 == 1.0 == True as dict keys and in ==. */
        check("head_node_type: 1.0\navailable_node_types:\n  1: {node_config: {InstanceType: a}}\n"
              "  true: {node_config: {InstanceType: b}}\n  w: {node_config: {InstanceType: c}}\n", 0,
              "[null, null, null, \"b\", [\"c\"]]");
        /* NaN and dates have no JSON form: null for that field only. */
        check("min_workers: .nan\nmax_workers: 2001-01-01\nprovider: {type: aws}\n", 0,
              "[\"aws\", null, null, null, null]");
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
                cmocka_unit_test(test_scanner_differences),
                cmocka_unit_test(test_values_as_ray),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
