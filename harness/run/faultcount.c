// SPDX-License-Identifier: GPL-2.0
/* Kernel fault counts: perf software counters and vmstat files. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/faultline.h"
#include "run/faultcount.h"

static int perf_open(uint64_t config, int group_fd)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = config,
		.read_format = PERF_FORMAT_GROUP,
		.disabled = 0,
		.exclude_kernel = 0,
	};

	/* pid 0, cpu -1: this thread, wherever it runs. */
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd,
			    PERF_FLAG_FD_CLOEXEC);
}

const char *const fl_fault_source_names[] = { "rusage", "perf", NULL };

int fl_fault_counter_open(struct fl_fault_counter *c,
			  enum fl_fault_source source, char *err, size_t len)
{
	c->source = source;
	c->fd = c->fd_major = -1;
	if (source == FL_FAULTS_RUSAGE)
		return 0;
	c->fd = perf_open(PERF_COUNT_SW_PAGE_FAULTS_MIN, -1);
	if (c->fd < 0)
		goto fail;
	c->fd_major = perf_open(PERF_COUNT_SW_PAGE_FAULTS_MAJ, c->fd);
	if (c->fd_major < 0) {
		int e = errno;

		close(c->fd);
		errno = e;
		goto fail;
	}
	return 0;
fail:
	c->fd = c->fd_major = -1;
	fl_set_err(err, len, "perf_event_open(page-faults): %s%s",
		   strerror(errno),
		   errno == EACCES || errno == EPERM ?
		   " (see /proc/sys/kernel/perf_event_paranoid)" : "");
	return -errno;
}

int fl_fault_counter_read(const struct fl_fault_counter *c,
			  struct fl_fault_counts *out)
{
	uint64_t buf[3];	/* nr, minor, major */
	struct rusage ru;

	if (c->source == FL_FAULTS_RUSAGE) {
		if (getrusage(RUSAGE_THREAD, &ru))
			return -errno;
		out->minor = (uint64_t)ru.ru_minflt;
		out->major = (uint64_t)ru.ru_majflt;
		return 0;
	}
	if (c->fd < 0)
		return -ENODEV;
	if (read(c->fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    buf[0] != 2)
		return -EIO;
	out->minor = buf[1];
	out->major = buf[2];
	return 0;
}

void fl_fault_counter_close(struct fl_fault_counter *c)
{
	if (c->fd_major >= 0)
		close(c->fd_major);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = c->fd_major = -1;
}

int fl_vmstat_read(int node, struct fl_vmstat *out)
{
	char path[96], name[48];
	unsigned long long v;
	int cap = 0;
	FILE *f;

	if (node < 0)
		snprintf(path, sizeof(path), "/proc/vmstat");
	else
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/vmstat", node);
	memset(out, 0, sizeof(*out));
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%47s %llu", name, &v) == 2) {
		if (out->nr == cap) {
			int ncap = cap ? cap * 2 : 256;
			void *n = realloc(out->name, sizeof(*out->name) * (size_t)ncap);
			void *val;

			if (!n)
				goto nomem;
			out->name = n;
			val = realloc(out->value, sizeof(*out->value) * (size_t)ncap);
			if (!val)
				goto nomem;
			out->value = val;
			cap = ncap;
		}
		snprintf(out->name[out->nr], sizeof(out->name[0]), "%s", name);
		out->value[out->nr++] = v;
	}
	fclose(f);
	return 0;
nomem:
	fclose(f);
	fl_vmstat_free(out);
	return -ENOMEM;
}

void fl_vmstat_free(struct fl_vmstat *s)
{
	free(s->name);
	free(s->value);
	memset(s, 0, sizeof(*s));
}

int64_t fl_vmstat_get(const struct fl_vmstat *s, const char *name)
{
	for (int i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return (int64_t)s->value[i];
	return -1;
}
