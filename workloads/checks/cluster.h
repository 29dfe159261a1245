/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A clusterfs for a check: N mounts ("nodes", each its own page cache) of
 * one backing directory, both fresh directories in the check's --dir.
 * FAULTLINE_CLUSTERFS_FAULT=skip-invalidation (tests) makes clusterfs
 * forget to invalidate, and the checks that rely on it must then fail.
 */
#ifndef FL_CHECK_CLUSTER_H
#define FL_CHECK_CLUSTER_H

#include <stddef.h>

#include "clusterfs/clusterfs.h"
#include "integrity/check.h"

struct chk_cluster {
	struct fl_clusterfs *fs;
	char backing[4200], mounts[4200];
};

/*
 * Start it with @nodes mounts, directories named after @tag. 0, or
 * -EOPNOTSUPP when FUSE is missing (the check is skipped), or -errno,
 * each with @err.
 */
int chk_cluster_start(struct chk_cluster *cl, struct fl_check_ctx *c,
		      const char *tag, int nodes, char *err, size_t len);

/* Stop it and remove its directories; @ret, or the stop's error if @ret was 0. */
int chk_cluster_stop(struct chk_cluster *cl, int ret, char *err, size_t len);

#endif /* FL_CHECK_CLUSTER_H */
