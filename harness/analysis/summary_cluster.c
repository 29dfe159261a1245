// SPDX-License-Identifier: GPL-2.0
/*
 * summary.md of guest-cluster runs (kernels/cluster.sh, ./run.sh
 * --cluster): a section per cluster, that is per shared filesystem, with
 * a table per host (its guest, and what its ranks found), then each MPI
 * result's rank table. A cluster directory holds cluster.json and its
 * results/; a run of several holds one directory per cluster.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/summary.h"
#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "base/table.h"

#define MAX_CLUSTERS 32

/* Per host: its ranks, and what they found over every MPI result. */
struct host_sum {
	int ranks, storm_ranks;
	long long violations, stale_allowed;
	double faults_per_sec;
	const char *promise;
};

static void add_ranks(json_t *doc, const char *host, struct host_sum *h)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "workload"),
							     "name")) ?: "";
	int ranks = 0;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "ranks"), i, r) {
		if (strcmp(json_string_value(json_object_get(r, "host")) ?: "", host))
			continue;
		ranks++;
		h->violations += json_integer_value(json_object_get(r, "violations"));
		h->stale_allowed += json_integer_value(json_object_get(r, "stale_allowed"));
		h->promise = json_string_value(json_object_get(json_object_get(r, "promise"),
							       "model")) ?: h->promise;
		if (!strcmp(name, "mpi-faultstorm")) {
			h->storm_ranks++;
			h->faults_per_sec += json_number_value(json_object_get(r, "faults_per_sec"));
		}
	}
	if (ranks > h->ranks)
		h->ranks = ranks;
}

static void hosts_table(FILE *f, json_t *cluster, json_t **docs, int nr)
{
	struct fl_table *t = fl_table_new("llrrrrrrrl", "host", "address", "boot s",
					  "guest used MiB", "QEMU peak MiB", "ranks",
					  "violations", "stale allowed", "faults/s", "promise", NULL);
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(cluster, "hosts"), i, h) {
		const char *name = json_string_value(json_object_get(h, "name")) ?: "?";
		struct host_sum s = { .promise = "-" };
		json_t *boot = json_object_get(h, "boot_s");

		for (int d = 0; d < nr; d++)
			add_ranks(docs[d], name, &s);
		fl_table_cell(t, "%s", name);
		fl_table_cell(t, "%s", json_string_value(json_object_get(h, "address")) ?: "?");
		if (json_is_number(boot))
			fl_table_cell(t, "%.1f", json_number_value(boot));
		else
			fl_table_cell(t, "-");
		fl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(h, "guest_used_kib")) >> 10);
		fl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(h, "qemu_peak_rss_kib")) >> 10);
		fl_table_cell(t, "%d", s.ranks);
		fl_table_cell(t, "%lld", s.violations);
		fl_table_cell(t, "%lld", s.stale_allowed);
		if (s.storm_ranks)
			fl_table_cell(t, "%.0f", s.faults_per_sec);
		else
			fl_table_cell(t, "-");
		fl_table_cell(t, "%s", s.promise);
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
	fprintf(f, "\nboot s: from power-on to sshd up; guest used: its memory then; QEMU peak: the emulator's resident peak on the host; violations and stale reads allowed: over every check (mpi-coherence, mpi-cow); faults/s: mpi-faultstorm.\n\n");
}

/*
 * One cluster's section, titled @title; -ERANGE (said in @err) for a
 * document out of bounds.
 */
static int cluster_section(FILE *f, const char *title, const char *dir, json_t *cluster,
			   char *err, size_t len)
{
	char results[PATH_MAX], path[PATH_MAX + 256];
	json_t *docs[64], *c;
	struct dirent **names;
	int n, nr = 0, ret = 0;
	size_t i;

	fprintf(f, "## %s: %s on %lld guest%s of %s (%s, %s)\n\n", title,
		json_string_value(json_object_get(cluster, "fs")) ?: "?",
		(long long)json_array_size(json_object_get(cluster, "hosts")),
		json_array_size(json_object_get(cluster, "hosts")) == 1 ? "" : "s",
		json_string_value(json_object_get(cluster, "variant")) ?: "?",
		json_string_value(json_object_get(cluster, "release")) ?: "?",
		json_string_value(json_object_get(cluster, "accel")) ?: "?");
	fprintf(f, "- status: %s in %lld s%s%s\n",
		json_string_value(json_object_get(cluster, "status")) ?: "?",
		(long long)json_integer_value(json_object_get(cluster, "seconds")),
		json_object_get(cluster, "why") ? ": " : "",
		json_string_value(json_object_get(cluster, "why")) ?: "");
	if (*(json_string_value(json_object_get(cluster, "mount_options")) ?: ""))
		fprintf(f, "- mount options: `%s`\n",
			json_string_value(json_object_get(cluster, "mount_options")));
	json_array_foreach(json_object_get(cluster, "commands"), i, c) {
		json_t *code = json_object_get(c, "exit_code");

		fprintf(f, "- `faultline %s`: %s", json_string_value(json_object_get(c, "args")) ?: "?",
			json_string_value(json_object_get(c, "status")) ?: "?");
		if (json_is_integer(code))
			fprintf(f, ", exit %lld", (long long)json_integer_value(code));
		fputc('\n', f);
	}
	fputc('\n', f);

	snprintf(results, sizeof(results), "%s/results", dir);
	n = fl_json_files(results, &names);
	for (int k = 0; k < n; k++) {
		char msg[FL_ERR_LEN];
		json_t *doc;
		int r;

		snprintf(path, sizeof(path), "%s/%s", results, names[k]->d_name);
		free(names[k]);
		r = fl_doc_load(path, &doc, msg, sizeof(msg));
		/* Out of bounds: refused, as everywhere; unreadable: said, skipped. */
		if (r == -ERANGE && !ret)
			ret = -ERANGE, fl_set_err(err, len, "%s", msg);
		else if (r && r != -ERANGE)
			fl_warn("summary: %s", msg);
		if (r)
			continue;
		if (nr < (int)(sizeof(docs) / sizeof(docs[0])) &&
		    !strcmp(json_string_value(json_object_get(doc, "schema")) ?: "", FL_SCHEMA_MPI))
			docs[nr++] = doc;
		else
			json_decref(doc);
	}
	if (n > 0)
		free(names);
	if (ret) {
		for (int d = 0; d < nr; d++)
			json_decref(docs[d]);
		return ret;
	}
	fprintf(f, "### hosts\n\n");
	hosts_table(f, cluster, docs, nr);
	for (int d = 0; d < nr; d++) {
		fl_summary_mpi(f, docs[d]);
		json_decref(docs[d]);
	}
	return 0;
}

static json_t *load_cluster(const char *dir)
{
	char path[PATH_MAX + 16];
	json_t *c;

	snprintf(path, sizeof(path), "%s/cluster.json", dir);
	c = json_load_file(path, 0, NULL);
	if (c && strcmp(json_string_value(json_object_get(c, "schema")) ?: "", FL_SCHEMA_CLUSTER)) {
		json_decref(c);
		return NULL;
	}
	return c;
}

int fl_summary_clusters(FILE *f, const char *dir, char *err, size_t len)
{
	char sub[MAX_CLUSTERS][PATH_MAX];
	struct dirent **names;
	json_t *c = load_cluster(dir);
	int n, nr = 0, ret = 0;

	if (c) {
		fprintf(f, "# faultline cluster summary\n\n- results: `%s`\n\n", dir);
		ret = cluster_section(f, json_string_value(json_object_get(c, "cluster")) ?: "?", dir,
				      c, err, len);
		json_decref(c);
		return ret ? ret : 1;
	}
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		json_t *one;

		if (names[i]->d_name[0] != '.' && nr < MAX_CLUSTERS &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < sizeof(path) &&
		    (one = load_cluster(path))) {
			snprintf(sub[nr++], sizeof(sub[0]), "%s", path);
			json_decref(one);
		}
		free(names[i]);
	}
	if (n > 0)
		free(names);
	if (!nr)
		return 0;
	fprintf(f, "# faultline cluster summary\n\n- results: `%s`\n- clusters: %d, a section each\n\n",
		dir, nr);
	for (int i = 0; i < nr && !ret; i++) {
		c = load_cluster(sub[i]);
		ret = cluster_section(f, strrchr(sub[i], '/') + 1, sub[i], c, err, len);
		json_decref(c);
	}
	return ret ? ret : nr;
}
