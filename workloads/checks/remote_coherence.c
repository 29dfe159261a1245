// SPDX-License-Identifier: GPL-2.0
/*
 * remote_coherence: the rotating writer across "nodes" on one
 * machine. Each thread is a node with its own clusterfs mount (its own
 * page cache) and its own MAP_SHARED mapping of one file of unaligned
 * blocks, so nodes share pages. Per pass one node rewrites its blocks
 * (through its mapping + msync and with pwrite, in turn), a barrier, then
 * every other node verifies the whole file through its mapping: after the
 * barrier it must see the latest write everywhere. The file starts as
 * holes and every node faults all of it in first, so stale pages are
 * mapped when the first writes land. The same rules as mpi-coherence
 * (harness/integrity/coherence.h); this one needs no MPI.
 * With clusterfs told to skip invalidation (cluster.h) it must fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clusterfs/clusterfs.h"
#include "integrity/coherence.h"
#include "cluster.h"
#include "common.h"

#define FILE_NAME "remote-coherence.dat"
#define FILE_ID 11
#define FILE_SIZE (256 * 1024 + 777)
#define BLOCK 1000
#define MAX_NODES 8

struct remote {
	struct fl_check_ctx *c;
	struct fl_clusterfs *fs;
	struct fl_coh_layout l;
	pthread_barrier_t barrier;
	int nodes;
	volatile int stop;
	int error;
	char errmsg[FL_ERR_LEN];
};

struct node {
	struct remote *rem;
	int id;
};

/* The first error stops every node; its message names the call and file. */
static void fail(struct remote *rem, int e, const char *call, const char *path)
{
	if (!__atomic_exchange_n(&rem->error, e, __ATOMIC_ACQ_REL))
		fl_set_err(rem->errmsg, sizeof(rem->errmsg), "%s %s: %s", call, path,
			   strerror(-e));
}

static int write_blocks(struct remote *rem, int id, int fd, uint8_t *map, uint64_t pass,
			uint8_t *buf)
{
	uint64_t gen = fl_coh_pass_gen(pass), nr = fl_coh_nr_blocks(&rem->l);
	bool through_map = pass / (uint64_t)rem->nodes % 2 == 0;
	int code;

	for (uint64_t b = (uint64_t)id; b < nr; b += (uint64_t)rem->nodes) {
		uint64_t n = fl_coh_block_len(&rem->l, b), off = b * rem->l.block;

		fl_coh_fill(buf, b, gen, n);
		if (!through_map) {
			if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
				return errno ? -errno : -EIO;
		} else if (!fl_sigbus_store(map + off, buf, n, &code)) {
			chk_cluster_sigbus(rem->c, (uint32_t)id, FILE_ID, off, rem->l.size, code);
			return 0;
		}
	}
	return through_map && msync(map, rem->l.size, MS_SYNC) ? -errno : 0;
}

static void verify(struct remote *rem, int id, uint8_t *map, uint64_t done, uint8_t *buf)
{
	uint64_t nr = fl_coh_nr_blocks(&rem->l);
	struct fl_coh_seen seen;
	int code;

	for (uint64_t b = 0; b < nr; b++) {
		uint64_t n = fl_coh_block_len(&rem->l, b), due = fl_coh_expected(&rem->l, b, done);

		if (!fl_sigbus_copy(buf, map + b * rem->l.block, n, &code)) {
			chk_cluster_sigbus(rem->c, (uint32_t)id, FILE_ID, b * rem->l.block, rem->l.size, code);
			return;
		}
		if (!fl_coh_verify(buf, b, due, n, &seen))
			chk_cluster_incoherent(rem->c, (uint32_t)id, FILE_ID,
					       b * rem->l.block + seen.first_bad, due, seen.gen);
	}
	fl_check_iteration(rem->c);
}

static void *node_main(void *arg)
{
	struct node *nd = arg;
	struct remote *rem = nd->rem;
	char path[4200];
	uint8_t *map = MAP_FAILED, buf[BLOCK];
	uint64_t pass;
	int fd, code, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", fl_clusterfs_mount(rem->fs, nd->id), FILE_NAME);
	fd = open(path, O_RDWR);
	if (fd < 0)
		ret = -errno;
	else
		map = mmap(NULL, rem->l.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!ret && map == MAP_FAILED)
		ret = -errno;
	if (ret)
		fail(rem, ret, "open and map", path);
	/* Fault all of it in: stale pages must be mapped when writes come. */
	for (uint64_t off = 0; !ret && off < rem->l.size; off += 4096)
		if (!fl_sigbus_copy(buf, map + off, 1, &code))
			chk_cluster_sigbus(rem->c, (uint32_t)nd->id, FILE_ID, off, rem->l.size, code);
	for (pass = 0;; pass++) {
		int writer = (int)(pass % (uint64_t)rem->nodes);

		/* Node 0 decides, everyone leaves together. */
		if (nd->id == 0 && (!fl_check_running(rem->c) || rem->error))
			rem->stop = 1;
		pthread_barrier_wait(&rem->barrier);
		if (rem->stop)
			break;
		if (nd->id == writer && !rem->error) {
			ret = write_blocks(rem, nd->id, fd, map, pass, buf);
			if (ret)
				fail(rem, ret, "write through", path);
		}
		pthread_barrier_wait(&rem->barrier);
		if (nd->id != writer && !rem->error)
			verify(rem, nd->id, map, pass + 1, buf);
	}
	if (map != MAP_FAILED)
		munmap(map, rem->l.size);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int remote_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct remote rem = {
		.c = c,
		.l = { .size = FILE_SIZE, .block = BLOCK },
	};
	struct chk_cluster cl;
	char path[4300];
	struct node nodes[MAX_NODES];
	pthread_t tids[MAX_NODES];
	int fd, ret;

	rem.nodes = c->nr_faulters + 1;
	rem.nodes = rem.nodes < 2 ? 2 : rem.nodes > MAX_NODES ? MAX_NODES : rem.nodes;
	rem.l.writers = (uint32_t)rem.nodes;
	ret = chk_cluster_start(&cl, c, "remote-coherence", rem.nodes, err, len);
	if (ret)
		return ret;
	rem.fs = cl.fs;
	snprintf(path, sizeof(path), "%s/%s", fl_clusterfs_mount(rem.fs, 0), FILE_NAME);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)rem.l.size)) {
		ret = -errno;
		fl_set_err(err, len, "create %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out_fs;
	}
	close(fd);
	pthread_barrier_init(&rem.barrier, NULL, (unsigned int)rem.nodes);
	for (int i = 0; i < rem.nodes; i++)
		nodes[i] = (struct node){ .rem = &rem, .id = i };
	ret = chk_start(tids, rem.nodes, node_main, nodes, sizeof(nodes[0]), err, len);
	if (!ret)
		chk_join(tids, rem.nodes);
	pthread_barrier_destroy(&rem.barrier);
	if (!ret && rem.error) {
		ret = rem.error;
		fl_set_err(err, len, "%s", rem.errmsg);
	}
	snprintf(c->note, sizeof(c->note), "%d clusterfs nodes, %d-byte blocks", rem.nodes, BLOCK);
	unlink(path);
out_fs:
	return chk_cluster_stop(&cl, ret, err, len);
}

const struct fl_check check_remote_coherence = {
	.name = "remote_coherence",
	.summary = "a write on one clusterfs node is seen through every other node's mapping after a barrier",
	.run = remote_run,
};
