// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for what faultline-mpi judges across ranks
 * (harness/analysis/mpi_validity.c): ranks sharing PUs per host, and the document
 * validity that gathers every rank's reasons.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "analysis/mpi_validity.h"
#include "base/validity.h"
#include "harness.h"

/* A rank object as faultline-mpi gathers it; @cpus NULL: none known. */
static json_t *rank(const char *host, const char *cpus)
{
	json_t *r = json_pack("{s:s, s:o}", "host", host, "validity", fl_validity_new());

	if (cpus)
		json_object_set_new(r, "cpus_allowed", json_string(cpus));
	return r;
}

static bool oversubscribed(json_t *ranks, size_t i)
{
	json_t *r;
	size_t k;

	json_array_foreach(json_object_get(json_object_get(json_array_get(ranks, i),
				"validity"), "reasons"), k, r)
		if (!strcmp(json_string_value(json_object_get(r, "code")), "oversubscribed"))
			return true;
	return false;
}

/* Judge @ranks (consumed) into a fresh document, which is returned. */
static json_t *judge(json_t *ranks, const char *spoils)
{
	json_t *doc = json_pack("{s:o}", "ranks", ranks);

	fl_mpi_judge(doc, ranks, spoils);
	return doc;
}

TEST(cpulist_formats_ranges)
{
	char buf[64];
	cpu_set_t s;

	CPU_ZERO(&s);
	fl_mpi_cpulist(&s, buf, sizeof(buf));
	EXPECT_STREQ(buf, "");
	CPU_SET(0, &s);
	CPU_SET(1, &s);
	CPU_SET(2, &s);
	CPU_SET(5, &s);
	CPU_SET(7, &s);
	CPU_SET(8, &s);
	fl_mpi_cpulist(&s, buf, sizeof(buf));
	EXPECT_STREQ(buf, "0-2,5,7-8");
}

TEST(one_pu_each_is_ok)
{
	json_t *ranks = json_pack("[o, o]", rank("a", "0"), rank("a", "1"));
	json_t *doc = judge(ranks, "all");

	EXPECT_TRUE(!oversubscribed(ranks, 0));
	EXPECT_TRUE(!oversubscribed(ranks, 1));
	EXPECT_TRUE(fl_validity_ok(doc));
	EXPECT_STREQ(json_string_value(json_object_get(json_object_get(doc, "validity"),
						       "status")), "ok");
	json_decref(doc);
}

/* mpirun without binding: 3 ranks free to run on the same 2 PUs. */
TEST(more_ranks_than_pus_of_a_host)
{
	json_t *ranks = json_pack("[o, o, o]", rank("a", "0-1"), rank("a", "0-1"),
				  rank("a", "0-1"));
	json_t *doc = judge(ranks, "latency");
	json_t *r = json_array_get(json_object_get(json_object_get(doc, "validity"),
						   "reasons"), 0);

	for (size_t i = 0; i < 3; i++)
		EXPECT_TRUE(oversubscribed(ranks, i));
	EXPECT_TRUE(!fl_validity_ok(doc));
	/* One reason per rank, each named in the document's copy. */
	EXPECT_EQ(json_array_size(json_object_get(json_object_get(doc, "validity"),
						  "reasons")), 3);
	EXPECT_STREQ(json_string_value(json_object_get(r, "text")),
		     "rank 0 on a: 3 ranks on host a share 2 PUs (0-1)");
	/* It spoils what the workload says, and only that. */
	EXPECT_TRUE(fl_validity_spoils(json_array_get(ranks, 0), "latency"));
	EXPECT_TRUE(!fl_validity_spoils(json_array_get(ranks, 0), "ops"));
	json_decref(doc);
}

/* Two ranks bound to PU 0 while PU 1 has its own: only the two share. */
TEST(ranks_bound_to_one_pu)
{
	json_t *ranks = json_pack("[o, o, o]", rank("a", "0"), rank("a", "0"), rank("a", "1"));
	json_t *doc = judge(ranks, "all");
	json_t *r = json_array_get(json_object_get(json_object_get(json_array_get(ranks, 0),
						   "validity"), "reasons"), 0);

	EXPECT_TRUE(oversubscribed(ranks, 0));
	EXPECT_TRUE(oversubscribed(ranks, 1));
	EXPECT_TRUE(!oversubscribed(ranks, 2));
	EXPECT_STREQ(json_string_value(json_object_get(r, "text")),
		     "2 ranks on host a share 1 PU (0)");
	json_decref(doc);
}

/* Sets none of which holds too many, but 4 ranks on 3 PUs in all. */
TEST(more_ranks_than_the_union)
{
	json_t *ranks = json_pack("[o, o, o, o]", rank("a", "0-1"), rank("a", "1-2"),
				  rank("a", "0,2"), rank("a", "0-1"));
	json_t *doc = judge(ranks, "all");
	json_t *r = json_array_get(json_object_get(json_object_get(json_array_get(ranks, 2),
						   "validity"), "reasons"), 0);

	for (size_t i = 0; i < 4; i++)
		EXPECT_TRUE(oversubscribed(ranks, i));
	EXPECT_STREQ(json_string_value(json_object_get(r, "text")),
		     "4 ranks on host a share 3 PUs (0-2)");
	json_decref(doc);
}

/* The same PU numbers on different hosts are different PUs. */
TEST(hosts_are_separate)
{
	json_t *ranks = json_pack("[o, o]", rank("a", "0"), rank("b", "0"));
	json_t *doc = judge(ranks, "all");

	EXPECT_TRUE(!oversubscribed(ranks, 0));
	EXPECT_TRUE(!oversubscribed(ranks, 1));
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
}

/* A rank whose PUs are unknown or malformed is not judged, nor counted. */
TEST(unknown_cpus_are_skipped)
{
	json_t *ranks = json_pack("[o, o, o]", rank("a", NULL), rank("a", "1-0"),
				  rank("a", "0"));
	json_t *doc = judge(ranks, "all");

	for (size_t i = 0; i < 3; i++)
		EXPECT_TRUE(!oversubscribed(ranks, i));
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
}

/* The document holds every rank's own reasons, named by rank. */
TEST(document_gathers_rank_reasons)
{
	json_t *ranks = json_pack("[o, o]", rank("a", "0"), rank("a", "1"));
	json_t *doc, *r;

	fl_validity_add(json_object_get(json_array_get(ranks, 1), "validity"), "rank_idle",
			"all", "0 touches in its 1.00 s window");
	doc = judge(ranks, "all");
	r = json_array_get(json_object_get(json_object_get(doc, "validity"), "reasons"), 0);
	EXPECT_TRUE(!fl_validity_ok(doc));
	EXPECT_STREQ(json_string_value(json_object_get(r, "code")), "rank_idle");
	EXPECT_STREQ(json_string_value(json_object_get(r, "text")),
		     "rank 1 on a: 0 touches in its 1.00 s window");
	/* A second judgement starts the document's validity afresh. */
	fl_mpi_judge(doc, ranks, "all");
	EXPECT_EQ(json_array_size(json_object_get(json_object_get(doc, "validity"),
						  "reasons")), 1);
	json_decref(doc);
}

/* A rank with its page cache identity: kernel @boot, filesystem @type on @dev. */
static json_t *cache_rank(const char *boot, const char *type, const char *dev)
{
	/* A host per kernel, a PU each: nothing oversubscribed. */
	static int pu;
	char cpu[16];
	json_t *r;

	snprintf(cpu, sizeof(cpu), "%d", pu++);
	r = rank(boot, cpu);

	json_object_set_new(r, "boot_id", json_string(boot));
	json_object_set_new(r, "fs", json_pack("{s:s, s:s}", "type", type, "dev", dev));
	return r;
}

static bool has_code(json_t *ranks, size_t i, const char *code)
{
	json_t *r;
	size_t k;

	json_array_foreach(json_object_get(json_object_get(json_array_get(ranks, i),
				"validity"), "reasons"), k, r)
		if (!strcmp(json_string_value(json_object_get(r, "code")), code))
			return true;
	return false;
}

TEST(one_kernel_one_filesystem_is_one_page_cache)
{
	json_t *ranks = json_pack("[o, o, o]", cache_rank("b1", "ext4", "8:1"),
				  cache_rank("b1", "ext4", "8:1"), cache_rank("b1", "ext4", "8:2"));

	fl_mpi_judge_sharing(ranks);
	EXPECT_TRUE(has_code(ranks, 0, "one_page_cache"));
	EXPECT_TRUE(has_code(ranks, 1, "one_page_cache"));
	/* Another filesystem (its own superblock) is a page cache of its own. */
	EXPECT_TRUE(!(has_code(ranks, 2, "one_page_cache")));
	EXPECT_TRUE(!(has_code(ranks, 0, "dir_not_shared")));
	json_decref(ranks);
}

TEST(own_mounts_on_one_kernel_are_separate_caches)
{
	/* clusterfs, or two nosharecache NFS mounts: one kernel, two devs. */
	json_t *ranks = json_pack("[o, o]", cache_rank("b1", "fuse.clusterfs", "0:39"),
				  cache_rank("b1", "fuse.clusterfs", "0:40"));

	fl_mpi_judge_sharing(ranks);
	EXPECT_TRUE(!(has_code(ranks, 0, "one_page_cache")));
	EXPECT_TRUE(!(has_code(ranks, 1, "one_page_cache")));
	json_decref(ranks);
}

TEST(a_local_filesystem_across_hosts_is_not_shared)
{
	json_t *ranks = json_pack("[o, o]", cache_rank("b1", "ext4", "8:1"),
				  cache_rank("b2", "ext4", "8:1"));

	fl_mpi_judge_sharing(ranks);
	EXPECT_TRUE(has_code(ranks, 0, "dir_not_shared"));
	EXPECT_TRUE(has_code(ranks, 1, "dir_not_shared"));
	/* Same dev numbers on two kernels are two filesystems: not one cache. */
	EXPECT_TRUE(!(has_code(ranks, 0, "one_page_cache")));
	json_decref(ranks);
}

/* A local --dir across guests: the launcher's test directory is on node0 only. */
TEST(a_rank_that_does_not_see_its_directory_is_not_shared)
{
	json_t *ranks = json_pack("[o, o]", cache_rank("b1", "tmpfs", "0:20"),
				  json_pack("{s:s, s:s, s:s, s:o}", "dir", "/tmp/faultline.x",
					    "boot_id", "b2", "dir_missing", "No such file or directory",
					    "validity", fl_validity_new()));
	const char *text;

	fl_mpi_judge_sharing(ranks);
	EXPECT_TRUE(has_code(ranks, 1, "dir_not_shared"));
	EXPECT_TRUE(!(has_code(ranks, 0, "dir_not_shared")));
	text = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(
		json_array_get(ranks, 1), "validity"), "reasons"), 0), "text"));
	EXPECT_TRUE(text && strstr(text, "/tmp/faultline.x (No such file or directory)"));
	json_decref(ranks);
}

TEST(a_cluster_filesystem_across_hosts_is_fine)
{
	json_t *ranks = json_pack("[o, o]", cache_rank("b1", "ocfs2", "8:16"),
				  cache_rank("b2", "nfs4", "0:50"));
	json_t *doc = json_object();

	fl_mpi_judge_sharing(ranks);
	fl_mpi_judge(doc, ranks, "all");
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
	json_decref(ranks);
}

TEST(ranks_without_the_keys_are_left_alone)
{
	json_t *ranks = json_pack("[o, o]", rank("h", "0"), rank("h", "1"));
	json_t *doc = json_object();

	fl_mpi_judge_sharing(ranks);
	fl_mpi_judge(doc, ranks, "all");
	EXPECT_TRUE(fl_validity_ok(doc));
	json_decref(doc);
	json_decref(ranks);
}

TEST_HARNESS_MAIN
