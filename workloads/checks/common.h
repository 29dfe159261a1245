/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What checks share: test files, random numbers, threads. Stamped writes
 * are in harness/integrity/oracle_io.h, SIGBUS-safe copies in harness/base/sigbus.h.
 */
#ifndef FL_CHECK_COMMON_H
#define FL_CHECK_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rand.h"
#include "base/sigbus.h"
#include "integrity/check.h"
#include "integrity/oracle_io.h"

/* A new file of @size bytes in the check's directory, already unlinked. */
int chk_file_create(struct fl_check_ctx *c, const char *tag, uint64_t size,
		    int *fd, char *err, size_t len);


/* Stamped 4 KiB blocks per page; 0 (with @err) for pages they cannot tile. */
uint32_t chk_blocks_per_page(const struct fl_check_ctx *c, char *err, size_t len);

/* Sleep up to @max_us microseconds, at random (fl_rand() state @x). */
void chk_pause_us(uint64_t *x, unsigned int max_us);

/* Start @nr threads running @fn(@args[i]); join them all with chk_join. */
int chk_start(pthread_t *tids, int nr, void *(*fn)(void *), void *args,
	      size_t arg_size, char *err, size_t len);
void chk_join(pthread_t *tids, int nr);

#endif /* FL_CHECK_COMMON_H */
