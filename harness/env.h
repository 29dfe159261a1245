/* SPDX-License-Identifier: GPL-2.0 */
/* The environment a run happened in, for the "host" object of a result. */
#ifndef FL_ENV_H
#define FL_ENV_H

#include <jansson.h>

#include "placement.h"

/* Kernel, CPU, topology, THP, sysctls, clock, and @dir's filesystem. */
json_t *fl_env_host_json(const struct fl_topology *topo, const char *dir);
/* {name, version, git}. */
json_t *fl_env_tool_json(void);

/* Filesystem type and source of the mount holding @path ("?" if unknown). */
void fl_env_fs_of(const char *path, char *type, size_t tlen, char *source,
		  size_t slen);

#endif /* FL_ENV_H */
