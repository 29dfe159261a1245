// SPDX-License-Identifier: GPL-2.0
/* Invalidators: the kinds' table, their life cycle, and what they share. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/rand.h"
#include "integrity/oracle_io.h"
#include "inval/kind.h"

const char *const fl_inval_kind_names[] = {
#define INVAL(id, name, ops) name,
#include "inval/kinds.def"
#undef INVAL
	NULL,
};

static const struct fl_inval_ops *const kinds[] = {
#define INVAL(id, name, ops) [FL_INVAL_##id] = &ops,
#include "inval/kinds.def"
#undef INVAL
};

unsigned int fl_inval_flags(enum fl_inval_kind kind)
{
	return kinds[kind]->flags;
}

int fl_inval_init(struct fl_inval_state **out, enum fl_inval_kind kind,
		  const struct fl_inval_target *target, uint64_t seed,
		  char *err, size_t len)
{
	const struct fl_inval_ops *ops = kinds[kind];
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
			   FL_INVAL_SPAN_PAGES * s->t.page_size))
		goto nomem;
	memset(s->buf, 0x5a, FL_INVAL_SPAN_PAGES * s->t.page_size);
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
	const struct fl_inval_ops *ops = kinds[s->kind];
	int ret = ops->op ? ops->op(s, file, err, len) : 0;

	s->op++;
	return ret;
}

void fl_inval_fini(struct fl_inval_state *s)
{
	if (!s)
		return;
	if (kinds[s->kind]->fini)
		kinds[s->kind]->fini(s);
	free(s->buf);
	free(s);
}

void fl_inval_pick_range(struct fl_inval_state *s, uint64_t *off, uint64_t *len)
{
	uint64_t pages = s->t.size / s->t.page_size;
	uint64_t span = pages < FL_INVAL_SPAN_PAGES ? pages : FL_INVAL_SPAN_PAGES;

	*off = (fl_rand(&s->x) % (pages - span + 1)) * s->t.page_size;
	*len = span * s->t.page_size;
}

static int write_all(int fd, const char *buf, uint64_t off, uint64_t n,
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
	size_t chunk = FL_INVAL_SPAN_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	char *buf = malloc(chunk);
	int ret = 0;

	if (!buf) {
		fl_set_err(err, len, "prefill: out of memory");
		return -ENOMEM;
	}
	memset(buf, 0x5a, chunk);
	for (uint64_t off = 0; off < size && !ret; off += chunk)
		ret = write_all(fd, buf, off, size - off < chunk ? size - off : chunk,
				"prefill test file", err, len);
	if (!ret && fdatasync(fd)) {
		ret = -errno;
		fl_set_err(err, len, "prefill test file: fdatasync: %s", strerror(errno));
	}
	free(buf);
	return ret;
}

int fl_inval_refill(struct fl_inval_state *s, int file, int fd, uint64_t off,
		    uint64_t n, const char *what, char *err, size_t len)
{
	uint64_t first, nr;

	if (!s->t.ofiles)
		return write_all(fd, s->buf, off, n, what, err, len);
	fl_oracle_blocks(off, n, &first, &nr);
	return fl_oracle_write(s->t.ofiles[file], fd, s->t.file_ids[file], first,
			       nr, s->buf, err, len);
}

int fl_inval_zero_begin(struct fl_inval_state *s, int file, uint64_t off,
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

void fl_inval_zero_end(struct fl_inval_state *s, int file, uint64_t off,
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
