// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline mpi`: run the MPI workloads under mpirun. On one host every
 * rank gets its own clusterfs mount (its own page cache) of one backing
 * store, so writes by one rank invalidate the others' pages the way a
 * cluster filesystem does; with --dir (and a --hostfile for several hosts)
 * the ranks use that directory of a real shared filesystem directly.
 * One result file per workload in --out-dir; the daemon and its mounts are
 * gone afterwards, also after SIGINT or a rank that died. A first SIGINT
 * asks the ranks to stop and report (their result is kept, marked
 * interrupted); a second one ends the job.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/option.h"
#include "base/out_file.h"
#include "base/schema.h"
#include "base/stop.h"
#include "base/testdir.h"
#include "base/tool.h"
#include "base/validity.h"
#include "cli/commands.h"
#include "clusterfs/clusterfs.h"
#include "integrity/coherence.h"
#include "run/env.h"

#define MAX_ARGS 96
#define MAX_MOUNTS 64	/* clusterfs mounts, one per rank */
#define MAX_RANKS 4096

static const char *const fault_names[] = { "none", "skip-invalidation", NULL };

struct mpi_cmd_opts {
	uint64_t np;
	const char *hostfile;
	const char *dir;
	const char *views;
	const char *out_dir;
	const char *workloads;
	double duration_s;
	uint64_t passes;
	const char *inval_rate;
	int fault, promise;
};

#define O(f) offsetof(struct mpi_cmd_opts, f)
static const struct fl_option mpi_cmd_options[] = {
	{ .name = "np", .type = FL_OPT_UINT, .offset = O(np),
	  .help = "MPI ranks (default: one per PU this process may use, at least 2; "
		  "with --hostfile, its slots)", .min = 2, .max = MAX_RANKS },
	{ .name = "hostfile", .type = FL_OPT_STR, .offset = O(hostfile), .arg = "FILE",
	  .help = "mpirun hostfile for several hosts (needs --dir on a shared filesystem)" },
	{ .name = "dir", .type = FL_OPT_STR, .offset = O(dir), .arg = "PATH",
	  .help = "a directory of a shared (cluster) filesystem every rank uses; default: clusterfs, one mount per rank" },
	{ .name = "views", .type = FL_OPT_STR, .offset = O(views), .arg = "LIST",
	  .help = "other mounts of --dir's directory, comma-separated (NFS nosharecache mounts): "
		  "ranks take --dir and them in turn" },
	{ .name = "out-dir", .type = FL_OPT_STR, .offset = O(out_dir), .arg = "DIR",
	  .help = "where the result files go (created)" },
	{ .name = "workloads", .type = FL_OPT_STR, .offset = O(workloads),
	  .def = "mpi-coherence,mpi-cow,mpi-faultstorm", .arg = "LIST", .help = "MPI workloads to run" },
	{ .name = "duration", .type = FL_OPT_DOUBLE, .offset = O(duration_s), .def = "3",
	  .arg = "SECONDS", .help = "length of timed workloads (mpi-faultstorm)", .min = 0.1,
	  .max = 86400 },
	{ .name = "passes", .type = FL_OPT_UINT, .offset = O(passes), .def = "64",
	  .help = "writer turns of mpi-coherence", .min = 1, .max = 1000000 },
	{ .name = "inval-rate", .type = FL_OPT_STR, .offset = O(inval_rate), .arg = "PER_SEC",
	  .help = "writes per second of mpi-faultstorm's writer (default: the workload's; 0: "
		  "as fast as it can), lower for emulated guests" },
	{ .name = "promise", .type = FL_OPT_ENUM, .offset = O(promise), .def = "auto",
	  .choices = fl_coh_promise_choices,
	  .help = "what the filesystem promises a mapping, for mpi-coherence and mpi-cow: auto "
		  "reads each rank's mount (NFS: close-to-open; nocto: none); forcing it is for tests" },
	{ .name = "clusterfs-fault", .type = FL_OPT_ENUM, .offset = O(fault), .def = "none",
	  .choices = fault_names,
	  .help = "test only: make clusterfs forget to invalidate, to prove the checks catch it" },
	{ 0 }
};
#undef O

/*
 * Ranks by default: one per PU this process may use, at least 2 (the
 * workloads need a writer and a reader), at most @max. More would share
 * PUs, and the result would be untrustworthy ("oversubscribed").
 */
static uint64_t default_np(uint64_t max)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) ? 0 : CPU_COUNT(&set);

	return n < 2 ? 2 : (uint64_t)n > max ? max : (uint64_t)n;
}

/*
 * The exit code of a workload's document combined with @code, and a
 * warning naming the reasons when the result is untrustworthy.
 */
static int judge_doc(const char *out, const char *workload, int code)
{
	json_t *doc = json_load_file(out, 0, NULL);
	char what[PATH_MAX + 128];

	if (json_is_integer(json_object_get(doc, "exit_code")))
		code = fl_exit_worst(code, (int)json_integer_value(json_object_get(doc, "exit_code")));
	json_t *allowed = json_object_get(json_object_get(doc, "integrity"), "stale_allowed");

	snprintf(what, sizeof(what), "mpi: %s (%s)", workload, out);
	/* Rank 0's own word on a failure; the launcher's own was said already. */
	if (json_object_get(doc, "ranks") &&
	    !strcmp(json_string_value(json_object_get(doc, "status")) ?: "", "failed"))
		fl_err("mpi: %s failed: %s", workload,
		       json_string_value(json_object_get(doc, "error")) ?: "(no error recorded)");
	fl_validity_warn(what, doc);
	if (allowed)
		fprintf(stderr, "faultline: mpi: %s: %lld stale reads, allowed, not violations: %s\n",
			workload, (long long)json_integer_value(json_object_get(allowed, "reads")),
			json_string_value(json_object_get(allowed, "because")));
	json_decref(doc);
	return code;
}

/* faultline-mpi beside this binary. */
static int find_mpi_binary(char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;

	if (!realpath("/proc/self/exe", exe) || !(slash = strrchr(exe, '/')))
		return -ENOENT;
	*slash = '\0';
	snprintf(buf, len, "%s/faultline-mpi", exe);
	return access(buf, X_OK) ? -errno : 0;
}

/*
 * mpirun in the PATH, its links resolved, or -ENOENT. OpenMPI takes an
 * absolute mpirun's grandparent as the prefix for the ranks it starts on
 * other hosts: /bin/mpirun, with /bin a link to usr/bin, would give "/",
 * which it refuses; the real file gives /usr.
 */
static int find_mpirun(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char copy[4096], found[PATH_MAX + 16], real[PATH_MAX], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof(found), "%s/mpirun", d);
		if (!access(found, X_OK) && realpath(found, real)) {
			snprintf(buf, len, "%s", real);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * A failed document when rank 0 could not write one: partial, valid JSON.
 * It holds no numbers, so only a signal makes it untrustworthy.
 */
static void write_failed(const char *out, const char *workload, int code, const char *why)
{
	char err[FL_ERR_LEN], *mpi = "mpi";
	json_t *doc = fl_doc_new(FL_SCHEMA_MPI, "faultline", 1, &mpi);
	json_t *v = fl_validity_new();

	json_object_update_new(doc, json_pack("{s:s, s:s, s:{s:s}, s:s, s:i, s:s, s:[], s:{s:b, s:s}}",
				"variant", fl_env_variant(), "accel", fl_env_accel(),
				"workload", "name", workload,
				"status", code == FL_EXIT_INTERRUPTED ? "interrupted" : "failed",
				"exit_code", code, "error", why, "ranks",
				"integrity", "verified", false, "why_not", why));
	if (code == FL_EXIT_INTERRUPTED)
		fl_validity_add(v, "interrupted", "all", "a signal stopped the job before rank 0 wrote a result");
	json_object_set_new(doc, "validity", v);
	if (doc && fl_json_write_atomic(doc, out, err, sizeof(err)))
		fl_err("%s", err);
	json_decref(doc);
}

/*
 * The signal that killed a rank or mpirun itself (mpirun exits with
 * 128+sig when a rank died of one), with @why saying so; 0 otherwise.
 * A rank killed so is the harness dying, never a finding about the kernel.
 */
static int mpi_killed_by(int status, char *why, size_t len)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) :
		  WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128 : 0;

	if (WIFSIGNALED(status))
		snprintf(why, len, "mpirun was killed by signal %d (%s)", sig, strsignal(sig));
	else if (sig)
		snprintf(why, len, "a harness rank was killed by signal %d (%s); mpirun ended the job",
			 sig, strsignal(sig));
	return sig;
}

/*
 * Rank 0 wrote its document, but another rank was killed: whatever rank 0
 * saw after that is the harness dying, so the document says failed, why,
 * and rank 0's own error after it.
 */
static void mark_killed(const char *out, const char *why, int code)
{
	json_t *doc = json_load_file(out, 0, NULL);
	const char *was = json_string_value(json_object_get(doc, "error"));
	char err[FL_ERR_LEN];
	json_t *msg;

	if (!doc)
		return;
	msg = was ? json_sprintf("%s; rank 0 said: %s", why, was) : json_string(why);
	json_object_set_new(doc, "error", msg);
	json_object_set_new(doc, "status", json_string("failed"));
	if (json_is_integer(json_object_get(doc, "exit_code")))
		code = fl_exit_worst(code, (int)json_integer_value(json_object_get(doc, "exit_code")));
	json_object_set_new(doc, "exit_code", json_integer(code));
	if (fl_json_write_atomic(doc, out, err, sizeof(err)))
		fl_err("%s", err);
	json_decref(doc);
}

static int run_workload(const struct mpi_cmd_opts *o, const char *mpirun, const char *bin,
			const char *workload, const char *dir, const char *views, int mounts)
{
	char out[PATH_MAX + 64], np[16], nm[16], dur[32], passes[32];
	char *argv[MAX_ARGS];
	char why[256];
	struct stat st;
	int n = 0, ret, status = 0, killed;

	snprintf(out, sizeof(out), "%s/%s.json", o->out_dir, workload);
	snprintf(np, sizeof(np), "%llu", (unsigned long long)o->np);
	if (!o->np)
		snprintf(np, sizeof(np), "the hostfile's");
	snprintf(nm, sizeof(nm), "%d", mounts);
	snprintf(dur, sizeof(dur), "%g", o->duration_s);
	snprintf(passes, sizeof(passes), "%llu", (unsigned long long)o->passes);
	argv[n++] = (char *)mpirun;
	/* OpenMPI refuses root unless told; this tool runs as root. */
	if (geteuid() == 0)
		argv[n++] = "--allow-run-as-root";
	argv[n++] = "--oversubscribe";
	if (o->np) {
		argv[n++] = "-np";
		argv[n++] = np;
	}
	if (o->hostfile) {
		argv[n++] = "--hostfile";
		argv[n++] = (char *)o->hostfile;
	}
	argv[n++] = (char *)bin;
	argv[n++] = (char *)workload;
	argv[n++] = "--dir";
	argv[n++] = (char *)dir;
	argv[n++] = "--mounts";
	argv[n++] = nm;
	if (views) {
		argv[n++] = "--views";
		argv[n++] = (char *)views;
	}
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n++] = "--duration";
	argv[n++] = dur;
	if (!strcmp(workload, "mpi-coherence")) {
		argv[n++] = "--passes";
		argv[n++] = passes;
	}
	if (strcmp(workload, "mpi-faultstorm") && o->promise) {
		argv[n++] = "--promise";
		argv[n++] = (char *)fl_coh_promise_choices[o->promise];
	}
	if (!strcmp(workload, "mpi-faultstorm") && o->inval_rate) {
		argv[n++] = "--inval-rate";
		argv[n++] = (char *)o->inval_rate;
	}
	argv[n] = NULL;
	unlink(out);
	fprintf(stderr, "faultline: %s, %s ranks\n", workload, np);
	ret = fl_child_run(argv, -1, &status);
	if (ret == -EINTR)
		return FL_EXIT_INTERRUPTED;	/* not started: no document */
	killed = ret ? 0 : mpi_killed_by(status, why, sizeof(why));
	if (ret < 0) {
		fl_err("mpi: start %s: %s", mpirun, strerror(-ret));
		ret = FL_EXIT_USAGE;
	} else if (fl_stop_signal) {
		ret = FL_EXIT_INTERRUPTED;
	} else if (killed) {
		ret = FL_EXIT_USAGE;
	} else {
		ret = WEXITSTATUS(status);
	}
	if (stat(out, &st)) {
		if (!killed || fl_stop_signal)
			snprintf(why, sizeof(why), "%s ended with status %d before rank 0 wrote a result",
				 workload, ret);
		fl_err("mpi: %s: %s", workload, why);
		write_failed(out, workload, ret ? ret : FL_EXIT_USAGE, why);
		if (!ret)
			ret = FL_EXIT_USAGE;
	} else if (killed && !fl_stop_signal) {
		fl_err("mpi: %s: %s", workload, why);
		mark_killed(out, why, ret);
	}
	printf("result: %s\n", out);
	return judge_doc(out, workload, ret);
}

static void usage(void)
{
	printf("usage: faultline mpi --out-dir DIR [options]\n\n"
	       "Run the MPI workloads under mpirun: on one host each rank on its own\n"
	       "clusterfs mount; with --dir on a shared filesystem (and --hostfile).\n\n");
	fl_opt_help(stdout, mpi_cmd_options);
	printf("\nExit: 0 ok, 1 a coherence violation, 2 usage or a failed run,\n"
	       "3 MPI or FUSE unavailable, 4 interrupted, 5 ran but a result is\n"
	       "untrustworthy (its \"validity\" says why).\n");
}

/*
 * The MPI workloads faultline-mpi has, by the registry's list: each is
 * named "mpi-" and its list entry (workloads/mpi/list.h).
 */
static const char *const mpi_names[] = {
#define MPI_WORKLOAD(n) "mpi-" #n,
#include "workloads/mpi/list.h"
#undef MPI_WORKLOAD
};

/* Every name of --workloads is a workload: checked before mpirun starts. */
static int check_workloads(const char *list, char *err, size_t len)
{
	char copy[512], *save = NULL, names[256] = "";

	for (size_t k = 0; k < ARRAY_SIZE(mpi_names); k++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 k ? ", " : "", mpi_names[k]);
	if (snprintf(copy, sizeof(copy), "%s", list) >= (int)sizeof(copy)) {
		fl_set_err(err, len, "--workloads: longer than %zu characters", sizeof(copy) - 1);
		return -EINVAL;
	}
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t k = 0;

		while (k < ARRAY_SIZE(mpi_names) && strcmp(w, mpi_names[k]))
			k++;
		if (k == ARRAY_SIZE(mpi_names)) {
			fl_set_err(err, len, "--workloads %s: unknown MPI workload \"%s\" (%s)",
				   list, w, names);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * --views, each with the test directory made under --dir appended: it
 * must be there, or a view is not a mount of --dir's filesystem.
 */
static int views_of(const struct mpi_cmd_opts *o, const char *testdir, char *buf, size_t len,
		    char *err, size_t err_len)
{
	const char *name = testdir + strlen(o->dir);
	char copy[2048], path[PATH_MAX], *save = NULL;
	size_t used = 0;
	struct stat st;

	if (!o->views)
		return 0;
	if (strlen(o->views) >= sizeof(copy)) {
		fl_set_err(err, err_len, "--views: longer than %zu characters", sizeof(copy) - 1);
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", o->views);
	for (char *v = strtok_r(copy, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		snprintf(path, sizeof(path), "%s%s", v, name);
		if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
			fl_set_err(err, err_len, "--views %s: %s is not there (%s): not a mount of --dir %s",
				   v, path, strerror(errno ? errno : ENOTDIR), o->dir);
			return -ENOENT;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", path);
		if (used >= len) {
			fl_set_err(err, err_len, "--views: the paths are too long");
			return -EINVAL;
		}
	}
	return 0;
}

/* Each workload's result can be written in --out-dir (made if missing). */
static int check_out_dir(const struct mpi_cmd_opts *o, char *err, size_t len)
{
	char copy[512], *save = NULL, out[PATH_MAX + 64], why[FL_ERR_LEN];
	struct stat st;

	if ((mkdir(o->out_dir, 0755) && errno != EEXIST) || stat(o->out_dir, &st) ||
	    (!S_ISDIR(st.st_mode) && (errno = ENOTDIR))) {
		fl_set_err(err, len, "--out-dir %s: %s", o->out_dir, strerror(errno));
		return -errno;
	}
	snprintf(copy, sizeof(copy), "%s", o->workloads);
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int ret;

		snprintf(out, sizeof(out), "%s/%s.json", o->out_dir, w);
		ret = fl_out_check(out, why, sizeof(why));
		if (ret) {
			fl_set_err(err, len, "--out-dir %s: %s", o->out_dir, why);
			return ret;
		}
	}
	return 0;
}

int cmd_mpi(int argc, char **argv)
{
	struct mpi_cmd_opts o = { 0 };
	struct fl_opt_set set = { mpi_cmd_options, &o };
	struct fl_clusterfs *fs = NULL;
	struct fl_testdir td = { 0 };
	char err[FL_ERR_LEN], bin[PATH_MAX + 32], mpirun[PATH_MAX + 16];
	char backing[PATH_MAX + 16], mnt[PATH_MAX + 16], list[512], views[4096] = "", *save = NULL;
	int ret, code = FL_EXIT_OK, mounts = 0;
	const char *dir;

	ret = fl_opt_defaults(&set, 1, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		usage();
		return FL_EXIT_OK;
	}
	if (!ret && !o.out_dir)
		ret = -EINVAL, fl_set_err(err, sizeof(err), "--out-dir is required");
	if (!ret && o.inval_rate) {
		char *end;
		double r = strtod(o.inval_rate, &end);

		if (end == o.inval_rate || *end || !(r >= 0 && r <= 1e7))
			ret = -EINVAL, fl_set_err(err, sizeof(err),
						   "--inval-rate %s: not a rate from 0 to 1e7 writes per second",
						   o.inval_rate);
	}
	if (!ret && o.views && !o.dir)
		ret = -EINVAL, fl_set_err(err, sizeof(err),
					   "--views needs --dir: they are other mounts of its filesystem");
	if (!ret && o.hostfile && !o.dir)
		ret = -EINVAL, fl_set_err(err, sizeof(err),
					   "--hostfile needs --dir: a directory of a filesystem every host shares");
	if (!ret)
		ret = check_workloads(o.workloads, err, sizeof(err));
	if (ret) {
		fl_err("mpi: %s", err);
		return FL_EXIT_USAGE;
	}
	/* With a hostfile and no --np, mpirun starts one rank per slot. */
	if (!o.np && !o.hostfile)
		o.np = default_np(o.dir ? MAX_RANKS : MAX_MOUNTS);
	if (find_mpi_binary(bin, sizeof(bin))) {
		fl_err("mpi: %s is missing: faultline was built without MPI; run: apt-get install -y libopenmpi-dev openmpi-bin && make",
		       bin);
		return FL_EXIT_RESOURCE;
	}
	if (find_mpirun(mpirun, sizeof(mpirun))) {
		fl_err("mpi: mpirun not found in PATH; run: apt-get install -y openmpi-bin");
		return FL_EXIT_RESOURCE;
	}
	if (check_out_dir(&o, err, sizeof(err))) {
		fl_err("mpi: %s", err);
		return FL_EXIT_USAGE;
	}
	/*
	 * The first stop signal asks the ranks to stop (mpirun forwards
	 * SIGUSR1 to every rank): they end their window or pass, and rank 0
	 * writes the document. A second one stops mpirun, which kills the job.
	 */
	fl_child_forward_stops(SIGUSR1);

	if (o.dir) {
		/* The ranks' own fresh directory: --dir may be shared with others. */
		ret = fl_testdir_prepare(&td, o.dir, err, sizeof(err));
		if (ret) {
			fl_err("mpi: %s", err);
			return fl_exit_for_errno(ret);
		}
		dir = td.path;
		ret = views_of(&o, td.path, views, sizeof(views), err, sizeof(err));
		if (ret) {
			fl_err("mpi: %s", err);
			fl_testdir_cleanup(&td);
			return FL_EXIT_USAGE;
		}
	} else {
		struct fl_clusterfs_opts co = {
			.backing = backing, .mount_dir = mnt, .nr_mounts = (int)o.np,
			.skip_invalidation = o.fault == 1,
		};

		if (o.np > MAX_MOUNTS) {
			fl_err("mpi: clusterfs has at most %d mounts; --np %llu needs --dir",
			       MAX_MOUNTS, (unsigned long long)o.np);
			return FL_EXIT_USAGE;
		}
		ret = fl_testdir_prepare(&td, NULL, err, sizeof(err));
		snprintf(backing, sizeof(backing), "%s/backing", td.path);
		snprintf(mnt, sizeof(mnt), "%s/mnt", td.path);
		if (!ret && (mkdir(backing, 0755) || mkdir(mnt, 0755)))
			ret = -errno, fl_set_err(err, sizeof(err), "mkdir under %s: %s", td.path,
						 strerror(errno));
		if (!ret)
			ret = fl_clusterfs_start(&fs, &co, err, sizeof(err));
		if (ret) {
			fl_err("mpi: clusterfs: %s", err);
			fl_testdir_cleanup(&td);
			return ret == -ENODEV || ret == -EPERM ? FL_EXIT_RESOURCE : FL_EXIT_USAGE;
		}
		dir = mnt;
		mounts = (int)o.np;
	}

	snprintf(list, sizeof(list), "%s", o.workloads);
	for (char *w = strtok_r(list, ",", &save); w && !fl_stop_signal; w = strtok_r(NULL, ",", &save)) {
		ret = run_workload(&o, mpirun, bin, w, dir, *views ? views : NULL, mounts);
		/* mpirun's own codes above ours (a rank killed: 128+sig) are failures. */
		code = fl_exit_worst(code, ret > FL_EXIT_UNTRUSTWORTHY ? FL_EXIT_USAGE : ret);
	}
	if (fs && fl_clusterfs_stop(fs, err, sizeof(err))) {
		fl_err("mpi: clusterfs: %s", err);
		code = fl_exit_worst(code, FL_EXIT_USAGE);
	}
	fl_testdir_cleanup(&td);
	if (fl_stop_signal)
		code = FL_EXIT_INTERRUPTED;
	return code;
}
