// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for validity (harness/base/validity.c): reasons, what they spoil,
 * exit codes, and the reasons that span runs (spread, superlinear).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/validity.h"
#include "run/result.h"
#include "run/runner.h"
#include "harness.h"

/* A run with @threads, ops/s @ops, a baseline or not, and ok validity. */
static json_t *run(int threads, double ops, bool inval, int repeat)
{
	return json_pack("{s:i, s:i, s:b, s:b, s:{s:f}, s:o, s:o}", "threads", threads,
			 "repeat", repeat, "baseline", false, "interrupted", false,
			 "totals", "ops_per_sec", ops, "validity", fl_validity_new(),
			 "invalidator", inval ? json_pack("{s:s}", "kind", "truncate") :
			 json_null());
}

static json_t *doc_of(json_t *runs)
{
	return json_pack("{s:s, s:o}", "schema", "faultline-result/1", "runs", runs);
}

static bool has_code(json_t *holder, const char *code)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(holder, "validity"),
					   "reasons"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "code")), code))
			return true;
	return false;
}

TEST(add_marks_untrustworthy)
{
	json_t *h = json_pack("{s:o}", "validity", fl_validity_new());

	EXPECT_TRUE(fl_validity_ok(h));
	EXPECT_TRUE(!(fl_validity_spoils(h, "latency")));
	fl_validity_add(json_object_get(h, "validity"), "clock", "latency,fault_latency",
			"drift of %d%%", 3);
	EXPECT_TRUE(!(fl_validity_ok(h)));
	EXPECT_TRUE(fl_validity_spoils(h, "latency"));
	EXPECT_TRUE(fl_validity_spoils(h, "fault_latency"));
	EXPECT_TRUE(!(fl_validity_spoils(h, "ops")));
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(h, "validity"), "reasons"), 0), "text")), "drift of 3%");
	json_decref(h);
}

TEST(absent_validity_is_ok)
{
	json_t *h = json_object();

	EXPECT_TRUE(fl_validity_ok(h));
	EXPECT_TRUE(!(fl_validity_spoils(h, "ops")));
	json_decref(h);
}

TEST(absorb_prefixes_and_propagates)
{
	json_t *part = json_pack("{s:o}", "validity", fl_validity_new());
	json_t *whole = fl_validity_new();

	fl_validity_absorb(whole, part, "rank 2");
	EXPECT_STREQ(json_string_value(json_object_get(whole, "status")), "ok");
	fl_validity_add(json_object_get(part, "validity"), "rank_idle", "all", "no work");
	fl_validity_absorb(whole, part, "rank 2");
	EXPECT_STREQ(json_string_value(json_object_get(whole, "status")), "untrustworthy");
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(
		json_object_get(whole, "reasons"), 0), "text")), "rank 2: no work");
	json_decref(part);
	json_decref(whole);
}

TEST(steady_runs_are_ok)
{
	json_t *doc = doc_of(json_pack("[o, o, o, o]", run(1, 100e3, false, 0),
				       run(2, 190e3, false, 0), run(1, 102e3, false, 1),
				       run(2, 192e3, false, 1)));

	fl_validity_result_doc(doc);
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
}

TEST(spread_marks_the_group_only)
{
	json_t *doc = doc_of(json_pack("[o, o, o, o]", run(1, 100e3, false, 0),
				       run(2, 190e3, false, 0), run(1, 140e3, false, 1),
				       run(2, 192e3, false, 1)));
	json_t *runs = json_object_get(doc, "runs");

	fl_validity_result_doc(doc);
	EXPECT_TRUE(!(fl_validity_ok(doc)));
	EXPECT_TRUE(has_code(json_array_get(runs, 0), "spread"));
	EXPECT_TRUE(has_code(json_array_get(runs, 2), "spread"));
	EXPECT_TRUE(!(has_code(json_array_get(runs, 1), "spread")));
	EXPECT_TRUE(fl_validity_ok(json_array_get(runs, 3)));
	/* Recomputing after a fix forgets the old derived reasons. */
	json_object_set_new(json_object_get(json_array_get(runs, 2), "totals"),
			    "ops_per_sec", json_real(101e3));
	fl_validity_result_doc(doc);
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
}

static const char *reason_text(json_t *run, const char *code)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(run, "validity"),
					   "reasons"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "code")), code))
			return json_string_value(json_object_get(r, "text"));
	return "";
}

/* Measured in a quick-suite night here: the vCPU changed speed mid-suite. */
TEST(spread_that_steps_in_time_says_so)
{
	static const double stepped[] = { 61e3, 62e3, 59e3, 78e3, 75e3, 80e3 };
	static const double noisy[] = { 61e3, 80e3, 59e3, 78e3, 62e3, 75e3 };
	json_t *a = json_array(), *b = json_array();

	for (int i = 0; i < 6; i++) {
		json_array_append_new(a, run(1, stepped[i], false, i));
		json_array_append_new(b, run(1, noisy[i], false, i));
	}
	json_t *step = doc_of(a), *mixed = doc_of(b);

	fl_validity_result_doc(step);
	fl_validity_result_doc(mixed);
	ASSERT_TRUE(has_code(json_array_get(a, 0), "spread"));
	ASSERT_TRUE(has_code(json_array_get(b, 0), "spread"));
	EXPECT_TRUE(strstr(reason_text(json_array_get(a, 0), "spread"),
			   "step from 59k-62k to 75k-80k at repetition 3") != NULL);
	EXPECT_TRUE(strstr(reason_text(json_array_get(b, 0), "spread"), "step") == NULL);
	json_decref(step);
	json_decref(mixed);
}

/* The case: 1 to 2 threads gave 2.35x. */
TEST(superlinear_beyond_noise)
{
	json_t *doc = doc_of(json_pack("[o, o]", run(1, 124e3, false, 0),
				       run(2, 291e3, false, 0)));
	json_t *runs = json_object_get(doc, "runs");

	fl_validity_result_doc(doc);
	EXPECT_TRUE(has_code(json_array_get(runs, 0), "superlinear"));
	EXPECT_TRUE(has_code(json_array_get(runs, 1), "superlinear"));
	EXPECT_TRUE(has_code(doc, "superlinear"));
	json_decref(doc);
	/* Linear within the 10% floor is fine, and invalidator runs are apart. */
	doc = doc_of(json_pack("[o, o, o]", run(1, 124e3, false, 0),
			       run(2, 265e3, false, 0), run(2, 900e3, true, 0)));
	fl_validity_result_doc(doc);
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
}

TEST(exit_worst_orders_codes)
{
	EXPECT_EQ(fl_exit_worst(FL_EXIT_OK, FL_EXIT_UNTRUSTWORTHY), FL_EXIT_UNTRUSTWORTHY);
	EXPECT_EQ(fl_exit_worst(FL_EXIT_UNTRUSTWORTHY, FL_EXIT_CHECK), FL_EXIT_CHECK);
	EXPECT_EQ(fl_exit_worst(FL_EXIT_CHECK, FL_EXIT_UNTRUSTWORTHY), FL_EXIT_CHECK);
	EXPECT_EQ(fl_exit_worst(FL_EXIT_USAGE, FL_EXIT_CHECK), FL_EXIT_USAGE);
	EXPECT_EQ(fl_exit_worst(FL_EXIT_INTERRUPTED, FL_EXIT_RESOURCE), FL_EXIT_INTERRUPTED);
	EXPECT_EQ(fl_exit_worst(FL_EXIT_OK, FL_EXIT_OK), FL_EXIT_OK);
}

/* Every code has a meaning and advice; codes are unique. */
TEST(codes_are_documented)
{
	for (int i = 0; fl_validity_codes[i].code; i++) {
		EXPECT_TRUE(fl_validity_codes[i].meaning && *fl_validity_codes[i].meaning);
		EXPECT_TRUE(fl_validity_codes[i].advice && *fl_validity_codes[i].advice);
		for (int j = 0; j < i; j++)
			EXPECT_TRUE(strcmp(fl_validity_codes[i].code, fl_validity_codes[j].code));
	}
}

/* A run of @nr faulters (and @inval invalidators) on their own PUs. */
static void fake_run(struct fl_run_result *rr, struct fl_actor_result *a,
		     int nr, int inval)
{
	memset(rr, 0, sizeof(*rr));
	rr->threads = nr;
	rr->nr_actors = nr + inval;
	rr->duration_s = 1;
	rr->actors = a;
	for (int i = 0; i < nr + inval; i++)
		a[i] = (struct fl_actor_result){
			.id = i, .role = i < nr ? FL_ROLE_FAULTER : FL_ROLE_INVALIDATOR,
			.slot = { .pu = i, .node = 0 }, .measured = true,
			.cpu_first = i, .cpu_last = i, .node_last = 0, .cpu_checks = 10,
			.ops = 100000, .window_s = 1, .faults_known = true,
			.faults = { .minor = 100000 },
		};
}

/* The codes of the run's validity, for one judged configuration. */
static json_t *judge(struct fl_run_result *rr, struct fl_result *res)
{
	json_t *run = fl_run_result_json(rr, res);

	ASSERT_TRUE(run != NULL);
	return run;
}

TEST(run_ok_when_all_is_well)
{
	struct fl_actor_result a[3];
	struct fl_run_result rr;
	struct fl_result res = { .invalidator_kind = "punch" };
	json_t *run;

	fake_run(&rr, a, 2, 1);
	run = judge(&rr, &res);
	EXPECT_TRUE(fl_validity_ok(run));
	json_decref(run);
}

TEST(run_idle_short_and_imbalanced_actors)
{
	struct fl_actor_result a[4];
	struct fl_run_result rr;
	struct fl_result res = { 0 };
	json_t *run;

	fake_run(&rr, a, 4, 0);
	a[1].ops = 0;				/* idle */
	a[2].window_s = 0.2;			/* measured a fifth of the window */
	a[2].ops = 20000;
	a[3].ops = 300000;			/* 3x the others */
	run = judge(&rr, &res);
	EXPECT_TRUE(has_code(run, "actor_idle"));
	EXPECT_TRUE(has_code(run, "actor_window"));
	EXPECT_TRUE(has_code(run, "actor_imbalance"));
	EXPECT_TRUE(!has_code(run, "oversubscribed"));
	json_decref(run);
}

TEST(run_oversubscribed_and_off_plan)
{
	struct fl_actor_result a[3];
	struct fl_run_result rr;
	struct fl_result res = { .invalidator_kind = "dio" };
	json_t *run;

	fake_run(&rr, a, 2, 1);
	a[2].slot.pu = 0;			/* the invalidator shares PU 0 */
	a[0].slot.shares_pu = a[2].slot.shares_pu = true;
	a[2].cpu_first = a[2].cpu_last = 0;
	a[1].cpu_moves = 3;			/* seen off PU 1 */
	run = judge(&rr, &res);
	EXPECT_TRUE(has_code(run, "oversubscribed"));
	EXPECT_TRUE(has_code(run, "off_plan"));
	json_decref(run);
}

TEST(run_starved_invalidator)
{
	struct fl_actor_result a[2];
	struct fl_run_result rr;
	struct fl_result res = { .invalidator_kind = "punch" };
	json_t *run;

	fake_run(&rr, a, 1, 1);
	a[1].ops = 3;
	run = judge(&rr, &res);
	EXPECT_TRUE(has_code(run, "invalidator_starved"));
	json_decref(run);
	/* Enough ops, but far below the rate asked for. */
	a[1].ops = 40;
	res.inval_rate = 1000;
	run = judge(&rr, &res);
	EXPECT_TRUE(has_code(run, "invalidator_starved"));
	json_decref(run);
	res.inval_rate = 50;
	run = judge(&rr, &res);
	EXPECT_TRUE(fl_validity_ok(run));
	json_decref(run);
}

TEST(run_clock_drift_interrupt_and_lost_events)
{
	struct fl_actor_result a[1];
	struct fl_run_result rr;
	struct fl_result res = { 0 };
	json_t *run;

	fl_clock.tsc = true;
	fl_clock.tsc_hz = 1e9;
	fl_clock.ns_per_tick = 1;
	fake_run(&rr, a, 1, 0);
	rr.tick_ns = 1.02;			/* 2% slower than calibrated */
	rr.interrupted = true;
	rr.collected = json_pack("{s:b, s:s}", "trustworthy", false,
				 "why_untrustworthy", "lockcon lost 12 events");
	run = judge(&rr, &res);
	EXPECT_TRUE(has_code(run, "clock"));
	EXPECT_TRUE(has_code(run, "interrupted"));
	EXPECT_TRUE(has_code(run, "collector_lost"));
	EXPECT_TRUE(!fl_validity_spoils(run, "ops") || has_code(run, "interrupted"));
	json_decref(run);
	json_decref(rr.collected);
	rr.collected = NULL;
	rr.interrupted = false;
	rr.tick_ns = 1.001;
	run = judge(&rr, &res);
	EXPECT_TRUE(fl_validity_ok(run));
	EXPECT_TRUE(!fl_validity_spoils(run, "latency"));
	json_decref(run);
}

/* The README's validity table lists every code, so users can look it up. */
TEST(readme_lists_every_code)
{
	const char *dir = getenv("FL_TESTS");
	char path[4096], *text;
	FILE *f;
	long n;

	if (!dir)
		SKIP("FL_TESTS not set (run through tests/run-tests)");
	snprintf(path, sizeof(path), "%s/../README.md", dir);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	ASSERT_TRUE(text && fread(text, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	for (int i = 0; fl_validity_codes[i].code; i++) {
		char cell[64];

		snprintf(cell, sizeof(cell), "| `%s` |", fl_validity_codes[i].code);
		if (!strstr(text, cell))
			TH_LOG("README.md has no row for %s", fl_validity_codes[i].code);
		EXPECT_TRUE(strstr(text, cell) != NULL);
	}
	free(text);
}

/* One faulter whose touches took @hit ns (900) and @fault ns (100 faults). */
static json_t *fault_latency_of(uint64_t hit, uint64_t fault)
{
	struct fl_actor_result a[1];
	struct fl_run_result rr;
	struct fl_result res = { 0 };
	json_t *run;

	fl_clock.ns_per_tick = 1;
	fake_run(&rr, a, 1, 0);
	a[0].ops = 1000;
	a[0].faults.minor = 100;
	if (fl_hist_init(&a[0].hist))
		return NULL;
	for (int i = 0; i < 900; i++)
		fl_hist_record(a[0].hist, hit);
	for (int i = 0; i < 100; i++)
		fl_hist_record(a[0].hist, fault);
	run = fl_run_result_json(&rr, &res);
	fl_hist_free(a[0].hist);
	return run;
}

TEST(fault_latency_is_the_slowest_touches)
{
	json_t *run = fault_latency_of(20, 1000);

	ASSERT_TRUE(run != NULL);
	EXPECT_EQ(fl_json_num(run, "fault_latency_ns.count"), 100);
	EXPECT_EQ(fl_json_num(run, "fault_latency_ns.p50"), 1000);
	EXPECT_EQ(fl_json_num(run, "latency_ns.p50"), 20);
	EXPECT_TRUE(json_object_get(run, "fault_latency_unknown") == NULL);
	json_decref(run);
}

/* Hits as slow as faults: the slowest touches are not the faults. */
TEST(fault_latency_unknown_when_hits_are_slow)
{
	json_t *run = fault_latency_of(800, 1000);

	ASSERT_TRUE(run != NULL);
	EXPECT_TRUE(json_is_null(json_object_get(run, "fault_latency_ns")));
	EXPECT_TRUE(json_string_value(json_object_get(run, "fault_latency_unknown")) != NULL);
	EXPECT_TRUE(fl_validity_ok(run));
	json_decref(run);
}

TEST(run_cpu_contended)
{
	struct fl_actor_result a[2];
	struct fl_run_result rr;
	struct fl_result res = { 0 };
	json_t *run;

	fake_run(&rr, a, 2, 0);
	a[0].run_wait_s = 0.05;			/* 5%: the scheduler's noise */
	a[1].run_wait_s = -1;			/* unknown */
	run = judge(&rr, &res);
	EXPECT_TRUE(fl_validity_ok(run));
	json_decref(run);
	a[1].run_wait_s = 0.3;			/* another task had PU 1 */
	run = judge(&rr, &res);
	EXPECT_TRUE(has_code(run, "cpu_contended"));
	json_decref(run);
}

TEST_HARNESS_MAIN
