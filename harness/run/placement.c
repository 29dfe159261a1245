// SPDX-License-Identifier: GPL-2.0
/*
 * Actor placement over an hwloc topology.
 *
 * In hwloc 2 NUMA nodes are memory children hanging off the object whose
 * CPUs are local to them, not parents of PUs, so a PU's node is found by
 * cpuset: the node whose cpuset contains the PU. When several nodes contain
 * it (a CPU-less memory node attached higher up, or HBM next to DRAM) the
 * most local one wins: the smallest cpuset, then the lowest OS index. That
 * is the PU's "home" node; spread and compact only use home PUs so no PU is
 * counted twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>
#include <numa.h>
#include <numaif.h>

#include "base/faultline.h"
#include "run/placement.h"

struct fl_topology {
	hwloc_topology_t topo;
	bool this_system;
	int nr_pus;
	int nr_nodes;
	hwloc_obj_t *pus;	/* by PU logical index */
	hwloc_obj_t *nodes;	/* by NUMA node logical index */
	int *pu_home;		/* PU logical index -> node logical index */
};

/* One node's share of a plan: its PUs in the order actors take them. */
struct plan_node {
	hwloc_obj_t node;
	hwloc_obj_t *pus;
	int nr_pus;
	int next;
};

/* A PU with its sort key for the cores-first order within a node. */
struct pu_rank {
	hwloc_obj_t pu;
	int rank;		/* 0: a core's first PU, 1: its second... */
};

/*
 * Parse a node number at @s, stopping at ',', '-' or the end. Returns the
 * number and sets *@end past it, -1 when the text there is not a number, or
 * -2 when it is not below FL_MAX_NODES (the Linux limit on node numbers).
 */
static int parse_node_number(const char *s, const char **end)
{
	bool big = false;
	const char *p = s;
	long v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v >= FL_MAX_NODES) {
			big = true;
			v = 0;	/* keep scanning without overflow */
		}
	}
	if (p == s || (*p && *p != ',' && *p != '-'))
		return -1;
	*end = p;
	return big ? -2 : (int)v;
}

/* Length of the list element starting at @s, for error messages. */
static int element_len(const char *s)
{
	return (int)strcspn(s, ",");
}

/*
 * Parse the LIST of "nodes=LIST" into @p. Elements are N or A-B with A <= B;
 * a node may appear only once so that the spread order stays unambiguous.
 */
static int parse_node_list(const char *whole, const char *list,
			   struct fl_placement *p, char *err, size_t len)
{
	bool seen[FL_MAX_NODES] = { false };
	const char *s = list, *end;
	int lo, hi;

	p->nr_nodes = 0;
	if (!*s) {
		fl_set_err(err, len, "placement \"%s\": empty node list", whole);
		return -EINVAL;
	}
	for (;;) {
		lo = parse_node_number(s, &end);
		hi = lo;
		if (lo >= 0 && *end == '-') {
			hi = parse_node_number(end + 1, &end);
			if (hi >= 0 && *end == '-')
				hi = -1;
		}
		if (lo == -2 || hi == -2) {
			fl_set_err(err, len,
				"placement \"%s\": \"%.*s\" is out of range (NUMA nodes are 0-%d)",
				whole, element_len(s), s, FL_MAX_NODES - 1);
			return -EINVAL;
		}
		if (lo < 0 || hi < 0) {
			fl_set_err(err, len,
				"placement \"%s\": \"%.*s\" is not a NUMA node number%s",
				whole, element_len(s), s,
				memchr(s, '-', (size_t)element_len(s)) ?
				" or range" : "");
			return -EINVAL;
		}
		if (hi < lo) {
			fl_set_err(err, len,
				"placement \"%s\": range \"%.*s\" is backwards",
				whole, element_len(s), s);
			return -EINVAL;
		}
		for (int n = lo; n <= hi; n++) {
			if (seen[n]) {
				fl_set_err(err, len,
					"placement \"%s\": node %d is listed twice",
					whole, n);
				return -EINVAL;
			}
			seen[n] = true;
			p->nodes[p->nr_nodes++] = n;
		}
		if (!*end)
			return 0;
		s = end + 1;	/* past the ',' */
	}
}

int fl_placement_parse(const char *s, struct fl_placement *p, char *err,
		       size_t len)
{
	int ret;

	if (!s)
		s = "";
	memset(p, 0, sizeof(*p));
	if (!strcmp(s, "spread")) {
		p->policy = FL_PLACE_SPREAD;
		return 0;
	}
	if (!strcmp(s, "compact")) {
		p->policy = FL_PLACE_COMPACT;
		return 0;
	}
	if (!strncmp(s, "nodes=", 6)) {
		p->policy = FL_PLACE_NODES;
		ret = parse_node_list(s, s + 6, p, err, len);
		if (ret)
			memset(p, 0, sizeof(*p));
		return ret;
	}
	fl_set_err(err, len,
		"unknown placement \"%s\" (expected spread, compact or nodes=LIST)",
		s);
	return -EINVAL;
}

/* Append with snprintf semantics: @*pos may run past @len, output stops. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL,
		      *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

/*
 * Runs of three or more ascending consecutive nodes print as A-B, anything
 * else as single numbers, so the text parses back to the same list.
 */
const char *fl_placement_str(const struct fl_placement *p, char *buf,
			     size_t len)
{
	size_t pos = 0;
	int i, j;

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (p->policy) {
	case FL_PLACE_SPREAD:
		append(buf, len, &pos, "spread");
		break;
	case FL_PLACE_COMPACT:
		append(buf, len, &pos, "compact");
		break;
	case FL_PLACE_NODES:
		append(buf, len, &pos, "nodes=");
		for (i = 0; i < p->nr_nodes; i = j + 1) {
			j = i;
			while (j + 1 < p->nr_nodes &&
			       p->nodes[j + 1] == p->nodes[j] + 1)
				j++;
			if (j - i < 2)
				j = i;
			append(buf, len, &pos, "%s%d", i ? "," : "",
			       p->nodes[i]);
			if (j > i)
				append(buf, len, &pos, "-%d", p->nodes[j]);
		}
		break;
	}
	return buf;
}

/*
 * hwloc reads HWLOC_SYNTHETIC and HWLOC_XMLFILE itself, but when the value
 * is bad it silently falls back to the running machine, which would turn a
 * plan for a big box into a bind on this one. So apply them explicitly
 * (synthetic first, as hwloc does) and fail loudly.
 */
static int apply_env_source(hwloc_topology_t topo, char *err, size_t len)
{
	const char *synth = getenv("HWLOC_SYNTHETIC");
	const char *xml = getenv("HWLOC_XMLFILE");

	if (synth && *synth) {
		if (hwloc_topology_set_synthetic(topo, synth) < 0) {
			fl_set_err(err, len,
				"HWLOC_SYNTHETIC=\"%s\": not a valid synthetic topology (%s)",
				synth, strerror(errno));
			return -EINVAL;
		}
	} else if (xml && *xml) {
		if (hwloc_topology_set_xml(topo, xml) < 0) {
			int e = errno ? errno : EINVAL;

			fl_set_err(err, len,
				"HWLOC_XMLFILE=\"%s\": cannot load topology (%s)",
				xml, strerror(e));
			return -e;
		}
	}
	return 0;
}

static bool node_has_pu(hwloc_obj_t node, hwloc_obj_t pu)
{
	return node->cpuset && hwloc_bitmap_isset(node->cpuset, pu->os_index);
}

/*
 * Pick each PU's home node: among the nodes whose cpuset holds it, the one
 * with the fewest PUs, then the lowest OS index. PUs that no node covers
 * keep -1 and are never planned.
 */
static int assign_homes(struct fl_topology *t)
{
	int *weight = calloc((size_t)t->nr_nodes, sizeof(*weight));

	if (!weight)
		return -ENOMEM;
	for (int n = 0; n < t->nr_nodes; n++)
		weight[n] = hwloc_bitmap_weight(t->nodes[n]->cpuset);
	for (int i = 0; i < t->nr_pus; i++) {
		int best = -1;

		for (int n = 0; n < t->nr_nodes; n++) {
			if (!node_has_pu(t->nodes[n], t->pus[i]))
				continue;
			if (best < 0 || weight[n] < weight[best] ||
			    (weight[n] == weight[best] &&
			     t->nodes[n]->os_index < t->nodes[best]->os_index))
				best = n;
		}
		t->pu_home[i] = best;
	}
	free(weight);
	return 0;
}

int fl_topology_load(struct fl_topology **out, char *err, size_t len)
{
	struct fl_topology *t;
	int ret = -ENOMEM;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		fl_set_err(err, len, "topology: out of memory");
		return -ENOMEM;
	}
	if (hwloc_topology_init(&t->topo) < 0) {
		ret = errno ? -errno : -ENOMEM;
		fl_set_err(err, len, "hwloc_topology_init: %s", strerror(-ret));
		free(t);
		return ret;
	}
	ret = apply_env_source(t->topo, err, len);
	if (ret)
		goto fail;
	if (hwloc_topology_load(t->topo) < 0) {
		ret = errno ? -errno : -EINVAL;
		fl_set_err(err, len, "hwloc_topology_load: %s", strerror(-ret));
		goto fail;
	}
	t->this_system = hwloc_topology_is_thissystem(t->topo);
	t->nr_pus = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU);
	t->nr_nodes = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_NUMANODE);
	if (t->nr_pus <= 0 || t->nr_nodes <= 0) {
		ret = -EINVAL;
		fl_set_err(err, len, "topology has %d PUs and %d NUMA nodes",
			t->nr_pus, t->nr_nodes);
		goto fail;
	}
	t->pus = calloc((size_t)t->nr_pus, sizeof(*t->pus));
	t->pu_home = calloc((size_t)t->nr_pus, sizeof(*t->pu_home));
	t->nodes = calloc((size_t)t->nr_nodes, sizeof(*t->nodes));
	if (!t->pus || !t->pu_home || !t->nodes)
		goto nomem;
	for (int i = 0; i < t->nr_pus; i++)
		t->pus[i] = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_PU,
						  (unsigned)i);
	for (int n = 0; n < t->nr_nodes; n++)
		t->nodes[n] = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_NUMANODE,
						     (unsigned)n);
	if (assign_homes(t))
		goto nomem;
	*out = t;
	return 0;
nomem:
	ret = -ENOMEM;
	fl_set_err(err, len, "topology: out of memory");
fail:
	fl_topology_free(t);
	return ret;
}

void fl_topology_free(struct fl_topology *t)
{
	if (!t)
		return;
	if (t->topo)
		hwloc_topology_destroy(t->topo);
	free(t->pus);
	free(t->pu_home);
	free(t->nodes);
	free(t);
}

bool fl_topology_is_this_system(const struct fl_topology *t)
{
	return t->this_system;
}

/* Object count of a type, 0 when absent (hwloc answers -1 for mixed depths). */
static int count_type(const struct fl_topology *t, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(t->topo, type);

	return n > 0 ? n : 0;
}

int fl_topology_nr_pus(const struct fl_topology *t)
{
	return t->nr_pus;
}

int fl_topology_nr_cores(const struct fl_topology *t)
{
	return count_type(t, HWLOC_OBJ_CORE);
}

int fl_topology_nr_nodes(const struct fl_topology *t)
{
	return t->nr_nodes;
}

int fl_topology_nr_packages(const struct fl_topology *t)
{
	return count_type(t, HWLOC_OBJ_PACKAGE);
}

int fl_topology_node_of_pu(const struct fl_topology *t, int pu)
{
	hwloc_obj_t obj;
	int home;

	if (pu < 0)
		return -1;
	obj = hwloc_get_pu_obj_by_os_index(t->topo, (unsigned)pu);
	if (!obj)
		return -1;
	home = t->pu_home[obj->logical_index];
	return home < 0 ? -1 : (int)t->nodes[home]->os_index;
}

/*
 * hwloc's synthetic string without attributes (memory sizes would make it
 * long and machine-specific). Asymmetric topologies cannot be exported that
 * way, so fall back to plain counts.
 */
const char *fl_topology_describe(const struct fl_topology *t, char *buf,
				 size_t len)
{
	if (!len)
		return buf;
	if (hwloc_topology_export_synthetic(t->topo, buf, len,
			HWLOC_TOPOLOGY_EXPORT_SYNTHETIC_FLAG_NO_ATTRS) >= 0)
		return buf;
	snprintf(buf, len, "%d packages, %d NUMA nodes, %d cores, %d PUs",
		 fl_topology_nr_packages(t), t->nr_nodes,
		 fl_topology_nr_cores(t), t->nr_pus);
	return buf;
}

void *fl_topology_hwloc(const struct fl_topology *t)
{
	return t->topo;
}

static int cmp_pu_rank(const void *a, const void *b)
{
	const struct pu_rank *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->pu->logical_index > y->pu->logical_index) -
	       (x->pu->logical_index < y->pu->logical_index);
}

/*
 * Collect node @n's PUs in placement order: the first PU of every core in
 * core order, then every core's second PU, and so on. @borrow takes every
 * PU in the node's cpuset rather than only the PUs whose home it is.
 * Returns the count (0 is possible), or -ENOMEM.
 */
static int node_pus(const struct fl_topology *t, int n, bool borrow,
		    hwloc_obj_t **out)
{
	hwloc_obj_t node = t->nodes[n], prev_core = NULL;
	struct pu_rank *r;
	int count = 0, prev_rank = 0;

	*out = NULL;
	r = calloc((size_t)t->nr_pus, sizeof(*r));
	if (!r)
		return -ENOMEM;
	/*
	 * Logical order lists a core's PUs back to back, so counting repeats
	 * of the previous PU's core gives each PU's SMT rank.
	 */
	for (int i = 0; i < t->nr_pus; i++) {
		hwloc_obj_t pu = t->pus[i], core;

		if (borrow ? !node_has_pu(node, pu) : t->pu_home[i] != n)
			continue;
		core = hwloc_get_ancestor_obj_by_type(t->topo, HWLOC_OBJ_CORE,
						      pu);
		r[count].pu = pu;
		r[count].rank = core && core == prev_core ? prev_rank + 1 : 0;
		prev_core = core;
		prev_rank = r[count].rank;
		count++;
	}
	if (count) {
		*out = calloc((size_t)count, sizeof(**out));
		if (!*out) {
			free(r);
			return -ENOMEM;
		}
		qsort(r, (size_t)count, sizeof(*r), cmp_pu_rank);
		for (int i = 0; i < count; i++)
			(*out)[i] = r[i].pu;
	}
	free(r);
	return count;
}

/* Fill one slot from @pu, on behalf of node @node. */
static void fill_slot(const struct fl_topology *t, struct fl_slot *s,
		      hwloc_obj_t pu, hwloc_obj_t node)
{
	hwloc_obj_t core, pkg;

	core = hwloc_get_ancestor_obj_by_type(t->topo, HWLOC_OBJ_CORE, pu);
	pkg = hwloc_get_ancestor_obj_by_type(t->topo, HWLOC_OBJ_PACKAGE, pu);
	s->pu = (int)pu->os_index;
	/* No core level (e.g. "pu:4"): each PU stands alone, no core index. */
	s->core = core ? (int)core->logical_index : -1;
	s->node = (int)node->os_index;
	if (!pkg)
		s->package = -1;
	else if (pkg->os_index == HWLOC_UNKNOWN_INDEX)
		s->package = (int)pkg->logical_index;
	else
		s->package = (int)pkg->os_index;
	s->shares_pu = false;
}

/*
 * Build the per-node PU lists a plan draws from: every node with home PUs
 * for spread and compact, the listed nodes in order for nodes=LIST. A listed
 * node without home PUs (memory sharing another node's CPUs) borrows the
 * PUs of its cpuset, so nodes=1 on such a machine runs there and prefers
 * node 1 memory. Returns the number of plan nodes or -errno.
 */
static int build_plan_nodes(const struct fl_topology *t,
			    const struct fl_placement *p, struct plan_node *pn,
			    char *err, size_t len)
{
	int nr = 0, count;

	if (p->policy != FL_PLACE_NODES) {
		for (int n = 0; n < t->nr_nodes; n++) {
			count = node_pus(t, n, false, &pn[nr].pus);
			if (count < 0)
				goto nomem;
			if (!count)
				continue;
			pn[nr].node = t->nodes[n];
			pn[nr++].nr_pus = count;
		}
		return nr;
	}
	for (int i = 0; i < p->nr_nodes; i++) {
		unsigned int os = (unsigned int)p->nodes[i];
		hwloc_obj_t node = NULL;
		int n;

		if (p->nodes[i] >= 0)
			node = hwloc_get_numanode_obj_by_os_index(t->topo, os);
		if (!node) {
			char have[256], text[256];

			hwloc_bitmap_list_snprintf(have, sizeof(have),
				hwloc_topology_get_topology_nodeset(t->topo));
			fl_set_err(err, len,
				"placement \"%s\": the topology has no NUMA node %d (it has %s)",
				fl_placement_str(p, text, sizeof(text)),
				p->nodes[i], have);
			return -EINVAL;
		}
		n = (int)node->logical_index;
		count = node_pus(t, n, false, &pn[nr].pus);
		if (!count)
			count = node_pus(t, n, true, &pn[nr].pus);
		if (count < 0)
			goto nomem;
		if (!count) {
			char text[256];

			fl_set_err(err, len,
				"placement \"%s\": NUMA node %d has no PUs",
				fl_placement_str(p, text, sizeof(text)),
				p->nodes[i]);
			return -EINVAL;
		}
		pn[nr].node = node;
		pn[nr++].nr_pus = count;
	}
	return nr;
nomem:
	fl_set_err(err, len, "placement: out of memory");
	return -ENOMEM;
}

/*
 * Next plan node for spread: round-robin from *@rr over the nodes that still
 * have a free PU. When every PU is taken, start a new wrap over all PUs.
 */
static int next_spread(struct plan_node *pn, int nr, int *rr)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < nr; k++) {
			int j = (*rr + k) % nr;

			if (pn[j].next < pn[j].nr_pus) {
				*rr = (j + 1) % nr;
				return j;
			}
		}
		for (int j = 0; j < nr; j++)
			pn[j].next = 0;
		*rr = 0;
	}
	return 0;	/* not reached: every plan node has a PU */
}

/* Next plan node for compact: the first one with a free PU, else wrap. */
static int next_compact(struct plan_node *pn, int nr)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int j = 0; j < nr; j++)
			if (pn[j].next < pn[j].nr_pus)
				return j;
		for (int j = 0; j < nr; j++)
			pn[j].next = 0;
	}
	return 0;
}

int fl_plan(const struct fl_topology *t, const struct fl_placement *p,
	    int nr_actors, struct fl_slot *slots, char *err, size_t len)
{
	int nr_pn = (p->policy == FL_PLACE_NODES ? p->nr_nodes : t->nr_nodes);
	struct plan_node *pn = NULL;
	hwloc_obj_t *chosen = NULL;
	int *users = NULL, nr, rr = 0, ret = 0;

	if (nr_actors < 0) {
		fl_set_err(err, len, "placement: %d actors", nr_actors);
		return -EINVAL;
	}
	if (p->policy == FL_PLACE_NODES &&
	    (p->nr_nodes <= 0 || p->nr_nodes > FL_MAX_NODES)) {
		fl_set_err(err, len, "placement nodes=: %d nodes listed",
			p->nr_nodes);
		return -EINVAL;
	}
	pn = calloc((size_t)nr_pn, sizeof(*pn));
	users = calloc((size_t)t->nr_pus, sizeof(*users));
	chosen = calloc((size_t)nr_actors + 1, sizeof(*chosen));
	if (!pn || !users || !chosen) {
		fl_set_err(err, len, "placement: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	nr = build_plan_nodes(t, p, pn, err, len);
	if (nr < 0) {
		ret = nr;
		goto out;
	}
	if (!nr) {
		fl_set_err(err, len, "placement: no NUMA node has a PU");
		ret = -EINVAL;
		goto out;
	}
	for (int a = 0; a < nr_actors; a++) {
		int j = p->policy == FL_PLACE_COMPACT ? next_compact(pn, nr) :
			next_spread(pn, nr, &rr);
		hwloc_obj_t pu = pn[j].pus[pn[j].next++];

		fill_slot(t, &slots[a], pu, pn[j].node);
		chosen[a] = pu;
		users[pu->logical_index]++;
	}
	/* Flag every actor on a shared PU, the first comer included. */
	for (int a = 0; a < nr_actors; a++)
		slots[a].shares_pu = users[chosen[a]->logical_index] > 1;
out:
	for (int j = 0; pn && j < nr_pn; j++)
		free(pn[j].pus);
	free(pn);
	free(users);
	free(chosen);
	return ret;
}

/*
 * Memory preference for @node through libnuma. numa_set_preferred() reports
 * nothing, so check the policy took by reading it back.
 */
static int prefer_node(int node, int pu, char *err, size_t len)
{
	int e;

	errno = 0;
	numa_set_preferred(node);
	e = errno;
	if (numa_preferred() != node) {
		e = e ? e : EINVAL;
		fl_set_err(err, len,
			"PU %d: preferring memory on NUMA node %d: %s",
			pu, node, strerror(e));
		return -e;
	}
	return 0;
}

/* get_mempolicy() ORs mode flags (static, relative, balancing) from bit 13. */
#define MPOL_MODE_MASK ((1 << 13) - 1)

/* The calling thread's policy mode (MPOL_*), or -1 when it cannot be read. */
static int thread_policy(void)
{
	int mode;

	if (get_mempolicy(&mode, NULL, 0, NULL, 0))
		return -1;
	return mode & MPOL_MODE_MASK;
}

/*
 * Make the calling thread's memory come from @s->node. A thread bound to
 * one PU already allocates on that PU's node under the kernel's default
 * (local) policy, which is what will-it-scale runs with; a policy is set
 * only when it would change something: @s->node is not the PU's own (a
 * memory-only node of nodes=LIST), or the thread inherited another policy
 * (numactl). Either way the result is checked.
 */
static int place_memory(const struct fl_topology *t, const struct fl_slot *s,
			char *err, size_t len)
{
	int mode;

	if (s->node < 0 || s->node > numa_max_node() ||
	    !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)s->node)) {
		fl_set_err(err, len,
			"PU %d: NUMA node %d is not available for memory here",
			s->pu, s->node);
		return -EINVAL;
	}
	mode = thread_policy();
	/* hwloc, not numa_node_of_cpu(): libnuma fills its cache racily. */
	if ((mode == MPOL_DEFAULT || mode == MPOL_LOCAL) &&
	    fl_topology_node_of_pu(t, s->pu) == s->node)
		return 0;
	return prefer_node(s->node, s->pu, err, len);
}

const char *fl_mempolicy_str(char *buf, size_t len)
{
	static const char *const names[] = {
		[MPOL_DEFAULT] = "local", [MPOL_PREFERRED] = "preferred",
		[MPOL_BIND] = "bind", [MPOL_INTERLEAVE] = "interleave",
		[MPOL_LOCAL] = "local", [MPOL_PREFERRED_MANY] = "preferred-many",
	};
	struct bitmask *nodes;
	int mode;
	size_t pos = 0;

	if (!len)
		return buf;
	snprintf(buf, len, "unknown");
	if (numa_available() < 0)
		return buf;
	nodes = numa_allocate_nodemask();
	if (!nodes)
		return buf;
	if (get_mempolicy(&mode, nodes->maskp, nodes->size + 1, NULL, 0))
		goto out;
	mode &= MPOL_MODE_MASK;
	if (mode < 0 || mode >= (int)ARRAY_SIZE(names) || !names[mode])
		goto out;
	buf[0] = '\0';
	append(buf, len, &pos, "%s", names[mode]);
	if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL)
		goto out;
	for (unsigned int n = 0, first = 1; n < nodes->size; n++) {
		if (!numa_bitmask_isbitset(nodes, n))
			continue;
		append(buf, len, &pos, "%s%u", first ? "=" : ",", n);
		first = 0;
	}
out:
	numa_free_nodemask(nodes);
	return buf;
}

int fl_bind_cpu(const struct fl_topology *t, const struct fl_slot *s,
		char *err, size_t len)
{
	hwloc_obj_t pu;
	int e;

	if (!t->this_system) {
		fl_set_err(err, len,
			"cannot bind to PU %d (node %d): the topology is not this system "
			"(HWLOC_SYNTHETIC or HWLOC_XMLFILE)", s->pu, s->node);
		return -EOPNOTSUPP;
	}
	pu = NULL;
	if (s->pu >= 0)
		pu = hwloc_get_pu_obj_by_os_index(t->topo, (unsigned int)s->pu);
	if (!pu) {
		fl_set_err(err, len, "cannot bind to PU %d (node %d): no such PU",
			s->pu, s->node);
		return -EINVAL;
	}
	if (hwloc_set_cpubind(t->topo, pu->cpuset, HWLOC_CPUBIND_THREAD) < 0) {
		e = errno ? errno : EINVAL;
		fl_set_err(err, len, "binding to PU %d (node %d): %s",
			s->pu, s->node, strerror(e));
		return -e;
	}
	return 0;
}

int fl_bind_self(const struct fl_topology *t, const struct fl_slot *s,
		 char *err, size_t len)
{
	int ret = fl_bind_cpu(t, s, err, len);

	if (!ret && numa_available() >= 0)
		ret = place_memory(t, s, err, len);
	return ret;
}

void fl_plan_print(FILE *f, const struct fl_topology *t,
		   const struct fl_slot *slots, int nr_actors)
{
	char desc[1024];
	int *per_node, shared = 0, idle = 0;

	fprintf(f, "topology: %s%s\n",
		fl_topology_describe(t, desc, sizeof(desc)),
		t->this_system ? "" : " (not this system)");
	fprintf(f, "%6s %6s %6s %6s %8s\n", "actor", "pu", "core", "node",
		"package");
	for (int a = 0; a < nr_actors; a++) {
		const struct fl_slot *s = &slots[a];

		fprintf(f, "%6d %6d %6d %6d %8d%s\n", a, s->pu, s->core,
			s->node, s->package, s->shares_pu ? "  shares PU" : "");
		shared += s->shares_pu;
	}

	per_node = calloc((size_t)t->nr_nodes, sizeof(*per_node));
	if (!per_node)
		return;
	for (int a = 0; a < nr_actors; a++)
		for (int n = 0; n < t->nr_nodes; n++)
			if ((int)t->nodes[n]->os_index == slots[a].node)
				per_node[n]++;
	fprintf(f, "actors per node:");
	for (int n = 0, first = 1; n < t->nr_nodes; n++) {
		if (!per_node[n]) {
			idle++;
			continue;
		}
		fprintf(f, "%s node %u: %d", first ? "" : ",",
			t->nodes[n]->os_index, per_node[n]);
		first = 0;
	}
	if (idle)
		fprintf(f, " (%d node%s unused)", idle, idle == 1 ? "" : "s");
	fprintf(f, "\n");
	if (shared)
		fprintf(f, "oversubscribed: %d of %d actors share a PU\n",
			shared, nr_actors);
	free(per_node);
}

int fl_placement_opt_parse(const char *text, void *field, char *err, size_t len)
{
	return fl_placement_parse(text, field, err, len);
}

const char *fl_placement_opt_format(const void *field, char *buf, size_t len)
{
	return fl_placement_str(field, buf, len);
}
