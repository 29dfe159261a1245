// SPDX-License-Identifier: GPL-2.0
/* lockcon, userspace half: lock contention from the lock tracepoints. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>
#include <stdio.h>

#include "collect/bpf/bpf_common.h"
#include "collect/bpf/locktable.h"
#include "collect/collect.h"
#include "lockcon.skel.h"

static int lockcon_prepare(struct fl_collector *c, const struct fl_collect_env *env,
			   char *err, size_t len)
{
	struct fl_lockcon *skel;
	const char *entries;
	int ret;

	if (fl_bpf_tp_nr_args("contention_begin") < 0) {
		fl_set_err(err, len, "lockcon: this kernel has no lock:contention_begin tracepoint (added in 5.19)");
		return -ENOENT;
	}
	skel = fl_lockcon__open();
	if (!skel) {
		ret = -errno;
		fl_bpf_why(err, len, "lockcon: open", ret);
		return ret;
	}
	/* Tests shrink the table to prove that losses are reported. */
	entries = getenv("FAULTLINE_BPF_LOCK_ENTRIES");
	if (entries && atoi(entries) > 0)
		bpf_map__set_max_entries(skel->maps.lock_stats, (__u32)atoi(entries));
	ret = fl_bpf_load_attach(skel->skeleton, skel->maps.tgids, env->tgid,
				 "lockcon", err, len);
	if (ret) {
		fl_lockcon__destroy(skel);
		return ret;
	}
	c->priv = skel;
	c->tgids = skel->maps.tgids;
	return 0;
}

static void lockcon_start(struct fl_collector *c)
{
	struct fl_lockcon *skel = c->priv;

	fl_locktable_clear(skel->maps.lock_stats);
	skel->bss->lost = 0;
	fl_bpf_enable(&skel->bss->enabled, 1);
}

static void lockcon_stop(struct fl_collector *c)
{
	struct fl_lockcon *skel = c->priv;

	fl_bpf_enable(&skel->bss->enabled, 0);
}

static int lockcon_read(struct fl_collector *c, struct fl_collect_out *out,
			uint64_t *lost, char *err, size_t len)
{
	struct fl_lockcon *skel = c->priv;

	*lost = skel->bss->lost;
	/* Lock slow paths live in lock and __sched text: no names needed. */
	return fl_locktable_read(skel->maps.lock_stats, c->env, "lockcon", NULL,
				 out, err, len);
}

static void lockcon_finish(struct fl_collector *c)
{
	fl_lockcon__destroy(c->priv);
	c->priv = NULL;
}

/* nodes[].locks[]: every contended kernel lock. */
static const struct fl_list_decl lockcon_lists[] = {
	{ "locks", true },
	{ 0 },
};

const struct fl_collector_ops fl_lockcon_ops = {
	.prepare = lockcon_prepare,
	.start = lockcon_start,
	.stop = lockcon_stop,
	.read = lockcon_read,
	.finish = lockcon_finish,
	.lists = lockcon_lists,
};
