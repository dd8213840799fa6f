/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>

#include "shared/json-util.h"

static bool utf8_is_valid(const char *s, size_t size);

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

int json_parse_strict(const char *buf, size_t size, json_object **ret) {
        _cleanup_free_ char *fixed = NULL;
        struct json_tokener *tok;
        json_object *o;
        enum json_tokener_error err;
        const char *text = buf;
        size_t parsed, text_size = size;
        int r;

        assert(buf || size == 0);
        assert(ret);

        if (size > INT32_MAX)
                return -EFBIG;

        r = unescape_misdecoded_pairs(buf, size, &fixed, &text_size);
        if (r < 0)
                return r;
        if (fixed)
                text = fixed;
        else
                text_size = size;

        tok = json_tokener_new_ex(JSON_MAX_DEPTH);
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

        /* json-c's own check lets overlong forms, surrogates and code points
         * past U+10FFFF through, which json_dump_python() would then replace. */
        if (err != json_tokener_success || !utf8_is_valid(buf, size)) {
                json_object_put(o);
                return -EBADMSG;
        }
        for (size_t i = parsed; i < text_size; i++)
                if (text[i] == 0 || !strchr(" \t\r\n", text[i])) {
                        json_object_put(o);
                        return -EBADMSG;
                }

        *ret = o;
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

int json_get_double(json_object *o, const char *key, double *ret) {
        json_object *v;
        int r;

        r = get_member(o, key, &v);
        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
                return -EBADMSG;
        *ret = json_object_get_double(v);
        return isfinite(*ret) ? 0 : -EBADMSG;
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

/* Decodes one UTF-8 sequence; invalid bytes become U+FFFD, one byte at a time. */
static uint32_t utf8_next(const unsigned char **s, const unsigned char *end) {
        const unsigned char *p = *s;
        uint32_t c = *p, min;
        int n;

        if (c < 0x80) {
                *s = p + 1;
                return c;
        }
        if ((c & 0xe0) == 0xc0) n = 1, c &= 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0) n = 2, c &= 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0) n = 3, c &= 0x07, min = 0x10000;
        else goto invalid;
        if (end - p <= n)
                goto invalid;
        for (int i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        goto invalid;
                c = (c << 6) | (p[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                goto invalid;
        *s = p + n + 1;
        return c;
invalid:
        *s = p + 1;
        return 0xfffd;
}

static bool utf8_is_valid(const char *s, size_t size) {
        const unsigned char *p = (const unsigned char *) s, *end = p + size;

        while (p < end) {
                const unsigned char *start = p;

                /* Only an invalid byte decodes to U+FFFD in one byte. */
                if (utf8_next(&p, end) == 0xfffd && p == start + 1)
                        return false;
        }
        return true;
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

int json_dump_python(json_object *o, char **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        char *buf = NULL;
        size_t size = 0;

        assert(ret);

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        dump_value(f, o);
        if (fclose(TAKE_PTR(f)) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
