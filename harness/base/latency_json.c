// SPDX-License-Identifier: GPL-2.0
/* Latency histograms as the documents' latency objects. */
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/latency_json.h"

json_t *fl_json_ns(double ns)
{
	return json_integer((json_int_t)(ns + 0.5));
}

/* ns in @units of a histogram: TSC ticks, or already ns. */
static double to_ns(uint64_t v, bool ticks)
{
	return ticks ? fl_clock_ns(v) : (double)v;
}

static json_t *latency_json(const struct fl_hist *h, bool ticks)
{
	static const struct {
		const char *key;
		double p;
	} pcts[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p999", 99.9 },
	};
	struct fl_hist_iter it;
	struct fl_hist_bucket b;
	json_t *lat, *hist;

	if (!h)
		return json_null();
	lat = json_object();
	json_object_set_new(lat, "count", json_integer((json_int_t)h->total));
	if (!h->total)
		return lat;
	json_object_set_new(lat, "mean", json_real(to_ns(1, ticks) * fl_hist_mean(h)));
	json_object_set_new(lat, "min", fl_json_ns(to_ns(h->min, ticks)));
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++)
		json_object_set_new(lat, pcts[i].key,
				    fl_json_ns(to_ns(fl_hist_percentile(h, pcts[i].p), ticks)));
	json_object_set_new(lat, "max", fl_json_ns(to_ns(h->max, ticks)));
	if (h->out_of_range)
		json_object_set_new(lat, "out_of_range",
				    json_integer((json_int_t)h->out_of_range));
	/* Sparse buckets [low_ns, high_ns, count]: enough to merge and plot. */
	hist = json_array();
	fl_hist_iter_init(&it, h);
	while (fl_hist_iter_next(&it, &b))
		json_array_append_new(hist, json_pack("[f,f,I]",
				      to_ns(b.lo, ticks), to_ns(b.hi + 1, ticks),
				      (json_int_t)b.count));
	json_object_set_new(lat, "hist", hist);
	return lat;
}

json_t *fl_latency_json(const struct fl_hist *h)
{
	return latency_json(h, true);
}

json_t *fl_latency_json_ns(const struct fl_hist *h)
{
	return latency_json(h, false);
}
