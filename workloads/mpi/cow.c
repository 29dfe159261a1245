// SPDX-License-Identifier: GPL-2.0
/*
 * mpi-cow: MAP_PRIVATE pages across a write from another host (seed 004,
 * Daniel Phillips: private pages must survive a remote invalidation).
 * Every rank but 0 maps the file private, reads it all and COWs its even
 * pages with a marker of its own. Per pass rank 0, from its own host,
 * writes the whole file at a new generation (write + fsync: the cluster
 * filesystem revokes the others' cache). After a barrier each mapper must
 * see its COWed pages exactly as it stored them (a lost marker otherwise:
 * the invalidation zapped private data) and every page it never COWed at
 * the new generation (incoherent otherwise: a stale page stayed mapped).
 * On NFS it reopens and maps afresh first, as close-to-open asks; under
 * nocto a stale page is counted as allowed (coherence.h's promises).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/sigbus.h"
#include "base/validity.h"
#include "integrity/coherence.h"
#include "mpi/mpi_workload.h"

#define FILE_NAME "mpi-cow.dat"
#define DETAILS_PER_RANK 20
/* A marker's generation: far above any pass's, and the rank's own. */
#define MARKER_GEN(rank) ((1ull << 40) + (uint64_t)(rank))

struct cow_params {
	uint64_t pages, passes;
	int promise;
};

#define P(f) offsetof(struct cow_params, f)
static const struct fl_option cow_options[] = {
	{ .name = "pages", .type = FL_OPT_UINT, .offset = P(pages), .def = "64",
	  .help = "pages in the file; the even ones are COWed", .min = 2, .max = 1 << 20 },
	{ .name = "passes", .type = FL_OPT_UINT, .offset = P(passes), .def = "16",
	  .help = "remote writes, each followed by every mapper's check", .min = 1, .max = 1000000 },
	{ .name = "promise", .type = FL_OPT_ENUM, .offset = P(promise), .def = "auto",
	  .choices = fl_coh_promise_choices,
	  .help = "what the filesystem promises a mapping: auto reads the mount (NFS: "
		  "close-to-open, nocto: none); forcing it is for tests" },
	{ 0 }
};
#undef P

struct cow_rank {
	const struct fl_mpi_ctx *c;
	const struct cow_params *p;
	enum fl_coh_promise promise;
	char promise_why[256];
	char path[4200];
	uint64_t ps, map_len;
	uint8_t *map, *page;
	uint64_t checked, lost_markers, incoherent, stale_allowed;
	json_t *details;
};

static int validate(const void *params, const struct fl_mpi_ctx *c, char *err, size_t len)
{
	(void)params;
	if (c->size < 2) {
		fl_set_err(err, len, "needs at least 2 ranks (rank 0 writes, the others map private)");
		return -EINVAL;
	}
	return 0;
}

/* Rank 0: the whole file at generation @gen, on stable storage. */
static int write_file(struct cow_rank *s, uint64_t gen, int flags, char *err, size_t len)
{
	int fd = open(s->path, O_WRONLY | O_NOFOLLOW | flags, 0644), ret = 0;

	if (fd < 0) {
		fl_set_err(err, len, "open %s: %s", s->path, strerror(errno));
		return -errno;
	}
	for (uint64_t pg = 0; pg < s->p->pages && !ret; pg++) {
		fl_coh_fill(s->page, pg, gen, s->ps);
		if (pwrite(fd, s->page, s->ps, (off_t)(pg * s->ps)) != (ssize_t)s->ps) {
			ret = errno ? -errno : -EIO;
			fl_set_err(err, len, "write %s page %llu: %s", s->path,
				   (unsigned long long)pg, strerror(-ret));
		}
	}
	if (!ret && fsync(fd)) {
		ret = -errno;
		fl_set_err(err, len, "fsync %s: %s", s->path, strerror(errno));
	}
	close(fd);
	return ret;
}

/* A mapper: the file private, read whole, its even pages COWed. */
static int map_private(struct cow_rank *s, char *err, size_t len)
{
	int fd = open(s->path, O_RDONLY), code;

	if (fd < 0) {
		fl_set_err(err, len, "open %s: %s", s->path, strerror(errno));
		return -errno;
	}
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		fl_set_err(err, len, "mmap %s private: %s", s->path, strerror(errno));
		return -errno;
	}
	for (uint64_t pg = 0; pg < s->p->pages; pg++) {
		if (!fl_sigbus_copy(s->page, s->map + pg * s->ps, s->ps, &code)) {
			fl_set_err(err, len, "SIGBUS (%s) reading page %llu", fl_sigbus_code_str(code),
				   (unsigned long long)pg);
			return -EFAULT;
		}
		if (pg % 2 == 0) {
			fl_coh_fill(s->page, pg, MARKER_GEN(s->c->rank), s->ps);
			memcpy(s->map + pg * s->ps, s->page, s->ps);
		}
	}
	return 0;
}

static void report(struct cow_rank *s, const char *kind, uint64_t pass, uint64_t pg,
		   uint64_t want, const struct fl_coh_seen *seen)
{
	if (json_array_size(s->details) < DETAILS_PER_RANK)
		json_array_append_new(s->details, json_pack("{s:s, s:i, s:I, s:I, s:I, s:I}",
				      "kind", kind, "rank", s->c->rank, "pass", (json_int_t)pass,
				      "page", (json_int_t)pg, "expected_gen", (json_int_t)want,
				      "observed_gen", (json_int_t)seen->gen));
}

/* A mapper after pass @pass's write: COWs kept, the rest at the new generation. */
static int check(struct cow_rank *s, uint64_t pass, char *err, size_t len)
{
	uint64_t gen = fl_coh_pass_gen(pass);
	struct fl_coh_seen seen;
	int ret = fl_coh_reopen(s->promise, s->path, s->map_len, err, len), code;

	for (uint64_t pg = 0; pg < s->p->pages && !ret; pg++) {
		bool cowed = pg % 2 == 0;
		uint64_t want = cowed ? MARKER_GEN(s->c->rank) : gen;

		if (!fl_sigbus_copy(s->page, s->map + pg * s->ps, s->ps, &code)) {
			fl_set_err(err, len, "SIGBUS (%s) reading page %llu", fl_sigbus_code_str(code),
				   (unsigned long long)pg);
			return -EFAULT;
		}
		s->checked++;
		if (fl_coh_verify(s->page, pg, want, s->ps, &seen))
			continue;
		if (cowed) {
			s->lost_markers++;
			report(s, "lost_marker", pass, pg, want, &seen);
		} else if (s->promise == FL_COH_NONE) {
			s->stale_allowed++;
		} else {
			s->incoherent++;
			report(s, "incoherent", pass, pg, want, &seen);
		}
	}
	return ret;
}

static int run(const struct fl_mpi_ctx *c, const void *params, json_t *out, char *err,
	       size_t len)
{
	const struct cow_params *p = params;
	struct cow_rank s = { .c = c, .p = p, .details = json_array() };
	json_t *v = json_object_get(out, "validity");
	int ret = 0, stopped = 0;
	uint64_t pass = 0;

	s.ps = (uint64_t)sysconf(_SC_PAGESIZE);
	s.map_len = p->pages * s.ps;
	snprintf(s.path, sizeof(s.path), "%s/%s", c->dir, FILE_NAME);
	s.page = malloc(s.ps);
	if (!s.page) {
		fl_set_err(err, len, "out of memory");
		ret = -ENOMEM;
	}
	if (c->rank == 0 && !ret)
		ret = write_file(&s, 1, O_CREAT | O_TRUNC, err, len);
	if (!fl_mpi_any(c, ret != 0) && c->rank != 0) {
		s.promise = fl_mpi_promise(c->dir, p->promise, s.promise_why, sizeof(s.promise_why));
		ret = map_private(&s, err, len);
	}
	if (fl_mpi_any(c, ret != 0)) {
		ret = ret ? ret : -ECANCELED;
		goto out;
	}
	stopped = fl_mpi_any(c, fl_mpi_stop);
	for (pass = 0; pass < p->passes && !stopped; pass++) {
		if (c->rank == 0)
			ret = write_file(&s, fl_coh_pass_gen(pass), 0, err, len);
		MPI_Barrier(c->comm);
		if (c->rank != 0 && !ret)
			ret = check(&s, pass, err, len);
		if (fl_mpi_any(c, ret != 0))
			break;
		stopped = fl_mpi_any(c, fl_mpi_stop);
	}
	if (stopped && pass < p->passes)
		fl_validity_add(v, "interrupted", "all", "a signal stopped it after %llu of %llu passes",
				(unsigned long long)pass, (unsigned long long)p->passes);
out:
	if (c->rank != 0 && !s.checked)
		fl_validity_add(v, "rank_idle", "all", "it checked no page (%llu passes)",
				(unsigned long long)pass);
	json_object_set_new(out, "interrupted", json_boolean(stopped && pass < p->passes));
	json_object_set_new(out, "passes", json_integer((json_int_t)pass));
	json_object_set_new(out, "role", json_string(c->rank == 0 ? "writer" : "mapper"));
	json_object_set_new(out, "pages_checked", json_integer((json_int_t)s.checked));
	json_object_set_new(out, "lost_markers", json_integer((json_int_t)s.lost_markers));
	json_object_set_new(out, "incoherent", json_integer((json_int_t)s.incoherent));
	json_object_set_new(out, "violations", json_integer((json_int_t)(s.lost_markers + s.incoherent)));
	json_object_set_new(out, "stale_allowed", json_integer((json_int_t)s.stale_allowed));
	if (c->rank != 0)
		json_object_set_new(out, "promise", json_pack("{s:s, s:s}", "model",
				    fl_coh_promise_name(s.promise), "why", s.promise_why));
	json_object_set_new(out, "details", s.details);
	if (s.map)
		munmap(s.map, s.map_len);
	MPI_Barrier(c->comm);
	if (c->rank == 0)
		unlink(s.path);
	free(s.page);
	if (ret == -ECANCELED && !err[0])
		fl_set_err(err, len, "stopped: another rank failed");
	return ret;
}

/* Per host and NUMA node: ranks, pages checked, what they found. */
static void totals(json_t *ranks, json_t *doc)
{
	json_t *nodes = json_array(), *r;
	json_int_t passes = 0, checked = 0;
	size_t i;

	json_array_foreach(ranks, i, r) {
		json_t *n = fl_mpi_node_of(nodes, r, (int)i);

		fl_mpi_node_add(n, r, "pages_checked");
		fl_mpi_node_add(n, r, "lost_markers");
		fl_mpi_node_add(n, r, "incoherent");
		fl_mpi_node_add(n, r, "stale_allowed");
		if (json_integer_value(json_object_get(r, "passes")) > passes)
			passes = json_integer_value(json_object_get(r, "passes"));
		checked += json_integer_value(json_object_get(r, "pages_checked"));
	}
	json_object_set_new(doc, "totals", json_pack("{s:I, s:I}", "passes", passes,
			    "pages_checked", checked));
	json_object_set_new(doc, "nodes", nodes);
}

const struct fl_mpi_workload mpi_cow = {
	.name = "mpi-cow",
	.summary = "rank 0 writes from its host; the others' COWed private pages must survive, the rest refresh",
	.options = cow_options,
	.params_size = sizeof(struct cow_params),
	.validate = validate,
	.run = run,
	.totals = totals,
	/* Its verdict is integrity alone: no figure to spoil. */
	.shared_pu_spoils = NULL,
};
