/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cheap timestamps for the fault loop. With an invariant TSC a timestamp is
 * one rdtsc (about 10 ns here); otherwise CLOCK_MONOTONIC through the vDSO.
 * Timestamps are in "ticks"; fl_clock_ns() converts, using the TSC rate
 * calibrated against CLOCK_MONOTONIC at start-up.
 */
#ifndef FL_CLOCK_H
#define FL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct fl_clock {
	bool tsc;		/* ticks are TSC cycles */
	double ns_per_tick;	/* 1.0 without TSC */
	double tsc_hz;		/* calibrated rate, 0 without TSC */
	const char *source;	/* "tsc" or "clock_monotonic" */
	const char *why;	/* why the TSC is not used, or NULL */
	double calib_spread;	/* (max - min) / median of the calibrations */
	double read_ns;		/* what one fl_clock_ticks() costs */
};

/* A timestamp dearer than this swamps the latency of a hit (tens of ns). */
#define FL_CLOCK_SLOW_NS 100

extern struct fl_clock fl_clock;

/* Decide the time source and calibrate; call once before any actor runs. */
void fl_clock_init(void);

static inline uint64_t fl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t fl_clock_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_expect(fl_clock.tsc, 1))
		return __builtin_ia32_rdtsc();
#endif
	return fl_mono_ns();
}

static inline double fl_clock_ns(uint64_t ticks)
{
	return (double)ticks * fl_clock.ns_per_tick;
}

#endif /* FL_CLOCK_H */
