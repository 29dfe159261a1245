// SPDX-License-Identifier: GPL-2.0
/*
 * faultline: subcommand dispatch (cli/commands.def), `--version`, `--help`,
 * and the stop signals' handler, installed before anything else.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/stop.h"
#include "cli/commands.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
#define COMMAND(name, fn, help) { #name, fn, help },
#include "cli/commands.def"
#undef COMMAND
};

static void usage(FILE *f)
{
	fprintf(f, "usage: faultline COMMAND [options]   (faultline COMMAND --help)\n\n"
		"Page faults on file mappings racing page-cache invalidation.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nExit codes: 0 ok; 1 a check failed; 2 usage or environment error;\n"
		"3 a required resource is unavailable; 4 interrupted; 5 it ran, but a\n"
		"result is untrustworthy (its validity says why).\n");
}

/*
 * A script that starts faultline (harness/stop.sh) names itself in
 * FAULTLINE_PARENT: faultline then stops, as on SIGTERM, when that shell
 * dies, even of SIGKILL, rather than run on orphaned. Only that shell's
 * own child follows it, and the name is not passed on to ours.
 */
static void stop_with_parent(void)
{
	const char *parent = getenv("FAULTLINE_PARENT");
	long pid = parent ? strtol(parent, NULL, 10) : 0;

	unsetenv("FAULTLINE_PARENT");
	/* Another script in between (kernels/suite.sh) follows its own. */
	if (pid <= 0 || getppid() != pid)
		return;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != pid)		/* it died just before prctl() */
		fl_stop_signal = SIGTERM;
}

/*
 * The commands that poll fl_stop_signal and end with a result marked
 * interrupted (or stop a daemon or a load cleanly). The others get the
 * default actions back once they are known.
 */
static bool polls_stop(const char *name)
{
	static const char *const names[] = {
		"run", "stress", "suite", "nightly", "mpi", "hog", "clusterfs",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	/* First: a signal from here on is recorded, never a lost result. */
	fl_stop_install();
	stop_with_parent();
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
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (!polls_stop(commands[i].name))
			fl_stop_default();
		return commands[i].fn(argc - 1, argv + 1);
	}
	fl_err("unknown command \"%s\" (faultline --help lists them)", argv[1]);
	return FL_EXIT_USAGE;
}
