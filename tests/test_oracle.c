// SPDX-License-Identifier: GPL-2.0
/*
 * The integrity oracle (harness/integrity/stamp.c, harness/integrity/oracle.c): every detector
 * fires on a fabricated bad block, access or op, and the races a correct
 * kernel can produce are judged legal.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "base/clock.h"
#include "integrity/oracle.h"
#include "integrity/stamp.h"
#include "harness.h"

#define PAGE 4096u
#define NR_BLOCKS 16u
#define FILE_ID 7u
#define ACTOR 2u
#define SEC UINT64_C(1000000000)

static uint64_t blk[FL_STAMP_WORDS];
static uint64_t blk2[FL_STAMP_WORDS];

struct fixture {
	struct fl_oracle *o;
	struct fl_ofile *f;
};

/* A 16-block file, every block written at gen 1, i_size 16 pages. */
static void setup(struct fixture *fx)
{
	ASSERT_EQ(fl_oracle_init(&fx->o, 4, PAGE), 0);
	ASSERT_EQ(fl_oracle_file_init(&fx->f, fx->o, FILE_ID, NR_BLOCKS,
				      NR_BLOCKS * PAGE), 0);
	ASSERT_EQ(fl_oracle_next_gen(fx->f, 0, NR_BLOCKS), 1);
	ASSERT_EQ(fl_oracle_begin(fx->f, 0, NR_BLOCKS, 1, false), 0);
	fl_oracle_end(fx->f, 0, NR_BLOCKS);
}

static void teardown(struct fixture *fx)
{
	fl_oracle_file_free(fx->f);
	fl_oracle_free(fx->o);
}

/* Publish a whole-block write of @block at @gen. */
static void write_block(struct fixture *fx, uint64_t block, uint64_t gen)
{
	ASSERT_EQ(fl_oracle_begin(fx->f, block, 1, gen, false), 0);
	fl_oracle_end(fx->f, block, 1);
}

/* Snapshot, then judge @buf as what the read of @block returned. */
static enum fl_viol_kind judge(struct fixture *fx, uint64_t block,
			       uint64_t before, const void *buf)
{
	return fl_oracle_judge(fx->f, block, before, buf, ACTOR);
}

static struct fl_violation last_violation(struct fixture *fx)
{
	struct fl_violation log[FL_ORACLE_LOG_CAP];
	unsigned int n = fl_oracle_log(fx->o, log, FL_ORACLE_LOG_CAP);

	if (!n) {
		TH_LOG("no violation logged");
		exit(1);
	}
	return log[n - 1];
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Stamps. */

TEST(stamp_round_trip)
{
	struct fl_stamp_seen seen;
	uint64_t rng = 0x1234567, gen, block;
	uint32_t file_id, csum;

	ASSERT_EQ(FL_STAMP_SPREAD * FL_STAMP_SPREAD_INV, 1);
	for (int i = 0; i < 20000; i++) {
		file_id = (uint32_t)xorshift64(&rng);
		block = i < 100 ? (uint64_t)i : xorshift64(&rng) >> 20;
		gen = i < 100 ? (uint64_t)i : xorshift64(&rng) >> (i % 64);
		fl_stamp_fill(blk, file_id, block, gen);
		ASSERT_EQ(fl_stamp_classify(blk, file_id, block, &seen),
			  FL_SEEN_DATA);
		ASSERT_EQ(seen.file_id, file_id);
		ASSERT_EQ(seen.block, block);
		ASSERT_EQ(seen.gen, gen);
		if (i % 97)
			continue;
		/* The word-level API agrees with what fill wrote. */
		csum = fl_stamp_csum(file_id, block, gen);
		for (uint32_t j = 0; j < FL_STAMP_WORDS; j++)
			ASSERT_EQ(fl_stamp_word(file_id, block, gen, csum, j),
				  blk[j]);
		for (uint32_t j = FL_STAMP_HDR_WORDS; j < FL_STAMP_WORDS; j++)
			ASSERT_EQ(fl_stamp_word_gen(fl_stamp_seed(file_id,
								  block),
						    j, blk[j]), gen);
	}
}

TEST(stamp_generations_differ_everywhere)
{
	/* Two generations differ in every word, so any mix is visible. */
	fl_stamp_fill(blk, 1, 2, 5);
	fl_stamp_fill(blk2, 1, 2, 6);
	for (uint32_t j = 2; j < FL_STAMP_WORDS; j++)
		ASSERT_NE(blk[j], blk2[j]);
	/* Another block: all but the generation field. */
	fl_stamp_fill(blk2, 1, 3, 5);
	for (uint32_t j = 1; j < FL_STAMP_WORDS; j++)
		if (j != 2)
			ASSERT_NE(blk[j], blk2[j]);
}

TEST(stamp_zero_and_garbage)
{
	struct fl_stamp_seen seen;
	uint64_t rng = 99;

	memset(blk, 0, sizeof(blk));
	ASSERT_EQ(fl_stamp_classify(blk, 1, 1, &seen), FL_SEEN_ZERO);
	for (uint32_t j = 0; j < FL_STAMP_WORDS; j++)
		blk[j] = xorshift64(&rng);
	ASSERT_EQ(fl_stamp_classify(blk, 1, 1, &seen), FL_SEEN_GARBAGE);
	/* One stray byte in a zero block. */
	memset(blk, 0, sizeof(blk));
	((unsigned char *)blk)[1234] = 0x5a;
	ASSERT_EQ(fl_stamp_classify(blk, 1, 1, NULL), FL_SEEN_GARBAGE);
	memset(blk, 0, sizeof(blk));
	((unsigned char *)blk)[3] = 0x5a;
	ASSERT_EQ(fl_stamp_classify(blk, 1, 1, NULL), FL_SEEN_GARBAGE);
}

TEST(stamp_wrong_block)
{
	struct fl_stamp_seen seen;

	fl_stamp_fill(blk, 3, 41, 9);
	ASSERT_EQ(fl_stamp_classify(blk, 3, 42, &seen), FL_SEEN_WRONG_BLOCK);
	ASSERT_EQ(seen.block, 41);
	ASSERT_EQ(seen.file_id, 3);
	ASSERT_EQ(seen.gen, 9);
	ASSERT_EQ(fl_stamp_classify(blk, 4, 41, &seen), FL_SEEN_WRONG_BLOCK);
	ASSERT_EQ(seen.file_id, 3);
}

TEST(stamp_torn)
{
	struct fl_stamp_seen seen;

	/* Valid header, one payload word flipped. */
	fl_stamp_fill(blk, 1, 5, 3);
	blk[300] ^= UINT64_C(1) << 17;
	ASSERT_EQ(fl_stamp_classify(blk, 1, 5, &seen), FL_SEEN_TORN);
	ASSERT_EQ(seen.bad_off, 300 * 8 + 2);
	ASSERT_EQ(seen.nr_bad, 1);
	ASSERT_EQ(seen.gen, 3);

	/* Only the checksum is wrong. */
	fl_stamp_fill(blk, 1, 5, 3);
	((struct fl_stamp_hdr *)blk)->csum ^= 1;
	ASSERT_EQ(fl_stamp_classify(blk, 1, 5, &seen), FL_SEEN_TORN);
	ASSERT_EQ(seen.bad_off, 24);

	/* First half stamped, second half zero. */
	fl_stamp_fill(blk, 1, 5, 3);
	memset((char *)blk + 2048, 0, 2048);
	ASSERT_EQ(fl_stamp_classify(blk, 1, 5, &seen), FL_SEEN_TORN);
	ASSERT_EQ(seen.bad_off, 2048);
	ASSERT_EQ(seen.nr_bad, 256);
	ASSERT_EQ(seen.nr_bad_zero, 256);

	/* First half zero, second half stamped: no header, still torn. */
	fl_stamp_fill(blk, 1, 5, 3);
	memset(blk, 0, 2048);
	ASSERT_EQ(fl_stamp_classify(blk, 1, 5, &seen), FL_SEEN_TORN);
	ASSERT_EQ(seen.gen, 3);
	ASSERT_EQ(seen.bad_off, 0);

	/* Two generations of the same block. */
	fl_stamp_fill(blk, 1, 5, 3);
	fl_stamp_fill(blk2, 1, 5, 4);
	memcpy((char *)blk + 1024, (char *)blk2 + 1024, 1024);
	ASSERT_EQ(fl_stamp_classify(blk, 1, 5, &seen), FL_SEEN_TORN);
	ASSERT_EQ(seen.bad_off, 1024);
	ASSERT_EQ(seen.nr_bad, 128);
	ASSERT_EQ(seen.nr_bad_zero, 0);
}

TEST(stamp_ranges)
{
	struct fl_stamp_seen seen;
	unsigned char *c = (unsigned char *)blk;

	/* The tail of an EOF block: zero beyond 1000, data before. */
	fl_stamp_fill(blk, 2, 9, 11);
	memset(c + 1000, 0, FL_STAMP_SIZE - 1000);
	ASSERT_EQ(fl_stamp_classify_range(blk, 1000, FL_STAMP_SIZE - 1000, 2, 9,
					  &seen), FL_SEEN_ZERO);
	ASSERT_EQ(fl_stamp_classify_range(blk, 0, 1000, 2, 9, &seen),
		  FL_SEEN_DATA);
	ASSERT_EQ(seen.gen, 11);
	/* No header in range: the payload names the generation. */
	ASSERT_EQ(fl_stamp_classify_range(blk, 37, 900, 2, 9, &seen),
		  FL_SEEN_DATA);
	ASSERT_EQ(seen.gen, 11);
	ASSERT_TRUE(fl_stamp_match_range(blk, 37, 900, 2, 9, 11));
	ASSERT_FALSE(fl_stamp_match_range(blk, 37, 900, 2, 9, 12));
	/* The tail is not zero: a stray byte beyond EOF. */
	c[2000] = 1;
	ASSERT_EQ(fl_stamp_classify_range(blk, 1000, FL_STAMP_SIZE - 1000, 2, 9,
					  &seen), FL_SEEN_GARBAGE);
	ASSERT_EQ(fl_stamp_classify(blk, 2, 9, &seen), FL_SEEN_TORN);
	/* One wrong byte inside a data range. */
	fl_stamp_fill(blk, 2, 9, 11);
	c[501] ^= 0x80;
	ASSERT_EQ(fl_stamp_classify_range(blk, 100, 800, 2, 9, &seen),
		  FL_SEEN_TORN);
	ASSERT_EQ(seen.bad_off, 501);
	/* A whole header of another block. */
	fl_stamp_fill(blk, 2, 8, 11);
	ASSERT_EQ(fl_stamp_classify_range(blk, 0, 100, 2, 9, &seen),
		  FL_SEEN_WRONG_BLOCK);
	ASSERT_EQ(seen.block, 8);
	/* Too short to name a generation. */
	fl_stamp_fill(blk, 2, 9, 11);
	ASSERT_EQ(fl_stamp_classify_range(blk, 4090, 6, 2, 9, &seen),
		  FL_SEEN_UNKNOWN);
	ASSERT_TRUE(fl_stamp_match_range(blk, 4090, 6, 2, 9, 11));
	ASSERT_TRUE(fl_mem_is_zero(c + FL_STAMP_SIZE, 0));
	ASSERT_STREQ(fl_seen_kind_str(FL_SEEN_TORN), "torn");
}

/* Detectors: each fabricated fault is caught and named. */

TEST(detect_stale)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t before;

	setup(&fx);
	write_block(&fx, 3, 5);
	before = fl_oracle_snapshot(fx.f, 3);
	fl_stamp_fill(blk, FILE_ID, 3, 3);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_STALE);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_STALE), 1);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 1);
	v = last_violation(&fx);
	EXPECT_EQ(v.kind, FL_VIOL_STALE);
	EXPECT_EQ(v.actor, ACTOR);
	EXPECT_EQ(v.file_id, FILE_ID);
	/* The first wrong byte is the header's generation field. */
	EXPECT_EQ(v.offset, 3 * FL_STAMP_SIZE + 16);
	EXPECT_EQ(fl_bs_gen(v.expected.block.published), 5);
	EXPECT_EQ(fl_bs_data_gen(v.expected.block.published), 5);
	EXPECT_EQ(fl_bs_gen(v.expected.block.intent), 5);
	EXPECT_EQ(v.observed.stamp.kind, FL_SEEN_DATA);
	EXPECT_EQ(v.observed.stamp.gen, 3);
	EXPECT_TRUE(v.time_ns > 0);
	teardown(&fx);
}

TEST(detect_wrong_block)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t before;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 3);
	fl_stamp_fill(blk, FILE_ID, 4, 1);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_WRONG_BLOCK);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 3 * FL_STAMP_SIZE);
	EXPECT_EQ(v.observed.stamp.kind, FL_SEEN_WRONG_BLOCK);
	EXPECT_EQ(v.observed.stamp.block, 4);
	/* Even while a write to the block is in flight. */
	ASSERT_EQ(fl_oracle_begin(fx.f, 3, 1, 2, false), 0);
	fl_stamp_fill(blk, FILE_ID + 1, 3, 1);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_WRONG_BLOCK);
	EXPECT_EQ(last_violation(&fx).observed.stamp.file_id, FILE_ID + 1);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_WRONG_BLOCK), 2);
	teardown(&fx);
}

TEST(detect_torn)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t before;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 6);
	/* Valid header, one payload word flipped. */
	fl_stamp_fill(blk, FILE_ID, 6, 1);
	blk[100] ^= 0xff00;
	ASSERT_EQ(judge(&fx, 6, before, blk), FL_VIOL_TORN);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 6 * FL_STAMP_SIZE + 801);
	EXPECT_EQ(v.observed.stamp.kind, FL_SEEN_TORN);
	/* First half stamped, second half zero. */
	fl_stamp_fill(blk, FILE_ID, 6, 1);
	memset((char *)blk + 2048, 0, 2048);
	ASSERT_EQ(judge(&fx, 6, before, blk), FL_VIOL_TORN);
	EXPECT_EQ(last_violation(&fx).offset, 6 * FL_STAMP_SIZE + 2048);
	/* A flipped word is torn even while a write is in flight. */
	ASSERT_EQ(fl_oracle_begin(fx.f, 6, 1, 2, false), 0);
	fl_stamp_fill(blk, FILE_ID, 6, 2);
	blk[100] ^= 0xff00;
	ASSERT_EQ(judge(&fx, 6, before, blk), FL_VIOL_TORN);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_TORN), 3);
	teardown(&fx);
}

TEST(detect_garbage)
{
	struct fixture fx;
	uint64_t before, rng = 5;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 2);
	for (uint32_t j = 0; j < FL_STAMP_WORDS; j++)
		blk[j] = xorshift64(&rng);
	ASSERT_EQ(judge(&fx, 2, before, blk), FL_VIOL_GARBAGE);
	EXPECT_EQ(last_violation(&fx).offset, 2 * FL_STAMP_SIZE);
	teardown(&fx);
}

TEST(detect_zero_where_data)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t before;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 9);
	memset(blk, 0, sizeof(blk));
	ASSERT_EQ(judge(&fx, 9, before, blk), FL_VIOL_ZERO_WHERE_DATA);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 9 * FL_STAMP_SIZE);
	EXPECT_EQ(v.observed.stamp.kind, FL_SEEN_ZERO);
	/* A write in flight does not make zero legal. */
	ASSERT_EQ(fl_oracle_begin(fx.f, 9, 1, 2, false), 0);
	ASSERT_EQ(judge(&fx, 9, before, blk), FL_VIOL_ZERO_WHERE_DATA);
	/* Zero outside a partially punched range. */
	fl_oracle_end(fx.f, 9, 1);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 9 * PAGE + 100, 200), 0);
	fl_oracle_end(fx.f, 9, 1);
	before = fl_oracle_snapshot(fx.f, 9);
	fl_stamp_fill(blk, FILE_ID, 9, 2);
	memset((char *)blk + 100, 0, 300);
	ASSERT_EQ(judge(&fx, 9, before, blk), FL_VIOL_ZERO_WHERE_DATA);
	EXPECT_EQ(last_violation(&fx).offset, 9 * FL_STAMP_SIZE + 300);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_ZERO_WHERE_DATA), 3);
	teardown(&fx);
}

TEST(detect_data_where_zero)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t before;

	setup(&fx);
	/* A whole punched block reads its old data. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 4 * PAGE, PAGE), 0);
	fl_oracle_end(fx.f, 4, 1);
	before = fl_oracle_snapshot(fx.f, 4);
	ASSERT_TRUE(fl_bs_all_zero(before));
	fl_stamp_fill(blk, FILE_ID, 4, 1);
	ASSERT_EQ(judge(&fx, 4, before, blk), FL_VIOL_DATA_WHERE_ZERO);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 4 * FL_STAMP_SIZE);
	EXPECT_TRUE(fl_bs_all_zero(v.expected.block.published));
	EXPECT_EQ(v.observed.stamp.kind, FL_SEEN_DATA);

	/* A hole in the middle of a block, not page or block aligned. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 5 * PAGE + 1001, 2000), 0);
	fl_oracle_end(fx.f, 5, 1);
	before = fl_oracle_snapshot(fx.f, 5);
	EXPECT_EQ(fl_bs_zlo(before), 1001);
	EXPECT_EQ(fl_bs_zhi(before), 3001);
	EXPECT_EQ(fl_bs_data_gen(before), 1);
	fl_stamp_fill(blk, FILE_ID, 5, 1);
	memset((char *)blk + 1001, 0, 1999);	/* one byte short */
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_DATA_WHERE_ZERO);
	EXPECT_EQ(last_violation(&fx).offset, 5 * FL_STAMP_SIZE + 3000);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_DATA_WHERE_ZERO), 2);
	teardown(&fx);
}

TEST(detect_bad_gen)
{
	struct fixture fx;
	uint64_t before;

	setup(&fx);
	/* A generation nobody announced (a writer that skipped begin). */
	before = fl_oracle_snapshot(fx.f, 1);
	fl_stamp_fill(blk, FILE_ID, 1, 2);
	ASSERT_EQ(judge(&fx, 1, before, blk), FL_VIOL_BAD_GEN);
	teardown(&fx);
}

TEST(detect_missing_sigbus)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t snap;

	setup(&fx);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 8 * PAGE), 0);
	fl_oracle_size_end(fx.f);
	snap = fl_oracle_size_snapshot(fx.f);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 10 * PAGE, false, 0,
					 ACTOR), FL_VIOL_MISSING_SIGBUS);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 10 * PAGE);
	EXPECT_EQ(v.expected.size.min, 8 * PAGE);
	EXPECT_EQ(v.expected.size.max, 8 * PAGE);
	EXPECT_TRUE(!v.observed.sigbus);
	EXPECT_EQ(v.actor, ACTOR);
	/* The first page past EOF too. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 8 * PAGE, false, 0,
					 ACTOR), FL_VIOL_MISSING_SIGBUS);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_MISSING_SIGBUS), 2);
	teardown(&fx);
}

TEST(detect_unexpected_sigbus)
{
	struct fixture fx;
	struct fl_oracle_counts c;
	struct fl_violation v;
	uint64_t snap;

	setup(&fx);
	snap = fl_oracle_size_snapshot(fx.f);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 2 * PAGE, true,
					 BUS_ADRERR, ACTOR),
		  FL_VIOL_UNEXPECTED_SIGBUS);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 2 * PAGE);
	EXPECT_TRUE(v.observed.sigbus);
	EXPECT_EQ(v.si_code, BUS_ADRERR);
	EXPECT_EQ(v.expected.size.min, NR_BLOCKS * PAGE);
	/* The last page inside EOF, with EOF unaligned. */
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 5 * PAGE + 1), 0);
	fl_oracle_size_end(fx.f);
	snap = fl_oracle_size_snapshot(fx.f);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 5 * PAGE, true,
					 BUS_ADRERR, ACTOR),
		  FL_VIOL_UNEXPECTED_SIGBUS);
	fl_oracle_counts(fx.o, &c);
	EXPECT_EQ(c.sigbus_unexpected, 2);
	EXPECT_EQ(c.sigbus_expected, 0);
	EXPECT_EQ(c.accesses, 2);
	teardown(&fx);
}

TEST(detect_memory_poison)
{
	struct fixture fx;
	struct fl_oracle_counts c;
	uint64_t snap;

	setup(&fx);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 4 * PAGE), 0);
	fl_oracle_size_end(fx.f);
	snap = fl_oracle_size_snapshot(fx.f);
	/* Even beyond EOF, poison is poison, not a race. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 9 * PAGE, true,
					 BUS_MCEERR_AR, ACTOR),
		  FL_VIOL_MEMORY_POISON);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 1 * PAGE, true,
					 BUS_MCEERR_AO, ACTOR),
		  FL_VIOL_MEMORY_POISON);
	fl_oracle_counts(fx.o, &c);
	EXPECT_EQ(c.sigbus_expected, 0);
	EXPECT_EQ(c.sigbus_unexpected, 0);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_MEMORY_POISON), 2);
	EXPECT_EQ(last_violation(&fx).si_code, BUS_MCEERR_AO);
	teardown(&fx);
}

TEST(detect_lost_marker)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t m1 = fl_oracle_marker(1, 4096 + 8);
	uint64_t m2 = fl_oracle_marker(2, 4096 + 16);
	unsigned char page[64] = { 0 };

	setup(&fx);
	ASSERT_NE(m1, m2);
	ASSERT_NE(m1, 0);
	ASSERT_NE(fl_oracle_marker(1, 4096 + 16), m2);
	memcpy(page + 8, &m1, 8);
	memcpy(page + 16, &m2, 8);
	ASSERT_EQ(fl_oracle_check_marker(fx.o, FILE_ID, 4096 + 8, page + 8, m1,
					 1), FL_VIOL_NONE);
	/* Actor 2's marker was overwritten by a zero-fill. */
	memset(page + 16, 0, 8);
	ASSERT_EQ(fl_oracle_check_marker(fx.o, FILE_ID, 4096 + 16, page + 16,
					 m2, 2), FL_VIOL_LOST_MARKER);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 4096 + 16);
	EXPECT_EQ(v.expected.marker, m2);
	EXPECT_EQ(v.observed.marker, 0);
	EXPECT_EQ(v.actor, 2);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 1);
	teardown(&fx);
}

TEST(detect_hung_invalidator)
{
	struct fixture fx;
	struct fl_violation v;
	uint64_t start;

	setup(&fx);
	/* An op that started 10 s ago, bound 1 s: reported once. */
	start = fl_oracle_op_start(fx.o, 3);
	ASSERT_EQ(fl_oracle_watchdog(fx.o, SEC, start + SEC / 2), 0);
	ASSERT_EQ(fl_oracle_watchdog(fx.o, SEC, start + 10 * SEC), 1);
	ASSERT_EQ(fl_oracle_watchdog(fx.o, SEC, start + 11 * SEC), 0);
	v = last_violation(&fx);
	EXPECT_EQ(v.kind, FL_VIOL_HUNG_INVALIDATOR);
	EXPECT_EQ(v.actor, 3);
	EXPECT_EQ(v.expected.bound_ns, SEC);
	EXPECT_EQ(v.observed.running_ns, 10 * SEC);
	/* The op ends; the next one is a new op, reported on its own. */
	fl_oracle_op_end(fx.o, 3);
	ASSERT_EQ(fl_oracle_watchdog(fx.o, SEC, start + 20 * SEC), 0);
	fl_oracle_op_start_at(fx.o, 3, start + 20 * SEC);
	fl_oracle_op_start_at(fx.o, 0, start + 25 * SEC);
	ASSERT_EQ(fl_oracle_watchdog(fx.o, SEC, start + 30 * SEC), 2);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_HUNG_INVALIDATOR), 3);
	/* A short op is fine. */
	fl_oracle_op_start(fx.o, 1);
	EXPECT_LE(fl_oracle_op_end(fx.o, 1), SEC);
	teardown(&fx);
}

/* Legal races: a correct kernel can produce these, so no violation. */

TEST(legal_write_in_flight)
{
	struct fixture fx;
	uint64_t before;
	unsigned char *c = (unsigned char *)blk;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 3);
	ASSERT_EQ(fl_oracle_next_gen(fx.f, 3, 1), 2);
	ASSERT_EQ(fl_oracle_begin(fx.f, 3, 1, 2, false), 0);
	/* New data. */
	fl_stamp_fill(blk, FILE_ID, 3, 2);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	/* Old data. */
	fl_stamp_fill(blk, FILE_ID, 3, 1);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	/* A mix: the kernel's copy raced the read. */
	fl_stamp_fill(blk2, FILE_ID, 3, 2);
	memcpy(c + 1500, (char *)blk2 + 1500, 1000);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	/* ... even inside one word, and in the header. */
	memcpy(c + 20, (char *)blk2 + 20, 9);
	memcpy(c + 3003, (char *)blk2 + 3003, 3);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	/* Published now; a read that snapshotted before still sees either. */
	fl_oracle_end(fx.f, 3, 1);
	fl_stamp_fill(blk, FILE_ID, 3, 1);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	/* But a read that snapshotted after must see the new data. */
	before = fl_oracle_snapshot(fx.f, 3);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_STALE);
	fl_stamp_fill(blk, FILE_ID, 3, 2);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 1);
	teardown(&fx);
}

TEST(legal_punch_in_flight)
{
	struct fixture fx;
	uint64_t before;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 7);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 7 * PAGE, PAGE), 0);
	/* Zero, old data, or a memset caught half way. */
	memset(blk, 0, sizeof(blk));
	ASSERT_EQ(judge(&fx, 7, before, blk), FL_VIOL_NONE);
	fl_stamp_fill(blk, FILE_ID, 7, 1);
	ASSERT_EQ(judge(&fx, 7, before, blk), FL_VIOL_NONE);
	memset(blk, 0, 1001);
	ASSERT_EQ(judge(&fx, 7, before, blk), FL_VIOL_NONE);
	fl_oracle_end(fx.f, 7, 1);

	/* An unaligned punch across blocks 10..12, then a refill. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 10 * PAGE + 333, 2 * PAGE), 0);
	fl_oracle_end(fx.f, 10, 3);
	before = fl_oracle_snapshot(fx.f, 10);
	fl_stamp_fill(blk, FILE_ID, 10, 1);
	memset((char *)blk + 333, 0, PAGE - 333);
	ASSERT_EQ(judge(&fx, 10, before, blk), FL_VIOL_NONE);
	before = fl_oracle_snapshot(fx.f, 12);
	fl_stamp_fill(blk, FILE_ID, 12, 1);
	memset(blk, 0, 333);
	ASSERT_EQ(judge(&fx, 12, before, blk), FL_VIOL_NONE);
	/* The refill is in flight: the hole, the refill, or a mix. */
	ASSERT_EQ(fl_oracle_next_gen(fx.f, 10, 3), 3);
	ASSERT_EQ(fl_oracle_begin(fx.f, 10, 3, 3, false), 0);
	ASSERT_EQ(judge(&fx, 12, before, blk), FL_VIOL_NONE);
	fl_stamp_fill(blk, FILE_ID, 12, 3);
	ASSERT_EQ(judge(&fx, 12, before, blk), FL_VIOL_NONE);
	memset(blk, 0, 100);
	ASSERT_EQ(judge(&fx, 12, before, blk), FL_VIOL_NONE);
	/* Never data older than the hole. */
	fl_stamp_fill(blk, FILE_ID, 12, 1);
	ASSERT_EQ(judge(&fx, 12, before, blk), FL_VIOL_STALE);
	fl_oracle_end(fx.f, 10, 3);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 1);
	teardown(&fx);
}

TEST(legal_several_ops_during_read)
{
	struct fixture fx;
	uint64_t before;

	setup(&fx);
	before = fl_oracle_snapshot(fx.f, 2);
	/* Write gen 2, punch (gen 3), write gen 4 all while one read ran. */
	write_block(&fx, 2, 2);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 2 * PAGE, PAGE), 0);
	fl_oracle_end(fx.f, 2, 1);
	write_block(&fx, 2, fl_oracle_next_gen(fx.f, 2, 1));
	memset(blk, 0, sizeof(blk));
	ASSERT_EQ(judge(&fx, 2, before, blk), FL_VIOL_NONE);
	/* Every generation in between, even the punch's (lenient). */
	for (uint64_t g = 1; g <= 5; g++) {
		fl_stamp_fill(blk, FILE_ID, 2, g);
		EXPECT_EQ(judge(&fx, 2, before, blk),
			  g == 5 ? FL_VIOL_BAD_GEN : FL_VIOL_NONE);
	}
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 1);
	teardown(&fx);
}

TEST(legal_sigbus_while_shrinking)
{
	struct fixture fx;
	struct fl_oracle_counts c;
	uint64_t snap, eof = 5 * PAGE + 100;

	setup(&fx);
	snap = fl_oracle_size_snapshot(fx.f);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, eof), 0);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, eof, NR_BLOCKS * PAGE - eof), 0);
	/* The EOF+1 page may or may not SIGBUS while the shrink runs. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 6 * PAGE, true,
					 BUS_ADRERR, ACTOR), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 6 * PAGE, false, 0,
					 ACTOR), FL_VIOL_NONE);
	/* The EOF page itself never does. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 5 * PAGE, false, 0,
					 ACTOR), FL_VIOL_NONE);
	fl_oracle_size_end(fx.f);
	fl_oracle_end(fx.f, 5, NR_BLOCKS - 5);
	/* A read that began before the shrink ended may still miss it. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 6 * PAGE, false, 0,
					 ACTOR), FL_VIOL_NONE);
	/* Afterwards: EOF+1 must SIGBUS, EOF page must not. */
	snap = fl_oracle_size_snapshot(fx.f);
	ASSERT_EQ(fl_oracle_size(fx.f), eof);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 6 * PAGE, true,
					 BUS_ADRERR, ACTOR), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 5 * PAGE, false, 0,
					 ACTOR), FL_VIOL_NONE);
	fl_oracle_counts(fx.o, &c);
	EXPECT_EQ(c.sigbus_expected, 2);
	EXPECT_EQ(c.sigbus_unexpected, 0);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 0);
	teardown(&fx);
}

TEST(legal_eof_page_tail_zero)
{
	struct fixture fx;
	uint64_t before, eof = 5 * PAGE + 100;

	setup(&fx);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, eof), 0);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, eof, NR_BLOCKS * PAGE - eof), 0);
	fl_oracle_size_end(fx.f);
	fl_oracle_end(fx.f, 5, NR_BLOCKS - 5);
	/* The EOF page: data up to EOF, zero beyond. */
	before = fl_oracle_snapshot(fx.f, 5);
	fl_stamp_fill(blk, FILE_ID, 5, 1);
	memset((char *)blk + 100, 0, PAGE - 100);
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 100, PAGE - 100,
					ACTOR), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 0, 100, ACTOR),
		  FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 96, 4, ACTOR),
		  FL_VIOL_NONE);
	/* Regrow: the range beyond the old EOF reads zero, never old data. */
	ASSERT_EQ(fl_oracle_size_begin(fx.f, NR_BLOCKS * PAGE), 0);
	fl_oracle_size_end(fx.f);
	before = fl_oracle_snapshot(fx.f, 8);
	memset(blk, 0, sizeof(blk));
	ASSERT_EQ(judge(&fx, 8, before, blk), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 0);
	fl_stamp_fill(blk, FILE_ID, 8, 1);
	ASSERT_EQ(judge(&fx, 8, before, blk), FL_VIOL_DATA_WHERE_ZERO);
	/* A non-zero tail beyond EOF. */
	before = fl_oracle_snapshot(fx.f, 5);
	fl_stamp_fill(blk, FILE_ID, 5, 1);
	memset((char *)blk + 100, 0, PAGE - 100);
	((char *)blk)[4000] = 1;
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 100, PAGE - 100,
					ACTOR), FL_VIOL_GARBAGE);
	EXPECT_EQ(last_violation(&fx).offset, 5 * PAGE + 4000);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 2);
	teardown(&fx);
}

/*
 * eof_boundary's finding: bytes stored through the mapping past EOF read
 * back after the file grew. The scribbled range is its own kind; the rest
 * of the block is judged as usual, and one bad block counts once.
 */
TEST(detect_eof_data_reappeared)
{
	struct fixture fx;
	uint64_t before, eof = 5 * PAGE + 100, total;
	char *b = (char *)blk, text[256];
	struct fl_violation v;

	setup(&fx);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, eof), 0);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, eof, NR_BLOCKS * PAGE - eof), 0);
	fl_oracle_size_end(fx.f);
	fl_oracle_end(fx.f, 5, NR_BLOCKS - 5);
	fl_oracle_past_eof_store(fx.f, eof, PAGE - 100, 0xff);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, NR_BLOCKS * PAGE), 0);
	fl_oracle_size_end(fx.f);
	before = fl_oracle_snapshot(fx.f, 5);

	/* Zero-filled, as POSIX ftruncate requires: legal. */
	fl_stamp_fill(blk, FILE_ID, 5, 1);
	memset(b + 100, 0, PAGE - 100);
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 100, PAGE - 100,
					ACTOR), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 0);

	/* The whole scribble back, through the mapping and through read(). */
	memset(b + 100, 0xff, PAGE - 100);
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_EOF_DATA_REAPPEARED);
	v = last_violation(&fx);
	EXPECT_EQ(v.offset, 5 * PAGE + 100);
	fl_violation_str(&v, text, sizeof(text));
	TH_LOG("%s", text);
	EXPECT_TRUE(!strncmp(text, "eof_data_reappeared: file 7 offset 20580 ", 41));
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 0, PAGE, ACTOR),
		  FL_VIOL_EOF_DATA_REAPPEARED);
	ASSERT_EQ(fl_oracle_judge_range(fx.f, 5, before, blk, 100, PAGE - 100,
					ACTOR), FL_VIOL_EOF_DATA_REAPPEARED);
	/* Part of it, among zeros: the first byte back is named. */
	memset(b + 100, 0, PAGE - 100);
	b[3000] = (char)0xff;
	b[3001] = (char)0xff;
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_EOF_DATA_REAPPEARED);
	EXPECT_EQ(last_violation(&fx).offset, 5 * PAGE + 3000);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_EOF_DATA_REAPPEARED), 4);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 4);

	/* Other bytes there are not the scribble: judged as before (torn). */
	b[3002] = 0x5a;
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_TORN);
	EXPECT_EQ(last_violation(&fx).offset, 5 * PAGE + 3000);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_EOF_DATA_REAPPEARED), 4);
	/* The data before EOF is still judged; the block counts once. */
	memset(b + 100, 0xff, PAGE - 100);
	b[10] ^= 0x40;
	total = fl_oracle_violations_total(fx.o);
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_TORN);
	EXPECT_EQ(last_violation(&fx).offset, 5 * PAGE + 10);
	EXPECT_EQ(fl_oracle_violations_total(fx.o), total + 1);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_EOF_DATA_REAPPEARED), 4);

	/* Where data is legal again (rewritten), 0xff is no scribble. */
	write_block(&fx, 5, 3);
	before = fl_oracle_snapshot(fx.f, 5);
	fl_stamp_fill(blk, FILE_ID, 5, 3);
	ASSERT_EQ(judge(&fx, 5, before, blk), FL_VIOL_NONE);
	memset(b + 100, 0xff, PAGE - 100);
	EXPECT_EQ(judge(&fx, 5, before, blk), FL_VIOL_TORN);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_EOF_DATA_REAPPEARED), 4);
	/* A block the store did not cover: data where zero must be. */
	before = fl_oracle_snapshot(fx.f, 6);
	memset(blk, 0xff, sizeof(blk));
	EXPECT_EQ(judge(&fx, 6, before, blk), FL_VIOL_GARBAGE);
	teardown(&fx);
}

/* Without the store announced, the same bytes are only garbage. */
TEST(eof_data_unannounced_is_garbage)
{
	struct fixture fx;
	uint64_t before, eof = 5 * PAGE + 100;

	setup(&fx);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, eof), 0);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, eof, NR_BLOCKS * PAGE - eof), 0);
	fl_oracle_size_end(fx.f);
	fl_oracle_end(fx.f, 5, NR_BLOCKS - 5);
	before = fl_oracle_snapshot(fx.f, 5);
	fl_stamp_fill(blk, FILE_ID, 5, 1);
	memset((char *)blk + 100, 0xff, PAGE - 100);
	ASSERT_NE(judge(&fx, 5, before, blk), FL_VIOL_NONE);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_EOF_DATA_REAPPEARED), 0);
	/* Forgotten (len 0): the same. */
	fl_oracle_past_eof_store(fx.f, eof, PAGE - 100, 0xff);
	fl_oracle_past_eof_store(fx.f, 0, 0, 0);
	ASSERT_NE(judge(&fx, 5, before, blk), FL_VIOL_NONE);
	EXPECT_EQ(fl_oracle_count(fx.o, FL_VIOL_EOF_DATA_REAPPEARED), 0);
	teardown(&fx);
}

TEST(legal_size_changes_during_access)
{
	struct fixture fx;
	uint64_t snap, min, max;

	setup(&fx);
	/* Shrink and regrow both ran while the access did. */
	snap = fl_oracle_size_snapshot(fx.f);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 2 * PAGE), 0);
	fl_oracle_size_end(fx.f);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, NR_BLOCKS * PAGE), 0);
	fl_oracle_size_end(fx.f);
	ASSERT_EQ(fl_oracle_size_range(fx.f, snap, &min, &max), 0);
	EXPECT_EQ(min, 2 * PAGE);
	EXPECT_EQ(max, NR_BLOCKS * PAGE);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 9 * PAGE, true,
					 BUS_ADRERR, ACTOR), FL_VIOL_NONE);
	/* A reader stalled across more ops than the ring holds: unjudged. */
	snap = fl_oracle_size_snapshot(fx.f);
	for (int i = 0; i < FL_ORACLE_SIZE_RING + 1; i++) {
		ASSERT_EQ(fl_oracle_size_begin(fx.f, (uint64_t)i * 100), 0);
		fl_oracle_size_end(fx.f);
	}
	ASSERT_EQ(fl_oracle_size_range(fx.f, snap, &min, &max), -EAGAIN);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 0, true, BUS_ADRERR,
					 ACTOR), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_size(fx.f), FL_ORACLE_SIZE_RING * 100);
	/* A failed truncate leaves the size alone. */
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 1), 0);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 2), -EBUSY);
	fl_oracle_size_abort(fx.f);
	ASSERT_EQ(fl_oracle_size(fx.f), FL_ORACLE_SIZE_RING * 100);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 0);
	teardown(&fx);
}

TEST(legal_large_folio_slack)
{
	struct fixture fx;
	uint64_t snap;

	setup(&fx);
	fl_oracle_set_eof_slack(fx.o, 8 * PAGE);
	ASSERT_EQ(fl_oracle_size_begin(fx.f, 3 * PAGE), 0);
	fl_oracle_size_end(fx.f);
	snap = fl_oracle_size_snapshot(fx.f);
	/* Within the folio holding EOF: either outcome. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 5 * PAGE, false, 0,
					 ACTOR), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 5 * PAGE, true,
					 BUS_ADRERR, ACTOR), FL_VIOL_NONE);
	/* Beyond it: SIGBUS required. */
	ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, 8 * PAGE, false, 0,
					 ACTOR), FL_VIOL_MISSING_SIGBUS);
	teardown(&fx);
}

/*
 * Random op sequences on one block (whole writes, unaligned punches); a
 * reader snapshots at a random point, judges at a later one, and reads a
 * random byte-chunk mix of every content the block had in between. A
 * correct kernel can produce any such mix, so none may be flagged.
 */
TEST(fuzz_legal_mixes_never_alarm)
{
	static unsigned char ver[16][FL_STAMP_SIZE];
	static unsigned char cur[FL_STAMP_SIZE];
	static unsigned char buf[FL_STAMP_SIZE] __attribute__((aligned(8)));
	uint64_t rng = 0x9e3779b97f4a7c15, before = 0;
	struct fixture fx;

	for (int trial = 0; trial < 3000; trial++) {
		unsigned int nr_ops = 1 + xorshift64(&rng) % 4;
		unsigned int nr_ev = 3 * nr_ops;
		unsigned int snap_at = xorshift64(&rng) % (nr_ev + 1);
		unsigned int judge_at = snap_at + xorshift64(&rng) %
					(nr_ev - snap_at + 1);
		unsigned int nr_ver = 0, op = 0;
		bool zero_op = false, bad[256];
		uint32_t lo = 0, hi = 0;
		uint64_t gen = 1;
		unsigned int b;
		size_t x;

		ASSERT_EQ(fl_oracle_init(&fx.o, 1, PAGE), 0);
		ASSERT_EQ(fl_oracle_file_init(&fx.f, fx.o, FILE_ID, 1, PAGE),
			  0);
		write_block(&fx, 0, 1);
		fl_stamp_fill((uint64_t *)cur, FILE_ID, 0, 1);
		/* Events: begin, apply (the kernel's change), end; per op. */
		for (unsigned int ev = 0; ev <= nr_ev; ev++) {
			if (ev == snap_at) {
				before = fl_oracle_snapshot(fx.f, 0);
				memcpy(ver[nr_ver++], cur, FL_STAMP_SIZE);
			}
			if (ev == judge_at)
				break;
			switch (ev % 3) {
			case 0:
				zero_op = xorshift64(&rng) % 2;
				if (zero_op) {
					lo = xorshift64(&rng) % FL_STAMP_SIZE;
					hi = lo + 1 + xorshift64(&rng) %
					     (FL_STAMP_SIZE - lo);
					if (xorshift64(&rng) % 4 == 0) {
						lo = 0;
						hi = FL_STAMP_SIZE;
					}
					if (!fl_oracle_begin_zero(fx.f, lo,
								  hi - lo))
						break;
				}
				zero_op = false;
				gen = fl_oracle_next_gen(fx.f, 0, 1);
				ASSERT_EQ(fl_oracle_begin(fx.f, 0, 1, gen,
							  false), 0);
				break;
			case 1:
				if (zero_op)
					memset(cur + lo, 0, hi - lo);
				else
					fl_stamp_fill((uint64_t *)cur, FILE_ID,
						      0, gen);
				if (ev > snap_at)
					memcpy(ver[nr_ver++], cur,
					       FL_STAMP_SIZE);
				break;
			case 2:
				fl_oracle_end(fx.f, 0, 1);
				op++;
				break;
			}
		}
		/* Chunks of 1..600 bytes, each from a random legal version. */
		for (size_t pos = 0; pos < FL_STAMP_SIZE;) {
			size_t n = 1 + xorshift64(&rng) % 600;
			unsigned int v = xorshift64(&rng) % nr_ver;

			if (n > FL_STAMP_SIZE - pos)
				n = FL_STAMP_SIZE - pos;
			memcpy(buf + pos, ver[v] + pos, n);
			pos += n;
		}
		if (judge(&fx, 0, before, buf) != FL_VIOL_NONE) {
			struct fl_violation v = last_violation(&fx);
			char text[256];

			fl_violation_str(&v, text, sizeof(text));
			TH_LOG("trial %d: %s", trial, text);
			ASSERT_TRUE(false);
		}
		/* The same read, whole versions only. */
		for (unsigned int v = 0; v < nr_ver; v++)
			ASSERT_EQ(judge(&fx, 0, before, ver[v]), FL_VIOL_NONE);
		/* One byte no legal content and no generation has: caught. */
		x = xorshift64(&rng) % FL_STAMP_SIZE;
		memset(bad, 0, sizeof(bad));
		bad[0] = true;
		for (unsigned int v = 0; v < nr_ver; v++)
			bad[ver[v][x]] = true;
		for (uint64_t g = 1; g < fl_oracle_next_gen(fx.f, 0, 1); g++) {
			uint32_t csum = fl_stamp_csum(FILE_ID, 0, g);
			uint64_t ew = fl_stamp_word(FILE_ID, 0, g, csum,
						    (uint32_t)(x / 8));

			bad[((unsigned char *)&ew)[x % 8]] = true;
		}
		for (b = 1; bad[b]; b++)
			;
		buf[x] = (unsigned char)b;
		ASSERT_NE(judge(&fx, 0, before, buf), FL_VIOL_NONE);
		(void)op;
		teardown(&fx);
	}
}

/*
 * The same with real threads: a writer stamps and punches a shared buffer
 * (memcpy and memset standing in for the kernel) between begin and end,
 * readers snapshot, copy and judge. Memory ordering must hold up.
 */
#define RACE_BLOCKS 4
static uint64_t race_mem[RACE_BLOCKS][FL_STAMP_WORDS];
static int race_stop;

static void *race_writer(void *arg)
{
	struct fixture *fx = arg;
	uint64_t rng = 77, tmp[FL_STAMP_WORDS];

	while (!__atomic_load_n(&race_stop, __ATOMIC_RELAXED)) {
		uint64_t b = xorshift64(&rng) % RACE_BLOCKS;
		uint32_t lo = xorshift64(&rng) % FL_STAMP_SIZE;
		uint32_t hi = lo + 1 + xorshift64(&rng) % (FL_STAMP_SIZE - lo);
		uint64_t gen;

		if (xorshift64(&rng) % 2 &&
		    !fl_oracle_begin_zero(fx->f, b * PAGE + lo, hi - lo)) {
			memset((char *)race_mem[b] + lo, 0, hi - lo);
			fl_oracle_end(fx->f, b, 1);
			continue;
		}
		gen = fl_oracle_next_gen(fx->f, b, 1);
		fl_stamp_fill(tmp, FILE_ID, b, gen);
		if (fl_oracle_begin(fx->f, b, 1, gen, false))
			continue;
		memcpy(race_mem[b], tmp, sizeof(tmp));
		fl_oracle_end(fx->f, b, 1);
	}
	return NULL;
}

static void *race_reader(void *arg)
{
	struct fixture *fx = arg;
	uint64_t rng = (uintptr_t)&rng, buf[FL_STAMP_WORDS], before;

	while (!__atomic_load_n(&race_stop, __ATOMIC_RELAXED)) {
		uint64_t b = xorshift64(&rng) % RACE_BLOCKS;

		before = fl_oracle_snapshot(fx->f, b);
		memcpy(buf, race_mem[b], sizeof(buf));
		fl_oracle_judge(fx->f, b, before, buf, 1);
	}
	return NULL;
}

TEST(threads_legal_races_never_alarm)
{
	struct fl_oracle_counts c;
	pthread_t w, r[2];
	struct fixture fx;
	uint64_t end;

	ASSERT_EQ(fl_oracle_init(&fx.o, 2, PAGE), 0);
	ASSERT_EQ(fl_oracle_file_init(&fx.f, fx.o, FILE_ID, RACE_BLOCKS,
				      RACE_BLOCKS * PAGE), 0);
	for (uint64_t b = 0; b < RACE_BLOCKS; b++) {
		fl_stamp_fill(race_mem[b], FILE_ID, b, 1);
		write_block(&fx, b, 1);
	}
	ASSERT_EQ(pthread_create(&w, NULL, race_writer, &fx), 0);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&r[i], NULL, race_reader, &fx), 0);
	end = fl_mono_ns() + SEC / 2;
	while (fl_mono_ns() < end)
		usleep(10000);
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELAXED);
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	fl_oracle_counts(fx.o, &c);
	TH_LOG("%" PRIu64 " reads judged", c.checked);
	EXPECT_GE(c.checked, 1000);
	if (c.violations) {
		struct fl_violation v = last_violation(&fx);
		char text[256];

		fl_violation_str(&v, text, sizeof(text));
		TH_LOG("%s", text);
	}
	ASSERT_EQ(c.violations, 0);
	teardown(&fx);
}

/* Sizes: a SIGBUS or its absence that some size in effect explains. */
TEST(fuzz_legal_sizes_never_alarm)
{
	uint64_t rng = 42, sizes[8], snap = 0;
	struct fixture fx;

	setup(&fx);
	for (int trial = 0; trial < 5000; trial++) {
		unsigned int nr_ops = xorshift64(&rng) % 4, nr = 0;
		uint64_t page = (xorshift64(&rng) % NR_BLOCKS) * PAGE;
		bool beyond_some = false, inside_some = false;
		bool in_flight = false;

		snap = fl_oracle_size_snapshot(fx.f);
		sizes[nr++] = fl_oracle_size(fx.f);
		for (unsigned int i = 0; i < nr_ops; i++) {
			uint64_t size = xorshift64(&rng) % (NR_BLOCKS * PAGE);

			ASSERT_EQ(fl_oracle_size_begin(fx.f, size), 0);
			sizes[nr++] = size;
			in_flight = i == nr_ops - 1 && xorshift64(&rng) % 2;
			if (!in_flight)
				fl_oracle_size_end(fx.f);
		}
		for (unsigned int i = 0; i < nr; i++) {
			uint64_t eof = (sizes[i] + PAGE - 1) / PAGE * PAGE;

			beyond_some |= page >= eof;
			inside_some |= page < eof;
		}
		if (beyond_some)
			ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, page, true,
							 BUS_ADRERR, ACTOR),
				  FL_VIOL_NONE);
		if (inside_some)
			ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, page,
							 false, 0, ACTOR),
				  FL_VIOL_NONE);
		if (!beyond_some)
			ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, page, true,
							 BUS_ADRERR, ACTOR),
				  FL_VIOL_UNEXPECTED_SIGBUS);
		if (!inside_some)
			ASSERT_EQ(fl_oracle_judge_access(fx.f, snap, page,
							 false, 0, ACTOR),
				  FL_VIOL_MISSING_SIGBUS);
		/* Finish an op left in flight. */
		if (in_flight)
			fl_oracle_size_end(fx.f);
	}
	teardown(&fx);
}

/* Writer rules and bookkeeping. */

TEST(writer_rules)
{
	struct fixture fx;
	uint64_t s;

	setup(&fx);
	/* Generations must go up. */
	ASSERT_EQ(fl_oracle_begin(fx.f, 0, 1, 1, false), -EINVAL);
	ASSERT_EQ(fl_oracle_begin(fx.f, 0, 1, FL_BS_GEN_MAX + 1, false),
		  -ERANGE);
	ASSERT_EQ(fl_oracle_begin(fx.f, NR_BLOCKS - 1, 2, 5, false), -EINVAL);
	/* Overlapping ops: the second is refused, nothing left claimed. */
	ASSERT_EQ(fl_oracle_begin(fx.f, 4, 2, 2, false), 0);
	ASSERT_EQ(fl_oracle_begin(fx.f, 2, 3, 2, false), -EBUSY);
	ASSERT_EQ(fl_oracle_begin(fx.f, 2, 2, 2, false), 0);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 5 * PAGE, 10), -EBUSY);
	fl_oracle_abort(fx.f, 4, 2);
	ASSERT_EQ(fl_bs_gen(fl_oracle_snapshot(fx.f, 4)), 1);
	fl_oracle_end(fx.f, 2, 2);
	ASSERT_EQ(fl_bs_gen(fl_oracle_snapshot(fx.f, 2)), 2);
	ASSERT_EQ(fl_bs_gen(fl_oracle_snapshot(fx.f, 4)), 1);
	/* Two separate holes in one block: refused until refilled. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 100, 100), 0);
	fl_oracle_end(fx.f, 0, 1);
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 300, 100), -EINVAL);
	/* Touching or overlapping ones merge. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 200, 100), 0);
	fl_oracle_end(fx.f, 0, 1);
	s = fl_oracle_snapshot(fx.f, 0);
	EXPECT_EQ(fl_bs_zlo(s), 100);
	EXPECT_EQ(fl_bs_zhi(s), 300);
	EXPECT_EQ(fl_bs_gen(s), 3);
	EXPECT_EQ(fl_bs_data_gen(s), 1);
	/* Zeroing what is already zero changes nothing. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 150, 100), 0);
	fl_oracle_end(fx.f, 0, 1);
	EXPECT_EQ(fl_oracle_snapshot(fx.f, 0), s);
	/* Up to the end of the block: merged and then all zero. */
	ASSERT_EQ(fl_oracle_begin_zero(fx.f, 0, PAGE), 0);
	fl_oracle_end(fx.f, 0, 1);
	EXPECT_TRUE(fl_bs_all_zero(fl_oracle_snapshot(fx.f, 0)));
	EXPECT_EQ(fl_bs_gen(fl_oracle_snapshot(fx.f, 0)), 4);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 0);
	teardown(&fx);
}

TEST(log_caps_and_counts)
{
	struct fl_violation log[FL_ORACLE_LOG_CAP + 8];
	struct fl_oracle_counts c;
	struct fixture fx;
	uint64_t zero = 0;
	unsigned int n;

	setup(&fx);
	for (unsigned int i = 0; i < 100; i++)
		ASSERT_EQ(fl_oracle_check_marker(fx.o, FILE_ID, i * 8, &zero,
						 fl_oracle_marker(1, i * 8), 1),
			  FL_VIOL_LOST_MARKER);
	ASSERT_EQ(fl_oracle_count(fx.o, FL_VIOL_LOST_MARKER), 100);
	ASSERT_EQ(fl_oracle_violations_total(fx.o), 100);
	n = fl_oracle_log(fx.o, log, FL_ORACLE_LOG_CAP + 8);
	ASSERT_EQ(n, FL_ORACLE_LOG_CAP);
	/* The first ones are kept. */
	EXPECT_EQ(log[0].offset, 0);
	EXPECT_EQ(log[FL_ORACLE_LOG_CAP - 1].offset,
		  (FL_ORACLE_LOG_CAP - 1) * 8);
	fl_oracle_counts(fx.o, &c);
	EXPECT_EQ(c.violations, 100);
	EXPECT_EQ(c.logged, FL_ORACLE_LOG_CAP);
	EXPECT_EQ(c.checked, 100);
	teardown(&fx);
}

TEST(json_and_text)
{
	struct fixture fx;
	struct fl_violation v;
	json_t *j, *by_kind, *details;
	char text[256];
	uint64_t before;

	setup(&fx);
	write_block(&fx, 3, 5);
	before = fl_oracle_snapshot(fx.f, 3);
	fl_stamp_fill(blk, FILE_ID, 3, 3);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_STALE);
	fl_stamp_fill(blk, FILE_ID, 3, 5);
	ASSERT_EQ(judge(&fx, 3, before, blk), FL_VIOL_NONE);
	ASSERT_EQ(fl_oracle_judge_access(fx.f, fl_oracle_size_snapshot(fx.f),
					 0, true, BUS_ADRERR, 1),
		  FL_VIOL_UNEXPECTED_SIGBUS);
	v = last_violation(&fx);
	fl_violation_str(&v, text, sizeof(text));
	TH_LOG("%s", text);
	EXPECT_TRUE(strstr(text, "unexpected_sigbus") != NULL);
	EXPECT_TRUE(strstr(text, "BUS_ADRERR") != NULL);

	j = fl_oracle_json(fx.o);
	ASSERT_TRUE(j != NULL);
	EXPECT_EQ(json_integer_value(json_object_get(j, "checked")), 2);
	EXPECT_EQ(json_integer_value(json_object_get(j, "violations")), 2);
	EXPECT_EQ(json_integer_value(json_object_get(j, "sigbus_unexpected")),
		  1);
	EXPECT_EQ(json_integer_value(json_object_get(j, "sigbus_expected")), 0);
	by_kind = json_object_get(j, "by_kind");
	EXPECT_EQ(json_integer_value(json_object_get(by_kind, "stale")), 1);
	EXPECT_EQ(json_integer_value(json_object_get(by_kind, "torn")), 0);
	EXPECT_EQ(json_object_size(by_kind), FL_VIOL_NR - 1);
	details = json_object_get(j, "details");
	ASSERT_EQ(json_array_size(details), 2);
	EXPECT_STREQ(json_string_value(json_object_get(
		json_array_get(details, 0), "kind")), "stale");
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(
		json_object_get(json_array_get(details, 0), "expected"),
		"published"), "gen")), 5);
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(
		json_array_get(details, 0), "observed"), "gen")), 3);
	json_decref(j);
	for (int k = 0; k < FL_VIOL_NR; k++)
		EXPECT_TRUE(strcmp(fl_viol_kind_str(k), "invalid") != 0);
	EXPECT_STREQ(fl_viol_kind_str(FL_VIOL_NR), "invalid");
	/* Names read back to their kinds (the known-failures list uses them). */
	for (int k = FL_VIOL_NONE + 1; k < FL_VIOL_NR; k++)
		EXPECT_EQ(fl_viol_kind_from_str(fl_viol_kind_str(k)), k);
	EXPECT_EQ(fl_viol_kind_from_str("none"), FL_VIOL_NONE);
	EXPECT_EQ(fl_viol_kind_from_str("Torn"), FL_VIOL_NONE);
	teardown(&fx);
}

TEST(bs_encoding)
{
	char buf[64];
	uint64_t s;

	/* All-zero bits are a fresh block: gen 0, all zero. */
	EXPECT_TRUE(fl_bs_all_zero(0));
	EXPECT_EQ(fl_bs_gen(0), 0);
	s = fl_bs_make(FL_BS_GEN_MAX, FL_BS_LAG_MAX, 1, FL_STAMP_SIZE);
	EXPECT_EQ(fl_bs_gen(s), FL_BS_GEN_MAX);
	EXPECT_EQ(fl_bs_lag(s), FL_BS_LAG_MAX);
	EXPECT_EQ(fl_bs_zlo(s), 1);
	EXPECT_EQ(fl_bs_zhi(s), FL_STAMP_SIZE);
	EXPECT_TRUE(!(s & FL_BS_BUSY));
	s = fl_bs_make(7, 0, 0, 0);
	EXPECT_TRUE(!fl_bs_has_zero(s));
	EXPECT_EQ(fl_bs_data_gen(s), 7);
	fl_bs_str(fl_bs_make(9, 2, 100, 4096), buf, sizeof(buf));
	EXPECT_STREQ(buf, "gen 9 data gen 7, zero [100, 4096)");
	fl_bs_str(fl_bs_make(8, 0, 0, 4096), buf, sizeof(buf));
	EXPECT_STREQ(buf, "gen 8 zero");
}

TEST_HARNESS_MAIN
