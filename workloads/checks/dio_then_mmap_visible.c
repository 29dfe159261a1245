// SPDX-License-Identifier: GPL-2.0
/*
 * dio_then_mmap_visible: what one side writes the other side must see.
 * Three files, so that no large folio is shared between the parts:
 *
 *  A  mapped MAP_SHARED and faulted in; an O_DIRECT writer writes new
 *     generations of whole stamped blocks while readers judge them through
 *     the mapping. Once the write returned, a read that starts after it
 *     sees that generation or a newer one: the write must have invalidated
 *     every cached and mapped copy.
 *  B  the mirror: a writer stores new generations through the mapping and
 *     msync(MS_SYNC)s them; readers judge them with O_DIRECT preads. The
 *     store counts as in flight until msync returned: only then must the
 *     data be where O_DIRECT reads it.
 *  C  a mapping writer races an O_DIRECT write of the same block, then a
 *     buffered pwrite settles it. During the race either value (or a mix)
 *     is legal, and the kernel may log "Page cache invalidation failure";
 *     once settled, readers must see the settling write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/testdir.h"
#include "integrity/oracle_io.h"
#include "common.h"

#define NR_A 32
#define NR_B 32
#define NR_C 8
#define ID_A 21
#define ID_B 22
#define ID_C 23
/* Longest run of blocks one writer op writes. */
#define MAX_RUN 4
/* Actors besides the faulters: A writer, B writer, C racer, C storer. */
#define NR_WRITERS 4

struct dio_mmap_file {
	const char *tag;
	uint32_t id;
	uint64_t nr;			/* blocks */
	size_t len;			/* bytes, a whole number of pages */
	int fd;
	int dio_fd;
	struct fl_ofile *f;
	volatile char *map;
};

struct dio_mmap {
	struct fl_check_ctx *c;
	struct dio_mmap_file fa, fb, fc;
	int nr_readers;
	/*
	 * The race on C: the racer posts a round with the block and the
	 * stamp to store; the storer stores it until the racer's O_DIRECT
	 * write returned, then acknowledges the round.
	 */
	uint64_t race_round, race_started, race_acked;
	uint64_t race_block;
	int race_dio_done;
	int race_quit;
	uint64_t race_src[FL_STAMP_WORDS];
	/* The first error stops every thread. */
	int error;
	pthread_mutex_t err_lock;
	char err[FL_ERR_LEN];
	/* Counters for the note. */
	uint64_t dio_writes, map_writes, races, map_reads, dio_reads;
	uint64_t inval_failures;	/* races after which fdatasync said EIO */
};

struct dio_mmap_actor {
	struct dio_mmap *t;
	uint32_t id;
};

static bool dio_mmap_running(struct dio_mmap *t)
{
	return fl_check_running(t->c) && !__atomic_load_n(&t->error, __ATOMIC_RELAXED);
}

/* Keep the first error (-errno with its text) and stop everyone. */
static void dio_mmap_fail(struct dio_mmap *t, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void dio_mmap_fail(struct dio_mmap *t, int error, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&t->err_lock);
	if (!t->error) {
		va_start(ap, fmt);
		vsnprintf(t->err, sizeof(t->err), fmt, ap);
		va_end(ap);
		__atomic_store_n(&t->error, error, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&t->err_lock);
}

static void count(uint64_t *n)
{
	__atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
}

/* Page-aligned offset of file offset @off. */
static uint64_t page_of(const struct dio_mmap *t, uint64_t off)
{
	return off / t->c->page_size * t->c->page_size;
}

/*
 * Create, stamp, reopen with O_DIRECT and map one file, and fault every
 * page in. -EOPNOTSUPP when the file system takes no O_DIRECT open.
 */
static int file_setup(struct dio_mmap *t, struct dio_mmap_file *df, char *err, size_t len)
{
	int ret, e;

	df->len = (df->nr * FL_STAMP_SIZE + t->c->page_size - 1) /
		  t->c->page_size * t->c->page_size;
	ret = chk_file_create(t->c, df->tag, df->len, &df->fd, err, len);
	if (ret) {
		df->fd = -1;
		return ret;
	}
	ret = fl_oracle_file_init(&df->f, t->c->oracle, df->id, df->nr, df->len);
	if (!ret)
		ret = fl_oracle_fill(df->f, df->fd, df->id, 0, df->nr, err, len);
	if (ret)
		return ret;
	df->dio_fd = fl_open_direct(df->fd);
	if (df->dio_fd < 0) {
		e = -df->dio_fd;
		fl_set_err(err, len, "%s takes no O_DIRECT open of its files: %s",
			   t->c->fstype, strerror(e));
		return e == EINVAL ? -EOPNOTSUPP : -e;
	}
	df->map = mmap(NULL, df->len, PROT_READ | PROT_WRITE, MAP_SHARED, df->fd, 0);
	if (df->map == MAP_FAILED) {
		e = errno;
		df->map = NULL;
		fl_set_err(err, len, "map file %s: %s", df->tag, strerror(e));
		return -e;
	}
	for (size_t off = 0; off < df->len; off += t->c->page_size)
		(void)df->map[off];
	return 0;
}

static void file_teardown(struct dio_mmap_file *df)
{
	if (df->map)
		munmap((void *)df->map, df->len);
	if (df->dio_fd >= 0)
		close(df->dio_fd);
	if (df->fd >= 0)
		close(df->fd);
	fl_oracle_file_free(df->f);
}

/*
 * Write blocks [first, first + nr) of @df at a fresh generation with one
 * O_DIRECT pwrite from @buf (4 KiB aligned, MAX_RUN blocks), announced
 * to the oracle. 0 or -errno with @err; nothing is written on -EINVAL.
 */
static int dio_write(struct dio_mmap_file *df, char *buf, uint64_t first, uint64_t nr,
		     char *err, size_t len)
{
	uint64_t gen = fl_oracle_next_gen(df->f, first, nr);
	size_t bytes = (size_t)nr * FL_STAMP_SIZE;
	ssize_t w;
	int ret;

	for (uint64_t b = 0; b < nr; b++)
		fl_stamp_fill(buf + b * FL_STAMP_SIZE, df->id, first + b, gen);
	ret = fl_oracle_begin(df->f, first, nr, gen, false);
	if (ret) {
		fl_set_err(err, len, "O_DIRECT write to %s: oracle: %s", df->tag,
			   strerror(-ret));
		return ret;
	}
	w = pwrite(df->dio_fd, buf, bytes, (off_t)(first * FL_STAMP_SIZE));
	if (w == (ssize_t)bytes) {
		fl_oracle_end(df->f, first, nr);
		return 0;
	}
	ret = w < 0 ? -errno : -EIO;
	fl_set_err(err, len, "O_DIRECT write of %s blocks %llu+%llu: %s", df->tag,
		   (unsigned long long)first, (unsigned long long)nr,
		   w < 0 ? strerror(errno) : "short write");
	/* A short write leaves a mix: keep readers lenient, stop. */
	if (w > 0)
		fl_oracle_end(df->f, first, nr);
	else
		fl_oracle_abort(df->f, first, nr);
	return ret;
}

/* A: O_DIRECT writes of runs of blocks, readers on the mapping. */
static void *dio_writer(void *arg)
{
	struct dio_mmap_actor *a = arg;
	struct dio_mmap *t = a->t;
	uint64_t x = 0xd1b54a32d192ed03ull;
	char err[FL_ERR_LEN], *buf;
	int ret;

	if (posix_memalign((void **)&buf, 4096, MAX_RUN * FL_STAMP_SIZE)) {
		dio_mmap_fail(t, -ENOMEM, "O_DIRECT writer: out of memory");
		return NULL;
	}
	while (dio_mmap_running(t)) {
		uint64_t first = fl_rand(&x) % NR_A;
		uint64_t nr = 1 + fl_rand(&x) % MAX_RUN;

		if (nr > NR_A - first)
			nr = NR_A - first;
		ret = dio_write(&t->fa, buf, first, nr, err, sizeof(err));
		if (ret) {
			dio_mmap_fail(t, ret, "%s", err);
			break;
		}
		count(&t->dio_writes);
		fl_check_iteration(t->c);
	}
	free(buf);
	return NULL;
}

/*
 * B: store runs of blocks at a fresh generation through the mapping and
 * msync them; announced from before the first store until msync returned.
 */
static void *map_writer(void *arg)
{
	struct dio_mmap_actor *a = arg;
	struct dio_mmap *t = a->t;
	struct dio_mmap_file *df = &t->fb;
	uint64_t x = 0x94d049bb133111ebull, buf[MAX_RUN][FL_STAMP_WORDS];

	while (dio_mmap_running(t)) {
		uint64_t first = fl_rand(&x) % NR_B;
		uint64_t nr = 1 + fl_rand(&x) % MAX_RUN, gen, start, end;
		uint64_t snap = fl_oracle_size_snapshot(df->f);
		int code = 0, ret;

		if (nr > NR_B - first)
			nr = NR_B - first;
		gen = fl_oracle_next_gen(df->f, first, nr);
		for (uint64_t b = 0; b < nr; b++)
			fl_stamp_fill(buf[b], df->id, first + b, gen);
		ret = fl_oracle_begin(df->f, first, nr, gen, false);
		if (ret) {
			dio_mmap_fail(t, ret, "mapping write to %s: oracle: %s", df->tag,
				 strerror(-ret));
			break;
		}
		if (!fl_sigbus_store(df->map + first * FL_STAMP_SIZE, buf,
			       nr * FL_STAMP_SIZE, &code)) {
			/* i_size never moves: a violation. Leave the blocks in flight. */
			fl_oracle_judge_access(df->f, snap, page_of(t, first * FL_STAMP_SIZE),
					       true, code, a->id);
			break;
		}
		start = page_of(t, first * FL_STAMP_SIZE);
		end = (first + nr) * FL_STAMP_SIZE;
		if (msync((void *)(df->map + start), end - start, MS_SYNC)) {
			dio_mmap_fail(t, -errno, "msync %s bytes %llu-%llu: %s", df->tag,
				 (unsigned long long)start, (unsigned long long)end,
				 strerror(errno));
			break;
		}
		fl_oracle_end(df->f, first, nr);
		count(&t->map_writes);
		fl_check_iteration(t->c);
	}
	return NULL;
}

/*
 * C, the storer: for every round the racer posts, store the posted stamp
 * over the block through the mapping again and again until the racer's
 * O_DIRECT write of the same block returned, so that the block is being
 * dirtied while that write invalidates it.
 */
static void *race_storer(void *arg)
{
	struct dio_mmap_actor *a = arg;
	struct dio_mmap *t = a->t;
	uint64_t done = 0;

	for (;;) {
		uint64_t round, b, snap;
		int code = 0;

		while ((round = __atomic_load_n(&t->race_round, __ATOMIC_ACQUIRE)) == done &&
		       !__atomic_load_n(&t->race_quit, __ATOMIC_ACQUIRE))
			sched_yield();
		if (round == done)
			return NULL;
		b = t->race_block;
		snap = fl_oracle_size_snapshot(t->fc.f);
		do {
			if (!fl_sigbus_store(t->fc.map + b * FL_STAMP_SIZE, t->race_src,
				       FL_STAMP_SIZE, &code)) {
				fl_oracle_judge_access(t->fc.f, snap,
						       page_of(t, b * FL_STAMP_SIZE),
						       true, code, a->id);
				break;
			}
			__atomic_store_n(&t->race_started, round, __ATOMIC_RELEASE);
		} while (!__atomic_load_n(&t->race_dio_done, __ATOMIC_ACQUIRE));
		done = round;
		__atomic_store_n(&t->race_acked, round, __ATOMIC_RELEASE);
	}
}

/* Wait until *@p reaches @v, or the storer acknowledged round @v early. */
static void race_wait(struct dio_mmap *t, uint64_t *p, uint64_t v)
{
	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < v &&
	       __atomic_load_n(&t->race_acked, __ATOMIC_ACQUIRE) < v)
		sched_yield();
}

/*
 * One race on block @b of C. One op announced at gen g + 3 over the
 * block's current gen g: the storer writes g + 1 through the mapping while
 * this thread writes g + 2 with O_DIRECT; any mix of the two (and g) is
 * legal meanwhile. Then a buffered pwrite of g + 3 settles the block,
 * which readers must see once the op ended.
 */
static int race_once(struct dio_mmap *t, char *buf, uint64_t b, uint64_t round,
		     char *err, size_t len)
{
	struct dio_mmap_file *df = &t->fc;
	uint64_t g = fl_oracle_next_gen(df->f, b, 1) - 1;
	ssize_t w;
	int ret;

	ret = fl_oracle_begin(df->f, b, 1, g + 3, false);
	if (ret) {
		fl_set_err(err, len, "race on %s block %llu: oracle: %s", df->tag,
			   (unsigned long long)b, strerror(-ret));
		return ret;
	}
	fl_stamp_fill(t->race_src, df->id, b, g + 1);
	t->race_block = b;
	__atomic_store_n(&t->race_dio_done, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&t->race_round, round, __ATOMIC_RELEASE);
	/* Start the O_DIRECT write only once the block is being stored to. */
	race_wait(t, &t->race_started, round);
	fl_stamp_fill(buf, df->id, b, g + 2);
	w = pwrite(df->dio_fd, buf, FL_STAMP_SIZE, (off_t)(b * FL_STAMP_SIZE));
	__atomic_store_n(&t->race_dio_done, 1, __ATOMIC_RELEASE);
	race_wait(t, &t->race_acked, round);
	if (w != FL_STAMP_SIZE) {
		ret = w < 0 ? -errno : -EIO;
		fl_set_err(err, len, "O_DIRECT write of %s block %llu racing a mapping write: %s",
			   df->tag, (unsigned long long)b,
			   w < 0 ? strerror(errno) : "short write");
		return ret;
	}
	fl_stamp_fill(buf, df->id, b, g + 3);
	w = pwrite(df->fd, buf, FL_STAMP_SIZE, (off_t)(b * FL_STAMP_SIZE));
	if (w != FL_STAMP_SIZE) {
		ret = w < 0 ? -errno : -EIO;
		fl_set_err(err, len, "settling write of %s block %llu: %s", df->tag,
			   (unsigned long long)b, w < 0 ? strerror(errno) : "short write");
		return ret;
	}
	fl_oracle_end(df->f, b, 1);
	/*
	 * A failed invalidation also sets -EIO in the file's writeback error
	 * (the log line is rate limited to ten a day): count the races that
	 * hit it.
	 */
	if (fdatasync(df->fd)) {
		if (errno != EIO) {
			fl_set_err(err, len, "fdatasync %s: %s", df->tag, strerror(errno));
			return -errno;
		}
		count(&t->inval_failures);
	}
	return 0;
}

/* C: race rounds on random blocks until the deadline; then free the storer. */
static void *racer(void *arg)
{
	struct dio_mmap_actor *a = arg;
	struct dio_mmap *t = a->t;
	uint64_t x = 0xbf58476d1ce4e5b9ull;
	char err[FL_ERR_LEN], *buf;
	int ret;

	if (posix_memalign((void **)&buf, 4096, FL_STAMP_SIZE)) {
		dio_mmap_fail(t, -ENOMEM, "racer: out of memory");
		goto out;
	}
	for (uint64_t round = 1; dio_mmap_running(t); round++) {
		ret = race_once(t, buf, fl_rand(&x) % NR_C, round, err, sizeof(err));
		if (ret) {
			dio_mmap_fail(t, ret, "%s", err);
			break;
		}
		count(&t->races);
		fl_check_iteration(t->c);
	}
	free(buf);
out:
	__atomic_store_n(&t->race_quit, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Judge block @b of @df read through its mapping. */
static void read_mapped(struct dio_mmap *t, struct dio_mmap_file *df, uint64_t b,
			uint64_t *buf, uint32_t actor)
{
	uint64_t snap = fl_oracle_size_snapshot(df->f);
	uint64_t before = fl_oracle_snapshot(df->f, b);
	int code = 0;
	bool ok = fl_sigbus_copy(buf, df->map + b * FL_STAMP_SIZE, FL_STAMP_SIZE, &code);

	fl_oracle_judge_access(df->f, snap, page_of(t, b * FL_STAMP_SIZE), !ok,
			       code, actor);
	if (ok)
		fl_oracle_judge(df->f, b, before, buf, actor);
	count(&t->map_reads);
}

/*
 * Readers: half their reads through A's mapping, a quarter through C's,
 * a quarter O_DIRECT preads of B into an aligned buffer.
 */
static void *reader(void *arg)
{
	struct dio_mmap_actor *a = arg;
	struct dio_mmap *t = a->t;
	uint64_t x = 0x9e3779b97f4a7c15ull * (a->id + 1), *buf;

	if (posix_memalign((void **)&buf, 4096, FL_STAMP_SIZE)) {
		dio_mmap_fail(t, -ENOMEM, "reader %u: out of memory", a->id);
		return NULL;
	}
	while (dio_mmap_running(t)) {
		uint64_t r = fl_rand(&x), b, before;
		ssize_t n;

		if ((r & 3) < 2) {
			read_mapped(t, &t->fa, (r >> 2) % NR_A, buf, a->id);
			continue;
		}
		if ((r & 3) == 2) {
			read_mapped(t, &t->fc, (r >> 2) % NR_C, buf, a->id);
			continue;
		}
		b = (r >> 2) % NR_B;
		before = fl_oracle_snapshot(t->fb.f, b);
		n = pread(t->fb.dio_fd, buf, FL_STAMP_SIZE, (off_t)(b * FL_STAMP_SIZE));
		if (n != FL_STAMP_SIZE) {
			dio_mmap_fail(t, n < 0 ? -errno : -EIO,
				 "O_DIRECT read of %s block %llu: %s", t->fb.tag,
				 (unsigned long long)b, n < 0 ? strerror(errno) : "short read");
			break;
		}
		fl_oracle_judge(t->fb.f, b, before, buf, a->id);
		count(&t->dio_reads);
	}
	free(buf);
	return NULL;
}

static int dio_mmap_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct dio_mmap t = {
		.c = c,
		.fa = { .tag = "dio-map-a", .id = ID_A, .nr = NR_A, .fd = -1, .dio_fd = -1 },
		.fb = { .tag = "dio-map-b", .id = ID_B, .nr = NR_B, .fd = -1, .dio_fd = -1 },
		.fc = { .tag = "dio-map-c", .id = ID_C, .nr = NR_C, .fd = -1, .dio_fd = -1 },
	};
	struct dio_mmap_actor actors[FL_CHECK_ACTORS];
	pthread_t tids[FL_CHECK_ACTORS];
	void *(*const writers[NR_WRITERS])(void *) = {
		/* The storer first: the racer waits for it. */
		dio_writer, map_writer, race_storer, racer,
	};
	int ret, nr_threads;
	char *buf = NULL;

	pthread_mutex_init(&t.err_lock, NULL);
	ret = file_setup(&t, &t.fa, err, len);
	if (!ret)
		ret = file_setup(&t, &t.fb, err, len);
	if (!ret)
		ret = file_setup(&t, &t.fc, err, len);
	if (ret)
		goto out;
	if (posix_memalign((void **)&buf, 4096, MAX_RUN * FL_STAMP_SIZE)) {
		ret = -ENOMEM;
		fl_set_err(err, len, "write buffer: out of memory");
		goto out;
	}
	/* One O_DIRECT write first: a file system may take the open, not the I/O. */
	ret = dio_write(&t.fa, buf, 0, 1, err, len);
	if (ret == -EINVAL) {
		ret = -EOPNOTSUPP;
		fl_set_err(err, len, "%s refuses O_DIRECT writes (EINVAL)", c->fstype);
	}
	if (ret)
		goto out;

	/* Actor ids: readers first, then the writers, all below FL_CHECK_ACTORS. */
	t.nr_readers = c->nr_faulters < FL_CHECK_ACTORS - NR_WRITERS ?
		       c->nr_faulters : FL_CHECK_ACTORS - NR_WRITERS;
	nr_threads = t.nr_readers + NR_WRITERS;
	for (int i = 0; i < nr_threads; i++)
		actors[i] = (struct dio_mmap_actor){ .t = &t, .id = (uint32_t)i };
	ret = chk_start(tids, t.nr_readers, reader, actors, sizeof(actors[0]), err, len);
	if (ret)
		goto out;
	for (int i = 0; i < NR_WRITERS; i++) {
		ret = chk_start(&tids[t.nr_readers + i], 1, writers[i],
				&actors[t.nr_readers + i], sizeof(actors[0]), err, len);
		if (ret) {
			/* Without the racer the storer waits for a round: free it. */
			__atomic_store_n(&t.race_quit, 1, __ATOMIC_RELEASE);
			dio_mmap_fail(&t, ret, "%s", err);
			chk_join(tids, t.nr_readers + i);
			goto out;
		}
	}
	chk_join(tids, nr_threads);
	if (t.error) {
		ret = t.error;
		fl_set_err(err, len, "%s", t.err);
	}
	snprintf(c->note, sizeof(c->note),
		 "%d readers: %llu mapped, %llu O_DIRECT reads; %llu O_DIRECT writes, %llu mapping writes + msync, %llu mapping-vs-O_DIRECT races (%llu invalidation failures)",
		 t.nr_readers, (unsigned long long)t.map_reads,
		 (unsigned long long)t.dio_reads, (unsigned long long)t.dio_writes,
		 (unsigned long long)t.map_writes, (unsigned long long)t.races,
		 (unsigned long long)t.inval_failures);
out:
	free(buf);
	file_teardown(&t.fc);
	file_teardown(&t.fb);
	file_teardown(&t.fa);
	pthread_mutex_destroy(&t.err_lock);
	return ret;
}

const struct fl_check check_dio_then_mmap_visible = {
	.name = "dio_then_mmap_visible",
	.summary = "O_DIRECT writes visible through the mapping, and the mirror",
	/* Part C races a mapping writer with O_DIRECT on purpose. */
	.inval_failure_fails = false,
	.run = dio_mmap_run,
};
