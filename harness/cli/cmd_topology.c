// SPDX-License-Identifier: GPL-2.0
/* `faultline topology`: show where N actors would run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/option.h"
#include "cli/commands.h"
#include "run/placement.h"

struct topology_opts {
	uint64_t threads;
	struct fl_placement placement;
};

static const struct fl_option topology_options[] = {
	{ .name = "threads", .type = FL_OPT_UINT,
	  .offset = offsetof(struct topology_opts, threads), .def = "0",
	  .help = "actors to place (0: one per PU)", .min = 0, .max = 4096 },
	{ .name = "placement", .type = FL_OPT_CUSTOM,
	  .offset = offsetof(struct topology_opts, placement), .def = "spread",
	  .arg = "spread|compact|nodes=LIST", .help = "placement policy",
	  .parse = fl_placement_opt_parse,
	  .format = fl_placement_opt_format },
	{ 0 }
};

int cmd_topology(int argc, char **argv)
{
	struct topology_opts opts;
	struct fl_opt_set set = { topology_options, &opts };
	struct fl_topology *topo;
	struct fl_slot *slots;
	char err[FL_ERR_LEN];
	int ret, n;

	ret = fl_opt_defaults(&set, 1, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		printf("usage: faultline topology [options]\n\n"
		       "Print the placement plan. Honours HWLOC_SYNTHETIC and HWLOC_XMLFILE,\n"
		       "so plans for big machines can be checked anywhere.\n\n");
		fl_opt_help(stdout, topology_options);
		return FL_EXIT_OK;
	}
	if (ret) {
		fl_err("topology: %s", err);
		return FL_EXIT_USAGE;
	}
	ret = fl_topology_load(&topo, err, sizeof(err));
	if (ret) {
		fl_err("topology: %s", err);
		return FL_EXIT_RESOURCE;
	}
	n = opts.threads ? (int)opts.threads : fl_topology_nr_pus(topo);
	slots = calloc((size_t)n, sizeof(*slots));
	if (!slots) {
		fl_topology_free(topo);
		fl_err("out of memory");
		return FL_EXIT_RESOURCE;
	}
	ret = fl_plan(topo, &opts.placement, n, slots, err, sizeof(err));
	if (ret)
		fl_err("topology: %s", err);
	else
		fl_plan_print(stdout, topo, slots, n);
	free(slots);
	fl_topology_free(topo);
	return ret ? FL_EXIT_USAGE : FL_EXIT_OK;
}
