/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tables of text cells, printed aligned for a terminal or as Markdown: the
 * one way summaries, compare and the report page write tables.
 */
#ifndef FL_TABLE_H
#define FL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct fl_table;

/*
 * A table with one column per letter of @align ('l' left, 'r' right). Its
 * first row is the header: the strings that follow, up to NULL, or, for
 * columns only known later, the first cells added. NULL when out of memory
 * (every call below accepts NULL and does nothing).
 */
struct fl_table *fl_table_new(const char *align, ...);

/* Append a cell; a row is full after one cell per column. */
void fl_table_cell(struct fl_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append the strings that follow as cells, up to NULL. */
void fl_table_cells(struct fl_table *t, ...) __attribute__((sentinel));

/* Rows so far, the header not counted. */
int fl_table_rows(const struct fl_table *t);

/*
 * Print @t: columns padded to their widest cell for a terminal, or a
 * Markdown table, in which '|' inside a cell is escaped. Newlines in a
 * cell print as spaces either way.
 */
void fl_table_print(const struct fl_table *t, FILE *f, bool markdown);

void fl_table_free(struct fl_table *t);

#endif /* FL_TABLE_H */
