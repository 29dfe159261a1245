// SPDX-License-Identifier: GPL-2.0
/*
 * What an MPI workload calls on its rank: the stop flag, agreement across
 * ranks, the per-node grouping of rank results. Apart from mpi_main.c, which
 * links every workload, so workloads link only this.
 */
#include <signal.h>
#include <string.h>

#include "mpi/mpi_workload.h"

volatile sig_atomic_t fl_mpi_stop;

int fl_mpi_any(const struct fl_mpi_ctx *c, int mine)
{
	int any = 0;

	MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, c->comm);
	return any;
}

json_t *fl_mpi_node_of(json_t *nodes, json_t *r, int rank)
{
	const char *host = json_string_value(json_object_get(r, "host")) ?: "?";
	json_int_t node = json_integer_value(json_object_get(r, "node"));
	json_t *n = NULL, *x;
	size_t k;

	json_array_foreach(nodes, k, x)
		if (!strcmp(json_string_value(json_object_get(x, "host")), host) &&
		    json_integer_value(json_object_get(x, "node")) == node)
			n = x;
	if (!n) {
		n = json_pack("{s:s, s:I, s:[]}", "host", host, "node", node, "ranks");
		json_array_append_new(nodes, n);
	}
	json_array_append_new(json_object_get(n, "ranks"), json_integer(rank));
	return n;
}

void fl_mpi_node_add(json_t *node, json_t *r, const char *key)
{
	json_object_set_new(node, key, json_integer(json_integer_value(json_object_get(node, key)) +
						    json_integer_value(json_object_get(r, key))));
}
