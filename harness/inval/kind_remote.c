// SPDX-License-Identifier: GPL-2.0
/*
 * remote: write a range through another clusterfs mount (another "node").
 * clusterfs drops the range on the faulters' mount before the write
 * returns, as a cluster filesystem's lock downgrade does.
 */
#include <errno.h>

#include "base/faultline.h"
#include "inval/kind.h"

static int remote_init(struct fl_inval_state *s, char *err, size_t len)
{
	if (s->t.remote_fds)
		return 0;
	fl_set_err(err, len, "invalidator remote needs the files through a second clusterfs mount");
	return -EINVAL;
}

static int remote_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	uint64_t off, n;

	fl_inval_pick_range(s, &off, &n);
	return fl_inval_refill(s, file, s->t.remote_fds[file], off, n,
			       "write through the remote mount", err, len);
}

const struct fl_inval_ops fl_inval_remote = {
	.flags = FL_INVAL_FILES | FL_INVAL_CLUSTERFS,
	.init = remote_init,
	.op = remote_op,
};
