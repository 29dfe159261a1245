// SPDX-License-Identifier: GPL-2.0
/* The metrics a run's collectors declared. */
#include <string.h>

#include "analysis/declared.h"

/* What a collector measured before it said so in the document. */
static json_t *implied(const char *collector)
{
	if (!strcmp(collector, "kfault"))
		return json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:b},"
				 " {s:s, s:s, s:s, s:s, s:s, s:s, s:b},"
				 " {s:s, s:s, s:s, s:s, s:s, s:s, s:b}]",
				 "name", "kernel_fault_latency_p50", "path", "kernel_fault_latency_ns.p50",
				 "label", "kernel p50", "unit", "ns", "better", "lower",
				 "family", "kernel_latency", "compare", 1,
				 "name", "kernel_fault_latency_p99", "path", "kernel_fault_latency_ns.p99",
				 "label", "kernel p99", "unit", "ns", "better", "lower",
				 "family", "kernel_latency", "compare", 1,
				 "name", "kernel_fault_latency_max", "path", "kernel_fault_latency_ns.max",
				 "label", "kernel max", "unit", "ns", "better", "lower",
				 "family", "kernel_latency", "compare", 0);
	if (!strcmp(collector, "mmaplock"))
		return json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:b}]",
				 "name", "mmap_lock_write_wait_p99", "path", "mmap_lock_wait_ns.write.p99",
				 "label", "mmap_lock write p99", "unit", "ns", "better", "lower",
				 "family", "locks", "compare", 0);
	return NULL;
}

json_t *fl_declared_metrics(json_t *run)
{
	json_t *collectors = json_object_get(json_object_get(run, "kernel"), "collectors");
	json_t *all = json_array(), *col;
	const char *name;

	json_object_foreach(collectors, name, col) {
		json_t *m = json_object_get(col, "metrics");

		if (json_is_array(m))
			json_array_extend(all, m);
		else if ((m = implied(name))) {
			json_array_extend(all, m);
			json_decref(m);
		}
	}
	return all;
}
