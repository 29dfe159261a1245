// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline stress [CHECK...]`: run integrity checks, each for the
 * duration, judge them with the oracle, the kernel log and the list of
 * known kernel behaviours, print a table and write one JSON document
 * (schema faultline-stress/1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/json_doc.h"
#include "base/option.h"
#include "base/out_file.h"
#include "base/schema.h"
#include "base/sigbus.h"
#include "base/stop.h"
#include "base/testdir.h"
#include "base/tool.h"
#include "base/validity.h"
#include "cli/commands.h"
#include "integrity/check.h"
#include "integrity/kmsg.h"
#include "integrity/known.h"
#include "run/env.h"
#include "run/placement.h"

/* Free space stress needs: the largest check's files (2 MiB) twice over. */
#define STRESS_SPACE (4ull << 20)

struct stress_opts {
	double duration_s;
	uint64_t faulters;
	const char *dir;
	const char *out;
	const char *known;
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
	{ .name = "known", .type = FL_OPT_STR,
	  .offset = offsetof(struct stress_opts, known), .arg = "FILE",
	  .help = "list of known kernel behaviours (default: the one built in from " FL_KNOWN_BUILTIN ")" },
	{ 0 }
};

/*
 * Verdicts, as JSON, the table and summary.md spell them (the table
 * shouts FAIL). not_run: no iteration, so nothing was checked: a failure.
 * known: failed only as an entry of the known-failures list says.
 */
enum verdict { V_PASS, V_FAIL, V_KNOWN, V_NOT_RUN, V_SKIP, V_ERROR, V_NR };
static const char *const verdict_names[V_NR] = {
	"pass", "fail", "known", "not_run", "skip", "error",
};

/* What every check is run and judged with. */
struct stress_env {
	const struct stress_opts *o;
	const char *dir;
	const struct fl_mount *mnt;
	int faulters;
	uint64_t max_iterations;	/* UINT64_MAX unless the test hook */
	const struct fl_known_list *known;
	const char *release;		/* the running kernel's */
};

struct outcome {
	enum verdict verdict;
	int ret;			/* what the check returned: 0 or -errno */
	uint64_t iterations;
	struct fl_oracle_counts counts;
	int kmsg_failing;
	bool kmsg_known;
	const struct fl_known *known;	/* V_KNOWN: the entry */
	char reason[FL_ERR_LEN];
};

/*
 * tmpfs with huge pages may map a huge folio past EOF: pages up to the
 * next PMD boundary then need not SIGBUS. 0: no such slack.
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

/* The violation kinds the oracle counted, as bits (1 << kind). */
static uint32_t kinds_seen(struct fl_oracle *o)
{
	uint32_t kinds = 0;

	for (int k = FL_VIOL_NONE + 1; k < FL_VIOL_NR; k++)
		if (fl_oracle_count(o, (enum fl_viol_kind)k))
			kinds |= UINT32_C(1) << k;
	return kinds;
}

/*
 * The verdict of a check that returned @ret with @err. Evidence first: a
 * hung op both errs and records a violation. A failure that is only
 * violations the known-failures list expects here is known; one that is
 * not says which entry almost matched.
 */
static void judge_check(const struct fl_check *chk, const struct stress_env *env,
			struct fl_oracle *oracle, int ret, const char *err,
			struct outcome *out)
{
	const struct fl_known *near;
	char kinds[160];

	if (out->counts.violations || out->kmsg_failing)
		out->verdict = V_FAIL;
	else if (ret == -EOPNOTSUPP)
		out->verdict = V_SKIP;
	else if (ret)
		out->verdict = V_ERROR;
	else if (!out->iterations)
		out->verdict = V_NOT_RUN;
	else
		out->verdict = V_PASS;
	if (ret)
		snprintf(out->reason, sizeof(out->reason), "%s", err);
	else if (out->verdict == V_NOT_RUN && env->max_iterations == 0)
		snprintf(out->reason, sizeof(out->reason),
			 "no iteration ran: FAULTLINE_STRESS_MAX_ITERATIONS=0 (a test hook)");
	else if (out->verdict == V_NOT_RUN && fl_stop_signal)
		snprintf(out->reason, sizeof(out->reason),
			 "no iteration ran before the interrupt");
	else if (out->verdict == V_NOT_RUN)
		snprintf(out->reason, sizeof(out->reason),
			 "no iteration ran in %.3g s: the deadline passed first (a slow machine or guest: raise --duration)",
			 env->o->duration_s);
	if (out->verdict != V_FAIL || ret || out->kmsg_failing)
		return;
	out->known = fl_known_match(env->known, chk->name, env->mnt->type,
				    env->release, kinds_seen(oracle), &near);
	if (out->known) {
		out->verdict = V_KNOWN;
	} else if (near) {
		fl_known_kinds_str(kinds_seen(oracle) & ~near->kinds, kinds,
				   sizeof(kinds));
		snprintf(out->reason, sizeof(out->reason),
			 "not only the known behaviour of %s:%d: also %s",
			 env->known->name, near->line, kinds);
	}
}

/* The check's "validity": untrustworthy when it checked nothing or less. */
static json_t *check_validity(const struct stress_env *env,
			      const struct outcome *out, bool interrupted)
{
	json_t *v = fl_validity_new();

	if (out->verdict == V_NOT_RUN)
		fl_validity_add(v, "check_not_run", "all", "%s", out->reason);
	if (interrupted)
		fl_validity_add(v, "interrupted", "all",
				"a signal stopped it before its %.3g s were up",
				env->o->duration_s);
	return v;
}

/* Run one check in a fresh oracle and kernel-log window, and judge it. */
static json_t *run_check(const struct fl_check *chk,
			 const struct stress_env *env, struct outcome *out)
{
	struct fl_check_ctx ctx = {
		.dir = env->dir,
		.fstype = env->mnt->type,
		.duration_s = env->o->duration_s,
		.page_size = (uint32_t)sysconf(_SC_PAGESIZE),
		.nr_faulters = env->faulters,
		.max_iterations = env->max_iterations,
	};
	struct fl_kmsg kmsg;
	json_t *res, *log;
	char err[FL_ERR_LEN] = "";
	bool interrupted;
	int ret;

	memset(out, 0, sizeof(*out));
	if (fl_oracle_init(&ctx.oracle, FL_CHECK_ACTORS, ctx.page_size)) {
		out->verdict = V_ERROR;
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		return json_pack("{s:s, s:s, s:s, s:o}", "name", chk->name,
				 "verdict", "error", "reason", out->reason,
				 "validity", fl_validity_new());
	}
	if (eof_slack(env->mnt))
		fl_oracle_set_eof_slack(ctx.oracle, eof_slack(env->mnt));
	fl_kmsg_start(&kmsg);
	ctx.deadline_ns = fl_mono_ns() + (uint64_t)(env->o->duration_s * 1e9);
	ret = chk->run(&ctx, err, sizeof(err));
	interrupted = fl_stop_signal;
	log = fl_kmsg_finish(&kmsg, chk->inval_failure_fails, &out->kmsg_failing);

	out->iterations = ctx.iterations;
	out->kmsg_known = log != NULL;
	fl_oracle_counts(ctx.oracle, &out->counts);
	out->ret = ret;
	judge_check(chk, env, ctx.oracle, ret, err, out);
	res = json_pack("{s:s, s:s, s:s, s:I, s:o}", "name", chk->name,
			"summary", chk->summary, "verdict",
			verdict_names[out->verdict],
			"iterations", (json_int_t)out->iterations,
			"oracle", fl_oracle_json(ctx.oracle) ?: json_null());
	if (out->reason[0])
		json_object_set_new(res, "reason", json_string(out->reason));
	if (out->known)
		json_object_set_new(res, "known", fl_known_json(env->known, out->known));
	json_object_set_new(res, "validity", check_validity(env, out, interrupted));
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
	printf("%-24s %12llu %10llu %10llu %8s  %s", name,
	       (unsigned long long)oc->iterations,
	       (unsigned long long)oc->counts.violations,
	       (unsigned long long)oc->counts.sigbus_unexpected, kmsg,
	       oc->verdict == V_FAIL ? "FAIL" : verdict_names[oc->verdict]);
	if (oc->known)
		printf(": %s; reference: %s", oc->known->reason, oc->known->reference);
	else if (oc->reason[0])
		printf(": %s", oc->reason);
	putchar('\n');
	fflush(stdout);
}

/* The exit code a verdict asks for. */
static int verdict_exit(enum verdict v)
{
	switch (v) {
	case V_FAIL:
	case V_NOT_RUN:
		return FL_EXIT_CHECK;
	case V_ERROR:
		return FL_EXIT_USAGE;
	default:
		return FL_EXIT_OK;
	}
}

/*
 * The exit code of a check's outcome: its verdict's, or 3 when what it
 * needed ran out under it (no space left, say): the filesystem's fault,
 * not the check's or the user's.
 */
static int outcome_exit(const struct outcome *oc)
{
	int code = verdict_exit(oc->verdict);

	if ((oc->verdict == V_ERROR || oc->verdict == V_FAIL) && oc->ret &&
	    fl_exit_for_errno(oc->ret) == FL_EXIT_RESOURCE)
		code = fl_exit_worst(code, FL_EXIT_RESOURCE);
	return code;
}

/*
 * FAULTLINE_STRESS_MAX_ITERATIONS=N, a test hook: every check stops after
 * N iterations (0: before its first, to test "not_run"). UINT64_MAX when
 * unset. 0 or -EINVAL with @err.
 */
static int max_iterations_env(uint64_t *max, char *err, size_t len)
{
	const char *s = getenv("FAULTLINE_STRESS_MAX_ITERATIONS");

	*max = UINT64_MAX;
	if (!s)
		return 0;
	if (fl_parse_u64(s, max)) {
		fl_set_err(err, len, "FAULTLINE_STRESS_MAX_ITERATIONS=\"%s\": not a count", s);
		return -EINVAL;
	}
	return 0;
}

/*
 * The document as it stands: every finished check, and the ones still to
 * run. It is rewritten after every check, so that a process or guest that
 * dies (a kernel hang in the next check) keeps what finished; until the
 * last one it is "partial" and untrustworthy, and names what is pending.
 */
struct stress_doc {
	struct fl_topology *topo;
	const char *dir;
	int argc;		/* the command, for the envelope */
	char **argv;
	json_t *host;		/* at the first write, not before the checks */
	json_t *checks;		/* the finished checks' results */
	json_t *validity;	/* their reasons */
	int counts[V_NR];
	int code;		/* the worst exit code so far */
	int write_failed;	/* a partial write failed: said once */
	bool no_space;		/* the filesystem was full: no check ran */
};

static json_t *stress_doc_json(const struct stress_doc *d,
			       const struct stress_env *env,
			       const struct fl_check *const *chosen, int nr,
			       bool final)
{
	int done = (int)json_array_size(d->checks);
	json_t *doc = fl_doc_new(FL_SCHEMA_STRESS, "faultline", d->argc, d->argv);
	json_t *counts = json_object(), *validity, *pending;
	const char *status = "partial";
	int code = d->code;

	for (int v = 0; v < V_NR; v++)
		json_object_set_new(counts, verdict_names[v], json_integer(d->counts[v]));
	if (final) {
		validity = json_incref(d->validity);
		status = fl_stop_signal ? "interrupted" :
			 d->no_space || d->counts[V_FAIL] || d->counts[V_NOT_RUN] ||
			 d->counts[V_ERROR] ? "failed" : "ok";
	} else {
		validity = json_deep_copy(d->validity);
		fl_validity_add(validity, "partial", "all",
				"the command had not finished: %d of %d checks done", done, nr);
		code = fl_exit_worst(code, FL_EXIT_UNTRUSTWORTHY);
	}
	json_object_set(doc, "host", d->host);
	json_object_set_new(doc, "variant", json_string(fl_env_variant()));
	json_object_set_new(doc, "accel", json_string(fl_env_accel()));
	json_object_set_new(doc, "status", json_string(status));
	json_object_set_new(doc, "exit_code", json_integer(code));
	json_object_set_new(doc, "duration_s", json_real(env->o->duration_s));
	json_object_set_new(doc, "faulters", json_integer(env->faulters));
	json_object_set_new(doc, "counts", counts);
	json_object_set_new(doc, "known_failures", json_pack("{s:s, s:b, s:i}",
		"list", env->known->name, "built_in", !env->o->known,
		"entries", env->known->nr));
	json_object_set_new(doc, "validity", validity);
	json_object_set(doc, "checks", d->checks);
	if (!final) {
		pending = json_array();
		for (int i = done; i < nr; i++)
			json_array_append_new(pending, json_string(chosen[i]->name));
		json_object_set_new(doc, "pending", pending);
	}
	return doc;
}

/* Write the document to @path: 0, or -errno with @err. */
static int stress_doc_write(struct stress_doc *d, const struct stress_env *env,
			    const struct fl_check *const *chosen, int nr,
			    bool final, const char *path, char *err, size_t len)
{
	json_t *doc;
	int ret;

	if (!d->host)
		d->host = fl_env_host_json(d->topo, d->dir);
	doc = stress_doc_json(d, env, chosen, nr, final);
	ret = fl_json_write_atomic(doc, path, err, len);

	json_decref(doc);
	return ret;
}

/*
 * FAULTLINE_STRESS_FREEZE_BEFORE=CHECK, a test hook for a hung kernel
 * (tests/t-hang.sh): before CHECK, freeze the test directory's filesystem
 * and create a file in it. That blocks in the kernel for good,
 * uninterruptibly (sb_start_write), as a task on a filesystem whose
 * writes never complete: the guest's hung-task report and sysrq w show
 * it. Only in a kernels/boot.sh guest (FAULTLINE_ACCEL kvm or tcg), so
 * that a host's filesystem is never frozen. NULL when unset; @err when
 * set but unusable.
 */
static const char *freeze_hook_env(char *err, size_t len)
{
	const char *s = getenv("FAULTLINE_STRESS_FREEZE_BEFORE");

	if (!s)
		return NULL;
	if (!fl_check_find(s))
		fl_set_err(err, len, "FAULTLINE_STRESS_FREEZE_BEFORE=\"%s\": not a check", s);
	else if (!strcmp(fl_env_accel(), "native"))
		fl_set_err(err, len, "FAULTLINE_STRESS_FREEZE_BEFORE=%s: a test hook that freezes the test filesystem, only in a kernels/boot.sh guest (FAULTLINE_ACCEL is native)", s);
	return s;
}

/* The hook: returns only when the freeze failed, with @err. */
static void freeze_and_hang(const char *check, const char *dir, char *err, size_t len)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	printf("stress: FAULTLINE_STRESS_FREEZE_BEFORE=%s: freezing %s and writing to it (a test hook: the command hangs here)\n",
	       check, dir);
	fflush(stdout);
	if (fd < 0 || ioctl(fd, FIFREEZE, 0)) {
		fl_set_err(err, len, "FAULTLINE_STRESS_FREEZE_BEFORE: freeze %s: %s", dir,
			   strerror(errno));
	} else {
		int w = openat(fd, "frozen", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		fl_set_err(err, len, "FAULTLINE_STRESS_FREEZE_BEFORE: %s frozen, yet a file was created in it (%s)",
			   dir, w < 0 ? strerror(errno) : "no error");
		ioctl(fd, FITHAW, 0);
	}
	if (fd >= 0)
		close(fd);
}

static void stress_help(void)
{
	printf("usage: faultline stress [CHECK...] [options]\n\n"
	       "Race faults against invalidation and check that no stale or orphaned page\n"
	       "is ever seen. Checks (all by default):\n");
	for (int i = 0; fl_checks[i]; i++)
		printf("  %-24s %s\n", fl_checks[i]->name, fl_checks[i]->summary);
	printf("\nOptions:\n");
	fl_opt_help(stdout, stress_options);
	printf("  --list                           print NAME<TAB>SUMMARY per check and exit\n");
	printf("\nVerdicts: pass; fail (a violation or kernel-log finding); known (failed\n"
	       "only as the list of known kernel behaviours expects for this check,\n"
	       "filesystem and kernel); not_run (no iteration ran: nothing was checked);\n"
	       "skip (the filesystem cannot do it); error.\n"
	       "Known kernel behaviours: %s, built in (edit and\n"
	       "rebuild, or --known FILE; --known /dev/null: none).\n",
	       FL_KNOWN_BUILTIN);
	printf("\nExit (the worst applies): 0 every check passed, was known or skipped,\n"
	       "1 a check failed or did not run, 2 usage or environment error,\n4 interrupted.\n");
}

int cmd_stress(int argc, char **argv)
{
	const struct fl_check *chosen[64];
	struct stress_opts o = { 0 };
	struct fl_opt_set set = { stress_options, &o };
	struct fl_topology *topo = NULL;
	struct fl_testdir td;
	char err[FL_ERR_LEN], out[PATH_MAX + 64];
	struct fl_mount mnt;
	struct fl_known_list known;
	struct stress_env env = { .o = &o, .mnt = &mnt, .known = &known };
	struct utsname uts;
	char *opt_argv[64];
	int nr = 0, nr_opt = 0, faulters, code = FL_EXIT_OK, space, ret;
	struct stress_doc d = { 0 };
	const char *freeze_before;

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
	    fl_opt_parse(&set, 1, nr_opt, opt_argv, err, sizeof(err)) ||
	    fl_known_load(&known, o.known, err, sizeof(err)) ||
	    max_iterations_env(&env.max_iterations, err, sizeof(err))) {
		fl_err("stress: %s", err);
		return FL_EXIT_USAGE;
	}
	err[0] = 0;
	freeze_before = freeze_hook_env(err, sizeof(err));
	if (err[0]) {
		fl_err("stress: %s", err);
		return FL_EXIT_USAGE;
	}
	uname(&uts);
	env.release = uts.release;
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
	/* Fail before the checks, not after them, when the result cannot be written. */
	if (fl_out_check(out, err, sizeof(err))) {
		fl_err("stress: %s %s", o.out ? "--out" : "result", err);
		fl_topology_free(topo);
		return FL_EXIT_USAGE;
	}
	space = fl_testdir_prepare(&td, o.dir, err, sizeof(err));
	if (space) {
		fl_err("stress: %s", err);
		fl_topology_free(topo);
		return fl_exit_for_errno(space);	/* ENOSPC: 3 */
	}
	/* On a full filesystem every check would fail of it: say so once. */
	space = fl_testdir_check_space(td.path, STRESS_SPACE, err, sizeof(err));
	if (space) {
		fl_err("stress: %s", err);
		d.code = fl_exit_for_errno(space);
		d.no_space = true;
		nr = 0;
	}
	fl_clock_init();
	fl_sigbus_install();
	fl_env_fs_of(td.path, &mnt);
	env.dir = td.path;
	env.faulters = faulters;

	if (nr) {
		printf("stress: %d check%s, %.1f s each, %d faulters, on %s (%s)\n", nr,
		       nr == 1 ? "" : "s", o.duration_s, faulters, td.path, mnt.type);
		printf("%-24s %12s %10s %10s %8s  %s\n", "check", "iterations",
		       "violations", "bad SIGBUS", "kernel", "verdict");
	}
	d.topo = topo;
	d.dir = td.path;
	d.argc = argc;
	d.argv = argv;
	d.checks = json_array();
	d.validity = fl_validity_new();
	for (int i = 0; i < nr && !fl_stop_signal; i++) {
		struct outcome oc;
		json_t *res;

		/* A failed hook leaves the partial document as it is. */
		if (freeze_before && !strcmp(freeze_before, chosen[i]->name)) {
			freeze_and_hang(chosen[i]->name, td.path, err, sizeof(err));
			fl_err("stress: %s", err);
			code = FL_EXIT_USAGE;
			goto out;
		}
		res = run_check(chosen[i], &env, &oc);
		fl_validity_absorb(d.validity, res, chosen[i]->name);
		json_array_append_new(d.checks, res);
		d.counts[oc.verdict]++;
		d.code = fl_exit_worst(d.code, outcome_exit(&oc));
		/* Written before the row: a row on the console is a check kept. */
		if (i + 1 < nr && !fl_stop_signal &&
		    stress_doc_write(&d, &env, chosen, nr, false, out, err, sizeof(err)) &&
		    !d.write_failed++)
			fl_err("stress: %s (tried again after the next check)", err);
		print_row(chosen[i]->name, &oc);
		if (outcome_exit(&oc) == FL_EXIT_RESOURCE)
			fl_err("stress: %s: %s", chosen[i]->name, oc.reason);
	}
	if (fl_stop_signal)
		d.code = fl_exit_worst(d.code, FL_EXIT_INTERRUPTED);
	/* Known failures are counted aloud: never silently green. */
	printf("checks:");
	for (int v = 0; v < V_NR; v++)
		if (d.counts[v])
			printf(" %d %s", d.counts[v], verdict_names[v]);
	putchar('\n');

	code = d.code;
	ret = stress_doc_write(&d, &env, chosen, nr, true, out, err, sizeof(err));
	if (ret) {
		fl_err("stress: %s", err);
		code = fl_exit_worst(code, fl_exit_for_errno(ret));
	} else {
		printf("result: %s\n", out);
	}
out:
	json_decref(d.host);
	json_decref(d.checks);
	json_decref(d.validity);
	fl_testdir_cleanup(&td);
	fl_topology_free(topo);
	return code;
}
