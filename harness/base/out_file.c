// SPDX-License-Identifier: GPL-2.0
/* The one way faultline writes a file: temp plus rename, or in place. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/out_file.h"

/* Tries at a fresh temp name when one is taken (a planted file or link). */
#define TMP_TRIES 100
/* Links followed when looking for a /proc magic link, as the kernel's limit. */
#define MAX_HOPS 40

/* The directory part of @path ("." for a bare name). */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/*
 * Whether the symlink chain from @path passes through /proc (/dev/stdout,
 * /proc/self/fd/1): such a file is another descriptor's, written in place.
 */
static bool via_proc(const char *path)
{
	char cur[PATH_MAX], link[PATH_MAX], next[PATH_MAX * 2];

	snprintf(cur, sizeof(cur), "%s", path);
	for (int hop = 0; hop < MAX_HOPS; hop++) {
		ssize_t n = readlink(cur, link, sizeof(link) - 1);

		if (n < 0)
			return false;
		link[n] = '\0';
		if (!strncmp(link, "/proc/", 6) || !strncmp(link, "/dev/fd/", 8))
			return true;
		if (link[0] == '/') {
			snprintf(cur, sizeof(cur), "%s", link);
		} else {
			dir_of(cur, next, sizeof(next));
			snprintf(next + strlen(next), sizeof(next) - strlen(next),
				 "/%s", link);
			snprintf(cur, sizeof(cur), "%s", next);
		}
	}
	return false;
}

enum how { NEW_FILE, REPLACE, IN_PLACE };

/*
 * How @path is written, the file a temp replaces (@dest, the target of a
 * symlink to a regular file) and its @mode, kept by the file that replaces
 * it. 0 or -errno with the cause in @err.
 */
static int resolve(const char *path, char *dest, size_t dlen, enum how *how,
		   bool *proc, mode_t *mode, char *err, size_t len)
{
	struct stat st;
	bool link;

	*proc = false;
	*mode = 0644;
	if (!*path) {
		fl_set_err(err, len, "\"\": an empty file name");
		return -EINVAL;
	}
	if (path[strlen(path) - 1] == '/') {
		fl_set_err(err, len, "%s: names a directory, not a file", path);
		return -EISDIR;
	}
	if (strlen(path) >= dlen) {
		fl_set_err(err, len, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	memcpy(dest, path, strlen(path) + 1);
	if (lstat(path, &st)) {
		/* Missing, or under a file: fl_out_check() names the directory. */
		if (errno != ENOENT && errno != ENOTDIR) {
			fl_set_err(err, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
		*how = NEW_FILE;
		return 0;
	}
	link = S_ISLNK(st.st_mode);
	if (link && stat(path, &st)) {
		int e = errno;

		fl_set_err(err, len, "%s: a symlink to a missing file: %s", path,
			   strerror(e));
		return -e;
	}
	if (S_ISDIR(st.st_mode)) {
		fl_set_err(err, len, "%s: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	*how = S_ISREG(st.st_mode) ? REPLACE : IN_PLACE;
	*mode = st.st_mode & 0777;	/* never set-id bits on a file root wrote */
	if (*how == REPLACE && link) {
		if (via_proc(path)) {
			*how = IN_PLACE;
			*proc = true;
		} else if (!realpath(path, dest)) {
			fl_set_err(err, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int fl_out_check(const char *path, char *err, size_t len)
{
	char dest[PATH_MAX], dir[PATH_MAX];
	enum how how;
	struct stat st;
	mode_t mode;
	bool proc;
	int ret = resolve(path, dest, sizeof(dest), &how, &proc, &mode, err, len);

	if (ret)
		return ret;
	if (how == IN_PLACE) {
		if (access(path, W_OK)) {
			ret = -errno;
			fl_set_err(err, len, "%s: %s", path, strerror(errno));
		}
		return ret;
	}
	dir_of(dest, dir, sizeof(dir));
	if (stat(dir, &st) || (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)) ||
	    access(dir, W_OK | X_OK)) {
		ret = -errno;
		fl_set_err(err, len, "%s: directory %s: %s", path, dir,
			   strerror(errno));
	}
	return ret;
}

/* A fresh temp beside @o->dest, never following a planted link. */
static int open_tmp(struct fl_out_file *o, char *err, size_t len)
{
	for (int k = 0; k < TMP_TRIES; k++) {
		int fd;

		if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%d.%d", o->dest,
			     (int)getpid(), k) >= (int)sizeof(o->tmp)) {
			fl_set_err(err, len, "write %s: %s", o->path,
				   strerror(ENAMETOOLONG));
			return -ENAMETOOLONG;
		}
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			  O_CLOEXEC, 0644);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST) {
			fl_set_err(err, len, "write %s: %s", o->tmp, strerror(errno));
			return -errno;
		}
	}
	fl_set_err(err, len, "write %s: %d temp names taken: %s", o->path,
		   TMP_TRIES, strerror(EEXIST));
	return -EEXIST;
}

/*
 * The stream writes through here so that the errno of a failed write
 * (ENOSPC while stdio flushed a full buffer) is kept, not lost to EIO.
 */
static ssize_t stream_write(void *cookie, const char *buf, size_t n)
{
	struct fl_out_file *o = cookie;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(o->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!o->error)
				o->error = w < 0 ? errno : EIO;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int stream_close(void *cookie)
{
	struct fl_out_file *o = cookie;
	int ret = close(o->fd);

	if (ret && !o->error)
		o->error = errno;
	o->fd = -1;
	return ret;
}

static const cookie_io_functions_t stream_io = {
	.write = stream_write,
	.close = stream_close,
};

static int do_open(struct fl_out_file *o, const char *path, bool append,
		   char *err, size_t len)
{
	enum how how;
	mode_t mode;
	bool proc;
	int fd, ret;

	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->append = append;
	ret = resolve(path, o->dest, sizeof(o->dest), &how, &proc, &mode, err, len);
	if (ret) {
		char cause[FL_ERR_LEN];

		snprintf(cause, sizeof(cause), "%s", err);
		fl_set_err(err, len, "write %s", cause);
		return ret;
	}
	if (how == IN_PLACE) {
		/* Another descriptor's file (/dev/stdout to a file): add to it. */
		fd = open(path, O_WRONLY | O_CLOEXEC | (proc || append ? O_APPEND : 0));
	} else if (append) {
		struct stat st;

		/* Appending keeps the file; commit cuts a failed tail off. */
		o->created = how == NEW_FILE;
		fd = open(o->dest, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
			  O_CLOEXEC, 0644);
		if (fd >= 0 && !fstat(fd, &st))
			o->start = st.st_size;
	} else {
		fd = open_tmp(o, err, len);
		if (fd < 0)
			return fd;
		/* A replaced file keeps its mode: a private result stays private. */
		if (how == REPLACE && fchmod(fd, mode))
			fl_warn("%s: could not keep its mode %04o: %s", o->tmp,
				(unsigned int)mode, strerror(errno));
	}
	if (fd < 0) {
		ret = -errno;
		fl_set_err(err, len, "write %s: %s", path, strerror(errno));
		return ret;
	}
	o->fd = fd;
	o->f = fopencookie(o, "w", stream_io);
	if (!o->f) {
		ret = -errno;
		fl_set_err(err, len, "write %s: %s", path, strerror(errno));
		close(fd);
		if (o->tmp[0])
			unlink(o->tmp);
		return ret;
	}
	return 0;
}

int fl_out_open(struct fl_out_file *o, const char *path, char *err, size_t len)
{
	return do_open(o, path, false, err, len);
}

int fl_out_open_append(struct fl_out_file *o, const char *path, char *err,
		       size_t len)
{
	return do_open(o, path, true, err, len);
}

/* A failed append leaves the file as it was before it. */
static void undo_append(struct fl_out_file *o, int fd)
{
	if (o->created)
		unlink(o->dest);
	else if (ftruncate(fd, o->start))
		fl_warn("%s: could not cut a failed append off: %s", o->path,
			strerror(errno));
}

/* Appending to a regular file: the bytes added can be taken back. */
static bool appending(const struct fl_out_file *o, int fd)
{
	struct stat st;

	return o->append && !o->tmp[0] && !fstat(fd, &st) && S_ISREG(st.st_mode);
}

/*
 * The rename is on disk only once the directory is: without this a guest
 * that hangs or a machine that loses power after the write may come back
 * with the old file, or none. Best effort: the data is already synced.
 */
static void sync_dir_of(const char *path)
{
	char dir[4096];
	int fd;

	dir_of(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int fl_out_commit(struct fl_out_file *o, char *err, size_t len)
{
	bool grown;
	int ret = 0;

	if (!o->f)
		return -EBADF;
	grown = appending(o, o->fd);
	/* Only a file of ours is synced: a device or pipe may refuse it. */
	if ((fflush(o->f) || ferror(o->f)) && !o->error)
		o->error = EIO;
	if (!o->error && (o->tmp[0] || grown) && fsync(o->fd))
		o->error = errno;
	if (o->error && grown)
		undo_append(o, o->fd);
	fclose(o->f);
	o->f = NULL;
	if (o->error) {
		ret = -o->error;
		fl_set_err(err, len, "write %s: %s", o->path, strerror(o->error));
	} else if (o->tmp[0] && rename(o->tmp, o->dest)) {
		ret = -errno;
		fl_set_err(err, len, "write %s: rename %s: %s", o->path, o->tmp,
			   strerror(errno));
	} else if (o->tmp[0]) {
		sync_dir_of(o->dest);
	}
	if (ret && o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
	return ret;
}

void fl_out_discard(struct fl_out_file *o)
{
	if (o->f) {
		/* What stdio flushed already is taken back, not left half. */
		if (appending(o, o->fd))
			undo_append(o, o->fd);
		fclose(o->f);
	}
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int fl_out_write(const char *path, const void *buf, size_t n, char *err,
		 size_t len)
{
	struct fl_out_file o;
	int ret = fl_out_open(&o, path, err, len);

	if (ret)
		return ret;
	fwrite(buf, 1, n, o.f);
	return fl_out_commit(&o, err, len);
}

int fl_out_scratch(const char *path, char *err, size_t len)
{
	int fd;

	if (unlink(path) && errno != ENOENT) {
		fl_set_err(err, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fl_set_err(err, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return fd;
}
