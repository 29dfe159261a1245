/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of the faultline binary; each returns an exit code. */
#ifndef FL_COMMANDS_H
#define FL_COMMANDS_H

#include <jansson.h>
#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_suite(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_clusterfs(int argc, char **argv);
int cmd_mpi(int argc, char **argv);
int cmd_variant(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_nightly(int argc, char **argv);
int cmd_hog(int argc, char **argv);

/* The results/ directory next to the binary's build/, or ./results. */
const char *fl_results_dir(void);

/* Text (terminal) or Markdown table of one result document. */
void fl_summary_table(FILE *f, json_t *doc, int markdown);
/* The number at a key path ("a.b.c") inside @o; NAN when absent. */
double fl_json_num(json_t *o, const char *path);
/* A duration for a table cell: "-", "850 ns", "2.61 us", "7.57 ms", "1.20 s". */
void fl_fmt_ns(char *buf, size_t len, double ns);
/* summary.md's kernel-side section: collectors, top locks, kernel latency. */
void fl_summary_kernel(FILE *f, json_t *doc, int markdown);
/*
 * summary.md of a directory of per-variant result directories, side by
 * side per accelerator; returns how many variants it found (0: none).
 */
int fl_summary_variants(FILE *f, const char *dir);
/* A rate with k/M suffixes: "314.2k". */
void fl_fmt_rate(char *buf, size_t len, double v);
/* summary.md's table of an MPI result (faultline-mpi/1). */
void fl_summary_mpi(FILE *f, json_t *doc);

#endif /* FL_COMMANDS_H */
