// SPDX-License-Identifier: GPL-2.0
/*
 * mpi-faultstorm: every rank faults over its mapping of one shared file
 * while writer ranks rewrite ranges of it, so on clusterfs every rank's
 * faults race remote invalidations (a write through one mount drops the
 * range on every other). Per rank: touches and faults per second, touch
 * latency; writers also their write rate and latency. Rolled up per node.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/hist.h"
#include "base/latency_json.h"
#include "base/rand.h"
#include "base/sigbus.h"
#include "base/validity.h"
#include "mpi/mpi_workload.h"

#define FILE_NAME "mpi-faultstorm.dat"

struct storm_params {
	uint64_t size, write_size, writers;
	double rate;
};

#define P(f) offsetof(struct storm_params, f)
static const struct fl_option storm_options[] = {
	{ .name = "size", .type = FL_OPT_SIZE, .offset = P(size), .def = "16M",
	  .help = "bytes of the shared file each rank maps", .min = 1 << 16, .max = 1ull << 40 },
	{ .name = "writers", .type = FL_OPT_UINT, .offset = P(writers), .def = "1",
	  .help = "ranks 0..N-1 also run a writer thread", .min = 0, .max = 4096 },
	{ .name = "write-size", .type = FL_OPT_SIZE, .offset = P(write_size), .def = "64K",
	  .help = "bytes per write", .min = 1, .max = 1 << 30 },
	{ .name = "inval-rate", .type = FL_OPT_DOUBLE, .offset = P(rate), .def = "2000",
	  .help = "writes per second per writer (0: as fast as possible)", .min = 0, .max = 1e7 },
	{ 0 }
};
#undef P

static int validate(const void *params, const struct fl_mpi_ctx *c, char *err, size_t len)
{
	const struct storm_params *p = params;

	if (p->writers > (uint64_t)c->size) {
		fl_set_err(err, len, "--writers %llu: only %d ranks",
			   (unsigned long long)p->writers, c->size);
		return -EINVAL;
	}
	if (p->write_size > p->size) {
		fl_set_err(err, len, "--write-size is larger than --size");
		return -EINVAL;
	}
	return 0;
}

struct writer {
	pthread_t tid;
	int fd;
	const struct storm_params *p;
	volatile int stop;
	uint64_t writes, seed;
	struct fl_hist *lat;
	int error;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char *buf = malloc(w->p->write_size);
	uint64_t period = w->p->rate > 0 ? (uint64_t)(1e9 / w->p->rate) : 0;
	uint64_t next = fl_mono_ns();

	if (!buf) {
		w->error = ENOMEM;
		return NULL;
	}
	while (!w->stop) {
		uint64_t off, t0, now;

		off = fl_rand(&w->seed) % (w->p->size - w->p->write_size + 1);
		memset(buf, (int)(w->writes & 0xff), w->p->write_size);
		t0 = fl_mono_ns();
		if (pwrite(w->fd, buf, w->p->write_size, (off_t)off) != (ssize_t)w->p->write_size) {
			w->error = errno ? errno : EIO;
			break;
		}
		now = fl_mono_ns();
		fl_hist_record(w->lat, now - t0);
		w->writes++;
		if (!period)
			continue;
		/* Behind schedule: start afresh rather than burst. */
		next = now > next + period ? now : next + period;
		/* Sleep, not poll, so the writer leaves its rank's PU alone. */
		while ((now = fl_mono_ns()) < next && !w->stop) {
			uint64_t step = next - now < 10000000 ? next - now : 10000000;
			struct timespec ts = { .tv_nsec = (long)step };

			nanosleep(&ts, NULL);
		}
	}
	free(buf);
	return NULL;
}

/*
 * This rank's reasons: no touch in its window, a writer that barely
 * wrote (the storm then measures little invalidation), a window a signal
 * cut short.
 */
static void judge(json_t *v, const struct storm_params *p, const struct writer *w,
		  uint64_t touches, double window_s, bool cut)
{
	double rate = w ? (double)w->writes / window_s : 0;

	if (!touches)
		fl_validity_add(v, "rank_idle", "all", "0 touches in its %.2f s window", window_s);
	if (w && !w->writes)
		fl_validity_add(v, "rank_idle", "all", "its writer did 0 writes in the %.2f s window",
				window_s);
	else if (w && (w->writes < FL_VALID_MIN_INVAL_OPS ||
		       (p->rate > 0 && rate < FL_VALID_INVAL_RATE_SHARE * p->rate)))
		fl_validity_add(v, "invalidator_starved", "all",
				"its writer did %llu write%s in %.2f s (%.0f/s); wanted at least %d, and half of --inval-rate %g",
				(unsigned long long)w->writes, w->writes == 1 ? "" : "s", window_s,
				rate, FL_VALID_MIN_INVAL_OPS, p->rate);
	if (cut)
		fl_validity_add(v, "interrupted", "all", "a signal ended its window after %.2f s",
				window_s);
}

static uint64_t faults_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (uint64_t)(ru.ru_minflt + ru.ru_majflt);
}

static int run(const struct fl_mpi_ctx *c, const void *params, json_t *out, char *err,
	       size_t len)
{
	const struct storm_params *p = params;
	long page = sysconf(_SC_PAGESIZE);
	struct writer w = { .fd = -1, .p = p, .seed = 0x9e3779b97f4a7c15ull * (uint64_t)(c->rank + 1) };
	struct fl_hist *lat = NULL;
	uint64_t touches = 0, f0, f1, t0, t1, prev, end, off = 0;
	bool is_writer = (uint64_t)c->rank < p->writers, started = false, cut;
	json_t *v = json_object_get(out, "validity");
	char path[4200];
	uint8_t *map = NULL;
	int fd = -1, ret = 0, code;

	snprintf(path, sizeof(path), "%s/%s", c->dir, FILE_NAME);
	if (c->rank == 0) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)p->size)) {
			ret = -errno;
			fl_set_err(err, len, "create %s: %s", path, strerror(errno));
		}
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (!fl_mpi_any(c, ret != 0)) {
		fd = open(path, O_RDWR);
		if (fd < 0)
			ret = -errno, fl_set_err(err, len, "open %s: %s", path, strerror(errno));
		else if ((map = mmap(NULL, p->size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
			map = NULL, ret = -errno, fl_set_err(err, len, "mmap %s: %s", path, strerror(errno));
		if (!ret && (fl_hist_init(&lat) || (is_writer && fl_hist_init(&w.lat))))
			ret = -ENOMEM, fl_set_err(err, len, "out of memory");
	} else if (!ret) {
		ret = -ECANCELED;
		fl_set_err(err, len, "stopped: rank 0 could not create the file");
	}
	if (fl_mpi_any(c, ret != 0)) {
		if (!ret) {
			ret = -ECANCELED;
			fl_set_err(err, len, "stopped: another rank failed to set up");
		}
		goto out;
	}
	if (is_writer) {
		w.fd = fd;
		started = !pthread_create(&w.tid, NULL, writer_main, &w);
	}
	/* Everyone starts faulting together; the window is each rank's own. */
	MPI_Barrier(c->comm);
	f0 = faults_now();
	t0 = fl_mono_ns();
	prev = fl_clock_ticks();
	/* The window ends at a touch, on time even when one pass is long. */
	end = prev + (uint64_t)(c->duration_s * 1e9 / fl_clock.ns_per_tick);
	while (prev < end && !fl_mpi_stop) {
		uint8_t x;
		uint64_t now;

		if (!fl_sigbus_copy(&x, map + off, 1, &code)) {
			ret = -EFAULT;
			fl_set_err(err, len, "SIGBUS (%s) at %s offset %llu inside EOF",
				   fl_sigbus_code_str(code), path, (unsigned long long)off);
			break;
		}
		now = fl_clock_ticks();
		fl_hist_record(lat, (uint64_t)fl_clock_ns(now - prev));
		prev = now;
		touches++;
		off += (uint64_t)page;
		if (off >= p->size)
			off = 0;
	}
	cut = !ret && prev < end;
	t1 = fl_mono_ns();
	f1 = faults_now();
	if (started) {
		w.stop = 1;
		pthread_join(w.tid, NULL);
		if (w.error && !ret) {
			ret = -w.error;
			fl_set_err(err, len, "pwrite %s: %s", path, strerror(w.error));
		}
	}
	json_object_set_new(out, "role", json_string(is_writer ? "writer" : "faulter"));
	json_object_set_new(out, "window_s", json_real((double)(t1 - t0) / 1e9));
	json_object_set_new(out, "touches", json_integer((json_int_t)touches));
	json_object_set_new(out, "touches_per_sec", json_real((double)touches * 1e9 / (double)(t1 - t0)));
	json_object_set_new(out, "faults", json_integer((json_int_t)(f1 - f0)));
	json_object_set_new(out, "faults_per_sec", json_real((double)(f1 - f0) * 1e9 / (double)(t1 - t0)));
	json_object_set_new(out, "latency_ns", fl_latency_json_ns(lat));
	if (is_writer)
		json_object_set_new(out, "writer", json_pack("{s:I, s:f, s:o}", "writes",
				    (json_int_t)w.writes, "writes_per_sec",
				    (double)w.writes * 1e9 / (double)(t1 - t0),
				    "latency_ns", fl_latency_json_ns(w.lat)));
	json_object_set_new(out, "interrupted", json_boolean(cut));
	judge(v, p, is_writer ? &w : NULL, touches, (double)(t1 - t0) / 1e9, cut);
out:
	json_object_set_new(out, "violations", json_integer(0));
	if (map)
		munmap(map, p->size);
	if (fd >= 0)
		close(fd);
	fl_hist_free(lat);
	fl_hist_free(w.lat);
	MPI_Barrier(c->comm);
	if (c->rank == 0)
		unlink(path);
	return ret;
}

/* Per host and NUMA node: summed rates of its ranks. */
static void totals(json_t *ranks, json_t *doc)
{
	json_t *nodes = json_array(), *r;
	double touches = 0, faults = 0, writes = 0;
	size_t i;

	json_array_foreach(ranks, i, r) {
		double tps = json_number_value(json_object_get(r, "touches_per_sec"));
		double fps = json_number_value(json_object_get(r, "faults_per_sec"));
		double p99 = json_number_value(json_object_get(json_object_get(r, "latency_ns"), "p99"));
		json_t *n = fl_mpi_node_of(nodes, r, (int)i);

		json_object_set_new(n, "touches_per_sec", json_real(tps +
				    json_number_value(json_object_get(n, "touches_per_sec"))));
		json_object_set_new(n, "faults_per_sec", json_real(fps +
				    json_number_value(json_object_get(n, "faults_per_sec"))));
		if (p99 > json_number_value(json_object_get(n, "latency_p99_ns_max")))
			json_object_set_new(n, "latency_p99_ns_max", json_real(p99));
		touches += tps;
		faults += fps;
		writes += json_number_value(json_object_get(json_object_get(r, "writer"),
							    "writes_per_sec"));
	}
	json_object_set_new(doc, "totals", json_pack("{s:f, s:f, s:f}", "touches_per_sec",
			    touches, "faults_per_sec", faults, "writes_per_sec", writes));
	json_object_set_new(doc, "nodes", nodes);
}

const struct fl_mpi_workload mpi_faultstorm = {
	.name = "mpi-faultstorm",
	.summary = "all ranks fault over a shared file while writer ranks rewrite it",
	.options = storm_options,
	.params_size = sizeof(struct storm_params),
	.validate = validate,
	.run = run,
	.totals = totals,
	.shared_pu_spoils = "all",
};
