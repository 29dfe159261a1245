// SPDX-License-Identifier: GPL-2.0
/*
 * cow_survives_invalidate: a stamped file mapped MAP_PRIVATE; each faulter
 * owns every other page of its share and, at random moments, COWs one by
 * storing a marker into it, then keeps a copy of the whole private page.
 * An invalidator runs, in turn, hole punches (page aligned or not, then a
 * refill), O_DIRECT writes, POSIX_FADV_DONTNEED and MADV_PAGEOUT on a
 * shared mapping of the file. Every one of them keeps private COW pages
 * (hole punch unmaps with even_cows off; invalidate_inode_pages2() and
 * reclaim only touch page cache folios), so a COWed page must read back
 * exactly as kept, forever. Its non-marker bytes were copied from the file
 * by the COW fault, so they are judged once against the oracle; pages not
 * COWed show the file and are judged by the oracle's normal rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/testdir.h"
#include "integrity/oracle_io.h"
#include "common.h"

#define NR_PAGES 256
#define FILE_ID 6
#define OPS_PER_ROUND 64
#define MAX_OP_PAGES 8
#define MAX_BPP FL_ORACLE_READ_MAX
#define PAUSE_US 200

enum kind { K_PUNCH, K_DIO, K_FADV, K_PAGEOUT, K_NR };

static const char *const kind_names[K_NR] = {
	"punch", "dio", "fadvise", "pageout",
};

struct cow_inval {
	struct fl_check_ctx *c;
	struct fl_ofile *f;
	int fd, dio_fd;
	uint32_t ps, bpp, nr_faulters;
	uint64_t size, nr_blocks, round;
	volatile char *map;		/* MAP_PRIVATE, a fresh one per round */
	volatile char *shared;		/* MAP_SHARED, read only: MADV_PAGEOUT */
	char *dio_buf;			/* MAX_OP_PAGES pages, page aligned */
	bool have[K_NR];
	char why[K_NR][96];		/* why a kind is missing */
	uint64_t done[K_NR];
	uint64_t hot_first, hot_nr;	/* the range of the op in flight */
	int stop;
	char err[FL_ERR_LEN];
};

struct cow_inval_actor {
	struct cow_inval *t;
	uint32_t id;
	uint64_t x;
	char *buf;			/* one page */
	char *kept;			/* per owned slot: the private page as COWed */
	uint32_t moff[NR_PAGES];	/* marker offset in a COWed page */
	uint8_t cowed[NR_PAGES];	/* 1: COWed and kept; 2: COWed, lost track */
	uint64_t nr_cow, nr_kept;	/* COW faults; re-reads of COWed pages */
};

static bool is_cow(const struct cow_inval *t, uint64_t p)
{
	return (p + t->round) % 2 == 0;
}

static uint32_t owner(const struct cow_inval *t, uint64_t p)
{
	return (uint32_t)(p / 2 % t->nr_faulters);
}

/* The owner's slot for COW page @p in its kept copies. */
static uint64_t slot(const struct cow_inval *t, uint64_t p)
{
	return p / 2 / t->nr_faulters;
}

/*
 * COW page @p with a marker store racing the invalidator, keep a copy of
 * the private page and judge it: the marker, and around it the file as
 * the COW fault copied it, legal at some instant of the fault.
 */
static void do_cow(struct cow_inval_actor *a, uint64_t p)
{
	struct cow_inval *t = a->t;
	uint64_t before[MAX_BPP], first = p * t->bpp, off = p * t->ps, snap;
	uint32_t mo = 8 * (uint32_t)(fl_rand(&a->x) % (t->ps / 8));
	uint64_t m = fl_oracle_marker(a->id, off + mo);
	char *keep = a->kept + slot(t, p) * t->ps;
	int code = 0;
	bool ok;

	snap = fl_oracle_size_snapshot(t->f);
	fl_oracle_snapshot_range(t->f, first, t->bpp, before);
	ok = fl_sigbus_store(t->map + off + mo, &m, sizeof(m), &code);
	fl_oracle_judge_access(t->f, snap, off, !ok, code, a->id);
	if (!ok)
		return;
	a->cowed[p] = 2;
	a->moff[p] = mo;
	ok = fl_sigbus_copy(keep, t->map + off, t->ps, &code);
	fl_oracle_judge_access(t->f, snap, off, !ok, code, a->id);
	if (!ok)
		return;
	for (uint32_t k = 0; k < t->bpp; k++) {
		const char *blk = keep + k * FL_STAMP_SIZE;
		uint32_t lo = mo - k * FL_STAMP_SIZE;

		if (mo < k * FL_STAMP_SIZE || lo >= FL_STAMP_SIZE) {
			fl_oracle_judge(t->f, first + k, before[k], blk, a->id);
			continue;
		}
		/* The marker's block: judge the bytes on either side of it. */
		if (lo)
			fl_oracle_judge_range(t->f, first + k, before[k], blk, 0, lo,
					      a->id);
		if (lo + 8 < FL_STAMP_SIZE)
			fl_oracle_judge_range(t->f, first + k, before[k], blk, lo + 8,
					      FL_STAMP_SIZE - lo - 8, a->id);
	}
	fl_oracle_check_marker(t->c->oracle, FILE_ID, off + mo, keep + mo, m, a->id);
	a->cowed[p] = 1;
	a->nr_cow++;
}

/*
 * Read COWed page @p back: it must equal the kept copy. A difference is
 * reported once, as a lost marker at the first changed word expecting
 * the kept word (the marker itself or bytes the COW fault copied).
 */
static void check_cowed(struct cow_inval_actor *a, uint64_t p)
{
	struct cow_inval *t = a->t;
	uint64_t off = p * t->ps, snap = fl_oracle_size_snapshot(t->f);
	const uint64_t *keep = (const uint64_t *)(a->kept + slot(t, p) * t->ps);
	const uint64_t *got = (const uint64_t *)a->buf;
	uint32_t mo = a->moff[p];
	int code = 0;
	bool ok = fl_sigbus_copy(a->buf, t->map + off, t->ps, &code);

	fl_oracle_judge_access(t->f, snap, off, !ok, code, a->id);
	if (!ok)
		return;
	a->nr_kept++;
	if (!memcmp(got, keep, t->ps)) {
		/* Counted as one check: the marker is there. */
		fl_oracle_check_marker(t->c->oracle, FILE_ID, off + mo,
				       a->buf + mo, keep[mo / 8], a->id);
		return;
	}
	for (uint32_t w = 0; w < t->ps / 8; w++) {
		if (got[w] != keep[w]) {
			fl_oracle_check_marker(t->c->oracle, FILE_ID, off + w * 8,
					       &got[w], keep[w], a->id);
			/* Once is enough: stop tracking the page. */
			a->cowed[p] = 2;
			return;
		}
	}
}

static void *faulter(void *arg)
{
	struct cow_inval_actor *a = arg;
	struct cow_inval *t = a->t;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) &&
	       fl_check_running(t->c)) {
		uint64_t p = fl_rand(&a->x) % NR_PAGES;
		uint64_t first = __atomic_load_n(&t->hot_first, __ATOMIC_RELAXED);
		uint64_t nr = __atomic_load_n(&t->hot_nr, __ATOMIC_RELAXED);
		bool hot = nr && fl_rand(&a->x) % 2;

		/* Half the time aim at the range being invalidated. */
		if (hot)
			p = (first + fl_rand(&a->x) % nr) % NR_PAGES;
		if (!is_cow(t, p))
			fl_oracle_read(t->f, t->map, p * t->bpp, t->bpp, t->ps, a->buf,
				       a->id, NULL);
		else if (owner(t, p) != a->id)
			/* Another actor's COW page: its bytes race that actor. */
			fl_oracle_probe(t->f, t->map, p * t->ps, a->id);
		else if (a->cowed[p] == 1)
			check_cowed(a, p);
		else if (a->cowed[p])
			continue;
		else if (fl_rand(&a->x) % (hot ? 2 : 16) == 0)
			/* COW at a random moment, racing some invalidation. */
			do_cow(a, p);
		else
			fl_oracle_read(t->f, t->map, p * t->bpp, t->bpp, t->ps, a->buf,
				       a->id, NULL);
	}
	return NULL;
}

/* A kind the file system lacks: note why, never try it again. */
static int lacks(struct cow_inval *t, enum kind k, const char *why)
{
	t->have[k] = false;
	snprintf(t->why[k], sizeof(t->why[k]), "%s", why);
	return 0;
}

/*
 * Punch pages [@first, @first + @nr), sometimes cutting the first and
 * last page short, then refill the blocks it touched.
 */
static int op_punch(struct cow_inval *t, uint64_t first, uint64_t nr, uint64_t *x)
{
	uint64_t lo = first * t->ps, hi = (first + nr) * t->ps, bfirst, bnr;
	int ret;

	if (fl_rand(x) % 2)
		lo += fl_rand(x) % t->ps;
	if (fl_rand(x) % 2)
		hi -= fl_rand(x) % t->ps;
	if (hi <= lo)
		hi = lo + 1;
	fl_oracle_blocks(lo, hi - lo, &bfirst, &bnr);
	ret = fl_oracle_begin_zero(t->f, lo, hi - lo);
	if (ret) {
		fl_set_err(t->err, sizeof(t->err), "oracle refused punch [%llu, %llu): %s",
			   (unsigned long long)lo, (unsigned long long)hi, strerror(-ret));
		return ret;
	}
	if (fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)lo,
		      (off_t)(hi - lo))) {
		ret = -errno;
		fl_oracle_abort(t->f, bfirst, bnr);
		if (ret == -EOPNOTSUPP)
			return lacks(t, K_PUNCH, "no hole punching");
		fl_set_err(t->err, sizeof(t->err), "punch [%llu, %llu) of the test file: %s",
			   (unsigned long long)lo, (unsigned long long)hi, strerror(-ret));
		return ret;
	}
	fl_oracle_end(t->f, bfirst, bnr);
	/* Let faulters see the hole before it is filled again. */
	chk_pause_us(x, PAUSE_US);
	return fl_oracle_fill(t->f, t->fd, FILE_ID, bfirst, bnr, t->err, sizeof(t->err));
}

/* Write pages [@first, @first + @nr) at a new generation with O_DIRECT. */
static int op_dio(struct cow_inval *t, uint64_t first, uint64_t nr)
{
	int ret = fl_oracle_write(t->f, t->dio_fd, FILE_ID, first * t->bpp,
				  nr * t->bpp, t->dio_buf, t->err, sizeof(t->err));

	if (ret == -EINVAL && !t->done[K_DIO])
		return lacks(t, K_DIO, "O_DIRECT write refused (EINVAL)");
	return ret;
}

/* Drop clean page cache of the range: content does not change. */
static int op_fadv(struct cow_inval *t, uint64_t first, uint64_t nr)
{
	int ret;

	fdatasync(t->fd);
	ret = posix_fadvise(t->fd, (off_t)(first * t->ps), (off_t)(nr * t->ps),
			    POSIX_FADV_DONTNEED);
	if (ret) {
		fl_set_err(t->err, sizeof(t->err), "POSIX_FADV_DONTNEED on the test file: %s",
			   strerror(ret));
		return -ret;
	}
	return 0;
}

/*
 * Fault the range in through the shared mapping and reclaim it from
 * there, then from the private mapping (which swaps COWed pages out if
 * there is swap). Content does not change.
 */
static int op_pageout(struct cow_inval *t, uint64_t first, uint64_t nr)
{
	size_t off = (size_t)(first * t->ps), len = (size_t)(nr * t->ps);
	uint64_t w;
	int code;

	fdatasync(t->fd);
	for (uint64_t p = first; p < first + nr; p++)
		fl_sigbus_copy(&w, t->shared + p * t->ps, sizeof(w), &code);
	if (madvise((void *)(t->shared + off), len, MADV_PAGEOUT) ||
	    madvise((void *)(t->map + off), len, MADV_PAGEOUT)) {
		int e = errno;

		if (e == EINVAL)
			return lacks(t, K_PAGEOUT, "no MADV_PAGEOUT");
		fl_set_err(t->err, sizeof(t->err), "MADV_PAGEOUT on the test file: %s",
			   strerror(e));
		return -e;
	}
	return 0;
}

static int run_op(struct cow_inval *t, enum kind k, uint64_t *x)
{
	uint64_t nr = 1 + fl_rand(x) % MAX_OP_PAGES;
	uint64_t first = fl_rand(x) % (NR_PAGES - nr + 1);

	__atomic_store_n(&t->hot_first, first, __ATOMIC_RELAXED);
	__atomic_store_n(&t->hot_nr, nr, __ATOMIC_RELAXED);
	switch (k) {
	case K_PUNCH:
		return op_punch(t, first, nr, x);
	case K_DIO:
		return op_dio(t, first, nr);
	case K_FADV:
		return op_fadv(t, first, nr);
	default:
		return op_pageout(t, first, nr);
	}
}

/* One round: a fresh private mapping, OPS_PER_ROUND invalidations. */
static int run_round(struct cow_inval *t, struct cow_inval_actor *actors, uint64_t *x,
		     unsigned int *next, char *err, size_t len)
{
	struct fl_check_ctx *c = t->c;
	uint32_t inval = t->nr_faulters;
	pthread_t tids[FL_CHECK_ACTORS];
	int ret;

	t->round++;
	t->stop = 0;
	t->map = mmap(NULL, t->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, t->fd, 0);
	if (t->map == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file private: %s", strerror(-ret));
		return ret;
	}
	for (uint32_t i = 0; i < t->nr_faulters; i++)
		memset(actors[i].cowed, 0, sizeof(actors[i].cowed));
	ret = chk_start(tids, (int)t->nr_faulters, faulter, actors, sizeof(actors[0]),
			err, len);
	if (ret)
		goto out_unmap;
	for (int n = 0; n < OPS_PER_ROUND && fl_check_running(c); n++) {
		enum kind k = K_NR;

		/* The next kind the file system has, in turn. */
		for (int i = 0; i < K_NR && k == K_NR; i++, (*next)++)
			if (t->have[*next % K_NR])
				k = (enum kind)(*next % K_NR);
		if (k == K_NR) {
			fl_set_err(err, len, "no invalidation works on %s", c->fstype);
			ret = -EOPNOTSUPP;
			break;
		}
		fl_oracle_op_start(c->oracle, inval);
		ret = run_op(t, k, x);
		fl_oracle_op_end(c->oracle, inval);
		if (ret) {
			fl_set_err(err, len, "%s", t->err);
			break;
		}
		if (t->have[k]) {
			t->done[k]++;
			fl_check_iteration(c);
		}
		chk_pause_us(x, PAUSE_US);
	}
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	chk_join(tids, (int)t->nr_faulters);
out_unmap:
	munmap((void *)t->map, t->size);
	return ret;
}

/* What ran: COW faults, re-reads, ops per kind, kinds missing and why. */
static void cow_inval_note(struct cow_inval *t, struct cow_inval_actor *actors)
{
	struct fl_check_ctx *c = t->c;
	uint64_t nr_cow = 0, nr_kept = 0;
	size_t n;

	for (uint32_t i = 0; i < t->nr_faulters; i++) {
		nr_cow += actors[i].nr_cow;
		nr_kept += actors[i].nr_kept;
	}
	snprintf(c->note, sizeof(c->note),
		 "%u faulters, %u-page file; %llu COW faults, %llu re-reads of COWed pages; ops:",
		 t->nr_faulters, NR_PAGES, (unsigned long long)nr_cow,
		 (unsigned long long)nr_kept);
	for (int k = 0; k < K_NR; k++) {
		n = strlen(c->note);
		snprintf(c->note + n, sizeof(c->note) - n, " %s %llu", kind_names[k],
			 (unsigned long long)t->done[k]);
	}
	for (int k = 0; k < K_NR; k++) {
		if (t->have[k])
			continue;
		n = strlen(c->note);
		snprintf(c->note + n, sizeof(c->note) - n, "; %s", t->why[k]);
	}
}

static int cow_inval_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct cow_inval t = { .c = c, .dio_fd = -1 };
	struct cow_inval_actor *actors;
	uint64_t x = 0x5851f42d4c957f2dull;
	unsigned int next = 0;
	int ret;

	if (!chk_blocks_per_page(c, err, len))
		return -EOPNOTSUPP;
	t.ps = c->page_size;
	t.bpp = chk_blocks_per_page(c, NULL, 0);
	t.size = NR_PAGES * (uint64_t)t.ps;
	t.nr_blocks = NR_PAGES * (uint64_t)t.bpp;
	t.nr_faulters = (uint32_t)c->nr_faulters;
	for (int k = 0; k < K_NR; k++)
		t.have[k] = true;
	actors = calloc(t.nr_faulters, sizeof(*actors));
	if (!actors || posix_memalign((void **)&t.dio_buf, t.ps, MAX_OP_PAGES * t.ps)) {
		free(actors);
		fl_set_err(err, len, "out of memory for the check state");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t.nr_faulters; i++) {
		size_t slots = (NR_PAGES / 2 + t.nr_faulters - 1) / t.nr_faulters;

		actors[i] = (struct cow_inval_actor){
			.t = &t, .id = i, .x = 0x9e3779b97f4a7c15ull * (i + 1),
		};
		if (posix_memalign((void **)&actors[i].buf, 64, t.ps))
			actors[i].buf = NULL;
		actors[i].kept = malloc(slots * t.ps);
		if (!actors[i].buf || !actors[i].kept) {
			ret = -ENOMEM;
			fl_set_err(err, len, "out of memory for page copies");
			goto out_free;
		}
	}

	ret = chk_file_create(c, "cow-inval", t.size, &t.fd, err, len);
	if (ret)
		goto out_free;
	ret = fl_oracle_file_init(&t.f, c->oracle, FILE_ID, t.nr_blocks, t.size);
	if (ret) {
		fl_set_err(err, len, "oracle: %s", strerror(-ret));
		goto out_close;
	}
	ret = fl_oracle_fill(t.f, t.fd, FILE_ID, 0, t.nr_blocks, err, len);
	if (ret)
		goto out_file;
	t.dio_fd = fl_open_direct(t.fd);
	if (t.dio_fd < 0) {
		char why[96];

		snprintf(why, sizeof(why), "no O_DIRECT: %s", strerror(-t.dio_fd));
		lacks(&t, K_DIO, why);
	}
	t.shared = mmap(NULL, t.size, PROT_READ, MAP_SHARED, t.fd, 0);
	if (t.shared == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file shared: %s", strerror(errno));
		goto out_dio;
	}
	while (!ret && fl_check_running(c))
		ret = run_round(&t, actors, &x, &next, err, len);
	cow_inval_note(&t, actors);
	munmap((void *)t.shared, t.size);
out_dio:
	if (t.dio_fd >= 0)
		close(t.dio_fd);
out_file:
	fl_oracle_file_free(t.f);
out_close:
	close(t.fd);
out_free:
	for (uint32_t i = 0; i < t.nr_faulters; i++) {
		free(actors[i].buf);
		free(actors[i].kept);
	}
	free(actors);
	free(t.dio_buf);
	return ret;
}

const struct fl_check check_cow_survives_invalidate = {
	.name = "cow_survives_invalidate",
	.summary = "private COW pages survive punch, O_DIRECT, fadvise and pageout",
	.run = cow_inval_run,
};
