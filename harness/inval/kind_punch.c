// SPDX-License-Identifier: GPL-2.0
/* punch: FALLOC_FL_PUNCH_HOLE|KEEP_SIZE over a range, then refill. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "base/faultline.h"
#include "inval/kind.h"

static int punch_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	int fd = s->t.fds[file], ret, e;
	uint64_t off, n;

	fl_inval_pick_range(s, &off, &n);
	ret = fl_inval_zero_begin(s, file, off, n, err, len);
	if (ret)
		return ret;
	ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)off, (off_t)n);
	e = errno;
	fl_inval_zero_end(s, file, off, n, !ret);
	if (ret) {
		fl_set_err(err, len, "punch hole at %llu+%llu: %s%s",
			   (unsigned long long)off, (unsigned long long)n,
			   strerror(e), e == EOPNOTSUPP ?
			   " (the filesystem cannot punch holes)" : "");
		return e == EOPNOTSUPP ? -EOPNOTSUPP : -e;
	}
	return fl_inval_refill(s, file, fd, off, n, "refill punched range", err, len);
}

const struct fl_inval_ops fl_inval_punch = {
	.flags = FL_INVAL_FILES,
	.op = punch_op,
};
