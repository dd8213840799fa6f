/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>

#include "shared/json-util.h"
#include "shared/utf8.h"

static uint32_t unhex4(const char *s) {
        uint32_t v = 0;

        for (int i = 0; i < 4; i++) {
                char c = s[i];

                if (c >= '0' && c <= '9')
                        v = v << 4 | (uint32_t) (c - '0');
                else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        v = v << 4 | (uint32_t) ((c | 0x20) - 'a' + 10);
                else
                        return UINT32_MAX;
        }
        return v;
}

/* The code point when s[0..n) starts with an escaped surrogate pair that
 * json-c 0.16 decodes wrongly, else 0: it takes a pair's code point whose low
 * 16 bits look like a surrogate (U+1D800..U+1DFFF, U+2D800..U+2DFFF (CJK
 * Extension F), ..., U+10D800..U+10DFFF) for a lone surrogate and keeps one
 * U+FFFD. Python writes these characters exactly so, and so do we. */
static uint32_t misdecoded_pair(const char *s, size_t n) {
        uint32_t hi, lo, c;

        if (n < 12 || s[0] != '\\' || s[1] != 'u' || s[6] != '\\' || s[7] != 'u')
                return 0;
        hi = unhex4(s + 2);
        lo = unhex4(s + 8);
        if (hi < 0xd800 || hi > 0xdbff || lo < 0xdc00 || lo > 0xdfff)
                return 0;
        c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
        return (c & 0xf800) == 0xd800 ? c : 0;
}

/* A copy of buf[0..size) with each such pair as raw UTF-8 in *ret and its
 * size in *ret_size; *ret NULL when there is none. Escapes are taken two
 * bytes at a time, so that the "u" of an escaped backslash starts nothing;
 * a backslash outside a string is refused by json-c with or without this. */
static int unescape_misdecoded_pairs(const char *buf, size_t size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *copy = NULL;
        size_t n = 0;

        for (size_t i = 0; i < size;) {
                uint32_t c = buf[i] == '\\' ? misdecoded_pair(buf + i, size - i) : 0;

                if (c == 0) {
                        size_t len = buf[i] == '\\' && i + 1 < size ? 2 : 1;

                        if (copy)
                                memcpy(copy + n, buf + i, len);
                        n += len;
                        i += len;
                        continue;
                }
                if (!copy) {
                        /* Four bytes replace twelve: the copy never grows. */
                        copy = malloc(size);
                        if (!copy)
                                return -ENOMEM;
                        memcpy(copy, buf, i);
                }
                copy[n++] = (char) (0xf0 | c >> 18);
                copy[n++] = (char) (0x80 | (c >> 12 & 0x3f));
                copy[n++] = (char) (0x80 | (c >> 6 & 0x3f));
                copy[n++] = (char) (0x80 | (c & 0x3f));
                i += 12;
        }
        *ret = TAKE_PTR(copy);
        *ret_size = n;
        return 0;
}

/* One value at the start of buf[0..size), nested at most depth deep, with
 * the surrogate pairs json-c misreads made raw UTF-8 first: 0, *ret (NULL
 * for "null"), and in *ret_rest the count of bytes after the value; -EBADMSG
 * or -ENOMEM. *ret_rest_text points at those bytes, in a copy when the
 * pairs were rewritten: the caller frees *ret_copy. */
static int parse_value(const char *buf, size_t size, int depth, json_object **ret, char **ret_copy,
                       const char **ret_rest_text, size_t *ret_rest) {
        _cleanup_free_ char *fixed = NULL;
        struct json_tokener *tok;
        json_object *o;
        enum json_tokener_error err;
        const char *text = buf;
        size_t parsed, text_size = size;
        int r;

        r = unescape_misdecoded_pairs(buf, size, &fixed, &text_size);
        if (r < 0)
                return r;
        if (fixed)
                text = fixed;
        else
                text_size = size;

        tok = json_tokener_new_ex(depth);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        o = json_tokener_parse_ex(tok, text, (int) text_size);
        err = json_tokener_get_error(tok);
        parsed = json_tokener_get_parse_end(tok);
        if (err == json_tokener_continue) {
                /* A document ending with the buffer ("2", "true") is only complete
                 * once json-c is told that the input ended. */
                o = json_tokener_parse_ex(tok, "", 1);
                err = json_tokener_get_error(tok);
        }
        json_tokener_free(tok);
        if (err != json_tokener_success) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        *ret_rest_text = text + parsed;
        *ret_rest = text_size - parsed;
        *ret_copy = TAKE_PTR(fixed);
        return 0;
}

int json_parse_strict(const char *buf, size_t size, json_object **ret) {
        _cleanup_free_ char *copy = NULL;
        const char *rest;
        json_object *o;
        size_t rest_size;
        int r;

        assert(buf || size == 0);
        assert(ret);

        if (size > INT32_MAX)
                return -EFBIG;

        r = parse_value(buf, size, JSON_MAX_DEPTH, &o, &copy, &rest, &rest_size);
        if (r < 0)
                return r;
        /* json-c's own check lets overlong forms, surrogates and code points
         * past U+10FFFF through, which json_dump_python() would then replace. */
        if (!utf8_is_valid(buf, size)) {
                json_object_put(o);
                return -EBADMSG;
        }
        for (size_t i = 0; i < rest_size; i++)
                if (rest[i] == 0 || !strchr(" \t\r\n", rest[i])) {
                        json_object_put(o);
                        return -EBADMSG;
                }

        *ret = o;
        return 0;
}

/* Bytes per item, json-c 0.16 on a 64-bit glibc, malloc overhead and
 * growth slack included (measured with mallinfo2() on arrays of a million
 * items of each kind, then rounded up): an object is a hash table of 16
 * entries to begin with, an array a list of 32 slots, every value a separate
 * allocation (a double also keeps its text, null is none), a member the copy
 * of its key and a table slot. */
#define COST_OBJECT 800U
#define COST_ARRAY 160U
#define COST_STRING 96U
#define COST_KEY 80U /* with the table growing past 11 members */
#define COST_DOUBLE 112U
#define COST_SCALAR 80U

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A switch rather than strchr(): this runs for every byte of a listing. */
static bool is_delimiter(char c) {
        switch (c) {
        case 0: case ' ': case '\t': case '\r': case '\n': case ',': case ':': case '[': case ']': case '{':
        case '}': case '"':
                return true;
        default:
                return false;
        }
}

size_t json_tree_cost(const char *buf, size_t size) {
        size_t cost = 0, longest = 0;

        assert(buf || size == 0);

        for (size_t i = 0; i < size; i++) {
                char c = buf[i];

                if (c == '"') {
                        size_t start = ++i, len, j;

                        while (i < size && buf[i] != '"')
                                i += buf[i] == '\\' ? 2 : 1;
                        len = (i < size ? i : size) - start;
                        if (len > longest)
                                longest = len;
                        for (j = i + 1; j < size && is_space(buf[j]); j++)
                                ;
                        cost += (j < size && buf[j] == ':' ? COST_KEY : COST_STRING) + len;
                } else if (c == '{')
                        cost += COST_OBJECT;
                else if (c == '[')
                        cost += COST_ARRAY;
                else if (!is_delimiter(c)) {
                        /* A number or a literal: one value for the whole run. */
                        bool fraction = false;

                        for (; i < size && !is_delimiter(buf[i]); i++)
                                fraction = fraction || buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E';
                        fraction = fraction && (c == '-' || (c >= '0' && c <= '9'));
                        i--;
                        cost += fraction ? COST_DOUBLE : COST_SCALAR;
                }
        }
        /* The tokener collects a string in a buffer that doubles as it grows. */
        return cost + 2 * longest;
}

int json_parse_bounded(const char *buf, size_t size, size_t max_cost, json_object **ret) {
        assert(buf || size == 0);
        assert(ret);

        if (json_tree_cost(buf, size) > max_cost)
                return -E2BIG;
        return json_parse_strict(buf, size, ret);
}

static size_t skip_space(const char *buf, size_t size, size_t i) {
        while (i < size && is_space(buf[i]))
                i++;
        return i;
}

/* The end of the value that starts at buf[i], by structure alone (json-c
 * checks the rest when it parses the slice); size when it does not end. */
static size_t value_end(const char *buf, size_t size, size_t i) {
        size_t depth = 0;

        if (i >= size)
                return size;
        do {
                char c = buf[i];

                if (c == '"') {
                        for (i++; i < size && buf[i] != '"'; i++)
                                if (buf[i] == '\\')
                                        i++;
                        if (i >= size)
                                return size;
                        i++;
                } else if (c == '{' || c == '[') {
                        depth++;
                        i++;
                } else if (c == '}' || c == ']') {
                        if (depth == 0)
                                return size; /* not a value */
                        depth--;
                        i++;
                } else if (depth > 0)
                        i++;
                else {
                        while (i < size && !is_delimiter(buf[i]))
                                i++;
                        return i;
                }
        } while (i < size && depth > 0);
        return depth > 0 ? size : i;
}

/* Parses exactly the slice buf[start..end) as one value, nested at most depth deep. */
static int parse_slice(const char *buf, size_t start, size_t end, int depth, json_object **ret) {
        _cleanup_free_ char *copy = NULL;
        const char *rest;
        json_object *o;
        size_t rest_size;
        int r;

        if (start >= end || depth < 1)
                return -EBADMSG;
        r = parse_value(buf + start, end - start, depth, &o, &copy, &rest, &rest_size);
        if (r < 0)
                return r;
        if (rest_size != 0) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

typedef struct Streamer {
        const char *buf;
        size_t size;
        const char *const *path;
        size_t path_len;
        size_t max_cost;        /* per element, and for everything else together */
        size_t skeleton_cost;
        JsonElementFunc f;
        void *userdata;
} Streamer;

/* One value of the skeleton at buf[*i], within the budget. */
static int skeleton_value(Streamer *s, size_t *i, int depth, json_object **ret) {
        size_t end = value_end(s->buf, s->size, *i);
        int r;

        s->skeleton_cost += json_tree_cost(s->buf + *i, end - *i);
        if (s->skeleton_cost > s->max_cost)
                return -E2BIG;
        r = parse_slice(s->buf, *i, end, depth, ret);
        *i = end;
        return r;
}

static int stream_array(Streamer *s, size_t *i, int depth) {
        size_t k = *i + 1;

        k = skip_space(s->buf, s->size, k);
        if (k < s->size && s->buf[k] == ']') {
                *i = k + 1;
                return 0;
        }
        for (;;) {
                _cleanup_(json_object_putp) json_object *e = NULL;
                size_t end = value_end(s->buf, s->size, k);
                int r;

                if (json_tree_cost(s->buf + k, end - k) > s->max_cost)
                        return -E2BIG;
                r = parse_slice(s->buf, k, end, depth - 1, &e);
                if (r < 0)
                        return r;
                r = s->f(e, s->userdata);
                if (r < 0)
                        return r;
                k = skip_space(s->buf, s->size, end);
                if (k >= s->size)
                        return -EBADMSG;
                if (s->buf[k] == ']') {
                        *i = k + 1;
                        return 0;
                }
                if (s->buf[k] != ',')
                        return -EBADMSG;
                k = skip_space(s->buf, s->size, k + 1);
        }
}

/* The object at buf[*i] whose member path[level] leads to the array. */
static int stream_object(Streamer *s, size_t *i, size_t level, int depth, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        bool seen = false;
        size_t k;

        if (!o)
                return -ENOMEM;
        s->skeleton_cost += 800U;
        k = skip_space(s->buf, s->size, *i + 1);
        if (k < s->size && s->buf[k] == '}')
                goto done;
        for (;;) {
                _cleanup_(json_object_putp) json_object *key = NULL, *v = NULL;
                int r;

                if (k >= s->size || s->buf[k] != '"')
                        return -EBADMSG;
                r = skeleton_value(s, &k, 1, &key);
                if (r < 0)
                        return r;
                k = skip_space(s->buf, s->size, k);
                if (k >= s->size || s->buf[k] != ':')
                        return -EBADMSG;
                k = skip_space(s->buf, s->size, k + 1);
                if (k >= s->size)
                        return -EBADMSG;

                if (streq(json_object_get_string(key), s->path[level])) {
                        /* json-c keeps the last of two equal keys; which one to stream is ambiguous. */
                        if (seen)
                                return -EBADMSG;
                        seen = true;
                }
                if (streq(json_object_get_string(key), s->path[level]) && level + 1 < s->path_len &&
                    s->buf[k] == '{')
                        r = stream_object(s, &k, level + 1, depth - 1, &v);
                else if (streq(json_object_get_string(key), s->path[level]) && level + 1 == s->path_len &&
                         s->buf[k] == '[') {
                        r = stream_array(s, &k, depth - 1);
                        if (r >= 0 && !(v = json_object_new_array()))
                                r = -ENOMEM;
                } else
                        r = skeleton_value(s, &k, depth - 1, &v);
                if (r < 0)
                        return r;
                if (json_object_object_add(o, json_object_get_string(key), TAKE_PTR(v)) < 0)
                        return -ENOMEM;

                k = skip_space(s->buf, s->size, k);
                if (k < s->size && s->buf[k] == '}')
                        break;
                if (k >= s->size || s->buf[k] != ',')
                        return -EBADMSG;
                k = skip_space(s->buf, s->size, k + 1);
        }
done:
        *i = k + 1;
        *ret = TAKE_PTR(o);
        return 0;
}

int json_parse_streamed(const char *buf, size_t size, const char *const *path, size_t max_cost,
                        JsonElementFunc f, void *userdata, json_object **ret) {
        Streamer s = {
                .buf = buf, .size = size, .path = path, .max_cost = max_cost, .f = f, .userdata = userdata,
        };
        _cleanup_(json_object_putp) json_object *o = NULL;
        size_t i;
        int r;

        assert(buf || size == 0);
        assert(path);
        assert(f);
        assert(ret);

        if (size > INT32_MAX)
                return -EFBIG;
        if (!utf8_is_valid(buf, size))
                return -EBADMSG;
        while (path[s.path_len])
                s.path_len++;

        i = skip_space(buf, size, 0);
        if (i >= size)
                return -EBADMSG;
        if (s.path_len == 0 && buf[i] == '[') {
                r = stream_array(&s, &i, JSON_MAX_DEPTH);
                if (r >= 0 && !(o = json_object_new_array()))
                        r = -ENOMEM;
        } else if (s.path_len > 0 && buf[i] == '{')
                r = stream_object(&s, &i, 0, JSON_MAX_DEPTH, &o);
        else
                r = skeleton_value(&s, &i, JSON_MAX_DEPTH, &o);
        if (r < 0)
                return r;
        if (skip_space(buf, size, i) != size)
                return -EBADMSG;
        *ret = TAKE_PTR(o);
        return 0;
}

static json_object *get_typed(json_object *o, const char *key, json_type type) {
        json_object *v;

        if (!o || !json_object_is_type(o, json_type_object))
                return NULL;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

const char *json_get_string(json_object *o, const char *key) {
        json_object *v = get_typed(o, key, json_type_string);

        return v ? json_object_get_string(v) : NULL;
}

json_object *json_get_object(json_object *o, const char *key) {
        return get_typed(o, key, json_type_object);
}

json_object *json_get_array(json_object *o, const char *key) {
        return get_typed(o, key, json_type_array);
}

static int get_member(json_object *o, const char *key, json_object **ret) {
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if (!json_object_object_get_ex(o, key, ret) || json_object_is_type(*ret, json_type_null))
                return -ENOENT;
        return 0;
}

int json_get_int64(json_object *o, const char *key, int64_t *ret) {
        json_object *v;
        int r;

        r = get_member(o, key, &v);
        if (r < 0)
                return r;
        if (json_object_is_type(v, json_type_int)) {
                *ret = json_object_get_int64(v);
                return 0;
        }
        if (json_object_is_type(v, json_type_double)) {
                double d = json_object_get_double(v);

                if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
                        return -EBADMSG;
                *ret = (int64_t) d;
                return 0;
        }
        return -EBADMSG;
}

int json_get_bool(json_object *o, const char *key, bool *ret) {
        json_object *v;
        int r;

        r = get_member(o, key, &v);
        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

/* Python's repr(float): the shortest digits that read back to the same
 * double, in fixed notation for exponents -4..15, else d.ddde+XX. */
static void dump_double(FILE *f, double d) {
        char digits[32], buf[40];
        int exp10 = 0, p;

        if (isinf(d)) {
                /* What a too large number in a user's file (1e400) parsed to: Python
                 * would write Infinity, which is not JSON; this reads back the same. */
                fputs(d > 0 ? "1e999" : "-1e999", f);
                return;
        }
        if (isnan(d)) {
                /* json-c reads "NaN" as Python does, but it has no JSON form. Never produced by us. */
                fputs("null", f);
                return;
        }
        if (d == 0) {
                fputs(signbit(d) ? "-0.0" : "0.0", f);
                return;
        }
        for (p = 1; p <= 17; p++) {
                snprintf(buf, sizeof buf, "%.*e", p - 1, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        /* buf is "[-]d.ddde[+-]XX": split it into sign, digits and exponent. */
        {
                const char *s = buf;
                size_t n = 0;

                if (*s == '-') {
                        fputc('-', f);
                        s++;
                }
                for (; *s && *s != 'e'; s++)
                        if (*s != '.')
                                digits[n++] = *s;
                digits[n] = 0;
                exp10 = atoi(s + 1);
        }
        p = (int) strlen(digits);
        if (exp10 >= -4 && exp10 < 16) {
                if (exp10 < 0) {
                        fputs("0.", f);
                        for (int i = -1; i > exp10; i--)
                                fputc('0', f);
                        fputs(digits, f);
                } else if (p <= exp10 + 1) {
                        fputs(digits, f);
                        for (int i = p; i <= exp10; i++)
                                fputc('0', f);
                        fputs(".0", f);
                } else
                        fprintf(f, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
        } else {
                fputc(digits[0], f);
                if (p > 1)
                        fprintf(f, ".%s", digits + 1);
                fprintf(f, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        }
}

static void dump_string(FILE *f, const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str, *end = s + len;

        fputc('"', f);
        while (s < end) {
                uint32_t c = utf8_next(&s, end);

                switch (c) {
                case '"': fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                case '\b': fputs("\\b", f); break;
                case '\f': fputs("\\f", f); break;
                default:
                        if (c < 0x20 || (c >= 0x7f && c < 0x10000))
                                fprintf(f, "\\u%04x", c);
                        else if (c >= 0x10000) {
                                c -= 0x10000;
                                fprintf(f, "\\u%04x\\u%04x", 0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
                        } else
                                fputc((int) c, f);
                }
        }
        fputc('"', f);
}

static const char *raw_number_text(json_object *o);

static void dump_value(FILE *f, json_object *o) {
        bool first = true;

        switch (json_object_get_type(o)) {
        case json_type_null:
                fputs("null", f);
                break;
        case json_type_boolean:
                fputs(json_object_get_boolean(o) ? "true" : "false", f);
                break;
        case json_type_int:
                /* json-c keeps integers past INT64_MAX as uint64, which get_int64() would clamp. */
                if (json_object_get_int64(o) == INT64_MAX)
                        fprintf(f, "%" PRIu64, json_object_get_uint64(o));
                else
                        fprintf(f, "%" PRId64, json_object_get_int64(o));
                break;
        case json_type_double:
                if (raw_number_text(o))
                        fputs(raw_number_text(o), f);
                else
                        dump_double(f, json_object_get_double(o));
                break;
        case json_type_string:
                dump_string(f, json_object_get_string(o), (size_t) json_object_get_string_len(o));
                break;
        case json_type_array:
                fputc('[', f);
                for (size_t i = 0; i < json_object_array_length(o); i++) {
                        if (i > 0)
                                fputs(", ", f);
                        dump_value(f, json_object_array_get_idx(o, i));
                }
                fputc(']', f);
                break;
        case json_type_object:
                fputc('{', f);
                json_object_object_foreach(o, key, val) {
                        if (!first)
                                fputs(", ", f);
                        first = false;
                        dump_string(f, key, strlen(key));
                        fputs(": ", f);
                        dump_value(f, val);
                }
                fputc('}', f);
                break;
        }
}

/* A raw number is a double whose userdata starts with this: json-c's own
 * userdata on doubles (the text a parsed number came from) never starts
 * with a NUL, so the first byte tells them apart without reading further. */
static const char raw_number_magic[] = "\0rawnum";

static const char *raw_number_text(json_object *o) {
        const char *u = json_object_get_userdata(o);

        if (!u || u[0] != 0 || memcmp(u, raw_number_magic, sizeof raw_number_magic) != 0)
                return NULL;
        return u + sizeof raw_number_magic;
}

static int serialize_raw_number(json_object *o, struct printbuf *pb, int level _unused_, int flags _unused_) {
        return printbuf_memappend(pb, raw_number_text(o), (int) strlen(raw_number_text(o)));
}

json_object *json_new_raw_number(const char *text) {
        _cleanup_json_ json_object *o = NULL;
        char *u;

        assert(text);

        o = json_object_new_double(strtod(text, NULL));
        u = malloc(sizeof raw_number_magic + strlen(text) + 1);
        if (!o || !u) {
                free(u);
                return NULL;
        }
        memcpy(u, raw_number_magic, sizeof raw_number_magic);
        strcpy(u + sizeof raw_number_magic, text);
        json_object_set_serializer(o, serialize_raw_number, u, json_object_free_userdata);
        return TAKE_PTR(o);
}

/* What dump writes to a FILE, as a string: both dumps go through stdio's
 * number formatting, and an open_memstream() collects it. */
static int dump_to_string(void (*dump)(FILE *f, const void *what), const void *what, char **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        char *buf = NULL;
        size_t size = 0;

        assert(ret);

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        dump(f, what);
        if (fclose(TAKE_PTR(f)) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static void dump_double_at(FILE *f, const void *d) {
        dump_double(f, *(const double *) d);
}

static void dump_value_at(FILE *f, const void *o) {
        dump_value(f, (json_object *) o);
}

int json_format_double(double d, char **ret) {
        return dump_to_string(dump_double_at, &d, ret);
}

int json_dump_python(json_object *o, char **ret) {
        return dump_to_string(dump_value_at, o, ret);
}

json_object *json_array_from_strv(char *const *l) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (char *const *p = l; p && *p; p++) {
                json_object *s = json_object_new_string(*p);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        return NULL;
                }
        }
        return TAKE_PTR(a);
}
