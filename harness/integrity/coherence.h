/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rotating-writer coherence test (remote_coherence in
 * workloads/checks/README.md), shared by the MPI workload mpi-coherence
 * and the stress check remote_coherence.
 * A file is cut into blocks of an unaligned size, so neighbouring blocks
 * share pages; block b belongs to writer b % writers. In pass p writer
 * p % writers rewrites all its blocks with generation p + 2; after a
 * barrier every other writer reads the whole file and must see, in every
 * block, the latest generation written. Generation 0 is all zeros (a file
 * of holes never written); generation 1 is the initial fill of a file
 * that starts full. A block's bytes say which (block, generation) they
 * are, so a reader reports what it saw, not only that it was wrong.
 */
#ifndef FL_COHERENCE_H
#define FL_COHERENCE_H

#include <stdbool.h>
#include <stdint.h>

#define FL_COH_MIN_BLOCK 16	/* room for the block header */

struct fl_coh_layout {
	uint64_t size;		/* file bytes; the last block may be short */
	uint64_t block;		/* bytes per block, >= FL_COH_MIN_BLOCK */
	uint32_t writers;
	bool prefilled;		/* generation 1 everywhere before pass 0 */
};

/* What a reader found in one block. */
struct fl_coh_seen {
	int64_t gen;		/* generation seen; -1: neither zeros nor a valid block */
	uint64_t first_bad;	/* offset in the block of the first wrong byte */
};

static inline uint64_t fl_coh_nr_blocks(const struct fl_coh_layout *l)
{
	return (l->size + l->block - 1) / l->block;
}

static inline uint64_t fl_coh_block_len(const struct fl_coh_layout *l, uint64_t b)
{
	uint64_t off = b * l->block;

	return l->size - off < l->block ? l->size - off : l->block;
}

static inline uint32_t fl_coh_owner(const struct fl_coh_layout *l, uint64_t b)
{
	return (uint32_t)(b % l->writers);
}

/* Generation written in pass @pass. */
static inline uint64_t fl_coh_pass_gen(uint64_t pass)
{
	return pass + 2;
}

/* Generation block @b must show once passes 0 .. @done - 1 are complete. */
uint64_t fl_coh_expected(const struct fl_coh_layout *l, uint64_t b, uint64_t done);

/* The @len bytes of block @b at generation @gen. */
void fl_coh_fill(void *dst, uint64_t b, uint64_t gen, uint64_t len);

/*
 * Compare @len bytes of block @b with generation @gen. True when they
 * match; otherwise @seen says what generation the bytes are (zeros, a
 * valid block of another generation, or -1 for anything else) and where
 * the first difference is.
 */
bool fl_coh_verify(const void *src, uint64_t b, uint64_t gen, uint64_t len,
		   struct fl_coh_seen *seen);

/*
 * What a filesystem promises a reader that maps a file another client
 * writes, and so what the test may call a violation:
 *  - MMAP: once the writer has synced, every mapping shows the data
 *    (local filesystems, clusterfs, OCFS2, GFS2);
 *  - CLOSE_TO_OPEN: NFS. Only after the writer's close (or sync) and the
 *    reader's open, which revalidates its cache: a fresh mmap then drops
 *    stale pages (invalidate_inode_pages2), and no page of the reader's
 *    mappings may stay stale;
 *  - NONE: NFS mounted nocto. An open revalidates nothing; data shows only
 *    once the attribute cache expires (acregmin..acregmax), so a stale
 *    read is allowed, never a violation.
 */
enum fl_coh_promise { FL_COH_MMAP, FL_COH_CLOSE_TO_OPEN, FL_COH_NONE };

/*
 * The promise of a mount of @type (as in /proc/self/mountinfo) with
 * superblock @options; @why gets it in words, with the options it rests on.
 */
enum fl_coh_promise fl_coh_promise_of(const char *type, const char *options, char *why,
				      size_t len);
const char *fl_coh_promise_name(enum fl_coh_promise p);
/*
 * The choices of the checks' --promise: "auto" (read the mount), then each
 * promise by name in the enum's order, NULL-terminated.
 */
extern const char *const fl_coh_promise_choices[];

/*
 * A reader's open and fresh read-only mmap of @path (@map_len bytes), as
 * close-to-open asks before it looks: where NFS revalidates and drops the
 * file's stale pages from every mapping. Nothing under FL_COH_MMAP. 0, or
 * -errno with @err.
 */
int fl_coh_reopen(enum fl_coh_promise p, const char *path, size_t map_len, char *err,
		  size_t len);

#endif /* FL_COHERENCE_H */
