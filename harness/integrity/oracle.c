// SPDX-License-Identifier: GPL-2.0
/* The integrity oracle: block and i_size timelines, judgement, the log. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/shared_mem.h"
#include "base/sigbus.h"
#include "integrity/oracle.h"

#define CACHELINE 64
/* Generations tried byte by byte against a word that fits no single one. */
#define MAX_CANDIDATES 64
/* Ring entries: the low 24 bits of the op's sequence number, then size. */
#define RING_SIZE_BITS 40
#define RING_SEQ_MASK ((UINT64_C(1) << 24) - 1)
#define RING_SIZE_MASK ((UINT64_C(1) << RING_SIZE_BITS) - 1)

/* Per-actor counters and liveness; a line each so actors never share. */
struct actor_slot {
	uint64_t checked;
	uint64_t accesses;
	uint64_t sigbus_expected;
	uint64_t sigbus_unexpected;
	uint64_t unjudged;
	uint64_t op_start;	/* ns; 0 while idle */
	uint64_t op_reported;	/* start of the last op reported hung */
} __attribute__((aligned(CACHELINE)));

struct fl_oracle {
	bool shared;			/* all of it in shared memory */
	uint32_t nr_actors;
	uint32_t page_size;
	uint64_t eof_slack;
	struct actor_slot *actors;	/* nr_actors + 1, the last shared */
	uint64_t by_kind[FL_VIOL_NR];
	pthread_mutex_t lock;		/* the log below */
	unsigned int nr_log;
	struct fl_violation log[FL_ORACLE_LOG_CAP];
};

struct fl_ofile {
	struct fl_oracle *o;
	uint32_t file_id;
	uint64_t nr_blocks;
	uint64_t *intent;
	uint64_t *published;
	/* i_size: one op at a time, numbered; ring[seq % N] is its size. */
	uint64_t size_busy;
	uint64_t size_seq_intent;
	uint64_t size_seq_pub;
	uint64_t size_ring[FL_ORACLE_SIZE_RING];
	/* fl_oracle_past_eof_store(): bytes that must not come back. */
	uint64_t past_eof_off;
	uint64_t past_eof_len;
	unsigned char past_eof_fill;
};

static struct actor_slot *slot(struct fl_oracle *o, uint32_t actor)
{
	return &o->actors[actor < o->nr_actors ? actor : o->nr_actors];
}

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Slow path: count the violation and keep it if the log has room. */
static void record(struct fl_oracle *o, struct fl_violation *v)
{
	v->time_ns = fl_mono_ns();
	count(&o->by_kind[v->kind]);
	pthread_mutex_lock(&o->lock);
	if (o->nr_log < FL_ORACLE_LOG_CAP)
		o->log[o->nr_log++] = *v;
	pthread_mutex_unlock(&o->lock);
}

void fl_oracle_report(struct fl_oracle *o, struct fl_violation *v)
{
	record(o, v);
}

/* Zeroed memory, shared between processes or not; CACHELINE-aligned. */
static void *zalloc(bool shared, size_t size)
{
	void *p;

	if (shared)
		return fl_shared_alloc(size);
	if (posix_memalign(&p, CACHELINE, size))
		return NULL;
	return memset(p, 0, size);
}

static void zfree(bool shared, void *p, size_t size)
{
	if (shared)
		fl_shared_free(p, size);
	else
		free(p);
}

static size_t slots_size(uint32_t nr_actors)
{
	return (nr_actors + 1ul) * sizeof(struct actor_slot);
}

static int oracle_init(struct fl_oracle **out, uint32_t nr_actors,
		       uint32_t page_size, bool shared)
{
	pthread_mutexattr_t ma;
	struct fl_oracle *o;

	*out = NULL;
	if (!page_size || (page_size & (page_size - 1)) ||
	    nr_actors == FL_ACTOR_NONE)
		return -EINVAL;
	o = zalloc(shared, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->shared = shared;
	o->actors = zalloc(shared, slots_size(nr_actors));
	if (!o->actors) {
		zfree(shared, o, sizeof(*o));
		return -ENOMEM;
	}
	o->nr_actors = nr_actors;
	o->page_size = page_size;
	o->eof_slack = page_size;
	pthread_mutexattr_init(&ma);
	if (shared)
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&o->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	*out = o;
	return 0;
}

int fl_oracle_init(struct fl_oracle **out, uint32_t nr_actors,
		   uint32_t page_size)
{
	return oracle_init(out, nr_actors, page_size, false);
}

int fl_oracle_init_shared(struct fl_oracle **out, uint32_t nr_actors,
			  uint32_t page_size)
{
	return oracle_init(out, nr_actors, page_size, true);
}

void fl_oracle_free(struct fl_oracle *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->lock);
	zfree(o->shared, o->actors, slots_size(o->nr_actors));
	zfree(o->shared, o, sizeof(*o));
}

void fl_oracle_set_eof_slack(struct fl_oracle *o, uint64_t bytes)
{
	o->eof_slack = bytes > o->page_size ? bytes : o->page_size;
}

static size_t blocks_size(uint64_t nr_blocks)
{
	return (nr_blocks ? nr_blocks : 1) * sizeof(uint64_t);
}

static uint64_t ring_entry(uint64_t seq, uint64_t size)
{
	return (seq & RING_SEQ_MASK) << RING_SIZE_BITS | size;
}

int fl_oracle_file_init(struct fl_ofile **out, struct fl_oracle *o,
			uint32_t file_id, uint64_t nr_blocks, uint64_t size)
{
	struct fl_ofile *f;

	*out = NULL;
	if (size > FL_ORACLE_SIZE_MAX)
		return -ERANGE;
	f = zalloc(o->shared, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->o = o;
	f->file_id = file_id;
	f->nr_blocks = nr_blocks;
	/* All-zero bits: every block zero at gen 0. */
	f->intent = zalloc(o->shared, blocks_size(nr_blocks));
	f->published = zalloc(o->shared, blocks_size(nr_blocks));
	if (!f->intent || !f->published) {
		fl_oracle_file_free(f);
		return -ENOMEM;
	}
	f->size_ring[0] = ring_entry(0, size);
	*out = f;
	return 0;
}

void fl_oracle_file_free(struct fl_ofile *f)
{
	bool shared;

	if (!f)
		return;
	shared = f->o->shared;
	zfree(shared, f->intent, blocks_size(f->nr_blocks));
	zfree(shared, f->published, blocks_size(f->nr_blocks));
	zfree(shared, f, sizeof(*f));
}

/* Writers: block states. */

static bool range_ok(const struct fl_ofile *f, uint64_t first, uint64_t nr)
{
	return nr && first < f->nr_blocks && nr <= f->nr_blocks - first;
}

uint64_t fl_oracle_next_gen(struct fl_ofile *f, uint64_t first, uint64_t nr)
{
	uint64_t i, g, max = 0;

	for (i = 0; range_ok(f, first, nr) && i < nr; i++) {
		g = fl_bs_gen(load(&f->intent[first + i]));
		if (g > max)
			max = g;
	}
	return max + 1;
}

/* Undo the claims on blocks [first, first + n): intent = published. */
static void unclaim(struct fl_ofile *f, uint64_t first, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		__atomic_store_n(&f->intent[first + i],
				 load(&f->published[first + i]),
				 __ATOMIC_RELEASE);
}

/* Claim @b for an op: fails while another op on it is in flight. */
static int claim(struct fl_ofile *f, uint64_t b, uint64_t cur, uint64_t next)
{
	if (cur & FL_BS_BUSY)
		return -EBUSY;
	if (!__atomic_compare_exchange_n(&f->intent[b], &cur,
					 next | FL_BS_BUSY, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return -EBUSY;
	return 0;
}

/*
 * The intent stores must be visible before any store the syscall makes:
 * a reader that sees new data must see the intent that announced it.
 */
static void intent_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int fl_oracle_begin(struct fl_ofile *f, uint64_t first, uint64_t nr,
		    uint64_t gen, bool is_zero)
{
	uint64_t next, cur, i;
	int ret = 0;

	if (!range_ok(f, first, nr))
		return -EINVAL;
	if (gen > FL_BS_GEN_MAX)
		return -ERANGE;
	next = is_zero ? fl_bs_make(gen, 0, 0, FL_STAMP_SIZE) :
			 fl_bs_make(gen, 0, 0, 0);
	for (i = 0; i < nr; i++) {
		cur = load(&f->intent[first + i]);
		if (!(cur & FL_BS_BUSY) && gen <= fl_bs_gen(cur))
			ret = -EINVAL;
		else
			ret = claim(f, first + i, cur, next);
		if (ret) {
			unclaim(f, first, i);
			return ret;
		}
	}
	intent_barrier();
	return 0;
}

/*
 * State of a block in state @cur once bytes [lo, hi) of it are zeroed:
 * the zero range grows (it must stay one range), the gen goes up by one
 * and the data keeps its generation; unchanged when nothing changes.
 */
static int zeroed_state(uint64_t cur, uint32_t lo, uint32_t hi,
			uint64_t *next)
{
	uint64_t gen = fl_bs_gen(cur);
	uint32_t lag = fl_bs_lag(cur) + 1;

	*next = cur;
	if (fl_bs_all_zero(cur))
		return 0;
	if (fl_bs_has_zero(cur)) {
		uint32_t zlo = fl_bs_zlo(cur), zhi = fl_bs_zhi(cur);

		if (lo >= zlo && hi <= zhi)
			return 0;
		if (lo > zhi || hi < zlo)
			return -EINVAL;
		lo = lo < zlo ? lo : zlo;
		hi = hi > zhi ? hi : zhi;
	}
	if (gen + 1 > FL_BS_GEN_MAX)
		return -ERANGE;
	if (lo == 0 && hi == FL_STAMP_SIZE) {
		*next = fl_bs_make(gen + 1, 0, 0, FL_STAMP_SIZE);
		return 0;
	}
	if (lag > FL_BS_LAG_MAX)
		return -ERANGE;
	*next = fl_bs_make(gen + 1, lag, lo, hi);
	return 0;
}

int fl_oracle_begin_zero(struct fl_ofile *f, uint64_t off, uint64_t len)
{
	uint64_t first, nr, i, cur, next;
	int ret;

	fl_oracle_blocks(off, len, &first, &nr);
	if (!range_ok(f, first, nr))
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		uint64_t bstart = (first + i) * FL_STAMP_SIZE;
		uint64_t lo = off > bstart ? off - bstart : 0;
		uint64_t hi = off + len - bstart;

		if (hi > FL_STAMP_SIZE)
			hi = FL_STAMP_SIZE;
		cur = load(&f->intent[first + i]);
		/* Unchanged blocks are claimed too, so no other op races. */
		ret = (cur & FL_BS_BUSY) ? -EBUSY :
		      zeroed_state(cur, (uint32_t)lo, (uint32_t)hi, &next);
		if (!ret)
			ret = claim(f, first + i, cur, next);
		if (ret) {
			unclaim(f, first, i);
			return ret;
		}
	}
	intent_barrier();
	return 0;
}

void fl_oracle_end(struct fl_ofile *f, uint64_t first, uint64_t nr)
{
	uint64_t i, s;

	if (!range_ok(f, first, nr))
		return;
	for (i = 0; i < nr; i++) {
		s = load(&f->intent[first + i]) & ~FL_BS_BUSY;
		/* Published first: the block is free once intent is clear. */
		__atomic_store_n(&f->published[first + i], s, __ATOMIC_RELEASE);
		__atomic_store_n(&f->intent[first + i], s, __ATOMIC_RELEASE);
	}
}

void fl_oracle_abort(struct fl_ofile *f, uint64_t first, uint64_t nr)
{
	if (range_ok(f, first, nr))
		unclaim(f, first, nr);
}

void fl_oracle_past_eof_store(struct fl_ofile *f, uint64_t off, uint64_t len,
			      unsigned char fill)
{
	f->past_eof_off = off;
	f->past_eof_len = len;
	f->past_eof_fill = fill;
}

/* Readers: snapshots and judgement. */

uint64_t fl_oracle_snapshot(struct fl_ofile *f, uint64_t block)
{
	if (block >= f->nr_blocks)
		return 0;
	return __atomic_load_n(&f->published[block], __ATOMIC_ACQUIRE);
}

void fl_oracle_snapshot_range(struct fl_ofile *f, uint64_t first,
			      uint64_t nr, uint64_t *out)
{
	for (uint64_t i = 0; i < nr; i++)
		out[i] = fl_oracle_snapshot(f, first + i);
}

/* What the states before (P) and after (I) a read allow. */
struct judge {
	uint64_t gp, gi, dp;
	uint32_t zp_lo, zp_hi, zi_lo, zi_hi;
	bool strict;	/* nothing raced: the block must match P exactly */
	bool multi;	/* ops other than I's may have run in between */
	bool pfull;	/* P is all zero */
	bool iwrite;	/* I is a whole-block write that raced the read */
};

static void judge_init(struct judge *j, uint64_t p, uint64_t i)
{
	/* Intent never falls behind published; be safe if misused. */
	if (fl_bs_gen(i) < fl_bs_gen(p))
		i = p;
	j->strict = p == i;
	j->gp = fl_bs_gen(p);
	j->gi = fl_bs_gen(i);
	j->dp = fl_bs_data_gen(p);
	j->multi = j->gi > j->gp + 1;
	j->pfull = fl_bs_all_zero(p);
	j->iwrite = j->gi > j->gp && !fl_bs_has_zero(i) && !fl_bs_lag(i);
	j->zp_lo = fl_bs_has_zero(p) ? fl_bs_zlo(p) : 0;
	j->zp_hi = fl_bs_has_zero(p) ? fl_bs_zhi(p) : 0;
	j->zi_lo = fl_bs_has_zero(i) ? fl_bs_zlo(i) : 0;
	j->zi_hi = fl_bs_has_zero(i) ? fl_bs_zhi(i) : 0;
}

static bool in_zp(const struct judge *j, size_t x)
{
	return j->zp_lo <= x && x < j->zp_hi;
}

static bool in_zi(const struct judge *j, size_t x)
{
	return j->zi_lo <= x && x < j->zi_hi;
}

static bool zero_ok(const struct judge *j, size_t x)
{
	return j->multi || in_zp(j, x) || in_zi(j, x);
}

/* Some data generation is legal at byte @x. */
static bool data_any_ok(const struct judge *j, size_t x)
{
	return (!j->pfull && !in_zp(j, x)) || j->multi || j->iwrite;
}

static bool data_ok(const struct judge *j, uint64_t g, size_t x)
{
	return (!j->pfull && g == j->dp && !in_zp(j, x)) ||
	       (g > j->gp && g < j->gi) || (j->iwrite && g == j->gi);
}

/* Zero is legal on all of [off, end): the two zero ranges cover it. */
static bool zero_ok_range(const struct judge *j, size_t off, size_t end)
{
	size_t pos = off;

	if (j->multi)
		return true;
	for (int k = 0; k < 2 && pos < end; k++) {
		if (in_zp(j, pos))
			pos = j->zp_hi;
		if (pos < end && in_zi(j, pos))
			pos = j->zi_hi;
	}
	return pos >= end;
}

static bool data_ok_range(const struct judge *j, uint64_t g, size_t off,
			  size_t end)
{
	return (!j->pfull && g == j->dp &&
		(j->zp_hi <= off || j->zp_lo >= end)) ||
	       (g > j->gp && g < j->gi) || (j->iwrite && g == j->gi);
}

/* Why data of generation @g at byte @x is not legal. */
static enum fl_viol_kind data_bad_kind(const struct judge *j, uint64_t g,
				       size_t x)
{
	if (g > j->gi)
		return FL_VIOL_BAD_GEN;
	if (!data_any_ok(j, x))
		return FL_VIOL_DATA_WHERE_ZERO;
	if (g <= j->dp)
		return FL_VIOL_STALE;
	return FL_VIOL_BAD_GEN;
}

/* The first illegal byte of a block, and why. */
struct verdict {
	enum fl_viol_kind kind;
	uint32_t off;
	uint64_t gen;		/* data generation at @off, 0 if none */
};

/* Generations whose stamp bytes may legally appear, for the byte check. */
struct cands {
	uint32_t file_id;
	uint64_t block;
	unsigned int n;
	bool wide;		/* too many to try: accept, do not guess */
	uint64_t gen[MAX_CANDIDATES + 2];
	uint64_t hdr[MAX_CANDIDATES + 2][FL_STAMP_HDR_WORDS];
	bool have_hdr[MAX_CANDIDATES + 2];
};

static void cands_init(struct cands *c, const struct judge *j,
		       uint32_t file_id, uint64_t block)
{
	c->file_id = file_id;
	c->block = block;
	c->n = 0;
	c->wide = j->gi - j->gp > MAX_CANDIDATES;
	if (!j->pfull)
		c->gen[c->n++] = j->dp;
	for (uint64_t g = j->gp + 1; g < j->gi && c->n < MAX_CANDIDATES; g++)
		c->gen[c->n++] = g;
	if (j->iwrite)
		c->gen[c->n++] = j->gi;
	memset(c->have_hdr, 0, sizeof(c->have_hdr));
}

/* Word @w of candidate @k's stamp; header words need its checksum. */
static uint64_t cand_word(struct cands *c, unsigned int k, uint32_t w)
{
	if (w >= FL_STAMP_HDR_WORDS)
		return fl_stamp_payload_word(fl_stamp_seed(c->file_id,
							   c->block),
					     w, c->gen[k]);
	if (!c->have_hdr[k]) {
		uint32_t csum = fl_stamp_csum(c->file_id, c->block, c->gen[k]);

		for (uint32_t i = 0; i < FL_STAMP_HDR_WORDS; i++)
			c->hdr[k][i] = fl_stamp_word(c->file_id, c->block,
						     c->gen[k], csum, i);
		c->have_hdr[k] = true;
	}
	return c->hdr[k][w];
}

/* Byte @x (the @k-th of its word @w) is zero or some legal stamp's byte. */
static bool byte_ok(const struct judge *j, struct cands *c, uint32_t w,
		    unsigned int k, size_t x, unsigned char byte)
{
	unsigned char e[8];
	uint64_t ew;

	/* A zero byte may also be a stamp byte: fall through. */
	if (!byte && zero_ok(j, x))
		return true;
	if (c->wide)
		return true;
	for (unsigned int i = 0; i < c->n; i++) {
		if (!data_ok(j, c->gen[i], x))
			continue;
		ew = cand_word(c, i, w);
		memcpy(e, &ew, 8);
		if (e[k] == byte)
			return true;
	}
	return false;
}

/*
 * Judge bytes [off, end) of @buf word by word: a zero word must be legal
 * zero, a word that names its generation must carry a legal one, and any
 * other word must be, byte by byte, zero or a legal stamp's byte (a mix
 * the kernel's memcpy or memset can leave behind). @nomatch is the kind
 * for bytes that fit nothing. True when everything is legal.
 */
static bool judge_words(const struct judge *j, uint32_t file_id,
			uint64_t block, const unsigned char *buf, size_t off,
			size_t end, enum fl_viol_kind nomatch,
			struct verdict *v)
{
	uint64_t seed = fl_stamp_seed(file_id, block);
	uint64_t fixed0 = fl_stamp_word(file_id, block, 0, 0, 0);
	uint64_t fixed1 = fl_stamp_word(file_id, block, 0, 0, 1);
	struct cands c;
	bool have_cands = false;

	for (size_t pos = off & ~(size_t)7; pos < end; pos += 8) {
		uint32_t w = (uint32_t)(pos / 8);
		size_t lo = pos < off ? off - pos : 0;
		size_t hi = end - pos < 8 ? end - pos : 8;
		enum { BYTES, FIXED, GEN } mode = BYTES;
		bool zero = true;
		uint64_t word, g = 0;
		size_t k;

		for (k = lo; k < hi; k++)
			zero &= !buf[pos + k];
		if (zero) {
			for (k = lo; k < hi && zero_ok(j, pos + k); k++)
				;
			if (k == hi)
				continue;
			/* Zero bytes may be stamp bytes (block 0's index). */
		}
		if (lo == 0 && hi == 8 && !zero) {
			memcpy(&word, buf + pos, 8);
			if (w >= FL_STAMP_HDR_WORDS)
				g = fl_stamp_word_gen(seed, w, word);
			else if (w == 2)
				g = word;
			else
				g = UINT64_MAX;
			if (g <= FL_BS_GEN_MAX)
				mode = GEN;
			else if ((w == 0 && word == fixed0) ||
				 (w == 1 && word == fixed1))
				mode = FIXED;	/* same in every gen */
		}
		for (k = lo; k < hi; k++) {
			size_t x = pos + k;
			enum fl_viol_kind kind;

			if (!buf[x] && zero_ok(j, x))
				continue;
			if (mode == GEN && data_ok(j, g, x))
				continue;
			if (mode == FIXED && data_any_ok(j, x))
				continue;
			if (!have_cands) {
				cands_init(&c, j, file_id, block);
				have_cands = true;
			}
			if (byte_ok(j, &c, w, (unsigned int)k, x, buf[x]))
				continue;
			if (mode == GEN)
				kind = data_bad_kind(j, g, x);
			else if (mode == FIXED)
				kind = FL_VIOL_DATA_WHERE_ZERO;
			else
				kind = buf[x] ? nomatch :
				       FL_VIOL_ZERO_WHERE_DATA;
			*v = (struct verdict){ kind, (uint32_t)x,
					       mode == GEN ? g : 0 };
			return false;
		}
	}
	return true;
}

static void record_block(struct fl_ofile *f, uint64_t block, uint64_t p,
			 uint64_t i, const struct fl_stamp_seen *seen,
			 const struct verdict *vd, uint32_t actor)
{
	struct fl_violation v = {
		.kind = vd->kind,
		.actor = actor,
		.file_id = f->file_id,
		.offset = block * FL_STAMP_SIZE + vd->off,
		.expected.block = { .published = p, .intent = i },
		.observed.stamp = *seen,
	};

	if (vd->gen)
		v.observed.stamp.gen = vd->gen;
	record(f->o, &v);
}

/*
 * Judge bytes [off, end) of @block against the states @before and
 * @intent (@j), recording the first illegal byte: the body of
 * fl_oracle_judge_range once the read is counted.
 */
static enum fl_viol_kind judge_bytes(struct fl_ofile *f, uint64_t block,
				     uint64_t before, uint64_t intent,
				     const struct judge *j, const void *buf,
				     size_t off, size_t end, uint32_t actor)
{
	bool whole = off == 0 && end == FL_STAMP_SIZE;
	enum fl_viol_kind nomatch;
	struct fl_stamp_seen seen;
	struct verdict vd;
	size_t len = end - off;

	fl_stamp_classify_range(buf, off, len, f->file_id, block, &seen);
	switch (seen.kind) {
	case FL_SEEN_ZERO:
		if (zero_ok_range(j, off, end))
			return FL_VIOL_NONE;
		break;
	case FL_SEEN_DATA:
		if (data_ok_range(j, seen.gen, off, end))
			return FL_VIOL_NONE;
		break;
	case FL_SEEN_WRONG_BLOCK:
		/* A whole valid stamp of another block is never legal. */
		vd = (struct verdict){ FL_VIOL_WRONG_BLOCK, (uint32_t)off, 0 };
		record_block(f, block, before, intent, &seen, &vd, actor);
		return vd.kind;
	case FL_SEEN_TORN:
		/* Nothing raced and the block must be whole data: torn. */
		if (whole && j->strict && !fl_bs_has_zero(before)) {
			vd = (struct verdict){ FL_VIOL_TORN, seen.bad_off, 0 };
			record_block(f, block, before, intent, &seen, &vd,
				     actor);
			return vd.kind;
		}
		break;
	default:
		break;
	}
	nomatch = seen.kind == FL_SEEN_GARBAGE || seen.kind == FL_SEEN_UNKNOWN ?
		  FL_VIOL_GARBAGE : FL_VIOL_TORN;
	if (judge_words(j, f->file_id, block, buf, off, end, nomatch, &vd))
		return FL_VIOL_NONE;
	record_block(f, block, before, intent, &seen, &vd, actor);
	return vd.kind;
}

/*
 * Bytes [*lo, *hi) of [off, end) of @block were stored past EOF
 * (fl_oracle_past_eof_store), only zero is legal there, and they read as
 * zeros and fill bytes, the first fill at *@first: the store came back.
 * Any other byte there is left to the usual judgement.
 */
static bool past_eof_back(const struct fl_ofile *f, uint64_t block,
			  const struct judge *j, const unsigned char *buf,
			  size_t off, size_t end, size_t *lo, size_t *hi,
			  size_t *first)
{
	uint64_t bstart = block * FL_STAMP_SIZE;
	uint64_t s = f->past_eof_off, e = s + f->past_eof_len;
	bool seen = false;

	if (!f->past_eof_len || e <= bstart + off || s >= bstart + end)
		return false;
	*lo = s > bstart + off ? (size_t)(s - bstart) : off;
	*hi = e < bstart + end ? (size_t)(e - bstart) : end;
	/* Where data may be legal a fill byte could be a stamp byte. */
	if (j->multi || j->iwrite || *lo < j->zp_lo || *hi > j->zp_hi)
		return false;
	for (size_t x = *lo; x < *hi; x++) {
		if (buf[x] && buf[x] != f->past_eof_fill)
			return false;
		if (buf[x] && !seen) {
			seen = true;
			*first = x;
		}
	}
	return seen;
}

enum fl_viol_kind fl_oracle_judge_range(struct fl_ofile *f, uint64_t block,
					uint64_t before, const void *buf,
					size_t off, size_t len, uint32_t actor)
{
	struct actor_slot *a = slot(f->o, actor);
	uint64_t copy[FL_STAMP_WORDS];
	enum fl_viol_kind kind;
	struct fl_stamp_seen seen;
	struct verdict vd;
	struct judge j;
	size_t end, lo, hi, first = 0;
	uint64_t intent;

	if (block >= f->nr_blocks || off >= FL_STAMP_SIZE || !len) {
		count(&a->unjudged);
		return FL_VIOL_NONE;
	}
	if (len > FL_STAMP_SIZE - off)
		len = FL_STAMP_SIZE - off;
	end = off + len;
	count(&a->checked);
	/* The read is done: order it before the intent load. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	intent = __atomic_load_n(&f->intent[block], __ATOMIC_ACQUIRE) &
		 ~FL_BS_BUSY;
	judge_init(&j, before, intent);
	if (!past_eof_back(f, block, &j, buf, off, end, &lo, &hi, &first))
		return judge_bytes(f, block, before, intent, &j, buf, off,
				   end, actor);
	/* The rest of the block first, as if the stored bytes were zero. */
	memcpy((char *)copy + off, (const char *)buf + off, len);
	memset((char *)copy + lo, 0, hi - lo);
	kind = judge_bytes(f, block, before, intent, &j, copy, off, end, actor);
	if (kind != FL_VIOL_NONE)
		return kind;
	fl_stamp_classify_range(buf, off, len, f->file_id, block, &seen);
	vd = (struct verdict){ FL_VIOL_EOF_DATA_REAPPEARED, (uint32_t)first, 0 };
	record_block(f, block, before, intent, &seen, &vd, actor);
	return vd.kind;
}

enum fl_viol_kind fl_oracle_judge(struct fl_ofile *f, uint64_t block,
				  uint64_t before, const void *buf,
				  uint32_t actor)
{
	return fl_oracle_judge_range(f, block, before, buf, 0, FL_STAMP_SIZE,
				     actor);
}

/* The i_size timeline. */

int fl_oracle_size_begin(struct fl_ofile *f, uint64_t new_size)
{
	uint64_t seq, idle = 0;

	if (new_size > FL_ORACLE_SIZE_MAX)
		return -ERANGE;
	if (!__atomic_compare_exchange_n(&f->size_busy, &idle, 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EBUSY;
	seq = load(&f->size_seq_intent) + 1;
	__atomic_store_n(&f->size_ring[seq % FL_ORACLE_SIZE_RING],
			 ring_entry(seq, new_size), __ATOMIC_RELEASE);
	__atomic_store_n(&f->size_seq_intent, seq, __ATOMIC_RELEASE);
	intent_barrier();
	return 0;
}

void fl_oracle_size_end(struct fl_ofile *f)
{
	__atomic_store_n(&f->size_seq_pub, load(&f->size_seq_intent),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&f->size_busy, 0, __ATOMIC_RELEASE);
}

void fl_oracle_size_abort(struct fl_ofile *f)
{
	uint64_t pub = load(&f->size_seq_pub);
	uint64_t old = load(&f->size_ring[pub % FL_ORACLE_SIZE_RING]);
	uint64_t seq = load(&f->size_seq_intent) + 1;

	/* A new op back to the old size: readers that raced stay lenient. */
	__atomic_store_n(&f->size_ring[seq % FL_ORACLE_SIZE_RING],
			 ring_entry(seq, old & RING_SIZE_MASK),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&f->size_seq_intent, seq, __ATOMIC_RELEASE);
	fl_oracle_size_end(f);
}

uint64_t fl_oracle_size_snapshot(struct fl_ofile *f)
{
	return __atomic_load_n(&f->size_seq_pub, __ATOMIC_ACQUIRE);
}

uint64_t fl_oracle_size(struct fl_ofile *f)
{
	uint64_t seq, e;

	/* Retry if the slot was reused under us (64 ops in between). */
	do {
		seq = fl_oracle_size_snapshot(f);
		e = __atomic_load_n(&f->size_ring[seq % FL_ORACLE_SIZE_RING],
				    __ATOMIC_ACQUIRE);
	} while ((e >> RING_SIZE_BITS) != (seq & RING_SEQ_MASK));
	return e & RING_SIZE_MASK;
}

int fl_oracle_size_range(struct fl_ofile *f, uint64_t snap, uint64_t *min,
			 uint64_t *max)
{
	uint64_t hi, seq, e, size;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	hi = __atomic_load_n(&f->size_seq_intent, __ATOMIC_ACQUIRE);
	if (hi < snap || hi - snap >= FL_ORACLE_SIZE_RING)
		return -EAGAIN;
	*min = UINT64_MAX;
	*max = 0;
	for (seq = snap; seq <= hi; seq++) {
		e = __atomic_load_n(&f->size_ring[seq % FL_ORACLE_SIZE_RING],
				    __ATOMIC_ACQUIRE);
		/* A newer op took the slot: the reader stalled too long. */
		if ((e >> RING_SIZE_BITS) != (seq & RING_SEQ_MASK))
			return -EAGAIN;
		size = e & RING_SIZE_MASK;
		if (size < *min)
			*min = size;
		if (size > *max)
			*max = size;
	}
	return 0;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

enum fl_viol_kind fl_oracle_judge_access(struct fl_ofile *f, uint64_t snap,
					 uint64_t page_off, bool sigbus,
					 int si_code, uint32_t actor)
{
	struct fl_oracle *o = f->o;
	struct actor_slot *a = slot(o, actor);
	struct fl_violation v = {
		.actor = actor,
		.file_id = f->file_id,
		.si_code = sigbus ? si_code : 0,
		.offset = page_off,
		.observed.sigbus = sigbus,
	};
	uint64_t min, max;

	count(&a->accesses);
	if (sigbus && (si_code == BUS_MCEERR_AR || si_code == BUS_MCEERR_AO)) {
		/* Memory poison says nothing about i_size races. */
		v.kind = FL_VIOL_MEMORY_POISON;
		record(o, &v);
		return v.kind;
	}
	if (fl_oracle_size_range(f, snap, &min, &max)) {
		count(&a->unjudged);
		return FL_VIOL_NONE;
	}
	v.expected.size.min = min;
	v.expected.size.max = max;
	if (sigbus) {
		/* Legal if some size in effect put the page beyond EOF. */
		if (page_off >= round_up(min, o->page_size)) {
			count(&a->sigbus_expected);
			return FL_VIOL_NONE;
		}
		count(&a->sigbus_unexpected);
		v.kind = FL_VIOL_UNEXPECTED_SIGBUS;
	} else {
		/* Missing only if every size in effect put it beyond EOF. */
		if (page_off < round_up(max, o->eof_slack))
			return FL_VIOL_NONE;
		v.kind = FL_VIOL_MISSING_SIGBUS;
	}
	record(o, &v);
	return v.kind;
}

/* Markers. */

uint64_t fl_oracle_marker(uint32_t actor, uint64_t off)
{
	/* A bijection of (actor, off) for off < 2^48: distinct markers. */
	uint64_t x = ((uint64_t)actor << 48 ^ off) +
		     UINT64_C(0x6a09e667f3bcc909);

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x ? x : UINT64_C(0x6a09e667f3bcc909);
}

enum fl_viol_kind fl_oracle_check_marker(struct fl_oracle *o, uint32_t file_id,
					 uint64_t off, const void *p,
					 uint64_t expected, uint32_t actor)
{
	struct fl_violation v = {
		.kind = FL_VIOL_LOST_MARKER,
		.actor = actor,
		.file_id = file_id,
		.offset = off,
		.expected.marker = expected,
	};
	uint64_t seen;

	memcpy(&seen, p, sizeof(seen));
	count(&slot(o, actor)->checked);
	if (seen == expected)
		return FL_VIOL_NONE;
	v.observed.marker = seen;
	record(o, &v);
	return v.kind;
}

/* Liveness. */

void fl_oracle_op_start_at(struct fl_oracle *o, uint32_t actor,
			   uint64_t now_ns)
{
	/* 0 means idle, so an op can never start at 0. */
	__atomic_store_n(&slot(o, actor)->op_start, now_ns ? now_ns : 1,
			 __ATOMIC_RELEASE);
}

uint64_t fl_oracle_op_start(struct fl_oracle *o, uint32_t actor)
{
	uint64_t now = fl_mono_ns();

	fl_oracle_op_start_at(o, actor, now);
	return now;
}

uint64_t fl_oracle_op_end(struct fl_oracle *o, uint32_t actor)
{
	uint64_t start = __atomic_exchange_n(&slot(o, actor)->op_start, 0,
					     __ATOMIC_ACQ_REL);
	uint64_t now = fl_mono_ns();

	return start && now > start ? now - start : 0;
}

unsigned int fl_oracle_watchdog(struct fl_oracle *o, uint64_t bound_ns,
				uint64_t now_ns)
{
	unsigned int found = 0;

	for (uint32_t i = 0; i <= o->nr_actors; i++) {
		struct actor_slot *a = &o->actors[i];
		uint64_t start = __atomic_load_n(&a->op_start,
						 __ATOMIC_ACQUIRE);
		uint64_t seen = load(&a->op_reported);
		struct fl_violation v;

		if (!start || now_ns <= start || now_ns - start <= bound_ns)
			continue;
		/* The start time names the op: report each op once. */
		if (seen == start ||
		    !__atomic_compare_exchange_n(&a->op_reported, &seen, start,
						 false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		memset(&v, 0, sizeof(v));
		v.kind = FL_VIOL_HUNG_INVALIDATOR;
		v.actor = i < o->nr_actors ? i : FL_ACTOR_NONE;
		v.expected.bound_ns = bound_ns;
		v.observed.running_ns = now_ns - start;
		record(o, &v);
		found++;
	}
	return found;
}

/* Results. */

uint64_t fl_oracle_count(struct fl_oracle *o, enum fl_viol_kind kind)
{
	if (kind <= FL_VIOL_NONE || kind >= FL_VIOL_NR)
		return 0;
	return load(&o->by_kind[kind]);
}

uint64_t fl_oracle_violations_total(struct fl_oracle *o)
{
	uint64_t total = 0;

	for (int k = FL_VIOL_NONE + 1; k < FL_VIOL_NR; k++)
		total += fl_oracle_count(o, (enum fl_viol_kind)k);
	return total;
}

void fl_oracle_counts(struct fl_oracle *o, struct fl_oracle_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (uint32_t i = 0; i <= o->nr_actors; i++) {
		const struct actor_slot *a = &o->actors[i];

		c->checked += load(&a->checked);
		c->accesses += load(&a->accesses);
		c->sigbus_expected += load(&a->sigbus_expected);
		c->sigbus_unexpected += load(&a->sigbus_unexpected);
		c->unjudged += load(&a->unjudged);
	}
	c->violations = fl_oracle_violations_total(o);
	pthread_mutex_lock(&o->lock);
	c->logged = o->nr_log;
	pthread_mutex_unlock(&o->lock);
}

unsigned int fl_oracle_log(struct fl_oracle *o, struct fl_violation *out,
			   unsigned int max)
{
	unsigned int n;

	pthread_mutex_lock(&o->lock);
	n = o->nr_log < max ? o->nr_log : max;
	memcpy(out, o->log, n * sizeof(*out));
	pthread_mutex_unlock(&o->lock);
	return n;
}

const char *fl_viol_kind_str(enum fl_viol_kind kind)
{
	static const char *const names[FL_VIOL_NR] = {
		[FL_VIOL_NONE] = "none",
		[FL_VIOL_STALE] = "stale",
		[FL_VIOL_BAD_GEN] = "bad_gen",
		[FL_VIOL_ZERO_WHERE_DATA] = "zero_where_data",
		[FL_VIOL_DATA_WHERE_ZERO] = "data_where_zero",
		[FL_VIOL_WRONG_BLOCK] = "wrong_block",
		[FL_VIOL_TORN] = "torn",
		[FL_VIOL_GARBAGE] = "garbage",
		[FL_VIOL_EOF_DATA_REAPPEARED] = "eof_data_reappeared",
		[FL_VIOL_UNEXPECTED_SIGBUS] = "unexpected_sigbus",
		[FL_VIOL_MISSING_SIGBUS] = "missing_sigbus",
		[FL_VIOL_MEMORY_POISON] = "memory_poison",
		[FL_VIOL_LOST_MARKER] = "lost_marker",
		[FL_VIOL_HUNG_INVALIDATOR] = "hung_invalidator",
		[FL_VIOL_INCOHERENT] = "incoherent",
	};

	if ((unsigned int)kind >= FL_VIOL_NR)
		return "invalid";
	return names[kind];
}

enum fl_viol_kind fl_viol_kind_from_str(const char *name)
{
	for (int k = FL_VIOL_NONE + 1; k < FL_VIOL_NR; k++)
		if (!strcmp(fl_viol_kind_str((enum fl_viol_kind)k), name))
			return (enum fl_viol_kind)k;
	return FL_VIOL_NONE;
}

int fl_bs_str(uint64_t s, char *buf, size_t len)
{
	s &= ~FL_BS_BUSY;
	if (fl_bs_all_zero(s))
		return snprintf(buf, len, "gen %" PRIu64 " zero", fl_bs_gen(s));
	if (!fl_bs_has_zero(s))
		return snprintf(buf, len, "gen %" PRIu64 " data",
				fl_bs_gen(s));
	return snprintf(buf, len, "gen %" PRIu64 " data gen %" PRIu64
			", zero [%u, %u)", fl_bs_gen(s), fl_bs_data_gen(s),
			fl_bs_zlo(s), fl_bs_zhi(s));
}

static bool is_block_kind(enum fl_viol_kind kind)
{
	return kind >= FL_VIOL_STALE && kind <= FL_VIOL_EOF_DATA_REAPPEARED;
}

static bool is_sigbus_kind(enum fl_viol_kind kind)
{
	return kind >= FL_VIOL_UNEXPECTED_SIGBUS &&
	       kind <= FL_VIOL_MEMORY_POISON;
}

int fl_violation_str(const struct fl_violation *v, char *buf, size_t len)
{
	char actor[16], p[64], i[64];

	if (v->actor == FL_ACTOR_NONE)
		snprintf(actor, sizeof(actor), "-");
	else
		snprintf(actor, sizeof(actor), "%" PRIu32, v->actor);
	if (is_block_kind(v->kind)) {
		const struct fl_stamp_seen *s = &v->observed.stamp;

		fl_bs_str(v->expected.block.published, p, sizeof(p));
		fl_bs_str(v->expected.block.intent, i, sizeof(i));
		return snprintf(buf, len,
				"%s: file %" PRIu32 " offset %" PRIu64
				" actor %s: published %s, intent %s; saw %s"
				" (file %" PRIu32 " block %" PRIu64 " gen %"
				PRIu64 ")", fl_viol_kind_str(v->kind),
				v->file_id, v->offset, actor, p, i,
				fl_seen_kind_str(s->kind), s->file_id,
				s->block, s->gen);
	}
	if (is_sigbus_kind(v->kind))
		return snprintf(buf, len,
				"%s: file %" PRIu32 " page %" PRIu64
				" actor %s: i_size in [%" PRIu64 ", %" PRIu64
				"]; %s (%s)", fl_viol_kind_str(v->kind),
				v->file_id, v->offset, actor,
				v->expected.size.min, v->expected.size.max,
				v->observed.sigbus ? "SIGBUS" : "no SIGBUS",
				v->observed.sigbus ?
				fl_sigbus_code_str(v->si_code) : "-");
	if (v->kind == FL_VIOL_INCOHERENT)
		return snprintf(buf, len,
				"incoherent: file %" PRIu32 " offset %" PRIu64
				" actor %s: generation %" PRIu64 " due, saw %s%" PRId64,
				v->file_id, v->offset, actor, v->expected.coh_gen,
				v->observed.coh_gen < 0 ? "neither zeros nor a whole block " : "",
				v->observed.coh_gen);
	if (v->kind == FL_VIOL_LOST_MARKER)
		return snprintf(buf, len,
				"lost_marker: file %" PRIu32 " offset %" PRIu64
				" actor %s: wrote %#" PRIx64 ", read %#" PRIx64,
				v->file_id, v->offset, actor,
				v->expected.marker, v->observed.marker);
	return snprintf(buf, len,
			"%s: actor %s: op running %" PRIu64 " ns, bound %"
			PRIu64 " ns", fl_viol_kind_str(v->kind), actor,
			v->observed.running_ns, v->expected.bound_ns);
}

static json_t *u64_json(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *hex_json(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%#" PRIx64, v);
	return json_string(buf);
}

static json_t *bs_json(uint64_t s)
{
	json_t *j = json_pack("{s:I}", "gen", (json_int_t)fl_bs_gen(s));

	if (!j)
		return NULL;
	if (fl_bs_all_zero(s)) {
		json_object_set_new(j, "zero", json_true());
		return j;
	}
	json_object_set_new(j, "data_gen", u64_json(fl_bs_data_gen(s)));
	if (fl_bs_has_zero(s))
		json_object_set_new(j, "zero_range",
				    json_pack("[I,I]", (json_int_t)fl_bs_zlo(s),
					      (json_int_t)fl_bs_zhi(s)));
	return j;
}

static json_t *violation_json(const struct fl_violation *v)
{
	json_t *d, *exp, *obs;
	char text[256];

	fl_violation_str(v, text, sizeof(text));
	d = json_pack("{s:s, s:I, s:I, s:I, s:s}",
		      "kind", fl_viol_kind_str(v->kind),
		      "file_id", (json_int_t)v->file_id,
		      "offset", (json_int_t)v->offset,
		      "time_ns", (json_int_t)v->time_ns,
		      "text", text);
	if (!d)
		return NULL;
	json_object_set_new(d, "actor", v->actor == FL_ACTOR_NONE ?
			    json_null() : u64_json(v->actor));
	if (is_block_kind(v->kind)) {
		const struct fl_stamp_seen *s = &v->observed.stamp;

		exp = json_pack("{s:o, s:o}",
				"published",
				bs_json(v->expected.block.published),
				"intent", bs_json(v->expected.block.intent));
		obs = json_pack("{s:s, s:I, s:I, s:I}",
				"seen", fl_seen_kind_str(s->kind),
				"file_id", (json_int_t)s->file_id,
				"block", (json_int_t)s->block,
				"gen", (json_int_t)s->gen);
	} else if (is_sigbus_kind(v->kind)) {
		exp = json_pack("{s:I, s:I}",
				"size_min", (json_int_t)v->expected.size.min,
				"size_max", (json_int_t)v->expected.size.max);
		obs = json_pack("{s:b, s:s}", "sigbus", v->observed.sigbus,
				"si_code", v->observed.sigbus ?
				fl_sigbus_code_str(v->si_code) : "none");
	} else if (v->kind == FL_VIOL_INCOHERENT) {
		exp = json_pack("{s:I}", "gen", (json_int_t)v->expected.coh_gen);
		obs = json_pack("{s:I}", "gen", (json_int_t)v->observed.coh_gen);
	} else if (v->kind == FL_VIOL_LOST_MARKER) {
		exp = json_pack("{s:o}", "marker",
				hex_json(v->expected.marker));
		obs = json_pack("{s:o}", "marker",
				hex_json(v->observed.marker));
	} else {
		exp = json_pack("{s:I}", "bound_ns",
				(json_int_t)v->expected.bound_ns);
		obs = json_pack("{s:I}", "running_ns",
				(json_int_t)v->observed.running_ns);
	}
	json_object_set_new(d, "expected", exp ? exp : json_null());
	json_object_set_new(d, "observed", obs ? obs : json_null());
	return d;
}

json_t *fl_oracle_json(struct fl_oracle *o)
{
	struct fl_violation log[FL_ORACLE_LOG_CAP];
	struct fl_oracle_counts c;
	json_t *root, *by_kind, *details;
	unsigned int n;

	fl_oracle_counts(o, &c);
	root = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			 "checked", (json_int_t)c.checked,
			 "violations", (json_int_t)c.violations,
			 "sigbus_expected", (json_int_t)c.sigbus_expected,
			 "sigbus_unexpected", (json_int_t)c.sigbus_unexpected,
			 "accesses", (json_int_t)c.accesses,
			 "unjudged", (json_int_t)c.unjudged);
	by_kind = json_object();
	details = json_array();
	if (!root || !by_kind || !details) {
		json_decref(root);
		json_decref(by_kind);
		json_decref(details);
		return NULL;
	}
	for (int k = FL_VIOL_NONE + 1; k < FL_VIOL_NR; k++)
		json_object_set_new(by_kind, fl_viol_kind_str(k),
				    u64_json(fl_oracle_count(o, k)));
	n = fl_oracle_log(o, log, FL_ORACLE_LOG_CAP);
	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(details, violation_json(&log[i]));
	json_object_set_new(root, "by_kind", by_kind);
	json_object_set_new(root, "details", details);
	return root;
}
