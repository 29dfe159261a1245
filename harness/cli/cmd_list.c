// SPDX-License-Identifier: GPL-2.0
/* `faultline list`: the workloads, a line each. */
#include <stdio.h>
#include <string.h>

#include "base/faultline.h"
#include "cli/commands.h"
#include "run/workload.h"

int cmd_list(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: faultline list\n\nList workloads with a one-line description each.\n");
		return FL_EXIT_OK;
	}
	if (argc > 1) {
		fl_err("list takes no arguments");
		return FL_EXIT_USAGE;
	}
	for (int i = 0; fl_workloads[i]; i++)
		printf("%-12s %s\n", fl_workloads[i]->name, fl_workloads[i]->summary);
	return FL_EXIT_OK;
}
