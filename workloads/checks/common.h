/* SPDX-License-Identifier: GPL-2.0 */
/* What checks share: test files, stamped fills, SIGBUS-safe copies, threads. */
#ifndef FL_CHECK_COMMON_H
#define FL_CHECK_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../harness/check.h"
#include "../../harness/sigbus.h"

/* A new file of @size bytes in the check's directory, already unlinked. */
int chk_file_create(struct fl_check_ctx *c, const char *tag, uint64_t size,
		    int *fd, char *err, size_t len);

/*
 * Write blocks [first, first + nr) stamped at fresh generations with
 * pwrite on @fd, announced to @f. 0, -EBUSY (another op holds a block:
 * nothing written), or -errno with @err.
 */
int chk_fill(struct fl_ofile *f, int fd, uint32_t file_id, uint64_t first,
	     uint64_t nr, char *err, size_t len);

/* SIGBUS-safe copies from and into mappings. */
#define chk_copy fl_sigbus_copy
#define chk_store fl_sigbus_store

/* A pseudo-random number (xorshift64) from a per-thread state. */
static inline uint64_t chk_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Start @nr threads running @fn(@args[i]); join them all with chk_join. */
int chk_start(pthread_t *tids, int nr, void *(*fn)(void *), void *args,
	      size_t arg_size, char *err, size_t len);
void chk_join(pthread_t *tids, int nr);

#endif /* FL_CHECK_COMMON_H */
