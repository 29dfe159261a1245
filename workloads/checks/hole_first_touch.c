// SPDX-License-Identifier: GPL-2.0
/*
 * hole_first_touch: a file with no data (sparse, fallocated, or truncated
 * up from zero), mapped shared and private; several actors store distinct
 * markers at different offsets of the same pages, racing the first fault
 * on each page. Every marker must be there afterwards: in the shared
 * mapping and through read() for MAP_SHARED, in each actor's own view for
 * MAP_PRIVATE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NR_PAGES 16
#define FILE_ID 2

enum hole_kind { HOLE_SPARSE, HOLE_FALLOCATED, HOLE_TRUNCATED_UP, HOLE_NR };

struct hft {
	struct fl_check_ctx *c;
	int fd;
	int shared;			/* this round maps MAP_SHARED */
	volatile char *map;		/* the shared mapping (shared rounds) */
	struct fl_ofile *f;		/* for judging SIGBUS: i_size never moves */
	pthread_barrier_t go;
	int nr_actors;
};

struct hft_actor {
	struct hft *h;
	uint32_t id;
};

/* Marker slot of @actor on @page: actors interleave 8-byte slots. */
static uint64_t slot_off(const struct hft *h, uint32_t actor, uint64_t page)
{
	return page * h->c->page_size + (uint64_t)actor * 64;
}

static void *toucher(void *arg)
{
	struct hft_actor *a = arg;
	struct hft *h = a->h;
	uint64_t size = NR_PAGES * (uint64_t)h->c->page_size;
	volatile char *view = h->map;
	int code;

	if (!h->shared) {
		view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, h->fd, 0);
		if (view == MAP_FAILED)
			view = NULL;
	}
	/* All actors start together, so first touches of a page race. */
	pthread_barrier_wait(&h->go);
	if (!view)
		return NULL;
	for (uint64_t p = 0; p < NR_PAGES; p++) {
		uint64_t off = slot_off(h, a->id, p);
		uint64_t m = fl_oracle_marker(a->id, off);
		uint64_t snap = fl_oracle_size_snapshot(h->f);
		bool ok = fl_sigbus_store(view + off, &m, sizeof(m), &code);

		fl_oracle_judge_access(h->f, snap, p * h->c->page_size, !ok, code, a->id);
	}
	if (!h->shared) {
		/* A private view must keep what this actor stored. */
		for (uint64_t p = 0; p < NR_PAGES; p++) {
			uint64_t off = slot_off(h, a->id, p), got = 0;

			if (fl_sigbus_copy(&got, view + off, sizeof(got), &code))
				fl_oracle_check_marker(h->c->oracle, FILE_ID, off, &got,
						       fl_oracle_marker(a->id, off), a->id);
		}
		munmap((void *)view, size);
	}
	return NULL;
}

/* After a shared round: every marker in the mapping and through read(). */
static void verify_shared(struct hft *h)
{
	int code;

	for (int a = 0; a < h->nr_actors; a++) {
		for (uint64_t p = 0; p < NR_PAGES; p++) {
			uint64_t off = slot_off(h, (uint32_t)a, p), got = 0;
			uint64_t want = fl_oracle_marker((uint32_t)a, off);

			if (fl_sigbus_copy(&got, h->map + off, sizeof(got), &code))
				fl_oracle_check_marker(h->c->oracle, FILE_ID, off, &got,
						       want, (uint32_t)a);
			if (pread(h->fd, &got, sizeof(got), (off_t)off) == sizeof(got))
				fl_oracle_check_marker(h->c->oracle, FILE_ID, off, &got,
						       want, (uint32_t)a);
		}
	}
}

static int make_hole(struct hft *h, enum hole_kind kind, char *err, size_t len)
{
	off_t size = NR_PAGES * (off_t)h->c->page_size;
	int ret = chk_file_create(h->c, "hole", kind == HOLE_TRUNCATED_UP ? 0 : (uint64_t)size,
				  &h->fd, err, len);

	if (ret)
		return ret;
	if (kind == HOLE_FALLOCATED && fallocate(h->fd, 0, 0, size) && errno != EOPNOTSUPP) {
		fl_set_err(err, len, "fallocate the test file: %s", strerror(errno));
		return -errno;
	}
	if (kind == HOLE_TRUNCATED_UP && ftruncate(h->fd, size)) {
		fl_set_err(err, len, "truncate the test file up: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int hft_run(struct fl_check_ctx *c, char *err, size_t len)
{
	struct hft h = { .c = c, .nr_actors = c->nr_faulters };
	struct hft_actor actors[FL_CHECK_ACTORS];
	pthread_t tids[FL_CHECK_ACTORS];
	uint64_t size = NR_PAGES * (uint64_t)c->page_size;
	int ret = 0;

	for (uint64_t round = 0; fl_check_running(c) && !ret; round++) {
		h.shared = round % 2 == 0;
		ret = make_hole(&h, (enum hole_kind)((round / 2) % HOLE_NR), err, len);
		if (ret)
			break;
		h.map = NULL;
		ret = fl_oracle_file_init(&h.f, c->oracle, FILE_ID, NR_PAGES, size);
		if (ret) {
			fl_set_err(err, len, "oracle: %s", strerror(-ret));
			close(h.fd);
			break;
		}
		if (h.shared) {
			h.map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, h.fd, 0);
			if (h.map == MAP_FAILED) {
				ret = -errno;
				fl_set_err(err, len, "map the test file: %s", strerror(errno));
				fl_oracle_file_free(h.f);
				close(h.fd);
				break;
			}
		}
		pthread_barrier_init(&h.go, NULL, (unsigned int)h.nr_actors);
		for (int i = 0; i < h.nr_actors; i++)
			actors[i] = (struct hft_actor){ .h = &h, .id = (uint32_t)i };
		ret = chk_start(tids, h.nr_actors, toucher, actors, sizeof(actors[0]),
				err, len);
		if (!ret) {
			chk_join(tids, h.nr_actors);
			if (h.shared)
				verify_shared(&h);
			fl_check_iteration(c);
		}
		pthread_barrier_destroy(&h.go);
		if (h.map)
			munmap((void *)h.map, size);
		fl_oracle_file_free(h.f);
		close(h.fd);
	}
	snprintf(c->note, sizeof(c->note),
		 "%d actors per round; sparse, fallocated and truncated-up files; shared and private",
		 h.nr_actors);
	return ret;
}

const struct fl_check check_hole_first_touch = {
	.name = "hole_first_touch",
	.summary = "concurrent first touches of holes keep every marker",
	.run = hft_run,
};
