// SPDX-License-Identifier: GPL-2.0
/* A command run in process with its stdout thrown away. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"

int fl_run_quietly(int (*fn)(int, char **), int argc, char **argv)
{
	int saved, null, code;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, STDOUT_FILENO);
	if (null >= 0)
		close(null);
	code = fn(argc, argv);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return code;
}
