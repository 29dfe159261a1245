// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the integrity checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/sigbus.h"
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

int chk_fill(struct fl_ofile *f, int fd, uint32_t file_id, uint64_t first,
	     uint64_t nr, char *err, size_t len)
{
	uint64_t gen = fl_oracle_next_gen(f, first, nr);
	size_t bytes = (size_t)nr * FL_STAMP_SIZE;
	char *buf;
	ssize_t w;
	int ret;

	if (posix_memalign((void **)&buf, 4096, bytes)) {
		fl_set_err(err, len, "fill: out of memory");
		return -ENOMEM;
	}
	for (uint64_t b = 0; b < nr; b++)
		fl_stamp_fill(buf + b * FL_STAMP_SIZE, file_id, first + b, gen);
	ret = fl_oracle_begin(f, first, nr, gen, false);
	if (ret) {
		free(buf);
		if (ret != -EBUSY)
			fl_set_err(err, len, "fill: oracle: %s", strerror(-ret));
		return ret;
	}
	w = pwrite(fd, buf, bytes, (off_t)(first * FL_STAMP_SIZE));
	if (w != (ssize_t)bytes) {
		/* A short write leaves some blocks new, some old: stop here. */
		fl_set_err(err, len, "write blocks %llu+%llu: %s",
			   (unsigned long long)first, (unsigned long long)nr,
			   w < 0 ? strerror(errno) : "short write");
		if (w <= 0)
			fl_oracle_abort(f, first, nr);
		else
			fl_oracle_end(f, first, nr);
		free(buf);
		return w < 0 ? -errno : -EIO;
	}
	fl_oracle_end(f, first, nr);
	free(buf);
	return 0;
}

bool chk_copy(void *dst, const volatile void *src, size_t n, int *si_code)
{
	sigjmp_buf env, *volatile saved = fl_sigbus_env;

	if (sigsetjmp(env, 1)) {
		fl_sigbus_env = saved;
		*si_code = fl_sigbus_last.code;
		return false;
	}
	fl_sigbus_env = &env;
	/* Word by word: memcpy may be vectorised past what a SIGBUS tells. */
	for (size_t i = 0; i < n / 8; i++)
		((uint64_t *)dst)[i] = ((const volatile uint64_t *)src)[i];
	fl_sigbus_env = saved;
	return true;
}

bool chk_store(volatile void *dst, const void *src, size_t n, int *si_code)
{
	sigjmp_buf env, *volatile saved = fl_sigbus_env;

	if (sigsetjmp(env, 1)) {
		fl_sigbus_env = saved;
		*si_code = fl_sigbus_last.code;
		return false;
	}
	fl_sigbus_env = &env;
	for (size_t i = 0; i < n / 8; i++)
		((volatile uint64_t *)dst)[i] = ((const uint64_t *)src)[i];
	fl_sigbus_env = saved;
	return true;
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
