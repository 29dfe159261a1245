/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency histograms as the documents' latency objects: {count, mean,
 * min, p50, p90, p99, p999, max, out_of_range, hist}, all in ns.
 */
#ifndef FL_LATENCY_JSON_H
#define FL_LATENCY_JSON_H

#include <jansson.h>

#include "base/hist.h"

/* A latency object from a histogram of TSC ticks; null without one. */
json_t *fl_latency_json(const struct fl_hist *h);
/* The same from a histogram of nanoseconds (kernel-side data). */
json_t *fl_latency_json_ns(const struct fl_hist *h);
/* A duration in ns as a JSON integer, rounded. */
json_t *fl_json_ns(double ns);

#endif /* FL_LATENCY_JSON_H */
