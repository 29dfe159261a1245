// SPDX-License-Identifier: GPL-2.0
/* The life cycle of actor processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/faultline.h"
#include "run/procs.h"

int fl_procs_init(struct fl_procs *p, int nr)
{
	p->nr = nr;
	p->pid = calloc((size_t)nr, sizeof(*p->pid));
	p->status = calloc((size_t)nr, sizeof(*p->status));
	p->reaped = calloc((size_t)nr, sizeof(*p->reaped));
	if (p->pid && p->status && p->reaped)
		return 0;
	fl_procs_free(p);
	return -ENOMEM;
}

pid_t fl_procs_start(struct fl_procs *p, int i, void *(*fn)(void *), void *arg,
		     char *err, size_t len)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);	/* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		fl_set_err(err, len, "starting actor %d: fork: %s", i, strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		/* Nothing else would stop an actor whose runner is gone. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		fn(arg);
		_exit(0);
	}
	p->pid[i] = pid;
	return pid;
}

int fl_procs_reap(struct fl_procs *p, bool wait,
		  void (*ended)(void *ctx, int i, int status), void *ctx)
{
	int n = 0;

	for (int i = 0; i < p->nr; i++) {
		pid_t r;

		if (!p->pid[i] || p->reaped[i])
			continue;
		do
			r = waitpid(p->pid[i], &p->status[i], wait ? 0 : WNOHANG);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			continue;
		if (r < 0)	/* not ours any more: count it as ended badly */
			p->status[i] = W_EXITCODE(127, 0);
		p->reaped[i] = true;
		n++;
		if (ended)
			ended(ctx, i, p->status[i]);
	}
	return n;
}

const char *fl_procs_failure(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else
		return NULL;
	return buf;
}

void fl_procs_free(struct fl_procs *p)
{
	free(p->pid);
	free(p->status);
	free(p->reaped);
	p->pid = NULL;
	p->status = NULL;
	p->reaped = NULL;
}
