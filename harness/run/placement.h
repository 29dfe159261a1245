/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Actor placement: plan which processing unit (PU) and NUMA node each actor
 * runs on, from any hwloc topology (the running machine, HWLOC_SYNTHETIC or
 * HWLOC_XMLFILE), and bind the calling thread to its slot.
 *
 * Policies:
 *   spread     round-robin over NUMA nodes; within a node one PU per core
 *              first, SMT siblings only once every core has an actor
 *   compact    fill one NUMA node before the next; within a node cores
 *              first, then SMT siblings
 *   nodes=LIST like spread, but only over the listed NUMA nodes (OS indexes,
 *              e.g. nodes=0,2 or nodes=1-3)
 * More actors than PUs wrap around (oversubscription), flagged in the plan.
 */
#ifndef FL_PLACEMENT_H
#define FL_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FL_MAX_NODES 1024

enum fl_placement_policy {
	FL_PLACE_SPREAD,
	FL_PLACE_COMPACT,
	FL_PLACE_NODES,
};

struct fl_placement {
	enum fl_placement_policy policy;
	int nr_nodes;			/* FL_PLACE_NODES only */
	int nodes[FL_MAX_NODES];	/* OS indexes, in the order given */
};

/* One actor's place. All indexes are OS indexes except core (logical). */
struct fl_slot {
	int pu;
	int core;
	int node;		/* NUMA node OS index */
	int package;		/* -1 when the topology has no package level */
	bool shares_pu;		/* oversubscribed: another actor has this PU */
};

struct fl_topology;

/*
 * Parse "spread", "compact" or "nodes=LIST". Returns 0 or -EINVAL with a
 * message naming the bad text in @err.
 */
int fl_placement_parse(const char *s, struct fl_placement *p, char *err,
		       size_t len);
/* The canonical text of a placement, e.g. "nodes=0,2". */
const char *fl_placement_str(const struct fl_placement *p, char *buf,
			     size_t len);

/* The two above with the signatures of an option table's custom type. */
int fl_placement_opt_parse(const char *text, void *field, char *err,
			   size_t len);
const char *fl_placement_opt_format(const void *field, char *buf, size_t len);

/* Load the topology hwloc sees (honours HWLOC_SYNTHETIC, HWLOC_XMLFILE). */
int fl_topology_load(struct fl_topology **out, char *err, size_t len);
void fl_topology_free(struct fl_topology *t);
/* False for synthetic or XML topologies: such plans cannot be bound. */
bool fl_topology_is_this_system(const struct fl_topology *t);
int fl_topology_nr_pus(const struct fl_topology *t);
int fl_topology_nr_cores(const struct fl_topology *t);
int fl_topology_nr_nodes(const struct fl_topology *t);
int fl_topology_nr_packages(const struct fl_topology *t);
/* OS index of the NUMA node holding PU @pu (OS index), or -1. */
int fl_topology_node_of_pu(const struct fl_topology *t, int pu);
/* hwloc's synthetic description of the topology, e.g. "Package:1 Core:2 PU:1". */
const char *fl_topology_describe(const struct fl_topology *t, char *buf,
				 size_t len);
/* The underlying hwloc_topology_t, for callers that need more. */
void *fl_topology_hwloc(const struct fl_topology *t);

/*
 * Fill @slots[0..nr_actors) per policy @p. Fails with -EINVAL and a message
 * when nodes=LIST names a node the topology does not have or that has no PU.
 */
int fl_plan(const struct fl_topology *t, const struct fl_placement *p,
	    int nr_actors, struct fl_slot *slots, char *err, size_t len);

/*
 * Bind the calling thread to @s->pu (hwloc), nothing else. Fails with
 * -EOPNOTSUPP when the topology is not this system, or -errno with a
 * message naming the PU and node.
 */
int fl_bind_cpu(const struct fl_topology *t, const struct fl_slot *s,
		char *err, size_t len);

/*
 * fl_bind_cpu(), then make the thread's memory come from @s->node. Under
 * the kernel's default (local) policy a thread bound to a PU of @s->node
 * already allocates there, so no policy is set then, as will-it-scale sets
 * none; otherwise (a memory-only node, an inherited numactl policy) the
 * thread prefers @s->node (libnuma). fl_mempolicy_str() says which.
 */
int fl_bind_self(const struct fl_topology *t, const struct fl_slot *s,
		 char *err, size_t len);

/*
 * The calling thread's memory policy as text: "local" (the kernel's
 * default), "preferred=N", "bind=LIST", "interleave=LIST", or "unknown"
 * (no NUMA support). For results: which policy an actor ran under.
 */
const char *fl_mempolicy_str(char *buf, size_t len);

/* Print the plan as a table: actor, PU, core, node, package. */
void fl_plan_print(FILE *f, const struct fl_topology *t,
		   const struct fl_slot *slots, int nr_actors);

#endif /* FL_PLACEMENT_H */
