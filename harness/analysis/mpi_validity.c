// SPDX-License-Identifier: GPL-2.0
/*
 * Judgements that need every rank: ranks of one host that share PUs
 * ("oversubscribed": their rates and latencies are time-sliced), and the
 * document's validity, which holds every rank's reasons. A rank's PUs
 * are its affinity ("cpus_allowed"), as mpirun bound it or not.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/mpi_validity.h"
#include "base/validity.h"

void fl_mpi_cpulist(const cpu_set_t *set, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && off < len; c++) {
		int end = c;

		if (!CPU_ISSET(c, set))
			continue;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
			end++;
		if (end > c)
			off += (size_t)snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "",
						c, end);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
		c = end;
	}
}

/* The set of a "0-3,8" list; empty when @list is NULL or malformed. */
static void parse_cpulist(const char *list, cpu_set_t *set)
{
	const char *p = list;

	CPU_ZERO(set);
	while (p && *p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p)
				goto bad;
		}
		if (lo < 0 || hi < lo || hi >= CPU_SETSIZE)
			goto bad;
		for (long c = lo; c <= hi; c++)
			CPU_SET((int)c, set);
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			goto bad;
	}
	return;
bad:
	CPU_ZERO(set);
}

static const char *host_of(json_t *rank)
{
	return json_string_value(json_object_get(rank, "host")) ?: "?";
}

/* @a is a subset of @b. */
static bool subset(const cpu_set_t *a, const cpu_set_t *b)
{
	cpu_set_t both;

	CPU_AND(&both, a, b);
	return CPU_EQUAL(&both, a);
}

static bool overlap(const cpu_set_t *a, const cpu_set_t *b)
{
	cpu_set_t both;

	CPU_AND(&both, a, b);
	return CPU_COUNT(&both) > 0;
}

/* One "oversubscribed" reason per rank, however many groups it is in. */
static void mark(json_t *rank, const char *spoils, const char *text)
{
	json_t *v = json_object_get(rank, "validity"), *r;
	size_t i;

	json_array_foreach(json_object_get(v, "reasons"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "code")) ?: "", "oversubscribed"))
			return;
	fl_validity_add(v, "oversubscribed", spoils, "%s", text);
}

/* "3 ranks on host a share 2 PUs (0-1)" */
static void share_text(char *buf, size_t len, int ranks, const char *host, const cpu_set_t *set)
{
	char list[256];

	fl_mpi_cpulist(set, list, sizeof(list));
	snprintf(buf, len, "%d ranks on host %s share %d PU%s (%s)", ranks, host,
		 CPU_COUNT(set), CPU_COUNT(set) == 1 ? "" : "s", list);
}

/* Ranks @i and @j are on one host, and both have a known set. */
static bool peers(json_t *ranks, const cpu_set_t *sets, size_t i, size_t j)
{
	return CPU_COUNT(&sets[i]) && CPU_COUNT(&sets[j]) &&
	       !strcmp(host_of(json_array_get(ranks, i)), host_of(json_array_get(ranks, j)));
}

/*
 * First, per rank k: more ranks confined to its PUs than it has PUs (ranks
 * bound to one core, or unbound ranks outnumbering the PUs) marks every
 * rank that may run there. Then, per host where that found nothing: more
 * ranks than the union of their PUs marks them all. Ranks without a known
 * set are skipped, and all of them when there is no memory for the sets.
 */
void fl_mpi_judge(json_t *doc, json_t *ranks, const char *spoils)
{
	size_t n = json_array_size(ranks);
	cpu_set_t *sets = calloc(n ?: 1, sizeof(*sets));
	bool *crowded = calloc(n ?: 1, sizeof(*crowded));
	char text[512];
	json_t *v, *r;
	size_t i;

	/* A workload with no figure that sharing a PU spoils: nothing to mark. */
	if (!sets || !crowded || !spoils)
		goto gather;
	json_array_foreach(ranks, i, r)
		parse_cpulist(json_string_value(json_object_get(r, "cpus_allowed")), &sets[i]);
	for (size_t k = 0; k < n; k++) {
		int confined = 0;

		for (size_t j = 0; j < n; j++)
			confined += peers(ranks, sets, k, j) && subset(&sets[j], &sets[k]);
		if (confined <= CPU_COUNT(&sets[k]))
			continue;
		share_text(text, sizeof(text), confined, host_of(json_array_get(ranks, k)),
			   &sets[k]);
		for (size_t j = 0; j < n; j++)
			if (peers(ranks, sets, k, j) && overlap(&sets[j], &sets[k])) {
				mark(json_array_get(ranks, j), spoils, text);
				crowded[j] = true;
			}
	}
	for (size_t k = 0; k < n; k++) {
		bool found = false;
		int on_host = 0;
		cpu_set_t all;

		CPU_ZERO(&all);
		for (size_t j = 0; j < n; j++)
			if (peers(ranks, sets, k, j)) {
				found |= crowded[j];
				on_host++;
				CPU_OR(&all, &all, &sets[j]);
			}
		if (found || on_host <= CPU_COUNT(&all))
			continue;
		share_text(text, sizeof(text), on_host, host_of(json_array_get(ranks, k)), &all);
		for (size_t j = 0; j < n; j++)
			if (peers(ranks, sets, k, j)) {
				mark(json_array_get(ranks, j), spoils, text);
				crowded[j] = true;
			}
	}
gather:
	free(sets);
	free(crowded);
	v = fl_validity_new();
	json_array_foreach(ranks, i, r) {
		char where[128];

		snprintf(where, sizeof(where), "rank %zu on %s", i, host_of(r));
		fl_validity_absorb(v, r, where);
	}
	json_object_set_new(doc, "validity", v);
}

static const char *str_at(json_t *rank, const char *key, const char *sub)
{
	json_t *v = json_object_get(rank, key);

	return json_string_value(sub ? json_object_get(v, sub) : v);
}

/* Filesystems whose files live on one host: ranks on others cannot see them. */
static bool local_fs(const char *type)
{
	static const char *const local[] = {
		"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs", "f2fs",
		"vfat", "exfat", "ntfs3", "jfs", "reiserfs", "bcachefs", "overlay",
	};

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (type && !strcmp(type, local[i]))
			return true;
	return false;
}

static void add_reason(json_t *rank, const char *code, const char *text)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(rank, "validity"), "reasons"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "code")) ?: "", code))
			return;
	fl_validity_add(json_object_get(rank, "validity"), code, "all", "%s", text);
}

void fl_mpi_judge_sharing(json_t *ranks)
{
	size_t n = json_array_size(ranks), i, j;
	bool kernels = false;
	char text[512];
	json_t *r, *q;

	bool missing = false;

	/* A rank that does not see the directory the launcher made. */
	json_array_foreach(ranks, i, r) {
		if (!str_at(r, "dir_missing", NULL))
			continue;
		snprintf(text, sizeof(text),
			 "it does not see its directory %s (%s), which the launcher made on rank 0's "
			 "host: --dir is not one filesystem every host shares",
			 str_at(r, "dir", NULL) ?: "?", str_at(r, "dir_missing", NULL));
		add_reason(r, "dir_not_shared", text);
		missing = true;
	}
	if (missing)
		return;
	json_array_foreach(ranks, i, r) {
		const char *boot = str_at(r, "boot_id", NULL), *dev = str_at(r, "fs", "dev");
		int with = 0;

		if (!boot || !dev)
			return;
		for (j = 0; j < n; j++) {
			q = json_array_get(ranks, j);
			kernels |= strcmp(boot, str_at(q, "boot_id", NULL) ?: "");
			with += j != i && !strcmp(boot, str_at(q, "boot_id", NULL) ?: "") &&
				!strcmp(dev, str_at(q, "fs", "dev") ?: "");
		}
		if (!with)
			continue;
		snprintf(text, sizeof(text),
			 "shares one page cache with %d other rank%s: one kernel (boot id %.8s) "
			 "and one filesystem (%s, dev %s) under its directory, so coherence between "
			 "them holds trivially; give each rank a page cache of its own (clusterfs, "
			 "the default, or a cluster filesystem mounted on each host)",
			 with, with == 1 ? "" : "s", boot, str_at(r, "fs", "type") ?: "?", dev);
		add_reason(r, "one_page_cache", text);
	}
	if (!kernels)
		return;
	json_array_foreach(ranks, i, r) {
		const char *type = str_at(r, "fs", "type");

		if (!local_fs(type))
			continue;
		snprintf(text, sizeof(text),
			 "its directory is on %s, a local filesystem, while the ranks run on "
			 "several kernels (hosts): the other hosts do not see its file", type);
		add_reason(r, "dir_not_shared", text);
	}
}
