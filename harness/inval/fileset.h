/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The files a workload faults on and its invalidator works on, with their
 * whole life cycle: the space check, creation, and, for kinds that need
 * clusterfs (FL_INVAL_CLUSTERFS), the daemon with two mounts ("nodes")
 * under the run directory, the files on node0 and opened again through
 * node1 for the remote writer.
 *
 * Example (a workload's setup and teardown):
 *
 *	struct fl_fileset *fs;
 *
 *	ret = fl_fileset_create(&fs, run->dir, "faultline-fault", kind,
 *				nr, size, err, len);
 *	...
 *	mmap(NULL, size, prot, MAP_SHARED, fl_fileset_fds(fs)[i], 0);
 *	...
 *	fl_fileset_target(fs, &target);	(beside its sizes and oracle)
 *	fl_inval_init(&state, kind, &target, seed, err, len);
 *	...
 *	fl_fileset_free(fs);		(after every mapping is gone)
 */
#ifndef FL_INVAL_FILESET_H
#define FL_INVAL_FILESET_H

#include <stddef.h>
#include <stdint.h>

#include "inval/invalidator.h"

struct fl_fileset;

/*
 * @nr files of @size bytes (sparse) named "PREFIX-PID-I", in @dir or on
 * clusterfs under @dir when @kind needs it. Files in @dir are unlinked at
 * once, as will-it-scale does, so nothing can leak; on clusterfs the other
 * node opens them by name, and they go with the daemon. Returns 0, or
 * -errno with @err naming the file or directory and the cause (-ENOSPC
 * before anything is created when @dir cannot hold them).
 */
int fl_fileset_create(struct fl_fileset **out, const char *dir, const char *prefix,
		      enum fl_inval_kind kind, int nr, uint64_t size,
		      char *err, size_t len);
int fl_fileset_count(const struct fl_fileset *fs);
/* The files' descriptors, fl_fileset_count() of them. */
const int *fl_fileset_fds(const struct fl_fileset *fs);
/*
 * Fill @t's files and their remote side; sizes and the oracle's fields
 * are the workload's. A NULL @fs (anonymous memory) leaves @t as it is.
 */
void fl_fileset_target(const struct fl_fileset *fs, struct fl_inval_target *t);
/* Close everything, stop clusterfs and remove its directories. NULL is fine. */
void fl_fileset_free(struct fl_fileset *fs);

#endif /* FL_INVAL_FILESET_H */
