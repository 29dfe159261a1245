// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline compare` matching on synthetic documents: what is part of
 * the key and what is not, invalidator baselines, per-node and kernel-side
 * metrics on a two-node machine, locks summed over callers, integrity
 * violations that have nothing to match, untrustworthy samples left out
 * by family, known and not-run stress checks, one measurement counted
 * once, and a pool of nights.
 */
#include <math.h>

#include "analysis/compare.h"
#include "analysis/declared.h"
#include "base/validity.h"
#include "harness.h"

/* A lock entry of nodes[].locks. */
static json_t *lock(const char *name, const char *type, const char *caller,
		    double wait)
{
	return json_pack("{s:s, s:s, s:s, s:f}", "name", name, "type", type,
			 "caller", caller, "wait_total_ns", wait);
}

/* A node with @ops ops/s, p99 and kernel fault latency, and locks. */
static json_t *node(int id, double ops, double p99, double lockscale)
{
	return json_pack("{s:i, s:i, s:f, s:{s:f}, s:{s:f, s:f}, s:[o, o, o, o, o]}",
			 "node", id, "threads", 1, "ops_per_sec", ops,
			 "latency_ns", "p99", p99,
			 "kernel_fault_latency_ns", "p50", 700.0, "p99", 3000.0 * lockscale,
			 "locks",
			 lock("mmap_lock", "rwsem:W", "__vm_munmap", 5e6 * lockscale),
			 lock("mmap_lock", "rwsem:W", "vm_mmap_pgoff", 1e6 * lockscale),
			 lock("i_mmap_rwsem", "rwsem:W", "unlink_file_vma", 3e6 * lockscale),
			 lock("invalidate_lock", "rwsem:R", "filemap_fault", 2e6 * lockscale),
			 lock("page_table_lock", "spinlock", "do_pte_missing", 1e6 * lockscale));
}

/*
 * A two-node result with @reps repetitions of threads 2, a baseline and
 * an invalidator run each; @scale multiplies throughput, @lockscale lock
 * waits and kernel latency; @duration is a run option.
 */
static json_t *doc(int reps, double scale, double lockscale, double duration,
		   const char *out, int violations)
{
	json_t *runs = json_array();

	for (int r = 0; r < reps; r++) {
		for (int b = 1; b >= 0; b--) {
			double ops = (b ? 400e3 : 300e3) * scale * (1 + 0.003 * r);
			json_t *run = json_pack("{s:i, s:i, s:b, s:f, s:{s:f, s:f}, s:{s:f, s:f, s:f}, s:[o, o]}",
				"repeat", r, "threads", 2, "baseline", b, "duration_s", 1.0,
				"totals", "ops_per_sec", ops, "faults_per_sec", ops / 8,
				"latency_ns", "p50", 20.0, "p99", 2000.0, "p999", 9000.0,
				"nodes", node(0, ops / 2, 2000, lockscale),
				node(1, ops / 2, 2100, lockscale));

			json_object_set_new(run, "invalidator", b ? json_null() :
					    json_pack("{s:s, s:f}", "kind", "truncate",
						      "ops_per_sec", 20e3 * scale));
			json_object_set_new(run, "integrity", json_pack("{s:b, s:i}",
					    "verified", 1, "violations", r == 1 ? violations : 0));
			/* As written before collectors declared their metrics. */
			json_object_set_new(run, "kernel", json_pack("{s:{s:{s:s}}}",
					    "collectors", "kfault", "status", "ok"));
			json_array_append_new(runs, run);
		}
	}
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:s, s:s}, s:{s:s, s:f, s:i, s:s, s:b, s:s}}, s:o}",
			 "schema", "faultline-result/1", "accel", "native", "variant", "host",
			 "workload", "name", "fault",
			 "params", "map", "shared", "invalidator", "truncate",
			 "run_options", "threads", "2", "duration", duration, "repeat", reps,
			 "out", out, "progress", 1, "collect", "all",
			 "runs", runs);
}

static struct fl_cmp_side side(json_t *d)
{
	static json_t *docs[2][1];
	static char *files[2][1] = { { "base.json" }, { "cur.json" } };
	static int k;
	struct fl_cmp_side s = { .name = k ? "CUR" : "BASE", .arg = files[k][0],
				 .nr_docs = 1, .files = files[k], .docs = docs[k] };

	docs[k][0] = d;
	k = !k;
	return s;
}

static const struct fl_cmp_series *find(const struct fl_cmp *c, bool baseline,
					int node, const char *metric)
{
	for (int i = 0; i < c->nr; i++)
		if (c->s[i].matched && c->s[i].baseline == baseline &&
		    c->s[i].node == node && !strcmp(c->s[i].metric, metric))
			return &c->s[i];
	return NULL;
}

/* Compare two documents (consumed); the number of series matched. */
static int compare(struct fl_cmp *c, json_t *base, json_t *cur)
{
	struct fl_cmp_side s[2] = { side(base), side(cur) };
	struct fl_stats_opts o;

	fl_stats_opts_default(&o);
	ASSERT_EQ(fl_cmp_init(c, &o), 0);
	ASSERT_EQ(fl_cmp_collect(c, &s[FL_BASE], FL_BASE), 0);
	ASSERT_EQ(fl_cmp_collect(c, &s[FL_CUR], FL_CUR), 0);
	/* The series hold copies: the documents can go. */
	json_decref(base);
	json_decref(cur);
	return fl_cmp_evaluate(c);
}

TEST(bookkeeping_options_do_not_split)
{
	struct fl_cmp c;
	const struct fl_cmp_series *s;

	/* out and repeat differ: still one configuration. */
	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a.json", 0), doc(6, 0.8, 1, 1, "b.json", 0)), 0);
	s = find(&c, false, -1, "ops_per_sec");
	ASSERT_TRUE(s != NULL);
	ASSERT_EQ(s->n[FL_BASE], 5);
	ASSERT_EQ(s->n[FL_CUR], 6);
	ASSERT_EQ(s->res.verdict, FL_VERDICT_WORSE);
	EXPECT_TRUE(strstr(s->options, "duration=") && !strstr(s->options, "out=") &&
		    !strstr(s->options, "repeat=") && !strstr(s->options, "progress=") &&
		    !strstr(s->options, "threads="));
	EXPECT_EQ(c.unmatched[FL_BASE] + c.unmatched[FL_CUR], 0);
	fl_cmp_free(&c);
}

TEST(measuring_options_split)
{
	struct fl_cmp c;

	/* Another duration measures something else: nothing matches. */
	ASSERT_EQ(compare(&c, doc(5, 1, 1, 1, "a", 0), doc(5, 1, 1, 2, "a", 0)), 0);
	ASSERT_GT(c.unmatched[FL_BASE], 0);
	ASSERT_EQ(c.unmatched[FL_BASE], c.unmatched[FL_CUR]);
	fl_cmp_free(&c);
}

TEST(baseline_is_its_own_key)
{
	struct fl_cmp c;
	const struct fl_cmp_series *b, *inv;

	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0), doc(5, 1, 1, 1, "a", 0)), 0);
	b = find(&c, true, -1, "ops_per_sec");
	inv = find(&c, false, -1, "ops_per_sec");
	ASSERT_TRUE(b && inv);
	ASSERT_EQ(b->n[FL_BASE], 5);
	ASSERT_TRUE(fabs(b->res.base_median - 400e3 * 1.006) < 1);
	ASSERT_TRUE(fabs(inv->res.base_median - 300e3 * 1.006) < 1);
	EXPECT_TRUE(strstr(b->params, ",baseline") != NULL);
	EXPECT_TRUE(strstr(inv->params, ",baseline") == NULL);
	/* The invalidator's rate only where it ran. */
	EXPECT_TRUE(find(&c, false, -1, "invalidator_ops_per_sec") != NULL);
	EXPECT_TRUE(find(&c, true, -1, "invalidator_ops_per_sec") == NULL);
	EXPECT_EQ(b->res.verdict, FL_VERDICT_UNCHANGED);
	fl_cmp_free(&c);
}

TEST(per_node_and_kernel_metrics)
{
	struct fl_cmp c;
	const struct fl_cmp_series *s;

	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0), doc(5, 1, 2, 1, "a", 0)), 0);
	for (int n = 0; n < 2; n++) {
		EXPECT_TRUE(find(&c, false, n, "ops_per_sec") != NULL);
		EXPECT_TRUE(find(&c, false, n, "latency_p99") != NULL);
		EXPECT_TRUE(find(&c, false, n, "kernel_fault_latency_p50") != NULL);
	}
	s = find(&c, false, 1, "kernel_fault_latency_p99");
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->res.verdict, FL_VERDICT_WORSE);
	/* Totals of lock waits per node: 12 ms -> 24 ms, lower is better. */
	s = find(&c, false, 0, "lock_wait_ns");
	ASSERT_TRUE(s != NULL);
	ASSERT_TRUE(fabs(s->res.base_median - 12e6) < 1);
	EXPECT_EQ(s->res.verdict, FL_VERDICT_WORSE);
	/* mmap_lock summed over its two callers; the top 3 locks only. */
	s = find(&c, false, 0, "lock_wait_ns[mmap_lock/rwsem:W]");
	ASSERT_TRUE(s != NULL);
	ASSERT_TRUE(fabs(s->res.base_median - 6e6) < 1);
	EXPECT_TRUE(find(&c, false, 0, "lock_wait_ns[i_mmap_rwsem/rwsem:W]") != NULL);
	EXPECT_TRUE(find(&c, false, 0, "lock_wait_ns[invalidate_lock/rwsem:R]") != NULL);
	EXPECT_TRUE(find(&c, false, 0, "lock_wait_ns[page_table_lock/spinlock]") == NULL);
	fl_cmp_free(&c);
}

/* A collector's declared number is compared without compare naming it. */
static void declare_and_measure(json_t *d, double wait)
{
	json_t *run, *nd;
	size_t i, j;

	json_array_foreach(json_object_get(d, "runs"), i, run) {
		json_object_set_new(json_object_get(json_object_get(run, "kernel"), "collectors"),
				    "newcol", json_pack("{s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:b},"
							" {s:s, s:s, s:s, s:s, s:s, s:s, s:b}]}",
					"status", "ok", "metrics",
					"name", "widget_wait_p99", "path", "widget_wait_ns.p99",
					"label", "widget p99", "unit", "ns", "better", "lower",
					"family", "locks", "compare", 1,
					"name", "widget_wait_max", "path", "widget_wait_ns.max",
					"label", "widget max", "unit", "ns", "better", "lower",
					"family", "locks", "compare", 0));
		json_array_foreach(json_object_get(run, "nodes"), j, nd)
			json_object_set_new(nd, "widget_wait_ns", json_pack("{s:f, s:f}",
					    "p99", wait * (1 + 0.01 * (double)i), "max", wait * 10));
	}
}

TEST(declared_metrics_are_compared)
{
	json_t *a = doc(5, 1, 1, 1, "a", 0), *b = doc(5, 1, 1, 1, "a", 0);
	const struct fl_cmp_series *s;
	struct fl_cmp c;

	declare_and_measure(a, 1000);
	declare_and_measure(b, 2000);
	ASSERT_GT(compare(&c, a, b), 0);
	s = find(&c, false, 0, "widget_wait_p99");
	ASSERT_TRUE(s != NULL);
	EXPECT_STREQ(s->unit, "ns");
	EXPECT_EQ(s->res.verdict, FL_VERDICT_WORSE);
	/* Declared, but not for compare: shown elsewhere, not tested. */
	EXPECT_TRUE(find(&c, false, 0, "widget_wait_max") == NULL);
	fl_cmp_free(&c);
}

/* A run whose collectors' status and lists are @cols (JSON). */
static json_t *run_with(const char *cols)
{
	return json_pack("{s:{s:o}}", "kernel", "collectors", json_loads(cols, 0, NULL));
}

TEST(declared_lists_say_who_fills_a_list_and_whether_completely)
{
	json_t *run, *found;

	/* Only a partial collector ran: a node without locks is not "no waits". */
	run = run_with("{\"lockcon\": {\"status\": \"unavailable: no BTF\","
		       " \"lists\": [{\"name\": \"locks\", \"complete\": true}]},"
		       " \"mmaplock\": {\"status\": \"ok\","
		       " \"lists\": [{\"name\": \"locks\", \"complete\": false}]},"
		       " \"kfault\": {\"status\": \"ok\", \"lists\": []}}");
	EXPECT_TRUE(!fl_list_complete(run, "locks"));
	found = fl_declared_lists(run, "locks");
	ASSERT_EQ(json_array_size(found), 2);
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(found, 0), "collector")), "lockcon");
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(found, 0), "status")),
		     "unavailable: no BTF");
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(found, 1), "collector")), "mmaplock");
	json_decref(found);
	json_decref(run);

	/* A collector of a new kind that declares the list complete. */
	run = run_with("{\"widget\": {\"status\": \"ok\","
		       " \"lists\": [{\"name\": \"locks\", \"complete\": true}]}}");
	EXPECT_TRUE(fl_list_complete(run, "locks"));
	EXPECT_TRUE(!fl_list_complete(run, "widgets"));
	json_decref(run);

	/* Documents from before the declarations: what each filled then. */
	run = run_with("{\"lockcon\": {\"status\": \"ok\"}, \"folio\": {\"status\": \"ok\"}}");
	EXPECT_TRUE(fl_list_complete(run, "locks"));
	found = fl_declared_lists(run, "locks");
	EXPECT_EQ(json_array_size(found), 2);
	json_decref(found);
	json_decref(run);
	run = run_with("{\"lockcon\": {\"status\": \"off (--collect)\"}, \"folio\": {\"status\": \"ok\"}}");
	EXPECT_TRUE(!fl_list_complete(run, "locks"));
	json_decref(run);
}

static void set_mode(json_t *d, const char *mode)
{
	json_object_set_new(json_object_get(json_object_get(d, "workload"), "run_options"),
			    "mode", json_string(mode));
}

TEST(mode_is_a_parameter_and_threads_matches_older_documents)
{
	json_t *older = doc(5, 1, 1, 1, "a", 0), *threads = doc(5, 1, 1, 1, "a", 0);
	json_t *procs;
	struct fl_cmp c;

	/* Before --mode existed every run was threads: the same series. */
	set_mode(threads, "threads");
	ASSERT_GT(compare(&c, older, threads), 0);
	EXPECT_EQ(c.counts[FL_VERDICT_UNCHANGED] > 0, 1);
	EXPECT_TRUE(find(&c, false, 0, "ops_per_sec") != NULL);
	fl_cmp_free(&c);

	/* Processes measure something else: nothing matches threads. */
	threads = doc(5, 1, 1, 1, "a", 0);
	procs = doc(5, 1, 1, 1, "a", 0);
	set_mode(threads, "threads");
	set_mode(procs, "processes");
	ASSERT_EQ(compare(&c, threads, procs), 0);
	fl_cmp_free(&c);
}

TEST(integrity_violations_are_worse)
{
	struct fl_cmp c;
	const struct fl_cmp_series *s;

	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0), doc(5, 1, 1, 1, "a", 4)), 0);
	s = find(&c, false, -1, "integrity_violations");
	ASSERT_TRUE(s != NULL);
	ASSERT_EQ(s->res.verdict, FL_VERDICT_WORSE);
	EXPECT_STREQ(s->res.why, "4 violations in CUR (1 of 5 runs)");
	EXPECT_EQ(find(&c, false, -1, "ops_per_sec")->res.verdict, FL_VERDICT_UNCHANGED);
	fl_cmp_free(&c);

	/* Nothing in BASE to match: still listed, still worse. */
	json_t *cur = doc(5, 1, 1, 1, "a", 1);

	json_object_set_new(json_object_get(cur, "workload"), "name", json_string("other"));
	ASSERT_EQ(compare(&c, doc(5, 1, 1, 1, "a", 0), cur), 0);
	ASSERT_EQ(c.counts[FL_VERDICT_WORSE], 2);	/* baseline and invalidator runs */
	fl_cmp_free(&c);
}

/* Mark runs [from, to) of @d untrustworthy for @metrics with @code. */
static json_t *spoil(json_t *d, int from, int to, const char *code,
		     const char *metrics)
{
	for (int i = from; i < to; i++) {
		json_t *v = fl_validity_new();

		fl_validity_add(v, code, metrics, "made up for the test");
		json_object_set_new(json_array_get(json_object_get(d, "runs"), (size_t)i),
				    "validity", v);
	}
	return d;
}

/* Multiply the latency of every run of @d by @k. */
static json_t *slow_latency(json_t *d, double k)
{
	json_t *run;
	size_t i;

	json_array_foreach(json_object_get(d, "runs"), i, run) {
		json_t *lat = json_object_get(run, "latency_ns");

		json_object_set_new(lat, "p50", json_real(k * 20.0));
		json_object_set_new(lat, "p99", json_real(k * 2000.0));
	}
	return d;
}

TEST(untrustworthy_samples_left_out_by_family)
{
	struct fl_cmp c;
	const struct fl_cmp_series *s;

	/* Runs 0-3 of CUR (two repetitions) spoil latency only. */
	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0),
			  spoil(doc(5, 1, 1, 1, "a", 0), 0, 4, "clock", "latency")), 0);
	s = find(&c, false, -1, "ops_per_sec");
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->n[FL_CUR], 5);
	EXPECT_EQ(s->left_out[FL_CUR], 0);
	s = find(&c, false, -1, "latency_p50");
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->n[FL_CUR], 3);
	EXPECT_EQ(s->left_out[FL_CUR], 2);
	EXPECT_STREQ(s->left_why, "clock");
	EXPECT_EQ(s->res.verdict, FL_VERDICT_UNCHANGED);
	fl_cmp_free(&c);

	/*
	 * Every CUR repetition's latency spoiled and ten times slower: no
	 * verdict on it but "untrustworthy", while throughput is judged.
	 */
	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0),
			  spoil(slow_latency(doc(5, 0.5, 1, 1, "a", 0), 10), 0, 10,
				"clock", "latency,fault_latency")), 0);
	s = find(&c, false, -1, "latency_p99");
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->res.verdict, FL_VERDICT_UNTRUSTWORTHY);
	EXPECT_TRUE(strstr(s->res.why, "5 of 5 CUR samples untrustworthy (clock)") != NULL);
	EXPECT_EQ(find(&c, false, -1, "ops_per_sec")->res.verdict, FL_VERDICT_WORSE);
	/* p50, p99, p999 and two nodes' p99, of both runs */
	EXPECT_EQ(c.counts[FL_VERDICT_UNTRUSTWORTHY], 10);
	EXPECT_STREQ(fl_cmp_verdict(&c), "worse");
	fl_cmp_free(&c);

	/* "all": every metric of those runs, integrity excepted. */
	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0),
			  spoil(doc(5, 0.5, 1, 1, "a", 2), 0, 10, "actor_idle", "all")), 0);
	EXPECT_EQ(find(&c, false, -1, "ops_per_sec")->res.verdict, FL_VERDICT_UNTRUSTWORTHY);
	EXPECT_EQ(find(&c, false, 0, "lock_wait_ns")->res.verdict, FL_VERDICT_UNTRUSTWORTHY);
	EXPECT_EQ(find(&c, false, -1, "integrity_violations")->res.verdict, FL_VERDICT_WORSE);
	EXPECT_EQ(c.counts[FL_VERDICT_BETTER], 0);
	fl_cmp_free(&c);
}

/* page_fault1's faults/s is its ops/s: listed, counted once. */
TEST(one_measurement_counted_once)
{
	struct fl_cmp c;
	const struct fl_cmp_series *ops, *faults;

	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0), doc(5, 0.8, 1, 1, "a", 0)), 0);
	ops = find(&c, true, -1, "ops_per_sec");
	faults = find(&c, true, -1, "faults_per_sec");
	ASSERT_TRUE(ops && faults);
	EXPECT_EQ(ops->same_as, -1);
	ASSERT_TRUE(faults->same_as >= 0);
	EXPECT_STREQ(c.s[faults->same_as].metric, "ops_per_sec");
	EXPECT_EQ(faults->res.verdict, FL_VERDICT_WORSE);
	/* ops/s of both runs, per-node ops/s of both runs (faults/s not). */
	EXPECT_EQ(c.counts[FL_VERDICT_WORSE], 2 + 4 + 1);
	fl_cmp_free(&c);
}

/* A faultline-stress/1 document with one check of @verdict. */
static json_t *stress_doc(const char *verdict)
{
	return json_pack("{s:s, s:s, s:s, s:f, s:i, s:[{s:s, s:s, s:{s:i}}]}",
			 "schema", "faultline-stress/1", "accel", "native",
			 "variant", "host", "duration_s", 3.0, "faulters", 2, "checks",
			 "name", "eof_boundary", "verdict", verdict, "oracle",
			 "violations", 0);
}

TEST(stress_known_and_not_run)
{
	struct fl_cmp c;
	const struct fl_cmp_series *s;

	compare(&c, stress_doc("pass"), stress_doc("known"));
	s = find(&c, false, -1, "check_failed");
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->res.verdict, FL_VERDICT_KNOWN);
	EXPECT_EQ(c.counts[FL_VERDICT_WORSE], 0);
	EXPECT_EQ(c.counts[FL_VERDICT_KNOWN], 1);
	fl_cmp_free(&c);

	compare(&c, stress_doc("pass"), stress_doc("not run"));
	s = find(&c, false, -1, "check_failed");
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->res.verdict, FL_VERDICT_WORSE);
	EXPECT_TRUE(strstr(s->res.why, "not run") != NULL);
	fl_cmp_free(&c);
}

/* Headline metrics: ops/s of a run; faults/s under an invalidator. */
TEST(headline_metrics)
{
	struct fl_cmp c;

	ASSERT_GT(compare(&c, doc(5, 1, 1, 1, "a", 0), doc(5, 1, 1, 1, "a", 0)), 0);
	EXPECT_TRUE(find(&c, true, -1, "ops_per_sec")->headline);
	EXPECT_TRUE(!find(&c, true, -1, "faults_per_sec")->headline);
	EXPECT_TRUE(!find(&c, false, -1, "ops_per_sec")->headline);
	EXPECT_TRUE(find(&c, false, -1, "faults_per_sec")->headline);
	EXPECT_TRUE(!find(&c, false, 0, "ops_per_sec")->headline);
	EXPECT_TRUE(!find(&c, false, -1, "latency_p99")->headline);
	fl_cmp_free(&c);
}

/* A pool: three nights as groups; drift and bound come from them. */
TEST(pool_of_nights)
{
	json_t *docs[3] = { doc(5, 1, 1, 1, "a", 0), doc(5, 1.02, 1, 1, "a", 0),
			    doc(5, 0.98, 1, 1, "a", 0) };
	json_t *cur[1] = { doc(5, 0.8, 1, 1, "a", 0) };
	char *files[3] = { "n1/x.json", "n2/x.json", "n3/x.json" }, *cf[1] = { "cur/x.json" };
	int groups[3] = { 0, 1, 2 }, cg[1] = { 0 };
	struct fl_cmp_side s[2] = {
		{ .name = "BASE", .arg = "pool", .nr_docs = 3, .files = files,
		  .docs = docs, .group = groups, .nr_groups = 3 },
		{ .name = "CUR", .arg = "cur", .nr_docs = 1, .files = cf, .docs = cur,
		  .group = cg, .nr_groups = 1 },
	};
	const struct fl_cmp_series *ops;
	struct fl_stats_opts o;
	struct fl_cmp c;

	fl_stats_opts_default(&o);
	o.threshold_pct = 5;
	ASSERT_EQ(fl_cmp_init(&c, &o), 0);
	c.pool = true;
	ASSERT_EQ(fl_cmp_collect(&c, &s[FL_BASE], FL_BASE), 0);
	ASSERT_EQ(fl_cmp_collect(&c, &s[FL_CUR], FL_CUR), 0);
	ASSERT_GT(fl_cmp_evaluate(&c), 0);
	ops = find(&c, true, -1, "ops_per_sec");
	ASSERT_TRUE(ops != NULL);
	EXPECT_EQ(ops->n[FL_BASE], 15);
	EXPECT_EQ(ops->res.nights, 3);
	EXPECT_TRUE(fabs(ops->res.drift_pct - 2.0) < 0.1);
	EXPECT_EQ(ops->res.verdict, FL_VERDICT_WORSE);
	EXPECT_STREQ(ops->file, "x");
	/* Lock waits do not change: inside the bound, never "noisy". */
	EXPECT_EQ(find(&c, true, 0, "lock_wait_ns")->res.verdict, FL_VERDICT_UNCHANGED);
	EXPECT_EQ(c.counts[FL_VERDICT_NOISY], 0);
	for (int i = 0; i < 3; i++)
		json_decref(docs[i]);
	json_decref(cur[0]);
	fl_cmp_free(&c);
}

TEST_HARNESS_MAIN
