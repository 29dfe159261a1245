// SPDX-License-Identifier: GPL-2.0
/* Stamped writes under the oracle. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/sigbus.h"
#include "integrity/oracle_io.h"

#define FILL_CHUNK 64	/* blocks per write when filling */

int fl_oracle_write(struct fl_ofile *f, int fd, uint32_t file_id,
		    uint64_t first, uint64_t nr, void *buf, char *err,
		    size_t len)
{
	uint64_t gen = fl_oracle_next_gen(f, first, nr);
	size_t bytes = (size_t)nr * FL_STAMP_SIZE;
	ssize_t w;
	int ret;

	for (uint64_t b = 0; b < nr; b++)
		fl_stamp_fill((char *)buf + b * FL_STAMP_SIZE, file_id, first + b, gen);
	ret = fl_oracle_begin(f, first, nr, gen, false);
	if (ret) {
		if (ret != -EBUSY)
			fl_set_err(err, len, "oracle refused blocks %llu+%llu: %s",
				   (unsigned long long)first, (unsigned long long)nr,
				   strerror(-ret));
		return ret;
	}
	w = pwrite(fd, buf, bytes, (off_t)(first * FL_STAMP_SIZE));
	if (w == (ssize_t)bytes) {
		fl_oracle_end(f, first, nr);
		return 0;
	}
	fl_set_err(err, len, "write blocks %llu+%llu: %s", (unsigned long long)first,
		   (unsigned long long)nr, w < 0 ? strerror(errno) : "short write");
	/* A short write left some blocks new: publish, the judge allows both. */
	if (w <= 0)
		fl_oracle_abort(f, first, nr);
	else
		fl_oracle_end(f, first, nr);
	return w < 0 ? -errno : -EIO;
}

int fl_oracle_fill(struct fl_ofile *f, int fd, uint32_t file_id,
		   uint64_t first, uint64_t nr, char *err, size_t len)
{
	void *buf;
	int ret = 0;

	if (posix_memalign(&buf, 4096, FILL_CHUNK * FL_STAMP_SIZE)) {
		fl_set_err(err, len, "fill: out of memory");
		return -ENOMEM;
	}
	for (uint64_t b = first; b < first + nr && !ret; b += FILL_CHUNK) {
		uint64_t n = first + nr - b < FILL_CHUNK ? first + nr - b : FILL_CHUNK;

		ret = fl_oracle_write(f, fd, file_id, b, n, buf, err, len);
	}
	free(buf);
	return ret;
}

bool fl_oracle_read(struct fl_ofile *f, const volatile char *map,
		    uint64_t first, uint32_t nr, uint64_t page_size, void *buf,
		    uint32_t actor, int *si_code)
{
	uint64_t before[FL_ORACLE_READ_MAX];
	uint64_t snap = fl_oracle_size_snapshot(f);
	uint64_t page = first * FL_STAMP_SIZE / page_size * page_size;
	int code = 0;
	bool ok;

	if (nr > FL_ORACLE_READ_MAX)
		nr = FL_ORACLE_READ_MAX;
	fl_oracle_snapshot_range(f, first, nr, before);
	ok = fl_sigbus_copy(buf, map + first * FL_STAMP_SIZE,
			    (size_t)nr * FL_STAMP_SIZE, &code);
	fl_oracle_judge_access(f, snap, page, !ok, code, actor);
	for (uint32_t k = 0; ok && k < nr; k++)
		fl_oracle_judge(f, first + k, before[k],
				(char *)buf + k * FL_STAMP_SIZE, actor);
	if (si_code)
		*si_code = code;
	return ok;
}

void fl_oracle_probe(struct fl_ofile *f, const volatile char *map,
		     uint64_t page_off, uint32_t actor)
{
	uint64_t snap = fl_oracle_size_snapshot(f), word;
	int code = 0;
	bool ok = fl_sigbus_copy(&word, map + page_off, sizeof(word), &code);

	fl_oracle_judge_access(f, snap, page_off, !ok, code, actor);
}

int fl_oracle_truncate(struct fl_ofile *f, int fd, uint64_t to, char *err,
		       size_t len)
{
	int ret = f ? fl_oracle_size_begin(f, to) : 0;

	if (ret) {
		fl_set_err(err, len, "oracle refused size %llu: %s",
			   (unsigned long long)to, strerror(-ret));
		return ret;
	}
	if (ftruncate(fd, (off_t)to)) {
		ret = -errno;
		fl_set_err(err, len, "truncate the test file to %llu: %s",
			   (unsigned long long)to, strerror(errno));
		if (f)
			fl_oracle_size_abort(f);
		return ret;
	}
	if (f)
		fl_oracle_size_end(f);
	return 0;
}
