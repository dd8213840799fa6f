/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>

#include "config/replace-file.h"
#include "config/sysconfig.h"
#include "shared/alloc-util.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/strv.h"

#define OPT_OUT_NAME "RAY_USAGE_STATS_ENABLED"

#define WHITESPACE " \t\n\r"
#define NEWLINE "\n\r"
#define COMMENTS "#;"
/* Inside double quotes, a backslash before one of these yields the character itself. */
#define SHELL_NEED_ESCAPE "\"\\`$"

typedef struct Assignment {
        char *key;
        char *value;
        size_t start; /* from the start of the line holding the key ... */
        size_t end;   /* ... to just after the newline ending the value */
} Assignment;

typedef struct AssignmentList {
        Assignment *items;
        size_t n, allocated;
        bool shell_export; /* "export NAME=..." assigns NAME (else the line is dropped, as systemd does) */
} AssignmentList;

static void assignment_list_done(AssignmentList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].key);
                free(l->items[i].value);
        }
        free(l->items);
}

typedef struct Buffer {
        char *data;
        size_t n, allocated;
} Buffer;

static void buffer_done(Buffer *b) {
        free(b->data);
        *b = (Buffer) {};
}

static int buffer_push(Buffer *b, char c) {
        if (GREEDY_REALLOC(b->data, b->allocated, b->n + 2) < 0)
                return -ENOMEM;
        b->data[b->n++] = c;
        b->data[b->n] = 0;
        return 0;
}

static bool valid_name(const char *s) {
        if (!*s || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
                return false;
        for (; *s; s++)
                if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
                        return false;
        return true;
}

/* Takes the key and value buffers; keeps the assignment when its name is valid. */
static int push(AssignmentList *l, Buffer *key, size_t key_len, Buffer *value, size_t value_len,
                size_t start, size_t end) {
        _cleanup_free_ char *k = TAKE_PTR(key->data), *v = TAKE_PTR(value->data);
        const char *name;
        Assignment *a;

        *key = (Buffer) {};
        *value = (Buffer) {};

        if (!k)
                return 0;
        k[key_len] = 0;
        if (v)
                v[value_len] = 0;
        else {
                v = strdup("");
                if (!v)
                        return -ENOMEM;
        }

        /* systemd would drop "export NAME=..." as an invalid name, but
         * /etc/default files are also sourced by shells, where it is common.
         * Every command re-reads this file for a variable absent from its
         * environment (config/settings.h), so the service honours it too. */
        name = k;
        if (l->shell_export && startswith(name, "export") && name[6] && strchr(" \t", name[6])) {
                name += 6;
                name += strspn(name, " \t");
        }
        if (!valid_name(name))
                return 0;

        if (GREEDY_REALLOC(l->items, l->allocated, l->n + 1) < 0)
                return -ENOMEM;
        a = l->items;
        a[l->n] = (Assignment) { .value = TAKE_PTR(v), .start = start, .end = end };
        a[l->n].key = strdup(name);
        if (!a[l->n].key) {
                free(a[l->n].value);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

/* The state machine of systemd's parse_env_file_internal() (src/basic/env-file.c),
 * so that this file means to us what it means to the unit, plus the byte
 * range of each assignment so that it can be edited in place. */
static int parse(const char *text, bool shell_export, AssignmentList *ret) {
        enum {
                PRE_KEY,
                KEY,
                PRE_VALUE,
                VALUE,
                VALUE_ESCAPE,
                SINGLE_QUOTE_VALUE,
                DOUBLE_QUOTE_VALUE,
                DOUBLE_QUOTE_VALUE_ESCAPE,
                COMMENT,
                COMMENT_ESCAPE,
        } state = PRE_KEY;
        _cleanup_(assignment_list_done) AssignmentList l = { .shell_export = shell_export };
        _cleanup_(buffer_done) Buffer key = {}, value = {};
        size_t last_key_ws = SIZE_MAX, last_value_ws = SIZE_MAX, line_start = 0, start = 0, i;
        int r;

#define PUSH_CHAR(b, ch)                                \
        do {                                            \
                r = buffer_push(&(b), (ch));            \
                if (r < 0)                              \
                        return r;                       \
        } while (0)
        /* Trailing whitespace is dropped from the key, and from an unquoted value. */
#define PUSH_ASSIGNMENT(end)                                                                            \
        do {                                                                                            \
                r = push(&l, &key, last_key_ws != SIZE_MAX ? last_key_ws : key.n, &value,               \
                         state == VALUE && last_value_ws != SIZE_MAX ? last_value_ws : value.n,         \
                         start, (end));                                                                 \
                if (r < 0)                                                                              \
                        return r;                                                                       \
        } while (0)

        for (i = 0; text[i]; i++) {
                char c = text[i];

                switch (state) {
                case PRE_KEY:
                        if (strchr(COMMENTS, c))
                                state = COMMENT;
                        else if (c == '\n')
                                line_start = i + 1;
                        else if (!strchr(WHITESPACE, c)) {
                                state = KEY;
                                last_key_ws = SIZE_MAX;
                                start = line_start;
                                PUSH_CHAR(key, c);
                        }
                        break;

                case KEY:
                        if (strchr(NEWLINE, c)) {
                                /* A line without "=" is ignored. */
                                state = PRE_KEY;
                                buffer_done(&key);
                                line_start = i + 1;
                        } else if (c == '=') {
                                state = PRE_VALUE;
                                last_value_ws = SIZE_MAX;
                        } else {
                                if (!strchr(WHITESPACE, c))
                                        last_key_ws = SIZE_MAX;
                                else if (last_key_ws == SIZE_MAX)
                                        last_key_ws = key.n;
                                PUSH_CHAR(key, c);
                        }
                        break;

                case PRE_VALUE:
                case VALUE:
                        if (strchr(NEWLINE, c)) {
                                /* A removed line takes its "\r\n" along. */
                                PUSH_ASSIGNMENT(c == '\r' && text[i + 1] == '\n' ? i + 2 : i + 1);
                                state = PRE_KEY;
                                line_start = i + 1;
                        } else if (state == PRE_VALUE && c == '\'')
                                state = SINGLE_QUOTE_VALUE;
                        else if (state == PRE_VALUE && c == '"')
                                state = DOUBLE_QUOTE_VALUE;
                        else if (c == '\\') {
                                state = VALUE_ESCAPE;
                                last_value_ws = SIZE_MAX;
                        } else if (state == PRE_VALUE) {
                                if (!strchr(WHITESPACE, c)) {
                                        state = VALUE;
                                        PUSH_CHAR(value, c);
                                }
                        } else {
                                if (!strchr(WHITESPACE, c))
                                        last_value_ws = SIZE_MAX;
                                else if (last_value_ws == SIZE_MAX)
                                        last_value_ws = value.n;
                                PUSH_CHAR(value, c);
                        }
                        break;

                case VALUE_ESCAPE:
                        state = VALUE;
                        /* An escaped newline continues the line. */
                        if (!strchr(NEWLINE, c))
                                PUSH_CHAR(value, c);
                        break;

                case SINGLE_QUOTE_VALUE:
                        if (c == '\'')
                                state = PRE_VALUE;
                        else
                                PUSH_CHAR(value, c);
                        break;

                case DOUBLE_QUOTE_VALUE:
                        if (c == '"')
                                state = PRE_VALUE;
                        else if (c == '\\')
                                state = DOUBLE_QUOTE_VALUE_ESCAPE;
                        else
                                PUSH_CHAR(value, c);
                        break;

                case DOUBLE_QUOTE_VALUE_ESCAPE:
                        state = DOUBLE_QUOTE_VALUE;
                        if (strchr(SHELL_NEED_ESCAPE, c))
                                PUSH_CHAR(value, c);
                        else if (c != '\n') {
                                PUSH_CHAR(value, '\\');
                                PUSH_CHAR(value, c);
                        }
                        break;

                case COMMENT:
                        if (c == '\\')
                                state = COMMENT_ESCAPE;
                        else if (strchr(NEWLINE, c)) {
                                state = PRE_KEY;
                                line_start = i + 1;
                        }
                        break;

                case COMMENT_ESCAPE:
                        /* Since systemd 254 a comment no longer continues onto the next line. */
                        if (strchr(NEWLINE, c)) {
                                state = PRE_KEY;
                                line_start = i + 1;
                        } else
                                state = COMMENT;
                        break;
                }
        }

        /* The last assignment need not end with a newline. */
        if (state != PRE_KEY && state != KEY && state != COMMENT && state != COMMENT_ESCAPE)
                PUSH_ASSIGNMENT(i);

        *ret = l;
        l = (AssignmentList) {};
        return 0;
#undef PUSH_CHAR
#undef PUSH_ASSIGNMENT
}

/* Reads and parses the file; *ret_text (may be NULL) keeps its bytes. A
 * missing file reads as an empty one. */
static int load(const char *path, char **ret_text, size_t *ret_size, AssignmentList *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = read_file_at(AT_FDCWD, path, SYSCONFIG_MAX_SIZE, 0, 0, &text, &size);
        if (r == -ENOENT) {
                text = strdup("");
                if (!text)
                        return -ENOMEM;
        } else if (r < 0)
                return r;

        /* Like systemd, the parser stops at a NUL byte; the bytes after it are
         * still kept when the file is rewritten. */
        r = parse(text, true, ret);
        if (r < 0)
                return r;
        if (ret_text)
                *ret_text = TAKE_PTR(text);
        if (ret_size)
                *ret_size = size;
        return 0;
}

const char *sysconfig_path(void) {
        const char *e = getenv("RAY_USAGE_STATS_SYSTEM_CONFIG");

        return isempty(e) ? SYSTEM_CONFIG_PATH : e;
}

int sysconfig_get(const char *path, const char *name, char **ret) {
        _cleanup_(assignment_list_done) AssignmentList l = {};
        int r;

        assert(path);
        assert(name);
        assert(ret);

        r = load(path, NULL, NULL, &l);
        if (r < 0)
                return r;

        for (size_t i = l.n; i > 0; i--)
                if (streq(l.items[i - 1].key, name)) {
                        *ret = TAKE_PTR(l.items[i - 1].value);
                        return 0;
                }
        *ret = NULL;
        return 0;
}

int sysconfig_read_all(const char *path, char ***ret) {
        _cleanup_(assignment_list_done) AssignmentList l = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **env = NULL;
        int r;

        assert(path);
        assert(ret);

        r = read_file_at(AT_FDCWD, path, SYSCONFIG_MAX_SIZE, 0, 0, &text, NULL);
        if (r < 0)
                return r;
        r = parse(text, false, &l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l.n; i++) {
                char *e;

                if (asprintf(&e, "%s=%s", l.items[i].key, l.items[i].value) < 0)
                        return -ENOMEM;
                r = strv_push(&env, e);
                if (r < 0) {
                        free(e);
                        return r;
                }
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* Whether text, as the unit will read it, opts out. */
static int says_opt_out(const char *text) {
        _cleanup_(assignment_list_done) AssignmentList l = {};
        int r;

        r = parse(text, true, &l);
        if (r < 0)
                return r;
        for (size_t i = l.n; i > 0; i--)
                if (streq(l.items[i - 1].key, OPT_OUT_NAME))
                        return streq(l.items[i - 1].value, "0");
        return false;
}

int sysconfig_set_opt_out(const char *path, bool opt_out) {
        static const char line[] = OPT_OUT_NAME "=0\n";
        _cleanup_(assignment_list_done) AssignmentList l = {};
        _cleanup_free_ char *text = NULL, *new_text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size, new_size = 0, pos = 0;
        bool written = false;
        int r;

        assert(path);

        r = load(path, &text, &size, &l);
        if (r < 0)
                return r;

        f = open_memstream(&new_text, &new_size);
        if (!f)
                return -ENOMEM;

        for (size_t i = 0; i < l.n; i++) {
                const Assignment *a = l.items + i;

                if (!streq(a->key, OPT_OUT_NAME) || (!opt_out && !streq(a->value, "0")))
                        continue;

                fwrite(text + pos, 1, a->start - pos, f);
                pos = a->end;
                /* The opt-out takes the place of the first assignment it replaces. */
                if (opt_out && !written) {
                        fputs(line, f);
                        written = true;
                }
        }
        if (opt_out && !written) {
                /* Appended where the parser stops: before a NUL byte, if any. */
                size_t end = strlen(text);

                fwrite(text + pos, 1, end - pos, f);
                if (end > 0 && text[end - 1] != '\n')
                        fputc('\n', f);
                fputs(line, f);
                pos = end;
        }
        fwrite(text + pos, 1, size - pos, f);
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;

        /* A file that ends inside quotes or after a backslash would swallow an
         * appended line: an edit that would not read back as intended is
         * refused rather than reported as done. */
        r = says_opt_out(new_text);
        if (r < 0)
                return r;
        if (r != opt_out)
                return -EBADMSG;

        /* Nothing to change (a missing file stays missing): leave the file's time alone. */
        if (new_size == size && memcmp(new_text, text, size) == 0)
                return 0;

        r = replace_file(path, new_text, new_size, 0644);
        if (r < 0)
                return r;
        return 1;
}
