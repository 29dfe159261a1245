/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory that every process of a run sees and writes: anonymous MAP_SHARED
 * pages, zeroed, kept across fork(). Processes mode (--mode processes)
 * puts there what actors and the runner share: the phase, the actors'
 * statistics, the integrity oracle. A fork keeps addresses, so pointers
 * into it are valid in every process.
 */
#ifndef FL_SHARED_MEM_H
#define FL_SHARED_MEM_H

#include <stddef.h>

/*
 * @size zeroed bytes, page-aligned, or NULL with errno set. Nothing is
 * touched: the first process to write a page places it (on its node).
 */
void *fl_shared_alloc(size_t size);
/* Give back what fl_shared_alloc(@size) returned; NULL is fine. */
void fl_shared_free(void *p, size_t size);

#endif /* FL_SHARED_MEM_H */
