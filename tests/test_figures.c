// SPDX-License-Identifier: GPL-2.0
/*
 * The report's figures on numbers no run would measure but a document can
 * hold: they end, they stay inside their arrays, and they still write
 * their script. gnuplot is kept off PATH: what is tested is the C that
 * fills NAME.gp, which is written before gnuplot runs.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "plots/report.h"
#include "harness.h"

/* A report with one series per @runs, writing into a fresh directory. */
static struct rp_report *report(struct rp_config *c, json_t **runs, int n)
{
	struct rp_report *r = calloc(1, sizeof(*r));
	const char *tests = getenv("FL_TESTS");

	ASSERT_NE(r, NULL);
	snprintf(r->out, sizeof(r->out), "/tmp/fl-test-figures.XXXXXX");
	ASSERT_NE(mkdtemp(r->out), NULL);
	snprintf(r->plots, sizeof(r->plots), "%s/../plots", tests ?: "tests");
	setenv("PATH", "/nonexistent", 1);
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "cfg");
	for (int s = 0; s < n; s++) {
		snprintf(r->series[s].label, sizeof(r->series[s].label), "series %d", s);
		c->runs[s] = runs[s];
	}
	r->nr_series = n;
	return r;
}

/* NAME.gp of the figure, whole. */
static char *script(const struct rp_report *r, const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	char *buf = calloc(1, 1 << 20);

	snprintf(path, sizeof(path), "%s/%s.gp", r->out, name);
	f = fopen(path, "r");
	ASSERT_NE(f, NULL);
	ASSERT_NE(buf, NULL);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static void cleanup(struct rp_report *r, struct rp_config *c)
{
	DIR *d = opendir(r->out);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", r->out, e->d_name);
		if (e->d_name[0] != '.')
			unlink(path);
	}
	if (d)
		closedir(d);
	EXPECT_EQ(rmdir(r->out), 0);
	for (int s = 0; s < r->nr_series; s++)
		json_decref(c->runs[s]);
	r->nr_series = 0;
	rp_report_free(r);
	free(r);
}

static json_t *run(json_int_t threads, json_t *nodes, json_t *latency)
{
	json_t *o = json_pack("{s:I, s:{s:f, s:f}}", "threads", threads, "totals",
			      "ops_per_sec", 1e5, "faults_per_sec", 1e5);

	if (nodes)
		json_object_set_new(o, "nodes", nodes);
	if (latency)
		json_object_set_new(o, "latency_ns", latency);
	return o;
}

/* R1: the tics loop counted every integer up to the most threads, and wrapped at INT_MAX. */
TEST(r1_scaling_threads_int_max)
{
	json_t *runs = json_pack("[o, o]", run(1, NULL, NULL), run(INT_MAX, NULL, NULL));
	struct rp_config c;
	struct rp_report *r = report(&c, &runs, 1);
	char *gp;

	rp_fig_scaling(r, &c);
	gp = script(r, "scaling-cfg");
	EXPECT_TRUE(strstr(gp, "\nntics = 2\n"));
	EXPECT_TRUE(strstr(gp, "tic_at[2] = [1, 2147483647]"));
	free(gp);
	cleanup(r, &c);
}

/* R1, the same pattern in the latency figure: decades up to a bucket near DBL_MAX. */
TEST(r1_latency_bucket_near_dbl_max)
{
	json_t *lat = json_pack("{s:[[f, f, i], [f, f, i]]}", "hist", 100.0, 110.0, 5,
				1e300, 1.7e308, 1);
	json_t *runs = json_pack("[o]", run(1, NULL, lat));
	struct rp_config c;
	struct rp_report *r = report(&c, &runs, 1);
	char *gp;

	rp_fig_latency(r, &c);
	gp = script(r, "latency-cfg");
	EXPECT_TRUE(strstr(gp, "\nntics = "));
	free(gp);
	cleanup(r, &c);
}

/* Two series of 64 NUMA nodes each: 128 nodes, more than a figure holds. */
TEST(nodes_more_than_a_figure_holds)
{
	json_t *runs[2];
	struct rp_config c;
	struct rp_report *r;
	char *gp;

	for (int s = 0; s < 2; s++) {
		json_t *nodes = json_array();

		for (int k = 0; k < 64; k++)
			json_array_append_new(nodes, json_pack("{s:i, s:i, s:f}", "node",
							       s * 64 + k, "threads", 1,
							       "ops_per_sec", 1e5));
		runs[s] = json_pack("[o]", run(1, nodes, NULL));
	}
	r = report(&c, runs, 2);
	rp_fig_nodes(r, &c);
	gp = script(r, "nodes-cfg");
	EXPECT_TRUE(strstr(gp, "\nntics = 64\n"));
	free(gp);
	cleanup(r, &c);
}

/*
 * A compare or history entry lands on the configuration of its actors'
 * mode: compare leaves mode=threads out of its options (older documents
 * had no mode), so no mode means threads.
 */
TEST(config_for_an_entry_matches_its_mode)
{
	struct rp_config cfg[2] = { 0 };
	struct rp_report r = { .configs = cfg, .nr_configs = 2 };
	json_t *params = json_pack("{s:s, s:s}", "map", "shared", "access", "write");

	for (int i = 0; i < 2; i++) {
		snprintf(cfg[i].workload, sizeof(cfg[i].workload), "fault");
		snprintf(cfg[i].mode, sizeof(cfg[i].mode), "%s", i ? "processes" : "threads");
		cfg[i].params_obj = params;
	}
	EXPECT_TRUE(rp_config_for(&r, "fault", "map=shared,access=write", "duration=1") == &cfg[0]);
	EXPECT_TRUE(rp_config_for(&r, "fault", "map=shared,access=write", NULL) == &cfg[0]);
	EXPECT_TRUE(rp_config_for(&r, "fault", "map=shared,access=write",
				  "duration=1,mode=processes") == &cfg[1]);
	EXPECT_TRUE(rp_config_for(&r, "fault", "map=shared", "mode=processes,warmup=1") == &cfg[1]);
	EXPECT_TRUE(rp_config_for(&r, "fault", "map=private", "mode=processes") == NULL);
	/* Processes results alone: a threads entry has no figure of its own. */
	r.configs = &cfg[1];
	r.nr_configs = 1;
	EXPECT_TRUE(rp_config_for(&r, "fault", "map=shared", "") == NULL);
	json_decref(params);
}

TEST_HARNESS_MAIN
