// SPDX-License-Identifier: GPL-2.0
/* Shared anonymous memory for the processes of a run. */
#include <sys/mman.h>

#include "base/shared_mem.h"

void *fl_shared_alloc(size_t size)
{
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void fl_shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size ? size : 1);
}
