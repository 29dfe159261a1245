/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The document kinds faultline writes, by their "schema" id; each is
 * described in results/README.md, the first three also by a JSON schema
 * in results/.
 */
#ifndef FL_SCHEMA_H
#define FL_SCHEMA_H

#define FL_SCHEMA_RESULT	"faultline-result/1"	/* faultline run */
#define FL_SCHEMA_STRESS	"faultline-stress/1"	/* faultline stress */
#define FL_SCHEMA_MPI		"faultline-mpi/1"	/* faultline mpi */
#define FL_SCHEMA_COMPARE	"faultline-compare/1"	/* faultline compare --json */
#define FL_SCHEMA_POOL_NIGHT	"faultline-pool-night/1"	/* a pooled night's marker */
#define FL_SCHEMA_CLUSTER	"faultline-cluster/1"	/* kernels/cluster.sh: its guests and commands */
#define FL_SCHEMA_BISECT	"faultline-bisect/1"	/* faultline bisect: its steps and answer */
/* Every faultline document's id starts with this. */
#define FL_SCHEMA_PREFIX	"faultline-"

#endif /* FL_SCHEMA_H */
