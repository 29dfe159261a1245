// SPDX-License-Identifier: GPL-2.0
/* faultline: subcommand dispatch, `list`, `--version`, `--help`. */
#include <stdio.h>
#include <string.h>

#include "base/faultline.h"
#include "cli/commands.h"
#include "clusterfs/clusterfs.h"
#include "run/workload.h"

static int cmd_list(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: faultline list\n\nList workloads with a one-line description each.\n");
		return FL_EXIT_OK;
	}
	if (argc > 1) {
		fl_err("list takes no arguments");
		return FL_EXIT_USAGE;
	}
	for (int i = 0; fl_workloads[i]; i++)
		printf("%-12s %s\n", fl_workloads[i]->name, fl_workloads[i]->summary);
	return FL_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "list", cmd_list, "list workloads" },
	{ "run", cmd_run, "run a workload: faultline run WORKLOAD [options]" },
	{ "stress", cmd_stress, "race faults against invalidation; check integrity" },
	{ "suite", cmd_suite, "run a named suite into a results directory" },
	{ "summary", cmd_summary, "write summary.md for a results directory" },
	{ "report", cmd_report, "figures (gnuplot) and a report page from result directories" },
	{ "compare", cmd_compare, "compare two sets of results: change, confidence interval, verdict" },
	{ "nightly", cmd_nightly, "run a suite, judge it against a pool of earlier nights, keep the pool" },
	{ "hog", cmd_hog, "take a share of every CPU (a known slowdown for benchmarks)" },
	{ "topology", cmd_topology, "print the placement plan for N actors" },
	{ "selftest", cmd_selftest, "measure the suite's own overhead (a benchmark)" },
	{ "mpi", cmd_mpi, "run the MPI workloads under mpirun (clusterfs or a shared --dir)" },
	{ "variant", cmd_variant, "list, show and check kernel variants (kernels/*.variant)" },
	{ "clusterfs", fl_clusterfs_main, "the remote-invalidation filesystem daemon (started by the harness)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: faultline COMMAND [options]   (faultline COMMAND --help)\n\n"
		"Page faults on file mappings racing page-cache invalidation.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nExit codes: 0 ok; 1 a check failed; 2 usage or environment error;\n"
		"3 a required resource is unavailable; 4 interrupted.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return FL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return FL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("faultline %s (git %s)\n", FL_VERSION, FL_GIT);
		return FL_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fl_err("unknown command \"%s\" (faultline --help lists them)", argv[1]);
	return FL_EXIT_USAGE;
}
