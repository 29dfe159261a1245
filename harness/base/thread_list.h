/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thread-count lists: "1,2,4", "1-8", "2-max", "max", or "scale" (powers of
 * two up to the number of PUs, plus that number). "max" is resolved when
 * the topology is known, so one spec works on any machine.
 */
#ifndef FL_THREAD_LIST_H
#define FL_THREAD_LIST_H

#include <stddef.h>

#define FL_THREADS_MAX_ITEMS 64
#define FL_THREADS_LIMIT 4096	/* actors per run */

struct fl_thread_spec {
	int nr;
	struct {
		int lo, hi;	/* hi < 0: up to max */
		int scale;	/* powers of two from lo up to hi */
	} item[FL_THREADS_MAX_ITEMS];
};

int fl_threads_parse(const char *text, void *spec, char *err, size_t len);
const char *fl_threads_format(const void *spec, char *buf, size_t len);
/*
 * Expand @spec with "max" = @max into @out (ascending, no duplicates).
 * Returns how many counts, or -EINVAL if more than @cap.
 */
int fl_threads_expand(const struct fl_thread_spec *spec, int max, int *out,
		      int cap);

#endif /* FL_THREAD_LIST_H */
