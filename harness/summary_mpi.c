// SPDX-License-Identifier: GPL-2.0
/* summary.md tables of MPI results (schema faultline-mpi/1): one row per rank. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void coherence_rows(FILE *f, json_t *ranks)
{
	json_t *r;
	size_t i;

	fprintf(f, "| rank | host | node | passes | blocks verified | violations | verify p50 | verify p99 | write p99 |\n"
		"|--:|:--|--:|--:|--:|--:|--:|--:|--:|\n");
	json_array_foreach(ranks, i, r) {
		char v50[32], v99[32], w99[32];

		fl_fmt_ns(v50, sizeof(v50), fl_json_num(r, "verify_ns.p50"));
		fl_fmt_ns(v99, sizeof(v99), fl_json_num(r, "verify_ns.p99"));
		fl_fmt_ns(w99, sizeof(w99), fl_json_num(r, "write_ns.p99"));
		fprintf(f, "| %zu | %s | %lld | %lld | %lld | %lld | %s | %s | %s |\n", i,
			json_string_value(json_object_get(r, "host")) ?: "?",
			(long long)json_integer_value(json_object_get(r, "node")),
			(long long)json_integer_value(json_object_get(r, "passes")),
			(long long)json_integer_value(json_object_get(r, "blocks_verified")),
			(long long)json_integer_value(json_object_get(r, "violations")),
			v50, v99, w99);
	}
	fprintf(f, "\nverify: from the barrier after a pass's writes to a verified read of the whole file through the rank's mapping.\n");
}

static void faultstorm_rows(FILE *f, json_t *ranks)
{
	json_t *r;
	size_t i;

	fprintf(f, "| rank | host | node | role | touches/s | faults/s | touch p50 | touch p99 | writes/s |\n"
		"|--:|:--|--:|:--|--:|--:|--:|--:|--:|\n");
	json_array_foreach(ranks, i, r) {
		char p50[32], p99[32], writes[32] = "-";
		double w = fl_json_num(r, "writer.writes_per_sec");

		fl_fmt_ns(p50, sizeof(p50), fl_json_num(r, "latency_ns.p50"));
		fl_fmt_ns(p99, sizeof(p99), fl_json_num(r, "latency_ns.p99"));
		if (isfinite(w))
			snprintf(writes, sizeof(writes), "%.0f", w);
		fprintf(f, "| %zu | %s | %lld | %s | %.0f | %.0f | %s | %s | %s |\n", i,
			json_string_value(json_object_get(r, "host")) ?: "?",
			(long long)json_integer_value(json_object_get(r, "node")),
			json_string_value(json_object_get(r, "role")) ?: "?",
			fl_json_num(r, "touches_per_sec"), fl_json_num(r, "faults_per_sec"),
			p50, p99, writes);
	}
	fputc('\n', f);
}

void fl_summary_mpi(FILE *f, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "workload"),
							     "name")) ?: "?";
	json_t *mpi = json_object_get(doc, "mpi"), *ranks = json_object_get(doc, "ranks");
	const char *status = json_string_value(json_object_get(doc, "status")) ?: "?";

	fprintf(f, "### %s: %lld ranks, %s (%s)\n\n", name,
		(long long)json_integer_value(json_object_get(mpi, "ranks")),
		json_string_value(json_object_get(mpi, "mode")) ?: "?", status);
	if (json_object_get(doc, "error"))
		fprintf(f, "**%s**\n\n", json_string_value(json_object_get(doc, "error")));
	if (!json_array_size(ranks)) {
		fprintf(f, "No rank data.\n\n");
		return;
	}
	if (!strcmp(name, "mpi-coherence"))
		coherence_rows(f, ranks);
	else
		faultstorm_rows(f, ranks);
	fputc('\n', f);
}
