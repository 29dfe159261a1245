// SPDX-License-Identifier: GPL-2.0
/* dio: O_DIRECT pwrite of new data over a range of blocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/testdir.h"
#include "inval/kind.h"

/* s->priv: an O_DIRECT descriptor per file, -1 when not open. */

static int dio_init(struct fl_inval_state *s, char *err, size_t len)
{
	int *fds = calloc((size_t)s->t.nr_files, sizeof(int));

	if (!fds)
		return -ENOMEM;
	s->priv = fds;
	for (int i = 0; i < s->t.nr_files; i++)
		fds[i] = -1;
	for (int i = 0; i < s->t.nr_files; i++) {
		fds[i] = fl_open_direct(s->t.fds[i]);
		if (fds[i] >= 0)
			continue;
		fl_set_err(err, len, "dio: open test file with O_DIRECT: %s%s",
			   strerror(-fds[i]), fds[i] == -EINVAL ?
			   " (the filesystem does not support O_DIRECT)" : "");
		return fds[i] == -EINVAL ? -EOPNOTSUPP : fds[i];
	}
	return 0;
}

static int dio_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	const int *fds = s->priv;
	uint64_t off, n;

	fl_inval_pick_range(s, &off, &n);
	return fl_inval_refill(s, file, fds[file], off, n, "O_DIRECT write", err, len);
}

static void dio_fini(struct fl_inval_state *s)
{
	int *fds = s->priv;

	for (int i = 0; fds && i < s->t.nr_files; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

const struct fl_inval_ops fl_inval_dio = {
	.flags = FL_INVAL_FILES,
	.init = dio_init,
	.op = dio_op,
	.fini = dio_fini,
};
