// SPDX-License-Identifier: GPL-2.0
/*
 * summary.md tables of MPI results (schema faultline-mpi/1): one row per
 * rank, its values marked where its validity spoils them, the reasons
 * under the table.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/summary.h"
#include "analysis/summary_validity.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "base/table.h"
#include "base/validity.h"

/* An integer cell of @r, marked when @r is untrustworthy for @family. */
static void count_cell(char *buf, size_t len, json_t *r, const char *key, const char *family)
{
	snprintf(buf, len, "%lld", (long long)json_integer_value(json_object_get(r, key)));
	fl_mark_cell(buf, len, fl_validity_spoils(r, family));
}

/* A latency cell of @r at @path. */
static void ns_cell(char *buf, size_t len, json_t *r, const char *path, const char *family)
{
	fl_fmt_ns(buf, len, fl_json_num(r, path));
	fl_mark_cell(buf, len, strcmp(buf, "-") && fl_validity_spoils(r, family));
}

/* A rate cell of @r at @path ("-" when absent). */
static void rate_cell(char *buf, size_t len, json_t *r, const char *path, const char *family)
{
	double v = fl_json_num(r, path);

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%.0f", v);
	fl_mark_cell(buf, len, fl_validity_spoils(r, family));
}

static void rank_name(json_t *r, size_t index, char *buf, size_t len)
{
	snprintf(buf, len, "rank %zu on %s", index,
		 json_string_value(json_object_get(r, "host")) ?: "?");
}

/* The columns every rank table starts with: rank, host, node, PUs. */
static void rank_cells(struct fl_table *t, json_t *r, size_t index)
{
	fl_table_cell(t, "%zu", index);
	fl_table_cell(t, "%s", json_string_value(json_object_get(r, "host")) ?: "?");
	fl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(r, "node")));
	fl_table_cell(t, "%s", json_string_value(json_object_get(r, "cpus_allowed")) ?: "?");
}

static void coherence_rows(FILE *f, json_t *ranks)
{
	json_t *r;
	size_t i;

	struct fl_table *t = fl_table_new("rlrlrrrrrrrl", "rank", "host", "node", "PUs", "passes",
					  "blocks verified", "violations", "stale allowed",
					  "verify p50", "verify p99", "write p99", "promise", NULL);

	json_array_foreach(ranks, i, r) {
		char passes[32], blocks[32], bad[32], allowed[32], v50[32], v99[32], w99[32];

		count_cell(passes, sizeof(passes), r, "passes", "all");
		count_cell(blocks, sizeof(blocks), r, "blocks_verified", "all");
		count_cell(bad, sizeof(bad), r, "violations", "all");
		count_cell(allowed, sizeof(allowed), r, "stale_allowed", "all");
		ns_cell(v50, sizeof(v50), r, "verify_ns.p50", "latency");
		ns_cell(v99, sizeof(v99), r, "verify_ns.p99", "latency");
		ns_cell(w99, sizeof(w99), r, "write_ns.p99", "latency");
		rank_cells(t, r, i);
		fl_table_cells(t, passes, blocks, bad, allowed, v50, v99, w99, NULL);
		fl_table_cell(t, "%s", json_string_value(json_object_get(json_object_get(r, "promise"), "model")) ?: "mmap");
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
	fprintf(f, "\nverify: from the barrier after a pass's writes to a verified read of the whole file through the rank's mapping.\n"
		   "promise: what the rank's mount promises a mapping (mmap; close-to-open, NFS: each turn opens and maps afresh; none, NFS nocto: stale reads are allowed, not violations).\n");
}

static void cow_rows(FILE *f, json_t *ranks)
{
	json_t *r;
	size_t i;

	struct fl_table *t = fl_table_new("rlrllrrrrrl", "rank", "host", "node", "PUs", "role",
					  "passes", "pages checked", "lost markers", "incoherent",
					  "stale allowed", "promise", NULL);

	json_array_foreach(ranks, i, r) {
		char passes[32], pages[32], lost[32], stale[32], allowed[32];

		count_cell(passes, sizeof(passes), r, "passes", "all");
		count_cell(pages, sizeof(pages), r, "pages_checked", "all");
		count_cell(lost, sizeof(lost), r, "lost_markers", "all");
		count_cell(stale, sizeof(stale), r, "incoherent", "all");
		count_cell(allowed, sizeof(allowed), r, "stale_allowed", "all");
		rank_cells(t, r, i);
		fl_table_cell(t, "%s", json_string_value(json_object_get(r, "role")) ?: "?");
		fl_table_cells(t, passes, pages, lost, stale, allowed, NULL);
		fl_table_cell(t, "%s", json_string_value(json_object_get(json_object_get(r, "promise"),
									"model")) ?: "-");
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
	fprintf(f, "\nlost markers: COWed private pages that did not keep what the rank stored; incoherent: pages never COWed that did not show the remote write.\n");
}

static void faultstorm_rows(FILE *f, json_t *ranks)
{
	json_t *r;
	size_t i;

	struct fl_table *t = fl_table_new("rlrllrrrrr", "rank", "host", "node", "PUs", "role",
					  "touches/s", "faults/s", "touch p50", "touch p99",
					  "writes/s", NULL);

	json_array_foreach(ranks, i, r) {
		char touches[32], faults[32], p50[32], p99[32], writes[32];

		rate_cell(touches, sizeof(touches), r, "touches_per_sec", "ops");
		rate_cell(faults, sizeof(faults), r, "faults_per_sec", "faults");
		ns_cell(p50, sizeof(p50), r, "latency_ns.p50", "latency");
		ns_cell(p99, sizeof(p99), r, "latency_ns.p99", "latency");
		rate_cell(writes, sizeof(writes), r, "writer.writes_per_sec", "invalidator");
		rank_cells(t, r, i);
		fl_table_cell(t, "%s", json_string_value(json_object_get(r, "role")) ?: "?");
		fl_table_cells(t, touches, faults, p50, p99, writes, NULL);
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
}

void fl_summary_mpi(FILE *f, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "workload"),
							     "name")) ?: "?";
	json_t *mpi = json_object_get(doc, "mpi"), *ranks = json_object_get(doc, "ranks");
	const char *status = json_string_value(json_object_get(doc, "status")) ?: "?";
	int bad = fl_summary_untrustworthy(ranks);

	fprintf(f, "### %s: %lld ranks, %s (%s", name,
		(long long)json_integer_value(json_object_get(mpi, "ranks")),
		json_string_value(json_object_get(mpi, "mode")) ?: "?", status);
	if (bad)
		fprintf(f, "; %d of %zu ranks untrustworthy", bad, json_array_size(ranks));
	else if (!fl_validity_ok(doc))
		fprintf(f, "; untrustworthy");
	fprintf(f, ")\n\n");
	if (json_object_get(doc, "error"))
		fprintf(f, "**%s**\n\n", json_string_value(json_object_get(doc, "error")));
	if (!json_array_size(ranks)) {
		fprintf(f, "No rank data.\n\n");
		fl_summary_doc_reasons(f, doc);
		return;
	}
	if (!strcmp(name, "mpi-coherence"))
		coherence_rows(f, ranks);
	else if (!strcmp(name, "mpi-cow"))
		cow_rows(f, ranks);
	else
		faultstorm_rows(f, ranks);
	fputc('\n', f);
	fl_summary_reasons(f, ranks, rank_name);
}
