// SPDX-License-Identifier: GPL-2.0
/* `faultline run WORKLOAD [options]`: one result document per call. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "analysis/summary.h"
#include "base/clock.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/out_file.h"
#include "base/schema.h"
#include "base/testdir.h"
#include "base/tool.h"
#include "base/validity.h"
#include "cli/commands.h"
#include "run/env.h"
#include "run/result.h"
#include "run/runner.h"
#include "run/workload.h"

const char *fl_results_dir(void)
{
	static char dir[PATH_MAX + 16];

	return dir[0] ? dir : fl_tree_dir("results", dir, sizeof(dir));
}

static void run_help(const struct workload *wl)
{
	if (!wl) {
		printf("usage: faultline run WORKLOAD [options]\n\n"
		       "Workloads (faultline list):\n");
		for (int i = 0; fl_workloads[i]; i++)
			printf("  %-12s %s\n", fl_workloads[i]->name,
			       fl_workloads[i]->summary);
		printf("\nfaultline run WORKLOAD --help shows its options.\n");
		return;
	}
	printf("usage: faultline run %s [options]\n\n%s\n", wl->name, wl->summary);
	if (wl->description)
		printf("\n%s", wl->description);
	printf("\nRun options:\n");
	fl_opt_help(stdout, fl_run_options);
	printf("\n%s options:\n", wl->name);
	fl_opt_help(stdout, wl->options);
	printf("\nExit: 0 ok, 1 check failed, 2 usage or environment error,\n"
	       "3 resource unavailable, 4 interrupted, 5 ran but the result is\n"
	       "untrustworthy (its \"validity\" says why).\n");
}

static void default_out(char *buf, size_t len, const char *workload)
{
	char stamp[32];
	time_t now = time(NULL);

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	snprintf(buf, len, "%s/%s-%s-%d.json", fl_results_dir(), workload, stamp,
		 (int)getpid());
}

static const char *status_str(enum fl_status s)
{
	return s == FL_STATUS_OK ? "ok" :
	       s == FL_STATUS_INTERRUPTED ? "interrupted" : "failed";
}

static json_t *result_doc(const struct workload *wl, const void *params,
			  const struct fl_run_opts *opts,
			  const struct fl_topology *topo, const char *dir,
			  const struct fl_result *res, int argc, char **argv)
{
	json_t *doc = fl_doc_new(FL_SCHEMA_RESULT, "faultline", argc, argv);
	json_t *runs = json_array();

	json_object_set_new(doc, "host", fl_env_host_json(topo, dir));
	json_object_set_new(doc, "variant", json_string(fl_env_variant()));
	json_object_set_new(doc, "accel", json_string(fl_env_accel()));
	json_object_set_new(doc, "workload", json_pack("{s:s, s:o, s:o}",
			    "name", wl->name,
			    "params", fl_opt_json(wl->options, params),
			    "run_options", fl_opt_json(fl_run_options, opts)));
	json_object_set_new(doc, "status", json_string(status_str(res->status)));
	if (res->error[0])
		json_object_set_new(doc, "error", json_string(res->error));
	for (int i = 0; i < res->nr_runs; i++)
		json_array_append_new(runs, fl_run_result_json(&res->runs[i], res));
	json_object_set_new(doc, "runs", runs);
	fl_validity_result_doc(doc);
	json_object_set_new(doc, "exit_code", json_integer(
		fl_validity_ok(doc) ? res->exit_code :
		fl_exit_worst(res->exit_code, FL_EXIT_UNTRUSTWORTHY)));
	return doc;
}

int cmd_run(int argc, char **argv)
{
	const struct workload *wl;
	struct fl_run_opts opts = { 0 };
	struct fl_topology *topo = NULL;
	struct fl_result res = { 0 };
	struct fl_testdir td = { 0 };
	char err[FL_ERR_LEN], out[PATH_MAX + 256];
	void *params = NULL;
	json_t *doc;
	int ret, code;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		run_help(NULL);
		return argc < 2 ? FL_EXIT_USAGE : FL_EXIT_OK;
	}
	wl = fl_workload_find(argv[1]);
	if (!wl) {
		fl_err("unknown workload \"%s\" (faultline list shows them)", argv[1]);
		return FL_EXIT_USAGE;
	}
	params = calloc(1, wl->params_size);
	if (!params) {
		fl_err("out of memory");
		return FL_EXIT_RESOURCE;
	}
	struct fl_opt_set sets[] = {
		{ fl_run_options, &opts },
		{ wl->options, params },
	};
	ret = fl_opt_defaults(sets, 2, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(sets, 2, argc - 2, argv + 2, err, sizeof(err));
	if (ret == 1) {
		run_help(wl);
		code = FL_EXIT_OK;
		goto out_params;
	}
	if (!ret && wl->validate)
		ret = wl->validate(params, err, sizeof(err));
	if (ret) {
		fl_err("run %s: %s", wl->name, err);
		code = FL_EXIT_USAGE;
		goto out_params;
	}

	ret = fl_topology_load(&topo, err, sizeof(err));
	if (ret) {
		fl_err("topology: %s", err);
		code = FL_EXIT_RESOURCE;
		goto out_params;
	}
	if (!fl_topology_is_this_system(topo)) {
		fl_err("the topology comes from HWLOC_SYNTHETIC or HWLOC_XMLFILE and can only be planned (faultline topology); unset it to run");
		code = FL_EXIT_USAGE;
		goto out_topo;
	}
	if (opts.out)
		snprintf(out, sizeof(out), "%s", opts.out);
	else
		default_out(out, sizeof(out), wl->name);
	/* Fail before the run, not after it, when the result cannot be written. */
	ret = fl_out_check(out, err, sizeof(err));
	if (ret) {
		fl_err("run %s: %s %s", wl->name, opts.out ? "--out" : "result", err);
		code = FL_EXIT_USAGE;
		goto out_topo;
	}
	ret = fl_testdir_prepare(&td, opts.dir, err, sizeof(err));
	if (ret) {
		fl_err("%s", err);
		code = fl_exit_for_errno(ret);	/* ENOSPC: 3, the rest: 2 */
		goto out_topo;
	}
	fl_clock_init();

	struct stat dir_st = { 0 };
	struct fl_collect_env cenv = { .tgid = getpid() };

	if (!stat(td.path, &dir_st))
		cenv.test_kdev = major(dir_st.st_dev) << 20 | minor(dir_st.st_dev);
	struct fl_runner_cfg cfg = {
		.collect = fl_collect_prepare(opts.collect, &cenv),
		.wl = wl,
		.params = params,
		.opts = &opts,
		.topo = topo,
		.dir = td.path,
		.label = wl->name,
	};
	code = fl_runner_execute(&cfg, &res);
	fl_collect_finish(cfg.collect);
	if (res.error[0] && code != FL_EXIT_INTERRUPTED)
		fl_err("run %s: %s", wl->name, res.error);

	/* argv[0] is "run": the recorded command replays as it was given. */
	doc = result_doc(wl, params, &opts, topo, td.path, &res, argc, argv);
	code = (int)json_integer_value(json_object_get(doc, "exit_code"));
	ret = fl_json_write_atomic(doc, out, err, sizeof(err));
	if (ret) {
		fl_err("%s", err);
		code = fl_exit_worst(code, fl_exit_for_errno(ret));
	} else {
		fl_summary_table(stdout, doc, 0);
		printf("result: %s\n", out);
	}
	snprintf(err, sizeof(err), "run %s", wl->name);
	fl_validity_warn(err, doc);
	if (code == FL_EXIT_INTERRUPTED)
		fl_err("run %s: %s; partial result kept", wl->name, res.error);
	json_decref(doc);
	fl_result_free(&res);
	fl_testdir_cleanup(&td);
out_topo:
	fl_topology_free(topo);
out_params:
	free(params);
	return code;
}
