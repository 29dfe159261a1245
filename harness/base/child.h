/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A child command that must stop with us: mpirun, a bisect step. It runs
 * in its own process group, and a stop signal that arrives meanwhile is
 * passed on instead of ending faultline, which then writes what it has.
 */
#ifndef FL_CHILD_H
#define FL_CHILD_H

/*
 * Install the forwarding handler for SIGINT, SIGTERM and SIGHUP. The first
 * stop signal goes to the child alone, as @first_sig (0: the signal
 * itself), so that it can end cleanly (mpirun forwards SIGUSR1 to every
 * rank); later ones go to its whole process group. fl_stop_signal records
 * every one, and none arriving before a child starts is lost.
 */
void fl_child_forward_stops(int first_sig);

/*
 * Run @argv (argv[0] a path) with stdout and stderr on @out_fd (-1: ours),
 * killed with us even by SIGKILL. 0 with its wait status in *@status,
 * -EINTR when a stop signal came first (nothing started), or -errno.
 */
int fl_child_run(char *const argv[], int out_fd, int *status);

#endif /* FL_CHILD_H */
