/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Option tables, fio style: one row per option with its type, where it is
 * stored, its default and its help. The same rows drive command-line
 * parsing, validation, --help text and the "params" object of a result.
 */
#ifndef FL_OPTION_H
#define FL_OPTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum fl_opt_type {
	FL_OPT_BOOL,	/* bool; --name sets, --no-name clears */
	FL_OPT_UINT,	/* uint64_t */
	FL_OPT_SIZE,	/* uint64_t bytes; k/M/G/T suffixes (powers of 1024) */
	FL_OPT_DOUBLE,	/* double */
	FL_OPT_ENUM,	/* int index into choices */
	FL_OPT_STR,	/* const char *, points into argv or the default */
	FL_OPT_CUSTOM,	/* parsed and formatted by callbacks */
};

struct fl_option {
	const char *name;		/* long name without "--" */
	enum fl_opt_type type;
	size_t offset;			/* of the field in the options struct */
	const char *def;		/* default as text; NULL: none */
	const char *arg;		/* placeholder in --help, e.g. "BYTES" */
	const char *help;
	const char *const *choices;	/* FL_OPT_ENUM: NULL-terminated */
	double min, max;		/* numeric bounds when max > min */
	/* FL_OPT_CUSTOM: parse @text into @field; 0 or -EINVAL with @err. */
	int (*parse)(const char *text, void *field, char *err, size_t len);
	/* FL_OPT_CUSTOM: canonical text of @field, for --help and results. */
	const char *(*format)(const void *field, char *buf, size_t len);
};

/* One option table and the struct its rows point into. */
struct fl_opt_set {
	const struct fl_option *table;	/* ends with a row whose name is NULL */
	void *base;
};

/* Set every field that has a default. 0 or -EINVAL (a bad default). */
int fl_opt_defaults(const struct fl_opt_set *sets, int nr_sets, char *err,
		    size_t len);

/*
 * Parse argv[0..argc) against the sets: "--name value", "--name=value",
 * "--flag", "--no-flag". Non-option words are an error. Returns 0,
 * -EINVAL with a message naming the option and the bad value, or 1 when
 * --help was asked for.
 */
int fl_opt_parse(const struct fl_opt_set *sets, int nr_sets, int argc,
		 char **argv, char *err, size_t len);

/* Help lines for one table: "  --name ARG  help (default: x)". */
void fl_opt_help(FILE *f, const struct fl_option *table);

/* Canonical text of one option's current value. */
const char *fl_opt_format(const struct fl_option *o, const void *base,
			  char *buf, size_t len);

/* Parsers shared with code outside the tables; 0 or -EINVAL. */
int fl_parse_u64(const char *s, uint64_t *out);
int fl_parse_size(const char *s, uint64_t *out);
int fl_parse_double(const char *s, double *out);

/* Every option's effective value, typed, for a result's "params". */
json_t *fl_opt_json(const struct fl_option *table, const void *base);

#endif /* FL_OPTION_H */
