/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shared/macro.h"

/* A text table whose columns are as wide as their widest cell, header
 * included (docs/design.md §11: "columns fit the data"): a Ray cluster id is
 * 56 hex digits, a fallback session_id a 36-character UUID. Cells are
 * escaped (escape_text()): a cell is anyone's text. */
typedef struct Table {
        size_t n_columns;
        const char *right_aligned; /* one 'r' or '-' per column */
        char **cells;              /* row-major, headers first */
        size_t n_cells, allocated;
} Table;

/* headers: n_columns strings; align: n_columns characters, 'r' for right-aligned. */
int table_init(Table *t, size_t n_columns, const char *const *headers, const char *align);
/* Adds one row of n_columns cells (escaped copies; NULL shows as "-"). */
int table_add(Table *t, const char *const *cells);
/* Prints the rows, columns separated by one space, no trailing blanks. */
int table_print(const Table *t, FILE *f);
void table_done(Table *t);
