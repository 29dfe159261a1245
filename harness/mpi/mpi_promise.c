// SPDX-License-Identifier: GPL-2.0
/* What a rank's mount promises its mappings, for the MPI checks. */
#include <stdio.h>

#include "mpi/mpi_workload.h"
#include "run/env.h"

enum fl_coh_promise fl_mpi_promise(const char *dir, int forced, char *why, size_t len)
{
	struct fl_mount m;

	if (forced != FL_MPI_PROMISE_AUTO) {
		snprintf(why, len, "forced by --promise %s", fl_coh_promise_choices[forced]);
		return (enum fl_coh_promise)(forced - 1);
	}
	fl_env_fs_of(dir, &m);
	return fl_coh_promise_of(m.type, m.options, why, len);
}
