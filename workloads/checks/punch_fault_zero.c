// SPDX-License-Identifier: GPL-2.0
/*
 * punch_fault_zero: a stamped file in a MAP_SHARED mapping; faulters read
 * random blocks, mostly in and next to the range being punched, while one
 * actor punches holes whose ends are neither page nor block aligned
 * (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) and then refills the blocks
 * it touched at a new generation, by buffered pwrite and by O_DIRECT pwrite
 * in turn. The hole reads zero until refilled, bytes outside it never
 * change, no SIGBUS inside i_size (which never moves here), never data of
 * an older generation: the oracle judges every read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/testdir.h"
#include "integrity/oracle_io.h"
#include "common.h"

#define NR_BLOCKS 64
#define FILE_ID 11
/* Longest punch: a few blocks, so some punches unmap whole pages. */
#define MAX_PUNCH (4 * FL_STAMP_SIZE + 1000)
/* Blocks a punch can touch: MAX_PUNCH at the worst offset. */
#define MAX_TOUCHED 6
/* How long a refill waits for readers to look at the hole. */
#define HOLE_LOOK_NS 2000000ull

struct punch {
	struct fl_check_ctx *c;
	struct fl_ofile *f;
	int fd;
	int dio_fd;			/* -1: refill with pwrite only */
	char *dio_buf;			/* MAX_TOUCHED blocks, 4 KiB aligned */
	volatile char *map;
	uint64_t size;
	/* Blocks of the current punch, first << 32 | last: readers aim here. */
	uint64_t aim;
	/* Reads of the punched blocks since the punch returned. */
	uint64_t hole_reads;
	uint64_t buffered, direct;	/* refills of each kind */
	char dio_why[128];		/* why there are no O_DIRECT refills */
};

struct punch_actor {
	struct punch *t;
	uint32_t id;
};

/*
 * Read blocks through the mapping, three reads in four in or next to the
 * blocks of the current punch, and judge the access and the bytes.
 */
static void *faulter(void *arg)
{
	struct punch_actor *a = arg;
	struct punch *t = a->t;
	uint64_t x = 0x9e3779b97f4a7c15ull * (a->id + 1), buf[FL_STAMP_WORDS];

	while (fl_check_running(t->c)) {
		uint64_t aim = __atomic_load_n(&t->aim, __ATOMIC_RELAXED);
		uint64_t lo = aim >> 32, hi = aim & 0xffffffffu, r = fl_rand(&x);
		uint64_t b;

		if (r & 3) {
			uint64_t from = lo ? lo - 1 : 0;
			uint64_t to = hi + 1 < NR_BLOCKS ? hi + 1 : NR_BLOCKS - 1;

			b = from + (r >> 2) % (to - from + 1);
		} else {
			b = (r >> 2) % NR_BLOCKS;
		}
		if (!fl_oracle_read(t->f, t->map, b, 1, t->c->page_size, buf, a->id,
				    NULL))
			continue;
		if (b >= lo && b <= hi)
			__atomic_fetch_add(&t->hole_reads, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Refill blocks [first, first + nr) at a fresh generation with an
 * O_DIRECT pwrite of whole stamped blocks. 1 when the file refuses
 * O_DIRECT writes (EINVAL: nothing written), else as fl_oracle_fill.
 */
static int dio_fill(struct punch *t, uint64_t first, uint64_t nr, char *err,
		    size_t len)
{
	uint64_t gen = fl_oracle_next_gen(t->f, first, nr);
	size_t bytes = (size_t)nr * FL_STAMP_SIZE;
	ssize_t w;
	int ret;

	for (uint64_t b = 0; b < nr; b++)
		fl_stamp_fill(t->dio_buf + b * FL_STAMP_SIZE, FILE_ID, first + b, gen);
	ret = fl_oracle_begin(t->f, first, nr, gen, false);
	if (ret) {
		fl_set_err(err, len, "O_DIRECT refill: oracle: %s", strerror(-ret));
		return ret;
	}
	w = pwrite(t->dio_fd, t->dio_buf, bytes, (off_t)(first * FL_STAMP_SIZE));
	if (w == (ssize_t)bytes) {
		fl_oracle_end(t->f, first, nr);
		return 0;
	}
	if (w < 0 && errno == EINVAL) {
		fl_oracle_abort(t->f, first, nr);
		return 1;
	}
	ret = w < 0 ? -errno : -EIO;
	fl_set_err(err, len, "O_DIRECT refill of blocks %llu+%llu: %s",
		   (unsigned long long)first, (unsigned long long)nr,
		   w < 0 ? strerror(-ret) : "short write");
	/* Some blocks may be new, some old: stop, but keep readers lenient. */
	if (w > 0)
		fl_oracle_end(t->f, first, nr);
	else
		fl_oracle_abort(t->f, first, nr);
	return ret;
}

/* Give the readers a moment to see the hole: a few reads, at most 2 ms. */
static void let_readers_look(struct punch *t)
{
	uint64_t until = fl_mono_ns() + HOLE_LOOK_NS;

	while (__atomic_load_n(&t->hole_reads, __ATOMIC_RELAXED) <
	       (uint64_t)t->c->nr_faulters && fl_mono_ns() < until)
		sched_yield();
}

/*
 * One cycle: punch a random range with both ends off every 512-byte
 * boundary (so never page or block aligned), announced to the oracle,
 * then refill every block it touched at a new generation, O_DIRECT on
 * odd cycles when available. -EOPNOTSUPP when the file cannot punch.
 */
static int punch_cycle(struct punch *t, uint64_t n, uint64_t *x, char *err,
		       size_t len)
{
	uint64_t plen = 2 + fl_rand(x) % (MAX_PUNCH - 1);
	uint64_t off = fl_rand(x) % (t->size - plen), first, nr;
	int ret;

	if (off % 512 == 0)
		off++;
	if ((off + plen) % 512 == 0)
		plen--;
	fl_oracle_blocks(off, plen, &first, &nr);
	__atomic_store_n(&t->aim, first << 32 | (first + nr - 1), __ATOMIC_RELAXED);
	ret = fl_oracle_begin_zero(t->f, off, plen);
	if (ret) {
		fl_set_err(err, len, "punch %llu+%llu: oracle: %s",
			   (unsigned long long)off, (unsigned long long)plen,
			   strerror(-ret));
		return ret;
	}
	if (fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)plen)) {
		int e = errno;

		fl_oracle_abort(t->f, first, nr);
		if (e == EOPNOTSUPP) {
			fl_set_err(err, len, "%s cannot punch holes (fallocate: %s)",
				   t->c->fstype, strerror(e));
			return -EOPNOTSUPP;
		}
		fl_set_err(err, len, "punch %llu+%llu: %s", (unsigned long long)off,
			   (unsigned long long)plen, strerror(e));
		return -e;
	}
	__atomic_store_n(&t->hole_reads, 0, __ATOMIC_RELAXED);
	fl_oracle_end(t->f, first, nr);
	let_readers_look(t);

	if (n % 2 && t->dio_fd >= 0) {
		ret = dio_fill(t, first, nr, err, len);
		if (ret <= 0) {
			t->direct += !ret;
			return ret;
		}
		/* The file takes O_DIRECT opens but not writes: pwrite from now on. */
		snprintf(t->dio_why, sizeof(t->dio_why),
			 "O_DIRECT write: %s", strerror(EINVAL));
		close(t->dio_fd);
		t->dio_fd = -1;
	}
	ret = fl_oracle_fill(t->f, t->fd, FILE_ID, first, nr, err, len);
	t->buffered += !ret;
	return ret;
}

/* Reopen the test file with O_DIRECT; -1 with @why when it cannot be. */
static int open_direct(int fd, char *why, size_t len)
{
	int dfd = fl_open_direct(fd);

	if (dfd < 0)
		snprintf(why, len, "O_DIRECT open: %s", strerror(-dfd));
	return dfd;
}

static int punch_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct punch t = { .c = c, .size = NR_BLOCKS * FL_STAMP_SIZE, .dio_fd = -1 };
	struct punch_actor actors[FL_CHECK_ACTORS];
	pthread_t tids[FL_CHECK_ACTORS];
	uint64_t x = 0x853c49e6748fea9bull, n = 0;
	int ret;

	ret = chk_file_create(c, "punch-zero", t.size, &t.fd, err, len);
	if (ret)
		return ret;
	ret = fl_oracle_file_init(&t.f, c->oracle, FILE_ID, NR_BLOCKS, t.size);
	if (!ret)
		ret = fl_oracle_fill(t.f, t.fd, FILE_ID, 0, NR_BLOCKS, err, len);
	if (ret)
		goto out_close;
	if (posix_memalign((void **)&t.dio_buf, 4096, MAX_TOUCHED * FL_STAMP_SIZE)) {
		ret = -ENOMEM;
		fl_set_err(err, len, "refill buffer: out of memory");
		goto out_file;
	}
	t.dio_fd = open_direct(t.fd, t.dio_why, sizeof(t.dio_why));
	t.map = mmap(NULL, t.size, PROT_READ, MAP_SHARED, t.fd, 0);
	if (t.map == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file: %s", strerror(errno));
		goto out_buf;
	}
	/* Past the deadline (or the iteration test hook) before the first. */
	if (!fl_check_running(c))
		goto out_unmap;
	/* The first cycle alone: a file that cannot punch is skipped here. */
	ret = punch_cycle(&t, n++, &x, err, len);
	if (ret)
		goto out_unmap;
	fl_check_iteration(c);
	for (int i = 0; i < c->nr_faulters; i++)
		actors[i] = (struct punch_actor){ .t = &t, .id = (uint32_t)i };
	ret = chk_start(tids, c->nr_faulters, faulter, actors, sizeof(actors[0]),
			err, len);
	if (ret)
		goto out_unmap;
	while (fl_check_running(c)) {
		ret = punch_cycle(&t, n++, &x, err, len);
		if (ret)
			break;
		fl_check_iteration(c);
	}
	chk_join(tids, c->nr_faulters);
	snprintf(c->note, sizeof(c->note),
		 "%d readers, 1 puncher; refills: %llu pwrite, %llu O_DIRECT%s%s%s",
		 c->nr_faulters, (unsigned long long)t.buffered,
		 (unsigned long long)t.direct, t.dio_why[0] ? " (pwrite only after " : "",
		 t.dio_why, t.dio_why[0] ? ")" : "");
out_unmap:
	munmap((void *)t.map, t.size);
out_buf:
	if (t.dio_fd >= 0)
		close(t.dio_fd);
	free(t.dio_buf);
out_file:
	fl_oracle_file_free(t.f);
out_close:
	close(t.fd);
	return ret;
}

const struct fl_check check_punch_fault_zero = {
	.name = "punch_fault_zero",
	.summary = "MAP_SHARED readers vs unaligned hole punch and refill",
	.inval_failure_fails = true,
	.run = punch_run,
};
