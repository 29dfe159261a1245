/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What faultline-mpi judges across ranks: whether the ranks of a host had
 * a PU each and a page cache each, and the document's validity gathered
 * from its ranks.
 */
#ifndef FL_MPI_VALIDITY_H
#define FL_MPI_VALIDITY_H

/* Needs _GNU_SOURCE, defined before any include, for cpu_set_t. */
#include <jansson.h>
#include <sched.h>
#include <stddef.h>

/* "0-3,8" for @set. */
void fl_mpi_cpulist(const cpu_set_t *set, char *buf, size_t len);

/*
 * Rank 0: add "oversubscribed" (spoiling the metric families @spoils) to
 * the validity of every rank of @ranks that shares a PU with another rank
 * of its host (from their "host" and "cpus_allowed"), then set @doc's
 * "validity" from its ranks'. @spoils NULL: the workload has no figure a
 * shared PU spoils (an integrity check alone), and no rank is marked.
 */
void fl_mpi_judge(json_t *doc, json_t *ranks, const char *spoils);

/*
 * Rank 0, before fl_mpi_judge(): whether the ranks' directories give them
 * what a cluster test needs, a page cache each, from each rank's
 * "boot_id" (its kernel) and "fs" {type, dev}. Ranks on one kernel whose
 * directories are on one filesystem (one dev) share one page cache, so
 * coherence between them holds trivially: "one_page_cache". Ranks on
 * different kernels with a local filesystem (ext4, xfs, tmpfs, ...) do not
 * share the file at all: "dir_not_shared", as are ranks that do not see
 * their directory ("dir_missing": the launcher made it on rank 0's host).
 * Both spoil everything. Ranks without those keys (older documents) are
 * left alone.
 */
void fl_mpi_judge_sharing(json_t *ranks);

#endif /* FL_MPI_VALIDITY_H */
