/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-side collectors: BPF programs that measure what the kernel does
 * for the run's own processes during each timed window, per NUMA node of
 * the CPU. The life cycle is perf's: prepare (load and attach, once per
 * process), start and stop around each window, read after stop, finish.
 * A collector that cannot work here says why ("unavailable: reason") and
 * the run goes on without it; nothing is ever reported as zero instead.
 */
#ifndef FL_COLLECT_H
#define FL_COLLECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/faultline.h"

struct fl_ksyms;

/* What collectors need to know of the run. */
struct fl_collect_env {
	pid_t tgid;			/* the process whose tasks count */
	uint32_t test_kdev;		/* test directory's device, as the kernel
					 * encodes it (major << 20 | minor) */
	const struct fl_ksyms *ksyms;	/* NULL when /proc/kallsyms is unreadable */
};

/*
 * One window's output. Per-node objects are keyed by node number as a
 * string ("0"); collectors add keys to them. Lock lists from several
 * collectors are appended to the same "locks" array.
 */
struct fl_collect_out {
	json_t *nodes;			/* {"0": {...}, ...} */
	json_t *kernel;			/* run-level extras, e.g. "faults" */
};

/* Per-node object for @node in @out, created on first use. */
json_t *fl_collect_node(struct fl_collect_out *out, int node);

/*
 * A number a collector puts in every node's object, declared in the run's
 * kernel.collectors.NAME.metrics so that compare and the summaries find it
 * in the document without naming it (they read documents only).
 */
struct fl_metric_decl {
	const char *name;	/* compare's metric, e.g. kernel_fault_latency_p99 */
	const char *path;	/* in a node's object, e.g. kernel_fault_latency_ns.p99 */
	const char *label;	/* its column in the summary's latency table */
	const char *unit;	/* "ns", "count", ... */
	bool higher_better;
	const char *family;	/* the validity family that spoils it */
	bool compare;		/* compare tests it (a maximum is shown, not tested) */
};

/*
 * A list a collector adds to each node's object (nodes[].NAME[]), declared
 * in the run's kernel.collectors.NAME.lists. With @complete it records
 * every entry there is, so a node without the list had none (lockcon: any
 * lock); otherwise it covers some (mmaplock: mmap_lock alone).
 */
struct fl_list_decl {
	const char *name;
	bool complete;
};

struct fl_collector;

struct fl_collector_ops {
	/* Load and attach. 0, or -errno with the reason in @err. */
	int (*prepare)(struct fl_collector *c, const struct fl_collect_env *env,
		       char *err, size_t len);
	void (*start)(struct fl_collector *c);	/* clear, then enable */
	void (*stop)(struct fl_collector *c);	/* disable */
	/* Add this window's data to @out; events lost in it to *@lost. */
	int (*read)(struct fl_collector *c, struct fl_collect_out *out,
		    uint64_t *lost, char *err, size_t len);
	void (*finish)(struct fl_collector *c);
	/* What it puts in each node's object; up to a NULL name, or NULL. */
	const struct fl_metric_decl *metrics;
	/* The lists it adds to each node's object; up to a NULL name, or NULL. */
	const struct fl_list_decl *lists;
};

struct bpf_map;

struct fl_collector {
	const struct fl_collector_ops *ops;
	const struct fl_collect_env *env;
	void *priv;
	/* Set by prepare: the tgids it counts (env->tgid, then followed ones). */
	struct bpf_map *tgids;
	/* Set by prepare when only part works: what is missing and why. */
	char partial[FL_ERR_LEN];
};


/* Every collector by name; ops is NULL in a build without BPF. */
struct fl_collector_info {
	const char *name;
	const char *help;
	const struct fl_collector_ops *ops;
	bool names_callers;		/* needs kernel symbols */
};

extern const struct fl_collector_info fl_collectors[];
extern const int fl_nr_collectors;

/* --collect into an unsigned int mask: a comma list of names, all, none. */
int fl_collect_parse(const char *text, void *mask, char *err, size_t len);
/* The --collect text of a mask. */
const char *fl_collect_format(const void *mask, char *buf, size_t len);
#define FL_COLLECT_ALL (~0u)
/*
 * --collect's default: the collectors whose programs run only when a task
 * waits (contended locks, folio lock or writeback). kfault runs one on
 * every page fault of the machine, and mmaplock on every mmap_lock taken
 * (every fault before per-VMA locks, 6.4): that costs page_fault1 more
 * than the 1% a will-it-scale figure allows (README, Overhead), so they
 * are asked for by name or with all.
 */
#define FL_COLLECT_DEFAULT "lockcon,folio"

/* The set of collectors one `faultline run` uses. */
struct fl_collect_set;

/*
 * Prepare the collectors in @mask; never fails: collectors that cannot
 * run record why. NULL only when out of memory.
 */
struct fl_collect_set *fl_collect_prepare(unsigned int mask,
					  const struct fl_collect_env *env);
/*
 * Count process @pid too (an actor process, --mode processes). 0, or
 * -errno with @err naming the collector; fine without a set.
 */
int fl_collect_follow(struct fl_collect_set *s, pid_t pid, char *err, size_t len);
void fl_collect_start(struct fl_collect_set *s);
void fl_collect_stop(struct fl_collect_set *s);
/*
 * This window's data: {"nodes": {...}, "kernel": {...}, "collectors":
 * {name: {"status": "ok" | "unavailable: why", "lost": N}},
 * "trustworthy": bool, "why_untrustworthy": "..."}. NULL without a set.
 */
json_t *fl_collect_read(struct fl_collect_set *s);
void fl_collect_finish(struct fl_collect_set *s);

#endif /* FL_COLLECT_H */
