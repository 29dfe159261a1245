// SPDX-License-Identifier: GPL-2.0
/*
 * The flag every running check polls (fl_check_running()): set by the
 * harness on a stop signal. Its own object, so that checks link against
 * it without linking the registry that links them.
 */
#include <signal.h>

#include "integrity/check.h"

volatile sig_atomic_t fl_check_stop;
