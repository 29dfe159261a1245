// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the nightly history (JSON Lines that `faultline
 * compare --history` appends) as `faultline report` reads it
 * (rp_load_history), then everything the trend figures compute from it:
 * groups, panels, nights, verdicts and the reading. The figure's output
 * directory cannot exist (under /proc), so drawing stops at its first
 * file: no file is written and gnuplot never runs. The input is the
 * file's bytes, handed to the loader as a memfd's /proc/self/fd path.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/faultline.h"
#include "plots/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_report *r = calloc(1, sizeof(*r));
	char path[64], err[FL_ERR_LEN];
	int fd = memfd_create("history", MFD_CLOEXEC);

	if (!r || fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(r->out, sizeof(r->out), "/proc/faultline-fuzz-no-such-dir");
	if (!rp_load_history(r, path, err, sizeof(err)))
		rp_fig_trend(r);
	rp_report_free(r);
	free(r);
	close(fd);
	return 0;
}
