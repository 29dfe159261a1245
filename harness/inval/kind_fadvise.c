// SPDX-License-Identifier: GPL-2.0
/* fadvise: POSIX_FADV_DONTNEED on the whole file. */
#include <fcntl.h>
#include <string.h>

#include "base/faultline.h"
#include "inval/kind.h"

static int fadvise_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	int ret = posix_fadvise(s->t.fds[file], 0, 0, POSIX_FADV_DONTNEED);

	if (ret)
		fl_set_err(err, len, "POSIX_FADV_DONTNEED: %s", strerror(ret));
	return -ret;
}

const struct fl_inval_ops fl_inval_fadvise = {
	.flags = FL_INVAL_FILES,
	.op = fadvise_op,
};
