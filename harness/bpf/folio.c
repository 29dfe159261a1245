// SPDX-License-Identifier: GPL-2.0
/* folio, userspace half: waits on a folio's lock or writeback bit. */
#include <bpf/btf.h>
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>

#include "bpf_common.h"
#include "collect.h"
#include "folio.skel.h"
#include "locktable.h"

#define WAIT_FN "folio_wait_bit_common"

/* The wait path itself; the caller is the first frame outside it. */
static const char *const folio_wait_fns[] = {
	WAIT_FN, "folio_wait_bit", "folio_wait_bit_killable", "__folio_lock",
	"__folio_lock_killable", "__folio_lock_or_retry", "folio_wait_writeback",
	"folio_wait_writeback_killable", "folio_wait_stable", "folio_lock",
	"folio_lock_killable", "folio_wait_locked", "folio_wait_locked_killable",
	NULL,
};

static int folio_prepare(struct fl_collector *c, const struct fl_collect_env *env,
			 char *why, size_t len)
{
	struct fl_folio *skel;
	int ret;

	if (!fl_bpf_btf_has(WAIT_FN, BTF_KIND_FUNC)) {
		fl_set_err(why, len, "folio: this kernel has no %s() in its BTF to attach to",
			   WAIT_FN);
		return -ENOENT;
	}
	skel = fl_folio__open();
	if (!skel) {
		ret = -errno;
		fl_bpf_why(why, len, "folio: open", ret);
		return ret;
	}
	ret = fl_bpf_load_attach(skel->skeleton, skel->maps.tgids, env->tgid,
				 "folio", why, len);
	if (ret) {
		fl_folio__destroy(skel);
		return ret;
	}
	c->priv = skel;
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

const struct fl_collector_ops fl_folio_ops = {
	.prepare = folio_prepare,
	.start = folio_start,
	.stop = folio_stop,
	.read = folio_read,
	.finish = folio_finish,
};
