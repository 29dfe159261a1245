// SPDX-License-Identifier: GPL-2.0
/*
 * fault: each actor maps its region, touches every page once, and releases
 * it (munmap, MADV_DONTNEED, or not at all). With the defaults this is
 * will-it-scale's loop; see the README for page_fault1/2/3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/rand.h"
#include "integrity/oracle_io.h"
#include "inval/fileset.h"
#include "run/touch.h"
#include "run/workload.h"

enum fault_map { MAP_KIND_SHARED, MAP_KIND_PRIVATE, MAP_KIND_ANON };
enum fault_access { ACCESS_READ, ACCESS_WRITE };
enum fault_pattern { PATTERN_SEQ, PATTERN_RAND };
enum fault_unmap { UNMAP_MUNMAP, UNMAP_DONTNEED, UNMAP_NEVER };
enum fault_file { FILE_PER_ACTOR, FILE_SHARED };
enum fault_thp { THP_INHERIT, THP_OFF, THP_ON };

struct fault_params {
	int map;
	int access;
	int pattern;
	int unmap;
	int file;
	int thp;
	uint64_t size;
	int invalidator;	/* enum fl_inval_kind */
	double inval_rate;
	bool verify;
};

static const char *const map_choices[] = { "shared", "private", "anon", NULL };
static const char *const access_choices[] = { "read", "write", NULL };
static const char *const pattern_choices[] = { "seq", "rand", NULL };
static const char *const unmap_choices[] = { "munmap", "dontneed", "never", NULL };
static const char *const file_choices[] = { "per-actor", "shared", NULL };
static const char *const thp_choices[] = { "inherit", "off", "on", NULL };

#define P(f) offsetof(struct fault_params, f)

static const struct fl_option fault_options[] = {
	{ .name = "map", .type = FL_OPT_ENUM, .offset = P(map), .def = "shared",
	  .choices = map_choices,
	  .help = "MAP_SHARED file, MAP_PRIVATE file, or anonymous memory" },
	{ .name = "access", .type = FL_OPT_ENUM, .offset = P(access),
	  .def = "write", .choices = access_choices,
	  .help = "how each page is touched" },
	{ .name = "pattern", .type = FL_OPT_ENUM, .offset = P(pattern),
	  .def = "seq", .choices = pattern_choices,
	  .help = "page order: sequential, or a fixed random permutation per actor" },
	{ .name = "unmap", .type = FL_OPT_ENUM, .offset = P(unmap),
	  .def = "munmap", .choices = unmap_choices,
	  .help = "after each pass: munmap and map again, MADV_DONTNEED, or keep the mapping" },
	{ .name = "file", .type = FL_OPT_ENUM, .offset = P(file),
	  .def = "per-actor", .choices = file_choices,
	  .help = "one file per actor, or one file every actor maps whole" },
	{ .name = "thp", .type = FL_OPT_ENUM, .offset = P(thp),
	  .def = "inherit", .choices = thp_choices,
	  .help = "transparent huge pages: system setting, MADV_NOHUGEPAGE or MADV_HUGEPAGE" },
	{ .name = "size", .type = FL_OPT_SIZE, .offset = P(size),
	  .def = "128M", .help = "bytes mapped by each actor", .min = 4096,
	  .max = 1ull << 46 },
	{ .name = "invalidator", .type = FL_OPT_ENUM, .offset = P(invalidator),
	  .def = "none", .choices = fl_inval_kind_names,
	  .help = "one more actor that invalidates the faulters' files (see README)" },
	{ .name = "verify", .type = FL_OPT_BOOL, .offset = P(verify),
	  .def = "true",
	  .help = "read pages whole and judge them with the integrity oracle (file maps with --access read; --no-verify for pure speed)" },
	{ .name = "inval-rate", .type = FL_OPT_DOUBLE, .offset = P(inval_rate),
	  .def = "0", .arg = "OPS/S", .min = 0, .max = 1e7,
	  .help = "invalidator ops per second (0: back to back)" },
	{ 0 }
};

struct fault_run {
	const char *why_not_verified;	/* NULL when pages are verified */
	struct fl_fileset *files;	/* NULL for anonymous memory */
	int nr_fds;
	const int *fds;			/* one per actor, or one shared */
	struct fl_oracle *oracle;
	struct fl_ofile **ofiles;	/* per file, when verified */
	uint32_t *file_ids;
};

struct fault_actor {
	int file;		/* index into the run's files */
	int fd;
	char *addr;		/* current mapping, NULL when unmapped */
	size_t nr_pages;
	uint32_t *order;	/* random page order, NULL for seq */
	uint64_t pass_ops;	/* the actor's op count when this pass began */
};

static int fault_validate(const void *params, char *err, size_t len)
{
	const struct fault_params *p = params;
	long page = sysconf(_SC_PAGESIZE);

	if (p->size % (uint64_t)page) {
		fl_set_err(err, len, "--size %llu: not a multiple of the page size (%ld)",
			   (unsigned long long)p->size, page);
		return -EINVAL;
	}
	if (p->size / (uint64_t)page > UINT32_MAX) {
		fl_set_err(err, len, "--size %llu: too many pages",
			   (unsigned long long)p->size);
		return -EINVAL;
	}
	if (p->map == MAP_KIND_ANON && (fl_inval_flags(p->invalidator) & FL_INVAL_FILES)) {
		fl_set_err(err, len, "--invalidator %s needs a file mapping (--map shared or private)",
			   fl_inval_kind_names[p->invalidator]);
		return -EINVAL;
	}
	if (p->map == MAP_KIND_ANON && p->file == FILE_SHARED) {
		fl_set_err(err, len, "--file shared needs a file mapping (--map shared or private)");
		return -EINVAL;
	}
	return 0;
}

static void fault_teardown(struct fl_run_ctx *run);

/* Why pages cannot be verified with these params, or NULL. */
static const char *why_not_verified(const struct fault_params *p,
				    uint64_t page_size)
{
	if (!p->verify)
		return "--no-verify";
	if (p->map == MAP_KIND_ANON)
		return "anonymous memory has no file to verify";
	if (p->access == ACCESS_WRITE)
		return "write touches change the pages (use --access read to verify)";
	if (page_size != FL_STAMP_SIZE)
		return "stamps are 4 KiB and pages are not";
	return NULL;
}

/* Stamp every block of every file and keep an oracle of them. */
static int verify_setup(struct fl_run_ctx *run, struct fault_run *fr, char *err,
			size_t len)
{
	const struct fault_params *p = run->params;
	uint64_t nr_blocks = p->size / FL_STAMP_SIZE;
	int ret;

	fr->why_not_verified = why_not_verified(p, run->page_size);
	if (fr->why_not_verified)
		return 0;
	fr->ofiles = calloc((size_t)fr->nr_fds, sizeof(*fr->ofiles));
	fr->file_ids = calloc((size_t)fr->nr_fds, sizeof(*fr->file_ids));
	ret = fr->ofiles && fr->file_ids ? 0 : -ENOMEM;
	/* Actors that are processes judge into one oracle in shared memory. */
	if (!ret)
		ret = (run->opts->mode == FL_MODE_PROCESSES ? fl_oracle_init_shared :
		       fl_oracle_init)(&fr->oracle, (uint32_t)run->nr_actors,
				       (uint32_t)run->page_size);
	for (int i = 0; i < fr->nr_fds && !ret; i++) {
		fr->file_ids[i] = (uint32_t)i + 1;
		ret = fl_oracle_file_init(&fr->ofiles[i], fr->oracle, fr->file_ids[i],
					  nr_blocks, p->size);
		if (!ret)
			ret = fl_oracle_fill(fr->ofiles[i], fr->fds[i], fr->file_ids[i],
					     0, nr_blocks, err, len);
	}
	if (ret == -ENOMEM)
		fl_set_err(err, len, "verification: out of memory");
	return ret;
}

static json_t *fault_integrity(struct fl_run_ctx *run)
{
	const struct fault_run *fr = run->state;
	json_t *o;

	if (!fr || fr->why_not_verified)
		return json_pack("{s:b, s:s}", "verified", false, "why_not",
				 fr ? fr->why_not_verified : "no files");
	o = fl_oracle_json(fr->oracle);
	if (o)
		json_object_set_new(o, "verified", json_true());
	return o;
}

static int fault_setup(struct fl_run_ctx *run, char *err, size_t len)
{
	const struct fault_params *p = run->params;
	struct fault_run *fr;
	int nr, ret;

	nr = p->map == MAP_KIND_ANON ? 0 :
	     p->file == FILE_SHARED ? 1 : run->nr_faulters;
	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return -ENOMEM;
	run->state = fr;
	if (nr) {
		ret = fl_fileset_create(&fr->files, run->dir, "faultline-fault",
					p->invalidator, nr, p->size, err, len);
		if (ret) {
			fault_teardown(run);
			return ret;
		}
		fr->nr_fds = fl_fileset_count(fr->files);
		fr->fds = fl_fileset_fds(fr->files);
	}
	run->sigbus_expected = run->nr_invalidators &&
			       (fl_inval_flags(p->invalidator) & FL_INVAL_SHRINKS);
	ret = verify_setup(run, fr, err, len);
	/*
	 * Verified files are written whole already; others are written the
	 * way the invalidator refills them, so that the baseline and the
	 * invalidator run start from the same page cache (and its folio
	 * sizes, which decide how many pages one fault maps).
	 */
	for (int i = 0; !ret && fr->why_not_verified && i < fr->nr_fds &&
	     (fl_inval_flags(p->invalidator) & FL_INVAL_FILES); i++)
		ret = fl_inval_prefill(fr->fds[i], p->size, err, len);
	if (ret) {
		fault_teardown(run);
		return ret;
	}
	return 0;
}

static int fault_invalidators(const void *params, double *rate,
			      const char **kind)
{
	const struct fault_params *p = params;

	*rate = p->inval_rate;
	*kind = fl_inval_kind_names[p->invalidator];
	return p->invalidator != FL_INVAL_NONE;
}

static int fault_invalidate(struct fl_actor *a, char *err, size_t len)
{
	return fl_inval_op(a->state, err, len);
}

static void fault_teardown(struct fl_run_ctx *run)
{
	struct fault_run *fr = run->state;

	if (!fr)
		return;
	for (int i = 0; fr->ofiles && i < fr->nr_fds; i++)
		fl_oracle_file_free(fr->ofiles[i]);
	fl_fileset_free(fr->files);
	fl_oracle_free(fr->oracle);
	free(fr->ofiles);
	free(fr->file_ids);
	free(fr);
	run->state = NULL;
}

static int map_region(struct fl_actor *a)
{
	const struct fault_params *p = a->run->params;
	struct fault_actor *fa = a->state;
	int prot = PROT_READ | (p->access == ACCESS_WRITE ? PROT_WRITE : 0);
	int flags = p->map == MAP_KIND_SHARED ? MAP_SHARED : MAP_PRIVATE;

	if (p->map == MAP_KIND_ANON)
		flags |= MAP_ANONYMOUS;
	fa->addr = mmap(NULL, p->size, prot, flags, fa->fd, 0);
	if (fa->addr == MAP_FAILED) {
		fa->addr = NULL;
		snprintf(a->errmsg, sizeof(a->errmsg),
			 "actor %d: mmap %llu bytes: %s", a->id,
			 (unsigned long long)p->size, strerror(errno));
		return -errno;
	}
	if (p->thp != THP_INHERIT)
		madvise(fa->addr, p->size,
			p->thp == THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return 0;
}

/* A fixed permutation per actor (Fisher-Yates over xorshift64). */
static uint32_t *random_order(size_t n, uint64_t seed)
{
	uint32_t *order = malloc(n * sizeof(*order));
	uint64_t x = seed | 1;

	if (!order)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j;
		uint32_t t;

		j = (size_t)(fl_rand(&x) % (i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	return order;
}

static int fault_actor_init(struct fl_actor *a, char *err, size_t len)
{
	const struct fault_params *p = a->run->params;
	const struct fault_run *fr = a->run->state;
	struct fault_actor *fa;

	if (a->role == FL_ROLE_INVALIDATOR) {
		struct fl_inval_target t = {
			.ofiles = fr->why_not_verified ? NULL : fr->ofiles,
			.file_ids = fr->file_ids,
			.size = p->size,
			.page_size = a->run->page_size,
		};

		fl_fileset_target(fr->files, &t);
		return fl_inval_init((struct fl_inval_state **)&a->state,
				     p->invalidator, &t, a->seed, err, len);
	}
	fa = calloc(1, sizeof(*fa));
	if (!fa)
		goto nomem;
	fa->file = fr->nr_fds == 1 ? 0 : a->id;
	fa->fd = fr->nr_fds == 0 ? -1 : fr->fds[fa->file];
	fa->nr_pages = p->size / a->run->page_size;
	if (p->pattern == PATTERN_RAND) {
		fa->order = random_order(fa->nr_pages, a->seed);
		if (!fa->order)
			goto nomem;
	}
	a->state = fa;
	if (p->unmap != UNMAP_MUNMAP && map_region(a)) {
		fl_set_err(err, len, "%s", a->errmsg);
		return -ENOMEM;
	}
	return 0;
nomem:
	free(fa);
	fl_set_err(err, len, "actor %d: out of memory", a->id);
	return -ENOMEM;
}

/*
 * A verifying pass: read each page whole (the read is the touch), judged
 * by the oracle, SIGBUS included. Slower than a bare touch: the latency
 * recorded is the time of the read and its judgement.
 */
static void verified_pass(struct fl_actor *a, struct fl_ofile *f)
{
	struct fault_actor *fa = a->state;
	uint64_t buf[FL_STAMP_WORDS];

	for (size_t i = 0; i < fa->nr_pages; i++) {
		uint64_t b = fa->order ? fa->order[i] : i;
		uint64_t t0 = fl_clock_ticks();
		bool ok = fl_oracle_read(f, fa->addr, b, 1, a->run->page_size, buf,
					 (uint32_t)a->id, NULL);

		if (a->stats->hist)
			fl_hist_record(a->stats->hist, fl_clock_ticks() - t0);
		if (!ok && a->seen_phase == FL_PHASE_MEASURE)
			a->stats->sigbus++;
		a->stats->ops++;
		if (!fl_actor_running(a))
			return;
	}
}

static int fault_iteration(struct fl_actor *a)
{
	const struct fault_params *p = a->run->params;
	const struct fault_run *fr = a->run->state;
	struct fault_actor *fa = a->state;
	size_t from = 0, page = a->run->page_size;
	int ret;

	/*
	 * A SIGBUS (the file was cut short under the touch) left the pass at
	 * page ops - pass_ops: that touch is an op too, and the pass goes on
	 * after it. Starting the pass over instead would count touches of
	 * pages still mapped from the first attempt, which are hits.
	 */
	if (a->after_sigbus && fa->addr) {
		from = (size_t)(a->stats->ops - fa->pass_ops) + 1;
		a->stats->ops++;
	}
	a->after_sigbus = false;
	if (!fa->addr) {
		ret = map_region(a);
		if (ret)
			return ret;
	}
	if (!from)
		fa->pass_ops = a->stats->ops;
	if (from >= fa->nr_pages)
		;	/* the last page took it: the pass is over */
	else if (fr->why_not_verified)
		fl_touch_pages(a, fa->order ? fa->addr : fa->addr + from * page,
			       fa->nr_pages - from, page,
			       fa->order ? fa->order + from : NULL,
			       p->access == ACCESS_WRITE);
	else
		verified_pass(a, fr->ofiles[fa->file]);
	switch (p->unmap) {
	case UNMAP_MUNMAP:
		munmap(fa->addr, p->size);
		fa->addr = NULL;
		break;
	case UNMAP_DONTNEED:
		madvise(fa->addr, p->size, MADV_DONTNEED);
		break;
	case UNMAP_NEVER:
		break;
	}
	return 0;
}

static void fault_actor_fini(struct fl_actor *a)
{
	const struct fault_params *p = a->run->params;
	struct fault_actor *fa = a->state;

	if (a->role == FL_ROLE_INVALIDATOR) {
		fl_inval_fini(a->state);
		a->state = NULL;
		return;
	}
	if (!fa)
		return;
	if (fa->addr)
		munmap(fa->addr, p->size);
	free(fa->order);
	free(fa);
	a->state = NULL;
}

const struct workload wl_fault = {
	.name = "fault",
	.summary = "map, touch every page, release: page faults on file and anonymous mappings",
	.description =
		"Each actor maps --size bytes, touches every page once per pass (one op per\n"
		"touch), then releases the mapping per --unmap. will-it-scale equivalents:\n"
		"  page_fault1  --map anon --access write --unmap munmap\n"
		"  page_fault2  --map private --access write --unmap munmap\n"
		"  page_fault3  --map shared --access write --unmap munmap (the default)\n",
	.options = fault_options,
	.params_size = sizeof(struct fault_params),
	.validate = fault_validate,
	.setup = fault_setup,
	.actor_init = fault_actor_init,
	.iteration = fault_iteration,
	.invalidators = fault_invalidators,
	.invalidate = fault_invalidate,
	.integrity = fault_integrity,
	.actor_fini = fault_actor_fini,
	.teardown = fault_teardown,
};
