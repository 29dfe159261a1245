// SPDX-License-Identifier: GPL-2.0
/*
 * eof_boundary: single-threaded, at sizes around page and block
 * boundaries. After a truncate the EOF page's tail reads zero and the page
 * after it SIGBUSes; bytes then stored beyond EOF through the mapping must
 * not reappear, in the mapping or through read(), once the file grows
 * (POSIX ftruncate zero-fills the new range). The oracle is told what was
 * stored where, so a reappearance is reported as eof_data_reappeared.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "integrity/oracle_io.h"
#include "common.h"

#define NR_BLOCKS 3
#define FILE_ID 3
#define ACTOR 0
/* Stored past EOF: any non-zero byte would do; this one is easy to spot. */
#define SCRIBBLE 0xff

/* Judge block @b through the mapping and through read(). */
static void judge_block(struct fl_ofile *f, int fd, volatile char *map,
			uint64_t b, uint64_t page_size)
{
	uint64_t buf[FL_STAMP_WORDS], before;
	ssize_t n;

	fl_oracle_read(f, map, b, 1, page_size, buf, ACTOR, NULL);
	/* read() stops at EOF: judge the bytes it returns. */
	memset(buf, 0, sizeof(buf));
	before = fl_oracle_snapshot(f, b);
	n = pread(fd, buf, FL_STAMP_SIZE, (off_t)(b * FL_STAMP_SIZE));
	if (n > 0)
		fl_oracle_judge_range(f, b, before, buf, 0, (size_t)n, ACTOR);
}

/* One size: truncate to @to, look, scribble past EOF, regrow, look again. */
static int one_size(struct fl_check_ctx *c, uint64_t to, char *err, size_t len)
{
	uint64_t full = NR_BLOCKS * FL_STAMP_SIZE, first, nr;
	uint64_t eof_page_end = (to + c->page_size - 1) / c->page_size * c->page_size;
	volatile char *map;
	struct fl_ofile *f;
	int fd, ret;

	ret = chk_file_create(c, "eof", full, &fd, err, len);
	if (ret)
		return ret;
	ret = fl_oracle_file_init(&f, c->oracle, FILE_ID, NR_BLOCKS, full);
	if (!ret)
		ret = fl_oracle_fill(f, fd, FILE_ID, 0, NR_BLOCKS, err, len);
	if (ret)
		goto out_close;

	fl_oracle_blocks(to, full - to, &first, &nr);
	if (fl_oracle_begin_zero(f, to, full - to)) {
		ret = -EINVAL;
		fl_set_err(err, len, "oracle refused truncate to %llu", (unsigned long long)to);
		goto out_file;
	}
	if (fl_oracle_size_begin(f, to)) {
		fl_oracle_abort(f, first, nr);
		ret = -EINVAL;
		fl_set_err(err, len, "oracle refused truncate to %llu", (unsigned long long)to);
		goto out_file;
	}
	if (ftruncate(fd, (off_t)to)) {
		ret = -errno;
		fl_set_err(err, len, "truncate to %llu: %s", (unsigned long long)to,
			   strerror(errno));
		goto out_file;
	}
	fl_oracle_size_end(f);
	fl_oracle_end(f, first, nr);

	map = mmap(NULL, full, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		fl_set_err(err, len, "map the test file: %s", strerror(errno));
		goto out_file;
	}
	for (uint64_t b = 0; b < NR_BLOCKS; b++)
		judge_block(f, fd, map, b, c->page_size);

	/* Scribble on the EOF page past EOF: legal, but must not stick. */
	if (to < eof_page_end) {
		int code;

		fl_oracle_past_eof_store(f, to, eof_page_end - to, SCRIBBLE);
		for (uint64_t o = to; o < eof_page_end; o++) {
			char ff = (char)SCRIBBLE;

			if (!fl_sigbus_store(map + o, &ff, 1, &code))
				break;
		}
		msync((void *)map, full, MS_SYNC);
	}
	fl_oracle_size_begin(f, full);
	if (ftruncate(fd, (off_t)full)) {
		ret = -errno;
		fl_set_err(err, len, "regrow to %llu: %s", (unsigned long long)full,
			   strerror(errno));
		goto out_unmap;
	}
	fl_oracle_size_end(f);
	for (uint64_t b = 0; b < NR_BLOCKS; b++)
		judge_block(f, fd, map, b, c->page_size);
out_unmap:
	munmap((void *)map, full);
out_file:
	fl_oracle_file_free(f);
out_close:
	close(fd);
	return ret;
}

static int eof_run(struct fl_check_ctx *c, char *err, size_t len)
{
	uint64_t ps = c->page_size, x = 0x2545f4914f6cdd1dull;
	/* Around the first and second page boundaries, and a sector inside. */
	const uint64_t fixed[] = { 1, 511, 512, 513, ps - 1, ps, ps + 1,
				   2 * ps - 8, 2 * ps, 2 * ps + 100 };
	int ret = 0;

	for (uint64_t i = 0; fl_check_running(c) && !ret; i++) {
		uint64_t to = i < ARRAY_SIZE(fixed) ? fixed[i] :
			      1 + fl_rand(&x) % (NR_BLOCKS * FL_STAMP_SIZE - 1);

		ret = one_size(c, to, err, len);
		fl_check_iteration(c);
	}
	snprintf(c->note, sizeof(c->note), "sizes 1..%llu, page boundaries first",
		 (unsigned long long)(NR_BLOCKS * FL_STAMP_SIZE - 1));
	return ret;
}

const struct fl_check check_eof_boundary = {
	.name = "eof_boundary",
	.summary = "bytes beyond EOF read zero and never reappear after growth",
	.run = eof_run,
};
