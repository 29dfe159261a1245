// SPDX-License-Identifier: GPL-2.0
/*
 * faultline-mpi: the MPI side of faultline, started by `faultline mpi`
 * under mpirun. It owns MPI_Init/Finalize, options, each rank's directory,
 * and the gather of every rank's JSON to rank 0, which writes one result
 * document (schema faultline-mpi/1). Usage:
 *   faultline-mpi WORKLOAD --dir DIR [--mounts N | --views LIST] [--out FILE] [options]
 * With --mounts N rank r works in DIR/node<r % N> (clusterfs mounts);
 * with --views V1,..,Vn (DIR seen through other mounts, e.g. NFS
 * nosharecache) in DIR, V1, .. by r % (n + 1); else every rank uses DIR
 * (a shared cluster filesystem).
 * Every rank exits 0 once the document is written (its "exit_code" is
 * the verdict, which `faultline mpi` reads), else with the failure's
 * code: mpirun then reports a job that failed, not one that found
 * violations or untrustworthy numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "analysis/mpi_validity.h"
#include "base/clock.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "base/sigbus.h"
#include "base/tool.h"
#include "base/validity.h"
#include "mpi/mpi_workload.h"
#include "run/env.h"

#define DETAILS_KEPT 50

struct mpi_opts {
	const char *dir;
	uint64_t mounts;
	const char *views;
	const char *out;
	double duration_s;
};

static const struct fl_option mpi_options[] = {
	{ .name = "dir", .type = FL_OPT_STR, .offset = offsetof(struct mpi_opts, dir),
	  .arg = "PATH", .help = "the shared files' directory (with --mounts: holds node0..nodeN-1)" },
	{ .name = "mounts", .type = FL_OPT_UINT, .offset = offsetof(struct mpi_opts, mounts),
	  .def = "0", .help = "clusterfs mounts under --dir; rank r uses node<r % N> (0: all use --dir)",
	  .min = 0, .max = 64 },
	{ .name = "views", .type = FL_OPT_STR, .offset = offsetof(struct mpi_opts, views),
	  .arg = "LIST", .help = "--dir through other mounts, comma-separated; rank r uses the r % (N + 1)th of --dir and them" },
	{ .name = "out", .type = FL_OPT_STR, .offset = offsetof(struct mpi_opts, out),
	  .arg = "FILE", .help = "result JSON written by rank 0" },
	{ .name = "duration", .type = FL_OPT_DOUBLE, .offset = offsetof(struct mpi_opts, duration_s),
	  .def = "3", .arg = "SECONDS", .help = "length of timed workloads", .min = 0.1, .max = 86400 },
	{ 0 }
};

static void on_stop(int sig)
{
	(void)sig;
	fl_mpi_stop = 1;
}

static const struct fl_mpi_workload *find(const char *name)
{
	for (int i = 0; fl_mpi_workloads[i]; i++)
		if (!strcmp(fl_mpi_workloads[i]->name, name))
			return fl_mpi_workloads[i];
	return NULL;
}

/* Every rank's object, as text, gathered to rank 0 (NULL elsewhere). */
static json_t *gather(const struct fl_mpi_ctx *c, json_t *mine)
{
	char *text = json_dumps(mine, JSON_COMPACT);
	int len = text ? (int)strlen(text) + 1 : 1, *lens = NULL, *offs = NULL;
	char *all = NULL;
	json_t *ranks = NULL;

	if (c->rank == 0) {
		lens = calloc((size_t)c->size, sizeof(int));
		offs = calloc((size_t)c->size, sizeof(int));
	}
	MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, c->comm);
	if (c->rank == 0) {
		int total = 0;

		for (int r = 0; r < c->size; r++) {
			offs[r] = total;
			total += lens[r];
		}
		all = malloc((size_t)total);
	}
	MPI_Gatherv(text ? text : "", len, MPI_CHAR, all, lens, offs, MPI_CHAR, 0, c->comm);
	if (c->rank == 0) {
		ranks = json_array();
		for (int r = 0; r < c->size; r++) {
			json_t *o = json_loads(all + offs[r], 0, NULL);

			json_array_append_new(ranks, o ? o : json_pack("{s:i, s:s, s:o}", "rank", r,
					      "error", "its result could not be read",
					      "validity", fl_validity_new()));
		}
	}
	free(text);
	free(all);
	free(lens);
	free(offs);
	return ranks;
}

/*
 * Violations summed over ranks; their details, the first DETAILS_KEPT.
 * Stale reads the rank's filesystem does not promise against (NFS nocto)
 * are summed apart, with the promise that allows them.
 */
static json_t *integrity(json_t *ranks, json_int_t *violations)
{
	json_t *details = json_array(), *r, *d, *out, *because = NULL;
	json_int_t allowed = 0;
	size_t i, j;

	*violations = 0;
	json_array_foreach(ranks, i, r) {
		json_int_t a = json_integer_value(json_object_get(r, "stale_allowed"));

		*violations += json_integer_value(json_object_get(r, "violations"));
		allowed += a;
		if (a && !because)
			because = json_object_get(json_object_get(r, "promise"), "why");
		json_array_foreach(json_object_get(r, "details"), j, d)
			if (json_array_size(details) < DETAILS_KEPT)
				json_array_append(details, d);
		json_object_del(r, "details");
	}
	out = json_pack("{s:b, s:I, s:o}", "verified", true, "violations", *violations,
			"details", details);
	if (allowed)
		json_object_set_new(out, "stale_allowed", json_pack("{s:I, s:O}", "reads", allowed,
				    "because", because));
	return out;
}

/* Ranks whose work a signal cut short. */
static int interrupted_ranks(json_t *ranks)
{
	json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach(ranks, i, r)
		n += json_is_true(json_object_get(r, "interrupted"));
	return n;
}

/*
 * Rank 0: the result document. Its exit code is the ranks' worst, then
 * violations, interruption and validity, by fl_exit_worst(). Returns 0
 * once it is written, else that code made at least a usage error.
 */
static int write_doc(const struct fl_mpi_ctx *c, const struct fl_mpi_workload *wl,
		      const void *params, const struct mpi_opts *o, json_t *ranks,
		      int code, const char *error, int argc, char **argv)
{
	json_t *doc = fl_doc_new(FL_SCHEMA_MPI, NULL, argc, argv);
	struct fl_topology *topo = NULL;
	char err[FL_ERR_LEN];
	json_int_t bad = 0;
	int cut;

	if (!fl_topology_load(&topo, err, sizeof(err)))
		json_object_set_new(doc, "host", fl_env_host_json(topo, c->dir));
	fl_topology_free(topo);
	json_object_set_new(doc, "variant", json_string(fl_env_variant()));
	json_object_set_new(doc, "accel", json_string(fl_env_accel()));
	json_object_set_new(doc, "workload", json_pack("{s:s, s:o}", "name", wl->name,
			    "params", fl_opt_json(wl->options, params)));
	json_object_set_new(doc, "mpi", json_pack("{s:i, s:s, s:s, s:I}", "ranks", c->size,
			    "mode", o->mounts ? "clusterfs" : o->views ? "views" : "shared-dir",
			    "dir", o->dir, "mounts", (json_int_t)o->mounts));
	if (o->views)
		json_object_set_new(json_object_get(doc, "mpi"), "views", json_string(o->views));
	json_object_set_new(doc, "integrity", integrity(ranks, &bad));
	fl_mpi_judge_sharing(ranks);
	fl_mpi_judge(doc, ranks, wl->shared_pu_spoils);
	cut = interrupted_ranks(ranks);
	if (bad)
		code = fl_exit_worst(code, FL_EXIT_CHECK);
	if (cut)
		code = fl_exit_worst(code, FL_EXIT_INTERRUPTED);
	if (!fl_validity_ok(doc))
		code = fl_exit_worst(code, FL_EXIT_UNTRUSTWORTHY);
	json_object_set_new(doc, "status", json_string(code == FL_EXIT_OK || code == FL_EXIT_CHECK ||
			    code == FL_EXIT_UNTRUSTWORTHY ? "ok" :
			    code == FL_EXIT_INTERRUPTED ? "interrupted" : "failed"));
	json_object_set_new(doc, "exit_code", json_integer(code));
	if (error && *error)
		json_object_set_new(doc, "error", json_string(error));
	else if (cut)
		json_object_set_new(doc, "error", json_sprintf("interrupted: a signal stopped %d of %d ranks early",
				    cut, c->size));
	else if (bad)
		json_object_set_new(doc, "error", json_sprintf("%lld coherence violation%s (see integrity.details)",
				    (long long)bad, bad == 1 ? "" : "s"));
	if (wl->totals)
		wl->totals(ranks, doc);
	json_object_set_new(doc, "ranks", json_incref(ranks));
	if (fl_json_write_atomic(doc, o->out, err, sizeof(err))) {
		fl_err("%s", err);
		code = fl_exit_worst(code, FL_EXIT_USAGE);
	} else {
		code = FL_EXIT_OK;
	}
	json_decref(doc);
	return code;
}

/*
 * Which page cache the rank's directory is in: its kernel (boot_id, one
 * per boot of a host, where host names may repeat) and the filesystem
 * (type, and dev: one superblock, one page cache). fl_mpi_judge_sharing()
 * reads them.
 */
static void add_cache_identity(json_t *mine, const char *dir)
{
	char boot[64] = "";
	struct fl_mount m;
	struct stat st;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f && fgets(boot, sizeof(boot), f))
		boot[strcspn(boot, "\n")] = '\0';
	if (f)
		fclose(f);
	if (!*boot)
		return;
	/* Not there: rank 0's side made it, so --dir is not shared with this host. */
	if (stat(dir, &st)) {
		json_object_set_new(mine, "boot_id", json_string(boot));
		json_object_set_new(mine, "dir_missing", json_string(strerror(errno)));
		return;
	}
	fl_env_fs_of(dir, &m);
	json_object_set_new(mine, "boot_id", json_string(boot));
	json_object_set_new(mine, "fs", json_pack("{s:s, s:o}", "type", m.type, "dev",
			    json_sprintf("%u:%u", major(st.st_dev), minor(st.st_dev))));
}

/* Rank @rank's directory: --dir, or one of --views, in turn. */
static void view_of(const struct mpi_opts *o, int rank, char *buf, size_t len)
{
	const char *v = o->views;
	int nr = 1, k;

	for (const char *p = v; p && *p; p++)
		nr += *p == ',';
	k = rank % (v && *v ? nr + 1 : 1);
	if (!k) {
		snprintf(buf, len, "%s", o->dir);
		return;
	}
	while (--k)
		v = strchr(v, ',') + 1;
	snprintf(buf, len, "%.*s", (int)strcspn(v, ","), v);
}

int main(int argc, char **argv)
{
	struct fl_mpi_ctx c = { .comm = MPI_COMM_WORLD };
	const struct fl_mpi_workload *wl;
	struct mpi_opts o = { 0 };
	char err[FL_ERR_LEN] = "", dir[4096], errors[FL_ERR_LEN] = "";
	void *params = NULL;
	struct sigaction sa = { .sa_handler = on_stop };
	json_t *mine, *ranks;
	int ret = 0, code, worst;
	cpu_set_t cpus;

	/*
	 * Before MPI_Init: mpirun may forward a stop as soon as we exist.
	 * SIGTERM stays fatal: mpirun sends it to abort the job.
	 */
	sigaction(SIGUSR1, &sa, NULL);
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(c.comm, &c.rank);
	MPI_Comm_size(c.comm, &c.size);
	gethostname(c.host, sizeof(c.host));
	c.cpu = sched_getcpu();
	c.node = numa_available() < 0 ? 0 : numa_node_of_cpu(c.cpu);

	wl = argc > 1 ? find(argv[1]) : NULL;
	if (!wl) {
		char names[256] = "";

		for (int i = 0; fl_mpi_workloads[i]; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", fl_mpi_workloads[i]->name);
		if (c.rank == 0)
			fl_err("faultline-mpi: %s workload%s%s (%s)", argc > 1 ? "unknown" : "missing",
			       argc > 1 ? " " : "", argc > 1 ? argv[1] : "", names);
		MPI_Finalize();
		return FL_EXIT_USAGE;
	}
	params = calloc(1, wl->params_size);
	struct fl_opt_set sets[] = { { mpi_options, &o }, { wl->options, params } };

	ret = params ? fl_opt_defaults(sets, 2, err, sizeof(err)) : -ENOMEM;
	if (!ret)
		ret = fl_opt_parse(sets, 2, argc - 2, argv + 2, err, sizeof(err));
	if (!ret && (!o.dir || !o.out))
		ret = -EINVAL, fl_set_err(err, sizeof(err), "--dir and --out are required");
	if (!ret && wl->validate)
		ret = wl->validate(params, &c, err, sizeof(err));
	if (ret) {
		if (c.rank == 0)
			fl_err("faultline-mpi %s: %s", wl->name, err);
		free(params);
		MPI_Finalize();
		return FL_EXIT_USAGE;
	}
	if (o.mounts)
		snprintf(dir, sizeof(dir), "%s/node%d", o.dir, c.rank % (int)o.mounts);
	else
		view_of(&o, c.rank, dir, sizeof(dir));
	c.dir = dir;
	c.duration_s = o.duration_s;
	fl_clock_init();
	fl_sigbus_install();

	mine = json_pack("{s:i, s:s, s:i, s:i, s:s, s:o}", "rank", c.rank, "host", c.host,
			 "cpu", c.cpu, "node", c.node, "dir", c.dir, "validity", fl_validity_new());
	add_cache_identity(mine, c.dir);
	if (!sched_getaffinity(0, sizeof(cpus), &cpus)) {
		char list[1024];

		fl_mpi_cpulist(&cpus, list, sizeof(list));
		json_object_set_new(mine, "cpus_allowed", json_string(list));
	}
	ret = wl->run(&c, params, mine, err, sizeof(err));
	if (ret)
		json_object_set_new(mine, "error", json_string(err));
	/* Stopped because another rank failed: that rank's error is the one to tell. */
	if (ret == -ECANCELED)
		json_object_set_new(mine, "cancelled", json_true());
	code = ret ? fl_exit_for_errno(ret) : FL_EXIT_OK;
	MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, c.comm);
	ranks = gather(&c, mine);
	if (c.rank == 0) {
		size_t i;
		json_t *r;

		for (int pass = 0; pass < 2; pass++)
			json_array_foreach(ranks, i, r)
				if (json_object_get(r, "error") && !errors[0] &&
				    (pass || !json_is_true(json_object_get(r, "cancelled"))))
					snprintf(errors, sizeof(errors), "rank %zu on %s: %s", i,
						 json_string_value(json_object_get(r, "host")) ?: "?",
						 json_string_value(json_object_get(r, "error")));
		worst = write_doc(&c, wl, params, &o, ranks, worst, errors, argc, argv);
	}
	/* Every rank returns the same: 0 when the document holds the verdict. */
	MPI_Bcast(&worst, 1, MPI_INT, 0, c.comm);
	json_decref(mine);
	json_decref(ranks);
	free(params);
	MPI_Finalize();
	return worst;
}
