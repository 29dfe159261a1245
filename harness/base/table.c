// SPDX-License-Identifier: GPL-2.0
/* Tables of text cells, for a terminal or Markdown. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/table.h"

struct fl_table {
	int cols;
	char *align;
	char **cells;		/* row-major, the header row first */
	size_t nr, cap;
};

static int append(struct fl_table *t, char *cell)
{
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cells, cap * sizeof(*c));

		if (!c) {
			free(cell);
			return -1;
		}
		t->cells = c;
		t->cap = cap;
	}
	t->cells[t->nr++] = cell;
	return 0;
}

struct fl_table *fl_table_new(const char *align, ...)
{
	struct fl_table *t = calloc(1, sizeof(*t));
	va_list ap;

	if (!t || !(t->align = strdup(align))) {
		free(t);
		return NULL;
	}
	t->cols = (int)strlen(align);
	va_start(ap, align);
	for (int c = 0; c < t->cols; c++) {
		const char *h = va_arg(ap, const char *);
		char *cell;

		if (!h)
			break;
		cell = strdup(h);
		if (!cell || append(t, cell)) {
			va_end(ap);
			fl_table_free(t);
			return NULL;
		}
	}
	va_end(ap);
	return t;
}

void fl_table_cell(struct fl_table *t, const char *fmt, ...)
{
	char *cell;
	va_list ap;
	int n;

	if (!t)
		return;
	va_start(ap, fmt);
	n = vasprintf(&cell, fmt, ap);
	va_end(ap);
	/* A lost cell would shift every later one into the wrong column. */
	append(t, n < 0 ? strdup("?") : cell);
}

void fl_table_cells(struct fl_table *t, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, t);
	while ((s = va_arg(ap, const char *)))
		fl_table_cell(t, "%s", s);
	va_end(ap);
}

int fl_table_rows(const struct fl_table *t)
{
	return t ? (int)(t->nr / (size_t)t->cols) - 1 : 0;
}

static void put_cell(FILE *f, const char *s, bool markdown)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputc(' ', f);
		else if (markdown && *s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
}

static void print_markdown(const struct fl_table *t, FILE *f)
{
	for (size_t i = 0; i < t->nr; i++) {
		int c = (int)(i % (size_t)t->cols);

		fputs("| ", f);
		put_cell(f, t->cells[i], true);
		fputs(c == t->cols - 1 ? " |\n" : " ", f);
		if (i == (size_t)t->cols - 1) {
			for (int k = 0; k < t->cols; k++)
				fputs(t->align[k] == 'r' ? "|--:" : "|:--", f);
			fputs("|\n", f);
		}
	}
	/* A short last row still ends its line. */
	if (t->nr % (size_t)t->cols)
		fputs("|\n", f);
}

static void print_text(const struct fl_table *t, FILE *f)
{
	int *w = calloc((size_t)t->cols, sizeof(*w));

	if (!w)
		return;
	for (size_t i = 0; i < t->nr; i++) {
		int c = (int)(i % (size_t)t->cols), n = (int)strlen(t->cells[i]);

		if (n > w[c])
			w[c] = n;
	}
	for (size_t i = 0; i < t->nr; i++) {
		int c = (int)(i % (size_t)t->cols);
		int pad = w[c] - (int)strlen(t->cells[i]);
		bool last = c == t->cols - 1 || i == t->nr - 1;

		if (c)
			fputs("  ", f);
		if (t->align[c] == 'r')
			fprintf(f, "%*s", pad, "");
		put_cell(f, t->cells[i], false);
		if (t->align[c] != 'r' && !last)
			fprintf(f, "%*s", pad, "");
		if (last)
			fputc('\n', f);
	}
	free(w);
}

void fl_table_print(const struct fl_table *t, FILE *f, bool markdown)
{
	if (!t)
		return;
	if (markdown)
		print_markdown(t, f);
	else
		print_text(t, f);
}

void fl_table_free(struct fl_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->align);
	free(t);
}
