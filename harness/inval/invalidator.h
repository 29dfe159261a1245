/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Invalidators: actors that take page-cache pages away from under faulters.
 * One op invalidates (part of) one target file; the runner times each op
 * and paces ops to a rate. The kinds are listed in kinds.def, each in its
 * own kind_NAME.c, which says what it does and needs.
 */
#ifndef FL_INVALIDATOR_H
#define FL_INVALIDATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clusterfs/clusterfs.h"
#include "integrity/oracle.h"

/* What a kind needs and does (struct fl_inval_ops, kind.h). */
enum {
	/* Works on the test files: needs a file mapping, and the files are
	 * prefilled the way it refills them. */
	FL_INVAL_FILES = 1 << 0,
	/* Makes files shorter for a while: faulters' SIGBUS is expected. */
	FL_INVAL_SHRINKS = 1 << 1,
	/* Needs the files on clusterfs, with a second mount. */
	FL_INVAL_CLUSTERFS = 1 << 2,
};

enum fl_inval_kind {
#define INVAL(id, name, ops) FL_INVAL_##id,
#include "inval/kinds.def"
#undef INVAL
};

/* Option choices, indexed by enum fl_inval_kind; NULL-terminated. */
extern const char *const fl_inval_kind_names[];

/* The FL_INVAL_* flags of @kind. */
unsigned int fl_inval_flags(enum fl_inval_kind kind);

/*
 * Write @size bytes of @fd whole, in the buffered writes an invalidator
 * refills with, and wait for them to reach the disk: the page cache an
 * invalidator leaves behind, before it starts. 0 or -errno with @err.
 */
int fl_inval_prefill(int fd, uint64_t size, char *err, size_t len);

/*
 * The files an invalidator works on, owned by the workload. With @ofiles
 * every change is announced to the oracle and written as stamped blocks,
 * so readers can verify what they see.
 */
struct fl_inval_target {
	int nr_files;
	const int *fds;
	struct fl_ofile *const *ofiles;	/* per file, or NULL: no oracle */
	const uint32_t *file_ids;	/* stamp file ids, with @ofiles */
	const int *remote_fds;		/* remote: the files through the other mount */
	struct fl_clusterfs *cfs;	/* revoke: the daemon, mount 0 faulted on */
	const char *const *names;	/* revoke: the files' names on the mounts */
	uint64_t size;			/* bytes of each file */
	uint64_t page_size;
};

struct fl_inval_state;

/*
 * Set up an invalidator of @kind over @target in the calling thread
 * (O_DIRECT descriptors, buffers, its own mapping). Returns 0, -EOPNOTSUPP
 * with @err saying why the filesystem cannot do it, or -errno.
 */
int fl_inval_init(struct fl_inval_state **out, enum fl_inval_kind kind,
		  const struct fl_inval_target *target, uint64_t seed,
		  char *err, size_t len);
/* One op. 0, or -errno with @err naming the call, file and cause. */
int fl_inval_op(struct fl_inval_state *s, char *err, size_t len);
/* Put every file back to full size and free everything. */
void fl_inval_fini(struct fl_inval_state *s);

#endif /* FL_INVALIDATOR_H */
