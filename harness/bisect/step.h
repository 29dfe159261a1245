/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The steps of `faultline bisect` on disk: prefix k of the series lives
 * in OUT/pK/ (its variant file, and per round of repetitions rR.json and
 * rR.log), so that every step's results are kept and an interrupted
 * bisect resumes from what is there. A round is run by the step program
 * (kernels/bisect-step.sh: build the prefix, boot it, run the command):
 *   STEP VARIANT-FILE STEP-DIR NAME -- FAULTLINE-ARGS...
 * leaves STEP-DIR/NAME, the document `faultline FAULTLINE-ARGS --out FILE`
 * writes on that kernel, and exits 0; 1 when the kernel failed (panic,
 * oops, hang; STEP-DIR/boot.json says why); 125 when the prefix cannot be
 * built; anything else stops the bisect.
 */
#ifndef FL_BISECT_STEP_H
#define FL_BISECT_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "variant/variant.h"

struct fl_bisect_run {
	const char *out;		/* the bisect's directory */
	const char *prog;		/* the step program */
	const struct fl_variant *v;
	char *const *cmd;		/* faultline arguments: run ... or stress ... */
	int nr_cmd;
	bool stress;
	unsigned int repeat;		/* run: repetitions per round */
};

enum fl_round {
	FL_ROUND_DONE,			/* its document is there */
	FL_ROUND_KERNEL_FAILED,		/* the guest panicked, oopsed or hung */
	FL_ROUND_UNBUILDABLE,		/* this prefix cannot be built */
	FL_ROUND_ERROR,			/* the step failed otherwise: stop */
	FL_ROUND_INTERRUPTED,
};

/*
 * Round @r (from 1) of prefix @k: found on disk, or run now. @why says
 * what failed, and for a kernel failure or a prefix that cannot be built
 * it is kept in the step's directory, so a resumed bisect knows it.
 */
enum fl_round fl_bisect_round(const struct fl_bisect_run *run, int k, int r,
			      char *why, size_t len);

/* The documents of prefix @k's rounds 1..@rounds, comma-separated. */
void fl_bisect_round_files(const struct fl_bisect_run *run, int k, int rounds,
			   char *buf, size_t len);

/* The file name of patch @k (from 1) of the series; "no patch" for 0. */
const char *fl_bisect_patch_name(const struct fl_variant *v, int k);

#endif /* FL_BISECT_STEP_H */
