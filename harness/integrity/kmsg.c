// SPDX-License-Identifier: GPL-2.0
/* Kernel log findings over a window. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "integrity/kmsg.h"

#define INVAL_FAILURE "Page cache invalidation failure"

static const char *const failing_patterns[] = {
	"BUG:", "Bad page", "still mapped when deleted", "WARNING:",
	"possible circular locking", "Oops", "general protection fault",
	"soft lockup", "hung_task", "blocked for more than",
};

void fl_kmsg_start(struct fl_kmsg *k)
{
	k->why[0] = '\0';
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		snprintf(k->why, sizeof(k->why), "open /dev/kmsg: %s", strerror(errno));
		return;
	}
	/* Only what the kernel logs from now on belongs to us. */
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		snprintf(k->why, sizeof(k->why), "seek /dev/kmsg: %s", strerror(errno));
		close(k->fd);
		k->fd = -1;
	}
}

const char *fl_kmsg_match(const char *line, bool *fails, bool inval_failure_fails)
{
	for (size_t i = 0; i < ARRAY_SIZE(failing_patterns); i++) {
		if (strstr(line, failing_patterns[i])) {
			*fails = true;
			return failing_patterns[i];
		}
	}
	if (strstr(line, INVAL_FAILURE)) {
		*fails = inval_failure_fails;
		return INVAL_FAILURE;
	}
	return NULL;
}

json_t *fl_kmsg_finish(struct fl_kmsg *k, bool inval_failure_fails,
		       int *failing)
{
	char rec[8192];
	json_t *found;
	ssize_t n;

	*failing = 0;
	if (k->fd < 0)
		return NULL;
	found = json_array();
	/* One read returns one record: "prio,seq,usec,flags;message\n...". */
	while ((n = read(k->fd, rec, sizeof(rec) - 1)) != 0) {
		const char *pattern;
		char *msg;
		bool fails = false;

		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records: go on */
				continue;
			break;			/* EAGAIN: the window is read */
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		pattern = fl_kmsg_match(msg, &fails, inval_failure_fails);
		if (!pattern)
			continue;
		if (fails)
			(*failing)++;
		if (json_array_size(found) < 32)
			json_array_append_new(found, json_pack("{s:s, s:b, s:s}",
					      "pattern", pattern, "fails", fails,
					      "line", msg));
	}
	close(k->fd);
	k->fd = -1;
	return found;
}
