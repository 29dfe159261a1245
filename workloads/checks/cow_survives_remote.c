// SPDX-License-Identifier: GPL-2.0
/*
 * cow_survives_remote: MAP_PRIVATE pages across a remote invalidation, on
 * clusterfs. Per pass "node 0" writes the whole file (one generation per
 * page, coherence.h's blocks of a page each); "node 1" maps it private
 * through its own mount, reads it all (the new generation), and COWs half
 * of the pages by storing a marker, keeping a copy of each. Node 0 then
 * writes the next generation, which clusterfs invalidates on node 1 before
 * the write returns, as a cluster filesystem's lock revocation does. Node
 * 1 must then see every COWed page exactly as it kept it (its own data is
 * never dropped: a lost marker otherwise) and every page it never COWed at
 * the new generation (the invalidation unmapped the page cache page, the
 * next touch refaults it; incoherent otherwise). Daniel Phillips' point
 * that private pages must survive a remote invalidation. Tests prove both
 * rules catch: clusterfs told to skip invalidation (cluster.h) breaks the
 * second; FAULTLINE_CLUSTERFS_FAULT=zap-even-cows, which drops the private
 * pages after the write as an invalidation that zaps COWs would, the first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "integrity/coherence.h"
#include "cluster.h"
#include "common.h"

#define FILE_NAME "cow-remote.dat"
#define FILE_ID 12
#define NR_PAGES 64
#define READER 1	/* the actor id of node 1 in reports */

struct cow_remote {
	struct fl_check_ctx *c;
	struct fl_coh_layout l;
	uint64_t ps;
	int fd0, fd1;		/* the file through node 0 and node 1 */
	uint8_t *page;		/* one page of scratch */
	uint8_t *kept;		/* the COWed pages as stored */
	bool zap_even_cows;	/* tests: FAULTLINE_CLUSTERFS_FAULT=zap-even-cows */
};

/* Node 0 writes generation @gen everywhere; node 1 is invalidated by it. */
static int write_all(struct cow_remote *t, uint64_t gen, char *err, size_t len)
{
	for (uint64_t p = 0; p < NR_PAGES; p++) {
		fl_coh_fill(t->page, p, gen, t->ps);
		if (pwrite(t->fd0, t->page, t->ps, (off_t)(p * t->ps)) != (ssize_t)t->ps) {
			fl_set_err(err, len, "write %s through node 0: %s", FILE_NAME,
				   strerror(errno ? errno : EIO));
			return errno ? -errno : -EIO;
		}
	}
	return 0;
}

/* Pages COWed in @pass: half of them, a different half each pass. */
static bool cowed(uint64_t p, uint64_t pass)
{
	return (p + pass) % 2 == 0;
}

/* A page never COWed at generation @gen, or a COWed page as it was kept. */
static void verify(struct cow_remote *t, const uint8_t *map, uint64_t pass, uint64_t gen)
{
	struct fl_coh_seen seen;
	int code;

	for (uint64_t p = 0; p < NR_PAGES; p++) {
		const uint8_t *keep = t->kept + p * t->ps;
		uint64_t w;

		if (!fl_sigbus_copy(t->page, map + p * t->ps, t->ps, &code)) {
			chk_cluster_sigbus(t->c, READER, FILE_ID, p * t->ps, NR_PAGES * t->ps, code);
			continue;
		}
		if (!cowed(p, pass)) {
			if (!fl_coh_verify(t->page, p, gen, t->ps, &seen))
				chk_cluster_incoherent(t->c, READER, FILE_ID, p * t->ps + seen.first_bad,
						       gen, seen.gen);
			continue;
		}
		/* The first word that changed, or the marker's: one check a page. */
		for (w = 0; w < t->ps / 8 && !memcmp(t->page + w * 8, keep + w * 8, 8); w++)
			;
		if (w == t->ps / 8)
			w = p % (t->ps / 8);
		fl_oracle_check_marker(t->c->oracle, FILE_ID, p * t->ps + w * 8, t->page + w * 8,
				       *(const uint64_t *)(keep + w * 8), READER);
	}
}

static int one_pass(struct cow_remote *t, uint64_t pass, char *err, size_t len)
{
	uint64_t size = NR_PAGES * t->ps, before = fl_coh_pass_gen(2 * pass);
	struct fl_coh_seen seen;
	uint8_t *map;
	int ret, code;

	ret = write_all(t, before, err, len);
	if (ret)
		return ret;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, t->fd1, 0);
	if (map == MAP_FAILED) {
		fl_set_err(err, len, "map %s private through node 1: %s", FILE_NAME, strerror(errno));
		return -errno;
	}
	for (uint64_t p = 0; p < NR_PAGES; p++) {
		uint64_t off = p * t->ps + (p % (t->ps / 8)) * 8, m;

		if (!fl_sigbus_copy(t->page, map + p * t->ps, t->ps, &code)) {
			chk_cluster_sigbus(t->c, READER, FILE_ID, p * t->ps, NR_PAGES * t->ps, code);
			continue;
		}
		/* What node 1 maps after node 0's write: the write, already. */
		if (!fl_coh_verify(t->page, p, before, t->ps, &seen))
			chk_cluster_incoherent(t->c, READER, FILE_ID, p * t->ps + seen.first_bad,
					       before, seen.gen);
		if (!cowed(p, pass))
			continue;
		m = fl_oracle_marker(READER, off);
		if (!fl_sigbus_store(map + off, &m, sizeof(m), &code)) {
			chk_cluster_sigbus(t->c, READER, FILE_ID, off, NR_PAGES * t->ps, code);
			continue;
		}
		memcpy(t->kept + p * t->ps, map + p * t->ps, t->ps);
	}
	ret = write_all(t, before + 1, err, len);
	/*
	 * Tests: an invalidation that zaps COWed pages too (even_cows, as a
	 * truncate does), stood in for by dropping the whole mapping's pages.
	 */
	if (!ret && t->zap_even_cows)
		madvise(map, size, MADV_DONTNEED);
	if (!ret)
		verify(t, map, pass, before + 1);
	munmap(map, size);
	return ret;
}

static int cow_remote_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct cow_remote t = { .c = c, .ps = c->page_size, .fd0 = -1, .fd1 = -1 };
	struct chk_cluster cl;
	char path[4300];
	int ret;

	t.zap_even_cows = chk_cluster_fault("zap-even-cows");
	t.l = (struct fl_coh_layout){ .size = NR_PAGES * t.ps, .block = t.ps, .writers = 1 };
	t.page = malloc(t.ps);
	t.kept = malloc(NR_PAGES * t.ps);
	if (!t.page || !t.kept) {
		free(t.page);
		free(t.kept);
		fl_set_err(err, len, "out of memory");
		return -ENOMEM;
	}
	ret = chk_cluster_start(&cl, c, "cow-remote", 2, err, len);
	if (ret)
		goto out_free;
	for (int node = 0; node < 2 && !ret; node++) {
		int *fd = node ? &t.fd1 : &t.fd0;

		snprintf(path, sizeof(path), "%s/%s", fl_clusterfs_mount(cl.fs, node), FILE_NAME);
		*fd = open(path, O_RDWR | (node ? 0 : O_CREAT | O_TRUNC), 0600);
		if (*fd < 0 || (!node && ftruncate(*fd, (off_t)(NR_PAGES * t.ps)))) {
			ret = -errno;
			fl_set_err(err, len, "open %s: %s", path, strerror(errno));
		}
	}
	for (uint64_t pass = 0; !ret && fl_check_running(c); pass++) {
		ret = one_pass(&t, pass, err, len);
		if (!ret)
			fl_check_iteration(c);
	}
	snprintf(c->note, sizeof(c->note), "2 clusterfs nodes, %d pages, half COWed each pass",
		 NR_PAGES);
	if (t.fd1 >= 0)
		close(t.fd1);
	if (t.fd0 >= 0) {
		close(t.fd0);
		snprintf(path, sizeof(path), "%s/%s", fl_clusterfs_mount(cl.fs, 0), FILE_NAME);
		unlink(path);
	}
	ret = chk_cluster_stop(&cl, ret, err, len);
out_free:
	free(t.page);
	free(t.kept);
	return ret;
}

const struct fl_check check_cow_survives_remote = {
	.name = "cow_survives_remote",
	.summary = "private COW pages survive a remote write's invalidation on clusterfs; pages never COWed show the write",
	.run = cow_remote_run,
};
