// SPDX-License-Identifier: GPL-2.0
/* mmaplock, userspace half: mmap_lock acquisition waits per node. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/bpf/bpf_common.h"
#include "collect/bpf/mmaplock.h"
#include "collect/collect.h"
#include "mmaplock.skel.h"

static const char *const mode_names[FL_ML_NR_MODES] = {
	[FL_ML_READ] = "read", [FL_ML_WRITE] = "write",
};

static int mmaplock_prepare(struct fl_collector *c, const struct fl_collect_env *env,
			    char *err, size_t len)
{
	int args = fl_bpf_tp_nr_args("mmap_lock_start_locking");
	struct fl_mmaplock *skel;
	bool memcg;
	int ret;

	/* (mm, write) since 6.10; (mm, memcg_path, write) before. */
	if (args != 2 && args != 3) {
		fl_set_err(err, len, "mmaplock: this kernel has no mmap_lock tracepoints%s",
			   args < 0 ? "" : " with known arguments");
		return -ENOENT;
	}
	memcg = args == 3;
	skel = fl_mmaplock__open();
	if (!skel) {
		ret = -errno;
		fl_bpf_why(err, len, "mmaplock: open", ret);
		return ret;
	}
	bpf_program__set_autoload(skel->progs.start_locking, !memcg);
	bpf_program__set_autoload(skel->progs.acquire_returned, !memcg);
	bpf_program__set_autoload(skel->progs.start_locking_memcg, memcg);
	bpf_program__set_autoload(skel->progs.acquire_returned_memcg, memcg);
	ret = fl_bpf_load_attach(skel->skeleton, skel->maps.tgids, env->tgid,
				 "mmaplock", err, len);
	if (ret) {
		fl_mmaplock__destroy(skel);
		return ret;
	}
	c->priv = skel;
	c->tgids = skel->maps.tgids;
	return 0;
}

static void mmaplock_start(struct fl_collector *c)
{
	struct fl_mmaplock *skel = c->priv;

	fl_bpf_percpu_clear(skel->maps.hist);
	fl_bpf_percpu_clear(skel->maps.counts);
	skel->bss->lost = 0;
	fl_bpf_enable(&skel->bss->enabled, 1);
}

static void mmaplock_stop(struct fl_collector *c)
{
	struct fl_mmaplock *skel = c->priv;

	fl_bpf_enable(&skel->bss->enabled, 0);
}

static int mmaplock_read(struct fl_collector *c, struct fl_collect_out *out,
			 uint64_t *lost, char *err, size_t len)
{
	struct fl_mmaplock *skel = c->priv;
	uint64_t *hist = NULL, *counts = NULL;
	int nodes, nodes2, ret;

	ret = fl_bpf_percpu_by_node(skel->maps.hist, &hist, &nodes);
	if (!ret)
		ret = fl_bpf_percpu_by_node(skel->maps.counts, &counts, &nodes2);
	if (ret) {
		fl_set_err(err, len, "mmaplock: reading maps: %s", strerror(-ret));
		goto out;
	}
	for (int n = 0; n < nodes; n++) {
		const uint64_t *nc = counts + (size_t)n * FL_ML_NR_COUNTERS;
		json_t *o = NULL;

		for (int m = 0; m < FL_ML_NR_MODES; m++) {
			uint64_t got = nc[FL_ML_CNT_ACQUIRED + m], failed = nc[FL_ML_CNT_FAILED + m];
			json_t *lat;

			if (!got && !failed)
				continue;
			lat = fl_bpf_latency_json(hist + ((size_t)n * FL_ML_NR_MODES + m) *
						  FL_BPF_NR_BUCKETS);
			json_object_set_new(lat, "failed", json_integer((json_int_t)failed));
			if (!o)
				o = json_object();
			json_object_set_new(o, mode_names[m], lat);
		}
		if (o)
			json_object_set_new(fl_collect_node(out, n), "mmap_lock_wait_ns", o);
	}
	*lost = skel->bss->lost;
out:
	free(hist);
	free(counts);
	return ret;
}

static void mmaplock_finish(struct fl_collector *c)
{
	fl_mmaplock__destroy(c->priv);
	c->priv = NULL;
}

/* What this collector puts in each node's object, for compare and summaries. */
static const struct fl_metric_decl mmaplock_metrics[] = {
	{ "mmap_lock_write_wait_p99", "mmap_lock_wait_ns.write.p99", "mmap_lock write p99",
	  "ns", false, "locks", false },
	{ 0 },
};

/* nodes[].locks[]: mmap_lock alone. */
static const struct fl_list_decl mmaplock_lists[] = {
	{ "locks", false },
	{ 0 },
};

const struct fl_collector_ops fl_mmaplock_ops = {
	.prepare = mmaplock_prepare,
	.start = mmaplock_start,
	.stop = mmaplock_stop,
	.read = mmaplock_read,
	.finish = mmaplock_finish,
	.metrics = mmaplock_metrics,
	.lists = mmaplock_lists,
};
