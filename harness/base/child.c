// SPDX-License-Identifier: GPL-2.0
/* A child command in its own process group, stop signals passed on. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/stop.h"

static volatile sig_atomic_t nr_stops;
static volatile sig_atomic_t first_stop_sig;
static volatile pid_t child_pgid;

static void on_stop(int sig)
{
	if (child_pgid > 0) {
		if (nr_stops)
			kill(-child_pgid, sig);
		else
			kill(child_pgid, first_stop_sig ? first_stop_sig : sig);
	}
	nr_stops++;
	fl_stop_signal = sig;
}

void fl_child_forward_stops(int first_sig)
{
	struct sigaction sa = { .sa_handler = on_stop };

	first_stop_sig = first_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * The stop signals stay blocked until the child is known to on_stop(),
 * so none falls between the check and the fork.
 */
int fl_child_run(char *const argv[], int out_fd, int *status)
{
	sigset_t stops, old;
	pid_t pid, parent = getpid();
	int ret = 0;

	fl_stop_signals(&stops);
	sigprocmask(SIG_BLOCK, &stops, &old);
	if (fl_stop_signal) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -EINTR;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return ret;
	}
	if (!pid) {
		setpgid(0, 0);
		/* Killed with us, even by SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)	/* we died before prctl() */
			_exit(127);
		if (out_fd >= 0 && (dup2(out_fd, STDOUT_FILENO) < 0 ||
				    dup2(out_fd, STDERR_FILENO) < 0))
			_exit(127);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(argv[0], argv);
		fprintf(stderr, "faultline: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child_pgid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			ret = -errno;
			break;
		}
	child_pgid = 0;
	return ret;
}
