// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline stress [CHECK...]`: run integrity checks (CHECKS.md), each for
 * the duration, judge them with the oracle and the kernel log, print a
 * table and write one JSON document (schema faultline-stress/1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "env.h"
#include "kmsg.h"
#include "option.h"
#include "placement.h"
#include "result.h"
#include "sigbus.h"
#include "testdir.h"

#define CHECK(n) extern const struct fl_check check_##n;
#include "../workloads/checks/list.h"
#undef CHECK

const struct fl_check *const fl_checks[] = {
#define CHECK(n) &check_##n,
#include "../workloads/checks/list.h"
#undef CHECK
	NULL,
};

volatile sig_atomic_t fl_check_stop;

const struct fl_check *fl_check_find(const char *name)
{
	for (int i = 0; fl_checks[i]; i++)
		if (!strcmp(fl_checks[i]->name, name))
			return fl_checks[i];
	return NULL;
}

struct stress_opts {
	double duration_s;
	uint64_t faulters;
	const char *dir;
	const char *out;
};

static const struct fl_option stress_options[] = {
	{ .name = "duration", .type = FL_OPT_DOUBLE,
	  .offset = offsetof(struct stress_opts, duration_s), .def = "10",
	  .arg = "SECONDS", .help = "how long each check runs", .min = 0.1,
	  .max = 86400 },
	{ .name = "faulters", .type = FL_OPT_UINT,
	  .offset = offsetof(struct stress_opts, faulters), .def = "0",
	  .help = "faulting actors per check (0: one per PU, at least 2)",
	  .min = 0, .max = FL_CHECK_ACTORS - 2 },
	{ .name = "dir", .type = FL_OPT_STR,
	  .offset = offsetof(struct stress_opts, dir), .arg = "PATH",
	  .help = "directory for test files: its filesystem is the one tested (default: a fresh one under $TMPDIR or /tmp)" },
	{ .name = "out", .type = FL_OPT_STR,
	  .offset = offsetof(struct stress_opts, out), .arg = "FILE",
	  .help = "result JSON (default: results/stress-<time>-<pid>.json)" },
	{ 0 }
};

static void on_stop(int sig)
{
	(void)sig;
	fl_check_stop = 1;
}

enum verdict { V_PASS, V_FAIL, V_SKIP, V_ERROR };
static const char *const verdict_names[] = { "pass", "FAIL", "skip", "error" };

struct outcome {
	enum verdict verdict;
	uint64_t iterations;
	struct fl_oracle_counts counts;
	int kmsg_failing;
	bool kmsg_known;
	char reason[FL_ERR_LEN];
};

/* Run one check in a fresh oracle and kernel-log window. */
/*
 * tmpfs with huge pages may map a huge folio past EOF (CHECKS.md): pages up
 * to the next PMD boundary then need not SIGBUS. 0: no such slack.
 */
static uint64_t eof_slack(const struct fl_mount *m)
{
	char buf[32];
	FILE *f;
	unsigned long long pmd = 0;

	if (strcmp(m->type, "tmpfs") || (!strstr(m->options, "huge=always") &&
					 !strstr(m->options, "huge=within_size")))
		return 0;
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		pmd = strtoull(buf, NULL, 10);
	fclose(f);
	return pmd;
}

static json_t *run_check(const struct fl_check *chk, const struct stress_opts *o,
			 const char *dir, const struct fl_mount *mnt,
			 int faulters, struct outcome *out)
{
	struct fl_check_ctx ctx = {
		.dir = dir,
		.fstype = mnt->type,
		.duration_s = o->duration_s,
		.page_size = (uint32_t)sysconf(_SC_PAGESIZE),
		.nr_faulters = faulters,
	};
	struct fl_kmsg kmsg;
	json_t *res, *log;
	char err[FL_ERR_LEN] = "";
	int ret;

	memset(out, 0, sizeof(*out));
	if (fl_oracle_init(&ctx.oracle, FL_CHECK_ACTORS, ctx.page_size)) {
		out->verdict = V_ERROR;
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		return json_pack("{s:s, s:s, s:s}", "name", chk->name, "verdict",
				 "error", "reason", out->reason);
	}
	if (eof_slack(mnt))
		fl_oracle_set_eof_slack(ctx.oracle, eof_slack(mnt));
	fl_kmsg_start(&kmsg);
	ctx.deadline_ns = fl_mono_ns() + (uint64_t)(o->duration_s * 1e9);
	ret = chk->run(&ctx, err, sizeof(err));
	log = fl_kmsg_finish(&kmsg, chk->inval_failure_fails, &out->kmsg_failing);

	out->iterations = ctx.iterations;
	out->kmsg_known = log != NULL;
	fl_oracle_counts(ctx.oracle, &out->counts);
	/* Evidence first: a hung op both errs and records a violation. */
	if (out->counts.violations || out->kmsg_failing)
		out->verdict = V_FAIL;
	else if (ret == -EOPNOTSUPP)
		out->verdict = V_SKIP;
	else if (ret)
		out->verdict = V_ERROR;
	if (ret)
		snprintf(out->reason, sizeof(out->reason), "%s", err);
	res = json_pack("{s:s, s:s, s:s, s:I, s:o}", "name", chk->name,
			"summary", chk->summary, "verdict",
			out->verdict == V_FAIL ? "fail" : verdict_names[out->verdict],
			"iterations", (json_int_t)out->iterations,
			"oracle", fl_oracle_json(ctx.oracle) ?: json_null());
	if (out->reason[0])
		json_object_set_new(res, "reason", json_string(out->reason));
	if (ctx.note[0])
		json_object_set_new(res, "note", json_string(ctx.note));
	json_object_set_new(res, "kernel_log", log ? log :
			    json_sprintf("unavailable: %s", kmsg.why));
	fl_oracle_free(ctx.oracle);
	return res;
}

static void print_row(const char *name, const struct outcome *oc)
{
	char kmsg[16];

	if (oc->kmsg_known)
		snprintf(kmsg, sizeof(kmsg), "%d", oc->kmsg_failing);
	else
		snprintf(kmsg, sizeof(kmsg), "n/a");
	printf("%-24s %12llu %10llu %10llu %8s  %s%s%s\n", name,
	       (unsigned long long)oc->iterations,
	       (unsigned long long)oc->counts.violations,
	       (unsigned long long)oc->counts.sigbus_unexpected, kmsg,
	       verdict_names[oc->verdict], oc->reason[0] ? ": " : "", oc->reason);
	fflush(stdout);
}

static void stress_help(void)
{
	printf("usage: faultline stress [CHECK...] [options]\n\n"
	       "Race faults against invalidation and check that no stale or orphaned page\n"
	       "is ever seen (see CHECKS.md). Checks (all by default):\n");
	for (int i = 0; fl_checks[i]; i++)
		printf("  %-24s %s\n", fl_checks[i]->name, fl_checks[i]->summary);
	printf("\nOptions:\n");
	fl_opt_help(stdout, stress_options);
	printf("  --list                           print NAME<TAB>SUMMARY per check and exit\n");
	printf("\nExit: 0 every check passed or was skipped, 1 a violation or kernel-log\n"
	       "finding, 2 usage or environment error, 4 interrupted.\n");
}

int cmd_stress(int argc, char **argv)
{
	const struct fl_check *chosen[64];
	struct stress_opts o;
	struct fl_opt_set set = { stress_options, &o };
	struct fl_topology *topo = NULL;
	struct fl_testdir td;
	char err[FL_ERR_LEN], out[PATH_MAX + 64];
	struct fl_mount mnt;
	char *opt_argv[64];
	int nr = 0, nr_opt = 0, faulters, code = FL_EXIT_OK;
	json_t *doc, *checks;
	struct sigaction sa = { .sa_handler = on_stop };

	/* Check names first or anywhere; options are the words with "--". */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			stress_help();
			return FL_EXIT_OK;
		}
		/* For scripts: one "NAME<TAB>SUMMARY" line per check. */
		if (!strcmp(argv[i], "--list")) {
			for (int c = 0; fl_checks[c]; c++)
				printf("%s\t%s\n", fl_checks[c]->name, fl_checks[c]->summary);
			return FL_EXIT_OK;
		}
		if (!strncmp(argv[i], "--", 2)) {
			if (nr_opt >= 62)
				break;
			opt_argv[nr_opt++] = argv[i];
			if (!strchr(argv[i], '=') && i + 1 < argc)
				opt_argv[nr_opt++] = argv[++i];
			continue;
		}
		chosen[nr] = fl_check_find(argv[i]);
		if (!chosen[nr]) {
			fl_err("stress: unknown check \"%s\" (faultline stress --help lists them)",
			       argv[i]);
			return FL_EXIT_USAGE;
		}
		if (nr < 63)
			nr++;
	}
	if (fl_opt_defaults(&set, 1, err, sizeof(err)) ||
	    fl_opt_parse(&set, 1, nr_opt, opt_argv, err, sizeof(err))) {
		fl_err("stress: %s", err);
		return FL_EXIT_USAGE;
	}
	if (!nr)
		for (; fl_checks[nr] && nr < 63; nr++)
			chosen[nr] = fl_checks[nr];
	if (fl_topology_load(&topo, err, sizeof(err))) {
		fl_err("stress: topology: %s", err);
		return FL_EXIT_RESOURCE;
	}
	faulters = o.faulters ? (int)o.faulters : fl_topology_nr_pus(topo);
	if (faulters < 2)
		faulters = 2;
	if (faulters > FL_CHECK_ACTORS - 2)
		faulters = FL_CHECK_ACTORS - 2;
	if (o.out) {
		snprintf(out, sizeof(out), "%s", o.out);
	} else {
		char stamp[32];
		time_t now = time(NULL);

		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(out, sizeof(out), "%s/stress-%s-%d.json", fl_results_dir(),
			 stamp, (int)getpid());
	}
	if (fl_testdir_prepare(&td, o.dir, err, sizeof(err))) {
		fl_err("stress: %s", err);
		fl_topology_free(topo);
		return FL_EXIT_USAGE;
	}
	fl_clock_init();
	fl_sigbus_install();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fl_env_fs_of(td.path, &mnt);

	printf("stress: %d check%s, %.1f s each, %d faulters, on %s (%s)\n", nr,
	       nr == 1 ? "" : "s", o.duration_s, faulters, td.path, mnt.type);
	printf("%-24s %12s %10s %10s %8s  %s\n", "check", "iterations",
	       "violations", "bad SIGBUS", "kernel", "verdict");
	checks = json_array();
	for (int i = 0; i < nr && !fl_check_stop; i++) {
		struct outcome oc;

		json_array_append_new(checks, run_check(chosen[i], &o, td.path,
							&mnt, faulters, &oc));
		print_row(chosen[i]->name, &oc);
		if (oc.verdict == V_FAIL)
			code = FL_EXIT_CHECK;
		else if (oc.verdict == V_ERROR && code == FL_EXIT_OK)
			code = FL_EXIT_USAGE;
	}
	if (fl_check_stop && code == FL_EXIT_OK)
		code = FL_EXIT_INTERRUPTED;

	doc = json_object();
	json_object_set_new(doc, "schema", json_string("faultline-stress/1"));
	json_object_set_new(doc, "tool", fl_env_tool_json());
	json_object_set_new(doc, "host", fl_env_host_json(topo, td.path));
	json_object_set_new(doc, "variant", json_string(fl_env_variant()));
	json_object_set_new(doc, "accel", json_string(fl_env_accel()));
	json_object_set_new(doc, "status", json_string(
		fl_check_stop ? "interrupted" : code == FL_EXIT_CHECK ? "failed" : "ok"));
	json_object_set_new(doc, "exit_code", json_integer(code));
	json_object_set_new(doc, "duration_s", json_real(o.duration_s));
	json_object_set_new(doc, "faulters", json_integer(faulters));
	json_object_set_new(doc, "checks", checks);
	if (fl_json_write_atomic(doc, out, err, sizeof(err))) {
		fl_err("stress: %s", err);
		if (!code)
			code = FL_EXIT_USAGE;
	} else {
		printf("result: %s\n", out);
	}
	json_decref(doc);
	fl_testdir_cleanup(&td);
	fl_topology_free(topo);
	return code;
}
