/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way faultline writes a file. A regular target (or a new one) is
 * written to a temp file made O_EXCL|O_NOFOLLOW in its own directory and
 * renamed over it once complete, so a reader sees the old file or the new
 * one and a failed write (ENOSPC) leaves nothing behind. A target that is
 * not a regular file (a device, a pipe, /dev/stdout, a symlink to
 * /proc/self/fd/1) is written in place and never replaced. A symlink to a
 * regular file stays a link: its file is the one replaced.
 */
#ifndef FL_OUT_FILE_H
#define FL_OUT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Between open and commit it stays where it is: its stream points at it. */
struct fl_out_file {
	FILE *f;		/* write here between open and commit */
	int fd;
	int error;		/* the first write's errno, kept for the message */
	char path[PATH_MAX];	/* the target as named, for messages */
	char dest[PATH_MAX];	/* where the temp is renamed to */
	char tmp[PATH_MAX];	/* the temp; "" when written in place */
	bool append;
	bool created;		/* appending to a file that was not there */
	off_t start;		/* appending: its size before, to cut back to */
};

/*
 * Check, before any work, that @path can be written: not empty, not a
 * directory (nor a name ending in '/'), not a dangling symlink, in an
 * existing writable directory. 0 or -errno with "PATH: cause" in @err.
 */
int fl_out_check(const char *path, char *err, size_t len);

/* Open @path for writing (truncating) or appending. 0 or -errno, "write PATH: cause". */
int fl_out_open(struct fl_out_file *o, const char *path, char *err, size_t len);
int fl_out_open_append(struct fl_out_file *o, const char *path, char *err,
		       size_t len);

/*
 * Flush, sync and put the file in place. On any failure the temp is
 * removed and the target left as it was: 0 or -errno with the cause.
 */
int fl_out_commit(struct fl_out_file *o, char *err, size_t len);

/* Give up: close and remove the temp; the target is left as it was. */
void fl_out_discard(struct fl_out_file *o);

/* The whole of @buf as @path's content. 0 or -errno. */
int fl_out_write(const char *path, const void *buf, size_t n, char *err,
		 size_t len);

/*
 * A scratch file of ours at @path, for a child's output: a stale one of
 * that name is removed, then it is made O_EXCL|O_NOFOLLOW, so a link
 * planted there is never followed. The descriptor or -errno with @err.
 */
int fl_out_scratch(const char *path, char *err, size_t len);

#endif /* FL_OUT_FILE_H */
