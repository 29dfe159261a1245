// SPDX-License-Identifier: GPL-2.0
/* The MPI workload table, from workloads/mpi/list.h. */
#include <stddef.h>

#include "mpi/mpi_workload.h"

#define MPI_WORKLOAD(n) extern const struct fl_mpi_workload mpi_##n;
#include "workloads/mpi/list.h"
#undef MPI_WORKLOAD

const struct fl_mpi_workload *const fl_mpi_workloads[] = {
#define MPI_WORKLOAD(n) &mpi_##n,
#include "workloads/mpi/list.h"
#undef MPI_WORKLOAD
	NULL,
};
