// SPDX-License-Identifier: GPL-2.0
/* Parsing and expansion of --threads lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/thread_list.h"

/* A positive count or "max" (returned as -1). */
static int parse_count(const char *s, size_t n, int *out)
{
	char buf[16], *end;
	long v;

	if (n == 3 && !strncmp(s, "max", 3)) {
		*out = -1;
		return 0;
	}
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	v = strtol(buf, &end, 10);
	if (*end || v < 1 || v > FL_THREADS_LIMIT)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int fl_threads_parse(const char *text, void *field, char *err, size_t len)
{
	struct fl_thread_spec spec = { 0 };
	const char *p = text;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *dash = memchr(p, '-', n);
		int lo, hi, scale = 0;

		if (spec.nr == FL_THREADS_MAX_ITEMS)
			goto bad;
		if (n == 5 && !strncmp(p, "scale", 5)) {
			lo = 1;
			hi = -1;
			scale = 1;
		} else if (dash) {
			if (parse_count(p, (size_t)(dash - p), &lo) || lo < 0 ||
			    parse_count(dash + 1, n - (size_t)(dash - p) - 1, &hi))
				goto bad;
			if (hi >= 0 && hi < lo)
				goto bad;
		} else {
			if (parse_count(p, n, &lo))
				goto bad;
			hi = lo;
		}
		spec.item[spec.nr].lo = lo;
		spec.item[spec.nr].hi = hi;
		spec.item[spec.nr].scale = scale;
		spec.nr++;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p)
			goto bad;
	}
	if (!spec.nr)
		goto bad;
	*(struct fl_thread_spec *)field = spec;
	return 0;
bad:
	fl_set_err(err, len,
		   "--threads %s: expected counts from 1 to %d, ranges or \"max\" (e.g. 1,2,4 or 1-max or scale)",
		   text, FL_THREADS_LIMIT);
	return -EINVAL;
}

const char *fl_threads_format(const void *field, char *buf, size_t len)
{
	const struct fl_thread_spec *spec = field;
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < spec->nr && off < len; i++) {
		const char *sep = i ? "," : "";
		int lo = spec->item[i].lo, hi = spec->item[i].hi;

		if (spec->item[i].scale)
			off += (size_t)snprintf(buf + off, len - off, "%sscale", sep);
		else if (lo == hi)
			off += (size_t)snprintf(buf + off, len - off,
						lo < 0 ? "%smax" : "%s%d", sep, lo);
		else if (hi < 0)
			off += (size_t)snprintf(buf + off, len - off, "%s%d-max",
						sep, lo);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%d-%d",
						sep, lo, hi);
	}
	return buf;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int fl_threads_expand(const struct fl_thread_spec *spec, int max, int *out,
		      int cap)
{
	int n = 0, w = 0;

	for (int i = 0; i < spec->nr; i++) {
		int lo = spec->item[i].lo < 0 ? max : spec->item[i].lo;
		int hi = spec->item[i].hi < 0 ? max : spec->item[i].hi;

		for (int v = lo; v <= hi; v = spec->item[i].scale ? v * 2 : v + 1) {
			if (n == cap)
				return -EINVAL;
			out[n++] = v;
		}
		/* "scale" always ends at max, power of two or not. */
		if (spec->item[i].scale && hi >= lo) {
			if (n == cap)
				return -EINVAL;
			out[n++] = hi;
		}
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_int);
	for (int i = 0; i < n; i++)
		if (!w || out[w - 1] != out[i])
			out[w++] = out[i];
	return w;
}
