// SPDX-License-Identifier: GPL-2.0
/* Option tables and thread lists: parsing, defaults, errors, formatting. */
#include <errno.h>

#include "base/option.h"
#include "base/thread_list.h"
#include "harness.h"

struct opts {
	bool flag;
	uint64_t n;
	uint64_t size;
	double d;
	int e;
	const char *s;
	struct fl_thread_spec threads;
};

static const char *const colours[] = { "red", "green", NULL };

static const struct fl_option table[] = {
	{ .name = "flag", .type = FL_OPT_BOOL, .offset = offsetof(struct opts, flag),
	  .def = "true", .help = "a flag" },
	{ .name = "n", .type = FL_OPT_UINT, .offset = offsetof(struct opts, n),
	  .def = "3", .help = "a count", .min = 1, .max = 10 },
	{ .name = "size", .type = FL_OPT_SIZE, .offset = offsetof(struct opts, size),
	  .def = "128M", .help = "a size" },
	{ .name = "d", .type = FL_OPT_DOUBLE, .offset = offsetof(struct opts, d),
	  .def = "1.5", .help = "seconds" },
	{ .name = "colour", .type = FL_OPT_ENUM, .offset = offsetof(struct opts, e),
	  .def = "green", .choices = colours, .help = "a colour" },
	{ .name = "s", .type = FL_OPT_STR, .offset = offsetof(struct opts, s),
	  .help = "a string" },
	{ .name = "threads", .type = FL_OPT_CUSTOM,
	  .offset = offsetof(struct opts, threads), .def = "1",
	  .parse = fl_threads_parse, .format = fl_threads_format, .help = "threads" },
	{ 0 }
};

static int parse(struct opts *o, int argc, char **argv, char *err)
{
	struct fl_opt_set set = { table, o };

	memset(o, 0, sizeof(*o));
	ASSERT_EQ(fl_opt_defaults(&set, 1, err, 256), 0);
	return fl_opt_parse(&set, 1, argc, argv, err, 256);
}

TEST(defaults_apply)
{
	struct opts o;
	char err[256];

	ASSERT_EQ(parse(&o, 0, NULL, err), 0);
	ASSERT_TRUE(o.flag);
	ASSERT_EQ(o.n, 3);
	ASSERT_EQ(o.size, 128ull << 20);
	ASSERT_TRUE(o.d == 1.5);
	ASSERT_EQ(o.e, 1);
	ASSERT_TRUE(o.s == NULL);
}

TEST(both_value_forms_and_negation)
{
	struct opts o;
	char err[256];
	char *argv[] = { "--n", "7", "--size=4k", "--no-flag", "--colour", "red",
			 "--d=2s", "--s", "hello" };

	ASSERT_EQ(parse(&o, 9, argv, err), 0);
	ASSERT_EQ(o.n, 7);
	ASSERT_EQ(o.size, 4096);
	ASSERT_FALSE(o.flag);
	ASSERT_EQ(o.e, 0);
	ASSERT_TRUE(o.d == 2.0);
	ASSERT_STREQ(o.s, "hello");
}

TEST(sizes)
{
	uint64_t v;

	ASSERT_EQ(fl_parse_size("4096", &v), 0);
	ASSERT_EQ(v, 4096);
	ASSERT_EQ(fl_parse_size("64K", &v), 0);
	ASSERT_EQ(v, 65536);
	ASSERT_EQ(fl_parse_size("1MiB", &v), 0);
	ASSERT_EQ(v, 1 << 20);
	ASSERT_EQ(fl_parse_size("2gb", &v), 0);
	ASSERT_EQ(v, 2ull << 30);
	ASSERT_EQ(fl_parse_size("1T", &v), 0);
	ASSERT_EQ(v, 1ull << 40);
	ASSERT_EQ(fl_parse_size("12Q", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("-1", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("M", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("99999999999999999999", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("17179869184T", &v), -EINVAL);	/* overflows */
}

TEST(bad_values_name_the_option)
{
	struct opts o;
	char err[256];
	char *bad_n[] = { "--n", "x" };
	char *range[] = { "--n", "11" };
	char *colour[] = { "--colour", "blue" };
	char *unknown[] = { "--bogus", "1" };
	char *missing[] = { "--n" };
	char *word[] = { "stray" };
	char *neg_nonbool[] = { "--no-n" };
	char *neg_value[] = { "--no-flag=1" };

	ASSERT_EQ(parse(&o, 2, bad_n, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "--n x") && strstr(err, "integer"));
	ASSERT_EQ(parse(&o, 2, range, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "out of range"));
	ASSERT_EQ(parse(&o, 2, colour, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "red|green"));
	ASSERT_EQ(parse(&o, 2, unknown, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "unknown option --bogus"));
	ASSERT_EQ(parse(&o, 1, missing, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "needs a value"));
	ASSERT_EQ(parse(&o, 1, word, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "stray"));
	ASSERT_EQ(parse(&o, 1, neg_nonbool, err), -EINVAL);
	ASSERT_EQ(parse(&o, 1, neg_value, err), -EINVAL);
}

TEST(help_is_asked_for)
{
	struct opts o;
	char err[256];
	char *argv[] = { "--n", "2", "--help" };

	ASSERT_EQ(parse(&o, 3, argv, err), 1);
}

TEST(help_lists_every_option_with_defaults)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fl_opt_help(f, table);
	fclose(f);
	ASSERT_TRUE(strstr(buf, "--colour red|green"));
	ASSERT_TRUE(strstr(buf, "(default: green)"));
	ASSERT_TRUE(strstr(buf, "--size BYTES"));
	ASSERT_TRUE(strstr(buf, "--threads"));
	free(buf);
}

static int expand(const char *text, int max, int *out)
{
	struct fl_thread_spec spec;
	char err[256];

	if (fl_threads_parse(text, &spec, err, sizeof(err)))
		return -1;
	return fl_threads_expand(&spec, max, out, 64);
}

TEST(thread_lists)
{
	int v[64];

	ASSERT_EQ(expand("1,2,4", 2, v), 3);
	ASSERT_EQ(v[2], 4);
	ASSERT_EQ(expand("1-max", 4, v), 4);
	ASSERT_EQ(v[0], 1);
	ASSERT_EQ(v[3], 4);
	ASSERT_EQ(expand("max", 6, v), 1);
	ASSERT_EQ(v[0], 6);
	ASSERT_EQ(expand("scale", 6, v), 4);	/* 1 2 4 6 */
	ASSERT_EQ(v[3], 6);
	ASSERT_EQ(expand("scale", 8, v), 4);	/* 1 2 4 8 */
	ASSERT_EQ(v[3], 8);
	ASSERT_EQ(expand("4,1,4,2", 2, v), 3);	/* sorted, unique */
	ASSERT_EQ(v[0], 1);
	ASSERT_EQ(v[2], 4);
	ASSERT_EQ(expand("2-3", 1, v), 2);
	ASSERT_EQ(expand("3-max", 2, v), 0);	/* nothing fits */
	ASSERT_EQ(expand("1-max", 100, v), -EINVAL);	/* more than the cap */
}

TEST(thread_list_errors)
{
	struct fl_thread_spec spec;
	char err[256];
	const char *bad[] = { "", "0", "-1", "3-1", "1,", ",1", "a", "1-", "1..4",
			      "99999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(fl_threads_parse(bad[i], &spec, err, sizeof(err)), -EINVAL);
		EXPECT_TRUE(strstr(err, "--threads") != NULL);
	}
}

TEST(thread_list_round_trip)
{
	struct fl_thread_spec spec;
	char err[256], buf[128];

	ASSERT_EQ(fl_threads_parse("1,2-4,6-max,max,scale", &spec, err, sizeof(err)), 0);
	ASSERT_STREQ(fl_threads_format(&spec, buf, sizeof(buf)), "1,2-4,6-max,max,scale");
}

TEST(strict_decimal_numbers_issue14)
{
	uint64_t v;
	double d;
	struct opts o;
	char err[256];
	char *hex[] = { "--d", "0x10" };
	char *neg[] = { "--d", "-1" };

	/* --duration 0x10 ran for 16 s: hexadecimal is not a number here. */
	ASSERT_EQ(fl_parse_double("0x10", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("0x1p4", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("inf", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("nan", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double(" 3", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("3 ", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("3x", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("1e3", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double(".", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("3.", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("+3", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("3ss", &d), -EINVAL);
	ASSERT_EQ(fl_parse_double("2.5s", &d), 0);
	ASSERT_TRUE(d == 2.5);
	ASSERT_EQ(fl_parse_double("0.25", &d), 0);
	ASSERT_TRUE(d == 0.25);
	ASSERT_EQ(fl_parse_double(".5", &d), 0);
	ASSERT_TRUE(d == 0.5);
	ASSERT_EQ(fl_parse_double("-1.5", &d), 0);
	ASSERT_TRUE(d == -1.5);
	/* Integers and sizes: digits only, no space or sign strtoull skips. */
	ASSERT_EQ(fl_parse_u64("0x10", &v), -EINVAL);
	ASSERT_EQ(fl_parse_u64(" -5", &v), -EINVAL);
	ASSERT_EQ(fl_parse_u64(" 5", &v), -EINVAL);
	ASSERT_EQ(fl_parse_u64("5 ", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size(" -1M", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("0x10", &v), -EINVAL);
	ASSERT_EQ(fl_parse_size("1M ", &v), -EINVAL);
	/* In a table: the option and the value named; a negative where no range allows it. */
	ASSERT_EQ(parse(&o, 2, hex, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "--d 0x10") && strstr(err, "number"));
	ASSERT_EQ(parse(&o, 2, neg, err), -EINVAL);
	ASSERT_TRUE(strstr(err, "--d -1") != NULL);
}

TEST_HARNESS_MAIN
