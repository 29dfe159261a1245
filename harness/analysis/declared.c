// SPDX-License-Identifier: GPL-2.0
/* The metrics and node lists a run's collectors declared. */
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

/* The lists a collector filled before it said so in the document. */
static json_t *implied_lists(const char *collector)
{
	if (!strcmp(collector, "lockcon"))
		return json_pack("[{s:s, s:b}]", "name", "locks", "complete", 1);
	if (!strcmp(collector, "folio") || !strcmp(collector, "mmaplock"))
		return json_pack("[{s:s, s:b}]", "name", "locks", "complete", 0);
	return NULL;
}

json_t *fl_declared_lists(json_t *run, const char *list)
{
	json_t *collectors = json_object_get(json_object_get(run, "kernel"), "collectors");
	json_t *found = json_array(), *col;
	const char *name;

	json_object_foreach(collectors, name, col) {
		json_t *lists = json_object_get(col, "lists"), *l;
		size_t i;

		lists = json_is_array(lists) ? json_incref(lists) : implied_lists(name);
		json_array_foreach(lists, i, l) {
			const char *ln = json_string_value(json_object_get(l, "name"));

			if (ln && !strcmp(ln, list))
				json_array_append_new(found, json_pack("{s:s, s:b, s:O}",
					"collector", name,
					"complete", json_is_true(json_object_get(l, "complete")),
					"status", json_object_get(col, "status") ?: json_null()));
		}
		json_decref(lists);
	}
	return found;
}

bool fl_list_complete(json_t *run, const char *list)
{
	json_t *found = fl_declared_lists(run, list), *f;
	bool complete = false;
	size_t i;

	json_array_foreach(found, i, f) {
		const char *st = json_string_value(json_object_get(f, "status"));

		complete |= json_is_true(json_object_get(f, "complete")) && st && !strcmp(st, "ok");
	}
	json_decref(found);
	return complete;
}
