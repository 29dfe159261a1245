// SPDX-License-Identifier: GPL-2.0
/*
 * The search of faultline bisect: every position of the first bad patch
 * is found in the number of steps a binary search takes, skips end in a
 * range rather than a guess, and endpoints that are not as given stop it.
 */
#include <stdlib.h>

#include "bisect/search.h"
#include "harness.h"

/*
 * Bisect good..bad where prefixes from @first_bad on are bad and those
 * listed in @skip (a bitmap) cannot be tested. Returns the end state and
 * the number of prefixes tested in *@steps.
 */
static struct fl_bisect_state run(int good, int bad, int first_bad,
				  unsigned long skip, int *steps)
{
	struct fl_bisect *b = fl_bisect_new(good, bad);
	struct fl_bisect_state st;

	*steps = 0;
	for (;;) {
		fl_bisect_state(b, &st);
		if (st.end != FL_BE_NONE)
			break;
		(*steps)++;
		if (skip & (1ul << st.next))
			b->mark[st.next] = FL_BS_SKIP;
		else
			b->mark[st.next] = st.next >= first_bad ? FL_BS_BAD : FL_BS_GOOD;
		if (*steps > bad - good + 1) {	/* a search that does not end */
			st.end = FL_BE_NONE;
			break;
		}
	}
	free(b);
	return st;
}

static int log2_ceil(int n)
{
	int k = 0;

	while ((1 << k) < n)
		k++;
	return k;
}

TEST(every_position_is_found_in_log_steps)
{
	for (int n = 1; n <= 40; n++)
		for (int first = 1; first <= n; first++) {
			int steps;
			struct fl_bisect_state st = run(0, n, first, 0, &steps);

			ASSERT_EQ(st.end, FL_BE_FOUND);
			ASSERT_EQ(st.first, first);
			/* Two endpoints, then halves of the n - 1 inner prefixes. */
			ASSERT_LE(steps, 2 + log2_ceil(n));
		}
}

TEST(endpoints_first_good_then_bad_then_the_middle)
{
	struct fl_bisect *b = fl_bisect_new(2, 10);
	struct fl_bisect_state st;

	fl_bisect_state(b, &st);
	EXPECT_EQ(st.next, 2);
	b->mark[2] = FL_BS_GOOD;
	fl_bisect_state(b, &st);
	EXPECT_EQ(st.next, 10);
	b->mark[10] = FL_BS_BAD;
	fl_bisect_state(b, &st);
	EXPECT_EQ(st.next, 6);
	EXPECT_EQ(st.lo, 2);
	EXPECT_EQ(st.hi, 10);
	free(b);
}

TEST(a_skip_moves_to_the_nearest_untested_lower_first)
{
	struct fl_bisect *b = fl_bisect_new(0, 6);
	struct fl_bisect_state st;

	b->mark[0] = FL_BS_GOOD;
	b->mark[6] = FL_BS_BAD;
	b->mark[3] = FL_BS_SKIP;
	fl_bisect_state(b, &st);
	EXPECT_EQ(st.next, 2);
	b->mark[2] = FL_BS_SKIP;
	fl_bisect_state(b, &st);
	EXPECT_EQ(st.next, 4);
	free(b);
}

TEST(skips_next_to_the_answer_give_a_range)
{
	int steps;
	/* Prefixes 3 and 4 cannot be tested; 6 is the first bad one. */
	struct fl_bisect_state st = run(0, 8, 6, (1ul << 3) | (1ul << 4), &steps);

	ASSERT_EQ(st.end, FL_BE_FOUND);
	EXPECT_EQ(st.first, 6);
	/* Now 4 is: 2 is good, 5 bad, and 3 and 4 between them untested. */
	st = run(0, 8, 4, (1ul << 3) | (1ul << 4), &steps);
	ASSERT_EQ(st.end, FL_BE_AMBIGUOUS);
	EXPECT_EQ(st.first, 3);
	EXPECT_EQ(st.last, 5);
}

TEST(endpoints_not_as_given_stop_the_search)
{
	int steps;
	struct fl_bisect_state st = run(0, 5, 0, 0, &steps);

	EXPECT_EQ(st.end, FL_BE_GOOD_IS_BAD);
	EXPECT_EQ(st.first, 0);
	EXPECT_EQ(steps, 1);
	st = run(0, 5, 99, 0, &steps);
	EXPECT_EQ(st.end, FL_BE_BAD_IS_GOOD);
	EXPECT_EQ(st.first, 5);
	st = run(0, 5, 3, 1ul << 5, &steps);
	EXPECT_EQ(st.end, FL_BE_ENDPOINT_SKIPPED);
	EXPECT_EQ(st.first, 5);
}

TEST(marks_that_disagree_follow_the_lowest_bad)
{
	struct fl_bisect *b = fl_bisect_new(0, 8);
	struct fl_bisect_state st;

	/* A flaky series: 2 bad but 4 good. The search narrows below 2. */
	b->mark[0] = FL_BS_GOOD;
	b->mark[8] = FL_BS_BAD;
	b->mark[2] = FL_BS_BAD;
	b->mark[4] = FL_BS_GOOD;
	fl_bisect_state(b, &st);
	EXPECT_EQ(st.lo, 0);
	EXPECT_EQ(st.hi, 2);
	EXPECT_EQ(st.next, 1);
	free(b);
}

TEST(bad_arguments_are_refused)
{
	EXPECT_TRUE(fl_bisect_new(3, 3) == NULL);
	EXPECT_TRUE(fl_bisect_new(4, 2) == NULL);
	EXPECT_TRUE(fl_bisect_new(-1, 2) == NULL);
}

TEST_HARNESS_MAIN
