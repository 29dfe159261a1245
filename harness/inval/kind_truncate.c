// SPDX-License-Identifier: GPL-2.0
/*
 * truncate: cut up to 60 KiB off the end, at a page-aligned or unaligned
 * size, regrow, refill. Faulters past the cut get SIGBUS meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/rand.h"
#include "integrity/oracle_io.h"
#include "inval/kind.h"

static struct fl_ofile *ofile(struct fl_inval_state *s, int file)
{
	return s->t.ofiles ? s->t.ofiles[file] : NULL;
}

static int truncate_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	/* Whole pages from the cut to the end must fit the refill buffer. */
	uint64_t span = (FL_INVAL_SPAN_PAGES - 1) * s->t.page_size;
	uint64_t cut = 1 + fl_rand(&s->x) % (span < s->t.size ? span : s->t.size);
	uint64_t to = s->t.size - cut, from;
	int ret;

	/* Every other round shrinks to a page boundary, the rest mid-page. */
	if (fl_inval_round(s) % 2 == 0)
		to -= to % s->t.page_size;
	ret = fl_inval_zero_begin(s, file, to, s->t.size - to, err, len);
	if (ret)
		return ret;
	ret = fl_oracle_truncate(ofile(s, file), s->t.fds[file], to, err, len);
	fl_inval_zero_end(s, file, to, s->t.size - to, !ret);
	if (!ret)
		ret = fl_oracle_truncate(ofile(s, file), s->t.fds[file], s->t.size,
					 err, len);
	if (ret)
		return ret;
	from = to - to % s->t.page_size;
	return fl_inval_refill(s, file, s->t.fds[file], from, s->t.size - from,
			       "refill after truncate", err, len);
}

/* A stop between shrink and regrow must not leave a short file. */
static void truncate_fini(struct fl_inval_state *s)
{
	for (int i = 0; i < s->t.nr_files; i++)
		if (ftruncate(s->t.fds[i], (off_t)s->t.size))
			fl_warn("regrow test file: %s", strerror(errno));
}

const struct fl_inval_ops fl_inval_truncate = {
	.flags = FL_INVAL_FILES | FL_INVAL_SHRINKS,
	.op = truncate_op,
	.fini = truncate_fini,
};
