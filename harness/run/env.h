/* SPDX-License-Identifier: GPL-2.0 */
/* The environment a run happened in, for the "host" object of a result. */
#ifndef FL_ENV_H
#define FL_ENV_H

#include <jansson.h>

#include "run/placement.h"

/* Kernel, CPU, topology, THP, sysctls, clock, and @dir's filesystem. */
json_t *fl_env_host_json(const struct fl_topology *topo, const char *dir);

/*
 * The kernel variant and accelerator a result is labelled with: "host"
 * and "native" unless kernels/boot.sh set FAULTLINE_VARIANT and
 * FAULTLINE_ACCEL (kvm or tcg) in a guest.
 */
const char *fl_env_variant(void);
const char *fl_env_accel(void);

/* The mount holding a path: "?" where unknown. */
struct fl_mount {
	char type[64];
	char source[256];
	char options[512];	/* the superblock's, e.g. "rw,size=1024k,huge=always" */
};

void fl_env_fs_of(const char *path, struct fl_mount *m);

#endif /* FL_ENV_H */
