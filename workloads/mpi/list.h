/* SPDX-License-Identifier: GPL-2.0 */
/* Every MPI workload, one line each. */
MPI_WORKLOAD(coherence)
MPI_WORKLOAD(cow)
MPI_WORKLOAD(faultstorm)
