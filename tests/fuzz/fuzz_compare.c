// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: `faultline compare BASE CUR` on documents read from
 * disk: both sides loaded by the compare loader (fl_cmp_side_load), the
 * refusal checks, the series collected and evaluated (in pool mode too,
 * as the nightly does), the table, the verdict and the JSON document.
 * The input is BASE's file, a form feed, then CUR's; without a form feed
 * both sides are the same file. The loader takes paths: each side is a
 * memfd, named by its /proc/self/fd path.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "base/faultline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* compare's table goes to stdout; libFuzzer reports on stderr. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

/* A memfd holding @n bytes of @data, its path in @path; the fd. */
static int memfd_path(const char *name, const uint8_t *data, size_t n,
		      char *path, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static void no_warning(const char *msg)
{
	(void)msg;
}

static void compare(struct fl_cmp_side *sides, bool pool)
{
	const struct fl_cmp_outputs none = { 0 };
	struct fl_stats_opts so;
	struct fl_cmp c;
	json_t *doc;

	fl_stats_opts_default(&so);
	if (fl_cmp_init(&c, &so))
		abort();
	c.pool = pool;
	if (!fl_cmp_collect(&c, &sides[FL_BASE], FL_BASE) &&
	    !fl_cmp_collect(&c, &sides[FL_CUR], FL_CUR) &&
	    fl_cmp_evaluate(&c) > 0) {
		fl_cmp_verdict(&c);
		fl_cmp_write(&c, sides, &none);
		doc = fl_cmp_json(&c, sides);
		free(json_dumps(doc, 0));
		json_decref(doc);
	}
	fl_cmp_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t base_len = ff ? (size_t)(ff - data) : size;
	struct fl_cmp_side sides[2] = { 0 };
	char base[64], cur[64], err[FL_ERR_LEN];
	int fds[2];

	fds[0] = memfd_path("base", data, base_len, base, sizeof(base));
	if (ff)
		fds[1] = memfd_path("cur", ff + 1, size - base_len - 1, cur, sizeof(cur));
	else
		fds[1] = memfd_path("cur", data, size, cur, sizeof(cur));

	if (!fl_cmp_side_load(&sides[FL_BASE], "BASE", base, err, sizeof(err)) &&
	    !fl_cmp_side_load(&sides[FL_CUR], "CUR", cur, err, sizeof(err)) &&
	    !fl_cmp_refuse(sides, true, err, sizeof(err), no_warning)) {
		compare(sides, false);
		compare(sides, true);
	}
	fl_cmp_side_free(&sides[FL_BASE]);
	fl_cmp_side_free(&sides[FL_CUR]);
	close(fds[0]);
	close(fds[1]);
	return 0;
}
