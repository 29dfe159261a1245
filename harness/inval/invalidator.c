// SPDX-License-Identifier: GPL-2.0
/* Invalidator kinds: one op each, over a target file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/rand.h"
#include "base/testdir.h"
#include "integrity/oracle_io.h"
#include "inval/invalidator.h"

/* Pages one dio, punch or madvise op covers: 64 KiB with 4 KiB pages. */
#define SPAN_PAGES 16
/* Anonymous regions mmap-churn cycles through. */
#define CHURN_REGIONS 8
#define CHURN_PAGES 4

const char *const fl_inval_kind_names[] = {
#define INVAL(id, name, flags, init, op) name,
#include "inval/kinds.def"
#undef INVAL
	NULL,
};

struct fl_inval_state {
	enum fl_inval_kind kind;
	struct fl_inval_target t;
	uint64_t x;			/* xorshift state */
	uint64_t op;			/* ops done */
	int *dio_fds;			/* O_DIRECT descriptors, per file */
	char *buf;			/* page-aligned, SPAN_PAGES pages */
	char **views;			/* the invalidator's own mappings */
	void *churn[CHURN_REGIONS];
};

/* A page-aligned range of SPAN_PAGES pages (or the whole file) at random. */
static void pick_range(struct fl_inval_state *s, uint64_t *off, uint64_t *len)
{
	uint64_t pages = s->t.size / s->t.page_size;
	uint64_t span = pages < SPAN_PAGES ? pages : SPAN_PAGES;

	*off = (fl_rand(&s->x) % (pages - span + 1)) * s->t.page_size;
	*len = span * s->t.page_size;
}

/* Our own O_DIRECT descriptor of a test file, or -EOPNOTSUPP with why. */
static int open_direct(int fd, int *out, char *err, size_t len)
{
	*out = fl_open_direct(fd);
	if (*out >= 0)
		return 0;
	fl_set_err(err, len, "dio: open test file with O_DIRECT: %s%s",
		   strerror(-*out),
		   *out == -EINVAL ? " (the filesystem does not support O_DIRECT)" : "");
	return *out == -EINVAL ? -EOPNOTSUPP : *out;
}

static int init_dio(struct fl_inval_state *s, char *err, size_t len)
{
	s->dio_fds = calloc((size_t)s->t.nr_files, sizeof(int));
	if (!s->dio_fds)
		return -ENOMEM;
	for (int i = 0; i < s->t.nr_files; i++)
		s->dio_fds[i] = -1;
	for (int i = 0; i < s->t.nr_files; i++) {
		int ret = open_direct(s->t.fds[i], &s->dio_fds[i], err, len);

		if (ret)
			return ret;
	}
	return 0;
}

/* madvise acts through a mapping of its own of each file. */
static int init_views(struct fl_inval_state *s, char *err, size_t len)
{
	s->views = calloc((size_t)s->t.nr_files, sizeof(char *));
	if (!s->views)
		return -ENOMEM;
	for (int i = 0; i < s->t.nr_files; i++) {
		void *v = mmap(NULL, s->t.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, s->t.fds[i], 0);

		if (v == MAP_FAILED) {
			fl_set_err(err, len, "madvise: map the test file: %s",
				   strerror(errno));
			return -errno;
		}
		s->views[i] = v;
	}
	return 0;
}

static int init_remote(struct fl_inval_state *s, char *err, size_t len)
{
	if (s->t.remote_fds)
		return 0;
	fl_set_err(err, len, "invalidator remote needs the files through a second clusterfs mount");
	return -EINVAL;
}

static int init_revoke(struct fl_inval_state *s, char *err, size_t len)
{
	if (s->t.cfs && s->t.names)
		return 0;
	fl_set_err(err, len, "invalidator revoke needs the files on a clusterfs mount");
	return -EINVAL;
}

static int op_write(int fd, const char *buf, uint64_t off, uint64_t n,
		    const char *what, char *err, size_t len)
{
	ssize_t w = pwrite(fd, buf, n, (off_t)off);

	if (w == (ssize_t)n)
		return 0;
	fl_set_err(err, len, "%s at %llu: %s", what, (unsigned long long)off,
		   w < 0 ? strerror(errno) : "short write");
	return w < 0 ? -errno : -EIO;
}

int fl_inval_prefill(int fd, uint64_t size, char *err, size_t len)
{
	size_t chunk = SPAN_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	char *buf = malloc(chunk);
	int ret = 0;

	if (!buf) {
		fl_set_err(err, len, "prefill: out of memory");
		return -ENOMEM;
	}
	memset(buf, 0x5a, chunk);
	for (uint64_t off = 0; off < size && !ret; off += chunk)
		ret = op_write(fd, buf, off, size - off < chunk ? size - off : chunk,
			       "prefill test file", err, len);
	if (!ret && fdatasync(fd)) {
		ret = -errno;
		fl_set_err(err, len, "prefill test file: fdatasync: %s", strerror(errno));
	}
	free(buf);
	return ret;
}

/*
 * Write whole pages [off, off + n) back after they were zeroed: stamped
 * and announced with an oracle, the plain pattern without.
 */
static int refill(struct fl_inval_state *s, int file, int fd, uint64_t off,
		  uint64_t n, const char *what, char *err, size_t len)
{
	uint64_t first, nr;

	if (!s->t.ofiles)
		return op_write(fd, s->buf, off, n, what, err, len);
	fl_oracle_blocks(off, n, &first, &nr);
	return fl_oracle_write(s->t.ofiles[file], fd, s->t.file_ids[file], first,
			       nr, s->buf, err, len);
}

/* Announce that bytes [off, off + n) of @file are about to become zero. */
static int zero_begin(struct fl_inval_state *s, int file, uint64_t off,
		      uint64_t n, char *err, size_t len)
{
	int ret;

	if (!s->t.ofiles)
		return 0;
	ret = fl_oracle_begin_zero(s->t.ofiles[file], off, n);
	if (ret)
		fl_set_err(err, len, "oracle refused zeroing %llu+%llu: %s",
			   (unsigned long long)off, (unsigned long long)n,
			   strerror(-ret));
	return ret;
}

/* The zeroing syscall returned (@ok) or failed and changed nothing. */
static void zero_end(struct fl_inval_state *s, int file, uint64_t off,
		     uint64_t n, bool ok)
{
	uint64_t first, nr;

	if (!s->t.ofiles)
		return;
	fl_oracle_blocks(off, n, &first, &nr);
	if (ok)
		fl_oracle_end(s->t.ofiles[file], first, nr);
	else
		fl_oracle_abort(s->t.ofiles[file], first, nr);
}

/* i_size changes, announced when there is an oracle. */
static int resize(struct fl_inval_state *s, int file, uint64_t to, char *err,
		  size_t len)
{
	return fl_oracle_truncate(s->t.ofiles ? s->t.ofiles[file] : NULL,
				  s->t.fds[file], to, err, len);
}

static int op_truncate(struct fl_inval_state *s, int file, char *err, size_t len)
{
	/* Whole pages from the cut to the end must fit the refill buffer. */
	uint64_t span = (SPAN_PAGES - 1) * s->t.page_size;
	uint64_t cut = 1 + fl_rand(&s->x) % (span < s->t.size ? span : s->t.size);
	uint64_t to = s->t.size - cut, from;
	int ret;

	/* Every other round shrinks to a page boundary, the rest mid-page. */
	if ((s->op / (uint64_t)s->t.nr_files) % 2 == 0)
		to -= to % s->t.page_size;
	ret = zero_begin(s, file, to, s->t.size - to, err, len);
	if (ret)
		return ret;
	ret = resize(s, file, to, err, len);
	zero_end(s, file, to, s->t.size - to, !ret);
	if (!ret)
		ret = resize(s, file, s->t.size, err, len);
	if (ret)
		return ret;
	from = to - to % s->t.page_size;
	return refill(s, file, s->t.fds[file], from, s->t.size - from,
		      "refill after truncate", err, len);
}

static int op_punch(struct fl_inval_state *s, int file, char *err, size_t len)
{
	int fd = s->t.fds[file], ret, e;
	uint64_t off, n;

	pick_range(s, &off, &n);
	ret = zero_begin(s, file, off, n, err, len);
	if (ret)
		return ret;
	ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)off, (off_t)n);
	e = errno;
	zero_end(s, file, off, n, !ret);
	if (ret) {
		fl_set_err(err, len, "punch hole at %llu+%llu: %s%s",
			   (unsigned long long)off, (unsigned long long)n,
			   strerror(e), e == EOPNOTSUPP ?
			   " (the filesystem cannot punch holes)" : "");
		return e == EOPNOTSUPP ? -EOPNOTSUPP : -e;
	}
	return refill(s, file, fd, off, n, "refill punched range", err, len);
}

static int op_madvise(struct fl_inval_state *s, int file, char *err, size_t len)
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
	uint64_t round = s->t.nr_files ? s->op / (uint64_t)s->t.nr_files : s->op;
	unsigned int which = (unsigned int)(round % ARRAY_SIZE(advice));
	uint64_t off, n;
	char *v = s->views[file];

	bool removes = advice[which].advice == MADV_REMOVE;
	int ret, e;

	pick_range(s, &off, &n);
	/* Fault our view in first, so the advice has pages to act on. */
	for (uint64_t i = 0; i < n; i += s->t.page_size)
		((volatile char *)v)[off + i];
	/* MADV_REMOVE punches a hole: announce it and refill after. */
	if (removes) {
		ret = zero_begin(s, file, off, n, err, len);
		if (ret)
			return ret;
	}
	ret = madvise(v + off, n, advice[which].advice);
	e = errno;
	if (removes)
		zero_end(s, file, off, n, !ret);
	if (ret) {
		fl_set_err(err, len, "%s at %llu+%llu: %s", advice[which].name,
			   (unsigned long long)off, (unsigned long long)n,
			   strerror(e));
		return -e;
	}
	return removes ? refill(s, file, s->t.fds[file], off, n,
				"refill removed range", err, len) : 0;
}

/* Map, change protection, unmap: writes to mmap_lock, as a busy process does. */
static int op_churn(struct fl_inval_state *s, int file, char *err, size_t len)
{
	(void)file;
	unsigned int i = (unsigned int)(s->op % CHURN_REGIONS);
	size_t n = CHURN_PAGES * s->t.page_size;

	if (s->churn[i]) {
		munmap(s->churn[i], n);
		s->churn[i] = NULL;
	}
	s->churn[i] = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->churn[i] == MAP_FAILED) {
		s->churn[i] = NULL;
		fl_set_err(err, len, "mmap-churn: mmap: %s", strerror(errno));
		return -errno;
	}
	if (mprotect(s->churn[i], n, PROT_READ | PROT_WRITE)) {
		fl_set_err(err, len, "mmap-churn: mprotect: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int op_dio(struct fl_inval_state *s, int file, char *err, size_t len)
{
	uint64_t off, n;

	pick_range(s, &off, &n);
	return refill(s, file, s->dio_fds[file], off, n, "O_DIRECT write", err, len);
}

static int op_fadvise(struct fl_inval_state *s, int file, char *err, size_t len)
{
	int ret = posix_fadvise(s->t.fds[file], 0, 0, POSIX_FADV_DONTNEED);

	if (ret)
		fl_set_err(err, len, "POSIX_FADV_DONTNEED: %s", strerror(ret));
	return -ret;
}

/*
 * clusterfs drops the range on the faulters' mount before the write
 * returns, as a cluster filesystem's lock downgrade does.
 */
static int op_remote(struct fl_inval_state *s, int file, char *err, size_t len)
{
	uint64_t off, n;

	pick_range(s, &off, &n);
	return refill(s, file, s->t.remote_fds[file], off, n,
		      "write through the remote mount", err, len);
}

/* The data stays: readers refault the same bytes. */
static int op_revoke(struct fl_inval_state *s, int file, char *err, size_t len)
{
	uint64_t off, n;

	pick_range(s, &off, &n);
	return fl_clusterfs_invalidate(s->t.cfs, 0, s->t.names[file], off, n, err, len);
}

void fl_inval_fini(struct fl_inval_state *s)
{
	if (!s)
		return;
	/* A stop between shrink and regrow must not leave a short file. */
	if (fl_inval_flags(s->kind) & FL_INVAL_SHRINKS)
		for (int i = 0; i < s->t.nr_files; i++)
			if (ftruncate(s->t.fds[i], (off_t)s->t.size))
				fl_warn("regrow test file: %s", strerror(errno));
	for (int i = 0; s->dio_fds && i < s->t.nr_files; i++)
		if (s->dio_fds[i] >= 0)
			close(s->dio_fds[i]);
	for (int i = 0; s->views && i < s->t.nr_files; i++)
		if (s->views[i])
			munmap(s->views[i], s->t.size);
	for (int i = 0; i < CHURN_REGIONS; i++)
		if (s->churn[i])
			munmap(s->churn[i], CHURN_PAGES * s->t.page_size);
	free(s->dio_fds);
	free(s->views);
	free(s->buf);
	free(s);
}

static const struct inval_ops {
	unsigned int flags;
	int (*init)(struct fl_inval_state *s, char *err, size_t len);
	int (*op)(struct fl_inval_state *s, int file, char *err, size_t len);
} inval_ops[] = {
#define INVAL(id, name, flags, init, op) [FL_INVAL_##id] = { flags, init, op },
#include "inval/kinds.def"
#undef INVAL
};

unsigned int fl_inval_flags(enum fl_inval_kind kind)
{
	return inval_ops[kind].flags;
}

int fl_inval_init(struct fl_inval_state **out, enum fl_inval_kind kind,
		  const struct fl_inval_target *target, uint64_t seed,
		  char *err, size_t len)
{
	const struct inval_ops *ops = &inval_ops[kind];
	struct fl_inval_state *s;
	int ret = -ENOMEM;

	if ((ops->flags & FL_INVAL_FILES) && !target->nr_files) {
		fl_set_err(err, len, "invalidator %s needs a file mapping (--map shared or private)",
			   fl_inval_kind_names[kind]);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->kind = kind;
	s->t = *target;
	s->x = seed | 1;
	if (posix_memalign((void **)&s->buf, s->t.page_size,
			   SPAN_PAGES * s->t.page_size))
		goto nomem;
	memset(s->buf, 0x5a, SPAN_PAGES * s->t.page_size);
	ret = ops->init ? ops->init(s, err, len) : 0;
	if (ret == -ENOMEM)
		goto nomem;
	if (ret)
		goto fail;
	*out = s;
	return 0;
nomem:
	fl_set_err(err, len, "invalidator %s: out of memory", fl_inval_kind_names[kind]);
	ret = -ENOMEM;
fail:
	fl_inval_fini(s);
	return ret;
}

int fl_inval_op(struct fl_inval_state *s, char *err, size_t len)
{
	int file = s->t.nr_files ? (int)(s->op % (uint64_t)s->t.nr_files) : -1;
	int (*op)(struct fl_inval_state *, int, char *, size_t) = inval_ops[s->kind].op;
	int ret = op ? op(s, file, err, len) : 0;

	s->op++;
	return ret;
}
