/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `faultline report`: result sets rendered into figures with gnuplot and a
 * report page (report.md, index.html) that links each figure with a
 * one-line reading computed from the data. One file per figure kind
 * (fig_*.c) fills a data file and a few gnuplot variables; the drawing
 * itself is a template in plots/NAME.gp.
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/format.h"

#define RP_MAX_SERIES 12
#define RP_TEXT 2048
/* Directories leave room for a file name within PATH_MAX. */
#define RP_DIR_MAX (PATH_MAX - 512)

/* One DIR (or result file) on the command line: one series in every figure. */
struct rp_series {
	char path[PATH_MAX];
	char label[192];	/* "host (native)", or the directory's name */
	char variant[96], accel[32];
	json_t *docs;		/* faultline-result/1 documents */
	json_t *stems;		/* each document's file name without .json */
	json_t *files;		/* each document's path */
	int nr_other;		/* documents of other schemas (stress, mpi) */
	json_t *others;		/* those documents, for their validity */
	json_t *other_files;	/* and their paths */
};

/* A workload configuration (workload name + params) across the series. */
struct rp_config {
	char key[1024];		/* name + params, canonical JSON */
	char name[96];		/* file-safe: the result file's stem, "page_fault1" */
	char workload[64];
	char params[512];	/* "map=anon access=write ..." */
	json_t *params_obj;	/* the first document's workload.params */
	char mode[16];		/* run_options.mode: threads (older documents) or processes */
	json_t *runs[RP_MAX_SERIES];	/* per series: all its runs, or NULL */
};

enum rp_state { RP_DRAWN, RP_SKIPPED, RP_FAILED };

/* A figure: drawn, not drawn (with the reason) or failed (gnuplot's message). */
struct rp_fig {
	int section;		/* enum rp_section */
	char name[192];		/* file stem in the output directory */
	char title[256];
	char text[RP_TEXT];	/* the reading, or why it was not drawn */
	char error[RP_TEXT];	/* gnuplot's message when it failed */
	enum rp_state state;
	/* While it is being written (in memory until drawn): */
	FILE *dat;		/* NAME.dat */
	char *dat_buf;
	size_t dat_len;
	FILE *vars_f;		/* gnuplot assignments for the template */
	char *vars;
	size_t vars_len;
};

/* A figure kind's section of the report (plots/figures.h). */
enum rp_section {
#define FIGURE(ID, kind, scope, title, about) RP_##ID,
#include "plots/figures.h"
#undef FIGURE
	RP_NR_SECTIONS,
};

/* The colour of untrustworthy numbers in every figure (c_untrust in common.gp). */
#define RP_UNTRUST_RGB 0x7B3294

struct rp_report {
	char out[RP_DIR_MAX];	/* output directory */
	char plots[RP_DIR_MAX];	/* where the *.gp templates are */
	struct rp_series series[RP_MAX_SERIES];
	int nr_series;
	struct rp_config *configs;
	int nr_configs;
	json_t *compare;	/* faultline-compare/1, or NULL */
	char compare_path[PATH_MAX];
	json_t *history;	/* array of history lines, or NULL */
	char history_path[PATH_MAX];
	char history_why[512];	/* why there is no history */
	struct rp_fig **figs;
	int nr_figs;
	int failed;
	int bad_docs;		/* untrustworthy documents, once the pages are written */
};

/* inputs.c: the DIRs, the compare document and the history. */
int rp_add_input(struct rp_report *r, const char *path, char *err, size_t len);
void rp_label_series(struct rp_report *r);
int rp_build_configs(struct rp_report *r);
int rp_load_compare(struct rp_report *r, const char *path, char *err, size_t len);
int rp_load_history(struct rp_report *r, const char *path, char *err, size_t len);
void rp_report_free(struct rp_report *r);

/*
 * figure.c: a figure's files, gnuplot variables, rendering. A new figure,
 * or NULL when out of memory (said on stderr, counted as failed); a NULL
 * figure may be skipped.
 */
struct rp_fig *rp_fig_new(struct rp_report *r, int section, const char *name,
			  const char *title_fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Record a figure that is not drawn, with the reason; no files are left. */
void rp_fig_skip(struct rp_report *r, struct rp_fig *f, const char *why_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Write NAME.gp (variables + common.gp + @tmpl) and run gnuplot on it. */
void rp_fig_draw(struct rp_report *r, struct rp_fig *f, const char *tmpl);
void rp_var_num(struct rp_fig *f, const char *name, double v);
void rp_var_str(struct rp_fig *f, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rp_var_strs(struct rp_fig *f, const char *name, char (*v)[192], int n);
void rp_var_nums(struct rp_fig *f, const char *name, const double *v, int n);
/*
 * Tic marks with labels. Templates add them from arrays (rp_var_tics), so
 * a label is a value, never text a template evaluates.
 */
#define RP_MAX_TICS 128
struct rp_tics {
	int n;
	char label[RP_MAX_TICS][192];
	double at[RP_MAX_TICS];
};
void rp_tic(struct rp_tics *t, const char *label, double at);
void rp_var_tics(struct rp_fig *f, const struct rp_tics *t);
/* A comment line of a .dat file: "# TEXT", one line whatever TEXT holds. */
void rp_dat_comment(FILE *dat, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A string for a double-quoted .dat column: one line, no double quotes. */
void rp_dat_str(char *dst, size_t len, const char *src);
/* The templates every report needs; false (and @err) when one is missing. */
bool rp_templates_ok(const struct rp_report *r, char *err, size_t len);
const char *rp_color(int i);
/* Height in pixels of a legend under a figure's panels (see common.gp). */
int rp_legend_px(char (*labels)[192], int n, int extra, int width);

/* data.c: medians, run selection, histograms, formatting. */
struct rp_stat {
	int n;
	double med, min, max;
};
void rp_stat(double *v, int n, struct rp_stat *s);
int rp_run_threads(json_t *run);
bool rp_run_invalidated(json_t *run);
/* The thread count the per-node figures show: most threads every series has. */
int rp_config_threads(const struct rp_report *r, const struct rp_config *c);
/* Whether @runs has invalidated runs at @threads (then only those are shown). */
bool rp_invalidated_at(json_t *runs, int threads);
bool rp_chosen(json_t *run, int threads, bool invalidated);
/* The nodes of the chosen runs, sorted; returns how many. */
int rp_nodes(json_t *runs, int threads, bool invalidated, int *nodes, int cap);
json_t *rp_run_node(json_t *run, int node);
const char *rp_inval_kind(json_t *runs, int threads);

struct rp_bucket {
	double lo, hi, count;
};
struct rp_hist {
	struct rp_bucket *b;
	int nr, cap;
	double total;
};
/* Add a latency object's hist buckets; rp_hist_finish sorts and merges. */
void rp_hist_add(struct rp_hist *h, json_t *latency);
void rp_hist_finish(struct rp_hist *h);
/* The midpoint of the bucket holding percentile @p (0..1); NAN when empty. */
double rp_hist_pct(const struct rp_hist *h, double p);
void rp_hist_free(struct rp_hist *h);

/* A unit for values up to @max ns: divisor and name ("us"). */
void rp_ns_unit(double max, double *div, const char **unit);
/* "page_fault1" from "/x/page_fault1.json"; anything else becomes '_'. */
void rp_safe_name(char *dst, size_t len, const char *src);
/* Parse an ISO 8601 time ("2026-11-24T15:49:49+0000", "...Z"); NAN if not one. */
double rp_parse_time(const char *s);
/* JSON values equal, or both absent. */
bool rp_same(json_t *a, json_t *b);
/* Compare and history entries of one configuration: workload, params, options. */
bool rp_same_group(json_t *a, json_t *b);
/*
 * Whether @entry's group (as rp_same_group) is in the set @seen already;
 * it joins the set. Linear where comparing with every earlier entry was
 * quadratic in a long history.
 */
bool rp_group_seen(json_t *seen, json_t *entry);
/* Most A/B or trend figures one report draws; the rest are counted. */
#define RP_MAX_GROUP_FIGS 100
/*
 * The config a compare/history entry is about, from its workload, params
 * and run options ("k=v,k=v": the actors' mode is in them unless threads).
 */
struct rp_config *rp_config_for(struct rp_report *r, const char *workload,
				const char *params, const char *options);

/* The figures; each adds its own entries to the report. */
#define RP_FIG_ARGS_config struct rp_report *r, struct rp_config *c
#define RP_FIG_ARGS_report struct rp_report *r
#define FIGURE(ID, kind, scope, title, about) void rp_fig_##kind(RP_FIG_ARGS_##scope);
#include "plots/figures.h"
#undef FIGURE

/* A figure kind as the report uses it: how it is drawn, its section's text. */
struct rp_figure_kind {
	const char *kind, *title, *about;
	void (*per_config)(struct rp_report *r, struct rp_config *c);
	void (*per_report)(struct rp_report *r);
};
extern const struct rp_figure_kind rp_figure_kinds[RP_NR_SECTIONS];
/* Every figure of the list, per configuration or once, in report order. */
void rp_draw_figures(struct rp_report *r);

/*
 * Validity (harness/base/validity.h) as the figures use it. @families is a
 * comma-separated list of metric families ("ops,faults"): a run is spoiled
 * for a figure when a reason names any of them or "all".
 */
bool rp_spoiled(json_t *run, const char *families);
/* Append the codes of @holder's reasons that spoil @families, once each. */
void rp_reason_codes(char *buf, size_t len, json_t *holder, const char *families);
/*
 * How many of the runs rp_chosen(@threads, @inval) picks from @runs are
 * spoiled for @families. With any, append to @buf "LABEL: 2 of 3 runs
 * (actor_idle, spread)".
 */
int rp_spoiled_runs(char *buf, size_t len, const char *label, json_t *runs, int threads,
		    bool inval, const char *families);

/* trust.c: what the Validity section of the pages lists. */
struct rp_trust {
	int docs;		/* result, stress and MPI documents */
	int bad_docs;		/* untrustworthy ones (or with a check not run) */
	int bad_runs, bad_checks, bad_ranks, not_run, known, bad_metrics;
	json_t *groups;		/* [{path, label, lines: ["...", ...]}], by document */
	json_t *unjudged;	/* paths of documents that record no validity */
};
int rp_trust_gather(const struct rp_report *r, struct rp_trust *t);
void rp_trust_free(struct rp_trust *t);

/* report_page.c: report.md and index.html. */
int rp_write_pages(struct rp_report *r, char *err, size_t len);

#endif /* FL_REPORT_H */
