// SPDX-License-Identifier: GPL-2.0
/*
 * madvise: from the invalidator's own mapping of each file, MADV_DONTNEED,
 * MADV_PAGEOUT and MADV_REMOVE in turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/faultline.h"
#include "inval/kind.h"

/* s->priv: the invalidator's own mapping of each file, NULL when unmapped. */

static int madvise_init(struct fl_inval_state *s, char *err, size_t len)
{
	char **views = calloc((size_t)s->t.nr_files, sizeof(char *));

	if (!views)
		return -ENOMEM;
	s->priv = views;
	for (int i = 0; i < s->t.nr_files; i++) {
		void *v = mmap(NULL, s->t.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, s->t.fds[i], 0);

		if (v == MAP_FAILED) {
			fl_set_err(err, len, "madvise: map the test file: %s",
				   strerror(errno));
			return -errno;
		}
		views[i] = v;
	}
	return 0;
}

static int madvise_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	static const struct {
		int advice;
		const char *name;
	} advice[] = {
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_REMOVE, "MADV_REMOVE" },
	};
	/* Every file gets every advice in turn, whatever the file count. */
	unsigned int which = (unsigned int)(fl_inval_round(s) % ARRAY_SIZE(advice));
	bool removes = advice[which].advice == MADV_REMOVE;
	char *v = ((char **)s->priv)[file];
	uint64_t off, n;
	int ret, e;

	fl_inval_pick_range(s, &off, &n);
	/* Fault our view in first, so the advice has pages to act on. */
	for (uint64_t i = 0; i < n; i += s->t.page_size)
		((volatile char *)v)[off + i];
	/* MADV_REMOVE punches a hole: announce it and refill after. */
	if (removes) {
		ret = fl_inval_zero_begin(s, file, off, n, err, len);
		if (ret)
			return ret;
	}
	ret = madvise(v + off, n, advice[which].advice);
	e = errno;
	if (removes)
		fl_inval_zero_end(s, file, off, n, !ret);
	if (ret) {
		fl_set_err(err, len, "%s at %llu+%llu: %s", advice[which].name,
			   (unsigned long long)off, (unsigned long long)n,
			   strerror(e));
		return -e;
	}
	return removes ? fl_inval_refill(s, file, s->t.fds[file], off, n,
					 "refill removed range", err, len) : 0;
}

static void madvise_fini(struct fl_inval_state *s)
{
	char **views = s->priv;

	for (int i = 0; views && i < s->t.nr_files; i++)
		if (views[i])
			munmap(views[i], s->t.size);
	free(views);
}

const struct fl_inval_ops fl_inval_madvise = {
	.flags = FL_INVAL_FILES,
	.init = madvise_init,
	.op = madvise_op,
	.fini = madvise_fini,
};
