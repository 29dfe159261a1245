// SPDX-License-Identifier: GPL-2.0
/* folio, userspace half: waits on a folio's lock or writeback bit. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/types.h>
#include <stdio.h>

#include "collect/bpf/bpf_common.h"
#include "collect/bpf/locktable.h"
#include "collect/collect.h"
#include "folio.skel.h"

#define WAIT_FN "folio_wait_bit_common"

/* The wait path itself; the caller is the first frame outside it. */
static const char *const folio_wait_fns[] = {
	WAIT_FN, "folio_wait_bit", "folio_wait_bit_killable", "__folio_lock",
	"__folio_lock_killable", "__folio_lock_or_retry", "folio_wait_writeback",
	"folio_wait_writeback_killable", "folio_wait_stable", "folio_lock",
	"folio_lock_killable", "folio_wait_locked", "folio_wait_locked_killable",
	NULL,
};

/* Load with the programs on @common (or on the callers) only. */
static int load(struct fl_folio **out, bool common, pid_t tgid, char *err, size_t len)
{
	struct fl_folio *skel = fl_folio__open();
	int ret;

	if (!skel) {
		ret = -errno;
		fl_bpf_why(err, len, "folio: open", ret);
		return ret;
	}
	bpf_program__set_autoload(skel->progs.common_enter, common);
	bpf_program__set_autoload(skel->progs.common_exit, common);
	bpf_program__set_autoload(skel->progs.lock_enter, !common);
	bpf_program__set_autoload(skel->progs.lock_exit, !common);
	bpf_program__set_autoload(skel->progs.lock_killable_enter, !common);
	bpf_program__set_autoload(skel->progs.lock_killable_exit, !common);
	bpf_program__set_autoload(skel->progs.wait_bit_enter, !common);
	bpf_program__set_autoload(skel->progs.wait_bit_exit, !common);
	ret = fl_bpf_load_attach(skel->skeleton, skel->maps.tgids, tgid,
				 common ? "folio: fentry " WAIT_FN :
				 "folio: fentry __folio_lock, folio_wait_bit", err, len);
	if (ret) {
		fl_folio__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

static int folio_prepare(struct fl_collector *c, const struct fl_collect_env *env,
			 char *err, size_t len)
{
	struct fl_folio *skel = NULL;
	int ret = -ENOENT;

	if (fl_bpf_btf_has(WAIT_FN, BTF_KIND_FUNC))
		ret = load(&skel, true, env->tgid, err, len);
	/* Kernels that cannot trace it (6.1: -EBUSY) get its callers. */
	if (ret && ret != -EPERM && fl_bpf_btf_has("__folio_lock", BTF_KIND_FUNC))
		ret = load(&skel, false, env->tgid, err, len);
	if (ret)
		return ret;
	c->priv = skel;
	c->tgids = skel->maps.tgids;
	return 0;
}

static void folio_start(struct fl_collector *c)
{
	struct fl_folio *skel = c->priv;

	fl_locktable_clear(skel->maps.lock_stats);
	skel->bss->lost = 0;
	fl_bpf_enable(&skel->bss->enabled, 1);
}

static void folio_stop(struct fl_collector *c)
{
	struct fl_folio *skel = c->priv;

	fl_bpf_enable(&skel->bss->enabled, 0);
}

static int folio_read(struct fl_collector *c, struct fl_collect_out *out,
		      uint64_t *lost, char *err, size_t len)
{
	struct fl_folio *skel = c->priv;

	*lost = skel->bss->lost;
	return fl_locktable_read(skel->maps.lock_stats, c->env, "folio",
				 folio_wait_fns, out, err, len);
}

static void folio_finish(struct fl_collector *c)
{
	fl_folio__destroy(c->priv);
	c->priv = NULL;
}

/* nodes[].locks[]: folio lock and writeback waits alone. */
static const struct fl_list_decl folio_lists[] = {
	{ "locks", false },
	{ 0 },
};

const struct fl_collector_ops fl_folio_ops = {
	.prepare = folio_prepare,
	.start = folio_start,
	.stop = folio_stop,
	.read = folio_read,
	.finish = folio_finish,
	.lists = folio_lists,
};
