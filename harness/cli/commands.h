/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of the faultline binary; each returns an exit code. */
#ifndef FL_COMMANDS_H
#define FL_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_suite(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_mpi(int argc, char **argv);
int cmd_variant(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_nightly(int argc, char **argv);
int cmd_hog(int argc, char **argv);

/* The results/ directory next to the binary's build/, or ./results. */
const char *fl_results_dir(void);

#endif /* FL_COMMANDS_H */
