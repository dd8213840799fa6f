/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <regex.h>
#include <yaml.h>

#include "report/pyyaml.h"
#include "shared/alloc-util.h"
#include "shared/json-util.h"
#include "shared/macro.h"

/* A Ray bootstrap YAML has a few hundred events and nests a handful of levels. */
#define MAX_DEPTH 64
#define MAX_EVENTS 100000
/* Merge keys are followed this deep, and construction through aliases this
 * deep: far beyond any real config, well within the stack. */
#define MAX_MERGE_DEPTH 64
#define MAX_CONSTRUCT_DEPTH 256
/* libyaml refuses a surrogate escape ("\ud83d") where PyYAML takes it: each is
 * rewritten and the text parsed again, this many times at most. */
#define MAX_REWRITES 32
/* CPython's sys.int_info.default_max_str_digits: int() of a longer decimal
 * text raises, and so does str() of a longer int. */
#define INT_MAX_STR_DIGITS 4300

#define TAG_PREFIX "tag:yaml.org,2002:"

typedef enum Tag {
        TAG_NULL, TAG_BOOL, TAG_INT, TAG_FLOAT, TAG_BINARY, TAG_TIMESTAMP, TAG_OMAP, TAG_PAIRS,
        TAG_SET, TAG_STR, TAG_SEQ, TAG_MAP, TAG_MERGE, TAG_VALUE, TAG_UNKNOWN,
} Tag;

static const char *const tag_names[] = {
        [TAG_NULL] = "null", [TAG_BOOL] = "bool", [TAG_INT] = "int", [TAG_FLOAT] = "float",
        [TAG_BINARY] = "binary", [TAG_TIMESTAMP] = "timestamp", [TAG_OMAP] = "omap",
        [TAG_PAIRS] = "pairs", [TAG_SET] = "set", [TAG_STR] = "str", [TAG_SEQ] = "seq",
        [TAG_MAP] = "map", [TAG_MERGE] = "merge", [TAG_VALUE] = "value",
};

/* An integer of any size: magnitude in 32-bit limbs, least significant first. */
typedef struct Big {
        uint32_t *limb;
        size_t n, allocated;
        bool negative;
} Big;

struct PyObj {
        /* The composed node. */
        yaml_node_type_t kind;
        char *tag;              /* NULL: none, or the non-specific "!" */
        bool plain_implicit;    /* resolved by its text (libyaml's plain_implicit) */
        char *text;             /* a scalar's value */
        size_t len;
        size_t *children;       /* sequence items; mapping keys and values in turn */
        size_t n_children;

        /* The constructed object. */
        enum { NEW, BUILDING, BUILT } state;
        bool flattening, flattened, dumping;
        PyType type;
        bool boolean;
        Big big;
        double f;
        char *bytes;
        size_t n_bytes;
        int64_t when;           /* PY_DATE: days; PY_DATETIME: microseconds, UTC when aware */
        bool aware;
        bool shared_nan;        /* SafeConstructor.nan_value: every ".nan" is this one object */
        size_t *flat;           /* a mapping's pairs after merge keys, before de-duplication */
        size_t n_flat;
        size_t *items;          /* dict/set: key, value in turn, one per key; list/pairs: the items */
        size_t n_items;
};

struct PyDoc {
        PyObj *nodes;
        size_t n_nodes, allocated;
        PyObj none;             /* the value of an empty stream */
        bool has_root;
        size_t root;
        size_t visits;
        regex_t re_bool, re_float, re_int, re_null, re_timestamp;
        bool regexes;
};

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

int pyyaml_spend(PyDoc *d, size_t n) {
        assert(d);

        if (n > PYYAML_BUDGET - d->visits)
                return -E2BIG;
        d->visits += n;
        return 0;
}

static char *memdup0(const char *p, size_t n) {
        char *s = malloc(n + 1);

        if (s) {
                memcpy(s, p, n);
                s[n] = 0;
        }
        return s;
}

static PyObj *node(PyDoc *d, size_t i) {
        return &d->nodes[i];
}

/* ---- integers ---------------------------------------------------------- */

static void big_done(Big *b) {
        free(b->limb);
        *b = (Big) {};
}

static void big_trim(Big *b) {
        while (b->n > 0 && b->limb[b->n - 1] == 0)
                b->n--;
        if (b->n == 0)
                b->negative = false;
}

/* |b| = |b| * mul + add */
static int big_mul_add(PyDoc *d, Big *b, uint32_t mul, uint32_t add) {
        uint64_t carry = add;
        int r;

        r = pyyaml_spend(d, 1 + b->n / 16);
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->n; i++) {
                uint64_t v = (uint64_t) b->limb[i] * mul + carry;

                b->limb[i] = (uint32_t) v;
                carry = v >> 32;
        }
        if (carry) {
                if (GREEDY_REALLOC(b->limb, b->allocated, b->n + 1) < 0)
                        return -ENOMEM;
                b->limb[b->n++] = (uint32_t) carry;
        }
        return 0;
}

static int big_cmp_abs(const Big *a, const Big *b) {
        if (a->n != b->n)
                return a->n < b->n ? -1 : 1;
        for (size_t i = a->n; i > 0; i--)
                if (a->limb[i - 1] != b->limb[i - 1])
                        return a->limb[i - 1] < b->limb[i - 1] ? -1 : 1;
        return 0;
}

/* a += b, with signs. */
static int big_add(PyDoc *d, Big *a, const Big *b) {
        size_t n = (a->n > b->n ? a->n : b->n) + 1;
        int r;

        r = pyyaml_spend(d, 1 + n / 16);
        if (r < 0)
                return r;
        if (GREEDY_REALLOC(a->limb, a->allocated, n) < 0)
                return -ENOMEM;
        for (size_t i = a->n; i < n; i++)
                a->limb[i] = 0;

        if (a->negative == b->negative || b->n == 0) {
                uint64_t carry = 0;

                for (size_t i = 0; i < n; i++) {
                        uint64_t v = (uint64_t) a->limb[i] + (i < b->n ? b->limb[i] : 0) + carry;

                        a->limb[i] = (uint32_t) v;
                        carry = v >> 32;
                }
        } else if (big_cmp_abs(a, b) >= 0) {
                int64_t borrow = 0;

                for (size_t i = 0; i < n; i++) {
                        int64_t v = (int64_t) a->limb[i] - (i < b->n ? b->limb[i] : 0) - borrow;

                        borrow = v < 0;
                        a->limb[i] = (uint32_t) (v + (borrow ? ((int64_t) 1 << 32) : 0));
                }
        } else {
                int64_t borrow = 0;

                for (size_t i = 0; i < n; i++) {
                        int64_t v = (int64_t) (i < b->n ? b->limb[i] : 0) - a->limb[i] - borrow;

                        borrow = v < 0;
                        a->limb[i] = (uint32_t) (v + (borrow ? ((int64_t) 1 << 32) : 0));
                }
                a->negative = b->negative;
        }
        a->n = n;
        big_trim(a);
        return 0;
}

static bool is_py_space(const char *s, size_t len, size_t *ret_width) {
        static const uint32_t unicode_spaces[] = {
                0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
                0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
        };
        const unsigned char *u = (const unsigned char *) s;
        uint32_t c;
        size_t w;

        if (len == 0)
                return false;
        if (u[0] < 0x80) {
                *ret_width = 1;
                return strchr(" \t\n\v\f\r\x1c\x1d\x1e\x1f", u[0]) && u[0];
        }
        if ((u[0] & 0xe0) == 0xc0 && len >= 2)
                c = (u[0] & 0x1fU) << 6 | (u[1] & 0x3fU), w = 2;
        else if ((u[0] & 0xf0) == 0xe0 && len >= 3)
                c = (u[0] & 0x0fU) << 12 | (u[1] & 0x3fU) << 6 | (u[2] & 0x3fU), w = 3;
        else
                return false;
        *ret_width = w;
        for (size_t i = 0; i < ELEMENTSOF(unicode_spaces); i++)
                if (c == unicode_spaces[i])
                        return true;
        return false;
}

/* Python's str.strip() of whitespace, as int() and float() apply it. */
static void py_strip(const char **s, size_t *len) {
        size_t w;

        while (is_py_space(*s, *len, &w))
                *s += w, *len -= w;
        for (;;) {
                size_t back = 0;

                /* Whitespace is at most 3 bytes long: try each width from the end. */
                for (size_t k = 1; k <= 3 && k <= *len && !back; k++)
                        if (is_py_space(*s + *len - k, k, &w) && w == k)
                                back = k;
                if (!back)
                        return;
                *len -= back;
        }
}

static int digit_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'Z')
                return c - 'A' + 10;
        return 99;
}

/* Python's int(s, base) for base 2, 8, 10 or 16 (ASCII digits only): -EBADMSG
 * where it raises ValueError. */
static int py_int(PyDoc *d, const char *s, size_t len, unsigned base, Big *ret) {
        _cleanup_(big_done) Big b = {};
        bool negative = false;
        size_t digits = 0;
        int r;

        py_strip(&s, &len);
        if (len > 0 && (*s == '-' || *s == '+')) {
                negative = *s == '-';
                s++, len--;
        }
        if (len >= 2 && s[0] == '0' && base != 10 &&
            ((base == 16 && (s[1] == 'x' || s[1] == 'X')) || (base == 8 && (s[1] == 'o' || s[1] == 'O')) ||
             (base == 2 && (s[1] == 'b' || s[1] == 'B'))))
                s += 2, len -= 2;
        if (len == 0)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                int v = digit_value(s[i]);

                if (v >= (int) base)
                        return -EBADMSG;
                if (base == 10 && ++digits > INT_MAX_STR_DIGITS)
                        return -EBADMSG;
                r = big_mul_add(d, &b, base, (uint32_t) v);
                if (r < 0)
                        return r;
        }
        big_trim(&b);
        b.negative = negative && b.n > 0;
        *ret = b;
        b = (Big) {};
        return 0;
}

/* SafeConstructor.construct_yaml_int(). */
static int construct_int(PyDoc *d, const char *text, size_t len, Big *ret) {
        _cleanup_free_ char *v = NULL;
        _cleanup_(big_done) Big b = {};
        const char *s;
        size_t n = 0;
        bool negative;
        int r;

        v = malloc(len + 1);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++)
                if (text[i] != '_')
                        v[n++] = text[i];
        v[n] = 0;
        if (n == 0)
                return -EBADMSG;

        s = v;
        negative = s[0] == '-';
        if (s[0] == '-' || s[0] == '+')
                s++, n--;

        if (n == 1 && s[0] == '0')
                r = 0;
        else if (n >= 2 && s[0] == '0' && s[1] == 'b')
                r = py_int(d, s + 2, n - 2, 2, &b);
        else if (n >= 2 && s[0] == '0' && s[1] == 'x')
                r = py_int(d, s + 2, n - 2, 16, &b);
        else if (n >= 1 && s[0] == '0')
                r = py_int(d, s, n, 8, &b);
        else if (memchr(s, ':', n)) {
                /* Base 60: "1:30" is 90. Each part is an int() of its own. */
                const char *part = s, *end = s + n;

                for (;;) {
                        const char *colon = memchr(part, ':', (size_t) (end - part));
                        _cleanup_(big_done) Big p = {};

                        r = py_int(d, part, (size_t) ((colon ?: end) - part), 10, &p);
                        if (r < 0)
                                return r;
                        r = big_mul_add(d, &b, 60, 0);
                        if (r < 0)
                                return r;
                        r = big_add(d, &b, &p);
                        if (r < 0)
                                return r;
                        if (!colon)
                                break;
                        part = colon + 1;
                }
        } else
                r = py_int(d, s, n, 10, &b);
        if (r < 0)
                return r;

        if (negative && b.n > 0)
                b.negative = !b.negative;
        *ret = b;
        b = (Big) {};
        return 0;
}

static bool big_fits_int64(const Big *b, int64_t *ret) {
        uint64_t m;

        if (b->n > 2)
                return false;
        m = (b->n > 0 ? b->limb[0] : 0) | (uint64_t) (b->n > 1 ? b->limb[1] : 0) << 32;
        if (m > (uint64_t) INT64_MAX + b->negative)
                return false;
        *ret = b->negative ? (int64_t) (0 - m) : (int64_t) m;
        return true;
}

/* The exact integer value of an integral double. */
static int big_from_double(double f, Big *ret) {
        int e;
        double m = frexp(fabs(f), &e);
        uint64_t mant = (uint64_t) ldexp(m, 53);
        size_t shift, n;

        *ret = (Big) { .negative = f < 0 };
        if (f == 0)
                return 0;
        /* |f| = mant * 2^(e - 53) */
        if (e < 53) {
                mant >>= 53 - e;
                shift = 0;
        } else
                shift = (size_t) (e - 53);
        n = shift / 32 + 3;
        ret->limb = calloc(n, sizeof(uint32_t));
        if (!ret->limb)
                return -ENOMEM;
        ret->n = ret->allocated = n;
        for (size_t bit = 0; bit < 64; bit++)
                if (mant & ((uint64_t) 1 << bit))
                        ret->limb[(bit + shift) / 32] |= (uint32_t) 1 << ((bit + shift) % 32);
        big_trim(ret);
        return 0;
}

/* str(int), or -EDOM past INT_MAX_STR_DIGITS as CPython. */
static int big_to_decimal(PyDoc *d, const Big *b, char **ret) {
        _cleanup_free_ uint32_t *l = NULL;
        _cleanup_free_ char *s = NULL;
        size_t n = b->n, len = 0, cap;
        int r;

        /* 32 bits are at most 9.64 decimal digits. */
        if (n > (INT_MAX_STR_DIGITS + 20) / 9)
                return -EDOM;
        r = pyyaml_spend(d, n * n / 16 + 1);
        if (r < 0)
                return r;
        cap = n * 10 + 3;
        s = malloc(cap);
        l = malloc((n ?: 1) * sizeof(uint32_t));
        if (!s || !l)
                return -ENOMEM;
        if (n > 0)
                memcpy(l, b->limb, n * sizeof(uint32_t));
        do {
                uint64_t rem = 0;

                for (size_t i = n; i > 0; i--) {
                        uint64_t v = rem << 32 | l[i - 1];

                        l[i - 1] = (uint32_t) (v / 10);
                        rem = v % 10;
                }
                s[len++] = (char) ('0' + rem);
                while (n > 0 && l[n - 1] == 0)
                        n--;
        } while (n > 0);
        if (len > INT_MAX_STR_DIGITS)
                return -EDOM;
        if (b->negative)
                s[len++] = '-';
        for (size_t i = 0; i < len / 2; i++) {
                char c = s[i];

                s[i] = s[len - 1 - i];
                s[len - 1 - i] = c;
        }
        s[len] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- floats, booleans, binary, timestamps ------------------------------ */

/* Python's float(s), ASCII digits only: -EBADMSG where it raises. */
static int py_float(const char *s, size_t len, double *ret) {
        _cleanup_free_ char *copy = NULL;
        size_t i = 0, mantissa = 0;
        const char *t;

        py_strip(&s, &len);
        copy = strndup(s, len);
        if (!copy)
                return -ENOMEM;
        if (strlen(copy) != len)
                return -EBADMSG;
        t = copy;
        if (*t == '-' || *t == '+')
                t++;
        if (strcasecmp(t, "inf") == 0 || strcasecmp(t, "infinity") == 0 || strcasecmp(t, "nan") == 0) {
                *ret = strtod(copy, NULL);
                return 0;
        }
        for (; t[i] >= '0' && t[i] <= '9'; i++)
                mantissa++;
        if (t[i] == '.')
                for (i++; t[i] >= '0' && t[i] <= '9'; i++)
                        mantissa++;
        if (mantissa == 0)
                return -EBADMSG;
        if (t[i] == 'e' || t[i] == 'E') {
                size_t exp_digits = 0;

                i++;
                if (t[i] == '-' || t[i] == '+')
                        i++;
                for (; t[i] >= '0' && t[i] <= '9'; i++)
                        exp_digits++;
                if (exp_digits == 0)
                        return -EBADMSG;
        }
        if (t[i])
                return -EBADMSG;
        *ret = strtod(copy, NULL);
        return 0;
}

/* SafeConstructor.construct_yaml_float(). */
static int construct_float(const char *text, size_t len, double *ret, bool *ret_shared_nan) {
        _cleanup_free_ char *v = NULL;
        const char *s;
        size_t n = 0;
        double sign = 1, value = 0, base = 1;
        int r;

        v = malloc(len + 1);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++)
                if (text[i] != '_')
                        v[n++] = (char) (text[i] >= 'A' && text[i] <= 'Z' ? text[i] - 'A' + 'a' : text[i]);
        v[n] = 0;
        if (n == 0)
                return -EBADMSG;
        s = v;
        if (s[0] == '-')
                sign = -1;
        if (s[0] == '-' || s[0] == '+')
                s++, n--;

        if (n == 4 && memcmp(s, ".inf", 4) == 0)
                *ret = sign * INFINITY;
        else if (n == 4 && memcmp(s, ".nan", 4) == 0) {
                *ret = NAN;
                *ret_shared_nan = true;
        }
        else if (memchr(s, ':', n)) {
                const char *end = s + n, *colon;

                /* digits.reverse(), then value += digit * base; base *= 60 */
                for (const char *part_end = end; ; part_end = colon) {
                        double digit;

                        colon = part_end;
                        while (colon > s && colon[-1] != ':')
                                colon--;
                        r = py_float(colon, (size_t) (part_end - colon), &digit);
                        if (r < 0)
                                return r;
                        value += digit * base;
                        base *= 60;
                        if (colon == s)
                                break;
                        colon--;
                }
                *ret = sign * value;
        } else {
                r = py_float(s, n, &value);
                if (r < 0)
                        return r;
                *ret = sign * value;
        }
        return 0;
}

static int construct_bool(const char *text, size_t len, bool *ret) {
        static const struct {
                const char *word;
                bool value;
        } table[] = {
                { "yes", true }, { "no", false }, { "true", true },
                { "false", false }, { "on", true }, { "off", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strlen(table[i].word) == len && strncasecmp(text, table[i].word, len) == 0) {
                        *ret = table[i].value;
                        return 0;
                }
        return -EBADMSG;
}

/* base64.decodebytes(), CPython's non-strict binascii.a2b_base64(). */
static int construct_binary(const char *text, size_t len, char **ret, size_t *ret_len) {
        _cleanup_free_ char *out = NULL;
        size_t n = 0;
        unsigned quad = 0, pads = 0, left = 0;

        out = malloc(len / 4 * 3 + 3);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) text[i];
                const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p;
                unsigned v;

                if (c >= 0x80)
                        return -EBADMSG; /* .encode('ascii') */
                if (c == '=') {
                        if (quad >= 2 && quad + ++pads >= 4)
                                goto done;
                        continue;
                }
                p = c ? strchr(alphabet, c) : NULL;
                if (!p)
                        continue;
                v = (unsigned) (p - alphabet);
                pads = 0;
                switch (quad) {
                case 0:
                        left = v;
                        break;
                case 1:
                        out[n++] = (char) (left << 2 | v >> 4);
                        left = v & 0xf;
                        break;
                case 2:
                        out[n++] = (char) (left << 4 | v >> 2);
                        left = v & 0x3;
                        break;
                case 3:
                        out[n++] = (char) (left << 6 | v);
                        break;
                }
                quad = (quad + 1) % 4;
        }
        if (quad != 0)
                return -EBADMSG;
done:
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned) (y - era * 400);
        unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        return era * 146097 + (int64_t) doe;
}

static bool read_digits(const char **p, const char *end, size_t min, size_t max, unsigned *ret) {
        size_t n = 0;
        unsigned v = 0;

        while (*p < end && n < max && **p >= '0' && **p <= '9') {
                v = v * 10 + (unsigned) (**p - '0');
                (*p)++, n++;
        }
        *ret = v;
        return n >= min;
}

/* SafeConstructor.construct_yaml_timestamp(): its regular expression (with
 * Python's "$", which also matches before a final newline), then the range
 * checks of datetime.date, datetime.datetime and datetime.timezone. */
static int construct_timestamp(PyObj *o) {
        static const unsigned month_days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        const char *p = o->text, *end = o->text + o->len;
        unsigned year, month, day, hour, minute, second, tz_hour = 0, tz_minute = 0;
        int64_t micro = 0, offset = 0;
        bool leap;

        if (end > p && end[-1] == '\n')
                end--;
        if (!read_digits(&p, end, 4, 4, &year) || p >= end || *p++ != '-' ||
            !read_digits(&p, end, 1, 2, &month) || p >= end || *p++ != '-' ||
            !read_digits(&p, end, 1, 2, &day))
                return -EBADMSG;
        leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > month_days[month - 1] ||
            (month == 2 && day == 29 && !leap))
                return -EBADMSG;
        if (p == end) {
                o->type = PY_DATE;
                o->when = days_from_civil(year, month, day);
                return 0;
        }

        if (*p == 'T' || *p == 't')
                p++;
        else if (*p == ' ' || *p == '\t')
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
        else
                return -EBADMSG;
        if (!read_digits(&p, end, 1, 2, &hour) || p >= end || *p++ != ':' ||
            !read_digits(&p, end, 2, 2, &minute) || p >= end || *p++ != ':' ||
            !read_digits(&p, end, 2, 2, &second))
                return -EBADMSG;
        if (p < end && *p == '.') {
                unsigned scale = 100000;

                for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
                        micro += (*p - '0') * scale;
                        scale /= 10;
                }
        }
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        o->aware = false;
        if (p < end && *p == 'Z') {
                p++;
                o->aware = true;
        } else if (p < end && (*p == '-' || *p == '+')) {
                bool minus = *p++ == '-';

                if (!read_digits(&p, end, 1, 2, &tz_hour))
                        return -EBADMSG;
                if (p < end && *p == ':') {
                        p++;
                        if (!read_digits(&p, end, 2, 2, &tz_minute))
                                return -EBADMSG;
                }
                offset = ((int64_t) tz_hour * 60 + tz_minute) * 60;
                /* datetime.timezone() wants strictly less than a day. */
                if (offset >= 86400)
                        return -EBADMSG;
                if (minus)
                        offset = -offset;
                o->aware = true;
        }
        /* The regular expression allows blanks before an absent zone only if they end it. */
        if (p != end || (end > o->text && (end[-1] == ' ' || end[-1] == '\t')))
                return -EBADMSG;
        if (hour > 23 || minute > 59 || second > 59)
                return -EBADMSG;

        o->type = PY_DATETIME;
        o->when = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second - offset;
        o->when = o->when * 1000000 + micro;
        return 0;
}

/* ---- composing ---------------------------------------------------------- */

typedef struct Open {
        size_t node;
        size_t *kids;
        size_t n, allocated;
} Open;

typedef struct Anchor {
        char *name;
        size_t node;
} Anchor;

static int push_index(size_t **a, size_t *n, size_t *allocated, size_t v) {
        if (GREEDY_REALLOC(*a, *allocated, *n + 1) < 0)
                return -ENOMEM;
        (*a)[(*n)++] = v;
        return 0;
}

static int new_node(PyDoc *d, yaml_node_type_t kind, const yaml_char_t *tag, bool plain_implicit, size_t *ret) {
        PyObj *o;

        if (GREEDY_REALLOC(d->nodes, d->allocated, d->n_nodes + 1) < 0)
                return -ENOMEM;
        o = &d->nodes[d->n_nodes];
        *o = (PyObj) { .kind = kind, .plain_implicit = plain_implicit };
        if (tag && !streq((const char *) tag, "!")) {
                o->tag = strdup((const char *) tag);
                if (!o->tag)
                        return -ENOMEM;
        }
        *ret = d->n_nodes++;
        return 0;
}

static int attach(PyDoc *d, Open *stack, size_t depth, size_t index) {
        if (depth == 0) {
                d->root = index;
                d->has_root = true;
                return 0;
        }
        return push_index(&stack[depth - 1].kids, &stack[depth - 1].n, &stack[depth - 1].allocated, index);
}

static int anchor_add(PyDoc *d, Anchor **anchors, size_t *n, size_t *allocated, const yaml_char_t *name,
                      size_t index) {
        int r;

        if (!name)
                return 0;
        r = pyyaml_spend(d, *n + 1);
        if (r < 0)
                return r;
        for (size_t i = 0; i < *n; i++)
                if (streq((*anchors)[i].name, (const char *) name))
                        return -EBADMSG; /* ComposerError: found duplicate anchor */
        if (GREEDY_REALLOC(*anchors, *allocated, *n + 1) < 0)
                return -ENOMEM;
        (*anchors)[*n] = (Anchor) { .name = strdup((const char *) name), .node = index };
        if (!(*anchors)[*n].name)
                return -ENOMEM;
        (*n)++;
        return 0;
}

typedef struct ParseError {
        const char *problem;
        size_t index;   /* in characters, as libyaml counts */
} ParseError;

/* One pass of libyaml's parser over text, composing nodes as PyYAML's composer. */
static int compose(PyDoc *d, const char *text, size_t size, ParseError *err) {
        Open stack[MAX_DEPTH] = {};
        Anchor *anchors = NULL;
        size_t depth = 0, n_anchors = 0, anchors_allocated = 0;
        unsigned documents = 0;
        yaml_parser_t parser;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, size);

        for (size_t events = 0; r == 0; events++) {
                yaml_event_t e;
                size_t index;

                if (events >= MAX_EVENTS) {
                        r = -E2BIG;
                        break;
                }
                if (!yaml_parser_parse(&parser, &e)) {
                        *err = (ParseError) { parser.problem, parser.problem_mark.index };
                        r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
                        break;
                }
                r = pyyaml_spend(d, 1);
                switch (r < 0 ? YAML_NO_EVENT : e.type) {
                case YAML_DOCUMENT_START_EVENT:
                        /* safe_load() of several documents raises. */
                        if (++documents > 1)
                                r = -EBADMSG;
                        break;
                case YAML_ALIAS_EVENT:
                        r = -EBADMSG; /* found undefined alias */
                        for (size_t i = 0; i < n_anchors; i++)
                                if (streq(anchors[i].name, (const char *) e.data.alias.anchor)) {
                                        r = attach(d, stack, depth, anchors[i].node);
                                        break;
                                }
                        break;
                case YAML_SCALAR_EVENT:
                        r = new_node(d, YAML_SCALAR_NODE, e.data.scalar.tag, e.data.scalar.plain_implicit, &index);
                        if (r < 0)
                                break;
                        node(d, index)->len = e.data.scalar.length;
                        node(d, index)->text = memdup0((const char *) e.data.scalar.value, e.data.scalar.length);
                        if (!node(d, index)->text) {
                                r = -ENOMEM;
                                break;
                        }
                        r = anchor_add(d, &anchors, &n_anchors, &anchors_allocated, e.data.scalar.anchor, index);
                        if (r >= 0)
                                r = attach(d, stack, depth, index);
                        break;
                case YAML_SEQUENCE_START_EVENT:
                case YAML_MAPPING_START_EVENT: {
                        bool seq = e.type == YAML_SEQUENCE_START_EVENT;

                        if (depth >= MAX_DEPTH) {
                                r = -E2BIG;
                                break;
                        }
                        r = new_node(d, seq ? YAML_SEQUENCE_NODE : YAML_MAPPING_NODE,
                                     seq ? e.data.sequence_start.tag : e.data.mapping_start.tag, false, &index);
                        if (r < 0)
                                break;
                        /* Registered before the children: "&a [*a]" is a recursive list. */
                        r = anchor_add(d, &anchors, &n_anchors, &anchors_allocated,
                                       seq ? e.data.sequence_start.anchor : e.data.mapping_start.anchor, index);
                        if (r >= 0)
                                r = attach(d, stack, depth, index);
                        stack[depth++] = (Open) { .node = index };
                        break;
                }
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        depth--;
                        node(d, stack[depth].node)->children = TAKE_PTR(stack[depth].kids);
                        node(d, stack[depth].node)->n_children = stack[depth].n;
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
        while (depth > 0)
                free(stack[--depth].kids);
        for (size_t i = 0; i < n_anchors; i++)
                free(anchors[i].name);
        free(anchors);
        return r < 0 ? r : 0;
}

/* ---- differences between libyaml's scanner and PyYAML's ------------------ */

static size_t byte_offset(const char *text, size_t size, size_t chars) {
        size_t i = 0;

        for (; i < size && chars > 0; chars--)
                do
                        i++;
                while (i < size && ((unsigned char) text[i] & 0xc0) == 0x80);
        return i;
}

static int hex4(const char *s, size_t avail, unsigned *ret) {
        unsigned v = 0;

        if (avail < 4)
                return -EBADMSG;
        for (size_t i = 0; i < 4; i++) {
                int x = digit_value(s[i]);

                if (x >= 16)
                        return -EBADMSG;
                v = v << 4 | (unsigned) x;
        }
        *ret = v;
        return 0;
}

/* libyaml refuses "\ud83d\ude00" and "\udcff" in double-quoted scalars;
 * PyYAML makes them code points of the str. At the escape libyaml stopped on,
 * a pair becomes the one character it stands for ("\U0001f600"), which
 * json.dumps() writes identically, and a lone surrogate U+FFFD, as invalid
 * UTF-8 elsewhere (docs/ray-parity.md). */
static int rewrite_surrogate(char **text, size_t *size, size_t chars) {
        size_t at = byte_offset(*text, *size, chars), avail;
        unsigned hi, lo;
        char *t = *text, repl[16];
        size_t old_len = 6;

        if (at < 2 || t[at - 2] != '\\' || t[at - 1] != 'u')
                return -EBADMSG;
        avail = *size - at;
        if (hex4(t + at, avail, &hi) < 0 || hi < 0xd800 || hi > 0xdfff)
                return -EBADMSG;
        if (hi < 0xdc00 && avail >= 10 && t[at + 4] == '\\' && t[at + 5] == 'u' &&
            hex4(t + at + 6, avail - 6, &lo) >= 0 && lo >= 0xdc00 && lo <= 0xdfff) {
                snprintf(repl, sizeof repl, "\\U%08X", 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
                old_len = 12;
        } else
                snprintf(repl, sizeof repl, "\\uFFFD");

        /* Same length or shorter: rewrite in place. */
        memcpy(t + at - 2, repl, strlen(repl));
        memmove(t + at - 2 + strlen(repl), t + at - 2 + old_len, *size - (at - 2 + old_len));
        *size -= old_len - strlen(repl);
        return 0;
}

/* PyYAML reads "%YAML 1.3" with a warning where libyaml refuses the
 * document: a minor version other than 1 and 2 is read as 1.1. libyaml
 * reports the directive's start. */
static int rewrite_version(char **text, size_t *size, size_t chars) {
        size_t at = byte_offset(*text, *size, chars), minor, end;
        char *t = *text;

        if (*size - at < 5 || memcmp(t + at, "%YAML", 5) != 0)
                return -EBADMSG;
        for (minor = at + 5; minor < *size && (t[minor] == ' ' || t[minor] == '\t'); minor++)
                ;
        if (minor + 2 >= *size || t[minor] != '1' || t[minor + 1] != '.')
                return -EBADMSG; /* major version 1 is required */
        minor += 2;
        for (end = minor; end < *size && t[end] >= '0' && t[end] <= '9'; end++)
                ;
        if (end == minor)
                return -EBADMSG;
        t[minor] = '1';
        memmove(t + minor + 1, t + end, *size - end);
        *size -= end - minor - 1;
        return 0;
}

/* Walks libyaml's tokens for what PyYAML's scanner refuses and libyaml's
 * takes. Tabs: PyYAML takes none between tokens (only spaces), none inside a
 * plain scalar, a directive or a block scalar's header; they are fine in
 * quoted scalars, block scalar content and comments. Tags: PyYAML's tag
 * goes on through ",", "[" and "]", where libyaml's ends. Plain scalars in
 * flow collections: PyYAML's end at "?". A byte order mark between tokens
 * past the first byte is text to PyYAML and skipped by libyaml: it is
 * replaced by placeholder (3 bytes) and *ret_rewritten set. */
static int check_scanner(PyDoc *d, char *text, size_t size, const char *placeholder, bool *ret_rewritten) {
        yaml_parser_t parser;
        size_t pos = 0, chars = 0; /* where the previous token ended, in bytes and characters */
        unsigned flow_level = 0;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, size);
        for (;;) {
                yaml_token_t t;
                size_t start, end;
                bool comment = false, done;

                if (!yaml_parser_scan(&parser, &t)) {
                        r = -EBADMSG;
                        break;
                }
                r = pyyaml_spend(d, 1);
                done = t.type == YAML_STREAM_END_TOKEN;
                if (r < 0 || t.start_mark.index < chars) {
                        /* Tokens such as KEY are inserted at an earlier position. */
                        yaml_token_delete(&t);
                        if (r < 0 || done)
                                break;
                        continue;
                }
                start = pos + byte_offset(text + pos, size - pos, t.start_mark.index - chars);
                end = start + byte_offset(text + start, size - start, t.end_mark.index - t.start_mark.index);

                /* The gap before the token: blanks, line breaks and comments. */
                for (size_t i = pos; i < start && r == 0; i++) {
                        if (!comment && i > 0 && i + 2 < size && memcmp(text + i, "\xef\xbb\xbf", 3) == 0) {
                                /* libyaml skips a byte order mark at the start of any line,
                                 * PyYAML only at the start of the stream: elsewhere it is
                                 * text. Stand-in bytes make it text to libyaml as well
                                 * (this part of the input is already read). */
                                memcpy(text + i, placeholder, 3);
                                *ret_rewritten = true;
                        } else if (text[i] == '#')
                                comment = true;
                        else if (text[i] == '\n' || text[i] == '\r')
                                comment = false;
                        else if (text[i] == '\t' && !comment)
                                r = -EBADMSG;
                }
                /* The token itself. */
                if (r == 0 && t.type == YAML_SCALAR_TOKEN) {
                        yaml_scalar_style_t style = t.data.scalar.style;
                        size_t stop = end;

                        if (style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE) {
                                const char *nl = memchr(text + start, '\n', end - start);
                                const char *hash = memchr(text + start, '#', end - start);

                                stop = nl ? (size_t) (nl - text) : end;
                                if (hash && (size_t) (hash - text) < stop)
                                        stop = (size_t) (hash - text);
                        } else if (style != YAML_PLAIN_SCALAR_STYLE)
                                stop = start;
                        if (memchr(text + start, '\t', stop - start))
                                r = -EBADMSG;
                        /* Inside [] and {}, PyYAML ends a plain scalar at "?" and reads a
                         * key indicator there, libyaml reads on. */
                        if (style == YAML_PLAIN_SCALAR_STYLE && flow_level > 0 &&
                            memchr(text + start, '?', end - start))
                                r = -EBADMSG;
                } else if (r == 0 && (t.type == YAML_VERSION_DIRECTIVE_TOKEN || t.type == YAML_TAG_DIRECTIVE_TOKEN) &&
                           memchr(text + start, '\t', end - start))
                        r = -EBADMSG;
                else if (r == 0 && t.type == YAML_TAG_TOKEN && end < size && strchr(",[]", text[end]) && text[end])
                        /* PyYAML reads these into the tag ("!!null," is no tag it knows). */
                        r = -EBADMSG;

                if (t.type == YAML_FLOW_SEQUENCE_START_TOKEN || t.type == YAML_FLOW_MAPPING_START_TOKEN)
                        flow_level++;
                else if ((t.type == YAML_FLOW_SEQUENCE_END_TOKEN || t.type == YAML_FLOW_MAPPING_END_TOKEN) &&
                         flow_level > 0)
                        flow_level--;
                chars = t.end_mark.index;
                pos = end;
                yaml_token_delete(&t);
                if (r < 0 || done)
                        break;
        }
        yaml_parser_delete(&parser);
        return r;
}

/* ---- construction ------------------------------------------------------- */

static Tag tag_of(PyDoc *d, PyObj *o) {
        const char *t;

        if (o->kind == YAML_SCALAR_NODE && o->plain_implicit) {
                const char *s = o->text;

                /* PyYAML's implicit resolvers, keyed by the first character. */
                if (s[0] && !strchr("yYnNtTfFoO~0123456789+-.<=", s[0]))
                        return TAG_STR;
                if (regexec(&d->re_bool, s, 0, NULL, 0) == 0)
                        return TAG_BOOL;
                if (regexec(&d->re_float, s, 0, NULL, 0) == 0)
                        return TAG_FLOAT;
                if (regexec(&d->re_int, s, 0, NULL, 0) == 0)
                        return TAG_INT;
                if (streq(s, "<<"))
                        return TAG_MERGE;
                if (regexec(&d->re_null, s, 0, NULL, 0) == 0)
                        return TAG_NULL;
                if (regexec(&d->re_timestamp, s, 0, NULL, 0) == 0)
                        return TAG_TIMESTAMP;
                if (streq(s, "="))
                        return TAG_VALUE;
                return TAG_STR;
        }
        if (!o->tag)
                return o->kind == YAML_SCALAR_NODE ? TAG_STR : o->kind == YAML_SEQUENCE_NODE ? TAG_SEQ : TAG_MAP;
        t = startswith(o->tag, TAG_PREFIX);
        for (size_t i = 0; t && i < ELEMENTSOF(tag_names); i++)
                if (streq(t, tag_names[i]))
                        return (Tag) i;
        return TAG_UNKNOWN;
}

static int construct(PyDoc *d, PyObj *o, unsigned depth);

/* SafeConstructor.flatten_mapping(), once per node (PyYAML flattens in place,
 * so a node merged twice is flattened once). */
static int flatten(PyDoc *d, PyObj *o, unsigned depth) {
        size_t *merged = NULL, n_merged = 0, allocated = 0, *own = NULL, n_own = 0, own_allocated = 0;
        int r = 0;

        if (o->flattened)
                return 0;
        if (o->flattening)
                return -EBADMSG; /* RecursionError */
        if (depth > MAX_MERGE_DEPTH)
                return -E2BIG;
        o->flattening = true;

        for (size_t i = 0; i + 1 < o->n_children && r == 0; i += 2) {
                size_t k = o->children[i], v = o->children[i + 1];
                PyObj *value = node(d, v);

                r = pyyaml_spend(d, 1);
                if (r < 0)
                        break;
                if (tag_of(d, node(d, k)) != TAG_MERGE) {
                        r = push_index(&own, &n_own, &own_allocated, k);
                        if (r >= 0)
                                r = push_index(&own, &n_own, &own_allocated, v);
                        continue;
                }
                if (value->kind == YAML_MAPPING_NODE) {
                        r = flatten(d, value, depth + 1);
                        /* Charged before the copy, so that the budget also bounds memory. */
                        if (r >= 0)
                                r = pyyaml_spend(d, value->n_flat / 2);
                        for (size_t j = 0; r >= 0 && j < value->n_flat; j++)
                                r = push_index(&merged, &n_merged, &allocated, value->flat[j]);
                } else if (value->kind == YAML_SEQUENCE_NODE) {
                        /* Each must be a mapping; the first one listed wins. */
                        for (size_t j = 0; r >= 0 && j < value->n_children; j++) {
                                PyObj *sub = node(d, value->children[j]);

                                r = sub->kind == YAML_MAPPING_NODE ? flatten(d, sub, depth + 1) : -EBADMSG;
                        }
                        for (size_t j = value->n_children; r >= 0 && j > 0; j--) {
                                PyObj *sub = node(d, value->children[j - 1]);

                                r = pyyaml_spend(d, sub->n_flat / 2);
                                for (size_t m = 0; r >= 0 && m < sub->n_flat; m++)
                                        r = push_index(&merged, &n_merged, &allocated, sub->flat[m]);
                        }
                } else
                        r = -EBADMSG;
        }
        for (size_t i = 0; r >= 0 && i < n_own; i++)
                r = push_index(&merged, &n_merged, &allocated, own[i]);
        free(own);

        o->flattening = false;
        if (r < 0) {
                free(merged);
                return r;
        }
        o->flat = merged;
        o->n_flat = n_merged;
        o->flattened = true;
        return 0;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
        const unsigned char *s = p;

        for (size_t i = 0; i < n; i++)
                h = (h ^ s[i]) * 1099511628211ULL;
        return h;
}

/* Equal objects hash equally: numbers by their integer value when they have
 * one that fits int64 (1, 1.0 and True), the rest of the numbers together. */
static uint64_t hash_key(const PyObj *o) {
        uint64_t h = 14695981039346656037ULL;
        int64_t i;

        switch (o->type) {
        case PY_NONE:
                return 1;
        case PY_BOOL:
                return hash_bytes(h, &(int64_t) { o->boolean }, sizeof(int64_t));
        case PY_INT:
                return big_fits_int64(&o->big, &i) ? hash_bytes(h, &i, sizeof i) : 2;
        case PY_FLOAT:
                if (o->f == trunc(o->f) && fabs(o->f) < 9.2e18) {
                        i = (int64_t) o->f;
                        return hash_bytes(h, &i, sizeof i);
                }
                return isfinite(o->f) && o->f == trunc(o->f) ? 2 : hash_bytes(h, &o->f, sizeof o->f);
        case PY_STR:
                return hash_bytes(h, o->text, o->len);
        case PY_BYTES:
                return hash_bytes(h + 3, o->bytes, o->n_bytes);
        default:
                return hash_bytes(h + o->type, &o->when, sizeof o->when);
        }
}

/* A number as Python compares it with an int: an int as it is, a bool or an
 * integral float as the integer it equals, built in *tmp. 0 for a float that
 * no integer equals, 1 when *ret is set, or a negative errno. */
static int as_integer(const PyObj *o, Big *tmp, const Big **ret) {
        int r;

        switch (o->type) {
        case PY_INT:
                *ret = &o->big;
                return 1;
        case PY_BOOL:
                if (o->boolean) {
                        tmp->limb = malloc(sizeof(uint32_t));
                        if (!tmp->limb)
                                return -ENOMEM;
                        tmp->limb[0] = 1;
                        tmp->n = 1;
                }
                *ret = tmp;
                return 1;
        default: /* PY_FLOAT */
                if (!isfinite(o->f) || o->f != trunc(o->f))
                        return 0;
                r = big_from_double(o->f, tmp);
                if (r < 0)
                        return r;
                *ret = tmp;
                return 1;
        }
}

static int numbers_equal(PyDoc *d, const PyObj *a, const PyObj *b) {
        _cleanup_(big_done) Big x = {}, y = {};
        const Big *p, *q;
        int r;

        if (a->type == PY_FLOAT && b->type == PY_FLOAT)
                return a->f == b->f;
        r = as_integer(a, &x, &p);
        if (r <= 0)
                return r;
        r = as_integer(b, &y, &q);
        if (r <= 0)
                return r;
        r = pyyaml_spend(d, 1 + (p->n + q->n) / 16);
        if (r < 0)
                return r;
        return p->negative == q->negative && big_cmp_abs(p, q) == 0;
}

int pyyaml_equal(PyDoc *d, PyObj *a, PyObj *b, bool identity) {
        bool na, nb;

        assert(d);
        assert(a);
        assert(b);

        if (identity && (a == b || (a->shared_nan && b->shared_nan)))
                return 1;
        na = a->type == PY_BOOL || a->type == PY_INT || a->type == PY_FLOAT;
        nb = b->type == PY_BOOL || b->type == PY_INT || b->type == PY_FLOAT;
        if (na || nb)
                return na && nb ? numbers_equal(d, a, b) : 0;
        if (a->type != b->type)
                return 0;
        switch (a->type) {
        case PY_NONE:
                return 1;
        case PY_STR:
                return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
        case PY_BYTES:
                return a->n_bytes == b->n_bytes && memcmp(a->bytes, b->bytes, a->n_bytes) == 0;
        case PY_DATE:
                return a->when == b->when;
        case PY_DATETIME:
                /* An aware and a naive datetime are never equal. */
                return a->aware == b->aware && a->when == b->when;
        default:
                /* Collections are never keys; no caller compares two of them. */
                return 0;
        }
}

bool pyyaml_hashable(const PyObj *o) {
        assert(o);
        return o->type != PY_LIST && o->type != PY_PAIRS && o->type != PY_DICT && o->type != PY_SET;
}

/* BaseConstructor.construct_mapping(): hashable keys, and a dict keeps one
 * entry per key, at the place of its first occurrence, with the last value. */
static int build_dict(PyDoc *d, PyObj *o, unsigned depth) {
        _cleanup_free_ size_t *table = NULL;
        size_t slots = 16;
        int r;

        r = flatten(d, o, 0);
        if (r < 0)
                return r;
        for (size_t i = 0; i + 1 < o->n_flat; i += 2) {
                PyObj *key = node(d, o->flat[i]);

                /* flatten_mapping() makes a "=" key a string. */
                if (tag_of(d, key) == TAG_VALUE && key->state == NEW) {
                        key->type = PY_STR;
                        key->state = BUILT;
                }
                r = construct(d, key, depth + 1);
                if (r < 0)
                        return r;
                if (!pyyaml_hashable(key))
                        return -EBADMSG; /* found unhashable key */
                r = construct(d, node(d, o->flat[i + 1]), depth + 1);
                if (r < 0)
                        return r;
        }

        while (slots < o->n_flat * 2)
                slots *= 2;
        table = calloc(slots, sizeof(size_t)); /* 1 + the key's place in items, 0 free */
        o->items = malloc((o->n_flat ?: 1) * sizeof(size_t));
        if (!table || !o->items)
                return -ENOMEM;

        for (size_t i = 0; i + 1 < o->n_flat; i += 2) {
                PyObj *key = node(d, o->flat[i]);

                for (size_t slot = hash_key(key) & (slots - 1);; slot = (slot + 1) & (slots - 1)) {
                        r = pyyaml_spend(d, 1);
                        if (r < 0)
                                return r;
                        if (table[slot] == 0) {
                                table[slot] = o->n_items + 1;
                                o->items[o->n_items++] = o->flat[i];
                                o->items[o->n_items++] = o->flat[i + 1];
                                break;
                        }
                        r = pyyaml_equal(d, node(d, o->items[table[slot] - 1]), key, true);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                o->items[table[slot]] = o->flat[i + 1];
                                break;
                        }
                }
        }
        return 0;
}

/* construct_yaml_omap() and construct_yaml_pairs(): a list of one-item
 * mappings, as written (not flattened), becomes a list of tuples. */
static int build_pairs(PyDoc *d, PyObj *o, unsigned depth) {
        int r;

        if (o->kind != YAML_SEQUENCE_NODE)
                return -EBADMSG;
        o->items = malloc((2 * o->n_children ?: 1) * sizeof(size_t));
        if (!o->items)
                return -ENOMEM;
        for (size_t i = 0; i < o->n_children; i++) {
                PyObj *sub = node(d, o->children[i]);

                if (sub->kind != YAML_MAPPING_NODE || sub->n_children != 2)
                        return -EBADMSG;
                o->items[o->n_items++] = sub->children[0];
                o->items[o->n_items++] = sub->children[1];
                r = construct(d, node(d, sub->children[0]), depth + 1);
                if (r >= 0)
                        r = construct(d, node(d, sub->children[1]), depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int build_scalar(PyDoc *d, PyObj *o, Tag tag) {
        int r;

        if (o->kind != YAML_SCALAR_NODE)
                return -EBADMSG; /* expected a scalar node */
        switch (tag) {
        case TAG_NULL:
                o->type = PY_NONE;
                return 0;
        case TAG_BOOL:
                o->type = PY_BOOL;
                return construct_bool(o->text, o->len, &o->boolean);
        case TAG_INT:
                o->type = PY_INT;
                return construct_int(d, o->text, o->len, &o->big);
        case TAG_FLOAT:
                o->type = PY_FLOAT;
                return construct_float(o->text, o->len, &o->f, &o->shared_nan);
        case TAG_STR:
                o->type = PY_STR;
                return 0;
        case TAG_BINARY:
                o->type = PY_BYTES;
                r = pyyaml_spend(d, o->len / 64);
                return r < 0 ? r : construct_binary(o->text, o->len, &o->bytes, &o->n_bytes);
        case TAG_TIMESTAMP:
                return construct_timestamp(o);
        default:
                /* merge, value or a tag SafeConstructor does not know */
                return -EBADMSG;
        }
}

static int construct(PyDoc *d, PyObj *o, unsigned depth) {
        Tag tag;
        int r;

        /* A collection under construction may contain itself, as in PyYAML. */
        if (o->state != NEW)
                return 0;
        if (depth > MAX_CONSTRUCT_DEPTH)
                return -E2BIG;
        r = pyyaml_spend(d, 1);
        if (r < 0)
                return r;

        o->state = BUILDING;
        tag = tag_of(d, o);
        switch (tag) {
        case TAG_SEQ:
                if (o->kind != YAML_SEQUENCE_NODE)
                        return -EBADMSG;
                o->type = PY_LIST;
                o->items = malloc((o->n_children ?: 1) * sizeof(size_t));
                if (!o->items)
                        return -ENOMEM;
                if (o->n_children > 0)
                        memcpy(o->items, o->children, o->n_children * sizeof(size_t));
                o->n_items = o->n_children;
                for (size_t i = 0; i < o->n_children; i++) {
                        r = construct(d, node(d, o->children[i]), depth + 1);
                        if (r < 0)
                                return r;
                }
                break;
        case TAG_OMAP:
        case TAG_PAIRS:
                o->type = PY_PAIRS;
                r = build_pairs(d, o, depth);
                break;
        case TAG_MAP:
        case TAG_SET:
                if (o->kind != YAML_MAPPING_NODE)
                        return -EBADMSG;
                o->type = tag == TAG_MAP ? PY_DICT : PY_SET;
                r = build_dict(d, o, depth);
                break;
        default:
                r = build_scalar(d, o, tag);
        }
        if (r < 0)
                return r;
        o->state = BUILT;
        return 0;
}

/* ---- loading ----------------------------------------------------------- */

PyDoc *pyyaml_free(PyDoc *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_nodes; i++) {
                PyObj *o = &d->nodes[i];

                free(o->tag);
                free(o->text);
                free(o->items);
                free(o->children);
                free(o->flat);
                free(o->bytes);
                big_done(&o->big);
        }
        free(d->nodes);
        if (d->regexes) {
                regfree(&d->re_bool);
                regfree(&d->re_float);
                regfree(&d->re_int);
                regfree(&d->re_null);
                regfree(&d->re_timestamp);
        }
        free(d);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(PyDoc *, pyyaml_free);

static int doc_new(PyDoc **ret) {
        const struct {
                regex_t *re;
                const char *pattern;
        } table[] = {
                { NULL, re_bool }, { NULL, re_float }, { NULL, re_int }, { NULL, re_null }, { NULL, re_timestamp },
        };
        regex_t *res[ELEMENTSOF(table)];
        PyDoc *d;

        d = calloc(1, sizeof(PyDoc));
        if (!d)
                return -ENOMEM;
        d->none = (PyObj) { .kind = YAML_SCALAR_NODE, .state = BUILT, .type = PY_NONE };
        res[0] = &d->re_bool, res[1] = &d->re_float, res[2] = &d->re_int, res[3] = &d->re_null;
        res[4] = &d->re_timestamp;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (regcomp(res[i], table[i].pattern, REG_EXTENDED | REG_NOSUB) != 0) {
                        while (i-- > 0)
                                regfree(res[i]);
                        free(d);
                        return -ENOMEM;
                }
        d->regexes = true;
        *ret = d;
        return 0;
}

static void doc_reset(PyDoc *d) {
        for (size_t i = 0; i < d->n_nodes; i++) {
                free(d->nodes[i].tag);
                free(d->nodes[i].text);
                free(d->nodes[i].children);
        }
        d->n_nodes = 0;
        d->has_root = false;
}

int pyyaml_load(const char *text, size_t size, PyDoc **ret) {
        _cleanup_(pyyaml_freep) PyDoc *d = NULL;
        _cleanup_free_ char *copy = NULL;
        char placeholder[3];
        bool rewritten = false;
        int r;

        assert(text || size == 0);
        assert(ret);

        /* Ray opens the file as UTF-8 text: a UTF-16 byte order mark is an error there. */
        if (size >= 2 && (((unsigned char) text[0] == 0xfe && (unsigned char) text[1] == 0xff) ||
                          ((unsigned char) text[0] == 0xff && (unsigned char) text[1] == 0xfe)))
                return -EBADMSG;

        r = doc_new(&d);
        if (r < 0)
                return r;
        copy = memdup0(text ?: "", size);
        if (!copy)
                return -ENOMEM;

        for (unsigned rewrites = 0;; rewrites++) {
                ParseError err = {};

                r = compose(d, copy, size, &err);
                if (r != -EBADMSG || !err.problem || rewrites >= MAX_REWRITES)
                        break;
                if (streq(err.problem, "found invalid Unicode character escape code"))
                        r = rewrite_surrogate(&copy, &size, err.index);
                else if (streq(err.problem, "found incompatible YAML document"))
                        r = rewrite_version(&copy, &size, err.index);
                if (r < 0)
                        break;
                doc_reset(d);
        }
        if (r < 0)
                return r;

        /* A private-use character the text does not contain stands in for
         * misplaced byte order marks, and is turned back into one in scalars. */
        for (uint32_t c = 0xe000; c < 0xf900; c++) {
                placeholder[0] = (char) (0xe0 | c >> 12);
                placeholder[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                placeholder[2] = (char) (0x80 | (c & 0x3f));
                if (!memmem(copy, size, placeholder, 3))
                        break;
        }
        r = check_scanner(d, copy, size, placeholder, &rewritten);
        if (r < 0)
                return r;
        if (rewritten) {
                ParseError err = {};

                doc_reset(d);
                r = compose(d, copy, size, &err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < d->n_nodes; i++)
                        for (char *p = d->nodes[i].text;
                             p && (p = memmem(p, d->nodes[i].len - (size_t) (p - d->nodes[i].text), placeholder, 3));
                             p += 3)
                                memcpy(p, "\xef\xbb\xbf", 3);
        }
        if (d->has_root) {
                r = construct(d, node(d, d->root), 0);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(d);
        return 0;
}

PyObj *pyyaml_root(PyDoc *d) {
        assert(d);
        return d->has_root ? node(d, d->root) : &d->none;
}

PyType pyyaml_type(const PyObj *o) {
        assert(o);
        return o->type;
}

bool pyyaml_truthy(PyDoc *d _unused_, PyObj *o) {
        assert(o);

        switch (o->type) {
        case PY_NONE:
                return false;
        case PY_BOOL:
                return o->boolean;
        case PY_INT:
                return o->big.n > 0;
        case PY_FLOAT:
                return o->f != 0;
        case PY_STR:
                return o->len > 0;
        case PY_BYTES:
                return o->n_bytes > 0;
        case PY_DATE:
        case PY_DATETIME:
                return true;
        default:
                return o->n_items > 0;
        }
}

size_t pyyaml_dict_size(const PyObj *o) {
        assert(o);
        assert(o->type == PY_DICT);
        return o->n_items / 2;
}

void pyyaml_dict_item(PyDoc *d, const PyObj *o, size_t i, PyObj **ret_key, PyObj **ret_value) {
        assert(d);
        assert(o);
        assert(2 * i + 1 < o->n_items);

        *ret_key = node(d, o->items[2 * i]);
        *ret_value = node(d, o->items[2 * i + 1]);
}

static int dict_find(PyDoc *d, PyObj *o, const char *key, PyObj **ret) {
        size_t len = strlen(key);
        int r;

        r = pyyaml_spend(d, 1 + o->n_items / 2);
        if (r < 0)
                return r;
        *ret = NULL;
        for (size_t i = 0; i < o->n_items; i += 2) {
                PyObj *k = node(d, o->items[i]);

                if (k->type == PY_STR && k->len == len && memcmp(k->text, key, len) == 0) {
                        *ret = node(d, o->items[i + 1]);
                        break;
                }
        }
        return 0;
}

int pyyaml_contains(PyDoc *d, PyObj *o, const char *key) {
        PyObj *found;
        int r;

        assert(d);
        assert(o);
        assert(key);

        switch (o->type) {
        case PY_DICT:
        case PY_SET:
                r = dict_find(d, o, key, &found);
                return r < 0 ? r : !!found;
        case PY_STR:
                r = pyyaml_spend(d, 1 + o->len / 64);
                return r < 0 ? r : !!memmem(o->text, o->len, key, strlen(key));
        case PY_LIST:
                r = pyyaml_spend(d, 1 + o->n_items);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < o->n_items; i++) {
                        PyObj *e = node(d, o->items[i]);

                        if (e->type == PY_STR && e->len == strlen(key) && memcmp(e->text, key, e->len) == 0)
                                return 1;
                }
                return 0;
        case PY_PAIRS:
                return 0; /* a list of tuples: no tuple equals a str */
        default:
                return -EBADMSG; /* TypeError: argument of type ... is not iterable */
        }
}

int pyyaml_getitem(PyDoc *d, PyObj *o, const char *key, PyObj **ret) {
        assert(d);
        assert(o);
        assert(ret);

        if (o->type != PY_DICT)
                return -EBADMSG;
        return dict_find(d, o, key, ret);
}

static int json_key(PyDoc *d, PyObj *k, char **ret) {
        switch (k->type) {
        case PY_STR:
                if (strlen(k->text) != k->len)
                        return -EDOM; /* json-c keys are C strings: see docs/ray-parity.md */
                *ret = strdup(k->text);
                break;
        case PY_NONE:
                *ret = strdup("null");
                break;
        case PY_BOOL:
                *ret = strdup(k->boolean ? "true" : "false");
                break;
        case PY_INT:
                return big_to_decimal(d, &k->big, ret);
        case PY_FLOAT:
                if (!isfinite(k->f))
                        return -EDOM;
                return json_format_double(k->f, ret);
        default:
                return -EDOM; /* keys must be str, int, float, bool or None */
        }
        return *ret ? 0 : -ENOMEM;
}

static int to_json(PyDoc *d, PyObj *o, json_object **ret) {
        _cleanup_json_ json_object *j = NULL;
        int64_t i;
        int r;

        r = pyyaml_spend(d, 1);
        if (r < 0)
                return r;
        if (o->dumping)
                return -EDOM; /* ValueError: Circular reference detected */

        switch (o->type) {
        case PY_NONE:
                *ret = NULL;
                return 0;
        case PY_BOOL:
                j = json_object_new_boolean(o->boolean);
                break;
        case PY_INT:
                if (big_fits_int64(&o->big, &i))
                        j = json_object_new_int64(i);
                else {
                        _cleanup_free_ char *s = NULL;

                        r = big_to_decimal(d, &o->big, &s);
                        if (r < 0)
                                return r;
                        j = json_new_raw_number(s);
                }
                break;
        case PY_FLOAT:
                if (!isfinite(o->f))
                        return -EDOM;
                j = json_object_new_double(o->f);
                break;
        case PY_STR:
                j = json_object_new_string_len(o->text, (int) o->len);
                break;
        case PY_LIST:
        case PY_PAIRS:
                j = json_object_new_array();
                if (!j)
                        return -ENOMEM;
                o->dumping = true;
                for (size_t k = 0; k < o->n_items; k += o->type == PY_PAIRS ? 2 : 1) {
                        json_object *e = NULL, *v = NULL;

                        r = to_json(d, node(d, o->items[k]), &e);
                        if (r >= 0 && o->type == PY_PAIRS) {
                                json_object *tuple = json_object_new_array();

                                r = tuple ? to_json(d, node(d, o->items[k + 1]), &v) : -ENOMEM;
                                if (r >= 0 && (json_object_array_add(tuple, e) < 0 ||
                                               (e = NULL, json_object_array_add(tuple, v) < 0)))
                                        r = -ENOMEM;
                                else if (r >= 0)
                                        v = NULL;
                                json_object_put(e);
                                json_object_put(v);
                                e = tuple;
                        }
                        if (r >= 0 && json_object_array_add(j, e) < 0)
                                r = -ENOMEM;
                        if (r < 0) {
                                json_object_put(e);
                                o->dumping = false;
                                return r;
                        }
                }
                o->dumping = false;
                break;
        case PY_DICT:
                j = json_object_new_object();
                if (!j)
                        return -ENOMEM;
                o->dumping = true;
                for (size_t k = 0; k < o->n_items; k += 2) {
                        _cleanup_free_ char *key = NULL;
                        json_object *v = NULL;

                        r = json_key(d, node(d, o->items[k]), &key);
                        if (r >= 0)
                                r = to_json(d, node(d, o->items[k + 1]), &v);
                        if (r >= 0 && json_object_object_add(j, key, v) < 0) {
                                json_object_put(v);
                                r = -ENOMEM;
                        }
                        if (r < 0) {
                                o->dumping = false;
                                return r;
                        }
                }
                o->dumping = false;
                break;
        default:
                return -EDOM; /* bytes, date, datetime, set: not JSON serializable */
        }
        if (!j)
                return -ENOMEM;
        *ret = TAKE_PTR(j);
        return 0;
}

int pyyaml_to_json(PyDoc *d, PyObj *o, json_object **ret) {
        assert(d);
        assert(o);
        assert(ret);

        return to_json(d, o, ret);
}
