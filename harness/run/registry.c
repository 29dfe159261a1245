// SPDX-License-Identifier: GPL-2.0
/* The workload registry, generated from workloads/list.h. */
#include <string.h>

#include "run/workload.h"

#define WORKLOAD(n) extern const struct workload wl_##n;
#include "workloads/list.h"
#undef WORKLOAD

const struct workload *const fl_workloads[] = {
#define WORKLOAD(n) &wl_##n,
#include "workloads/list.h"
#undef WORKLOAD
	NULL,
};

const struct workload *fl_workload_find(const char *name)
{
	for (int i = 0; fl_workloads[i]; i++)
		if (!strcmp(fl_workloads[i]->name, name))
			return fl_workloads[i];
	return NULL;
}
