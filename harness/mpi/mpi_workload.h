/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MPI workload contract. faultline-mpi owns MPI_Init/Finalize, the
 * options, where each rank's files live and the gather to rank 0; a
 * workload runs one rank and describes it as a JSON object. Adding one:
 * a file in workloads/mpi/ defining `const struct fl_mpi_workload
 * mpi_<name>`, one line in workloads/mpi/list.h.
 */
#ifndef FL_MPI_WORKLOAD_H
#define FL_MPI_WORKLOAD_H

#include <jansson.h>
#include <mpi.h>
#include <signal.h>
#include <stddef.h>

#include "base/option.h"
#include "integrity/coherence.h"

struct fl_mpi_ctx {
	MPI_Comm comm;
	int rank, size;
	char host[64];
	int cpu, node;			/* where the rank runs at start */
	const char *dir;		/* this rank's view of the shared files */
	double duration_s;		/* --duration, for timed workloads */
};

struct fl_mpi_workload {
	const char *name;
	const char *summary;
	const struct fl_option *options;
	size_t params_size;
	int (*validate)(const void *params, const struct fl_mpi_ctx *c, char *err,
			size_t len);
	/*
	 * Run this rank; fill @out ("violations" counts integrity failures,
	 * "details" lists them, "interrupted" whether fl_mpi_stop cut its
	 * work short) and judge it in @out's "validity" (fl_validity_add):
	 * "rank_idle" when it did none of the workload's unit of work,
	 * "interrupted" when it stopped early. Collective: every rank calls
	 * it. 0, or -errno with @err; a failing rank must still join the
	 * collectives the others wait in, or abort the job.
	 */
	int (*run)(const struct fl_mpi_ctx *c, const void *params, json_t *out,
		   char *err, size_t len);
	/* Rank 0: the document's "totals" from every rank's object. */
	void (*totals)(json_t *ranks, json_t *doc);
	/* Metric families that ranks sharing a PU spoil ("all", "latency"). */
	const char *shared_pu_spoils;
};

extern const struct fl_mpi_workload *const fl_mpi_workloads[];

/*
 * Set when the rank is asked to stop: SIGUSR1, which mpirun forwards to
 * every rank (`faultline mpi` sends it on its first SIGINT). Workloads
 * end their window or their passes early, together, so that rank 0 still
 * writes the document.
 */
extern volatile sig_atomic_t fl_mpi_stop;

/*
 * Collective helpers for workloads: whether any rank failed (an
 * allreduce), so all ranks leave a loop together.
 */
int fl_mpi_any(const struct fl_mpi_ctx *c, int mine);

/*
 * For totals(): the object of rank @r's host and NUMA node in @nodes,
 * created with {host, node, ranks: []} when new; @r is added to its ranks.
 */
json_t *fl_mpi_node_of(json_t *nodes, json_t *r, int rank);

/* For totals(): add rank @r's integer @key to the same key of @node. */
void fl_mpi_node_add(json_t *node, json_t *r, const char *key);

/*
 * --promise of the checks (mpi-coherence, mpi-cow), an index into
 * fl_coh_promise_choices: "auto" reads what the mount of @dir promises
 * (fl_coh_promise_of); the others force it (tests, or a filesystem
 * faultline does not know). @why gets it in words.
 */
#define FL_MPI_PROMISE_AUTO 0
enum fl_coh_promise fl_mpi_promise(const char *dir, int forced, char *why, size_t len);

#endif /* FL_MPI_WORKLOAD_H */
