// SPDX-License-Identifier: GPL-2.0
/*
 * dangling_page: the same file offsets mapped MAP_SHARED in two processes.
 * A forked child keeps faulting a hot range in its mapping while faulter
 * threads of the parent fault and judge it in theirs; the parent
 * invalidates the range (O_DIRECT write or hole punch), then writes a new
 * stamped page through one of the two mappings, alternating. A fault that
 * raced the invalidation must not leave a page behind that is no longer
 * the page cache's: both mappings and read() must show the new page, and
 * after msync/fsync so must an O_DIRECT read (nothing lost in writeback).
 *
 * The oracle lives in the parent. The child only maps, touches, writes or
 * copies a page on request and reports through a shared anonymous page;
 * the parent announces the child's writes and judges the child's copies.
 * The child is killed and reaped on every path, and dies with the parent
 * (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/testdir.h"
#include "integrity/oracle_io.h"
#include "common.h"

#define NR_PAGES 64
#define FILE_ID 8
#define MAX_OP_PAGES 8
#define MAX_BPP FL_ORACLE_READ_MAX
#define PAUSE_US 200
#define CHILD_WAIT_NS (10 * UINT64_C(1000000000))

enum kind { K_DIO, K_PUNCH, K_NR };

enum cmd { CMD_NONE, CMD_WRITE, CMD_COPY, CMD_SYNC };

/*
 * The parent and the child share this (MAP_SHARED | MAP_ANONYMOUS), with
 * a page-sized buffer after it. A command: the parent fills cmd, page,
 * gen, then bumps req; the child runs it, fills ok/code, sets done = req.
 */
struct dangling_ctl {
	uint64_t req;
	uint64_t done;
	uint32_t cmd;
	int32_t ok;		/* the access did not SIGBUS; msync returned 0 */
	int32_t code;		/* its si_code or errno */
	int32_t ready;		/* child: 1 mapped, -1 could not (errno in code) */
	int32_t quit;
	uint64_t page;
	uint64_t gen;
	uint64_t hot_first;	/* pages the child keeps touching */
	uint64_t hot_nr;
	uint64_t touches;
	uint64_t nr_sigbus;	/* touches that SIGBUSed: none should */
	uint64_t sigbus_page;
	int32_t sigbus_code;
};

struct dangling {
	struct fl_check_ctx *c;
	struct fl_ofile *f;
	int fd, dio_fd;
	uint32_t ps, bpp, nr_faulters;
	uint32_t child_actor, main_actor;
	uint64_t size;
	volatile char *map;		/* the parent's MAP_SHARED mapping */
	struct dangling_ctl *ctl;
	char *ctl_buf;			/* one page after *ctl */
	size_t ctl_len;
	char *io_buf;			/* one page, aligned for O_DIRECT */
	pid_t parent, child;
	bool have[K_NR];
	uint64_t done[K_NR], by_child, seen_sigbus;
	uint64_t hot_first, hot_nr;	/* for the parent's faulters */
	int stop;
	char err[FL_ERR_LEN];
};

struct dangling_actor {
	struct dangling *t;
	uint32_t id;
	uint64_t x;
	char *buf;
};

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A page of @bpp blocks stamped at @gen into @buf. */
static void stamp_page(char *buf, uint64_t page, uint32_t bpp, uint64_t gen)
{
	for (uint32_t k = 0; k < bpp; k++)
		fl_stamp_fill(buf + k * FL_STAMP_SIZE, FILE_ID, page * bpp + k, gen);
}

static void judge_page(struct dangling *t, uint64_t page, const uint64_t *before,
		       const char *buf, uint32_t actor)
{
	for (uint32_t k = 0; k < t->bpp; k++)
		fl_oracle_judge(t->f, page * t->bpp + k, before[k],
				buf + k * FL_STAMP_SIZE, actor);
}

/* The child: run one command from the parent. */
static void child_cmd(struct dangling *t, volatile char *map)
{
	struct dangling_ctl *ctl = t->ctl;
	volatile char *pg = map + ctl->page * t->ps;
	int code = 0;

	switch (ctl->cmd) {
	case CMD_WRITE:
		stamp_page(t->ctl_buf, ctl->page, t->bpp, ctl->gen);
		ctl->ok = fl_sigbus_store(pg, t->ctl_buf, t->ps, &code);
		ctl->code = code;
		break;
	case CMD_COPY:
		ctl->ok = fl_sigbus_copy(t->ctl_buf, pg, t->ps, &code);
		ctl->code = code;
		break;
	case CMD_SYNC:
		ctl->ok = !msync((void *)pg, t->ps, MS_SYNC);
		ctl->code = ctl->ok ? 0 : errno;
		break;
	default:
		ctl->ok = 0;
		ctl->code = EINVAL;
		break;
	}
}

/*
 * The child's life: map the file, then touch pages of the hot range and
 * answer commands until told to quit, interrupted, or orphaned. No
 * malloc, no stdio: it only touches memory and makes plain syscalls, and
 * leaves with _exit() so nothing of the parent's is flushed twice.
 */
static void __attribute__((noreturn)) child_main(struct dangling *t)
{
	struct dangling_ctl *ctl = t->ctl;
	volatile char *map;
	uint64_t x = 0xd1b54a32d192ed03ull, n = 0, w;
	int code;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent may have died before the line above. */
	if (getppid() != t->parent)
		_exit(0);
	map = mmap(NULL, t->size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (map == MAP_FAILED) {
		ctl->code = errno;
		__atomic_store_n(&ctl->ready, -1, __ATOMIC_RELEASE);
		_exit(1);
	}
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		uint64_t req = load(&ctl->req), first, nr, p;

		if (req != ctl->done) {
			child_cmd(t, map);
			store(&ctl->done, req);
			continue;
		}
		if (__atomic_load_n(&ctl->quit, __ATOMIC_ACQUIRE) || fl_stop_signal)
			_exit(0);
		if (++n % 4096 == 0 && getppid() != t->parent)
			_exit(0);
		first = load(&ctl->hot_first);
		nr = load(&ctl->hot_nr);
		p = nr ? first + fl_rand(&x) % nr : fl_rand(&x) % NR_PAGES;
		if (p >= NR_PAGES)
			p = 0;
		if (!fl_sigbus_copy(&w, map + p * t->ps, sizeof(w), &code)) {
			ctl->sigbus_page = p;
			ctl->sigbus_code = code;
			__atomic_fetch_add(&ctl->nr_sigbus, 1, __ATOMIC_RELEASE);
		}
		__atomic_fetch_add(&ctl->touches, 1, __ATOMIC_RELAXED);
		/* Share the CPU: the parent's faulters and invalidator need it. */
		if (n % 64 == 0)
			sched_yield();
	}
}

/* Has the child gone? Says how in t->err. */
static bool child_gone(struct dangling *t)
{
	int st;
	pid_t r = waitpid(t->child, &st, WNOHANG);

	if (r != t->child)
		return false;
	t->child = -1;
	if (WIFSIGNALED(st))
		fl_set_err(t->err, sizeof(t->err), "child process killed by signal %d",
			   WTERMSIG(st));
	else
		fl_set_err(t->err, sizeof(t->err), "child process exited with %d",
			   WEXITSTATUS(st));
	return true;
}

/*
 * Have the child run @cmd on @page and wait for it: 0, -ECHILD when it
 * died, -ETIMEDOUT when it did not answer within CHILD_WAIT_NS (t->err).
 */
static int child_call(struct dangling *t, enum cmd cmd, uint64_t page, uint64_t gen)
{
	struct dangling_ctl *ctl = t->ctl;
	uint64_t req = ctl->req + 1, start = fl_mono_ns();

	ctl->cmd = cmd;
	ctl->page = page;
	ctl->gen = gen;
	store(&ctl->req, req);
	for (uint64_t n = 1; load(&ctl->done) != req; n++) {
		/* Sleep rather than spin: the child needs the CPU to answer. */
		struct timespec ts = { 0, 20000 };

		if (n % 64 == 0) {
			if (child_gone(t))
				return -ECHILD;
			if (fl_mono_ns() - start > CHILD_WAIT_NS) {
				fl_set_err(t->err, sizeof(t->err),
					   "child process did not answer in %llu s",
					   (unsigned long long)(CHILD_WAIT_NS / 1000000000));
				return -ETIMEDOUT;
			}
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Kill and reap the child, whatever state it is in. */
static void child_reap(struct dangling *t)
{
	if (t->child <= 0)
		return;
	__atomic_store_n(&t->ctl->quit, 1, __ATOMIC_RELEASE);
	kill(t->child, SIGKILL);
	while (waitpid(t->child, NULL, 0) < 0 && errno == EINTR)
		;
	t->child = -1;
}

/* SIGBUS the child took on its own touches: never legal here. */
static void judge_child_sigbus(struct dangling *t)
{
	uint64_t n = load(&t->ctl->nr_sigbus);

	if (n == t->seen_sigbus)
		return;
	t->seen_sigbus = n;
	fl_oracle_judge_access(t->f, fl_oracle_size_snapshot(t->f),
			       t->ctl->sigbus_page * t->ps, true,
			       t->ctl->sigbus_code, t->child_actor);
}

/* Parent faulters: read and judge pages, mostly in the hot range. */
static void *faulter(void *arg)
{
	struct dangling_actor *a = arg;
	struct dangling *t = a->t;
	uint64_t before[MAX_BPP];

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) &&
	       fl_check_running(t->c)) {
		uint64_t first = load(&t->hot_first), nr = load(&t->hot_nr);
		uint64_t p = fl_rand(&a->x) % NR_PAGES, snap;
		int code = 0;
		bool ok;

		if (nr && fl_rand(&a->x) % 4)
			p = (first + fl_rand(&a->x) % nr) % NR_PAGES;
		snap = fl_oracle_size_snapshot(t->f);
		fl_oracle_snapshot_range(t->f, p * t->bpp, t->bpp, before);
		ok = fl_sigbus_copy(a->buf, t->map + p * t->ps, t->ps, &code);
		fl_oracle_judge_access(t->f, snap, p * t->ps, !ok, code, a->id);
		if (ok)
			judge_page(t, p, before, a->buf, a->id);
	}
	return NULL;
}

/*
 * All views of @page must show the same, current bytes: the parent's
 * mapping, the child's mapping, read(), and with @direct an O_DIRECT
 * read (the disk, on file systems that have O_DIRECT). No op on the page
 * runs meanwhile, so the oracle wants exactly the last write.
 */
static int verify(struct dangling *t, uint64_t page, bool direct)
{
	uint64_t before[MAX_BPP], snap;
	off_t off = (off_t)(page * t->ps);
	int code = 0, ret;
	bool ok;
	ssize_t r;

	fl_oracle_snapshot_range(t->f, page * t->bpp, t->bpp, before);
	snap = fl_oracle_size_snapshot(t->f);
	ok = fl_sigbus_copy(t->io_buf, t->map + off, t->ps, &code);
	fl_oracle_judge_access(t->f, snap, (uint64_t)off, !ok, code, t->main_actor);
	if (ok)
		judge_page(t, page, before, t->io_buf, t->main_actor);

	ret = child_call(t, CMD_COPY, page, 0);
	if (ret)
		return ret;
	fl_oracle_judge_access(t->f, snap, (uint64_t)off, !t->ctl->ok, t->ctl->code,
			       t->child_actor);
	if (t->ctl->ok)
		judge_page(t, page, before, t->ctl_buf, t->child_actor);

	r = pread(t->fd, t->io_buf, t->ps, off);
	if (r != (ssize_t)t->ps) {
		ret = r < 0 ? -errno : -EIO;
		fl_set_err(t->err, sizeof(t->err), "read page %llu of the test file: %s",
			   (unsigned long long)page, r < 0 ? strerror(-ret) : "short read");
		return ret;
	}
	judge_page(t, page, before, t->io_buf, t->main_actor);
	if (!direct || t->dio_fd < 0)
		return 0;
	r = pread(t->dio_fd, t->io_buf, t->ps, off);
	if (r != (ssize_t)t->ps) {
		ret = r < 0 ? -errno : -EIO;
		fl_set_err(t->err, sizeof(t->err), "O_DIRECT read of page %llu: %s",
			   (unsigned long long)page, r < 0 ? strerror(-ret) : "short read");
		return ret;
	}
	judge_page(t, page, before, t->io_buf, t->main_actor);
	return 0;
}

/* O_DIRECT write of pages [@first, @first + @nr) at a new generation. */
static int inval_dio(struct dangling *t, uint64_t first, uint64_t nr, char *buf)
{
	return fl_oracle_write(t->f, t->dio_fd, FILE_ID, first * t->bpp,
			       nr * t->bpp, buf, t->err, sizeof(t->err));
}

/* Punch pages [@first, @first + @nr): they read zero until written. */
static int inval_punch(struct dangling *t, uint64_t first, uint64_t nr)
{
	uint64_t bfirst = first * t->bpp, bnr = nr * t->bpp;
	int ret = fl_oracle_begin_zero(t->f, first * t->ps, nr * t->ps);

	if (ret) {
		fl_set_err(t->err, sizeof(t->err), "oracle refused a punch of pages %llu+%llu: %s",
			   (unsigned long long)first, (unsigned long long)nr, strerror(-ret));
		return ret;
	}
	if (fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(first * t->ps), (off_t)(nr * t->ps))) {
		ret = -errno;
		fl_oracle_abort(t->f, bfirst, bnr);
		fl_set_err(t->err, sizeof(t->err), "punch pages %llu+%llu of the test file: %s",
			   (unsigned long long)first, (unsigned long long)nr, strerror(-ret));
		return ret;
	}
	fl_oracle_end(t->f, bfirst, bnr);
	return 0;
}

/*
 * Write @page at a new generation through the parent's mapping or, with
 * @by_child, the child's. A SIGBUS is judged (never legal here) and the
 * page is rewritten with pwrite so later judgements start clean.
 */
static int write_through(struct dangling *t, uint64_t page, bool by_child)
{
	uint64_t bfirst = page * t->bpp, snap;
	uint64_t gen = fl_oracle_next_gen(t->f, bfirst, t->bpp);
	int code = 0, ret;
	bool ok;

	ret = fl_oracle_begin(t->f, bfirst, t->bpp, gen, false);
	if (ret) {
		fl_set_err(t->err, sizeof(t->err), "oracle refused a write of page %llu: %s",
			   (unsigned long long)page, strerror(-ret));
		return ret;
	}
	snap = fl_oracle_size_snapshot(t->f);
	if (by_child) {
		ret = child_call(t, CMD_WRITE, page, gen);
		ok = t->ctl->ok;
		code = t->ctl->code;
	} else {
		stamp_page(t->io_buf, page, t->bpp, gen);
		ok = fl_sigbus_store(t->map + page * t->ps, t->io_buf, t->ps, &code);
	}
	fl_oracle_end(t->f, bfirst, t->bpp);
	if (ret)
		return ret;
	fl_oracle_judge_access(t->f, snap, page * t->ps, !ok, code,
			       by_child ? t->child_actor : t->main_actor);
	if (!ok)
		return fl_oracle_fill(t->f, t->fd, FILE_ID, bfirst, t->bpp, t->err,
				sizeof(t->err));
	return 0;
}

/*
 * One cycle: aim both processes at a range, invalidate it under their
 * faults, write one page of it through one mapping, compare every view,
 * write back, compare again.
 */
static int cycle(struct dangling *t, enum kind k, bool by_child, uint64_t *x, char *buf)
{
	uint64_t nr = 1 + fl_rand(x) % MAX_OP_PAGES;
	uint64_t first = fl_rand(x) % (NR_PAGES - nr + 1);
	uint64_t page = first + fl_rand(x) % nr;
	int ret;

	store(&t->ctl->hot_first, first);
	store(&t->ctl->hot_nr, nr);
	store(&t->hot_first, first);
	store(&t->hot_nr, nr);
	/* Let both processes fault the range in first. */
	chk_pause_us(x, PAUSE_US);
	fl_oracle_op_start(t->c->oracle, t->main_actor);
	ret = k == K_DIO ? inval_dio(t, first, nr, buf) : inval_punch(t, first, nr);
	fl_oracle_op_end(t->c->oracle, t->main_actor);
	if (ret)
		return ret;
	chk_pause_us(x, PAUSE_US);
	ret = write_through(t, page, by_child);
	if (!ret)
		ret = verify(t, page, false);
	if (ret)
		return ret;
	/* Writeback: the writer's msync, then fsync of the whole file. */
	if (by_child) {
		ret = child_call(t, CMD_SYNC, page, 0);
		if (!ret && !t->ctl->ok) {
			fl_set_err(t->err, sizeof(t->err), "msync in the child process: %s",
				   strerror(t->ctl->code));
			ret = -t->ctl->code;
		}
	} else if (msync((void *)(t->map + page * t->ps), t->ps, MS_SYNC)) {
		ret = -errno;
		fl_set_err(t->err, sizeof(t->err), "msync the test file: %s", strerror(errno));
	}
	if (!ret && fsync(t->fd)) {
		ret = -errno;
		fl_set_err(t->err, sizeof(t->err), "fsync the test file: %s", strerror(errno));
	}
	if (!ret)
		ret = verify(t, page, true);
	judge_child_sigbus(t);
	return ret;
}

/* Which invalidations work here: each tried once on page 0, announced. */
static void probe(struct dangling *t, char *buf, char *why, size_t len)
{
	int n = 0;

	t->dio_fd = fl_open_direct(t->fd);
	t->have[K_DIO] = t->dio_fd >= 0 && !inval_dio(t, 0, 1, buf);
	if (!t->have[K_DIO])
		n += snprintf(why + n, len - (size_t)n, "no O_DIRECT: %.200s; ",
			      t->dio_fd < 0 ? strerror(-t->dio_fd) : t->err);
	if (!t->have[K_DIO] && t->dio_fd >= 0) {
		close(t->dio_fd);
		t->dio_fd = -1;
	}
	t->have[K_PUNCH] = !inval_punch(t, 0, 1) &&
			   !fl_oracle_fill(t->f, t->fd, FILE_ID, 0, t->bpp, t->err,
				     sizeof(t->err));
	if (!t->have[K_PUNCH] && n >= 0 && (size_t)n < len)
		snprintf(why + n, len - (size_t)n, "no hole punching: %.200s", t->err);
}

static int run_cycles(struct dangling *t, char *buf, char *err, size_t len)
{
	struct dangling_actor actors[FL_CHECK_ACTORS];
	pthread_t tids[FL_CHECK_ACTORS];
	uint64_t x = 0x2545f4914f6cdd1dull;
	int ret;

	for (uint32_t i = 0; i < t->nr_faulters; i++) {
		actors[i] = (struct dangling_actor){
			.t = t, .id = i, .x = 0x9e3779b97f4a7c15ull * (i + 1),
		};
		if (posix_memalign((void **)&actors[i].buf, 64, t->ps)) {
			while (i--)
				free(actors[i].buf);
			fl_set_err(err, len, "out of memory for page buffers");
			return -ENOMEM;
		}
	}
	ret = chk_start(tids, (int)t->nr_faulters, faulter, actors, sizeof(actors[0]),
			err, len);
	if (ret)
		goto out_free;
	for (uint64_t n = 0; fl_check_running(t->c); n++) {
		enum kind k = t->have[n % K_NR] ? (enum kind)(n % K_NR) :
			      (enum kind)((n + 1) % K_NR);
		/* Writer alternates every two cycles, so both meet both kinds. */
		bool by_child = n / 2 % 2;

		ret = cycle(t, k, by_child, &x, buf);
		if (ret) {
			/* Interrupted: the child saw the signal and left. */
			if (ret == -ECHILD && fl_stop_signal)
				ret = 0;
			else
				fl_set_err(err, len, "%s", t->err);
			break;
		}
		t->done[k]++;
		t->by_child += by_child;
		fl_check_iteration(t->c);
	}
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	chk_join(tids, (int)t->nr_faulters);
out_free:
	for (uint32_t i = 0; i < t->nr_faulters; i++)
		free(actors[i].buf);
	return ret;
}

static int dangling_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct dangling t = { .c = c, .dio_fd = -1, .child = -1 };
	char why[FL_ERR_LEN] = "", *buf = NULL;
	int ret;

	if (!chk_blocks_per_page(c, err, len))
		return -EOPNOTSUPP;
	t.ps = c->page_size;
	t.bpp = chk_blocks_per_page(c, NULL, 0);
	t.size = NR_PAGES * (uint64_t)t.ps;
	t.nr_faulters = (uint32_t)c->nr_faulters;
	t.child_actor = t.nr_faulters;
	t.main_actor = t.nr_faulters + 1;
	t.parent = getpid();
	if (posix_memalign((void **)&buf, t.ps, MAX_OP_PAGES * t.ps) ||
	    posix_memalign((void **)&t.io_buf, t.ps, t.ps)) {
		free(buf);
		fl_set_err(err, len, "out of memory for I/O buffers");
		return -ENOMEM;
	}
	ret = chk_file_create(c, "dangling", t.size, &t.fd, err, len);
	if (ret)
		goto out_free;
	ret = fl_oracle_file_init(&t.f, c->oracle, FILE_ID, NR_PAGES * (uint64_t)t.bpp,
				  t.size);
	if (ret) {
		fl_set_err(err, len, "oracle: %s", strerror(-ret));
		goto out_close;
	}
	ret = fl_oracle_fill(t.f, t.fd, FILE_ID, 0, NR_PAGES * (uint64_t)t.bpp, err, len);
	if (ret)
		goto out_file;
	probe(&t, buf, why, sizeof(why));
	if (!t.have[K_DIO] && !t.have[K_PUNCH]) {
		fl_set_err(err, len, "%s", why);
		ret = -EOPNOTSUPP;
		goto out_dio;
	}

	/* The control block, then a page-aligned buffer for page copies. */
	t.ctl_len = 2 * (size_t)t.ps;
	t.ctl = mmap(NULL, t.ctl_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t.ctl == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the control page: %s", strerror(errno));
		goto out_dio;
	}
	t.ctl_buf = (char *)t.ctl + t.ps;
	t.map = mmap(NULL, t.size, PROT_READ | PROT_WRITE, MAP_SHARED, t.fd, 0);
	if (t.map == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file shared: %s", strerror(errno));
		goto out_ctl;
	}

	/* Fork before any thread starts: the child inherits no held lock. */
	t.child = fork();
	if (t.child < 0) {
		ret = -errno;
		fl_set_err(err, len, "fork the second process: %s", strerror(errno));
		goto out_unmap;
	}
	if (!t.child)
		child_main(&t);
	for (uint64_t start = fl_mono_ns();
	     !__atomic_load_n(&t.ctl->ready, __ATOMIC_ACQUIRE);) {
		if (child_gone(&t) || fl_mono_ns() - start > CHILD_WAIT_NS) {
			ret = t.child < 0 ? -ECHILD : -ETIMEDOUT;
			fl_set_err(err, len, "start the child process: %s",
				   t.child < 0 ? t.err : "no answer");
			goto out_child;
		}
		sched_yield();
	}
	if (t.ctl->ready < 0) {
		ret = -t.ctl->code;
		fl_set_err(err, len, "map the test file in the child process: %s",
			   strerror(t.ctl->code));
		goto out_child;
	}
	ret = run_cycles(&t, buf, err, len);
	snprintf(c->note, sizeof(c->note),
		 "%u faulters + a child process, %u-page file; cycles: dio %llu, punch %llu; %llu writes by the child; %llu child touches%s%s",
		 t.nr_faulters, NR_PAGES, (unsigned long long)t.done[K_DIO],
		 (unsigned long long)t.done[K_PUNCH], (unsigned long long)t.by_child,
		 (unsigned long long)load(&t.ctl->touches), why[0] ? "; " : "", why);
out_child:
	child_reap(&t);
out_unmap:
	munmap((void *)t.map, t.size);
out_ctl:
	munmap(t.ctl, t.ctl_len);
out_dio:
	if (t.dio_fd >= 0)
		close(t.dio_fd);
out_file:
	fl_oracle_file_free(t.f);
out_close:
	close(t.fd);
out_free:
	free(buf);
	free(t.io_buf);
	return ret;
}

const struct fl_check check_dangling_page = {
	.name = "dangling_page",
	.summary = "two processes' mappings and read() agree after invalidation and a write",
	.run = dangling_run,
};
