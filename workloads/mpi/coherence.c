// SPDX-License-Identifier: GPL-2.0
/*
 * mpi-coherence: the rotating-writer test of a shared mapped file across
 * ranks (the remote_coherence check; harness/integrity/coherence.h has the rules).
 * Per pass one rank writes all its blocks (through its mapping + msync, or
 * with pwrite), all ranks meet at a barrier, and every other rank verifies
 * the whole file through its own mapping, timing barrier-to-verified.
 * With clusterfs each rank has its own mount and page cache, so the reads
 * after the barrier see the writer's data only if the filesystem unmapped
 * and dropped the readers' stale pages.
 * Each rank judges by what its mount promises (fl_coh_promise_of). On NFS
 * it follows close-to-open: its kept mapping is read-only, a writer opens
 * and maps for writing only for its turn, and a reader opens and maps
 * afresh before it verifies through the kept mapping, so a page left
 * mapped stale is a violation (seed 001's race). Under nocto a stale read
 * is counted as allowed, never as a violation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/hist.h"
#include "base/latency_json.h"
#include "base/sigbus.h"
#include "base/validity.h"
#include "integrity/coherence.h"
#include "mpi/mpi_workload.h"

#define FILE_NAME "mpi-coherence.dat"
#define DETAILS_PER_RANK 20

enum { WRITE_MMAP, WRITE_PWRITE };
enum { START_FULL, START_HOLES };

struct coh_params {
	uint64_t size, block, passes;
	int write, start, promise;
	bool prefault;
};

static const char *const write_names[] = { "mmap", "write", NULL };
static const char *const start_names[] = { "full", "holes", NULL };

#define P(f) offsetof(struct coh_params, f)
static const struct fl_option coh_options[] = {
	{ .name = "size", .type = FL_OPT_SIZE, .offset = P(size), .def = "1000000",
	  .help = "file bytes (unaligned by default: the last page is partly beyond EOF)",
	  .min = FL_COH_MIN_BLOCK, .max = 1ull << 36 },
	{ .name = "block", .type = FL_OPT_SIZE, .offset = P(block), .def = "1000",
	  .help = "bytes per block; not a divisor of the page size, so ranks share pages",
	  .min = FL_COH_MIN_BLOCK, .max = 1ull << 30 },
	{ .name = "passes", .type = FL_OPT_UINT, .offset = P(passes), .def = "64",
	  .help = "writer turns; the writer rotates over ranks", .min = 1, .max = 1000000 },
	{ .name = "write", .type = FL_OPT_ENUM, .offset = P(write), .def = "mmap",
	  .choices = write_names,
	  .help = "how the writer writes: stores through its mapping + msync, or pwrite" },
	{ .name = "start", .type = FL_OPT_ENUM, .offset = P(start), .def = "full",
	  .choices = start_names, .help = "the file starts written, or as holes" },
	{ .name = "prefault", .type = FL_OPT_BOOL, .offset = P(prefault), .def = "true",
	  .help = "every rank faults the whole file in first (stale pages are mapped)" },
	{ .name = "promise", .type = FL_OPT_ENUM, .offset = P(promise), .def = "auto",
	  .choices = fl_coh_promise_choices,
	  .help = "what the filesystem promises a mapping: auto reads the mount (NFS: "
		  "close-to-open, nocto: none); forcing it is for tests" },
	{ 0 }
};
#undef P

static int validate(const void *params, const struct fl_mpi_ctx *c, char *err, size_t len)
{
	const struct coh_params *p = params;

	if (c->size < 2) {
		fl_set_err(err, len, "needs at least 2 ranks (one writes, the others verify)");
		return -EINVAL;
	}
	if (p->block > p->size) {
		fl_set_err(err, len, "--block %llu is larger than --size %llu",
			   (unsigned long long)p->block, (unsigned long long)p->size);
		return -EINVAL;
	}
	return 0;
}

/* Rank 0 makes the file: holes, or every block at generation 1. */
static int create_file(const char *path, const struct fl_coh_layout *l, char *err,
		       size_t len)
{
	uint64_t nr = fl_coh_nr_blocks(l);
	char *buf = malloc(l->block);
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (fd < 0 || !buf || ftruncate(fd, (off_t)l->size)) {
		ret = -errno;
		fl_set_err(err, len, "create %s: %s", path, strerror(errno));
		goto out;
	}
	/* A stop ends the filling early: no pass will read the file. */
	for (uint64_t b = 0; l->prefilled && b < nr && !ret && !fl_mpi_stop; b++) {
		uint64_t n = fl_coh_block_len(l, b);

		fl_coh_fill(buf, b, 1, n);
		if (pwrite(fd, buf, n, (off_t)(b * l->block)) != (ssize_t)n) {
			ret = errno ? -errno : -EIO;
			fl_set_err(err, len, "write %s block %llu: %s", path,
				   (unsigned long long)b, strerror(-ret));
		}
	}
	if (!ret && fsync(fd)) {
		ret = -errno;
		fl_set_err(err, len, "fsync %s: %s", path, strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

struct rank_state {
	const struct fl_mpi_ctx *c;
	const struct coh_params *p;
	struct fl_coh_layout l;
	enum fl_coh_promise promise;
	char promise_why[256];
	const char *path;
	int fd;
	uint8_t *map;
	uint64_t map_len;
	char *buf;
	struct fl_hist *verify_ns, *write_ns;
	uint64_t violations, stale_allowed, verified, writes;
	json_t *details;
};

/* The writer's own open and mmap of @s's file, for its turn only. */
static int open_for_turn(struct rank_state *s, int *fd, uint8_t **map, char *err, size_t len)
{
	*fd = open(s->path, O_RDWR);
	if (*fd < 0) {
		fl_set_err(err, len, "reopen %s: %s", s->path, strerror(errno));
		return -errno;
	}
	*map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (*map == MAP_FAILED) {
		fl_set_err(err, len, "mmap %s again: %s", s->path, strerror(errno));
		close(*fd);
		return -EIO;
	}
	return 0;
}

static void unmap(struct rank_state *s, int fd, uint8_t *map)
{
	munmap(map, s->map_len);
	close(fd);
}

/*
 * The writer's turn. Under close-to-open it opens for writing only for the
 * turn, and closes: NFS keeps the cache of a file open for writing, taking
 * others' changes for its own, and a stale neighbour in a shared page
 * would go back with its blocks.
 */
static int write_blocks(struct rank_state *s, uint64_t pass, char *err, size_t len)
{
	uint64_t nr = fl_coh_nr_blocks(&s->l), gen = fl_coh_pass_gen(pass);
	uint64_t t0 = fl_mono_ns();
	uint8_t *map = s->map;
	int code, fd = s->fd, ret = 0;

	if (s->promise != FL_COH_MMAP && (ret = open_for_turn(s, &fd, &map, err, len)))
		return ret;
	for (uint64_t b = s->c->rank; b < nr && !ret; b += s->l.writers) {
		uint64_t n = fl_coh_block_len(&s->l, b), off = b * s->l.block;

		fl_coh_fill(s->buf, b, gen, n);
		if (s->p->write == WRITE_PWRITE) {
			if (pwrite(fd, s->buf, n, (off_t)off) != (ssize_t)n) {
				ret = errno ? -errno : -EIO;
				fl_set_err(err, len, "pwrite block %llu: %s",
					   (unsigned long long)b, strerror(-ret));
			}
		} else if (!fl_sigbus_store(map + off, s->buf, n, &code)) {
			ret = -EFAULT;
			fl_set_err(err, len, "SIGBUS (%s) storing block %llu through the mapping",
				   fl_sigbus_code_str(code), (unsigned long long)b);
		}
	}
	/* The data must have reached the filesystem before the barrier. */
	if (!ret && s->p->write == WRITE_MMAP && msync(map, s->map_len, MS_SYNC)) {
		ret = -errno;
		fl_set_err(err, len, "msync: %s", strerror(errno));
	}
	if (s->promise != FL_COH_MMAP)
		unmap(s, fd, map);
	if (ret)
		return ret;
	fl_hist_record(s->write_ns, fl_mono_ns() - t0);
	s->writes++;
	return 0;
}

static void violation(struct rank_state *s, uint64_t pass, uint64_t b, uint64_t want,
		      const struct fl_coh_seen *seen)
{
	if (s->promise == FL_COH_NONE) {
		s->stale_allowed++;
		return;
	}
	s->violations++;
	if (json_array_size(s->details) >= DETAILS_PER_RANK)
		return;
	json_array_append_new(s->details, json_pack("{s:i, s:I, s:i, s:I, s:I, s:I, s:I}",
			      "rank", s->c->rank, "pass", (json_int_t)pass,
			      "writer", (int)(pass % s->l.writers), "block", (json_int_t)b,
			      "expected_gen", (json_int_t)want, "observed_gen", (json_int_t)seen->gen,
			      "first_bad_byte", (json_int_t)(b * s->l.block + seen->first_bad)));
}

static int verify_file(struct rank_state *s, uint64_t pass, char *err, size_t len)
{
	uint64_t nr = fl_coh_nr_blocks(&s->l), t0 = fl_mono_ns();
	struct fl_coh_seen seen;
	int code, ret = fl_coh_reopen(s->promise, s->path, s->map_len, err, len);

	if (ret)
		return ret;
	for (uint64_t b = 0; b < nr; b++) {
		uint64_t n = fl_coh_block_len(&s->l, b);
		uint64_t want = fl_coh_expected(&s->l, b, pass + 1);

		if (!fl_sigbus_copy(s->buf, s->map + b * s->l.block, n, &code)) {
			fl_set_err(err, len, "SIGBUS (%s) reading block %llu inside EOF",
				   fl_sigbus_code_str(code), (unsigned long long)b);
			return -EFAULT;
		}
		if (!fl_coh_verify(s->buf, b, want, n, &seen))
			violation(s, pass, b, want, &seen);
		s->verified++;
	}
	fl_hist_record(s->verify_ns, fl_mono_ns() - t0);
	return 0;
}

static int setup(struct rank_state *s, const char *path, char *err, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	s->promise = fl_mpi_promise(s->c->dir, s->p->promise, s->promise_why,
				    sizeof(s->promise_why));
	s->path = path;
	/* Under close-to-open the mapping kept is read-only: see write_blocks(). */
	s->fd = open(path, s->promise == FL_COH_MMAP ? O_RDWR : O_RDONLY);
	if (s->fd < 0) {
		fl_set_err(err, len, "open %s: %s", path, strerror(errno));
		return -errno;
	}
	s->map_len = (s->l.size + (uint64_t)page - 1) / (uint64_t)page * (uint64_t)page;
	s->map = mmap(NULL, s->map_len,
		      s->promise == FL_COH_MMAP ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
		      s->fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		fl_set_err(err, len, "mmap %s: %s", path, strerror(errno));
		return -errno;
	}
	if (s->p->prefault)
		for (uint64_t off = 0; off < s->l.size && !fl_mpi_stop; off += (uint64_t)page) {
			int code;
			uint8_t x;

			if (!fl_sigbus_copy(&x, s->map + off, 1, &code)) {
				fl_set_err(err, len, "SIGBUS (%s) prefaulting %s at %llu",
					   fl_sigbus_code_str(code), path, (unsigned long long)off);
				return -EFAULT;
			}
		}
	return 0;
}

static int run(const struct fl_mpi_ctx *c, const void *params, json_t *out, char *err,
	       size_t len)
{
	const struct coh_params *p = params;
	struct rank_state s = {
		.c = c, .p = p, .fd = -1, .details = json_array(),
		.l = { .size = p->size, .block = p->block, .writers = (uint32_t)c->size,
		       .prefilled = p->start == START_FULL },
	};
	char path[4200];
	int ret = 0, stopped = 0;
	uint64_t pass = 0;
	json_t *v = json_object_get(out, "validity");

	snprintf(path, sizeof(path), "%s/%s", c->dir, FILE_NAME);
	s.buf = malloc(p->block);
	if (!s.buf || fl_hist_init(&s.verify_ns) || fl_hist_init(&s.write_ns)) {
		fl_set_err(err, len, "out of memory");
		ret = -ENOMEM;
	}
	if (c->rank == 0 && !ret)
		ret = create_file(path, &s.l, err, len);
	/* Everyone opens only once the file exists, through its own mount. */
	if (!fl_mpi_any(c, ret != 0) && !ret)
		ret = setup(&s, path, err, len);
	if (fl_mpi_any(c, ret != 0)) {
		if (!ret)
			fl_set_err(err, len, "another rank failed to set up");
		ret = ret ? ret : -ECANCELED;
		goto out;
	}
	/* A stop request ends the passes on every rank after the same pass. */
	stopped = fl_mpi_any(c, fl_mpi_stop);
	for (pass = 0; pass < p->passes && !stopped; pass++) {
		int writer = (int)(pass % (uint64_t)c->size);

		if (c->rank == writer && !ret)
			ret = write_blocks(&s, pass, err, len);
		MPI_Barrier(c->comm);
		if (c->rank != writer && !ret)
			ret = verify_file(&s, pass, err, len);
		/* Next writer only once every reader is done; stop together. */
		if (fl_mpi_any(c, ret != 0))
			break;
		stopped = fl_mpi_any(c, fl_mpi_stop);
	}
	if (stopped && pass < p->passes)
		fl_validity_add(v, "interrupted", "all", "a signal stopped it after %llu of %llu passes",
				(unsigned long long)pass, (unsigned long long)p->passes);
out:
	/* Its unit of work: a turn as the writer, or a verified block. */
	if (!s.writes && !s.verified)
		fl_validity_add(v, "rank_idle", "all",
				"it neither wrote nor verified a block (%llu passes)",
				(unsigned long long)pass);
	json_object_set_new(out, "interrupted", json_boolean(stopped && pass < p->passes));
	json_object_set_new(out, "passes", json_integer((json_int_t)pass));
	json_object_set_new(out, "blocks_verified", json_integer((json_int_t)s.verified));
	json_object_set_new(out, "violations", json_integer((json_int_t)s.violations));
	json_object_set_new(out, "stale_allowed", json_integer((json_int_t)s.stale_allowed));
	json_object_set_new(out, "promise", json_pack("{s:s, s:s}", "model",
			    fl_coh_promise_name(s.promise), "why", s.promise_why));
	json_object_set_new(out, "details", s.details);
	json_object_set_new(out, "verify_ns", fl_latency_json_ns(s.verify_ns));
	json_object_set_new(out, "write_ns", fl_latency_json_ns(s.write_ns));
	if (s.map)
		munmap(s.map, s.map_len);
	if (s.fd >= 0)
		close(s.fd);
	MPI_Barrier(c->comm);
	if (c->rank == 0)
		unlink(path);
	fl_hist_free(s.verify_ns);
	fl_hist_free(s.write_ns);
	free(s.buf);
	if (ret == -ECANCELED && !err[0])
		fl_set_err(err, len, "stopped: another rank failed");
	return ret;
}

/* Per host and NUMA node: ranks, violations, the worst verify p99. */
static void totals(json_t *ranks, json_t *doc)
{
	json_t *nodes = json_array(), *r;
	json_int_t passes = 0, verified = 0;
	size_t i;

	json_array_foreach(ranks, i, r) {
		json_t *n = fl_mpi_node_of(nodes, r, (int)i), *x;

		fl_mpi_node_add(n, r, "blocks_verified");
		fl_mpi_node_add(n, r, "violations");
		fl_mpi_node_add(n, r, "stale_allowed");
		x = json_object_get(json_object_get(r, "verify_ns"), "p99");
		if (json_integer_value(x) >= json_integer_value(json_object_get(n, "verify_p99_ns_max")))
			json_object_set(n, "verify_p99_ns_max", x);
		if (json_integer_value(json_object_get(r, "passes")) > passes)
			passes = json_integer_value(json_object_get(r, "passes"));
		verified += json_integer_value(json_object_get(r, "blocks_verified"));
	}
	json_object_set_new(doc, "totals", json_pack("{s:I, s:I}", "passes", passes,
			    "blocks_verified", verified));
	json_object_set_new(doc, "nodes", nodes);
}

const struct fl_mpi_workload mpi_coherence = {
	.name = "mpi-coherence",
	.summary = "rotating writer, every other rank verifies the whole file through its mapping",
	.options = coh_options,
	.params_size = sizeof(struct coh_params),
	.validate = validate,
	.run = run,
	.totals = totals,
	/* Sharing a PU delays verification; the integrity verdict holds. */
	.shared_pu_spoils = "latency",
};
