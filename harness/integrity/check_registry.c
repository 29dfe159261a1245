// SPDX-License-Identifier: GPL-2.0
/* The check registry, from workloads/checks/list.h. */
#include <stddef.h>
#include <string.h>

#include "integrity/check.h"

#define CHECK(n) extern const struct fl_check check_##n;
#include "workloads/checks/list.h"
#undef CHECK

const struct fl_check *const fl_checks[] = {
#define CHECK(n) &check_##n,
#include "workloads/checks/list.h"
#undef CHECK
	NULL,
};

const struct fl_check *fl_check_find(const char *name)
{
	for (int i = 0; fl_checks[i]; i++)
		if (!strcmp(fl_checks[i]->name, name))
			return fl_checks[i];
	return NULL;
}
