/* SPDX-License-Identifier: MIT */
#include "shared/strv.h"

void strv_free(char **l) {
        if (!l)
                return;
        for (char **s = l; *s; s++)
                free(*s);
        free(l);
}

size_t strv_length(char * const *l) {
        size_t n = 0;

        if (!l)
                return 0;
        while (l[n])
                n++;
        return n;
}

int strv_push(char ***l, char *value) {
        size_t n;
        char **c;

        assert(l);
        assert(value);

        /* The one growth outside GREEDY_REALLOC (shared/alloc-util.h): a strv
         * is a bare NULL-terminated array that carries no capacity, as in
         * systemd, so it grows by exactly one. */
        n = strv_length(*l);
        c = reallocarray(*l, n + 2, sizeof(char *));
        if (!c)
                return -ENOMEM;
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

static int str_compare(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

void strv_sort_unique(char **l) {
        size_t n = strv_length(l), k = 0;

        if (n < 2)
                return;
        qsort(l, n, sizeof(char *), str_compare);
        for (size_t i = 0; i < n; i++) {
                if (k > 0 && streq(l[k - 1], l[i]))
                        free(l[i]);
                else
                        l[k++] = l[i];
        }
        l[k] = NULL;
}

char *strv_join(char * const *l, const char *sep) {
        size_t n = 1, k = strlen(sep);
        char *s, *p;

        for (char * const *i = l; i && *i; i++)
                n += strlen(*i) + k;
        p = s = malloc(n);
        if (!s)
                return NULL;
        *p = 0;
        for (char * const *i = l; i && *i; i++)
                p = stpcpy(i == l ? p : stpcpy(p, sep), *i);
        return s;
}

bool strv_contains(char * const *l, const char *s) {
        for (char * const *i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}
