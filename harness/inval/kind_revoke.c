// SPDX-License-Identifier: GPL-2.0
/*
 * revoke: ask clusterfs to drop a range from the faulters' mount, as a
 * remote node taking the lock would, without writing: the data stays, and
 * readers refault the same bytes.
 */
#include <errno.h>

#include "base/faultline.h"
#include "clusterfs/clusterfs.h"
#include "inval/kind.h"

static int revoke_init(struct fl_inval_state *s, char *err, size_t len)
{
	if (s->t.cfs && s->t.names)
		return 0;
	fl_set_err(err, len, "invalidator revoke needs the files on a clusterfs mount");
	return -EINVAL;
}

static int revoke_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	uint64_t off, n;

	fl_inval_pick_range(s, &off, &n);
	return fl_clusterfs_invalidate(s->t.cfs, 0, s->t.names[file], off, n, err, len);
}

const struct fl_inval_ops fl_inval_revoke = {
	.flags = FL_INVAL_FILES | FL_INVAL_CLUSTERFS,
	.init = revoke_init,
	.op = revoke_op,
};
