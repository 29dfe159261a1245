/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `faultline compare`: the two sides (result files and directories), the
 * series of samples matched between them, and the comparison as JSON
 * (schema faultline-compare/1, documented in results/README.md).
 */
#ifndef FL_COMPARE_H
#define FL_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/stats.h"

enum { FL_BASE, FL_CUR };

/*
 * One side: every document loaded from its comma-separated paths. Each
 * document belongs to a group: the path it was named by, or the
 * subdirectory of a named directory it was found in (a night of a
 * nightly's pool).
 */
struct fl_cmp_side {
	const char *name;	/* "BASE" or "CUR" */
	const char *arg;	/* the paths as given */
	int nr_docs;
	char **files;
	json_t **docs;
	int *group;		/* per document */
	int nr_groups;
	char accel[32], variant[128], kernel[128];
	char written[64];	/* the latest document's "written" */
};

/*
 * Load every faultline-result/1 and faultline-stress/1 document named by
 * @arg: files, directories of them and directories of those. 0, or
 * -EINVAL / -ENOMEM with the file and the problem in @err.
 */
int fl_cmp_side_load(struct fl_cmp_side *s, const char *name, const char *arg,
		     char *err, size_t len);
void fl_cmp_side_free(struct fl_cmp_side *s);

/* Append @v to the comma-separated @buf unless it is there already. */
void fl_cmp_add_word(char *buf, size_t len, const char *v);

/*
 * -EINVAL with the reason in @err when the sides must not be compared
 * (accel differs between or within them), 0 when they may. With @force
 * the reason goes to @warn instead, as do differences only worth a
 * warning (CPU model, test filesystem).
 */
int fl_cmp_refuse(const struct fl_cmp_side *sides, bool force, char *err,
		  size_t len, void (*warn)(const char *msg));

enum fl_metric_kind {
	FL_MK_STAT,		/* a measurement: statistics decide */
	FL_MK_INTEGRITY,	/* any violation in CUR is worse */
};

/* One metric of one configuration, thread count and node. */
struct fl_cmp_series {
	char *workload, *params, *options;	/* params: "k=v,k=v" */
	bool baseline;
	int config;		/* first-seen order of the configuration */
	int threads;
	int node;		/* -1: the run's totals ("all") */
	char metric[96];
	char lock_name[48], lock_type[24];	/* per-lock metrics */
	char file[64];		/* the first document's name, without .json */
	char unit[16];
	bool higher_better;
	enum fl_metric_kind kind;
	int order;		/* of the metric in its table */
	int parent;		/* a lock's "lock_wait_ns" series; -1 */
	bool dropped;		/* a lock outside the top few */
	double *v[2];
	int *g[2];		/* the group (pool night) of each sample */
	int n[2], cap[2];
	int errors[2];		/* stress checks that errored or skipped */
	int known[2];		/* stress checks that failed as expected */
	int not_run[2];		/* stress checks that ran no iteration */
	int left_out[2];	/* samples of runs whose validity spoils this */
	char left_why[64];	/* their reason codes, comma-separated */
	bool headline;		/* the run's own number (see compare.c) */
	int same_as;		/* faults/s that is ops/s times a constant: -1 */
	double floor;		/* medians both below: unchanged (locks) */
	/* The outcome. */
	bool matched;
	struct fl_stats_cmp res;
};

struct fl_cmp {
	struct fl_stats_opts opts;
	struct fl_cmp_series *s;
	int nr, cap;
	json_t *index;		/* series key -> index in s */
	json_t *configs;	/* configuration key -> order */
	bool pool;		/* BASE is a pool of nights: fl_stats_pool */
	int counts[FL_VERDICT_NR];	/* a measurement counted once */
	int unmatched[2];	/* series on one side only */
};

int fl_cmp_init(struct fl_cmp *c, const struct fl_stats_opts *o);
void fl_cmp_free(struct fl_cmp *c);

/* Add every sample of @side's documents to side @which of the series. */
int fl_cmp_collect(struct fl_cmp *c, const struct fl_cmp_side *side,
		   int which);

/*
 * Match, compute statistics and verdicts, sort. Returns the number of
 * series matched (compared), or -ENOMEM.
 */
int fl_cmp_evaluate(struct fl_cmp *c);

/* "worse" (a metric is), else "untrustworthy" (a metric is), else "ok". */
const char *fl_cmp_verdict(const struct fl_cmp *c);

/* "all" or the node number. */
const char *fl_cmp_node_str(const struct fl_cmp_series *s, char *buf,
			    size_t len);

/* The faultline-compare/1 document. */
json_t *fl_cmp_json(const struct fl_cmp *c, const struct fl_cmp_side *sides);

/* What fl_cmp_write() writes besides the table on stdout. */
struct fl_cmp_outputs {
	const char *json, *markdown, *history;	/* NULL: not written */
	json_t *extra;		/* keys added to the JSON document */
};

/*
 * The table on stdout, and the JSON, Markdown and history files asked
 * for (cmd_compare.c). 0, or -errno with the file named on stderr.
 */
int fl_cmp_write(const struct fl_cmp *c, const struct fl_cmp_side *sides,
		 const struct fl_cmp_outputs *o);

#endif /* FL_COMPARE_H */
