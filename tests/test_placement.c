// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for actor placement (harness/run/placement.c). Most tests plan on
 * synthetic hwloc topologies; each runs in its own child, so setenv() there
 * does not leak into the next test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hwloc.h>
#include <numa.h>

#include "run/placement.h"
#include "harness.h"

/* 2 packages x 2 nodes x 4 cores x 2 PUs: 4 nodes of 8 PUs, 32 PUs. */
#define BIG "package:2 numa:2 core:4 pu:2"

static char err[512];

/* Drop every variable that steers hwloc's discovery. */
static void clear_hwloc_env(void)
{
	unsetenv("HWLOC_SYNTHETIC");
	unsetenv("HWLOC_XMLFILE");
	unsetenv("HWLOC_THISSYSTEM");
	unsetenv("HWLOC_COMPONENTS");
}

static struct fl_topology *load_synthetic(const char *desc)
{
	struct fl_topology *t = NULL;
	int ret;

	clear_hwloc_env();
	setenv("HWLOC_SYNTHETIC", desc, 1);
	ret = fl_topology_load(&t, err, sizeof(err));
	if (ret)
		TH_LOG("load \"%s\": %s", desc, err);
	ASSERT_EQ(ret, 0);
	ASSERT_TRUE(t != NULL);
	return t;
}

static void parse_ok(const char *s, struct fl_placement *p)
{
	int ret = fl_placement_parse(s, p, err, sizeof(err));

	if (ret)
		TH_LOG("parse \"%s\": %s", s, err);
	ASSERT_EQ(ret, 0);
}

/* Plan @n actors with placement text @s; the caller frees the slots. */
static struct fl_slot *plan(struct fl_topology *t, const char *s, int n)
{
	struct fl_placement p;
	struct fl_slot *slots = calloc((size_t)n + 1, sizeof(*slots));
	int ret;

	ASSERT_TRUE(slots != NULL);
	parse_ok(s, &p);
	ret = fl_plan(t, &p, n, slots, err, sizeof(err));
	if (ret)
		TH_LOG("plan %s x %d: %s", s, n, err);
	ASSERT_EQ(ret, 0);
	return slots;
}

static int count_on_node(const struct fl_slot *s, int n, int node)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += s[i].node == node;
	return c;
}

/* True when slots[from..to) are on pairwise different cores. */
static bool distinct_cores(const struct fl_slot *s, int from, int to)
{
	for (int i = from; i < to; i++)
		for (int j = i + 1; j < to; j++)
			if (s[i].core == s[j].core)
				return false;
	return true;
}

TEST(synthetic_counts)
{
	struct fl_topology *t = load_synthetic(BIG);
	char desc[256];

	EXPECT_EQ(fl_topology_nr_pus(t), 32);
	EXPECT_EQ(fl_topology_nr_cores(t), 16);
	EXPECT_EQ(fl_topology_nr_nodes(t), 4);
	EXPECT_EQ(fl_topology_nr_packages(t), 2);
	EXPECT_EQ(fl_topology_node_of_pu(t, 0), 0);
	EXPECT_EQ(fl_topology_node_of_pu(t, 7), 0);
	EXPECT_EQ(fl_topology_node_of_pu(t, 8), 1);
	EXPECT_EQ(fl_topology_node_of_pu(t, 31), 3);
	EXPECT_EQ(fl_topology_node_of_pu(t, 32), -1);
	EXPECT_EQ(fl_topology_node_of_pu(t, -1), -1);
	fl_topology_describe(t, desc, sizeof(desc));
	TH_LOG("describe: %s", desc);
	EXPECT_TRUE(strstr(desc, "Package:2") != NULL);
	EXPECT_TRUE(strstr(desc, "Core:4 PU:2") != NULL);
	EXPECT_TRUE(fl_topology_hwloc(t) != NULL);
	fl_topology_free(t);
}

TEST(spread_two_per_node_on_distinct_cores)
{
	static const int want_pu[8] = { 0, 8, 16, 24, 2, 10, 18, 26 };
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "spread", 8);

	for (int node = 0; node < 4; node++)
		EXPECT_EQ(count_on_node(s, 8, node), 2);
	EXPECT_TRUE(distinct_cores(s, 0, 8));
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(s[i].pu, want_pu[i]);
		EXPECT_EQ(s[i].node, i % 4);
		EXPECT_EQ(s[i].node, fl_topology_node_of_pu(t, s[i].pu));
		EXPECT_EQ(s[i].package, s[i].node / 2);
		EXPECT_TRUE(!s[i].shares_pu);
	}
	free(s);
	fl_topology_free(t);
}

/* SMT siblings come only after every core of the node has an actor. */
TEST(spread_cores_before_siblings)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "spread", 32);
	bool used[32] = { false };

	EXPECT_TRUE(distinct_cores(s, 0, 16));
	for (int i = 0; i < 32; i++) {
		ASSERT_TRUE(s[i].pu >= 0 && s[i].pu < 32);
		EXPECT_TRUE(!used[s[i].pu]);
		used[s[i].pu] = true;
		EXPECT_TRUE(!s[i].shares_pu);
		/* Synthetic PUs are numbered core by core: odd = sibling. */
		EXPECT_EQ(s[i].pu % 2, i >= 16);
	}
	free(s);
	fl_topology_free(t);
}

TEST(compact_fills_node0_cores_first)
{
	static const int want_pu[8] = { 0, 2, 4, 6, 1, 3, 5, 7 };
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "compact", 8);

	EXPECT_EQ(count_on_node(s, 8, 0), 8);
	EXPECT_TRUE(distinct_cores(s, 0, 4));
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(s[i].pu, want_pu[i]);
		EXPECT_EQ(s[i].core, (i % 4));
		EXPECT_EQ(s[i].package, 0);
		EXPECT_TRUE(!s[i].shares_pu);
	}
	free(s);
	fl_topology_free(t);
}

TEST(compact_ninth_actor_on_node1)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "compact", 9);

	EXPECT_EQ(count_on_node(s, 9, 0), 8);
	EXPECT_EQ(s[8].node, 1);
	EXPECT_EQ(s[8].pu, 8);
	EXPECT_EQ(s[8].core, 4);
	EXPECT_TRUE(!s[8].shares_pu);
	free(s);
	fl_topology_free(t);
}

TEST(nodes_list_uses_only_listed_nodes)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "nodes=1,3", 4);

	EXPECT_EQ(count_on_node(s, 4, 1), 2);
	EXPECT_EQ(count_on_node(s, 4, 3), 2);
	EXPECT_EQ(s[0].node, 1);
	EXPECT_EQ(s[1].node, 3);
	EXPECT_TRUE(distinct_cores(s, 0, 4));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(fl_topology_node_of_pu(t, s[i].pu), s[i].node);
	free(s);

	/* The order given is the round-robin order. */
	s = plan(t, "nodes=3,0-1", 3);
	EXPECT_EQ(s[0].node, 3);
	EXPECT_EQ(s[1].node, 0);
	EXPECT_EQ(s[2].node, 1);
	free(s);
	fl_topology_free(t);
}

TEST(oversubscription_wraps_and_flags)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "spread", 34);

	/* Actors 32 and 33 start a second lap on actors 0's and 1's PUs. */
	EXPECT_EQ(s[32].pu, s[0].pu);
	EXPECT_EQ(s[33].pu, s[1].pu);
	for (int i = 0; i < 34; i++)
		EXPECT_EQ(s[i].shares_pu, i == 0 || i == 1 || i >= 32);
	free(s);

	s = plan(t, "nodes=2", 10);
	for (int i = 0; i < 10; i++) {
		EXPECT_EQ(s[i].node, 2);
		EXPECT_EQ(s[i].shares_pu, i < 2 || i >= 8);
	}
	EXPECT_EQ(s[8].pu, s[0].pu);
	free(s);
	fl_topology_free(t);

	t = load_synthetic("core:2 pu:1");
	s = plan(t, "compact", 5);
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(s[i].pu, i % 2);
		EXPECT_TRUE(s[i].shares_pu);
	}
	free(s);
	fl_topology_free(t);
}

TEST(plan_edge_counts)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_placement p;
	struct fl_slot one;

	parse_ok("spread", &p);
	EXPECT_EQ(fl_plan(t, &p, 0, NULL, err, sizeof(err)), 0);
	EXPECT_EQ(fl_plan(t, &p, -1, &one, err, sizeof(err)), -EINVAL);
	fl_topology_free(t);
}

TEST(nodes_missing_node_fails)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_placement p;
	struct fl_slot s[4];

	parse_ok("nodes=1,7", &p);
	err[0] = '\0';
	EXPECT_EQ(fl_plan(t, &p, 4, s, err, sizeof(err)), -EINVAL);
	TH_LOG("message: %s", err);
	EXPECT_STREQ(err, "placement \"nodes=1,7\": the topology has no NUMA node 7 (it has 0-3)");
	fl_topology_free(t);
}

/* Each bad text fails with -EINVAL and a message quoting it. */
TEST(parse_errors)
{
	static const struct {
		const char *text, *quoted;
	} bad[] = {
		{ "bogus", "\"bogus\"" },
		{ "", "\"\"" },
		{ "Spread", "\"Spread\"" },
		{ "nodes=", "\"nodes=\"" },
		{ "nodes=a", "\"a\"" },
		{ "nodes=3-1", "\"3-1\"" },
		{ "nodes=1,,2", "\"\"" },
		{ "nodes=1,", "\"\"" },
		{ "nodes=-1", "\"-1\"" },
		{ "nodes=1-", "\"1-\"" },
		{ "nodes=1-2-3", "\"1-2-3\"" },
		{ "nodes=0,2x", "\"2x\"" },
		{ "nodes=1024", "\"1024\"" },
		{ "nodes=99999999999999999999", "\"99999999999999999999\"" },
		{ "nodes=0-2,1", "node 1" },
	};
	struct fl_placement p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(fl_placement_parse(bad[i].text, &p, err, sizeof(err)),
			  -EINVAL);
		TH_LOG("%-30s -> %s", bad[i].text, err);
		EXPECT_TRUE(strstr(err, bad[i].quoted) != NULL);
	}
	EXPECT_EQ(fl_placement_parse("nodes=x", &p, err, sizeof(err)), -EINVAL);
	EXPECT_STREQ(err, "placement \"nodes=x\": \"x\" is not a NUMA node number");
	/* A NULL or empty error buffer is allowed. */
	EXPECT_EQ(fl_placement_parse("bogus", &p, NULL, 0), -EINVAL);
}

TEST(parse_and_str_round_trip)
{
	static const char *const texts[] = {
		"spread", "compact", "nodes=0", "nodes=0,2", "nodes=1-3",
		"nodes=0,1", "nodes=5,0-3,7", "nodes=3,2,1", "nodes=0-1023",
	};
	struct fl_placement p, q;
	char buf[8192];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_ok(texts[i], &p);
		EXPECT_STREQ(fl_placement_str(&p, buf, sizeof(buf)), texts[i]);
		parse_ok(buf, &q);
		EXPECT_EQ(memcmp(&p, &q, sizeof(p)), 0);
	}
	parse_ok("nodes=1,2,3,5", &p);
	EXPECT_EQ(p.policy, FL_PLACE_NODES);
	EXPECT_EQ(p.nr_nodes, 4);
	EXPECT_EQ(p.nodes[3], 5);
	EXPECT_STREQ(fl_placement_str(&p, buf, sizeof(buf)), "nodes=1-3,5");
	/* Short buffers truncate rather than overflow. */
	EXPECT_STREQ(fl_placement_str(&p, buf, 8), "nodes=1");
	parse_ok("compact", &p);
	EXPECT_EQ(p.policy, FL_PLACE_COMPACT);
}

/* Export @t as XML into a temporary file; returns its malloc'ed path. */
static char *export_xml(struct fl_topology *t)
{
	char *xml = NULL, *path = strdup("/tmp/fl_test_placement_XXXXXX");
	hwloc_topology_t topo = fl_topology_hwloc(t);
	int len = 0, fd;

	ASSERT_TRUE(path != NULL);
	ASSERT_EQ(hwloc_topology_export_xmlbuffer(topo, &xml, &len, 0), 0);
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	/* buflen counts the trailing NUL, which the file does not need. */
	ASSERT_EQ(write(fd, xml, (size_t)len - 1), (ssize_t)len - 1);
	close(fd);
	hwloc_free_xmlbuffer(topo, xml);
	return path;
}

static struct fl_topology *load_xml(const char *path)
{
	struct fl_topology *t = NULL;
	int ret;

	clear_hwloc_env();
	setenv("HWLOC_XMLFILE", path, 1);
	ret = fl_topology_load(&t, err, sizeof(err));
	if (ret)
		TH_LOG("load %s: %s", path, err);
	ASSERT_EQ(ret, 0);
	return t;
}

TEST(xml_matches_synthetic)
{
	struct fl_topology *t = load_synthetic(BIG), *x;
	struct fl_slot *a, *b;
	char d1[256], d2[256], *path = export_xml(t);

	x = load_xml(path);
	unlink(path);
	free(path);
	EXPECT_TRUE(!fl_topology_is_this_system(x));
	EXPECT_EQ(fl_topology_nr_pus(x), fl_topology_nr_pus(t));
	EXPECT_EQ(fl_topology_nr_cores(x), fl_topology_nr_cores(t));
	EXPECT_EQ(fl_topology_nr_nodes(x), fl_topology_nr_nodes(t));
	EXPECT_EQ(fl_topology_nr_packages(x), fl_topology_nr_packages(t));
	EXPECT_STREQ(fl_topology_describe(x, d1, sizeof(d1)),
		     fl_topology_describe(t, d2, sizeof(d2)));
	a = plan(t, "spread", 40);
	b = plan(x, "spread", 40);
	EXPECT_EQ(memcmp(a, b, 40 * sizeof(*a)), 0);
	free(a);
	free(b);
	fl_topology_free(x);
	fl_topology_free(t);
}

/*
 * An asymmetric machine (one node with 4 PUs, one with 1) cannot be described
 * as a synthetic string, and spread keeps going round the nodes that still
 * have free PUs instead of stacking actors on the small node.
 */
TEST(asymmetric_xml)
{
	struct fl_topology *t = load_synthetic("package:2 numa:1 core:2 pu:2"), *x;
	hwloc_bitmap_t keep = hwloc_bitmap_alloc();
	struct fl_slot *s;
	char desc[256], *path;

	ASSERT_TRUE(keep != NULL);
	hwloc_bitmap_set_range(keep, 0, 4);
	ASSERT_EQ(hwloc_topology_restrict(fl_topology_hwloc(t), keep, 0), 0);
	hwloc_bitmap_free(keep);
	path = export_xml(t);
	fl_topology_free(t);
	x = load_xml(path);
	unlink(path);
	free(path);

	EXPECT_EQ(fl_topology_nr_pus(x), 5);
	EXPECT_EQ(fl_topology_nr_nodes(x), 2);
	fl_topology_describe(x, desc, sizeof(desc));
	TH_LOG("describe: %s", desc);
	EXPECT_STREQ(desc, "2 packages, 2 NUMA nodes, 3 cores, 5 PUs");
	s = plan(x, "spread", 5);
	EXPECT_EQ(s[0].node, 0);
	EXPECT_EQ(s[1].node, 1);
	EXPECT_EQ(s[1].pu, 4);
	for (int i = 2; i < 5; i++)
		EXPECT_EQ(s[i].node, 0);
	for (int i = 0; i < 5; i++)
		EXPECT_TRUE(!s[i].shares_pu);
	free(s);
	fl_topology_free(x);
}

/* Like hwloc itself, HWLOC_SYNTHETIC wins when both variables are set. */
TEST(synthetic_before_xml)
{
	struct fl_topology *t = load_synthetic(BIG), *x;
	char *path = export_xml(t);

	fl_topology_free(t);
	setenv("HWLOC_XMLFILE", path, 1);
	setenv("HWLOC_SYNTHETIC", "core:3 pu:1", 1);
	ASSERT_EQ(fl_topology_load(&x, err, sizeof(err)), 0);
	unlink(path);
	free(path);
	EXPECT_EQ(fl_topology_nr_pus(x), 3);
	fl_topology_free(x);
}

/* hwloc alone would silently fall back to this machine on these. */
TEST(bad_env_fails_loudly)
{
	struct fl_topology *t = NULL;

	clear_hwloc_env();
	setenv("HWLOC_SYNTHETIC", "garbage:3", 1);
	EXPECT_EQ(fl_topology_load(&t, err, sizeof(err)), -EINVAL);
	TH_LOG("%s", err);
	EXPECT_TRUE(strstr(err, "garbage:3") != NULL);
	EXPECT_TRUE(t == NULL);

	clear_hwloc_env();
	setenv("HWLOC_XMLFILE", "/nonexistent/topology.xml", 1);
	EXPECT_EQ(fl_topology_load(&t, err, sizeof(err)), -ENOENT);
	TH_LOG("%s", err);
	EXPECT_TRUE(strstr(err, "/nonexistent/topology.xml") != NULL);
	EXPECT_TRUE(t == NULL);
}

TEST(synthetic_cannot_bind)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "spread", 1);

	EXPECT_TRUE(!fl_topology_is_this_system(t));
	err[0] = '\0';
	EXPECT_EQ(fl_bind_self(t, &s[0], err, sizeof(err)), -EOPNOTSUPP);
	TH_LOG("message: %s", err);
	EXPECT_TRUE(strstr(err, "PU 0") != NULL);
	free(s);
	fl_topology_free(t);
}

/*
 * Two memory nodes per package sharing its CPUs: the lower OS index is the
 * PU's home, spread skips the other, and naming it in nodes= borrows the
 * package's PUs while preferring its memory.
 */
TEST(memory_nodes_sharing_cpus)
{
	struct fl_topology *t = load_synthetic("package:2 [numa] [numa] core:2 pu:1");
	struct fl_slot *s;

	EXPECT_EQ(fl_topology_nr_nodes(t), 4);
	EXPECT_EQ(fl_topology_node_of_pu(t, 1), 0);
	EXPECT_EQ(fl_topology_node_of_pu(t, 2), 2);
	s = plan(t, "spread", 4);
	EXPECT_EQ(s[0].node, 0);
	EXPECT_EQ(s[1].node, 2);
	EXPECT_EQ(s[2].node, 0);
	EXPECT_EQ(s[3].node, 2);
	for (int i = 0; i < 4; i++)
		EXPECT_TRUE(!s[i].shares_pu);
	free(s);
	s = plan(t, "nodes=1", 2);
	EXPECT_EQ(s[0].node, 1);
	EXPECT_EQ(s[0].pu, 0);
	EXPECT_EQ(s[1].pu, 1);
	free(s);
	fl_topology_free(t);
}

/* Linux-style numbering: a core's siblings are 4 apart, not adjacent. */
TEST(sibling_os_indexes)
{
	static const int want_pu[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct fl_topology *t =
		load_synthetic("core:4 pu:2(indexes=0,4,1,5,2,6,3,7)");
	struct fl_slot *s = plan(t, "compact", 8);

	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(s[i].pu, want_pu[i]);
		EXPECT_EQ(s[i].core, i % 4);
		EXPECT_EQ(s[i].package, -1);
	}
	free(s);
	fl_topology_free(t);
}

TEST(node_os_index_gaps)
{
	struct fl_topology *t =
		load_synthetic("numa:2(indexes=4,6) core:2 pu:1");
	struct fl_placement p;
	struct fl_slot *s;

	EXPECT_EQ(fl_topology_node_of_pu(t, 0), 4);
	EXPECT_EQ(fl_topology_node_of_pu(t, 3), 6);
	s = plan(t, "nodes=6", 2);
	EXPECT_EQ(s[0].node, 6);
	EXPECT_EQ(s[0].pu, 2);
	EXPECT_EQ(s[1].pu, 3);
	parse_ok("nodes=0", &p);
	EXPECT_EQ(fl_plan(t, &p, 2, s, err, sizeof(err)), -EINVAL);
	TH_LOG("message: %s", err);
	EXPECT_TRUE(strstr(err, "4,6") != NULL);
	free(s);
	fl_topology_free(t);
}

TEST(no_core_level)
{
	struct fl_topology *t = load_synthetic("pu:4");
	struct fl_slot *s = plan(t, "spread", 4);

	EXPECT_EQ(fl_topology_nr_cores(t), 0);
	EXPECT_EQ(fl_topology_nr_packages(t), 0);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(s[i].pu, i);
		EXPECT_EQ(s[i].core, -1);
		EXPECT_EQ(s[i].package, -1);
		EXPECT_EQ(s[i].node, 0);
	}
	free(s);
	fl_topology_free(t);
}

TEST(plan_print_table)
{
	struct fl_topology *t = load_synthetic(BIG);
	struct fl_slot *s = plan(t, "nodes=0-1", 18);
	char *out = NULL, *line;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int lines = 0;

	ASSERT_TRUE(f != NULL);
	fl_plan_print(f, t, s, 18);
	fclose(f);
	printf("%s", out);
	for (line = out; (line = strchr(line, '\n')); line++)
		lines++;
	/* Topology, header, 18 actors, per-node, oversubscription. */
	EXPECT_EQ(lines, 22);
	EXPECT_TRUE(strncmp(out, "topology: Package:2", 19) == 0);
	EXPECT_TRUE(strstr(out, "not this system") != NULL);
	EXPECT_TRUE(strstr(out, " actor     pu   core   node  package\n") != NULL);
	EXPECT_TRUE(strstr(out, "actors per node: node 0: 9, node 1: 9 (2 nodes unused)\n") != NULL);
	EXPECT_TRUE(strstr(out, "oversubscribed: 4 of 18 actors share a PU\n") != NULL);
	free(out);
	free(s);
	fl_topology_free(t);
}

/* Bind to each slot of a one-per-PU plan and check where we run. */
TEST(bind_real_machine)
{
	struct fl_topology *t = NULL;
	struct fl_slot *s;
	int n, ret;

	clear_hwloc_env();
	ASSERT_EQ(fl_topology_load(&t, err, sizeof(err)), 0);
	ASSERT_TRUE(fl_topology_is_this_system(t));
	n = fl_topology_nr_pus(t);
	s = plan(t, "spread", n);
	for (int i = 0; i < n; i++) {
		ret = fl_bind_self(t, &s[i], err, sizeof(err));
		if (ret)
			TH_LOG("bind slot %d: %s", i, err);
		ASSERT_EQ(ret, 0);
		/* The bind takes effect at once; no yield needed. */
		EXPECT_EQ(sched_getcpu(), s[i].pu);
		EXPECT_EQ(fl_topology_node_of_pu(t, sched_getcpu()), s[i].node);
		/* The PU's own node: the default policy already allocates there. */
		if (numa_available() >= 0)
			EXPECT_STREQ(fl_mempolicy_str(err, sizeof(err)), "local");
	}
	ret = fl_bind_self(t, &s[0], err, sizeof(err));
	ASSERT_EQ(ret, 0);
	EXPECT_EQ(sched_getcpu(), s[0].pu);

	/*
	 * An inherited policy (numactl): fl_bind_cpu leaves it alone,
	 * fl_bind_self replaces it by preferring the slot's node.
	 */
	if (numa_available() >= 0) {
		char want[32];

		numa_set_interleave_mask(numa_all_nodes_ptr);
		ASSERT_EQ(fl_bind_cpu(t, &s[0], err, sizeof(err)), 0);
		EXPECT_EQ(sched_getcpu(), s[0].pu);
		EXPECT_TRUE(strncmp(fl_mempolicy_str(err, sizeof(err)), "interleave=", 11) == 0);
		ASSERT_EQ(fl_bind_self(t, &s[0], err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "preferred=%d", s[0].node);
		EXPECT_STREQ(fl_mempolicy_str(err, sizeof(err)), want);
		numa_set_localalloc();
		EXPECT_STREQ(fl_mempolicy_str(err, sizeof(err)), "local");
	}

	/* Memory on another node than the PU's (nodes=LIST): preferred. */
	for (int node = 0; numa_available() >= 0 && node <= numa_max_node(); node++) {
		struct fl_slot other = s[0];
		char want[32];

		if (node == s[0].node ||
		    !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)node))
			continue;
		other.node = node;
		ASSERT_EQ(fl_bind_self(t, &other, err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "preferred=%d", node);
		EXPECT_STREQ(fl_mempolicy_str(err, sizeof(err)), want);
		numa_set_localalloc();
		break;
	}

	/* A node the machine lacks is refused after binding the CPU. */
	s[0].node = 5;
	EXPECT_EQ(fl_bind_self(t, &s[0], err, sizeof(err)), -EINVAL);
	TH_LOG("message: %s", err);
	EXPECT_TRUE(strstr(err, "node 5") != NULL);

	/* A PU the machine lacks is refused with a message naming it. */
	s[0].pu = 100000;
	EXPECT_EQ(fl_bind_self(t, &s[0], err, sizeof(err)), -EINVAL);
	TH_LOG("message: %s", err);
	EXPECT_TRUE(strstr(err, "PU 100000") != NULL);
	free(s);
	fl_topology_free(t);
}

TEST_HARNESS_MAIN
