/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log over a window of our own: open /dev/kmsg at its end when
 * a check starts, read what was logged since when it ends, and pick out
 * the lines that mean the kernel misbehaved (workloads/checks/README.md).
 */
#ifndef FL_KMSG_H
#define FL_KMSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct fl_kmsg {
	int fd;				/* -1: unavailable */
	char why[128];			/* why it is unavailable */
};

/* Start a window. Never fails: an unreadable log is recorded as such. */
void fl_kmsg_start(struct fl_kmsg *k);

/*
 * Read the window and close it. Returns findings as a JSON array of
 * {pattern, fails, line}; *@failing counts those that fail a check
 * ("Page cache invalidation failure" fails only when @inval_failure_fails).
 * NULL when the log was unavailable.
 */
json_t *fl_kmsg_finish(struct fl_kmsg *k, bool inval_failure_fails,
		       int *failing);

/* The pattern a log line matches, or NULL. */
const char *fl_kmsg_match(const char *line, bool *fails,
			  bool inval_failure_fails);

#endif /* FL_KMSG_H */
