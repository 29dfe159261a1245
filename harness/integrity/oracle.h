/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The integrity oracle: what a reader may legally see while writers,
 * punchers and truncators race it, and a log of what it must not see.
 *
 * Blocks. Every block of a file has two states: @intent, stored before a
 * writer's syscall, and @published, stored after it returns. A state is a
 * generation (a version bumped by every op that changes the block) plus
 * the block's content: the stamp of a data generation with an optional
 * zeroed byte range [zlo, zhi) (a partial punch or the tail beyond an
 * unaligned EOF), or all zero. A reader takes the published state before
 * it reads (fl_oracle_snapshot) and hands the bytes to fl_oracle_judge
 * after, which loads the intent state: the legal contents are exactly
 * those of the states between the two. When they are equal nothing raced
 * and the block must match exactly; otherwise any byte-level mix of legal
 * states is allowed (mmap reads are not atomic against a memcpy or memset
 * in the kernel). When more than one op may have run during the read
 * (intent gen > published gen + 1) zero is allowed anywhere and every
 * generation in between is too: the oracle prefers a missed detection to
 * a false alarm.
 *
 * Rules for writers: ops that change the same block must not overlap
 * (begin returns -EBUSY to the second one); data is written as whole
 * stamped blocks; use fl_oracle_next_gen() so generations are consecutive
 * (gaps only make the oracle more lenient).
 *
 * i_size. Size changes are ops too (fl_oracle_size_begin/end), kept in a
 * ring so a reader can learn every size that may have been in effect
 * during its access and judge a SIGBUS (or its absence) against them.
 *
 * Violations are counted per kind and the first FL_ORACLE_LOG_CAP are kept
 * with offset, expected and observed state, actor and time. Judging and
 * recording take no lock on the fast path; recording takes a mutex, so do
 * it from the actor after the SIGBUS handler has jumped back, never from
 * the handler.
 */
#ifndef FL_ORACLE_H
#define FL_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "integrity/stamp.h"

#define FL_ORACLE_LOG_CAP 64
/* Size ops a reader may span before its access is left unjudged. */
#define FL_ORACLE_SIZE_RING 64
/* Largest i_size the timeline can hold: 1 TiB. */
#define FL_ORACLE_SIZE_MAX ((UINT64_C(1) << 40) - 1)
/* Actor id for callers that are not actors (setup, the main thread). */
#define FL_ACTOR_NONE UINT32_MAX

enum fl_viol_kind {
	FL_VIOL_NONE,
	FL_VIOL_STALE,		/* data from an older generation */
	FL_VIOL_BAD_GEN,	/* a generation never announced for the block */
	FL_VIOL_ZERO_WHERE_DATA,
	FL_VIOL_DATA_WHERE_ZERO,
	FL_VIOL_WRONG_BLOCK,	/* a valid stamp of another block or file */
	FL_VIOL_TORN,		/* not a mix of legal states */
	FL_VIOL_GARBAGE,	/* bytes that are neither zero nor a stamp */
	/* bytes stored past EOF through a mapping, back after the file grew */
	FL_VIOL_EOF_DATA_REAPPEARED,
	FL_VIOL_UNEXPECTED_SIGBUS,
	FL_VIOL_MISSING_SIGBUS,
	FL_VIOL_MEMORY_POISON,	/* SIGBUS with BUS_MCEERR_*: hardware */
	FL_VIOL_LOST_MARKER,
	FL_VIOL_HUNG_INVALIDATOR,
	FL_VIOL_INCOHERENT,	/* another node's write not seen after the barrier */
	FL_VIOL_NR,
};

/*
 * Block state, packed in a u64 so it can be loaded and stored atomically:
 *   bits 63..35  gen   version, bumped by every op that changes the block
 *   bit  34      busy  (intent only) an op on the block is in flight
 *   bits 33..24  lag   gen - lag is the generation the data bytes carry
 *   bits 23..12  4096 - zhi
 *   bits 11..0   zlo   bytes [zlo, zhi) are zero; empty when zlo >= zhi
 * All-zero bits are "gen 0, all zero": a new table needs no init.
 */
#define FL_BS_GEN_SHIFT 35
#define FL_BS_GEN_MAX ((UINT64_C(1) << 29) - 1)
#define FL_BS_BUSY (UINT64_C(1) << 34)
#define FL_BS_LAG_SHIFT 24
#define FL_BS_LAG_MAX 1023u

static inline uint64_t fl_bs_gen(uint64_t s)
{
	return s >> FL_BS_GEN_SHIFT;
}

static inline uint32_t fl_bs_lag(uint64_t s)
{
	return (uint32_t)(s >> FL_BS_LAG_SHIFT) & FL_BS_LAG_MAX;
}

static inline uint32_t fl_bs_zlo(uint64_t s)
{
	return (uint32_t)(s & 0xfff);
}

static inline uint32_t fl_bs_zhi(uint64_t s)
{
	return FL_STAMP_SIZE - (uint32_t)((s >> 12) & 0xfff);
}

static inline bool fl_bs_has_zero(uint64_t s)
{
	return fl_bs_zlo(s) < fl_bs_zhi(s);
}

static inline bool fl_bs_all_zero(uint64_t s)
{
	return fl_bs_zlo(s) == 0 && fl_bs_zhi(s) == FL_STAMP_SIZE;
}

/* The generation the non-zero bytes are stamped with (not all-zero). */
static inline uint64_t fl_bs_data_gen(uint64_t s)
{
	return fl_bs_gen(s) - fl_bs_lag(s);
}

/* @zlo >= @zhi means no zero range. Arguments must be in range. */
static inline uint64_t fl_bs_make(uint64_t gen, uint32_t lag, uint32_t zlo,
				  uint32_t zhi)
{
	if (zlo >= zhi) {
		zlo = FL_STAMP_SIZE - 1;
		zhi = FL_STAMP_SIZE - 1;
	}
	return gen << FL_BS_GEN_SHIFT | (uint64_t)lag << FL_BS_LAG_SHIFT |
	       (uint64_t)(FL_STAMP_SIZE - zhi) << 12 | zlo;
}

/* "gen 7 data", "gen 8 zero", "gen 9 data gen 7, zero [100, 4096)". */
int fl_bs_str(uint64_t s, char *buf, size_t len);

struct fl_violation {
	enum fl_viol_kind kind;
	uint32_t actor;
	uint32_t file_id;
	int si_code;		/* SIGBUS kinds: the signal's si_code */
	uint64_t offset;	/* file offset of the first wrong byte / page */
	uint64_t time_ns;	/* fl_mono_ns() when recorded */
	union {
		/* Content kinds: published before the read, intent after. */
		struct {
			uint64_t published;
			uint64_t intent;
		} block;
		/* SIGBUS kinds: every i_size that may have been in effect. */
		struct {
			uint64_t min;
			uint64_t max;
		} size;
		uint64_t marker;	/* LOST_MARKER */
		uint64_t bound_ns;	/* HUNG_INVALIDATOR */
		uint64_t coh_gen;	/* INCOHERENT: generation due (coherence.h) */
	} expected;
	union {
		/* Content kinds: kind of the block; gen at @offset if data. */
		struct fl_stamp_seen stamp;
		bool sigbus;		/* SIGBUS kinds: was one taken */
		uint64_t marker;	/* LOST_MARKER: the 8 bytes read */
		uint64_t running_ns;	/* HUNG_INVALIDATOR */
		int64_t coh_gen;	/* INCOHERENT: seen; 0 zeros, -1 neither */
	} observed;
};

struct fl_oracle_counts {
	uint64_t checked;		/* block reads and markers judged */
	uint64_t accesses;		/* accesses judged for SIGBUS */
	uint64_t sigbus_expected;
	uint64_t sigbus_unexpected;
	uint64_t unjudged;		/* window too long, or no block */
	uint64_t violations;		/* all kinds */
	uint64_t logged;		/* violations kept in the log */
};

/* Run-wide: actors, counters, the violation log. */
struct fl_oracle;
/* One file: its block table and i_size timeline. */
struct fl_ofile;

/*
 * @nr_actors actor ids 0..nr_actors-1 get their own counters and liveness
 * slot (others share one). SIGBUS on a page starting at or beyond
 * round_up(i_size, @page_size) is allowed; 0 or -errno.
 */
int fl_oracle_init(struct fl_oracle **out, uint32_t nr_actors,
		   uint32_t page_size);
/*
 * The same in shared memory (base/shared_mem.h), its files too: actors
 * that are processes (--mode processes) judge into one oracle.
 */
int fl_oracle_init_shared(struct fl_oracle **out, uint32_t nr_actors,
			  uint32_t page_size);
void fl_oracle_free(struct fl_oracle *o);
/*
 * Pages below round_up(i_size, @bytes) need not SIGBUS: large folios
 * (tmpfs huge=always) may map beyond EOF. Default and minimum: page size.
 */
void fl_oracle_set_eof_slack(struct fl_oracle *o, uint64_t bytes);

/* A file of @nr_blocks blocks, all zero at gen 0, i_size @size. */
int fl_oracle_file_init(struct fl_ofile **out, struct fl_oracle *o,
			uint32_t file_id, uint64_t nr_blocks, uint64_t size);
void fl_oracle_file_free(struct fl_ofile *f);

/* Blocks [*first, *first + *nr) touched by bytes [off, off + len). */
static inline void fl_oracle_blocks(uint64_t off, uint64_t len,
				    uint64_t *first, uint64_t *nr)
{
	*first = off / FL_STAMP_SIZE;
	*nr = len ? (off + len - 1) / FL_STAMP_SIZE - *first + 1 : 0;
}

/* Writers. Call begin before the syscall, end after it returns. */

/* 1 + the highest intent gen of the blocks: the gen to stamp them with. */
uint64_t fl_oracle_next_gen(struct fl_ofile *f, uint64_t first, uint64_t nr);
/*
 * Blocks are about to be written whole: stamped at @gen, or zero. @gen
 * must exceed each block's intent gen. 0; -EBUSY when another op on one
 * of the blocks is in flight; -EINVAL/-ERANGE for a bad range or gen.
 * Nothing is changed on error.
 */
int fl_oracle_begin(struct fl_ofile *f, uint64_t first, uint64_t nr,
		    uint64_t gen, bool is_zero);
/*
 * Bytes [off, off + len) are about to be zeroed (hole punch, truncate):
 * whole blocks become zero, partial ones gain a zero range and keep their
 * data outside it; each changed block's gen goes up by one. 0, -EBUSY,
 * -EINVAL (a block would get two separate zero ranges: refill it first)
 * or -ERANGE. Follow with end/abort on fl_oracle_blocks(off, len).
 */
int fl_oracle_begin_zero(struct fl_ofile *f, uint64_t off, uint64_t len);
/* The syscall returned: publish what begin announced. */
void fl_oracle_end(struct fl_ofile *f, uint64_t first, uint64_t nr);
/* The syscall failed and changed nothing: forget what begin announced. */
void fl_oracle_abort(struct fl_ofile *f, uint64_t first, uint64_t nr);

/*
 * A writer stored @fill at bytes [off, off + len) through the mapping
 * beyond EOF (legal on the EOF page); growing the file must zero-fill
 * them. Where only zero is legal, a read showing @fill bytes among zeros
 * there is EOF_DATA_REAPPEARED, not garbage: those bytes are judged apart
 * and the rest of the block as usual, one violation per block at most.
 * One range per file (len 0 forgets it); set it before readers judge.
 */
void fl_oracle_past_eof_store(struct fl_ofile *f, uint64_t off, uint64_t len,
			      unsigned char fill);

/* Readers: snapshot before reading a block, judge after. */

/* The published state of @block (acquire); read the block after this. */
uint64_t fl_oracle_snapshot(struct fl_ofile *f, uint64_t block);
void fl_oracle_snapshot_range(struct fl_ofile *f, uint64_t first,
			      uint64_t nr, uint64_t *out);
/*
 * Judge a private copy @buf (FL_STAMP_SIZE bytes, 8-byte aligned) of
 * @block, read after fl_oracle_snapshot() returned @before. Returns
 * FL_VIOL_NONE or the violation, which is also recorded.
 */
enum fl_viol_kind fl_oracle_judge(struct fl_ofile *f, uint64_t block,
				  uint64_t before, const void *buf,
				  uint32_t actor);
/* The same for bytes [@off, @off + @len) of the block; @buf is its start. */
enum fl_viol_kind fl_oracle_judge_range(struct fl_ofile *f, uint64_t block,
					uint64_t before, const void *buf,
					size_t off, size_t len,
					uint32_t actor);

/* i_size timeline. */

/* Before ftruncate (or a write that extends): 0, -EBUSY, -ERANGE. */
int fl_oracle_size_begin(struct fl_ofile *f, uint64_t new_size);
/* After it returned. */
void fl_oracle_size_end(struct fl_ofile *f);
/* It failed: the size stays what it was. */
void fl_oracle_size_abort(struct fl_ofile *f);
/* The published i_size. */
uint64_t fl_oracle_size(struct fl_ofile *f);
/* Taken before an access; hand it to fl_oracle_judge_access after. */
uint64_t fl_oracle_size_snapshot(struct fl_ofile *f);
/*
 * Smallest and largest i_size that may have been in effect since
 * @snap. 0, or -EAGAIN when too many size ops ran to know.
 */
int fl_oracle_size_range(struct fl_ofile *f, uint64_t snap, uint64_t *min,
			 uint64_t *max);
/*
 * Judge one access to the page at file offset @page_off (page aligned):
 * @sigbus says whether it took SIGBUS, with @si_code. FL_VIOL_NONE when
 * legal (counted as expected SIGBUS when it was one), else the violation:
 * UNEXPECTED_SIGBUS, MISSING_SIGBUS, or MEMORY_POISON for BUS_MCEERR_*.
 */
enum fl_viol_kind fl_oracle_judge_access(struct fl_ofile *f, uint64_t snap,
					 uint64_t page_off, bool sigbus,
					 int si_code, uint32_t actor);

/* Markers (hole_first_touch): distinct 8-byte values at distinct offsets. */

/* The non-zero marker @actor writes at @off; distinct per (actor, off). */
uint64_t fl_oracle_marker(uint32_t actor, uint64_t off);
/*
 * @p holds the 8 bytes read back at file offset @off, where @expected was
 * written and its write returned. LOST_MARKER (recorded) or NONE.
 */
enum fl_viol_kind fl_oracle_check_marker(struct fl_oracle *o, uint32_t file_id,
					 uint64_t off, const void *p,
					 uint64_t expected, uint32_t actor);

/* Liveness of invalidators. */

/* An op starts now (fl_mono_ns) or at @now_ns; returns the start time. */
uint64_t fl_oracle_op_start(struct fl_oracle *o, uint32_t actor);
void fl_oracle_op_start_at(struct fl_oracle *o, uint32_t actor,
			   uint64_t now_ns);
/* The op ended; returns how long it ran (ns). */
uint64_t fl_oracle_op_end(struct fl_oracle *o, uint32_t actor);
/*
 * Record HUNG_INVALIDATOR for every op running longer than @bound_ns at
 * @now_ns, once per op. Returns how many were newly recorded.
 */
unsigned int fl_oracle_watchdog(struct fl_oracle *o, uint64_t bound_ns,
				uint64_t now_ns);

/* Results. */

/*
 * Record a violation judged elsewhere (the coherence checks judge blocks
 * of their own layout): counted, and logged while the log has room.
 */
void fl_oracle_report(struct fl_oracle *o, struct fl_violation *v);

uint64_t fl_oracle_violations_total(struct fl_oracle *o);
uint64_t fl_oracle_count(struct fl_oracle *o, enum fl_viol_kind kind);
void fl_oracle_counts(struct fl_oracle *o, struct fl_oracle_counts *c);
/* Copy up to @max logged violations, oldest first; returns how many. */
unsigned int fl_oracle_log(struct fl_oracle *o, struct fl_violation *out,
			   unsigned int max);
/* "stale", "zero_where_data", ...; "none" for FL_VIOL_NONE. */
const char *fl_viol_kind_str(enum fl_viol_kind kind);
/* The kind named @name by fl_viol_kind_str; FL_VIOL_NONE if none is. */
enum fl_viol_kind fl_viol_kind_from_str(const char *name);
/* One line describing @v; returns what snprintf returns. */
int fl_violation_str(const struct fl_violation *v, char *buf, size_t len);
/*
 * {checked, violations, sigbus_expected, sigbus_unexpected, accesses,
 * unjudged, by_kind{}, details[]}; NULL on allocation failure.
 */
json_t *fl_oracle_json(struct fl_oracle *o);

#endif /* FL_ORACLE_H */
