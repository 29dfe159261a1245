/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stop signals (SIGINT, SIGTERM, SIGHUP): main() installs a handler before
 * anything else, so a signal at any moment is recorded rather than fatal,
 * and every part of faultline asks the same flag whether to stop.
 */
#ifndef FL_STOP_H
#define FL_STOP_H

#include <signal.h>

/* The stop signal that arrived (the last one), 0 while none did. */
extern volatile sig_atomic_t fl_stop_signal;

/* The stop signals, for blocking them or waiting for them. */
void fl_stop_signals(sigset_t *set);

/*
 * Block the stop signals, install the recording handler, unblock. SIGINT
 * and SIGTERM are caught even when inherited ignored (a shell's background
 * job starts with SIGINT ignored); SIGHUP stays ignored under nohup.
 */
void fl_stop_install(void);

/*
 * Back to the default actions, for a command that never polls the flag
 * (a report, a summary): a stop signal then ends it as it would have
 * before; one that came already does so now.
 */
void fl_stop_default(void);

#endif /* FL_STOP_H */
