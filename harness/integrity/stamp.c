// SPDX-License-Identifier: GPL-2.0
/* Block stamps: fill, checksum and classification. */
#include <string.h>

#include "base/faultline.h"
#include "integrity/stamp.h"

_Static_assert(sizeof(struct fl_stamp_hdr) == FL_STAMP_HDR_WORDS * 8,
	       "stamp header is four words");

/* A random-looking gen is almost never below this; real ones always are. */
#define PLAUSIBLE_GEN (UINT64_C(1) << 40)

static uint64_t fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

/* Checksum contribution of the header fields (not the csum itself). */
static uint64_t hdr_sum(uint32_t magic, uint32_t file_id, uint64_t block,
			uint64_t gen, uint32_t reserved)
{
	return magic * UINT64_C(0x9fb21c651e98df25) +
	       file_id * UINT64_C(0xc2b2ae3d27d4eb4f) +
	       block * UINT64_C(0x165667b19e3779f9) +
	       gen * UINT64_C(0x27d4eb2f165667c5) +
	       reserved * UINT64_C(0x85ebca77c2b2ae63);
}

static uint32_t fold(uint64_t sum)
{
	uint64_t x = fmix64(sum);

	return (uint32_t)(x ^ (x >> 32));
}

typedef uint64_t v2u64 __attribute__((vector_size(16)));

/* The Weyl step of fl_stamp_base(). */
#define WEYL UINT64_C(0x9e3779b97f4a7c15)
/*
 * Payload word j adds v ^ (j * SUM_KEY) to the checksum: xor with a
 * position key is a bijection, so changing one word always changes the
 * sum, and moving a word elsewhere almost always does. No multiply per
 * word, so the pass vectorises.
 */
#define SUM_KEY UINT64_C(0xc2b2ae3d27d4eb4f)

/*
 * The payload in one pass, two words at a time with vector extensions
 * (SSE2 on x86-64, plain pairs elsewhere): fl_stamp_payload_word() and
 * the checksum share, unrolled. With @in, compare it with the stamp at
 * @gen and OR the differences into *@diff; with @out, write the stamp.
 * Returns the checksum share of what was read (or written).
 */
static inline __attribute__((always_inline)) uint64_t
payload_pass(const uint64_t *in, uint64_t *out, uint64_t seed, uint64_t gen,
	     uint64_t *diff)
{
	const uint32_t j0 = FL_STAMP_HDR_WORDS;
	const v2u64 xstep = { 2 * WEYL, 2 * WEYL };
	const v2u64 kstep = { 2 * SUM_KEY, 2 * SUM_KEY };
	const v2u64 sg = { gen * FL_STAMP_SPREAD, gen * FL_STAMP_SPREAD };
	v2u64 x = { seed + j0 * WEYL, seed + (j0 + 1) * WEYL };
	v2u64 key = { j0 * SUM_KEY, (j0 + 1) * SUM_KEY };
	v2u64 d = { 0, 0 }, sum = { 0, 0 };

	for (uint32_t j = j0; j < FL_STAMP_WORDS; j += 2) {
		v2u64 e = x ^ (x >> 29) ^ sg, v = e;

		if (in) {
			memcpy(&v, in + j, sizeof(v));
			d |= v ^ e;
		}
		if (out)
			memcpy(out + j, &v, sizeof(v));
		sum += v ^ key;
		x += xstep;
		key += kstep;
	}
	if (diff)
		*diff = d[0] | d[1];
	return sum[0] + sum[1];
}

uint32_t fl_stamp_csum(uint32_t file_id, uint64_t block, uint64_t gen)
{
	uint64_t seed = fl_stamp_seed(file_id, block);

	return fold(hdr_sum(FL_STAMP_MAGIC, file_id, block, gen, 0) +
		    payload_pass(NULL, NULL, seed, gen, NULL));
}

void fl_stamp_fill(void *blk, uint32_t file_id, uint64_t block, uint64_t gen)
{
	uint64_t seed = fl_stamp_seed(file_id, block);
	uint64_t sum = hdr_sum(FL_STAMP_MAGIC, file_id, block, gen, 0);
	struct fl_stamp_hdr h;

	sum += payload_pass(NULL, blk, seed, gen, NULL);
	h.magic = FL_STAMP_MAGIC;
	h.file_id = file_id;
	h.block = block;
	h.gen = gen;
	h.csum = fold(sum);
	h.reserved = 0;
	memcpy(blk, &h, sizeof(h));
}

/* The four header words of a stamp, as they lie in memory. */
static void hdr_words(uint32_t file_id, uint64_t block, uint64_t gen,
		      uint32_t csum, uint64_t out[FL_STAMP_HDR_WORDS])
{
	struct fl_stamp_hdr h = {
		.magic = FL_STAMP_MAGIC,
		.file_id = file_id,
		.block = block,
		.gen = gen,
		.csum = csum,
	};

	memcpy(out, &h, sizeof(h));
}

uint64_t fl_stamp_word(uint32_t file_id, uint64_t block, uint64_t gen,
		       uint32_t csum, uint32_t j)
{
	uint64_t hw[FL_STAMP_HDR_WORDS];

	if (j >= FL_STAMP_HDR_WORDS)
		return fl_stamp_payload_word(fl_stamp_seed(file_id, block), j,
					     gen);
	hdr_words(file_id, block, gen, csum, hw);
	return hw[j];
}

bool fl_mem_is_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t acc = 0, w;
	size_t i = 0;

	/* A cache line at a time, so a non-zero block stops early. */
	for (; i + 64 <= len; i += 64) {
		v2u64 v[4];

		memcpy(v, c + i, sizeof(v));
		v[0] |= v[1] | v[2] | v[3];
		if (v[0][0] | v[0][1])
			return false;
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, c + i, 8);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= c[i];
	return !acc;
}

/* Compare result of a byte range against one stamp. */
struct range_diff {
	uint32_t first_bad;	/* offset of the first differing byte */
	uint32_t nr_bad;	/* words (or word fragments) that differ */
	uint32_t nr_bad_zero;	/* of those, the ones reading zero */
	uint32_t nr_good;	/* non-zero words that match */
};

/*
 * Compare bytes [@off, @off + @len) of @blk with the stamp of (@file_id,
 * @block, @gen), word by word; words cut by the range ends compare only
 * the bytes inside it.
 */
static void diff_range(const unsigned char *blk, size_t off, size_t len,
		       uint32_t file_id, uint64_t block, uint64_t gen,
		       struct range_diff *d)
{
	uint64_t seed = fl_stamp_seed(file_id, block);
	uint64_t hw[FL_STAMP_HDR_WORDS];
	bool have_hdr = false;
	size_t end = off + len, pos;

	memset(d, 0, sizeof(*d));
	d->first_bad = UINT32_MAX;
	for (pos = off & ~(size_t)7; pos < end; pos += 8) {
		uint32_t j = (uint32_t)(pos / 8);
		size_t lo = pos < off ? off - pos : 0;
		size_t hi = end - pos < 8 ? end - pos : 8;
		unsigned char e[8], zero[8] = { 0 };
		uint64_t ew;

		if (j < FL_STAMP_HDR_WORDS) {
			if (!have_hdr) {
				hdr_words(file_id, block, gen,
					  fl_stamp_csum(file_id, block, gen),
					  hw);
				have_hdr = true;
			}
			ew = hw[j];
		} else {
			ew = fl_stamp_payload_word(seed, j, gen);
		}
		memcpy(e, &ew, 8);
		if (!memcmp(blk + pos + lo, e + lo, hi - lo)) {
			if (memcmp(blk + pos + lo, zero, hi - lo))
				d->nr_good++;
			continue;
		}
		if (d->first_bad == UINT32_MAX) {
			size_t k = lo;

			while (blk[pos + k] == e[k])
				k++;
			d->first_bad = (uint32_t)(pos + k);
		}
		d->nr_bad++;
		if (!memcmp(blk + pos + lo, zero, hi - lo))
			d->nr_bad_zero++;
	}
}

static enum fl_seen_kind seen_set(struct fl_stamp_seen *out,
				  enum fl_seen_kind kind, uint32_t file_id,
				  uint64_t block, uint64_t gen,
				  const struct range_diff *d)
{
	if (out) {
		memset(out, 0, sizeof(*out));
		out->kind = kind;
		out->file_id = file_id;
		out->block = block;
		out->gen = gen;
		if (d) {
			out->bad_off = d->first_bad;
			out->nr_bad = d->nr_bad;
			out->nr_bad_zero = d->nr_bad_zero;
		}
	}
	return kind;
}

/*
 * A non-zero block without a valid magic: torn if its payload is (partly)
 * this block's stamp, e.g. a zeroed first half; garbage otherwise.
 */
static enum fl_seen_kind classify_headless(const uint64_t *w, size_t off,
					   size_t len, uint32_t file_id,
					   uint64_t block,
					   struct fl_stamp_seen *out)
{
	uint64_t seed = fl_stamp_seed(file_id, block);
	size_t first = (off + 7) / 8, end = (off + len) / 8, j;
	struct range_diff d;
	uint64_t gen;

	if (first < FL_STAMP_HDR_WORDS)
		first = FL_STAMP_HDR_WORDS;
	for (j = first; j < end && !w[j]; j++)
		;
	if (j >= end)
		return seen_set(out, FL_SEEN_UNKNOWN, 0, 0, 0, NULL);
	gen = fl_stamp_word_gen(seed, (uint32_t)j, w[j]);
	if (gen >= PLAUSIBLE_GEN)
		return seen_set(out, FL_SEEN_GARBAGE, 0, 0, 0, NULL);
	diff_range((const unsigned char *)w, off, len, file_id, block, gen,
		   &d);
	/* Only a range can match with no magic: it does not hold word 0. */
	if (!d.nr_bad)
		return seen_set(out, FL_SEEN_DATA, file_id, block, gen, NULL);
	return seen_set(out, FL_SEEN_TORN, file_id, block, gen, &d);
}

enum fl_seen_kind fl_stamp_classify(const void *blk, uint32_t file_id,
				    uint64_t block, struct fl_stamp_seen *out)
{
	const uint64_t *w = blk;
	uint64_t seed, diff, sum;
	struct fl_stamp_seen s;
	struct fl_stamp_hdr h;
	struct range_diff d;

	memcpy(&h, blk, sizeof(h));
	if (h.magic != FL_STAMP_MAGIC) {
		if (fl_mem_is_zero(blk, FL_STAMP_SIZE))
			return seen_set(out, FL_SEEN_ZERO, 0, 0, 0, NULL);
		/* Non-zero with an all-zero payload: no stamp at all. */
		if (classify_headless(w, 0, FL_STAMP_SIZE, file_id, block,
				      &s) == FL_SEEN_UNKNOWN)
			seen_set(&s, FL_SEEN_GARBAGE, 0, 0, 0, NULL);
		if (out)
			*out = s;
		return s.kind;
	}
	/* The fast path: one fused pass compares and sums every word. */
	seed = fl_stamp_seed(h.file_id, h.block);
	sum = payload_pass(w, NULL, seed, h.gen, &diff);
	sum += hdr_sum(h.magic, h.file_id, h.block, h.gen, h.reserved);
	if (likely(!diff && !h.reserved && h.csum == fold(sum))) {
		if (h.file_id == file_id && h.block == block)
			return seen_set(out, FL_SEEN_DATA, h.file_id, h.block,
					h.gen, NULL);
		return seen_set(out, FL_SEEN_WRONG_BLOCK, h.file_id, h.block,
				h.gen, NULL);
	}
	diff_range(blk, 0, FL_STAMP_SIZE, h.file_id, h.block, h.gen, &d);
	return seen_set(out, FL_SEEN_TORN, h.file_id, h.block, h.gen, &d);
}

enum fl_seen_kind fl_stamp_classify_range(const void *blk, size_t off,
					  size_t len, uint32_t file_id,
					  uint64_t block,
					  struct fl_stamp_seen *out)
{
	const unsigned char *c = blk;
	const uint64_t *w = blk;
	struct fl_stamp_hdr h = { 0 };
	struct range_diff d;

	if (off > FL_STAMP_SIZE)
		off = FL_STAMP_SIZE;
	if (len > FL_STAMP_SIZE - off)
		len = FL_STAMP_SIZE - off;
	if (off == 0 && len == FL_STAMP_SIZE)
		return fl_stamp_classify(blk, file_id, block, out);
	if (fl_mem_is_zero(c + off, len))
		return seen_set(out, FL_SEEN_ZERO, 0, 0, 0, NULL);

	/* The header names the generation when its fields are all inside. */
	if (off == 0 && len >= offsetof(struct fl_stamp_hdr, csum)) {
		memcpy(&h, blk, len < sizeof(h) ? len : sizeof(h));
		if (h.magic == FL_STAMP_MAGIC) {
			diff_range(c, off, len, h.file_id, h.block, h.gen, &d);
			if (!d.nr_bad)
				return seen_set(out,
						h.file_id == file_id &&
						h.block == block ?
						FL_SEEN_DATA :
						FL_SEEN_WRONG_BLOCK,
						h.file_id, h.block, h.gen,
						NULL);
			return seen_set(out, FL_SEEN_TORN, h.file_id, h.block,
					h.gen, &d);
		}
	}
	/* Otherwise the first whole non-zero payload word does. */
	return classify_headless(w, off, len, file_id, block, out);
}

bool fl_stamp_match_range(const void *blk, size_t off, size_t len,
			  uint32_t file_id, uint64_t block, uint64_t gen)
{
	struct range_diff d;

	if (off > FL_STAMP_SIZE || len > FL_STAMP_SIZE - off)
		return false;
	diff_range(blk, off, len, file_id, block, gen, &d);
	return !d.nr_bad;
}

const char *fl_seen_kind_str(enum fl_seen_kind kind)
{
	static const char *const names[FL_SEEN_NR] = {
		[FL_SEEN_ZERO] = "zero",
		[FL_SEEN_DATA] = "data",
		[FL_SEEN_WRONG_BLOCK] = "wrong_block",
		[FL_SEEN_TORN] = "torn",
		[FL_SEEN_GARBAGE] = "garbage",
		[FL_SEEN_UNKNOWN] = "unknown",
	};

	if ((unsigned int)kind >= FL_SEEN_NR)
		return "invalid";
	return names[kind];
}
