// SPDX-License-Identifier: GPL-2.0
/*
 * faultline-bare: will-it-scale's page_fault1/2/3 loop and nothing else,
 * the yardstick `faultline selftest` holds the fault workload against.
 *
 * One process, N threads, each bound to one PU where the runner would
 * place that actor (fl_plan, fl_bind_cpu), no memory policy, one padded
 * counter per thread that the main thread reads at the window's edges (as
 * will-it-scale's main reads them every second). The threads never stop:
 * the process exits with them running, as will-it-scale's does. Prints
 * the window's ops/s, or a JSON object with --json.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/option.h"
#include "base/testdir.h"
#include "base/thread_list.h"
#include "run/placement.h"

/* Counters this far apart share no cache line, nor a prefetched pair. */
#define BARE_PAD 256

struct bare_opts {
	int map;
	uint64_t threads;
	double duration_s;
	double warmup_s;
	uint64_t size;
	struct fl_placement placement;
	const char *dir;
	bool json;
	int mempolicy;
};

enum { BARE_ANON, BARE_PRIVATE, BARE_SHARED };
enum { BARE_MPOL_LOCAL, BARE_MPOL_PREFERRED };

static const char *const map_choices[] = { "anon", "private", "shared", NULL };
static const char *const mpol_choices[] = { "local", "preferred", NULL };

#define O(f) offsetof(struct bare_opts, f)

static const struct fl_option bare_options[] = {
	{ .name = "map", .type = FL_OPT_ENUM, .offset = O(map), .def = "anon",
	  .choices = map_choices,
	  .help = "page_fault1 (anon), page_fault2 (private file), page_fault3 (shared file)" },
	{ .name = "threads", .type = FL_OPT_UINT, .offset = O(threads),
	  .def = "1", .help = "threads, one per PU as the runner places actors",
	  .min = 1, .max = FL_THREADS_LIMIT },
	{ .name = "duration", .type = FL_OPT_DOUBLE, .offset = O(duration_s),
	  .def = "5", .arg = "SECONDS", .help = "timed window", .min = 0.1,
	  .max = 86400 },
	{ .name = "warmup", .type = FL_OPT_DOUBLE, .offset = O(warmup_s),
	  .def = "1", .arg = "SECONDS", .help = "untimed run before the window",
	  .min = 0, .max = 3600 },
	{ .name = "size", .type = FL_OPT_SIZE, .offset = O(size), .def = "128M",
	  .help = "bytes mapped by each thread per pass", .min = 4096,
	  .max = 1ull << 46 },
	{ .name = "placement", .type = FL_OPT_CUSTOM, .offset = O(placement),
	  .def = "spread", .arg = "spread|compact|nodes=LIST",
	  .help = "where threads run, as `faultline run --placement`",
	  .parse = fl_placement_opt_parse, .format = fl_placement_opt_format },
	{ .name = "dir", .type = FL_OPT_STR, .offset = O(dir), .arg = "PATH",
	  .help = "directory for the files (default: a fresh one under $TMPDIR or /tmp)" },
	{ .name = "json", .type = FL_OPT_BOOL, .offset = O(json), .def = "false",
	  .help = "print a JSON object (per-thread rates too) instead of one number" },
	{ .name = "mempolicy", .type = FL_OPT_ENUM, .offset = O(mempolicy),
	  .def = "local", .choices = mpol_choices,
	  .help = "local: the kernel's default, as will-it-scale; preferred: prefer the PU's node (libnuma), to measure what a policy costs" },
	{ 0 }
};

/* One thread's counter, alone in its BARE_PAD bytes. */
struct bare_counter {
	uint64_t ops;
	char pad[BARE_PAD - sizeof(uint64_t)];
};

struct bare_thread {
	const struct bare_opts *o;
	const struct fl_topology *topo;
	struct fl_slot slot;
	struct bare_counter *counter;
	int fd;			/* -1 for anonymous memory */
	int *ready;		/* threads that are bound (or failed), atomic */
	int error;		/* -errno, atomic */
	char errmsg[FL_ERR_LEN];
	pthread_t tid;
	uint64_t ops;		/* in the window */
	uint64_t cpu_ns;	/* CPU time the thread had in the window */
};

/* Record @e as @b's error with a message; the main thread reports it. */
static void thread_fail(struct bare_thread *b, int e, const char *what)
{
	snprintf(b->errmsg, sizeof(b->errmsg), "%s", what);
	__atomic_store_n(&b->error, -e, __ATOMIC_RELEASE);
}

/*
 * will-it-scale's testcase(): map, store one byte per page, count it,
 * unmap, forever. The counter is stored with a relaxed atomic so that the
 * main thread may read it; that is the same one add in memory per touch
 * as will-it-scale's (*iterations)++, which a char store may alias.
 */
static void *bare_loop(void *arg)
{
	struct bare_thread *b = arg;
	size_t size = b->o->size, page = (size_t)sysconf(_SC_PAGESIZE);
	int flags = b->o->map == BARE_SHARED ? MAP_SHARED : MAP_PRIVATE;
	uint64_t *ops = &b->counter->ops;
	char err[FL_ERR_LEN];
	int ret;

	if (b->o->map == BARE_ANON)
		flags |= MAP_ANONYMOUS;
	ret = fl_bind_cpu(b->topo, &b->slot, err, sizeof(err));
	if (!ret && b->o->mempolicy == BARE_MPOL_PREFERRED) {
		numa_set_preferred(b->slot.node);
		if (numa_preferred() != b->slot.node) {
			ret = -EINVAL;
			snprintf(err, sizeof(err), "PU %d: cannot prefer NUMA node %d",
				 b->slot.pu, b->slot.node);
		}
	}
	if (ret)
		thread_fail(b, -ret, err);
	__atomic_add_fetch(b->ready, 1, __ATOMIC_RELEASE);
	if (ret)
		return NULL;
	for (;;) {
		char *c = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, b->fd, 0);

		if (c == MAP_FAILED) {
			int e = errno;

			snprintf(err, sizeof(err), "mmap %zu bytes: %s", size,
				 strerror(e));
			thread_fail(b, e, err);
			return NULL;
		}
		for (size_t i = 0; i < size; i += page) {
			c[i] = 0;
			__atomic_store_n(ops, *ops + 1, __ATOMIC_RELAXED);
		}
		munmap(c, size);
	}
	return NULL;
}

/* Sleep until @deadline (CLOCK_MONOTONIC ns), through signal interruptions. */
static void sleep_until(uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000u),
		.tv_nsec = (long)(deadline % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The first thread's error as "thread N (PU P): message", or 0 when none. */
static int thread_error(struct bare_thread *th, int n, char *err, size_t len)
{
	for (int i = 0; i < n; i++) {
		int e = __atomic_load_n(&th[i].error, __ATOMIC_ACQUIRE);

		if (e) {
			fl_set_err(err, len, "thread %d (PU %d): %s", i, th[i].slot.pu,
				   th[i].errmsg);
			return e;
		}
	}
	return 0;
}

/* A file per thread, unlinked at once, as will-it-scale's mkstemp. */
static int open_file(const char *dir, int idx, uint64_t size, int *fd,
		     char *err, size_t len)
{
	char path[PATH_MAX + 64];
	int e;

	snprintf(path, sizeof(path), "%s/faultline-bare-%d-%d", dir,
		 (int)getpid(), idx);
	*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0) {
		e = errno;
		fl_set_err(err, len, "create %s: %s", path, strerror(e));
		return -e;
	}
	unlink(path);
	if (ftruncate(*fd, (off_t)size)) {
		e = errno;
		fl_set_err(err, len, "truncate %s to %llu bytes: %s", path,
			   (unsigned long long)size, strerror(e));
		close(*fd);
		*fd = -1;
		return -e;
	}
	return 0;
}

/* The result: one number, or JSON with each thread's share. */
static void print_result(const struct bare_opts *o, struct bare_thread *th,
			 int n, double window_s)
{
	json_t *doc, *actors;
	double total = 0, cpu = 0;

	for (int i = 0; i < n; i++) {
		total += (double)th[i].ops / window_s;
		cpu += (double)th[i].cpu_ns / 1e9;
	}
	if (!o->json) {
		printf("%.1f\n", total);
		return;
	}
	actors = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(actors, json_pack("{s:i, s:i, s:i, s:I, s:f, s:f}",
			"id", i, "pu", th[i].slot.pu, "node", th[i].slot.node,
			"ops", (json_int_t)th[i].ops, "ops_per_sec",
			(double)th[i].ops / window_s, "cpu_s", (double)th[i].cpu_ns / 1e9));
	doc = json_pack("{s:s, s:s, s:i, s:I, s:s, s:f, s:f, s:f, s:o}",
			"tool", "faultline-bare", "map", map_choices[o->map],
			"threads", n, "size", (json_int_t)o->size,
			"mempolicy", mpol_choices[o->mempolicy],
			"window_s", window_s, "ops_per_sec", total,
			"cpu_share", cpu / (n * window_s), "actors", actors);
	json_dumpf(doc, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(doc);
}

/* A thread's CPU time so far (ns), or 0 when its clock cannot be read. */
static uint64_t thread_cpu_ns(pthread_t tid)
{
	struct timespec ts;
	clockid_t cid;

	if (pthread_getcpuclockid(tid, &cid) || clock_gettime(cid, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Start the threads, let them warm up, read every counter (and CPU clock:
 * how much of its PU a thread had says how busy the machine was) at the
 * window's edges. Returns 0, or -errno with @err naming the thread.
 */
static int measure(const struct bare_opts *o, struct bare_thread *th, int n,
		   char *err, size_t len)
{
	uint64_t t0, t1;
	int ready = 0, ret;

	for (int i = 0; i < n; i++) {
		th[i].ready = &ready;
		ret = -pthread_create(&th[i].tid, NULL, bare_loop, &th[i]);
		if (ret) {
			fl_set_err(err, len, "starting thread %d: %s", i, strerror(-ret));
			return ret;
		}
	}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < n)
		usleep(1000);
	ret = thread_error(th, n, err, len);
	if (ret)
		return ret;
	sleep_until(fl_mono_ns() + (uint64_t)(o->warmup_s * 1e9));
	t0 = fl_mono_ns();
	for (int i = 0; i < n; i++) {
		th[i].ops = __atomic_load_n(&th[i].counter->ops, __ATOMIC_RELAXED);
		th[i].cpu_ns = thread_cpu_ns(th[i].tid);
	}
	sleep_until(t0 + (uint64_t)(o->duration_s * 1e9));
	for (int i = 0; i < n; i++) {
		th[i].ops = __atomic_load_n(&th[i].counter->ops, __ATOMIC_RELAXED) -
			    th[i].ops;
		th[i].cpu_ns = thread_cpu_ns(th[i].tid) - th[i].cpu_ns;
	}
	t1 = fl_mono_ns();
	ret = thread_error(th, n, err, len);
	if (!ret)
		print_result(o, th, n, (double)(t1 - t0) / 1e9);
	/* Started threads loop on: the caller exits, as will-it-scale does. */
	return ret;
}

int main(int argc, char **argv)
{
	struct bare_opts o = { .dir = NULL };
	struct fl_opt_set set = { bare_options, &o };
	struct fl_topology *topo = NULL;
	struct fl_testdir td = { .created = false };
	struct fl_slot *slots = NULL;
	struct bare_thread *th = NULL;
	struct bare_counter *counters = NULL;
	char err[FL_ERR_LEN];
	int n, ret, code = FL_EXIT_USAGE;
	bool started = false;

	ret = fl_opt_defaults(&set, 1, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		printf("usage: faultline-bare [options]\n\n"
		       "will-it-scale's page_fault loop, bare: the yardstick of `faultline selftest`.\n"
		       "Prints ops/s over the window.\n\n");
		fl_opt_help(stdout, bare_options);
		return FL_EXIT_OK;
	}
	if (ret) {
		fl_err("bare: %s", err);
		return FL_EXIT_USAGE;
	}
	n = (int)o.threads;
	fl_clock_init();
	slots = calloc((size_t)n, sizeof(*slots));
	th = calloc((size_t)n, sizeof(*th));
	counters = aligned_alloc(BARE_PAD, (size_t)n * sizeof(*counters));
	if (!slots || !th || !counters) {
		fl_err("bare: out of memory for %d threads", n);
		code = FL_EXIT_RESOURCE;
		goto out;
	}
	memset(counters, 0, (size_t)n * sizeof(*counters));
	ret = fl_topology_load(&topo, err, sizeof(err));
	if (!ret)
		ret = fl_plan(topo, &o.placement, n, slots, err, sizeof(err));
	if (!ret)
		ret = fl_testdir_prepare(&td, o.dir, err, sizeof(err));
	/* Shared writes fill the files: no space would be SIGBUS mid-loop. */
	if (!ret && o.map == BARE_SHARED)
		ret = fl_testdir_check_space(td.path, (uint64_t)n * o.size, err,
					     sizeof(err));
	for (int i = 0; i < n; i++) {
		th[i].o = &o;
		th[i].topo = topo;
		th[i].slot = slots[i];
		th[i].counter = &counters[i];
		th[i].fd = -1;
		if (!ret && o.map != BARE_ANON)
			ret = open_file(td.path, i, o.size, &th[i].fd, err, sizeof(err));
	}
	if (!ret) {
		started = true;
		ret = measure(&o, th, n, err, sizeof(err));
	}
	if (ret) {
		fl_err("bare: %s", err);
		code = fl_exit_for_errno(ret);
		goto out;
	}
	code = FL_EXIT_OK;
out:
	fflush(stdout);
	/* The files are unlinked: removing the directory frees them at exit. */
	fl_testdir_cleanup(&td);
	free(slots);
	/* Threads loop on through @th, @counters and @topo: exit ends them. */
	if (!started) {
		free(counters);
		free(th);
		fl_topology_free(topo);
	}
	exit(code);
}
