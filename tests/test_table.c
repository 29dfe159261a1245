// SPDX-License-Identifier: GPL-2.0
/* Unit tests for tables (harness/base/table.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/table.h"
#include "harness.h"

/* What fl_table_print writes, as a string the caller frees. */
static char *printed(const struct fl_table *t, bool markdown)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fl_table_print(t, f, markdown);
	fclose(f);
	return buf;
}

static struct fl_table *sample(void)
{
	struct fl_table *t = fl_table_new("lr", "name", "ops/s", NULL);

	fl_table_cell(t, "%s", "page_fault1");
	fl_table_cell(t, "%dk", 612);
	fl_table_cell(t, "%s", "x");
	fl_table_cell(t, "%s", "1.17M");
	return t;
}

TEST(markdown_has_header_alignment_and_rows)
{
	struct fl_table *t = sample();
	char *s = printed(t, true);

	EXPECT_EQ(fl_table_rows(t), 2);
	EXPECT_STREQ(s, "| name | ops/s |\n|:--|--:|\n| page_fault1 | 612k |\n| x | 1.17M |\n");
	free(s);
	fl_table_free(t);
}

TEST(text_pads_left_and_right_aligned_columns)
{
	struct fl_table *t = sample();
	char *s = printed(t, false);

	EXPECT_STREQ(s, "name         ops/s\npage_fault1   612k\nx            1.17M\n");
	free(s);
	fl_table_free(t);
}

/* A variant or check name from a document must not break the table. */
TEST(cells_cannot_break_the_table)
{
	struct fl_table *t = fl_table_new("l", "variant", NULL);
	char *md, *text;

	fl_table_cell(t, "%s", "a|b\nc");
	md = printed(t, true);
	text = printed(t, false);
	EXPECT_STREQ(md, "| variant |\n|:--|\n| a\\|b c |\n");
	EXPECT_STREQ(text, "variant\na|b c\n");
	free(md);
	free(text);
	fl_table_free(t);
}

TEST(null_table_is_harmless)
{
	fl_table_cell(NULL, "%d", 1);
	EXPECT_EQ(fl_table_rows(NULL), 0);
	fl_table_print(NULL, stdout, true);
	fl_table_free(NULL);
}

TEST_HARNESS_MAIN
