// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the rotating-writer coherence rules (harness/integrity/coherence.c):
 * which generation each block must show after each pass, and that a
 * reader reports what it saw: fabricated stale, zero, torn and foreign
 * blocks are named, correct ones pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "integrity/coherence.h"
#include "harness.h"

TEST(expected_generation_follows_the_rotating_writer)
{
	struct fl_coh_layout l = { .size = 10000, .block = 1000, .writers = 3 };

	/* Nothing written yet: zeros (a file of holes), or the initial fill. */
	ASSERT_EQ(fl_coh_expected(&l, 0, 0), 0);
	l.prefilled = true;
	ASSERT_EQ(fl_coh_expected(&l, 2, 0), 1);
	/* Pass 0 is writer 0's: its blocks 0, 3, 6, 9 get generation 2. */
	ASSERT_EQ(fl_coh_expected(&l, 3, 1), 2);
	ASSERT_EQ(fl_coh_expected(&l, 1, 1), 1);
	/* After passes 0..4: writer 0 last wrote in pass 3, writer 1 in 4,
	 * writer 2 in 2. */
	ASSERT_EQ(fl_coh_expected(&l, 0, 5), fl_coh_pass_gen(3));
	ASSERT_EQ(fl_coh_expected(&l, 4, 5), fl_coh_pass_gen(4));
	ASSERT_EQ(fl_coh_expected(&l, 5, 5), fl_coh_pass_gen(2));
	ASSERT_EQ(fl_coh_nr_blocks(&l), 10);
	l.size = 10001;
	ASSERT_EQ(fl_coh_nr_blocks(&l), 11);
	ASSERT_EQ(fl_coh_block_len(&l, 10), 1);
}

TEST(a_block_verifies_against_its_own_generation_only)
{
	uint8_t b[1000];
	struct fl_coh_seen seen;

	fl_coh_fill(b, 7, 12, sizeof(b));
	ASSERT_TRUE(fl_coh_verify(b, 7, 12, sizeof(b), &seen));
	EXPECT_EQ(seen.gen, 12);
	/* Stale: an older generation of the same block. */
	ASSERT_FALSE(fl_coh_verify(b, 7, 15, sizeof(b), &seen));
	EXPECT_EQ(seen.gen, 12);
	/* Zeros where data must be. */
	memset(b, 0, sizeof(b));
	ASSERT_FALSE(fl_coh_verify(b, 7, 15, sizeof(b), &seen));
	EXPECT_EQ(seen.gen, 0);
	EXPECT_EQ(seen.first_bad, 0);
	/* Generation 0 is zeros, and data there is wrong. */
	ASSERT_TRUE(fl_coh_verify(b, 7, 0, sizeof(b), &seen));
	fl_coh_fill(b, 7, 3, sizeof(b));
	ASSERT_FALSE(fl_coh_verify(b, 7, 0, sizeof(b), &seen));
	EXPECT_EQ(seen.gen, 3);
}

TEST(torn_and_foreign_blocks_are_named_neither_old_nor_new)
{
	uint8_t b[1000], other[1000];
	struct fl_coh_seen seen;

	/* Torn: the head of generation 5, the tail of generation 4. */
	fl_coh_fill(b, 2, 5, sizeof(b));
	fl_coh_fill(other, 2, 4, sizeof(other));
	memcpy(b + 600, other + 600, 400);
	ASSERT_FALSE(fl_coh_verify(b, 2, 5, sizeof(b), &seen));
	EXPECT_EQ(seen.gen, -1);
	EXPECT_GE(seen.first_bad, 600);
	EXPECT_LE(seen.first_bad, 607);
	/* Another block's bytes in the right place. */
	fl_coh_fill(b, 3, 5, sizeof(b));
	ASSERT_FALSE(fl_coh_verify(b, 2, 5, sizeof(b), &seen));
	EXPECT_EQ(seen.gen, -1);
	/* One flipped byte at the very end. */
	fl_coh_fill(b, 2, 5, sizeof(b));
	b[999] ^= 1;
	ASSERT_FALSE(fl_coh_verify(b, 2, 5, sizeof(b), &seen));
	EXPECT_EQ(seen.first_bad, 999);
}

TEST(short_last_block)
{
	uint8_t b[9];
	struct fl_coh_seen seen;

	fl_coh_fill(b, 11, 6, sizeof(b));
	ASSERT_TRUE(fl_coh_verify(b, 11, 6, sizeof(b), &seen));
	ASSERT_FALSE(fl_coh_verify(b, 11, 7, sizeof(b), &seen));
}

/* What each mount promises a mapping, read from mountinfo's fields. */
TEST(nfs_is_judged_by_close_to_open_and_nocto_promises_nothing)
{
	char why[256];

	ASSERT_EQ(fl_coh_promise_of("ext4", "rw,relatime", why, sizeof(why)), FL_COH_MMAP);
	ASSERT_EQ(fl_coh_promise_of("ocfs2", "rw,heartbeat=local,coherency=full", why,
				    sizeof(why)), FL_COH_MMAP);
	ASSERT_EQ(fl_coh_promise_of("fuse.clusterfs", "rw", why, sizeof(why)), FL_COH_MMAP);
	ASSERT_EQ(fl_coh_promise_of("nfs4", "rw,vers=4.2,acregmin=600,acregmax=600,hard", why,
				    sizeof(why)), FL_COH_CLOSE_TO_OPEN);
	ASSERT_STREQ(fl_coh_promise_name(FL_COH_CLOSE_TO_OPEN), "close-to-open");
	ASSERT_EQ(fl_coh_promise_of("nfs", "rw,vers=3,nocto,acregmin=3,acregmax=60", why,
				    sizeof(why)), FL_COH_NONE);
	/* The label names the options that allow stale reads. */
	ASSERT_TRUE(strstr(why, "nocto") && strstr(why, "acregmax=60"));
	ASSERT_EQ(fl_coh_promise_of("nfs4", "rw,nocto", why, sizeof(why)), FL_COH_NONE);
	ASSERT_STREQ(fl_coh_promise_name(FL_COH_NONE), "none");
	/* Only the whole option: "noctoX" or "xnocto" are not nocto. */
	ASSERT_EQ(fl_coh_promise_of("nfs4", "rw,noctox,xnocto", why, sizeof(why)),
		  FL_COH_CLOSE_TO_OPEN);
	/* Unknown options ("?": mountinfo unread) promise close-to-open. */
	ASSERT_EQ(fl_coh_promise_of("nfs4", "?", why, sizeof(why)), FL_COH_CLOSE_TO_OPEN);
}

TEST_HARNESS_MAIN
