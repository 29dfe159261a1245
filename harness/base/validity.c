// SPDX-License-Identifier: GPL-2.0
/* Validity objects, the reason codes, and the reasons that span runs. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/stats.h"
#include "base/validity.h"

const struct fl_validity_code fl_validity_codes[] = {
	{ "actor_idle", "an actor did no op in the timed window: the CPUs were too busy for it to run, so the rate does not describe every actor",
	  "run fewer actors than PUs, or a longer --duration" },
	{ "actor_window", "an actor measured less than half of the timed window (it started late or stopped early)",
	  "run fewer actors than PUs, or a longer --warmup so all are running when the window opens" },
	{ "actor_imbalance", "the fastest faulter ran more than twice as fast as the slowest: one shared its CPU with something else, or the CPUs differ",
	  "look at actors[].ops_per_sec and cpu_off_plan; stop other load, check for CPU throttling or a noisy neighbour" },
	{ "oversubscribed", "more actors than the processing units they were placed on: actors share a CPU, so per-actor rates are time-sliced",
	  "use at most as many actors (faulters plus invalidators) as PUs; --threads max leaves room for the invalidators" },
	{ "cpu_contended", "an actor waited for its CPU (runnable while another task ran there) more than 10% of its window: the machine was busy, so the rates are the scheduler's",
	  "stop other load on the machine (or move it off the actors' CPUs); actors[].run_wait_s says how long each waited" },
	{ "off_plan", "an actor was seen running on a CPU other than the one it was bound to",
	  "check cpusets, isolcpus and CPU hotplug: the placement did not hold" },
	{ "invalidator_starved", "the invalidator did fewer than 10 ops in its window, or less than half of --inval-rate: the run barely measured invalidation",
	  "lengthen --duration, or lower --inval-rate to what the filesystem can sustain" },
	{ "interrupted", "a signal cut the timed window short",
	  "run again without interrupting it" },
	{ "clock", "the timestamps cannot be trusted: the TSC rate drifted from its calibration during the window, its calibration was unstable, or a timestamp costs more than 100 ns (no TSC and a slow clocksource)",
	  "check the clocksource and the TSC flags (constant_tsc, nonstop_tsc) in /proc/cpuinfo; on a VM, pin the vCPUs" },
	{ "collector_lost", "a BPF collector lost events or could not be read: its counts are incomplete",
	  "see kernel.why_untrustworthy; FAULTLINE_BPF_LOCK_ENTRIES raises the lock table size" },
	{ "spread", "the repetitions of one configuration differ by more than 25% of their median ops/s: the machine changed under the run",
	  "stop other load; more, shorter repetitions (--repeat) spread over time show the drift; a step in time order (the reason says where) is the machine changing speed, e.g. a VM's vCPU on its host" },
	{ "superlinear", "more threads gave more than linear scaling by more than the noise: the smaller run was slowed by something else, or actors share work",
	  "repeat the runs; compare actors[].ops_per_sec of the smaller run with the larger one's" },
	{ "partial", "the command had not finished when the document was written: it died or is still running, so the checks after the last one kept are missing",
	  "the document's pending lists the checks not run; a guest's boot.json says why it stopped" },
	{ "check_not_run", "a stress check ran no iteration: it checked nothing, so it cannot pass",
	  "lengthen --duration; see the check's reason" },
	{ "rank_idle", "an MPI rank did no work in its window",
	  "use at most as many ranks as PUs, or a longer --duration" },
	{ "one_page_cache", "MPI ranks on one kernel use one filesystem (one page cache) under --dir: coherence between them holds trivially, so the run tested nothing of a cluster",
	  "drop --dir (clusterfs gives each rank a mount of its own), or mount a cluster filesystem on each host" },
	{ "dir_not_shared", "MPI ranks on several kernels (hosts) use a local filesystem under --dir: the hosts do not share the file",
	  "give --dir on a filesystem every host mounts (OCFS2, GFS2, NFS)" },
	{ NULL, NULL, NULL },
};

json_t *fl_validity_new(void)
{
	return json_pack("{s:s, s:[]}", "status", "ok", "reasons");
}

/* A JSON array of the comma-separated words of @list. */
static json_t *word_array(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ",");

		json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

void fl_validity_add(json_t *v, const char *code, const char *metrics,
		     const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_set_new(v, "status", json_string("untrustworthy"));
	json_array_append_new(json_object_get(v, "reasons"),
			      json_pack("{s:s, s:s, s:o}", "code", code, "text", text,
					"metrics", word_array(metrics ?: "all")));
}

bool fl_validity_ok(json_t *holder)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(holder, "validity"), "status"));

	return !s || strcmp(s, "untrustworthy");
}

bool fl_validity_spoils(json_t *holder, const char *family)
{
	json_t *r, *m;
	size_t i, k;

	if (fl_validity_ok(holder))
		return false;
	json_array_foreach(json_object_get(json_object_get(holder, "validity"),
					   "reasons"), i, r)
		json_array_foreach(json_object_get(r, "metrics"), k, m) {
			const char *f = json_string_value(m);

			if (f && (!strcmp(f, "all") || !strcmp(f, family)))
				return true;
		}
	return false;
}

void fl_validity_absorb(json_t *into, json_t *holder, const char *where)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(holder, "validity"),
					   "reasons"), i, r) {
		json_t *copy = json_deep_copy(r);

		if (where)
			json_object_set_new(copy, "text", json_sprintf("%s: %s", where,
					    json_string_value(json_object_get(r, "text"))));
		json_array_append_new(json_object_get(into, "reasons"), copy);
		json_object_set_new(into, "status", json_string("untrustworthy"));
	}
}

void fl_validity_warn(const char *what, json_t *holder)
{
	json_t *r, *seen = json_object();
	size_t i;

	if (fl_validity_ok(holder))
		goto out;
	fl_warn("%s: the result is untrustworthy (its validity says why):", what);
	json_array_foreach(json_object_get(json_object_get(holder, "validity"),
					   "reasons"), i, r) {
		const char *code = json_string_value(json_object_get(r, "code")) ?: "?";

		if (json_object_get(seen, code))
			continue;
		json_object_set_new(seen, code, json_true());
		fprintf(stderr, "  %s: %s\n", code,
			json_string_value(json_object_get(r, "text")) ?: "");
	}
out:
	json_decref(seen);
}

/* Reasons computed from several runs: removed before they are recomputed. */
static bool derived_code(const char *code)
{
	return code && (!strcmp(code, "spread") || !strcmp(code, "superlinear"));
}

void fl_validity_drop_derived(json_t *run)
{
	json_t *v = json_object_get(run, "validity");
	json_t *reasons = json_object_get(v, "reasons");

	if (!v) {
		json_object_set_new(run, "validity", fl_validity_new());
		return;
	}
	for (size_t i = json_array_size(reasons); i-- > 0;)
		if (derived_code(json_string_value(json_object_get(
			json_array_get(reasons, i), "code"))))
			json_array_remove(reasons, i);
	json_object_set_new(v, "status", json_string(json_array_size(reasons) ?
						     "untrustworthy" : "ok"));
}

/* The runs of one thread count, with or without the invalidator. */
struct group {
	int threads;
	bool inval;		/* invalidator runs, not their baselines */
	double ops[1024];
	int n;
	double median, spread;	/* (max - min) / median */
};

static struct group *group_of(struct group *g, int *nr, int cap, json_t *run)
{
	int threads = (int)json_integer_value(json_object_get(run, "threads"));
	bool inval = json_is_object(json_object_get(run, "invalidator"));

	for (int i = 0; i < *nr; i++)
		if (g[i].threads == threads && g[i].inval == inval)
			return &g[i];
	if (*nr == cap)
		return NULL;
	g[*nr] = (struct group){ .threads = threads, .inval = inval };
	return &g[(*nr)++];
}

static void span(const double *v, int n, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int i = 0; i < n; i++) {
		*lo = fmin(*lo, v[i]);
		*hi = fmax(*hi, v[i]);
	}
}

/*
 * Spread that is one step in time order (tight before, tight after, far
 * apart) is the machine changing speed under the run, not a noisy
 * workload: on a VM, the host moving or sharing a vCPU does exactly that.
 * Say so, and where, so the same step in several configurations is seen
 * as one event. Appends "; ..." to @text, or nothing.
 */
static void describe_step(const struct group *g, char *text, size_t size)
{
	int best = 0;
	double best_score = 0;

	for (int k = 1; k < g->n; k++) {
		double alo, ahi, blo, bhi, gap, wide;

		span(g->ops, k, &alo, &ahi);
		span(g->ops + k, g->n - k, &blo, &bhi);
		gap = fmax(blo - ahi, alo - bhi);
		wide = fmax(ahi - alo, bhi - blo);
		if (gap > 2 * wide && gap / g->median > FL_VALID_SPREAD / 2 &&
		    gap / (wide + 1) > best_score) {
			best = k;
			best_score = gap / (wide + 1);
		}
	}
	if (!best)
		return;
	double alo, ahi, blo, bhi;

	span(g->ops, best, &alo, &ahi);
	span(g->ops + best, g->n - best, &blo, &bhi);
	snprintf(text, size,
		 "; in time order they step from %.0fk-%.0fk to %.0fk-%.0fk at repetition %d: the machine's speed changed during the run",
		 alo / 1e3, ahi / 1e3, blo / 1e3, bhi / 1e3, best);
}

static void mark_group(json_t *runs, const struct group *g, const char *code,
		       const char *text)
{
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run) {
		if ((int)json_integer_value(json_object_get(run, "threads")) != g->threads ||
		    json_is_object(json_object_get(run, "invalidator")) != g->inval ||
		    json_is_true(json_object_get(run, "interrupted")))
			continue;
		fl_validity_add(json_object_get(run, "validity"), code, "all", "%s", text);
	}
}

void fl_validity_result_doc(json_t *doc)
{
	json_t *runs = json_object_get(doc, "runs"), *run, *v;
	struct group *g = calloc(64, sizeof(*g));
	int nr = 0;
	size_t i;

	json_array_foreach(runs, i, run)
		fl_validity_drop_derived(run);
	if (!g)
		goto gather;
	json_array_foreach(runs, i, run) {
		struct group *x = group_of(g, &nr, 64, run);
		double ops = fl_json_num(run, "totals.ops_per_sec");

		if (x && x->n < 1024 && isfinite(ops) &&
		    !json_is_true(json_object_get(run, "interrupted")))
			x->ops[x->n++] = ops;
	}
	for (int k = 0; k < nr; k++) {
		double tmp[1024], lo = INFINITY, hi = -INFINITY;

		for (int j = 0; j < g[k].n; j++) {
			tmp[j] = g[k].ops[j];
			lo = fmin(lo, g[k].ops[j]);
			hi = fmax(hi, g[k].ops[j]);
		}
		g[k].median = fl_stats_median(tmp, g[k].n);
		g[k].spread = g[k].n > 1 && g[k].median > 0 ? (hi - lo) / g[k].median : 0;
		if (g[k].spread > FL_VALID_SPREAD) {
			char text[512];
			int len = snprintf(text, sizeof(text),
				 "%d repetitions with %d thread%s%s range over %.0f%% of their median ops/s (bound %.0f%%)",
				 g[k].n, g[k].threads, g[k].threads == 1 ? "" : "s",
				 g[k].inval ? " and the invalidator" : "",
				 g[k].spread * 100, FL_VALID_SPREAD * 100);

			describe_step(&g[k], text + len, sizeof(text) - len);
			mark_group(runs, &g[k], "spread", text);
		}
	}
	/* Each thread count against the smallest one of the same kind. */
	for (int k = 0; k < nr; k++) {
		const struct group *lo = NULL;

		for (int j = 0; j < nr; j++)
			if (g[j].inval == g[k].inval && g[j].threads < g[k].threads &&
			    (!lo || g[j].threads < lo->threads))
				lo = &g[j];
		if (!lo || !(lo->median > 0) || !(g[k].median > 0))
			continue;
		double linear = (double)g[k].threads / lo->threads;
		double got = g[k].median / lo->median;
		double noise = fmax(FL_VALID_SUPERLINEAR_FLOOR, lo->spread + g[k].spread);

		if (got > linear * (1 + noise)) {
			char text[256];

			snprintf(text, sizeof(text),
				 "%d threads ran %.2fx the ops/s of %d (linear: %.2fx; noise allowed: %.0f%%)",
				 g[k].threads, got, lo->threads, linear, noise * 100);
			mark_group(runs, &g[k], "superlinear", text);
			mark_group(runs, lo, "superlinear", text);
		}
	}
gather:
	free(g);
	v = fl_validity_new();
	json_array_foreach(runs, i, run) {
		char where[96];

		snprintf(where, sizeof(where), "run %zu (%lld thread%s%s, repetition %lld)", i,
			 (long long)json_integer_value(json_object_get(run, "threads")),
			 json_integer_value(json_object_get(run, "threads")) == 1 ? "" : "s",
			 json_is_true(json_object_get(run, "baseline")) ? ", baseline" : "",
			 (long long)json_integer_value(json_object_get(run, "repeat")));
		fl_validity_absorb(v, run, where);
	}
	json_object_set_new(doc, "validity", v);
}

/* Severity of an exit code: higher is worse. */
static int severity(int code)
{
	switch (code) {
	case FL_EXIT_OK:
		return 0;
	case FL_EXIT_UNTRUSTWORTHY:
		return 1;
	case FL_EXIT_CHECK:
		return 2;
	case FL_EXIT_USAGE:
		return 3;
	case FL_EXIT_RESOURCE:
		return 4;
	case FL_EXIT_INTERRUPTED:
		return 5;
	default:
		return 3;
	}
}

int fl_exit_worst(int a, int b)
{
	return severity(b) > severity(a) ? b : a;
}
