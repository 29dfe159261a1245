// SPDX-License-Identifier: GPL-2.0
/*
 * invalidator_liveness: tight faulters write-touch every page of a hot
 * range (64 KiB to 1 MiB, changing every second) through MAP_SHARED while
 * one actor per op kind invalidates it: hole punch, truncate and regrow,
 * O_DIRECT write, and O_DIRECT write whose source is a mapping of the very
 * pages it writes (faulting the source in needs the page cache the write
 * is invalidating: the classic self-deadlock). Every op must complete
 * within a bound; the main thread is the watchdog. Content is not judged;
 * SIGBUS is judged only when taken (another page inside every i_size of
 * the access must not SIGBUS), since O_DIRECT writes past a truncated EOF
 * grow the file behind the i_size timeline's back.
 *
 * A hung op never returns, so the check cannot wait for it: after the
 * deadline plus the bound it reports which op hung, detaches the stuck
 * threads and leaves them their file, mapping and memory. Should one come
 * back later, the check context and the oracle are gone: threads touch
 * them only through a gate that is closed before the check returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/testdir.h"
#include "integrity/oracle_io.h"
#include "common.h"

#define FILE_ID 31
#define FILE_SIZE (1ull << 20)
#define HOT_MIN (64ull << 10)
#define HOT_STEPS 5			/* 64, 128, 256, 512 KiB, 1 MiB */
#define MAX_PUNCH (64ull << 10)
#define MAX_DIO (64ull << 10)
#define BOUND_NS 10000000000ull		/* an op running longer is hung */
#define TICK_NS 100000000ull		/* watchdog period */

enum liveness_op { OP_PUNCH, OP_TRUNCATE, OP_DIO, OP_DIO_SELF, OP_NR };

static const char *const op_names[OP_NR] = {
	[OP_PUNCH] = "punch",
	[OP_TRUNCATE] = "truncate/regrow",
	[OP_DIO] = "O_DIRECT write",
	[OP_DIO_SELF] = "O_DIRECT write from its own mapping",
};

struct liveness;

struct liveness_thread {
	struct liveness *l;
	pthread_t tid;
	uint32_t id;			/* oracle actor id */
	int kind;			/* enum liveness_op, or -1 for a faulter */
	int started;
	int done;			/* set as the thread function returns */
	const char *doing;		/* the syscall in flight, NULL when idle */
	uint64_t since;			/* fl_mono_ns() it started */
	uint64_t ops;			/* ops done, or passes over the range */
	uint64_t longest_ns;
	uint64_t efault;		/* O_DIRECT from a truncated-away source */
};

/* Shared with threads that may never return: allocated, never on a stack. */
struct liveness {
	struct fl_check_ctx *c;		/* main thread, or inside the gate */
	uint64_t deadline_ns;		/* copies for use outside the gate */
	uint64_t max_iterations;
	uint64_t iterations;		/* c->iterations, readable outside it */
	uint32_t page_size;
	/* Read-held around every use of @c; abandoned: @c is gone. */
	pthread_rwlock_t gate;
	int abandoned;
	struct fl_ofile *f;		/* the i_size timeline */
	int fd;
	int dio_fd;
	char dio_why[96];		/* why there is no O_DIRECT */
	volatile char *map;
	char *dio_buf;			/* MAX_DIO, 4 KiB aligned */
	uint64_t hot;			/* bytes; the main thread moves it */
	int left_out[OP_NR];		/* errno that left the op out, or 0 */
	uint64_t sigbus;
	int error;
	pthread_mutex_t err_lock;
	char err[FL_ERR_LEN];
	int nr_faulters;
	int nr_threads;
	struct liveness_thread th[FL_CHECK_ACTORS];
};

static bool liveness_running(struct liveness *l)
{
	return !fl_stop_signal && fl_mono_ns() < l->deadline_ns &&
	       __atomic_load_n(&l->iterations, __ATOMIC_RELAXED) < l->max_iterations &&
	       !__atomic_load_n(&l->error, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&l->abandoned, __ATOMIC_RELAXED);
}

/* Enter the gate to use the check context; false once it is gone. */
static bool gate_enter(struct liveness *l)
{
	pthread_rwlock_rdlock(&l->gate);
	if (!l->abandoned)
		return true;
	pthread_rwlock_unlock(&l->gate);
	return false;
}

static void gate_leave(struct liveness *l)
{
	pthread_rwlock_unlock(&l->gate);
}

static void liveness_fail(struct liveness *l, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the first error (-errno with its text) and stop every thread. */
static void liveness_fail(struct liveness *l, int error, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&l->err_lock);
	if (!l->error) {
		va_start(ap, fmt);
		vsnprintf(l->err, sizeof(l->err), fmt, ap);
		va_end(ap);
		__atomic_store_n(&l->error, error, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&l->err_lock);
}

/*
 * Store one word into every page of the hot range, pass after pass.
 * SIGBUS past a truncated EOF is expected; the oracle judges each one.
 */
static void *faulter(void *arg)
{
	struct liveness_thread *th = arg;
	struct liveness *l = th->l;
	uint64_t ps = l->page_size, x = 0x9e3779b97f4a7c15ull * (th->id + 1);

	while (liveness_running(l)) {
		uint64_t hot = __atomic_load_n(&l->hot, __ATOMIC_RELAXED);
		uint64_t word = fl_rand(&x) % (ps / 8) * 8;

		for (uint64_t off = 0; off < hot; off += ps) {
			uint64_t snap = fl_oracle_size_snapshot(l->f);
			int code = 0;

			if (fl_sigbus_store(l->map + off + word, &x, sizeof(x), &code))
				continue;
			__atomic_fetch_add(&l->sigbus, 1, __ATOMIC_RELAXED);
			if (gate_enter(l)) {
				fl_oracle_judge_access(l->f, snap, off, true, code, th->id);
				gate_leave(l);
			}
		}
		th->ops++;
	}
	__atomic_store_n(&th->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Mark the start of a syscall for the watchdog and for the hang report. */
static void op_begin(struct liveness_thread *th, const char *what)
{
	uint64_t now = fl_mono_ns();

	if (gate_enter(th->l)) {
		fl_oracle_op_start_at(th->l->c->oracle, th->id, now);
		gate_leave(th->l);
	}
	__atomic_store_n(&th->since, now, __ATOMIC_RELAXED);
	__atomic_store_n(&th->doing, what, __ATOMIC_RELEASE);
}

static void op_done(struct liveness_thread *th)
{
	uint64_t ns = 0;

	if (gate_enter(th->l)) {
		ns = fl_oracle_op_end(th->l->c->oracle, th->id);
		gate_leave(th->l);
	}
	__atomic_store_n(&th->doing, NULL, __ATOMIC_RELEASE);
	if (ns > th->longest_ns)
		th->longest_ns = ns;
}

/* A random range inside the hot range: @align-aligned when @align > 1. */
static void pick_range(struct liveness *l, uint64_t *x, uint64_t max_len,
		       uint64_t align, uint64_t *off, uint64_t *len)
{
	uint64_t hot = __atomic_load_n(&l->hot, __ATOMIC_RELAXED);

	*off = fl_rand(x) % hot / align * align;
	*len = (1 + fl_rand(x) % max_len + align - 1) / align * align;
	if (*len > hot - *off)
		*len = hot - *off;
}

/* Shrink the file to a random size in the hot range, then regrow it. */
static int truncate_cycle(struct liveness_thread *th, uint64_t *x)
{
	struct liveness *l = th->l;
	uint64_t hot = __atomic_load_n(&l->hot, __ATOMIC_RELAXED);
	uint64_t to = fl_rand(x) % hot;
	char err[FL_ERR_LEN];
	int ret;

	/* Every other cycle cuts at a page boundary, the rest mid-page. */
	if (th->ops % 2 == 0)
		to -= to % l->page_size;
	op_begin(th, "truncate");
	ret = fl_oracle_truncate(l->f, l->fd, to, err, sizeof(err));
	op_done(th);
	if (ret)
		return ret;
	op_begin(th, "regrow");
	ret = fl_oracle_truncate(l->f, l->fd, FILE_SIZE, err, sizeof(err));
	op_done(th);
	return ret;
}

/* One op of @th's kind: 0 or -errno. */
static int one_op(struct liveness_thread *th, uint64_t *x)
{
	struct liveness *l = th->l;
	uint64_t ps = l->page_size, off, len;
	ssize_t w;
	int ret = 0;

	switch (th->kind) {
	case OP_PUNCH:
		/* Any alignment: partial pages are zeroed, whole ones dropped. */
		pick_range(l, x, MAX_PUNCH, 1, &off, &len);
		op_begin(th, op_names[OP_PUNCH]);
		if (fallocate(l->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len))
			ret = -errno;
		op_done(th);
		return ret;
	case OP_TRUNCATE:
		return truncate_cycle(th, x);
	case OP_DIO:
		pick_range(l, x, MAX_DIO, 4096, &off, &len);
		op_begin(th, op_names[OP_DIO]);
		w = pwrite(l->dio_fd, l->dio_buf, len, (off_t)off);
		ret = w < 0 ? -errno : 0;
		op_done(th);
		return ret;
	case OP_DIO_SELF:
		pick_range(l, x, 4 * ps, ps, &off, &len);
		op_begin(th, op_names[OP_DIO_SELF]);
		w = pwrite(l->dio_fd, (const void *)(l->map + off), len, (off_t)off);
		ret = w < 0 ? -errno : 0;
		op_done(th);
		/* The source pages were cut off by a truncate: fine. */
		if (ret == -EFAULT) {
			th->efault++;
			return 0;
		}
		return ret;
	}
	return -EINVAL;
}

/*
 * Run one op kind back to back. When the first op fails with EOPNOTSUPP
 * or EINVAL the file system cannot do it: leave it out and say so.
 */
static void *actor(void *arg)
{
	struct liveness_thread *th = arg;
	struct liveness *l = th->l;
	uint64_t x = 0xd1b54a32d192ed03ull * (th->id + 1);

	if ((th->kind == OP_DIO || th->kind == OP_DIO_SELF) && l->dio_fd < 0) {
		l->left_out[th->kind] = EINVAL;
		goto out;
	}
	while (liveness_running(l)) {
		int ret = one_op(th, &x);

		if (ret == -EOPNOTSUPP || (ret == -EINVAL && !th->ops)) {
			l->left_out[th->kind] = -ret;
			break;
		}
		if (ret) {
			liveness_fail(l, ret, "%s on the test file: %s", op_names[th->kind],
				 strerror(-ret));
			break;
		}
		th->ops++;
		__atomic_fetch_add(&l->iterations, 1, __ATOMIC_RELAXED);
		if (gate_enter(l)) {
			fl_check_iteration(l->c);
			gate_leave(l);
		}
	}
out:
	__atomic_store_n(&th->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool all_done(struct liveness *l)
{
	for (int i = 0; i < l->nr_threads; i++)
		if (l->th[i].started && !__atomic_load_n(&l->th[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/*
 * The watchdog: every TICK_NS, record ops running past BOUND_NS and move
 * the hot range. Returns once every thread finished, or when the deadline
 * (or an interruption) is BOUND_NS and two ticks behind: by then any op
 * still running has been reported.
 */
static void supervise(struct liveness *l)
{
	struct fl_check_ctx *c = l->c;
	uint64_t start = fl_mono_ns(), give_up = c->deadline_ns + BOUND_NS + 2 * TICK_NS;

	for (;;) {
		uint64_t now = fl_mono_ns(), nap = TICK_NS;
		struct timespec ts;

		fl_oracle_watchdog(c->oracle, BOUND_NS, now);
		if (all_done(l) || now >= give_up)
			return;
		if ((fl_stop_signal || l->error) && now + BOUND_NS + 2 * TICK_NS < give_up)
			give_up = now + BOUND_NS + 2 * TICK_NS;
		__atomic_store_n(&l->hot, HOT_MIN << ((now - start) / 1000000000ull % HOT_STEPS),
				 __ATOMIC_RELAXED);
		/* Past the deadline, notice the threads' exit sooner. */
		if (!liveness_running(l))
			nap = TICK_NS / 10;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)nap;
		nanosleep(&ts, NULL);
	}
}

/*
 * Threads still running after supervise() are stuck in the kernel: name
 * them in @err and detach them. Returns how many there were.
 */
static int report_hung(struct liveness *l, char *err, size_t len)
{
	uint64_t now = fl_mono_ns();
	int hung = 0, faulters = 0;
	size_t at = 0;

	for (int i = 0; i < l->nr_threads; i++) {
		struct liveness_thread *th = &l->th[i];
		const char *doing;

		if (!th->started || __atomic_load_n(&th->done, __ATOMIC_ACQUIRE))
			continue;
		hung++;
		pthread_detach(th->tid);
		if (th->kind < 0) {
			faulters++;
			continue;
		}
		doing = __atomic_load_n(&th->doing, __ATOMIC_ACQUIRE);
		if (at < len)
			at += (size_t)snprintf(err + at, len - at, "%s%s (actor %u, %.1f s)",
					       at ? ", " : "hung past the deadline: ",
					       doing ? doing : op_names[th->kind], th->id,
					       (double)(now - th->since) / 1e9);
	}
	if (faulters && at < len)
		at += (size_t)snprintf(err + at, len - at, "%s%d faulter%s",
				       at ? "; stuck too: " : "hung past the deadline: ",
				       faulters, faulters == 1 ? "" : "s");
	if (hung && at < len)
		snprintf(err + at, len - at,
			 "; threads detached, their file and memory left to them");
	return hung;
}

/* What ran, how often, the longest op, and what was left out. */
static void write_note(struct liveness *l)
{
	struct fl_check_ctx *c = l->c;
	uint64_t longest = 0;
	size_t at, len = sizeof(c->note);
	int worst = -1;

	at = (size_t)snprintf(c->note, len, "%d faulters, %llu SIGBUS; ops:", l->nr_faulters,
			      (unsigned long long)l->sigbus);
	for (int i = l->nr_faulters; i < l->nr_threads && at < len; i++) {
		struct liveness_thread *th = &l->th[i];

		if (l->left_out[th->kind])
			continue;
		at += (size_t)snprintf(c->note + at, len - at, " %s %llu", op_names[th->kind],
				       (unsigned long long)th->ops);
		if (th->kind == OP_DIO_SELF && th->efault && at < len)
			at += (size_t)snprintf(c->note + at, len - at, " (%llu EFAULT)",
					       (unsigned long long)th->efault);
		if (th->longest_ns > longest) {
			longest = th->longest_ns;
			worst = th->kind;
		}
	}
	if (worst >= 0 && at < len)
		at += (size_t)snprintf(c->note + at, len - at, "; longest %.1f ms (%s)",
				       (double)longest / 1e6, op_names[worst]);
	for (int k = 0, n = 0; k < OP_NR && at < len; k++) {
		const char *name = op_names[k], *why = strerror(l->left_out[k]);

		if (!l->left_out[k] || (k == OP_DIO_SELF && l->dio_fd < 0))
			continue;
		/* Without an O_DIRECT descriptor both kinds are out: say it once. */
		if (k == OP_DIO && l->dio_fd < 0) {
			name = "O_DIRECT writes";
			why = l->dio_why;
		}
		at += (size_t)snprintf(c->note + at, len - at, "%s%s (%s)",
				       n++ ? ", " : "; left out: ", name, why);
	}
}

/* Create the file, reopen it O_DIRECT if possible, map it, start threads. */
static int liveness_setup(struct liveness *l, char *err, size_t len)
{
	int ret;

	ret = chk_file_create(l->c, "liveness", FILE_SIZE, &l->fd, err, len);
	if (ret) {
		l->fd = -1;
		return ret;
	}
	ret = fl_oracle_file_init(&l->f, l->c->oracle, FILE_ID, FILE_SIZE / FL_STAMP_SIZE,
				  FILE_SIZE);
	if (ret) {
		fl_set_err(err, len, "oracle: %s", strerror(-ret));
		return ret;
	}
	if (posix_memalign((void **)&l->dio_buf, 4096, MAX_DIO)) {
		l->dio_buf = NULL;
		fl_set_err(err, len, "O_DIRECT buffer: out of memory");
		return -ENOMEM;
	}
	memset(l->dio_buf, 0x5a, MAX_DIO);
	l->dio_fd = fl_open_direct(l->fd);
	if (l->dio_fd < 0)
		snprintf(l->dio_why, sizeof(l->dio_why), "O_DIRECT open: %s",
			 strerror(-l->dio_fd));
	l->map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, 0);
	if (l->map == MAP_FAILED) {
		ret = -errno;
		l->map = NULL;
		fl_set_err(err, len, "map the test file: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static void liveness_free(struct liveness *l)
{
	if (l->map)
		munmap((void *)l->map, FILE_SIZE);
	if (l->dio_fd >= 0)
		close(l->dio_fd);
	if (l->fd >= 0)
		close(l->fd);
	free(l->dio_buf);
	fl_oracle_file_free(l->f);
	pthread_mutex_destroy(&l->err_lock);
	pthread_rwlock_destroy(&l->gate);
	free(l);
}

static int liveness_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct liveness *l = calloc(1, sizeof(*l));
	int ret;

	if (!l) {
		fl_set_err(err, len, "out of memory");
		return -ENOMEM;
	}
	l->c = c;
	l->deadline_ns = c->deadline_ns;
	l->max_iterations = c->max_iterations;
	l->page_size = c->page_size;
	l->fd = -1;
	l->dio_fd = -1;
	l->hot = HOT_MIN;
	pthread_mutex_init(&l->err_lock, NULL);
	pthread_rwlock_init(&l->gate, NULL);
	ret = liveness_setup(l, err, len);
	if (ret)
		goto out;

	/* Faulters first, then one actor per op, all below FL_CHECK_ACTORS. */
	l->nr_faulters = c->nr_faulters < FL_CHECK_ACTORS - OP_NR ?
			 c->nr_faulters : FL_CHECK_ACTORS - OP_NR;
	l->nr_threads = l->nr_faulters + OP_NR;
	for (int i = 0; i < l->nr_threads; i++) {
		struct liveness_thread *th = &l->th[i];

		th->l = l;
		th->id = (uint32_t)i;
		th->kind = i < l->nr_faulters ? -1 : i - l->nr_faulters;
		ret = pthread_create(&th->tid, NULL, th->kind < 0 ? faulter : actor, th);
		if (ret) {
			liveness_fail(l, -ret, "start thread %d: %s", i, strerror(ret));
			break;
		}
		th->started = 1;
	}
	supervise(l);
	if (report_hung(l, err, len)) {
		/* The stuck threads still use @l: it outlives the check. */
		pthread_rwlock_wrlock(&l->gate);
		__atomic_store_n(&l->abandoned, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&l->gate);
		return -ETIMEDOUT;
	}
	for (int i = 0; i < l->nr_threads; i++)
		if (l->th[i].started)
			pthread_join(l->th[i].tid, NULL);
	ret = l->error;
	if (ret)
		fl_set_err(err, len, "%s", l->err);
	else if (l->left_out[OP_PUNCH] && l->left_out[OP_TRUNCATE] &&
		 l->left_out[OP_DIO] && l->left_out[OP_DIO_SELF])
		ret = -EOPNOTSUPP;
	write_note(l);
	if (ret == -EOPNOTSUPP)
		fl_set_err(err, len, "%s", c->note);
out:
	liveness_free(l);
	return ret;
}

const struct fl_check check_invalidator_liveness = {
	.name = "invalidator_liveness",
	.summary = "punch/truncate/O_DIRECT ops finish within 10 s under write faults",
	/* O_DIRECT writes race mapping writers on the same pages by design. */
	.inval_failure_fails = false,
	.run = liveness_run,
};
