// SPDX-License-Identifier: GPL-2.0
/*
 * trunc_cow_private: a stamped file mapped MAP_PRIVATE; faulters COW every
 * other page by storing a private stamp (file id PRIV_ID, never written to
 * the file) into it, and keep re-COWing those pages while a truncator
 * shrinks the file and regrows it. truncate_pagecache() unmaps private COW
 * copies too (its second unmap_mapping_range() with even_cows), so once
 * truncate returns every page beyond EOF SIGBUSes, COWed or not, and after
 * the regrow such a page refaults from the file: zero until refilled,
 * never the private data. A COWed page no truncate cut (the EOF page
 * included) keeps its private stamp. Rounds rotate variants: plain,
 * MADV_PAGEOUT on the mapping first, MADV_HUGEPAGE (file THP).
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

#include "integrity/oracle_io.h"
#include "common.h"

#define NR_PAGES 512
#define FILE_ID 4
#define PRIV_ID 5
#define CYCLES_PER_ROUND 48
#define MAX_BPP FL_ORACLE_READ_MAX
#define PAUSE_US 200
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage/"

enum variant { VAR_PLAIN, VAR_PAGEOUT, VAR_THP, VAR_NR };

/* What the owner of a COW page knows its page in the mapping holds. */
enum pstate {
	PS_FILE,	/* no private copy: the page shows the file */
	PS_PRIV,	/* the private stamp of its last clean store */
	PS_UNKNOWN,	/* a size change raced the last store */
};

struct trunc_cow {
	struct fl_check_ctx *c;
	struct fl_ofile *f;		/* the file */
	struct fl_ofile *priv;		/* private stamps, one table per round */
	int fd;
	uint32_t ps, bpp;
	uint64_t size;
	volatile char *map;
	uint64_t round;
	uint32_t nr_faulters;
	/* Odd while a truncate or regrow syscall runs (a seqcount). */
	uint64_t tseq;
	/* Per page: bumped after each completed truncate that cut it. */
	uint64_t zaps[NR_PAGES];
	int cowed;			/* faulters done with the first COW pass */
	int go;				/* the truncator starts */
	int stop;			/* the round is over */
	char err[FL_ERR_LEN];
};

struct trunc_cow_actor {
	struct trunc_cow *t;
	uint32_t id;
	uint64_t x;
	char *buf;			/* one page, 8-byte aligned */
	uint8_t state[NR_PAGES];	/* enum pstate, owned pages only */
	uint64_t mark[NR_PAGES];	/* zaps[p] seen by the last clean store */
	uint64_t nr_priv;		/* COWed pages judged private */
	uint64_t nr_cut;		/* cut COWed pages judged from the file */
};

static bool is_cow(const struct trunc_cow *t, uint64_t p)
{
	/* Alternate halves per round: every page gets COWed in some round. */
	return (p + t->round) % 2 == 0;
}

static uint32_t owner(const struct trunc_cow *t, uint64_t p)
{
	return (uint32_t)(p / 2 % t->nr_faulters);
}

static uint64_t load(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}

static int load_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Judge @n blocks of a page copy, read after @before was snapshotted. */
static void judge_blocks(struct fl_ofile *f, uint64_t first, uint32_t n,
			 const uint64_t *before, const char *buf, uint32_t actor)
{
	for (uint32_t k = 0; k < n; k++)
		fl_oracle_judge(f, first + k, before[k], buf + k * FL_STAMP_SIZE,
				actor);
}

/*
 * Store a fresh private stamp into owned page @p: a COW fault when the
 * page has no private copy. The result is known only when no size change
 * ran during the store (the seqcount did not move): then the page holds
 * the stamp, or SIGBUSed and has no private copy. A SIGBUS always means
 * no private copy is mapped: the store faulted.
 */
static void cow_store(struct trunc_cow_actor *a, uint64_t p)
{
	struct trunc_cow *t = a->t;
	uint64_t first = p * t->bpp, snap, s1, s2, m;
	uint64_t gen = fl_oracle_next_gen(t->priv, first, t->bpp);
	int code = 0;
	bool ok;

	for (uint32_t k = 0; k < t->bpp; k++)
		fl_stamp_fill(a->buf + k * FL_STAMP_SIZE, PRIV_ID, first + k, gen);
	/* Only this actor writes these blocks: begin cannot be refused. */
	if (fl_oracle_begin(t->priv, first, t->bpp, gen, false)) {
		a->state[p] = PS_UNKNOWN;
		return;
	}
	snap = fl_oracle_size_snapshot(t->f);
	s1 = load(&t->tseq);
	ok = fl_sigbus_store(t->map + p * t->ps, a->buf, t->ps, &code);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	m = load(&t->zaps[p]);
	s2 = load(&t->tseq);
	fl_oracle_end(t->priv, first, t->bpp);
	fl_oracle_judge_access(t->f, snap, p * t->ps, !ok, code, a->id);
	if (!ok) {
		a->state[p] = PS_FILE;
	} else if (s1 == s2 && !(s1 & 1)) {
		a->state[p] = PS_PRIV;
		a->mark[p] = m;
	} else {
		a->state[p] = PS_UNKNOWN;
	}
}

/*
 * Read owned page @p. A truncate that completed after the last clean
 * store and cut @p must have zapped the private copy: the page shows the
 * file from then on. Contents are judged only when no size change raced
 * the read: the private stamp, exactly, while the copy must be there; the
 * file's state by the oracle otherwise (zero right after a regrow).
 */
static void read_own(struct trunc_cow_actor *a, uint64_t p)
{
	struct trunc_cow *t = a->t;
	uint64_t bf[MAX_BPP], bp[MAX_BPP], first = p * t->bpp, snap, s1, s2, m;
	int code = 0;
	bool ok;

	snap = fl_oracle_size_snapshot(t->f);
	s1 = load(&t->tseq);
	fl_oracle_snapshot_range(t->f, first, t->bpp, bf);
	fl_oracle_snapshot_range(t->priv, first, t->bpp, bp);
	ok = fl_sigbus_copy(a->buf, t->map + p * t->ps, t->ps, &code);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	m = load(&t->zaps[p]);
	s2 = load(&t->tseq);
	fl_oracle_judge_access(t->f, snap, p * t->ps, !ok, code, a->id);
	if (a->state[p] == PS_PRIV && m != a->mark[p]) {
		a->state[p] = PS_FILE;
		/* Judged below unless raced: the copy must be gone. */
		a->nr_cut += ok && s1 == s2 && !(s1 & 1);
	}
	if (!ok) {
		a->state[p] = PS_FILE;
		return;
	}
	if (s1 != s2 || (s1 & 1))
		return;
	if (a->state[p] == PS_PRIV) {
		judge_blocks(t->priv, first, t->bpp, bp, a->buf, a->id);
		a->nr_priv++;
	}
	else if (a->state[p] == PS_FILE)
		judge_blocks(t->f, first, t->bpp, bf, a->buf, a->id);
}

static void *faulter(void *arg)
{
	struct trunc_cow_actor *a = arg;
	struct trunc_cow *t = a->t;

	/* First pass: COW every owned page before the truncator starts. */
	memset(a->state, PS_FILE, sizeof(a->state));
	for (uint64_t p = 0; p < NR_PAGES && fl_check_running(t->c); p++)
		if (is_cow(t, p) && owner(t, p) == a->id)
			cow_store(a, p);
	__atomic_fetch_add(&t->cowed, 1, __ATOMIC_RELEASE);
	while (!load_int(&t->go) && !load_int(&t->stop) && fl_check_running(t->c))
		sched_yield();

	while (!load_int(&t->stop) && fl_check_running(t->c)) {
		uint64_t p = fl_rand(&a->x) % NR_PAGES, r = fl_rand(&a->x) % 8;

		if (!is_cow(t, p)) {
			fl_oracle_read(t->f, t->map, p * t->bpp, t->bpp, t->ps, a->buf,
				       a->id, NULL);
		} else if (owner(t, p) != a->id) {
			/* Another actor's COW page: its bytes race that actor. */
			fl_oracle_probe(t->f, t->map, p * t->ps, a->id);
		} else if (a->state[p] == PS_UNKNOWN ||
			   (a->state[p] == PS_FILE && r < 4) || r == 0) {
			/* Without a private copy this is a COW fault. */
			cow_store(a, p);
		} else {
			read_own(a, p);
		}
	}
	return NULL;
}

/* One size change, bracketed by the oracle and the seqcount. */
static int set_size(struct trunc_cow *t, uint64_t to, uint64_t zfirst, uint64_t znr)
{
	int ret = fl_oracle_size_begin(t->f, to);

	if (ret) {
		if (znr)
			fl_oracle_abort(t->f, zfirst, znr);
		fl_set_err(t->err, sizeof(t->err), "oracle refused size %llu: %s",
			   (unsigned long long)to, strerror(-ret));
		return ret;
	}
	__atomic_fetch_add(&t->tseq, 1, __ATOMIC_SEQ_CST);
	if (ftruncate(t->fd, (off_t)to)) {
		ret = -errno;
		fl_set_err(t->err, sizeof(t->err), "truncate the test file to %llu: %s",
			   (unsigned long long)to, strerror(errno));
		fl_oracle_size_abort(t->f);
		if (znr)
			fl_oracle_abort(t->f, zfirst, znr);
		__atomic_fetch_add(&t->tseq, 1, __ATOMIC_SEQ_CST);
		return ret;
	}
	fl_oracle_size_end(t->f);
	if (znr)
		fl_oracle_end(t->f, zfirst, znr);
	/* Pages at and after the first page boundary >= @to were unmapped. */
	for (uint64_t p = (to + t->ps - 1) / t->ps; p < NR_PAGES; p++)
		__atomic_fetch_add(&t->zaps[p], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&t->tseq, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Shrink to @to, let faulters see it, regrow, let them see zeros, refill. */
static int truncate_cycle(struct trunc_cow *t, uint64_t to, uint64_t *x)
{
	uint64_t first, nr;
	int ret;

	fl_oracle_blocks(to, t->size - to, &first, &nr);
	ret = fl_oracle_begin_zero(t->f, to, t->size - to);
	if (ret) {
		fl_set_err(t->err, sizeof(t->err), "oracle refused truncate to %llu: %s",
			   (unsigned long long)to, strerror(-ret));
		return ret;
	}
	ret = set_size(t, to, first, nr);
	if (ret)
		return ret;
	chk_pause_us(x, PAUSE_US);
	ret = set_size(t, t->size, 0, 0);
	if (ret)
		return ret;
	chk_pause_us(x, PAUSE_US);
	return fl_oracle_fill(t->f, t->fd, FILE_ID, first, nr, t->err, sizeof(t->err));
}

/* The PMD size if THP can be asked for with MADV_HUGEPAGE, else 0. */
static uint64_t thp_pmd_size(void)
{
	char buf[64] = "";
	unsigned long long pmd = 0;
	FILE *fp = fopen(THP_SYSFS "enabled", "r");

	if (!fp)
		return 0;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = 0;
	fclose(fp);
	if (!buf[0] || strstr(buf, "[never]"))
		return 0;
	fp = fopen(THP_SYSFS "hpage_pmd_size", "r");
	if (!fp)
		return 0;
	if (fscanf(fp, "%llu", &pmd) != 1)
		pmd = 0;
	fclose(fp);
	return pmd;
}

/*
 * @len bytes of @fd mapped MAP_PRIVATE at an @align-aligned address, so a
 * PMD-sized folio can be mapped by a PMD. MAP_FAILED with errno set.
 */
static void *map_aligned(int fd, size_t len, size_t align)
{
	char *res = mmap(NULL, len + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *at;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	at = (char *)(((uintptr_t)res + align - 1) & ~((uintptr_t)align - 1));
	if (mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
		 0) == MAP_FAILED) {
		int e = errno;

		munmap(res, len + align);
		errno = e;
		return MAP_FAILED;
	}
	if (at > res)
		munmap(res, (size_t)(at - res));
	if (at + len < res + len + align)
		munmap(at + len, (size_t)(res + align - at));
	return at;
}

/* Write back, then reclaim the private mapping: file pages, and COWed ones with swap. */
static int page_out(struct trunc_cow *t)
{
	fdatasync(t->fd);
	if (madvise((void *)t->map, t->size, MADV_PAGEOUT)) {
		int e = errno;

		fl_set_err(t->err, sizeof(t->err), "MADV_PAGEOUT on the private mapping: %s",
			   strerror(e));
		return -e;
	}
	return 0;
}

struct trunc_cow_stats {
	uint64_t rounds[VAR_NR];
	uint64_t pmd_mapped;		/* THP rounds that got a PMD mapping */
	bool thp, pageout;
	char thp_why[96], pageout_why[96];
};

/* FilePmdMapped of this process, in kB; 0 if unknown. */
static uint64_t file_pmd_mapped(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *fp = fopen("/proc/self/smaps_rollup", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "FilePmdMapped: %llu", &kb) == 1)
			break;
	if (fp)
		fclose(fp);
	return kb;
}

/*
 * One round: a fresh private mapping in variant @v, faulters COW their
 * pages, then CYCLES_PER_ROUND truncate cycles race them. 0 or -errno
 * with @err; -EOPNOTSUPP when the variant's madvise is not supported.
 */
static int run_round(struct trunc_cow *t, struct trunc_cow_actor *actors, enum variant v,
		     uint64_t align, uint64_t *x, struct trunc_cow_stats *st, char *err,
		     size_t len)
{
	struct fl_check_ctx *c = t->c;
	pthread_t tids[FL_CHECK_ACTORS];
	int ret;

	t->round++;
	t->cowed = t->go = t->stop = 0;
	memset(t->zaps, 0, sizeof(t->zaps));
	ret = fl_oracle_file_init(&t->priv, c->oracle, PRIV_ID,
				  NR_PAGES * (uint64_t)t->bpp, t->size);
	if (ret) {
		fl_set_err(err, len, "oracle: %s", strerror(-ret));
		return ret;
	}
	if (v == VAR_THP) {
		/* Drop the cache so faults read it back in PMD-sized folios. */
		fdatasync(t->fd);
		posix_fadvise(t->fd, 0, 0, POSIX_FADV_DONTNEED);
	}
	t->map = map_aligned(t->fd, t->size, align);
	if (t->map == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file private: %s", strerror(errno));
		goto out_priv;
	}
	if (v == VAR_THP && madvise((void *)t->map, t->size, MADV_HUGEPAGE)) {
		ret = errno == EINVAL ? -EOPNOTSUPP : -errno;
		fl_set_err(err, len, "MADV_HUGEPAGE on the private mapping: %s",
			   strerror(errno));
		goto out_unmap;
	}
	if (v == VAR_THP) {
		uint64_t w;
		int code;

		/* A read fault first, so the COW faults split a PMD mapping. */
		fl_sigbus_copy(&w, t->map, sizeof(w), &code);
		st->pmd_mapped += file_pmd_mapped() > 0;
	}
	for (uint32_t i = 0; i < t->nr_faulters; i++) {
		actors[i].t = t;
		actors[i].id = i;
		actors[i].x ^= t->round * 0x9e3779b97f4a7c15ull;
	}
	ret = chk_start(tids, (int)t->nr_faulters, faulter, actors, sizeof(actors[0]),
			err, len);
	if (ret)
		goto out_unmap;
	while (load_int(&t->cowed) < (int)t->nr_faulters && fl_check_running(c))
		chk_pause_us(x, 100);
	if (v == VAR_PAGEOUT) {
		ret = page_out(t);
		if (ret == -EINVAL)
			ret = -EOPNOTSUPP;
	}
	__atomic_store_n(&t->go, 1, __ATOMIC_RELEASE);
	for (int n = 0; !ret && n < CYCLES_PER_ROUND && fl_check_running(c); n++) {
		uint64_t to = fl_rand(x) % t->size;

		/* Every other cycle cuts at a page boundary, the rest mid-page. */
		if (n % 2 == 0)
			to -= to % t->ps;
		ret = truncate_cycle(t, to, x);
		if (!ret && v == VAR_PAGEOUT && n % 8 == 7)
			ret = page_out(t);
		if (!ret)
			fl_check_iteration(c);
	}
	if (ret)
		fl_set_err(err, len, "%s", t->err);
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	chk_join(tids, (int)t->nr_faulters);
out_unmap:
	munmap((void *)t->map, t->size);
out_priv:
	fl_oracle_file_free(t->priv);
	t->priv = NULL;
	return ret;
}

static int trunc_cow_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct trunc_cow *t;
	struct trunc_cow_actor *actors;
	struct trunc_cow_stats st = { .thp = true, .pageout = true };
	uint64_t pmd = thp_pmd_size(), x = 0x2545f4914f6cdd1dull;
	uint64_t nr_blocks, nr_priv = 0, nr_cut = 0;
	char swaps[256];
	int ret, n, nr_swaps = 0;
	FILE *fp;

	if (!chk_blocks_per_page(c, err, len))
		return -EOPNOTSUPP;
	t = calloc(1, sizeof(*t));
	actors = calloc(FL_CHECK_ACTORS, sizeof(*actors));
	if (!t || !actors) {
		free(t);
		free(actors);
		fl_set_err(err, len, "out of memory for the check state");
		return -ENOMEM;
	}
	t->c = c;
	t->ps = c->page_size;
	t->bpp = c->page_size / FL_STAMP_SIZE;
	t->size = NR_PAGES * (uint64_t)t->ps;
	t->nr_faulters = (uint32_t)c->nr_faulters;
	nr_blocks = NR_PAGES * (uint64_t)t->bpp;
	for (int i = 0; i < FL_CHECK_ACTORS; i++) {
		actors[i].x = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		if (posix_memalign((void **)&actors[i].buf, 64, t->ps))
			actors[i].buf = NULL;
		if (!actors[i].buf) {
			ret = -ENOMEM;
			fl_set_err(err, len, "out of memory for page buffers");
			goto out_free;
		}
	}
	if (!pmd || pmd > t->size || pmd % t->ps) {
		st.thp = false;
		snprintf(st.thp_why, sizeof(st.thp_why), pmd ? "PMD larger than the file" :
			 "THP disabled");
	}

	ret = chk_file_create(c, "trunc-cow", t->size, &t->fd, err, len);
	if (ret)
		goto out_free;
	ret = fl_oracle_file_init(&t->f, c->oracle, FILE_ID, nr_blocks, t->size);
	if (ret)
		fl_set_err(err, len, "oracle: %s", strerror(-ret));
	else
		ret = fl_oracle_fill(t->f, t->fd, FILE_ID, 0, nr_blocks, err, len);
	for (uint64_t r = 0; !ret && fl_check_running(c); r++) {
		enum variant v = (enum variant)(r % VAR_NR);

		if ((v == VAR_THP && !st.thp) || (v == VAR_PAGEOUT && !st.pageout))
			continue;
		ret = run_round(t, actors, v, pmd && pmd % t->ps == 0 ? pmd : t->ps,
				&x, &st, err, len);
		if (ret == -EOPNOTSUPP) {
			/* The variant is not there: note why, run the others. */
			if (v == VAR_THP) {
				st.thp = false;
				snprintf(st.thp_why, sizeof(st.thp_why), "%s", err);
			} else {
				st.pageout = false;
				snprintf(st.pageout_why, sizeof(st.pageout_why), "%s", err);
			}
			err[0] = 0;
			ret = 0;
			continue;
		}
		if (!ret)
			st.rounds[v]++;
	}

	fp = fopen("/proc/swaps", "r");
	while (fp && fgets(swaps, sizeof(swaps), fp))
		nr_swaps++;
	if (fp)
		fclose(fp);
	for (int i = 0; i < FL_CHECK_ACTORS; i++) {
		nr_priv += actors[i].nr_priv;
		nr_cut += actors[i].nr_cut;
	}
	n = snprintf(c->note, sizeof(c->note),
		     "%u faulters, %u-page file, every other page COWed; %llu private reads, %llu reads of cut COWed pages; rounds: plain %llu, pageout %llu, thp %llu (%llu PMD-mapped); %s",
		     t->nr_faulters, NR_PAGES, (unsigned long long)nr_priv,
		     (unsigned long long)nr_cut,
		     (unsigned long long)st.rounds[VAR_PLAIN],
		     (unsigned long long)st.rounds[VAR_PAGEOUT],
		     (unsigned long long)st.rounds[VAR_THP],
		     (unsigned long long)st.pmd_mapped,
		     nr_swaps > 1 ? "swap on: pageout swaps COWed pages" :
		     "no swap: pageout drops only file pages");
	if (!st.thp && n > 0 && (size_t)n < sizeof(c->note))
		n += snprintf(c->note + n, sizeof(c->note) - (size_t)n, "; no THP: %s",
			      st.thp_why);
	if (!st.pageout && n > 0 && (size_t)n < sizeof(c->note))
		snprintf(c->note + n, sizeof(c->note) - (size_t)n, "; no pageout: %s",
			 st.pageout_why);
	fl_oracle_file_free(t->f);
	close(t->fd);
out_free:
	for (int i = 0; i < FL_CHECK_ACTORS; i++)
		free(actors[i].buf);
	free(actors);
	free(t);
	return ret;
}

const struct fl_check check_trunc_cow_private = {
	.name = "trunc_cow_private",
	.summary = "MAP_PRIVATE COW faulters vs truncate: COWed pages beyond EOF SIGBUS",
	.run = trunc_cow_run,
};
