// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-churn: mmap, mprotect and munmap unrelated anonymous regions. It
 * invalidates nothing; it writes to mmap_lock, as a busy process does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/faultline.h"
#include "inval/kind.h"

#define CHURN_REGIONS 8
#define CHURN_PAGES 4

struct churn {
	void *region[CHURN_REGIONS];
};

static int churn_init(struct fl_inval_state *s, char *err, size_t len)
{
	(void)err;
	(void)len;
	s->priv = calloc(1, sizeof(struct churn));
	return s->priv ? 0 : -ENOMEM;
}

static int churn_op(struct fl_inval_state *s, int file, char *err, size_t len)
{
	struct churn *c = s->priv;
	unsigned int i = (unsigned int)(s->op % CHURN_REGIONS);
	size_t n = CHURN_PAGES * s->t.page_size;

	(void)file;
	if (c->region[i]) {
		munmap(c->region[i], n);
		c->region[i] = NULL;
	}
	c->region[i] = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->region[i] == MAP_FAILED) {
		c->region[i] = NULL;
		fl_set_err(err, len, "mmap-churn: mmap: %s", strerror(errno));
		return -errno;
	}
	if (mprotect(c->region[i], n, PROT_READ | PROT_WRITE)) {
		fl_set_err(err, len, "mmap-churn: mprotect: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void churn_fini(struct fl_inval_state *s)
{
	struct churn *c = s->priv;

	for (int i = 0; c && i < CHURN_REGIONS; i++)
		if (c->region[i])
			munmap(c->region[i], CHURN_PAGES * s->t.page_size);
	free(c);
}

const struct fl_inval_ops fl_inval_mmap_churn = {
	.init = churn_init,
	.op = churn_op,
	.fini = churn_fini,
};
