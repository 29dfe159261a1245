// SPDX-License-Identifier: GPL-2.0
/* Time source selection and TSC calibration. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"

struct fl_clock fl_clock = {
	.tsc = false,
	.ns_per_tick = 1.0,
	.source = "clock_monotonic",
};

/* The TSC is usable across CPUs and frequency changes only when invariant. */
static bool cpu_has_invariant_tsc(void)
{
	char line[8192];
	bool constant = false, nonstop = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}

/*
 * Count TSC cycles over three ~50 ms windows of CLOCK_MONOTONIC and take the
 * median, so a preemption inside one window does not skew the rate. How far
 * the three disagree goes to @spread: a TSC that does not tick evenly.
 */
static double calibrate_tsc_hz(double *spread)
{
	double hz[3], tmp;

	for (int i = 0; i < 3; i++) {
		uint64_t n0 = fl_mono_ns(), t0 = __builtin_ia32_rdtsc();
		uint64_t n1, t1;

		do {
			n1 = fl_mono_ns();
		} while (n1 - n0 < 50000000u);
		t1 = __builtin_ia32_rdtsc();
		hz[i] = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (hz[j] > hz[j + 1]) {
				tmp = hz[j];
				hz[j] = hz[j + 1];
				hz[j + 1] = tmp;
			}
	*spread = (hz[2] - hz[0]) / hz[1];
	return hz[1];
}

/*
 * What one timestamp costs, in ns: the floor under every touch latency.
 * The best of 20 batches, so a preemption does not count as its cost.
 */
static double read_cost_ns(void)
{
	double best = INFINITY;
	uint64_t sink = 0;

	for (int b = 0; b < 20; b++) {
		uint64_t t0 = fl_mono_ns();

		for (int i = 0; i < 500; i++)
			sink += fl_clock_ticks();
		best = fmin(best, (double)(fl_mono_ns() - t0) / 500);
	}
	__asm__ volatile("" : : "r"(sink));
	return best;
}

static void choose_source(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (!cpu_has_invariant_tsc()) {
		fl_clock.why = "no invariant TSC (constant_tsc and nonstop_tsc)";
		return;
	}
	fl_clock.tsc_hz = calibrate_tsc_hz(&fl_clock.calib_spread);
	if (fl_clock.tsc_hz < 1e8) {
		fl_clock.why = "TSC calibration gave an implausible rate";
		return;
	}
	fl_clock.ns_per_tick = 1e9 / fl_clock.tsc_hz;
	fl_clock.tsc = true;
	fl_clock.source = "tsc";
#else
	fl_clock.why = "not an x86 CPU";
#endif
}

void fl_clock_init(void)
{
	choose_source();
	fl_clock.read_ns = read_cost_ns();
}
