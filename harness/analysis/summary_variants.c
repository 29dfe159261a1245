// SPDX-License-Identifier: GPL-2.0
/*
 * summary.md for a multi-kernel run (`./run.sh --kernels`): a directory of
 * per-variant result directories, shown side by side. Variants are grouped
 * by accelerator and each group gets its own tables, because emulated
 * (TCG) and native CPUs run at unrelated speeds: a number from one group
 * is never put beside a number from another. A value that an
 * untrustworthy run spoils is marked, as in a single directory's summary.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/summary.h"
#include "analysis/summary_validity.h"
#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "base/stats.h"
#include "base/table.h"
#include "base/validity.h"

#define MAX_VARIANTS 32
#define MAX_FILES 64

struct variant_dir {
	char dir[256];		/* subdirectory name */
	char name[80];		/* the documents' variant */
	char accel[16];
	char release[128];
	int nodes;
	char boot[320];		/* boot.json's status and why; "" natively */
	struct fl_doc_count count;	/* its documents by validity */
	char files[MAX_FILES][256];	/* result and stress files, sorted */
	int nr_files;
};

/*
 * A document of a variant directory, or NULL. One out of its bounds is
 * NULL too, and said in @err (when given) for the caller to refuse.
 */
static json_t *load(const char *top, const char *dir, const char *file, char *err,
		    size_t len)
{
	char path[PATH_MAX], msg[FL_ERR_LEN];
	json_t *doc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", top, dir, file) >= sizeof(path))
		return NULL;
	if (fl_doc_load(path, &doc, msg, sizeof(msg)) == -ERANGE && err && !err[0])
		fl_set_err(err, len, "%s", msg);
	return doc;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/*
 * Read what a variant directory holds; false when it has no documents.
 * A document out of its bounds is named in @err.
 */
static bool scan_variant(const char *top, const char *dir, struct variant_dir *v,
			 char *err, size_t len)
{
	char path[PATH_MAX];
	struct dirent **names;
	json_t *boot;
	int n;

	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/%s", top, dir);
	n = fl_json_files(path, &names);
	if (n < 0)
		return false;
	for (int i = 0; i < n; i++) {
		json_t *doc = load(top, dir, names[i]->d_name, err, len);
		const char *schema = str(doc, "schema");

		fl_doc_count_add(&v->count, doc);
		/* Result, stress and MPI documents; boot.json is read below. */
		if ((!strcmp(schema, FL_SCHEMA_RESULT) ||
		     !strcmp(schema, FL_SCHEMA_STRESS) ||
		     !strcmp(schema, FL_SCHEMA_MPI)) && v->nr_files < MAX_FILES) {
			snprintf(v->files[v->nr_files++], sizeof(v->files[0]), "%s",
				 names[i]->d_name);
			if (!v->name[0]) {
				json_t *host = json_object_get(doc, "host");

				snprintf(v->name, sizeof(v->name), "%s", str(doc, "variant"));
				snprintf(v->accel, sizeof(v->accel), "%s", str(doc, "accel"));
				snprintf(v->release, sizeof(v->release), "%s",
					 str(json_object_get(host, "kernel"), "release"));
				v->nodes = (int)json_integer_value(json_object_get(
					json_object_get(host, "cpu"), "nodes"));
			}
		}
		json_decref(doc);
		free(names[i]);
	}
	free(names);
	boot = load(top, dir, "boot.json", err, len);
	if (boot) {
		snprintf(v->boot, sizeof(v->boot), "%s%s%s", str(boot, "status"),
			 json_object_get(boot, "why") ? ": " : "", str(boot, "why"));
		if (!v->name[0]) {	/* a guest that brought nothing home */
			snprintf(v->name, sizeof(v->name), "%s", str(boot, "variant"));
			snprintf(v->accel, sizeof(v->accel), "%s", str(boot, "accel"));
			snprintf(v->release, sizeof(v->release), "%s", str(boot, "release"));
		}
		json_decref(boot);
	}
	return v->name[0];
}

/*
 * The two figures of a cell: ops/s and touch p99, or for a document with
 * an invalidator (its baseline rows too) faults/s and the p99 of the
 * touches that faulted, with the families that spoil them.
 */
static const struct cell_figures {
	const char *rate, *rate_unit, *rate_family;
	const char *lat, *lat_name, *lat_family;
} touch_figures = {
	"totals.ops_per_sec", "ops/s", "ops", "latency_ns.p99", "p99", "latency",
}, inval_figures = {
	"totals.faults_per_sec", "faults/s", "faults", "fault_latency_ns.p99", "fault p99",
	"fault_latency",
};

/*
 * Medians over the runs with @threads and @invalidated; a figure ends in
 * FL_MARK when any of those runs is untrustworthy for it. Returns whether
 * one did.
 */
static bool cell(char *buf, size_t len, json_t *doc, long threads, bool invalidated,
		 const struct cell_figures *fig)
{
	double rates[256], lats[256];
	bool rate_bad = false, lat_bad = false;
	char rate[32], lat[32];
	json_t *run;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(doc, "runs"), i, run) {
		if (json_integer_value(json_object_get(run, "threads")) != threads ||
		    json_is_object(json_object_get(run, "invalidator")) != invalidated ||
		    n >= 256)
			continue;
		rates[n] = fl_json_num(run, fig->rate);
		lats[n++] = fl_json_num(run, fig->lat);
		rate_bad |= fl_validity_spoils(run, fig->rate_family);
		lat_bad |= fl_validity_spoils(run, fig->lat_family);
	}
	if (!n) {
		snprintf(buf, len, "-");
		return false;
	}
	fl_fmt_rate(rate, sizeof(rate), fl_stats_median(rates, n));
	fl_fmt_ns(lat, sizeof(lat), fl_stats_median(lats, n));
	fl_mark_cell(rate, sizeof(rate), rate_bad && strcmp(rate, "-"));
	fl_mark_cell(lat, sizeof(lat), lat_bad && strcmp(lat, "-"));
	snprintf(buf, len, "%s %s, %s %s", rate, fig->rate_unit, fig->lat_name, lat);
	return rate_bad || lat_bad;
}

/* The reason codes of @doc's runs, once each: "oversubscribed, spread". */
static void codes_of(json_t *doc, char *buf, size_t len)
{
	json_t *r, *seen = json_object();
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(doc, "validity"), "reasons"), i, r) {
		const char *code = str(r, "code");

		if (json_object_get(seen, code) || off >= len)
			continue;
		json_object_set_new(seen, code, json_true());
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", code);
	}
	json_decref(seen);
}

/* Thread counts and invalidation of @file's runs over the group, as rows. */
static void run_table(FILE *f, const char *top, struct variant_dir **g, int nr,
		      const char *file)
{
	const struct cell_figures *fig = &touch_figures;
	json_t *docs[MAX_VARIANTS] = { 0 };
	bool seen[2][257] = { { false } }, marked[MAX_VARIANTS] = { false };
	json_t *run;
	size_t i;

	for (int k = 0; k < nr; k++) {
		docs[k] = load(top, g[k]->dir, file, NULL, 0);
		if (strcmp(str(docs[k], "schema"), FL_SCHEMA_RESULT)) {
			json_decref(docs[k]);
			docs[k] = NULL;
			continue;
		}
		json_array_foreach(json_object_get(docs[k], "runs"), i, run) {
			long t = (long)json_integer_value(json_object_get(run, "threads"));

			if (t > 0 && t <= 256)
				seen[json_is_object(json_object_get(run, "invalidator"))][t] = true;
		}
	}
	for (long t = 1; t <= 256; t++)
		if (seen[1][t])
			fig = &inval_figures;
	char align[MAX_VARIANTS + 3] = "rl";
	struct fl_table *table;

	memset(align + 2, 'r', (size_t)nr);
	align[2 + nr] = '\0';
	table = fl_table_new(align, "threads", "invalidator", NULL);
	for (int k = 0; k < nr; k++)
		fl_table_cell(table, "%s", g[k]->name);
	for (int inv = 0; inv < 2; inv++)
		for (long t = 1; t <= 256; t++) {
			if (!seen[inv][t])
				continue;
			fl_table_cell(table, "%ld", t);
			fl_table_cell(table, "%s", inv ? "running" : "-");
			for (int k = 0; k < nr; k++) {
				char c[96] = "-";

				if (docs[k])
					marked[k] |= cell(c, sizeof(c), docs[k], t, inv, fig);
				fl_table_cell(table, "%s", c);
			}
		}
	fprintf(f, "### %s\n\n", file);
	fl_table_print(table, f, true);
	fl_table_free(table);
	fputc('\n', f);
	for (int k = 0; k < nr; k++) {
		char codes[256];

		if (!marked[k])
			continue;
		codes_of(docs[k], codes, sizeof(codes));
		fprintf(f, "`%s` %s: untrustworthy runs (%s), see [%s/summary.md](%s/summary.md).\n\n",
			FL_MARK, g[k]->name, codes, g[k]->dir, g[k]->dir);
	}
	for (int k = 0; k < nr; k++)
		json_decref(docs[k]);
}

/* One row per check, one column per variant's stress document. */
static void stress_table(FILE *f, const char *top, struct variant_dir **g, int nr)
{
	char col_dir[64][80], col_file[64][256], align[66];
	struct fl_table *table;
	json_t *cols[64];
	int nc = 0;

	for (int k = 0; k < nr; k++)
		for (int j = 0; j < g[k]->nr_files && nc < 64; j++) {
			json_t *doc = load(top, g[k]->dir, g[k]->files[j], NULL, 0);

			if (!strcmp(str(doc, "schema"), FL_SCHEMA_STRESS)) {
				snprintf(col_dir[nc], sizeof(col_dir[0]), "%s", g[k]->name);
				snprintf(col_file[nc], sizeof(col_file[0]), "%s", g[k]->files[j]);
				cols[nc++] = doc;
			} else {
				json_decref(doc);
			}
		}
	if (!nc)
		return;
	memset(align, 'l', (size_t)nc + 1);
	align[nc + 1] = '\0';
	table = fl_table_new(align, "check", NULL);
	for (int c = 0; c < nc; c++)
		fl_table_cell(table, "%s `%s`", col_dir[c], col_file[c]);
	/* Rows in the order of the first document that has each check. */
	for (int c = 0; c < nc; c++) {
		json_t *chk;
		size_t i;

		json_array_foreach(json_object_get(cols[c], "checks"), i, chk) {
			const char *name = str(chk, "name");
			bool earlier = false;

			for (int e = 0; e < c && !earlier; e++) {
				json_t *x;
				size_t j;

				json_array_foreach(json_object_get(cols[e], "checks"), j, x)
					earlier |= !strcmp(str(x, "name"), name);
			}
			if (earlier)
				continue;
			fl_table_cell(table, "%s", name);
			for (int d = 0; d < nc; d++) {
				const char *verdict = "-";
				json_t *x;
				size_t j;

				json_array_foreach(json_object_get(cols[d], "checks"), j, x)
					if (!strcmp(str(x, "name"), name))
						verdict = str(x, "verdict");
				fl_table_cell(table, "%s", verdict);
			}
		}
	}
	fprintf(f, "### stress verdicts\n\n");
	fl_table_print(table, f, true);
	fl_table_free(table);
	fputc('\n', f);
	for (int c = 0; c < nc; c++)
		json_decref(cols[c]);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void group_section(FILE *f, const char *top, struct variant_dir **g, int nr)
{
	const char *accel = g[0]->accel;
	static char files[MAX_FILES * 4][256];
	int nf = 0;

	fprintf(f, "## %s: %s\n\n", accel,
		!strcmp(accel, "native") ? "the running kernel on this machine's CPUs" :
		!strcmp(accel, "kvm") ? "guests on virtualised CPUs (KVM)" :
		"guests on emulated CPUs (QEMU TCG, several times slower than native)");
	/* The union of result file names, in order. */
	for (int k = 0; k < nr; k++)
		for (int j = 0; j < g[k]->nr_files; j++) {
			bool dup = false;

			for (int e = 0; e < nf && !dup; e++)
				dup = !strcmp(files[e], g[k]->files[j]);
			if (!dup && nf < (int)ARRAY_SIZE(files))
				snprintf(files[nf++], sizeof(files[0]), "%s", g[k]->files[j]);
		}
	qsort(files, (size_t)nf, sizeof(files[0]), cmp_file);
	for (int e = 0; e < nf; e++) {
		bool result = false;

		for (int k = 0; k < nr && !result; k++) {
			json_t *doc = load(top, g[k]->dir, files[e], NULL, 0);

			result = !strcmp(str(doc, "schema"), FL_SCHEMA_RESULT);
			json_decref(doc);
		}
		if (result)
			run_table(f, top, g, nr, files[e]);
	}
	stress_table(f, top, g, nr);
}

static int is_subdir_entry(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int fl_summary_variants(FILE *f, const char *top, char *err, size_t len)
{
	static struct variant_dir vs[MAX_VARIANTS];
	static const char *const accels[] = { "native", "kvm", "tcg" };
	struct dirent **names;
	int n, nr = 0;

	err[0] = '\0';
	n = scandir(top, &names, is_subdir_entry, alphasort);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", top, names[i]->d_name);
		if (nr < MAX_VARIANTS && !stat(path, &st) && S_ISDIR(st.st_mode) &&
		    scan_variant(top, names[i]->d_name, &vs[nr], err, len))
			nr++;
		free(names[i]);
	}
	free(names);
	if (err[0])	/* refused before a line is written */
		return -ERANGE;
	if (!nr)
		return 0;

	fprintf(f, "# faultline: %d kernel variants\n\n", nr);
	struct fl_table *t = fl_table_new("lllrlll", "variant", "accel", "kernel", "NUMA nodes",
					  "guest", "details", "validity", NULL);

	for (int k = 0; k < nr; k++) {
		char counted[128];

		fl_doc_count_text(&vs[k].count, counted, sizeof(counted));
		fl_table_cells(t, vs[k].name, vs[k].accel, vs[k].release[0] ? vs[k].release : "?",
			       NULL);
		fl_table_cell(t, "%d", vs[k].nodes);
		fl_table_cell(t, "%s", vs[k].boot[0] ? vs[k].boot : "native");
		fl_table_cell(t, "[%s/summary.md](%s/summary.md)", vs[k].dir, vs[k].dir);
		fl_table_cell(t, "%s", counted);
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
	fprintf(f, "\nEach section holds the variants that ran on one kind of CPU. "
		"Numbers from different sections are not comparable: emulated "
		"CPUs are several times slower than native ones and scale "
		"differently. Cells are medians over repetitions: ops/s and touch "
		"p99, or for results with an invalidator faults/s and the p99 of "
		"the touches that faulted. `" FL_MARK "` marks a figure that an "
		"untrustworthy run spoils.\n\n");
	for (size_t a = 0; a < ARRAY_SIZE(accels); a++) {
		struct variant_dir *g[MAX_VARIANTS];
		int ng = 0;

		for (int k = 0; k < nr; k++)
			if (!strcmp(vs[k].accel, accels[a]))
				g[ng++] = &vs[k];
		if (ng)
			group_section(f, top, g, ng);
	}
	return nr;
}
