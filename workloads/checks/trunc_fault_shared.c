// SPDX-License-Identifier: GPL-2.0
/*
 * trunc_fault_shared: stamped pages in a MAP_SHARED mapping; faulters read
 * random pages while a truncator shrinks the file to page-aligned and
 * unaligned sizes, regrows it and refills it. SIGBUS only where the page
 * was beyond EOF at some instant of the access, and always where it was
 * beyond EOF throughout (one cycle in four holds the short size a moment
 * so that this can be judged); the regrown range reads zero until
 * refilled, never old data; the EOF page's tail reads zero.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "integrity/oracle_io.h"
#include "common.h"

#define NR_BLOCKS 128
#define FILE_ID 1
/* One cycle in DWELL_EVERY holds the short size this long (see truncate_cycle). */
#define DWELL_EVERY 4
#define DWELL_NS 200000

struct trunc_shared {
	struct fl_check_ctx *c;
	struct fl_ofile *f;
	int fd;
	volatile char *map;
	uint64_t size;
	char err[FL_ERR_LEN];
	int error;
};

struct trunc_shared_actor {
	struct trunc_shared *t;
	uint32_t id;
};

/* Read random pages; judge every access and every block read. */
static void *faulter(void *arg)
{
	struct trunc_shared_actor *a = arg;
	struct trunc_shared *t = a->t;
	uint64_t x = 0x9e3779b97f4a7c15ull * (a->id + 1), buf[FL_STAMP_WORDS];

	while (fl_check_running(t->c)) {
		fl_oracle_read(t->f, t->map, fl_rand(&x) % NR_BLOCKS, 1,
			       t->c->page_size, buf, a->id, NULL);
	}
	return NULL;
}

/*
 * Shrink to @to (announced first), regrow, refill what was cut. With
 * @dwell the short size is held for DWELL_NS first: an access that starts
 * and ends inside it has only that size in effect, so a page past it that
 * does not SIGBUS is a violation (missing_sigbus). Without a dwell every
 * such access would overlap the regrow and could not be called.
 */
static int truncate_cycle(struct trunc_shared *t, uint64_t to, uint32_t actor,
			  bool dwell)
{
	const struct timespec hold = { .tv_nsec = DWELL_NS };
	uint64_t first, nr;
	int ret;

	fl_oracle_blocks(to, t->size - to, &first, &nr);
	ret = fl_oracle_begin_zero(t->f, to, t->size - to);
	if (ret) {
		fl_set_err(t->err, sizeof(t->err), "oracle: %s", strerror(-ret));
		return ret;
	}
	fl_oracle_op_start(t->c->oracle, actor);
	ret = fl_oracle_truncate(t->f, t->fd, to, t->err, sizeof(t->err));
	if (ret) {
		fl_oracle_abort(t->f, first, nr);
		return ret;
	}
	fl_oracle_end(t->f, first, nr);
	if (dwell)
		nanosleep(&hold, NULL);
	ret = fl_oracle_truncate(t->f, t->fd, t->size, t->err, sizeof(t->err));
	if (ret)
		return ret;
	fl_oracle_op_end(t->c->oracle, actor);
	/* Let readers see the zeroed range for a moment before refilling. */
	sched_yield();
	return fl_oracle_fill(t->f, t->fd, FILE_ID, first, nr, t->err, sizeof(t->err));
}

static int trunc_shared_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct trunc_shared t = { .c = c, .size = NR_BLOCKS * FL_STAMP_SIZE };
	struct trunc_shared_actor actors[FL_CHECK_ACTORS];
	pthread_t tids[FL_CHECK_ACTORS];
	uint32_t truncator = (uint32_t)c->nr_faulters;
	uint64_t x = 88172645463325252ull;
	int ret;

	ret = chk_file_create(c, "trunc-shared", t.size, &t.fd, err, len);
	if (ret)
		return ret;
	ret = fl_oracle_file_init(&t.f, c->oracle, FILE_ID, NR_BLOCKS, t.size);
	if (!ret)
		ret = fl_oracle_fill(t.f, t.fd, FILE_ID, 0, NR_BLOCKS, err, len);
	if (ret)
		goto out_close;
	t.map = mmap(NULL, t.size, PROT_READ, MAP_SHARED, t.fd, 0);
	if (t.map == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file: %s", strerror(errno));
		goto out_file;
	}
	for (int i = 0; i < c->nr_faulters; i++)
		actors[i] = (struct trunc_shared_actor){ .t = &t, .id = (uint32_t)i };
	ret = chk_start(tids, c->nr_faulters, faulter, actors, sizeof(actors[0]),
			err, len);
	if (ret)
		goto out_unmap;
	for (uint64_t n = 0; fl_check_running(c); n++) {
		uint64_t to = fl_rand(&x) % t.size;

		/* Every other cycle cuts at a page boundary, the rest mid-page. */
		if (n % 2 == 0)
			to -= to % c->page_size;
		ret = truncate_cycle(&t, to, truncator, n % DWELL_EVERY == 0);
		if (ret) {
			fl_set_err(err, len, "%s", t.err);
			break;
		}
		fl_check_iteration(c);
	}
	chk_join(tids, c->nr_faulters);
	snprintf(c->note, sizeof(c->note), "%d readers, 1 truncator, %u-page file",
		 c->nr_faulters, NR_BLOCKS);
out_unmap:
	munmap((void *)t.map, t.size);
out_file:
	fl_oracle_file_free(t.f);
out_close:
	close(t.fd);
	return ret;
}

const struct fl_check check_trunc_fault_shared = {
	.name = "trunc_fault_shared",
	.summary = "MAP_SHARED readers vs truncate/regrow at unaligned sizes",
	.run = trunc_shared_run,
};
