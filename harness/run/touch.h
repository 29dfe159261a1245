/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inner fault loop shared by workloads: touch each page of a range once,
 * count every touch as an op and, when latency recording is on, time it.
 *
 * Timing is chained: one timestamp per touch, and a touch's latency is the
 * time since the previous touch completed (or since the loop started). That
 * halves the timer cost; the few nanoseconds of loop overhead it adds are
 * measured by `faultline selftest`.
 */
#ifndef FL_TOUCH_H
#define FL_TOUCH_H

#include "base/clock.h"
#include "run/runner.h"

static inline __attribute__((always_inline)) bool
fl_touch_loop(struct fl_actor *a, char *base, size_t nr_pages, size_t page,
	      const uint32_t *order, const bool write, const bool timed)
{
	/*
	 * Pointers the loop needs live in locals: a char store may alias any
	 * memory, so fields read through @a would be reloaded per touch.
	 */
	const int *phase = &a->run->phase;
	int seen = a->seen_phase;
	struct fl_hist *hist = a->stats->hist;
	uint64_t *ops = &a->stats->ops;	/* in memory: a SIGBUS must not lose it */
	uint64_t prev = timed ? fl_clock_ticks() : 0;

	for (size_t i = 0; i < nr_pages; i++) {
		volatile char *p = base + (order ? order[i] : i) * page;

		if (write)
			*p = 0;
		else
			(void)*p;
		if (timed) {
			uint64_t now = fl_clock_ticks();

			fl_hist_record(hist, now - prev);
			prev = now;
		}
		(*ops)++;
		if (unlikely(__atomic_load_n(phase, __ATOMIC_RELAXED) != seen)) {
			if (!fl_actor_running(a))
				return false;
			seen = a->seen_phase;
		}
	}
	return true;
}

/*
 * Touch @nr_pages pages from @base, in @order (page indexes) or
 * sequentially when @order is NULL. False once the run is stopping.
 */
static inline bool fl_touch_pages(struct fl_actor *a, char *base,
				  size_t nr_pages, size_t page,
				  const uint32_t *order, bool write)
{
	/* Constant flags let the compiler emit four lean loops. */
	if (a->run->latency)
		return write ? fl_touch_loop(a, base, nr_pages, page, order, true, true) :
			       fl_touch_loop(a, base, nr_pages, page, order, false, true);
	return write ? fl_touch_loop(a, base, nr_pages, page, order, true, false) :
		       fl_touch_loop(a, base, nr_pages, page, order, false, false);
}

#endif /* FL_TOUCH_H */
