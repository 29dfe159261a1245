/* SPDX-License-Identifier: GPL-2.0 */
/* Cheap pseudo-random numbers for actors: no locks, no syscalls. */
#ifndef FL_RAND_H
#define FL_RAND_H

#include <stdint.h>

/* The next number of xorshift64 state @x (seed it non-zero). */
static inline uint64_t fl_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#endif /* FL_RAND_H */
