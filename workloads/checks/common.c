// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the integrity checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

int chk_file_create(struct fl_check_ctx *c, const char *tag, uint64_t size,
		    int *fd, char *err, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/faultline-%s-%d", c->dir, tag, (int)getpid());
	*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0) {
		fl_set_err(err, len, "create %s: %s", path, strerror(errno));
		return -errno;
	}
	unlink(path);
	if (ftruncate(*fd, (off_t)size)) {
		int e = errno;

		fl_set_err(err, len, "truncate %s to %llu: %s", path,
			   (unsigned long long)size, strerror(e));
		close(*fd);
		return -e;
	}
	return 0;
}

uint32_t chk_blocks_per_page(const struct fl_check_ctx *c, char *err, size_t len)
{
	if (c->page_size % FL_STAMP_SIZE ||
	    c->page_size / FL_STAMP_SIZE > FL_ORACLE_READ_MAX) {
		fl_set_err(err, len, "page size %u is not 4 KiB to 64 KiB", c->page_size);
		return 0;
	}
	return c->page_size / FL_STAMP_SIZE;
}

int chk_start(pthread_t *tids, int nr, void *(*fn)(void *), void *args,
	      size_t arg_size, char *err, size_t len)
{
	for (int i = 0; i < nr; i++) {
		int ret = pthread_create(&tids[i], NULL, fn,
					 (char *)args + (size_t)i * arg_size);

		if (ret) {
			fl_set_err(err, len, "start thread %d: %s", i, strerror(ret));
			/* The started ones watch the deadline; wait for them. */
			chk_join(tids, i);
			return -ret;
		}
	}
	return 0;
}

void chk_join(pthread_t *tids, int nr)
{
	for (int i = 0; i < nr; i++)
		pthread_join(tids[i], NULL);
}

void chk_pause_us(uint64_t *x, unsigned int max_us)
{
	struct timespec ts = { 0, (long)(fl_rand(x) % max_us) * 1000 };

	nanosleep(&ts, NULL);
}
