/* SPDX-License-Identifier: MIT */
#include "shared/alloc-util.h"
#include "shared/escape.h"
#include "shared/table.h"

/* Characters as a terminal shows them: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s) {
        size_t w = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        w++;
        return w;
}

int table_init(Table *t, size_t n_columns, const char *const *headers, const char *align) {
        assert(t);
        assert(n_columns > 0);
        assert(headers);
        assert(align && strlen(align) == n_columns);

        *t = (Table) { .n_columns = n_columns, .right_aligned = align };
        return table_add(t, headers);
}

int table_add(Table *t, const char *const *cells) {
        assert(t);
        assert(cells);

        if (GREEDY_REALLOC(t->cells, t->allocated, t->n_cells + t->n_columns) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++) {
                t->cells[t->n_cells] = escape_str(cells[i] ?: "-");
                if (!t->cells[t->n_cells])
                        return -ENOMEM;
                t->n_cells++;
        }
        return 0;
}

int table_print(const Table *t, FILE *f) {
        _cleanup_free_ size_t *widths = NULL;

        assert(t);
        assert(f);

        widths = calloc(t->n_columns, sizeof *widths);
        if (!widths)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = display_width(t->cells[i]);

                if (w > widths[i % t->n_columns])
                        widths[i % t->n_columns] = w;
        }
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t col = i % t->n_columns, pad = widths[col] - display_width(t->cells[i]);
                bool last = col == t->n_columns - 1;

                if (t->right_aligned[col] == 'r')
                        fprintf(f, "%*s%s", (int) pad, "", t->cells[i]);
                else
                        fprintf(f, "%s%*s", t->cells[i], last ? 0 : (int) pad, "");
                fputc(last ? '\n' : ' ', f);
        }
        return 0;
}

void table_done(Table *t) {
        assert(t);

        /* A failed table_add() leaves a partial row: n_cells counts what was copied. */
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        *t = (Table) {};
}
