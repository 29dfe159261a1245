/* SPDX-License-Identifier: GPL-2.0 */
/* Writing stamped blocks to a file, announced to the oracle. */
#ifndef FL_ORACLE_IO_H
#define FL_ORACLE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "integrity/oracle.h"

/*
 * Stamp blocks [first, first + nr) at a fresh generation in @buf (nr
 * blocks, aligned for O_DIRECT when @fd is), announce them, pwrite them at
 * their offset on @fd, publish. 0; -EBUSY when another op holds one of the
 * blocks (nothing written); or -errno with @err naming the range.
 */
int fl_oracle_write(struct fl_ofile *f, int fd, uint32_t file_id,
		    uint64_t first, uint64_t nr, void *buf, char *err,
		    size_t len);

/* The same for any number of blocks, in chunks through a buffer of ours. */
int fl_oracle_fill(struct fl_ofile *f, int fd, uint32_t file_id,
		   uint64_t first, uint64_t nr, char *err, size_t len);

/*
 * ftruncate @fd to @to, announced to the oracle as an i_size change (with
 * @f NULL, a plain ftruncate). 0, or -errno with @err naming the size; on
 * failure the announcement is withdrawn.
 */
int fl_oracle_truncate(struct fl_ofile *f, int fd, uint64_t to, char *err,
		       size_t len);

/* Most blocks one fl_oracle_read takes: a 64 KiB page. */
#define FL_ORACLE_READ_MAX 16

/*
 * Read blocks [first, first + nr) of a file, all in one page, through its
 * mapping @map (the file's first byte) into @buf, surviving SIGBUS, and
 * judge the access and every block: the reader's half of the oracle
 * protocol. True when read (false: SIGBUS, its si_code in *@si_code when
 * not NULL).
 */
bool fl_oracle_read(struct fl_ofile *f, const volatile char *map,
		    uint64_t first, uint32_t nr, uint64_t page_size, void *buf,
		    uint32_t actor, int *si_code);

/*
 * Read one word of the page at @page_off through @map, judging only
 * whether it may SIGBUS (its bytes race a writer the caller cannot see).
 */
void fl_oracle_probe(struct fl_ofile *f, const volatile char *map,
		     uint64_t page_off, uint32_t actor);

#endif /* FL_ORACLE_IO_H */
