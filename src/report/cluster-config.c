/* SPDX-License-Identifier: MIT */
#include <regex.h>
#include <strings.h>
#include <yaml.h>

#include "report/cluster-config.h"
#include "shared/alloc-util.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/strv.h"

/* A Ray bootstrap YAML has a few hundred events and nests a handful of levels. */
#define YAML_MAX_DEPTH 64
#define YAML_MAX_EVENTS 100000
/* Merge keys ("<<: *base") are followed this deep and may produce this many
 * pairs for one mapping, so that chained aliases cannot blow up. */
#define MERGE_MAX_DEPTH 16
#define MERGE_MAX_PAIRS 10000
/* Node visits for the whole document: merges, lookups and comparisons all
 * draw on it. Neither limit above bounds the work (an aliased empty mapping
 * adds no pair but is walked again at every use), this does. A Ray config
 * needs a few thousand; a million cost some tens of milliseconds. */
#define YAML_MAX_VISITS 1000000

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

void cluster_config_done(ClusterConfig *c) {
        assert(c);

        free(c->cloud_provider);
        free(c->head_node_instance_type);
        strv_free(c->worker_node_instance_types);
        *c = CLUSTER_CONFIG_NULL;
}

/* What PyYAML's SafeLoader makes of a node. */
typedef enum Kind {
        KIND_NULL,
        KIND_BOOL,
        KIND_INT,
        KIND_BIGINT,  /* an int beyond int64: fine for Python, not for the report */
        KIND_FLOAT,
        KIND_STR,
        KIND_TIMESTAMP,
        KIND_MERGE,
        KIND_MAP,
        KIND_SEQ,
        KIND_OTHER,   /* binary, omap, pairs, set: nothing the report can carry */
        KIND_INVALID, /* PyYAML would fail to construct it: "!!int abc" */
} Kind;

typedef struct Value {
        Kind kind;
        int64_t i;       /* KIND_INT, KIND_BOOL */
        const char *s;   /* scalar text */
        size_t len;
} Value;

typedef struct Parser {
        yaml_document_t doc;
        /* Per node, in document order: whether its event carried a tag. libyaml's
         * loader gives untagged scalars the str tag, and this tells "!!str 1"
         * (a string) from "1" (an int). */
        bool *tagged;
        size_t n_tagged;
        /* node_value() of each node, computed once: lookups reuse it. */
        Value *values;
        bool *valued;
        size_t visits;
        /* PyYAML's implicit resolvers (YAML 1.1), in the order it tries them. */
        regex_t re_bool, re_float, re_int, re_null, re_timestamp;
} Parser;

static const char *const re_bool =
        "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$";
static const char *const re_float =
        "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?"
        "|\\.[0-9][0-9_]*([eE][-+][0-9]+)?"
        "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
        "|[-+]?\\.(inf|Inf|INF)"
        "|\\.(nan|NaN|NAN))$";
static const char *const re_int =
        "^([-+]?0b[0-1_]+"
        "|[-+]?0[0-7_]+"
        "|[-+]?(0|[1-9][0-9_]*)"
        "|[-+]?0x[0-9a-fA-F_]+"
        "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$";
static const char *const re_null = "^(~|null|Null|NULL|)$";
static const char *const re_timestamp =
        "^([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        "([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](\\.[0-9]*)?"
        "([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?)$";

/* Draws n visits from the document's budget: -E2BIG when it is spent. */
static int spend(Parser *p, size_t n) {
        if (n > YAML_MAX_VISITS - p->visits)
                return -E2BIG;
        p->visits += n;
        return 0;
}

static bool matches(const regex_t *re, const char *s) {
        return regexec(re, s, 0, NULL, 0) == 0;
}

/* PyYAML's construct_yaml_int: underscores ignored, 0b/0x/0 prefixes, and
 * base-60 "1:30". */
static Kind construct_int(const char *text, int64_t *ret) {
        _cleanup_free_ char *s = NULL;
        const char *digits;
        char *w, *colon;
        int base = 10;
        bool negative = false;
        uint64_t v = 0;

        s = strdup(text);
        if (!s)
                return KIND_INVALID;
        w = s;
        for (const char *r = text; *r; r++)
                if (*r != '_')
                        *w++ = *r;
        *w = 0;

        digits = s;
        if (*digits == '-' || *digits == '+')
                negative = *digits++ == '-';
        if (startswith(digits, "0b"))
                base = 2, digits += 2;
        else if (startswith(digits, "0x"))
                base = 16, digits += 2;
        else if (digits[0] == '0' && digits[1])
                base = 8, digits += 1;

        colon = strchr(digits, ':');
        if (!*digits)
                return KIND_INVALID;
        if (colon) {
                /* "1:30:00" = (1 * 60 + 30) * 60 + 0 */
                for (const char *part = digits; part; ) {
                        char *end;
                        unsigned long long d;

                        errno = 0;
                        d = strtoull(part, &end, 10);
                        if (end == part || (*end && *end != ':'))
                                return KIND_INVALID;
                        if (errno != 0 || v > (UINT64_MAX - d) / 60)
                                return KIND_BIGINT;
                        v = v * 60 + d;
                        part = *end ? end + 1 : NULL;
                }
        } else {
                char *end;

                errno = 0;
                v = strtoull(digits, &end, base);
                if (*end)
                        return KIND_INVALID;
                if (errno != 0)
                        return KIND_BIGINT;
        }
        if (v > (uint64_t) INT64_MAX)
                return KIND_BIGINT;
        *ret = negative ? -(int64_t) v : (int64_t) v;
        return KIND_INT;
}

static Kind resolve_plain(Parser *p, const char *s, int64_t *ret) {
        /* Every implicit type starts with one of these (or is empty): most names
         * are strings without running a single regex. */
        if (s[0] && !strchr("yYnNtTfFoO~0123456789+-.<", s[0]))
                return KIND_STR;
        if (matches(&p->re_bool, s)) {
                *ret = strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0;
                return KIND_BOOL;
        }
        if (matches(&p->re_float, s))
                return KIND_FLOAT;
        if (matches(&p->re_int, s))
                return construct_int(s, ret);
        if (streq(s, "<<"))
                return KIND_MERGE;
        if (matches(&p->re_null, s))
                return KIND_NULL;
        if (matches(&p->re_timestamp, s))
                return KIND_TIMESTAMP;
        /* "=" resolves to the value tag, which SafeLoader turns into a string. */
        return KIND_STR;
}

static Value node_value_uncached(Parser *p, yaml_node_t *n) {
        Value v = { .kind = KIND_OTHER };
        const char *tag = n ? (const char *) n->tag : NULL, *t;

        if (!n)
                return (Value) { .kind = KIND_INVALID };
        t = tag ? startswith(tag, YAML_TAG_PREFIX) : NULL;

        switch (n->type) {
        case YAML_MAPPING_NODE:
                v.kind = t && streq(t, "map") ? KIND_MAP : KIND_OTHER;
                return v;
        case YAML_SEQUENCE_NODE:
                v.kind = t && streq(t, "seq") ? KIND_SEQ : KIND_OTHER;
                return v;
        case YAML_SCALAR_NODE:
                break;
        default:
                return (Value) { .kind = KIND_INVALID };
        }

        v.s = (const char *) n->data.scalar.value;
        v.len = n->data.scalar.length;
        /* An embedded NUL would make the text and its length disagree; PyYAML
         * refuses the character as well. */
        if (strlen(v.s) != v.len || !t)
                return (Value) { .kind = KIND_INVALID };

        /* Only untagged plain scalars are resolved by their text. */
        if (streq(t, "str")) {
                size_t index = (size_t) (n - p->doc.nodes.start);
                bool tagged = index < p->n_tagged && p->tagged[index];

                v.kind = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tagged ?
                        resolve_plain(p, v.s, &v.i) : KIND_STR;
        }
        else if (streq(t, "int"))
                v.kind = matches(&p->re_int, v.s) ? construct_int(v.s, &v.i) : KIND_INVALID;
        else if (streq(t, "bool"))
                v.kind = matches(&p->re_bool, v.s) ? resolve_plain(p, v.s, &v.i) : KIND_INVALID;
        else if (streq(t, "null"))
                v.kind = KIND_NULL;
        else if (streq(t, "float"))
                v.kind = matches(&p->re_float, v.s) ? KIND_FLOAT : KIND_INVALID;
        else if (streq(t, "timestamp"))
                v.kind = matches(&p->re_timestamp, v.s) ? KIND_TIMESTAMP : KIND_INVALID;
        return v;
}

static Value node_value(Parser *p, yaml_node_t *n) {
        size_t index;

        if (!n)
                return (Value) { .kind = KIND_INVALID };
        index = (size_t) (n - p->doc.nodes.start);
        if (!p->values || index >= (size_t) (p->doc.nodes.top - p->doc.nodes.start))
                return node_value_uncached(p, n);
        if (!p->valued[index]) {
                p->values[index] = node_value_uncached(p, n);
                p->valued[index] = true;
        }
        return p->values[index];
}

/* Python's truth value, as in "if not node_config" and "if instance_type". */
static bool value_truthy(yaml_node_t *n, const Value *v) {
        switch (v->kind) {
        case KIND_NULL:
                return false;
        case KIND_BOOL:
        case KIND_INT:
                return v->i != 0;
        case KIND_STR:
                return v->len > 0;
        case KIND_MAP:
                return n->data.mapping.pairs.top > n->data.mapping.pairs.start;
        case KIND_SEQ:
                return n->data.sequence.items.top > n->data.sequence.items.start;
        default:
                return true;
        }
}

/* Python's == between two dictionary keys (always scalars, see validate()). */
static bool key_equal(const Value *a, const Value *b) {
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case KIND_NULL:
                return true;
        case KIND_BOOL:
        case KIND_INT:
                return a->i == b->i;
        case KIND_MAP:
        case KIND_SEQ:
        case KIND_INVALID:
                return false;
        default:
                return a->s && b->s && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
        }
}

typedef struct Pairs {
        yaml_node_pair_t *pairs;
        size_t n, allocated;
} Pairs;

static void pairs_done(Pairs *m) {
        free(m->pairs);
}

static int pairs_append(Pairs *m, const yaml_node_pair_t *pair) {
        if (m->n >= MERGE_MAX_PAIRS)
                return -E2BIG;
        if (GREEDY_REALLOC(m->pairs, m->allocated, m->n + 1) < 0)
                return -ENOMEM;
        m->pairs[m->n++] = *pair;
        return 0;
}

static int flatten(Parser *p, yaml_node_t *map, unsigned depth, Pairs *out);

static int flatten_merge_value(Parser *p, yaml_node_t *value, unsigned depth, Pairs *out) {
        Value v = node_value(p, value);
        int r;

        if (v.kind == KIND_MAP)
                return flatten(p, value, depth + 1, out);
        if (v.kind != KIND_SEQ)
                return -EBADMSG;

        r = spend(p, (size_t) (value->data.sequence.items.top - value->data.sequence.items.start));
        if (r < 0)
                return r;
        /* PyYAML merges a list of mappings in reverse, so that the first one wins. */
        for (yaml_node_item_t *i = value->data.sequence.items.top; i > value->data.sequence.items.start; i--) {
                yaml_node_t *sub = yaml_document_get_node(&p->doc, i[-1]);

                if (node_value(p, sub).kind != KIND_MAP)
                        return -EBADMSG;
                r = flatten(p, sub, depth + 1, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* PyYAML's flatten_mapping(): the pairs of every "<<" merge first, then the
 * mapping's own pairs, so that when the list is read as a dict (last one wins)
 * the mapping's own keys override merged ones. */
static int flatten(Parser *p, yaml_node_t *map, unsigned depth, Pairs *out) {
        size_t n_pairs = (size_t) (map->data.mapping.pairs.top - map->data.mapping.pairs.start);
        int r;

        if (depth > MERGE_MAX_DEPTH)
                return -ELOOP;
        /* Both loops below, and this call. */
        r = spend(p, 2 * n_pairs + 1);
        if (r < 0)
                return r;

        for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
                yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);

                if (node_value(p, key).kind != KIND_MERGE)
                        continue;
                r = flatten_merge_value(p, yaml_document_get_node(&p->doc, pair->value), depth, out);
                if (r < 0)
                        return r;
        }

        for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
                yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);

                if (node_value(p, key).kind == KIND_MERGE)
                        continue;
                r = pairs_append(out, pair);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* dict[key] for a string key: the last pair with that key, or NULL in *ret. */
static int pairs_get(Parser *p, const Pairs *m, const char *key, yaml_node_t **ret) {
        int r;

        r = spend(p, m->n + 1);
        if (r < 0)
                return r;
        *ret = NULL;
        for (size_t i = m->n; i > 0; i--) {
                Value k = node_value(p, yaml_document_get_node(&p->doc, m->pairs[i - 1].key));

                if (k.kind == KIND_STR && streq(k.s, key)) {
                        *ret = yaml_document_get_node(&p->doc, m->pairs[i - 1].value);
                        break;
                }
        }
        return 0;
}

static int mapping_get(Parser *p, yaml_node_t *map, const char *key, yaml_node_t **ret) {
        _cleanup_(pairs_done) Pairs m = {};
        int r;

        r = flatten(p, map, 0, &m);
        if (r < 0)
                return r;
        return pairs_get(p, &m, key, ret);
}

/* Python's "key in container" for a string key: 1 or 0, or -EBADMSG where Python
 * raises TypeError. On a string it is a substring test, on a list a search. */
static int py_contains(Parser *p, yaml_node_t *n, const char *key) {
        Value v = node_value(p, n);
        yaml_node_t *found;
        int r;

        switch (v.kind) {
        case KIND_MAP:
                r = mapping_get(p, n, key, &found);
                return r < 0 ? r : !!found;
        case KIND_STR:
                return !!strstr(v.s, key);
        case KIND_SEQ:
                r = spend(p, (size_t) (n->data.sequence.items.top - n->data.sequence.items.start));
                if (r < 0)
                        return r;
                for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
                        Value e = node_value(p, yaml_document_get_node(&p->doc, *i));

                        if (e.kind == KIND_STR && streq(e.s, key))
                                return 1;
                }
                return 0;
        default:
                return -EBADMSG;
        }
}

/* Python's container[key] after "key in container" said yes: only a mapping
 * can be indexed by a string. */
static int py_getitem(Parser *p, yaml_node_t *n, const char *key, yaml_node_t **ret) {
        if (node_value(p, n).kind != KIND_MAP)
                return -EBADMSG;
        return mapping_get(p, n, key, ret);
}

/* Ray's get_instance_type(node_config). 0 and *ret NULL when there is none. */
static int instance_type(Parser *p, yaml_node_t *node_config, yaml_node_t **ret) {
        static const char *const keys[] = { "InstanceType", "machineType" };
        Value v;
        yaml_node_t *azure;
        int r;

        *ret = NULL;
        if (!node_config)
                return 0;
        v = node_value(p, node_config);
        if (!value_truthy(node_config, &v))
                return 0;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                r = py_contains(p, node_config, keys[i]);
                if (r != 0)
                        return r < 0 ? r : py_getitem(p, node_config, keys[i], ret);
        }

        r = py_contains(p, node_config, "azure_arm_parameters");
        if (r <= 0)
                return r;
        r = py_getitem(p, node_config, "azure_arm_parameters", &azure);
        if (r < 0)
                return r;
        r = py_contains(p, azure, "vmSize");
        if (r <= 0)
                return r;
        return py_getitem(p, azure, "vmSize", ret);
}

/* The instance type as a string, NULL when Ray would skip it (falsy). */
static int instance_type_string(Parser *p, yaml_node_t *node_type, const char **ret) {
        yaml_node_t *node_config, *t;
        Value v;
        int r;

        /* available_node_types[name].get("node_config") */
        if (node_value(p, node_type).kind != KIND_MAP)
                return -EBADMSG;
        r = mapping_get(p, node_type, "node_config", &node_config);
        if (r < 0)
                return r;
        r = instance_type(p, node_config, &t);
        if (r < 0)
                return r;

        *ret = NULL;
        if (!t)
                return 0;
        v = node_value(p, t);
        if (!value_truthy(t, &v))
                return 0;
        if (v.kind != KIND_STR)
                return -EBADMSG;
        *ret = v.s;
        return 0;
}

static int node_types(Parser *p, const Pairs *top, ClusterConfig *c) {
        _cleanup_(pairs_done) Pairs types = {};
        _cleanup_strv_free_ char **workers = NULL;
        _cleanup_free_ Value *names = NULL;
        yaml_node_t *head, *available;
        Value v, head_name;
        int r;

        r = pairs_get(p, top, "head_node_type", &head);
        if (r < 0)
                return r;
        r = pairs_get(p, top, "available_node_types", &available);
        if (r < 0)
                return r;
        if (!head || !available)
                return 0;

        v = node_value(p, available);
        if (v.kind != KIND_MAP) {
                /* Iterating an empty list or string does nothing; anything else fails. */
                if ((v.kind == KIND_SEQ || v.kind == KIND_STR) && !value_truthy(available, &v))
                        return 0;
                return -EBADMSG;
        }

        r = flatten(p, available, 0, &types);
        if (r < 0)
                return r;

        names = calloc(types.n ?: 1, sizeof(Value));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < types.n; i++)
                names[i] = node_value(p, yaml_document_get_node(&p->doc, types.pairs[i].key));
        head_name = node_value(p, head);

        for (size_t i = 0; i < types.n; i++) {
                const char *t;
                bool later = false;

                /* A dict keeps one entry per key, with the last value. */
                r = spend(p, types.n - i);
                if (r < 0)
                        return r;
                for (size_t j = i + 1; j < types.n && !later; j++)
                        later = key_equal(&names[i], &names[j]);
                if (later)
                        continue;

                r = instance_type_string(p, yaml_document_get_node(&p->doc, types.pairs[i].value), &t);
                if (r < 0)
                        return r;
                if (!t)
                        continue;

                if (key_equal(&names[i], &head_name)) {
                        free(c->head_node_instance_type);
                        c->head_node_instance_type = strdup(t);
                        if (!c->head_node_instance_type)
                                return -ENOMEM;
                } else {
                        char *s = strdup(t);

                        if (!s)
                                return -ENOMEM;
                        r = strv_push(&workers, s);
                        if (r < 0) {
                                free(s);
                                return r;
                        }
                }
        }

        strv_sort_unique(workers);
        c->worker_node_instance_types = TAKE_PTR(workers);
        return 0;
}

static int count_field(Parser *p, const Pairs *top, const char *key, int64_t *ret) {
        yaml_node_t *n;
        Value v;
        int r;

        r = pairs_get(p, top, key, &n);
        if (r < 0)
                return r;
        if (!n)
                return 0;
        v = node_value(p, n);
        if (v.kind == KIND_NULL)
                return 0;
        /* -1 stands for null, and a negative count is no count anyway. */
        if (v.kind != KIND_INT || v.i < 0)
                return -EBADMSG;
        *ret = v.i;
        return 0;
}

static int provider_type(Parser *p, const Pairs *top, char **ret) {
        yaml_node_t *provider, *type;
        Value v;
        int r;

        r = pairs_get(p, top, "provider", &provider);
        if (r < 0)
                return r;
        /* if "provider" in config and "type" in config["provider"] */
        if (!provider)
                return 0;
        r = py_contains(p, provider, "type");
        if (r <= 0)
                return r;
        r = py_getitem(p, provider, "type", &type);
        if (r < 0)
                return r;

        v = node_value(p, type);
        if (v.kind == KIND_NULL)
                return 0;
        if (v.kind != KIND_STR)
                return -EBADMSG;
        *ret = strdup(v.s);
        return *ret ? 0 : -ENOMEM;
}

/* What PyYAML refuses anywhere in the document, even in parts Ray never reads:
 * tags SafeLoader has no constructor for, tagged values it cannot construct
 * ("!!int abc"), and collections used as keys. */
static int validate(Parser *p) {
        static const char *const known[] = {
                "null", "bool", "int", "float", "binary", "timestamp",
                "omap", "pairs", "set", "str", "seq", "map",
        };

        for (yaml_node_t *n = p->doc.nodes.start; n < p->doc.nodes.top; n++) {
                const char *t = n->tag ? startswith((const char *) n->tag, YAML_TAG_PREFIX) : NULL;
                bool found = false;

                for (size_t i = 0; t && i < ELEMENTSOF(known) && !found; i++)
                        found = streq(t, known[i]);
                if (!found || node_value(p, n).kind == KIND_INVALID)
                        return -EBADMSG;

                if (n->type != YAML_MAPPING_NODE)
                        continue;
                for (yaml_node_pair_t *pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
                        yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);

                        if (!key || key->type != YAML_SCALAR_NODE)
                                return -EBADMSG;
                }
        }
        return 0;
}

/* Walks the events once before loading: exactly one document, bounded size and
 * depth (libyaml's loader shares aliased nodes instead of copying them), and
 * notes which nodes carry a tag. The loader creates one node per scalar,
 * sequence and mapping event, in event order, so the k-th such event is node k. */
static int prescan(Parser *p, const char *yaml, size_t size) {
        yaml_parser_t parser;
        unsigned depth = 0, documents = 0;
        int r = 0;

        p->tagged = calloc(YAML_MAX_EVENTS, sizeof(bool));
        if (!p->tagged)
                return -ENOMEM;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) yaml, size);

        for (size_t events = 0; r == 0; events++) {
                yaml_event_t e;

                if (events >= YAML_MAX_EVENTS || !yaml_parser_parse(&parser, &e)) {
                        r = -EBADMSG;
                        break;
                }
                switch (e.type) {
                case YAML_DOCUMENT_START_EVENT:
                        documents++;
                        break;
                case YAML_SCALAR_EVENT:
                        p->tagged[p->n_tagged++] = e.data.scalar.tag;
                        break;
                case YAML_SEQUENCE_START_EVENT:
                case YAML_MAPPING_START_EVENT:
                        p->tagged[p->n_tagged++] = e.type == YAML_SEQUENCE_START_EVENT ?
                                e.data.sequence_start.tag : e.data.mapping_start.tag;
                        if (++depth > YAML_MAX_DEPTH)
                                r = -EBADMSG;
                        break;
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        depth--;
                        break;
                case YAML_STREAM_END_EVENT:
                        r = 1;
                        break;
                default:
                        break;
                }
                yaml_event_delete(&e);
        }
        yaml_parser_delete(&parser);

        if (r < 0)
                return r;
        /* safe_load() of an empty stream is None, and of several documents an error. */
        return documents == 1 ? 0 : -EBADMSG;
}

static int parser_init(Parser *p) {
        const struct {
                regex_t *re;
                const char *pattern;
        } table[] = {
                { &p->re_bool, re_bool },
                { &p->re_float, re_float },
                { &p->re_int, re_int },
                { &p->re_null, re_null },
                { &p->re_timestamp, re_timestamp },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (regcomp(table[i].re, table[i].pattern, REG_EXTENDED | REG_NOSUB) != 0) {
                        while (i-- > 0)
                                regfree(table[i].re);
                        return -ENOMEM;
                }
        return 0;
}

static void parser_done(Parser *p) {
        free(p->tagged);
        free(p->values);
        free(p->valued);
        regfree(&p->re_bool);
        regfree(&p->re_float);
        regfree(&p->re_int);
        regfree(&p->re_null);
        regfree(&p->re_timestamp);
}

static int parse_document(Parser *p, ClusterConfig *c) {
        _cleanup_(pairs_done) Pairs top = {};
        yaml_node_t *root;
        size_t n_nodes = (size_t) (p->doc.nodes.top - p->doc.nodes.start);
        int r;

        p->values = calloc(n_nodes ?: 1, sizeof(Value));
        p->valued = calloc(n_nodes ?: 1, sizeof(bool));
        if (!p->values || !p->valued)
                return -ENOMEM;

        r = validate(p);
        if (r < 0)
                return r;

        root = yaml_document_get_root_node(&p->doc);
        if (!root || node_value(p, root).kind != KIND_MAP)
                return -EBADMSG;
        r = flatten(p, root, 0, &top);
        if (r < 0)
                return r;

        r = count_field(p, &top, "min_workers", &c->min_workers);
        if (r < 0)
                return r;
        r = count_field(p, &top, "max_workers", &c->max_workers);
        if (r < 0)
                return r;
        r = provider_type(p, &top, &c->cloud_provider);
        if (r < 0)
                return r;
        return node_types(p, &top, c);
}

int cluster_config_parse(const char *yaml, size_t size, ClusterConfig *ret) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;
        yaml_parser_t parser;
        Parser p = {};
        int r;

        assert(yaml || size == 0);
        assert(ret);

        *ret = CLUSTER_CONFIG_NULL;

        if (size > CLUSTER_CONFIG_MAX_SIZE)
                return 0;

        r = parser_init(&p);
        if (r < 0)
                return r;

        r = prescan(&p, yaml, size);
        if (r >= 0) {
                if (!yaml_parser_initialize(&parser)) {
                        parser_done(&p);
                        return -ENOMEM;
                }
                yaml_parser_set_input_string(&parser, (const unsigned char *) yaml, size);
                if (yaml_parser_load(&parser, &p.doc)) {
                        r = parse_document(&p, &c);
                        yaml_document_delete(&p.doc);
                } else
                        r = -EBADMSG;
                yaml_parser_delete(&parser);
        }
        parser_done(&p);

        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Ray: "Bad YAML or any other error: every field None". */
                if (r == -E2BIG)
                        log_debug("Ignoring the cluster config: reading it takes more than %d node visits",
                                  YAML_MAX_VISITS);
                else
                        log_debug_errno(r, "Ignoring the cluster config: %m");
                return 0;
        }

        *ret = c;
        c = CLUSTER_CONFIG_NULL;
        return 0;
}

int cluster_config_detect(const char *yaml, size_t size, bool yaml_missing, const char *cloud, ClusterConfig *ret) {
        _cleanup_(cluster_config_done) ClusterConfig c = CLUSTER_CONFIG_NULL;

        assert(ret);

        if (!yaml_missing)
                return cluster_config_parse(yaml, size, ret);

        /* No bootstrap YAML: a manually started cluster, or one on Kubernetes. */
        if (getenv("KUBERNETES_SERVICE_HOST")) {
                c.cloud_provider = strdup(getenv("RAY_USAGE_STATS_KUBERAY_IN_USE") ? "kuberay" : "kubernetes");
                if (!c.cloud_provider)
                        return -ENOMEM;
        }

        if (cloud) {
                if (!c.cloud_provider) {
                        c.cloud_provider = strdup(cloud);
                        if (!c.cloud_provider)
                                return -ENOMEM;
                } else {
                        char *s;

                        /* Ray writes f"_${probe}": the "$" is a template slip in Ray, kept
                         * on purpose so that our reports read exactly like Ray's
                         * ("kuberay_$gcp"). */
                        if (asprintf(&s, "%s_$%s", c.cloud_provider, cloud) < 0)
                                return -ENOMEM;
                        free(c.cloud_provider);
                        c.cloud_provider = s;
                }
        }

        *ret = c;
        c = CLUSTER_CONFIG_NULL;
        return 0;
}
