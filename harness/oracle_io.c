// SPDX-License-Identifier: GPL-2.0
/* Stamped writes under the oracle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultline.h"
#include "oracle_io.h"

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
