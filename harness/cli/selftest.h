/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programs `faultline selftest` measures, each in a process of its
 * own: faultline-bare (will-it-scale's loop alone) and `faultline run
 * fault` in the same mode, with the same thread count, window and size.
 */
#ifndef FL_SELFTEST_H
#define FL_SELFTEST_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct fl_selftest_env {
	char faultline[PATH_MAX];	/* this binary */
	char bare[PATH_MAX];		/* faultline-bare beside it */
	char dir[PATH_MAX];		/* test files go here (--dir of both) */
	char out[PATH_MAX + 32];	/* result document of `run` */
	char log[PATH_MAX + 32];	/* what the last program printed */
};

/* One program to run, and what it measured. */
struct fl_selftest_prog {
	bool bare;			/* faultline-bare, else `run fault` */
	const char *map;		/* anon, private, shared */
	const char *threads, *duration, *warmup, *size;
	const char *extra;		/* one more `run` option, or NULL */
	/* Filled in: */
	int exit_code;			/* the program's, -1 if it did not exit */
	double ops_per_sec;
	double cpu_share;		/* bare: CPU time its threads had / window */
	bool trustworthy;		/* the run's validity is ok */
	char why[64];			/* else its first reason code */
	json_t *collectors;		/* `run`: kernel.collectors (a reference) */
};

/*
 * Find this binary and faultline-bare beside it; programs keep their files
 * and output in @dir. 0, or -errno with @err naming the missing program.
 */
int fl_selftest_env_init(struct fl_selftest_env *env, const char *dir,
			 char *err, size_t len);
/* Remove the output files. */
void fl_selftest_env_fini(struct fl_selftest_env *env);

/*
 * Run @p to its end and read its ops/s. 0, or -errno with @err saying
 * which program failed and its last line of output.
 */
int fl_selftest_spawn(const struct fl_selftest_env *env,
		      struct fl_selftest_prog *p, char *err, size_t len);

#endif /* FL_SELFTEST_H */
