// SPDX-License-Identifier: GPL-2.0
/* Option-table driven parsing, defaults and help. */
#include <errno.h>
#include <jansson.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/option.h"

#define FIELD(o, base, type) ((type *)((char *)(base) + (o)->offset))

/*
 * Numbers are plain decimal: strto*() would also take leading space, a
 * sign (wrapped to a huge unsigned), hexadecimal ("0x10") and "inf".
 */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int fl_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !is_digit(*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int fl_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	char *end;
	unsigned long long v;
	const char *u;
	int shift = 0;

	if (!s || !is_digit(*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		u = strchr(units, end[0] | 0x20);
		if (!u)
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
		end++;
		/* Accept k, K, KB, KiB: all mean powers of 1024 here. */
		if (!strcasecmp(end, "ib") || !strcasecmp(end, "b"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int fl_parse_double(const char *s, double *out)
{
	const char *p = s;
	char *end;
	double v;
	size_t n;

	if (!s)
		return -EINVAL;
	/* [-]DIGITS[.DIGITS] or [-].DIGITS, then an optional "s". */
	p += *p == '-';
	n = strspn(p, "0123456789");
	if (p[n] == '.') {
		size_t frac = strspn(p + n + 1, "0123456789");

		if (!frac)
			return -EINVAL;
		n += 1 + frac;
	}
	if (!n)
		return -EINVAL;
	/* A trailing "s" lets durations read naturally: --duration 3s. */
	if (p[n] && strcmp(p + n, "s"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != p + n || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

static const char *type_arg(const struct fl_option *o)
{
	switch (o->type) {
	case FL_OPT_SIZE:
		return "BYTES";
	case FL_OPT_DOUBLE:
		return "NUM";
	case FL_OPT_UINT:
		return "N";
	default:
		return "VALUE";
	}
}

static int check_range(const struct fl_option *o, double v, const char *text,
		       char *err, size_t len)
{
	if (o->max > o->min && (v < o->min || v > o->max)) {
		fl_set_err(err, len, "--%s %s: out of range [%g, %g]", o->name,
			   text, o->min, o->max);
		return -EINVAL;
	}
	return 0;
}

static int set_value(const struct fl_option *o, void *base, const char *text,
		     char *err, size_t len)
{
	uint64_t u;
	double d;

	switch (o->type) {
	case FL_OPT_BOOL:
		if (!strcmp(text, "1") || !strcmp(text, "true") ||
		    !strcmp(text, "yes") || !strcmp(text, "on"))
			*FIELD(o, base, bool) = true;
		else if (!strcmp(text, "0") || !strcmp(text, "false") ||
			 !strcmp(text, "no") || !strcmp(text, "off"))
			*FIELD(o, base, bool) = false;
		else
			goto bad;
		return 0;
	case FL_OPT_UINT:
		if (fl_parse_u64(text, &u))
			goto bad;
		*FIELD(o, base, uint64_t) = u;
		return check_range(o, (double)u, text, err, len);
	case FL_OPT_SIZE:
		if (fl_parse_size(text, &u))
			goto bad;
		*FIELD(o, base, uint64_t) = u;
		return check_range(o, (double)u, text, err, len);
	case FL_OPT_DOUBLE:
		/* Negative only where the option's range allows it. */
		if (fl_parse_double(text, &d) ||
		    (d < 0 && !(o->max > o->min && o->min < 0)))
			goto bad;
		*FIELD(o, base, double) = d;
		return check_range(o, d, text, err, len);
	case FL_OPT_ENUM:
		for (int i = 0; o->choices[i]; i++) {
			if (!strcmp(text, o->choices[i])) {
				*FIELD(o, base, int) = i;
				return 0;
			}
		}
		goto bad;
	case FL_OPT_STR:
		*FIELD(o, base, const char *) = text;
		return 0;
	case FL_OPT_CUSTOM:
		return o->parse(text, FIELD(o, base, void), err, len);
	}
bad:
	if (o->type == FL_OPT_ENUM) {
		char choices[256] = "";

		for (int i = 0; o->choices[i]; i++) {
			strncat(choices, i ? "|" : "",
				sizeof(choices) - strlen(choices) - 1);
			strncat(choices, o->choices[i],
				sizeof(choices) - strlen(choices) - 1);
		}
		fl_set_err(err, len, "--%s %s: expected one of %s", o->name,
			   text, choices);
	} else {
		fl_set_err(err, len, "--%s %s: not a valid %s", o->name, text,
			   o->type == FL_OPT_BOOL ? "boolean" :
			   o->type == FL_OPT_SIZE ? "size (e.g. 4096, 64k, 128M)" :
			   o->type == FL_OPT_DOUBLE ? "number" :
			   "non-negative integer");
	}
	return -EINVAL;
}

int fl_opt_defaults(const struct fl_opt_set *sets, int nr_sets, char *err,
		    size_t len)
{
	for (int s = 0; s < nr_sets; s++) {
		for (const struct fl_option *o = sets[s].table; o->name; o++) {
			int ret;

			if (!o->def)
				continue;
			ret = set_value(o, sets[s].base, o->def, err, len);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static const struct fl_option *find(const struct fl_opt_set *sets,
				    int nr_sets, const char *name, size_t n,
				    void **base)
{
	for (int s = 0; s < nr_sets; s++) {
		for (const struct fl_option *o = sets[s].table; o->name; o++) {
			if (strlen(o->name) == n && !strncmp(o->name, name, n)) {
				*base = sets[s].base;
				return o;
			}
		}
	}
	return NULL;
}

int fl_opt_parse(const struct fl_opt_set *sets, int nr_sets, int argc,
		 char **argv, char *err, size_t len)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *value = NULL;
		const struct fl_option *o;
		bool negated = false;
		void *base;
		size_t n;
		int ret;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
			return 1;
		if (strncmp(arg, "--", 2) || !arg[2]) {
			fl_set_err(err, len, "unexpected argument \"%s\"", arg);
			return -EINVAL;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		o = find(sets, nr_sets, name, n, &base);
		if (!o && n > 3 && !strncmp(name, "no-", 3)) {
			o = find(sets, nr_sets, name + 3, n - 3, &base);
			if (o && o->type != FL_OPT_BOOL)
				o = NULL;
			negated = true;
		}
		if (!o) {
			fl_set_err(err, len, "unknown option --%.*s", (int)n,
				   name);
			return -EINVAL;
		}
		if (o->type == FL_OPT_BOOL) {
			if (eq && negated) {
				fl_set_err(err, len, "--%.*s takes no value",
					   (int)n, name);
				return -EINVAL;
			}
			value = eq ? eq + 1 : negated ? "false" : "true";
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fl_set_err(err, len, "--%s needs a value (%s)", o->name,
				   o->arg ? o->arg : type_arg(o));
			return -EINVAL;
		}
		ret = set_value(o, base, value, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

const char *fl_opt_format(const struct fl_option *o, const void *base,
			  char *buf, size_t len)
{
	const void *field = (const char *)base + o->offset;

	switch (o->type) {
	case FL_OPT_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "true" : "false");
		break;
	case FL_OPT_UINT:
	case FL_OPT_SIZE:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)field);
		break;
	case FL_OPT_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)field);
		break;
	case FL_OPT_ENUM:
		snprintf(buf, len, "%s", o->choices[*(const int *)field]);
		break;
	case FL_OPT_STR:
		snprintf(buf, len, "%s", *(const char *const *)field ?
			 *(const char *const *)field : "");
		break;
	case FL_OPT_CUSTOM:
		return o->format(field, buf, len);
	}
	return buf;
}

void fl_opt_help(FILE *f, const struct fl_option *table)
{
	for (const struct fl_option *o = table; o->name; o++) {
		char left[128], arg[96] = "";

		if (o->type == FL_OPT_ENUM) {
			for (int i = 0; o->choices[i]; i++) {
				strncat(arg, i ? "|" : "",
					sizeof(arg) - strlen(arg) - 1);
				strncat(arg, o->choices[i],
					sizeof(arg) - strlen(arg) - 1);
			}
		} else if (o->type != FL_OPT_BOOL) {
			snprintf(arg, sizeof(arg), "%s",
				 o->arg ? o->arg : type_arg(o));
		}
		snprintf(left, sizeof(left), "--%s%s%s", o->name,
			 *arg ? " " : "", arg);
		fprintf(f, "  %-32s %s", left, o->help);
		if (o->def && o->type != FL_OPT_BOOL)
			fprintf(f, " (default: %s)", o->def);
		else if (o->type == FL_OPT_BOOL)
			fprintf(f, " (default: %s)",
				o->def && strcmp(o->def, "false") ? "on" : "off");
		fputc('\n', f);
	}
}

/* Typed values from an option table, for "params". */
json_t *fl_opt_json(const struct fl_option *table, const void *base)
{
	json_t *o = json_object();

	for (const struct fl_option *opt = table; opt->name; opt++) {
		const void *f = (const char *)base + opt->offset;
		char buf[256];
		json_t *v;

		switch (opt->type) {
		case FL_OPT_BOOL:
			v = json_boolean(*(const bool *)f);
			break;
		case FL_OPT_UINT:
		case FL_OPT_SIZE:
			v = json_integer((json_int_t)*(const uint64_t *)f);
			break;
		case FL_OPT_DOUBLE:
			v = json_real(*(const double *)f);
			break;
		default:
			if (opt->type == FL_OPT_STR && !*(const char *const *)f)
				v = json_null();
			else
				v = json_string(fl_opt_format(opt, base, buf, sizeof(buf)));
			break;
		}
		json_object_set_new(o, opt->name, v);
	}
	return o;
}
