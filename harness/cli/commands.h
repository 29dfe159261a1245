/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of the faultline binary; each returns an exit code. */
#ifndef FL_COMMANDS_H
#define FL_COMMANDS_H

/* One per line of commands.def; fl_clusterfs_main() is in clusterfs/. */
#define COMMAND(name, fn, help) int fn(int argc, char **argv);
#include "cli/commands.def"
#undef COMMAND

/* Run command @fn in this process with its stdout thrown away; its exit code. */
int fl_run_quietly(int (*fn)(int argc, char **argv), int argc, char **argv);

/* The results/ directory next to the binary's build/, or ./results. */
const char *fl_results_dir(void);

#endif /* FL_COMMANDS_H */
