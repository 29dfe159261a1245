/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What faultline-mpi judges across ranks: whether the ranks of a host had
 * a PU each, and the document's validity gathered from its ranks.
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
 * "validity" from its ranks'.
 */
void fl_mpi_judge(json_t *doc, json_t *ranks, const char *spoils);

#endif /* FL_MPI_VALIDITY_H */
