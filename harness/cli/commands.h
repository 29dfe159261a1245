/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands of the faultline binary; each returns an exit code. */
#ifndef FL_COMMANDS_H
#define FL_COMMANDS_H

/* One per line of commands.def; fl_clusterfs_main() is in clusterfs/. */
#define COMMAND(name, fn, help) int fn(int argc, char **argv);
#include "cli/commands.def"
#undef COMMAND

/* The results/ directory next to the binary's build/, or ./results. */
const char *fl_results_dir(void);

#endif /* FL_COMMANDS_H */
