/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A clusterfs for a check: N mounts ("nodes", each its own page cache) of
 * one backing directory, both fresh directories in the check's --dir.
 * FAULTLINE_CLUSTERFS_FAULT (tests) plants a fault the checks must catch:
 * skip-invalidation makes clusterfs forget to invalidate; a check may
 * name faults of its own (chk_cluster_fault).
 */
#ifndef FL_CHECK_CLUSTER_H
#define FL_CHECK_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clusterfs/clusterfs.h"
#include "integrity/check.h"

struct chk_cluster {
	struct fl_clusterfs *fs;
	char backing[4200], mounts[4200];
};

/* Tests: whether FAULTLINE_CLUSTERFS_FAULT names fault @name. */
bool chk_cluster_fault(const char *name);

/*
 * Start it with @nodes mounts, directories named after @tag. 0, or
 * -EOPNOTSUPP when FUSE is missing (the check is skipped), or -errno,
 * each with @err.
 */
int chk_cluster_start(struct chk_cluster *cl, struct fl_check_ctx *c,
		      const char *tag, int nodes, char *err, size_t len);

/* Stop it and remove its directories; @ret, or the stop's error if @ret was 0. */
int chk_cluster_stop(struct chk_cluster *cl, int ret, char *err, size_t len);

/*
 * Violations of the cluster checks, seen by @node in file @file_id: block
 * bytes at @off of generation @seen where @due was written and made
 * visible (incoherent), and a SIGBUS at @off inside a file of @size bytes
 * that nobody shrank (unexpected_sigbus).
 */
void chk_cluster_incoherent(struct fl_check_ctx *c, uint32_t node, uint32_t file_id,
			    uint64_t off, uint64_t due, int64_t seen);
void chk_cluster_sigbus(struct fl_check_ctx *c, uint32_t node, uint32_t file_id,
			uint64_t off, uint64_t size, int code);

#endif /* FL_CHECK_CLUSTER_H */
