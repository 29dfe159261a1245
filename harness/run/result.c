// SPDX-License-Identifier: GPL-2.0
/* Run results as JSON (schema faultline-result/1) and atomic writing. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/latency_json.h"
#include "base/validity.h"
#include "run/result.h"
#include "run/runner.h"

void fl_run_result_release(struct fl_run_result *rr)
{
	for (int a = 0; rr->actors && a < rr->nr_actors; a++)
		fl_hist_free(rr->actors[a].hist);
	free(rr->actors);
	fl_vmstat_free(&rr->vm_start);
	fl_vmstat_free(&rr->vm_end);
	for (int n = 0; n < rr->nr_nodes; n++) {
		fl_vmstat_free(&rr->node_start[n]);
		fl_vmstat_free(&rr->node_end[n]);
	}
	free(rr->node_start);
	free(rr->node_end);
	free(rr->node_ids);
	json_decref(rr->integrity);
	json_decref(rr->collected);
	memset(rr, 0, sizeof(*rr));
}

void fl_result_free(struct fl_result *r)
{
	for (int i = 0; i < r->nr_runs; i++)
		fl_run_result_release(&r->runs[i]);
	free(r->runs);
	r->runs = NULL;
	r->nr_runs = 0;
}

/*
 * The slowest touches are the faulting ones when the fastest touch taken
 * as a fault is at least this many times the p99 of the others.
 */
#define FAULT_SEPARATION 2.0

/* Sums over a set of actors: one node's, or all of them. */
struct totals {
	int threads;
	uint64_t ops, faults, major, sigbus;
	double ops_per_sec, faults_per_sec;
	bool faults_known;
	struct fl_hist *hist;
	struct fl_hist *fault_hist;	/* the touches that faulted */
};

/*
 * The touches that faulted are the slowest ones: as many of each actor's
 * slowest touches as the kernel counted faults for it. A fault is an
 * exception and at least hundreds of ns; a hit is a load, tens of ns.
 */
static void add_fault_latency(struct totals *t, const struct fl_actor_result *a)
{
	if (!a->hist || !t->faults_known || a->role != FL_ROLE_FAULTER)
		return;
	if (!t->fault_hist && fl_hist_init(&t->fault_hist))
		return;
	fl_hist_add_top(t->fault_hist, a->hist, a->faults.minor + a->faults.major);
}

static void totals_add(struct totals *t, const struct fl_actor_result *a)
{
	t->threads++;
	t->ops += a->ops;
	t->sigbus += a->sigbus;
	if (a->window_s > 0)
		t->ops_per_sec += (double)a->ops / a->window_s;
	/* An actor that never entered the window has nothing to count. */
	if (a->measured && !a->faults_known)
		t->faults_known = false;
	t->faults += a->faults.minor + a->faults.major;
	t->major += a->faults.major;
	if (a->window_s > 0)
		t->faults_per_sec +=
			(double)(a->faults.minor + a->faults.major) / a->window_s;
	add_fault_latency(t, a);
	if (a->hist) {
		if (!t->hist && fl_hist_init(&t->hist))
			return;
		fl_hist_add(t->hist, a->hist);
	}
}

/*
 * The slowest touches are the faulting ones only where hits are much
 * faster than faults. Where they are not (a hypervisor that traps the
 * first touch of every page, say), the fault latency is not reported:
 * 1 with @why set, else 0.
 */
static int fault_latency_mixed(const struct totals *t, char *why, size_t len)
{
	uint64_t touches, faults, hits;
	double hit_p99, cut;

	if (!t->fault_hist || !t->hist)
		return 0;
	touches = t->hist->total;
	faults = t->fault_hist->total;
	hits = touches - faults;
	if (!faults || !hits)
		return 0;
	hit_p99 = fl_clock_ns(fl_hist_percentile(t->hist, 99.0 * (double)hits /
						 (double)touches));
	cut = fl_clock_ns(t->fault_hist->min);
	if (hit_p99 * FAULT_SEPARATION <= cut)
		return 0;
	snprintf(why, len,
		 "touches that did not fault were about as slow as those that did (p99 of the %llu hits %.0f ns, the %llu slowest from %.0f ns): the slowest touches are not only the faulting ones",
		 (unsigned long long)hits, hit_p99, (unsigned long long)faults, cut);
	return 1;
}

/* The latency of faulting touches, or null when it is not known. */
static json_t *fault_latency_json(struct totals *t)
{
	json_t *o = t->faults_known && t->fault_hist ?
		    fl_latency_json(t->fault_hist) : json_null();

	fl_hist_free(t->fault_hist);
	t->fault_hist = NULL;
	return o;
}

static json_t *totals_json(const struct totals *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "ops", json_integer((json_int_t)t->ops));
	json_object_set_new(o, "ops_per_sec", json_real(t->ops_per_sec));
	json_object_set_new(o, "sigbus", json_integer((json_int_t)t->sigbus));
	if (t->faults_known) {
		json_object_set_new(o, "faults", json_integer((json_int_t)t->faults));
		json_object_set_new(o, "major_faults",
				    json_integer((json_int_t)t->major));
		json_object_set_new(o, "faults_per_sec", json_real(t->faults_per_sec));
		json_object_set_new(o, "faults_per_op",
				    t->ops ? json_real((double)t->faults / (double)t->ops) :
				    json_null());
	} else {
		/* Never a fake zero: say the count is unknown. */
		json_object_set_new(o, "faults", json_null());
		json_object_set_new(o, "faults_per_sec", json_null());
		json_object_set_new(o, "faults_per_op", json_null());
	}
	return o;
}

/* Counters that changed between two vmstat snapshots. */
static json_t *vmstat_delta_json(const struct fl_vmstat *a,
				 const struct fl_vmstat *b)
{
	json_t *o = json_object();

	for (int i = 0; i < b->nr; i++) {
		int64_t before = fl_vmstat_get(a, b->name[i]);

		if (before < 0 || (int64_t)b->value[i] == before)
			continue;
		json_object_set_new(o, b->name[i],
				    json_integer((json_int_t)((int64_t)b->value[i] - before)));
	}
	return o;
}

static json_t *actor_json(const struct fl_actor_result *a)
{
	json_t *o = json_pack("{s:i, s:s, s:i, s:i, s:i, s:I, s:f}",
			      "id", a->id, "role", a->role == FL_ROLE_FAULTER ?
			      "faulter" : "invalidator",
			      "pu", a->slot.pu, "node", a->slot.node,
			      "core", a->slot.core, "ops", (json_int_t)a->ops,
			      "window_s", a->window_s);

	json_object_set_new(o, "cpu_first", json_integer(a->cpu_first));
	json_object_set_new(o, "cpu_last", json_integer(a->cpu_last));
	json_object_set_new(o, "node_last", json_integer(a->node_last));
	json_object_set_new(o, "cpu_checks", json_integer((json_int_t)a->cpu_checks));
	json_object_set_new(o, "cpu_off_plan", json_integer((json_int_t)a->cpu_moves));
	json_object_set_new(o, "run_wait_s", a->run_wait_s >= 0 ?
			    json_real(a->run_wait_s) : json_null());
	if (a->mempolicy[0])
		json_object_set_new(o, "mempolicy", json_string(a->mempolicy));
	json_object_set_new(o, "ops_per_sec",
			    json_real(a->window_s > 0 ? (double)a->ops / a->window_s : 0));
	json_object_set_new(o, "faults", a->faults_known ?
			    json_integer((json_int_t)(a->faults.minor + a->faults.major)) :
			    json_null());
	if (a->hist)
		json_object_set_new(o, "latency_p99_ns",
				    fl_json_ns(fl_clock_ns(fl_hist_percentile(a->hist, 99))));
	return o;
}

/* The collectors' data for node @n, or NULL. */
static json_t *collected_node(const struct fl_run_result *rr, int n)
{
	char key[16];

	snprintf(key, sizeof(key), "%d", n);
	return json_object_get(json_object_get(rr->collected, "nodes"), key);
}

/*
 * Collector status and kernel-side fault counts into "kernel", with how
 * kfault's count compares to the per-thread counter of the same tasks.
 */
static void add_collected(json_t *kernel, json_t *collected,
			  const struct totals *faulters, const struct totals *inval,
			  int source)
{
	json_t *faults = json_object_get(json_object_get(collected, "kernel"), "faults");

	json_object_set(kernel, "collectors", json_object_get(collected, "collectors"));
	json_object_set(kernel, "trustworthy", json_object_get(collected, "trustworthy"));
	if (json_object_get(collected, "why_untrustworthy"))
		json_object_set(kernel, "why_untrustworthy",
				json_object_get(collected, "why_untrustworthy"));
	if (!faults)
		return;
	faults = json_deep_copy(faults);
	if (faulters->faults_known) {
		/* perf's counts skip get_user_pages faults; rusage has them. */
		json_int_t bpf = json_integer_value(json_object_get(faults, "accounted_user")) +
				 (source == FL_FAULTS_PERF ? 0 :
				  json_integer_value(json_object_get(faults, "accounted_gup")));
		uint64_t counted = faulters->faults + inval->faults;

		/* Without handle_mm_fault(): one exception per fault taken. */
		if (!json_object_get(faults, "accounted_user"))
			bpf = json_integer_value(json_object_get(faults, "exceptions_user")) +
			      json_integer_value(json_object_get(faults, "exceptions_kernel"));

		json_object_set_new(faults, "counter_faults", json_integer((json_int_t)counted));
		json_object_set_new(faults, "vs_counter", counted ?
				    json_real((double)bpf / (double)counted) : json_null());
	}
	json_object_set_new(kernel, "faults", faults);
}

static double actor_rate(const struct fl_actor_result *a)
{
	return a->window_s > 0 ? (double)a->ops / a->window_s : 0;
}

/* Actors sharing a PU, and how many distinct PUs all actors got. */
static void count_sharing(const struct fl_run_result *rr, int *shared, int *pus)
{
	*shared = *pus = 0;
	for (int i = 0; i < rr->nr_actors; i++) {
		bool seen = false;

		*shared += rr->actors[i].slot.shares_pu;
		for (int j = 0; j < i && !seen; j++)
			seen = rr->actors[j].slot.pu == rr->actors[i].slot.pu;
		*pus += !seen;
	}
}

/* Actors that did nothing, or measured too little of the window. */
static void judge_actors(json_t *v, const struct fl_run_result *rr)
{
	int idle = 0, short_window = 0, first_idle = -1, first_short = -1;

	for (int i = 0; i < rr->nr_actors; i++) {
		const struct fl_actor_result *a = &rr->actors[i];

		if (a->role != FL_ROLE_FAULTER)
			continue;
		if (!a->measured || !a->ops) {
			if (!idle++)
				first_idle = i;
		} else if (a->window_s < FL_VALID_WINDOW_SHARE * rr->duration_s &&
			   !rr->interrupted) {
			if (!short_window++)
				first_short = i;
		}
	}
	if (idle)
		fl_validity_add(v, "actor_idle", "all",
				"%d of %d faulters did no op in the window (first: actor %d on PU %d)",
				idle, rr->threads, first_idle,
				rr->actors[first_idle].slot.pu);
	if (short_window)
		fl_validity_add(v, "actor_window", "all",
				"%d faulters measured less than %.0f%% of the %.2f s window (first: actor %d, %.3f s)",
				short_window, FL_VALID_WINDOW_SHARE * 100, rr->duration_s,
				first_short, rr->actors[first_short].window_s);
}

/* Faulters far from each other, and actors off their planned PU. */
static void judge_balance(json_t *v, const struct fl_run_result *rr, bool shared)
{
	int lo = -1, hi = -1, off = 0, first_off = -1;

	for (int i = 0; i < rr->nr_actors; i++) {
		const struct fl_actor_result *a = &rr->actors[i];

		if (!a->measured)
			continue;
		if (a->cpu_moves || a->cpu_first != a->slot.pu ||
		    a->cpu_last != a->slot.pu) {
			if (!off++)
				first_off = i;
		}
		if (a->role != FL_ROLE_FAULTER || !a->ops)
			continue;
		if (lo < 0 || actor_rate(a) < actor_rate(&rr->actors[lo]))
			lo = i;
		if (hi < 0 || actor_rate(a) > actor_rate(&rr->actors[hi]))
			hi = i;
	}
	if (off)
		fl_validity_add(v, "off_plan", "all",
				"%d actors ran off their planned PU (first: actor %d, planned PU %d, seen on %d and %d)",
				off, first_off, rr->actors[first_off].slot.pu,
				rr->actors[first_off].cpu_first,
				rr->actors[first_off].cpu_last);
	/* Sharing PUs explains any imbalance: that reason says it already. */
	if (!shared && lo >= 0 &&
	    actor_rate(&rr->actors[hi]) > FL_VALID_IMBALANCE * actor_rate(&rr->actors[lo]))
		fl_validity_add(v, "actor_imbalance", "all",
				"faulter %d (PU %d) ran at %.0f ops/s, %.1fx faulter %d (PU %d) at %.0f ops/s (bound %.0fx)",
				hi, rr->actors[hi].slot.pu, actor_rate(&rr->actors[hi]),
				actor_rate(&rr->actors[hi]) / actor_rate(&rr->actors[lo]),
				lo, rr->actors[lo].slot.pu, actor_rate(&rr->actors[lo]),
				FL_VALID_IMBALANCE);
}

/*
 * Actors that waited for their CPU: runnable, while another task ran
 * there. Sleeping on a lock or for I/O is not waiting for a CPU.
 */
static void judge_cpu_wait(json_t *v, const struct fl_run_result *rr)
{
	int waited = 0, worst = -1;

	for (int i = 0; i < rr->nr_actors; i++) {
		const struct fl_actor_result *a = &rr->actors[i];

		if (!a->measured || !(a->window_s > 0) || a->run_wait_s < 0 ||
		    a->run_wait_s <= FL_VALID_RUN_WAIT * a->window_s)
			continue;
		waited++;
		if (worst < 0 || a->run_wait_s / a->window_s >
		    rr->actors[worst].run_wait_s / rr->actors[worst].window_s)
			worst = i;
	}
	if (waited)
		fl_validity_add(v, "cpu_contended", "all",
				"%d actors waited for their CPU over %.0f%% of their window: another task ran there (most: actor %d on PU %d, %.3f s of %.3f s)",
				waited, FL_VALID_RUN_WAIT * 100, worst,
				rr->actors[worst].slot.pu, rr->actors[worst].run_wait_s,
				rr->actors[worst].window_s);
}

/* An invalidator that barely ran measured nothing about invalidation. */
static void judge_invalidators(json_t *v, const struct fl_run_result *rr,
			       const struct fl_result *res)
{
	for (int i = 0; i < rr->nr_actors; i++) {
		const struct fl_actor_result *a = &rr->actors[i];
		double rate = actor_rate(a);

		if (a->role != FL_ROLE_INVALIDATOR)
			continue;
		if (a->ops < FL_VALID_MIN_INVAL_OPS)
			fl_validity_add(v, "invalidator_starved", "all",
					"the %s invalidator (actor %d) did %llu ops in its %.2f s window (at least %d needed)",
					res->invalidator_kind ?: "?", i,
					(unsigned long long)a->ops, a->window_s,
					FL_VALID_MIN_INVAL_OPS);
		else if (res->inval_rate > 0 &&
			 rate < FL_VALID_INVAL_RATE_SHARE * res->inval_rate)
			fl_validity_add(v, "invalidator_starved", "all",
					"the %s invalidator (actor %d) ran at %.0f ops/s, under %.0f%% of --inval-rate %g",
					res->invalidator_kind ?: "?", i, rate,
					FL_VALID_INVAL_RATE_SHARE * 100, res->inval_rate);
	}
}

/* Whether ticks meant the same number of ns over the window as at start. */
static void judge_clock(json_t *v, const struct fl_run_result *rr)
{
	double drift;

	if (fl_clock.read_ns > FL_CLOCK_SLOW_NS)
		fl_validity_add(v, "clock", "latency,fault_latency",
				"one %s timestamp costs %.0f ns: touch latencies under a few times that measure the clock",
				fl_clock.source, fl_clock.read_ns);
	if (!fl_clock.tsc)
		return;
	if (fl_clock.calib_spread > FL_VALID_CLOCK_DRIFT)
		fl_validity_add(v, "clock", "latency,fault_latency",
				"the TSC calibrations disagree by %.2f%% (bound %.1f%%)",
				fl_clock.calib_spread * 100, FL_VALID_CLOCK_DRIFT * 100);
	if (!(rr->tick_ns > 0))
		return;
	drift = rr->tick_ns / fl_clock.ns_per_tick - 1;
	if (drift > FL_VALID_CLOCK_DRIFT || drift < -FL_VALID_CLOCK_DRIFT)
		fl_validity_add(v, "clock", "latency,fault_latency",
				"the TSC ran %.2f%% off its calibrated %.4f GHz over the window (bound %.1f%%)",
				-drift * 100, fl_clock.tsc_hz / 1e9, FL_VALID_CLOCK_DRIFT * 100);
}

/* Whether this run's numbers can be trusted, and why not. */
static json_t *run_validity(const struct fl_run_result *rr,
			    const struct fl_result *res)
{
	json_t *v = fl_validity_new();
	int shared, pus;

	if (rr->interrupted)
		fl_validity_add(v, "interrupted", "all",
				"a signal cut the %.2f s window short", rr->duration_s);
	count_sharing(rr, &shared, &pus);
	if (shared)
		fl_validity_add(v, "oversubscribed", "all",
				"%d actors (%d faulters, %d invalidators) on %d PUs: %d share a PU",
				rr->nr_actors, rr->threads, rr->nr_actors - rr->threads,
				pus, shared);
	judge_actors(v, rr);
	judge_balance(v, rr, shared);
	/* Sharing PUs among actors already says why they waited. */
	if (!shared)
		judge_cpu_wait(v, rr);
	judge_invalidators(v, rr, res);
	judge_clock(v, rr);
	if (rr->collected && json_is_false(json_object_get(rr->collected, "trustworthy")))
		fl_validity_add(v, "collector_lost", "locks,kernel_latency", "%s",
				json_string_value(json_object_get(rr->collected,
								  "why_untrustworthy")) ?:
				"a collector could not be read");
	return v;
}

json_t *fl_run_result_json(const struct fl_run_result *rr,
			   const struct fl_result *res)
{
	struct totals all = { .faults_known = !res->faults_unavailable[0] };
	struct totals inval = { .faults_known = true };
	json_t *run = json_object(), *nodes = json_array(), *actors = json_array();
	json_t *kernel, *totals;
	char mixed[FL_ERR_LEN] = "";
	double window = 0;

	/* Faulters first in the array; invalidators are summed apart. */
	for (int i = 0; i < rr->nr_actors; i++) {
		if (rr->actors[i].window_s > window)
			window = rr->actors[i].window_s;
		totals_add(rr->actors[i].role == FL_ROLE_FAULTER ? &all : &inval,
			   &rr->actors[i]);
		json_array_append_new(actors, actor_json(&rr->actors[i]));
	}
	json_object_set_new(run, "repeat", json_integer(rr->repeat));
	json_object_set_new(run, "threads", json_integer(rr->threads));
	json_object_set_new(run, "baseline", json_boolean(rr->baseline));
	json_object_set_new(run, "duration_s", json_real(window));
	json_object_set_new(run, "duration_asked_s", json_real(rr->duration_s));
	json_object_set_new(run, "interrupted", json_boolean(rr->interrupted));
	totals = totals_json(&all);
	json_object_set_new(run, "totals", totals);
	json_object_set_new(run, "latency_ns", fl_latency_json(all.hist));
	/* Not a number that would mislead: unknown, and why. */
	if (fault_latency_mixed(&all, mixed, sizeof(mixed))) {
		fl_hist_free(all.fault_hist);
		all.fault_hist = NULL;
		json_object_set_new(run, "fault_latency_unknown", json_string(mixed));
	}
	json_object_set_new(run, "fault_latency_ns", fault_latency_json(&all));
	fl_hist_free(all.hist);
	if (inval.threads) {
		json_object_set_new(run, "invalidator", json_pack("{s:s, s:i, s:I, s:f, s:o}",
				    "kind", res->invalidator_kind ? res->invalidator_kind : "?",
				    "actors", inval.threads, "ops", (json_int_t)inval.ops,
				    "ops_per_sec", inval.ops_per_sec,
				    "latency_ns", fl_latency_json(inval.hist)));
		fl_hist_free(inval.hist);
		fl_hist_free(inval.fault_hist);
	} else {
		json_object_set_new(run, "invalidator", json_null());
	}

	/* Nodes in OS index order: those with faulters or kernel-side data. */
	for (int n = 0; n < FL_MAX_NODES; n++) {
		struct totals nt = { .faults_known = all.faults_known };
		json_t *node, *cpus = json_array(), *kern = collected_node(rr, n);

		for (int i = 0; i < rr->nr_actors; i++) {
			if (rr->actors[i].slot.node != n ||
			    rr->actors[i].role != FL_ROLE_FAULTER)
				continue;
			totals_add(&nt, &rr->actors[i]);
			json_array_append_new(cpus, json_integer(rr->actors[i].slot.pu));
		}
		if (!nt.threads && !kern) {
			json_decref(cpus);
			continue;
		}
		node = totals_json(&nt);
		json_object_set_new(node, "node", json_integer(n));
		json_object_set_new(node, "threads", json_integer(nt.threads));
		json_object_set_new(node, "cpus", cpus);
		json_object_set_new(node, "latency_ns", fl_latency_json(nt.hist));
		if (mixed[0]) {
			fl_hist_free(nt.fault_hist);
			nt.fault_hist = NULL;
		}
		json_object_set_new(node, "fault_latency_ns", fault_latency_json(&nt));
		fl_hist_free(nt.hist);
		for (int k = 0; k < rr->nr_nodes; k++)
			if (rr->node_ids[k] == n && rr->node_end[k].nr)
				json_object_set_new(node, "vmstat_delta",
						    vmstat_delta_json(&rr->node_start[k],
								      &rr->node_end[k]));
		if (kern)
			json_object_update(node, kern);
		json_array_append_new(nodes, node);
	}
	json_object_set_new(run, "integrity", rr->integrity ?
			    json_incref(rr->integrity) :
			    json_pack("{s:b, s:s}", "verified", false, "why_not",
				      "the workload does not verify"));
	json_object_set_new(run, "nodes", nodes);
	json_object_set_new(run, "actors", actors);

	kernel = json_object();
	if (rr->vm_end.nr) {
		int64_t pgfault = fl_vmstat_get(&rr->vm_end, "pgfault") -
				  fl_vmstat_get(&rr->vm_start, "pgfault");

		json_object_set_new(kernel, "vmstat_delta",
				    vmstat_delta_json(&rr->vm_start, &rr->vm_end));
		/*
		 * vmstat counts every task on the machine over the main
		 * thread's window: the actors' own count should be a bit less.
		 */
		if (all.faults_known && pgfault > 0)
			json_object_set_new(kernel, "faults_vs_vmstat",
					    json_real((double)all.faults / (double)pgfault));
	}
	json_object_set_new(kernel, "fault_counter", json_pack("{s:s, s:o}",
			    "source", fl_fault_source_names[res->fault_source],
			    "status", all.faults_known ? json_string("ok") :
			    json_sprintf("unavailable: %s", res->faults_unavailable[0] ?
					 res->faults_unavailable :
					 "an actor's counter could not be read")));
	if (rr->collected)
		add_collected(kernel, rr->collected, &all, &inval, res->fault_source);
	json_object_set_new(run, "kernel", kernel);
	json_object_set_new(run, "validity", run_validity(rr, res));
	return run;
}

