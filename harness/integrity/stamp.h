/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Block stamps: every 4 KiB block the suite writes starts with a header
 * {magic, file id, block index, generation, checksum} followed by a payload
 * that is a pure function of (file id, block, generation). Any block read
 * back can then be named: zero, this block at generation G, another block's
 * stamp, torn (header there but the rest does not match), or garbage.
 *
 * Payload word j is base(file id, block, j) ^ (gen * FL_STAMP_SPREAD), so
 * every word changes between generations and the generation can be
 * recovered from any single word: a block mixing two generations is seen
 * word by word. The checksum covers the header fields and the payload.
 * Verification is one vectorised pass of adds, shifts and xors over the
 * block (about 0.2 us), so it can run in stress loops.
 *
 * Classify a private copy of a mapped block, not the mapping itself: the
 * classifier may read a word twice and the mapping can change under it.
 */
#ifndef FL_STAMP_H
#define FL_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_STAMP_SIZE 4096u
#define FL_STAMP_WORDS (FL_STAMP_SIZE / 8)
#define FL_STAMP_MAGIC 0x54534c46u	/* "FLST" in memory */
/* Words 0..3 are the header, the payload is words 4..511. */
#define FL_STAMP_HDR_WORDS 4u
/* Odd, so gen * SPREAD is a bijection and can be undone with the inverse. */
#define FL_STAMP_SPREAD UINT64_C(0x9e3779b97f4a7c15)
#define FL_STAMP_SPREAD_INV UINT64_C(0xf1de83e19937733d)

struct fl_stamp_hdr {
	uint32_t magic;
	uint32_t file_id;
	uint64_t block;
	uint64_t gen;
	uint32_t csum;
	uint32_t reserved;	/* zero, covered by the checksum */
};

enum fl_seen_kind {
	FL_SEEN_ZERO,		/* every byte zero */
	FL_SEEN_DATA,		/* a valid stamp of this file and block */
	FL_SEEN_WRONG_BLOCK,	/* a valid stamp of another block or file */
	FL_SEEN_TORN,		/* a stamp that does not hold together */
	FL_SEEN_GARBAGE,	/* not zero and not a stamp */
	FL_SEEN_UNKNOWN,	/* range too short to tell (range classifier) */
	FL_SEEN_NR,
};

/* What a block (or byte range) holds. */
struct fl_stamp_seen {
	enum fl_seen_kind kind;
	uint32_t file_id;	/* DATA, WRONG_BLOCK, TORN: from the stamp */
	uint64_t block;		/* as above */
	uint64_t gen;		/* as above; TORN: best guess */
	uint32_t bad_off;	/* TORN: offset of the first wrong byte */
	uint32_t nr_bad;	/* TORN: 8-byte words that do not match */
	uint32_t nr_bad_zero;	/* TORN: how many of those read zero */
};

/* Seed of the payload of one block: mixes file id and block index. */
static inline uint64_t fl_stamp_seed(uint32_t file_id, uint64_t block)
{
	uint64_t x = (block + 1) * UINT64_C(0xbf58476d1ce4e5b9) ^
		     ((uint64_t)file_id << 32 | FL_STAMP_MAGIC);

	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/*
 * Generation-independent part of payload word @j: a Weyl sequence from
 * the (well mixed) seed, xorshifted. No multiply per word, so the verify
 * loop vectorises; telling blocks apart is the seed's job.
 */
static inline uint64_t fl_stamp_base(uint64_t seed, uint32_t j)
{
	uint64_t x = seed + (uint64_t)j * UINT64_C(0x9e3779b97f4a7c15);

	return x ^ (x >> 29);
}

/* Payload word @j (4 <= j < FL_STAMP_WORDS) of a block at @gen. */
static inline uint64_t fl_stamp_payload_word(uint64_t seed, uint32_t j,
					     uint64_t gen)
{
	return fl_stamp_base(seed, j) ^ gen * FL_STAMP_SPREAD;
}

/* The generation payload word @j holds if it is a word of this block. */
static inline uint64_t fl_stamp_word_gen(uint64_t seed, uint32_t j,
					 uint64_t word)
{
	return (word ^ fl_stamp_base(seed, j)) * FL_STAMP_SPREAD_INV;
}

/* Write a whole stamped block (FL_STAMP_SIZE bytes, 8-byte aligned). */
void fl_stamp_fill(void *blk, uint32_t file_id, uint64_t block, uint64_t gen);

/* The checksum the stamp of (@file_id, @block, @gen) carries. */
uint32_t fl_stamp_csum(uint32_t file_id, uint64_t block, uint64_t gen);

/*
 * Expected 8-byte word @j of the stamp of (@file_id, @block, @gen);
 * @csum is fl_stamp_csum() of the same triple (only word 3 uses it).
 */
uint64_t fl_stamp_word(uint32_t file_id, uint64_t block, uint64_t gen,
		       uint32_t csum, uint32_t j);

/*
 * Name a whole block (8-byte aligned) that should hold the stamp of
 * (@file_id, @block). Returns the kind and fills @out (may be NULL).
 */
enum fl_seen_kind fl_stamp_classify(const void *blk, uint32_t file_id,
				    uint64_t block,
				    struct fl_stamp_seen *out);

/*
 * Name bytes [@off, @off + @len) of a block starting at @blk (8-byte
 * aligned); only those bytes are read. ZERO if they are all zero; DATA
 * when they equal the stamp of (@file_id, @block) at one generation, found
 * from the header or from a whole payload word in the range; WRONG_BLOCK
 * when the range starts with the header fields of another block's stamp
 * and matches it; TORN when some bytes fit and some do not; GARBAGE when
 * none fit; UNKNOWN when the range is non-zero but holds nothing a
 * generation can be read from (fl_stamp_match_range can still test one).
 */
enum fl_seen_kind fl_stamp_classify_range(const void *blk, size_t off,
					  size_t len, uint32_t file_id,
					  uint64_t block,
					  struct fl_stamp_seen *out);

/* True when bytes [@off, @off + @len) of the stamp at @gen are at @blk. */
bool fl_stamp_match_range(const void *blk, size_t off, size_t len,
			  uint32_t file_id, uint64_t block, uint64_t gen);

/* True when @len bytes at @p are all zero. */
bool fl_mem_is_zero(const void *p, size_t len);

const char *fl_seen_kind_str(enum fl_seen_kind kind);

#endif /* FL_STAMP_H */
