/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Actors as child processes (--mode processes): start each with the
 * runner's death as its own, notice the ones that died, reap them all.
 * What the actors share with the runner is in shared memory
 * (base/shared_mem.h); this is only the processes' life cycle.
 */
#ifndef FL_PROCS_H
#define FL_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fl_procs {
	int nr;
	pid_t *pid;		/* 0: not started */
	int *status;		/* waitpid's, once reaped */
	bool *reaped;
};

/* Room for @nr children. 0 or -ENOMEM. */
int fl_procs_init(struct fl_procs *p, int nr);
/*
 * Start child @i running @fn(@arg), then _exit(0). The child dies with
 * the runner (PR_SET_PDEATHSIG), so no actor outlives it. Its pid, or
 * -errno with @err.
 */
pid_t fl_procs_start(struct fl_procs *p, int i, void *(*fn)(void *), void *arg,
		     char *err, size_t len);
/*
 * Reap the children that ended (all of them, waiting, with @wait) and
 * call @ended(@ctx, i, status) for each, once. Returns how many ended now.
 */
int fl_procs_reap(struct fl_procs *p, bool wait,
		  void (*ended)(void *ctx, int i, int status), void *ctx);
/* Why child @i's @status is a failure ("killed by signal 11 (...)"), or NULL. */
const char *fl_procs_failure(int status, char *buf, size_t len);
void fl_procs_free(struct fl_procs *p);

#endif /* FL_PROCS_H */
