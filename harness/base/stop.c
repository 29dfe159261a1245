// SPDX-License-Identifier: GPL-2.0
/* The stop flag and its handler: see stop.h. */
#include <signal.h>
#include <stddef.h>

#include "base/faultline.h"
#include "base/stop.h"

volatile sig_atomic_t fl_stop_signal;

static void on_stop(int sig)
{
	fl_stop_signal = sig;
}

void fl_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

void fl_stop_install(void)
{
	/* Restarted calls: code polls the flag rather than handling EINTR. */
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };
	struct sigaction old;
	sigset_t set;

	fl_stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		if (sigs[i] == SIGHUP && !sigaction(SIGHUP, NULL, &old) &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	/* Unblock only ours: a caller's mask for the others is kept. */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

void fl_stop_default(void)
{
	struct sigaction old;
	sigset_t set;

	fl_stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == on_stop)
			signal(sigs[i], SIG_DFL);
	if (fl_stop_signal)
		raise(fl_stop_signal);	/* pending until the unblock */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}
