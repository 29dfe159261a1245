/* SPDX-License-Identifier: GPL-2.0 */
/* Numbers for table cells and figure labels ("-" for a missing one), and text built up in a buffer. */
#ifndef FL_FORMAT_H
#define FL_FORMAT_H

#include <stddef.h>

/* A rate with k/M suffixes: "314.2k". */
void fl_fmt_rate(char *buf, size_t len, double v);
/* A duration: "-", "850 ns", "2.61 us", "7.57 ms", "1.20 s". */
void fl_fmt_ns(char *buf, size_t len, double ns);
/* Append printf output to the string in @buf, cut at @len. */
void fl_fmt_cat(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* FL_FORMAT_H */
