// SPDX-License-Identifier: GPL-2.0
/* Result documents as files: numbers by key path, atomic writes, listing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/json_doc.h"

double fl_json_num(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	return json_is_number(o) ? json_number_value(o) : NAN;
}

/*
 * The rename is on disk only once the directory is: without this a guest
 * that hangs or a machine that loses power after the write may come back
 * with the old document, or none. Best effort: the data is already synced.
 */
static void sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int fl_json_write_atomic(json_t *doc, const char *path, char *err, size_t len)
{
	char tmp[4096];
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		fl_set_err(err, len, "write %s: %s", tmp, strerror(errno));
		return ret;
	}
	if (json_dumpfd(doc, fd, JSON_INDENT(1) | JSON_REAL_PRECISION(10)) ||
	    write(fd, "\n", 1) != 1 || fsync(fd)) {
		ret = errno ? -errno : -EIO;
		fl_set_err(err, len, "write %s: %s", tmp, strerror(-ret));
	}
	if (close(fd) && !ret) {
		ret = -errno;
		fl_set_err(err, len, "write %s: %s", tmp, strerror(errno));
	}
	if (!ret && rename(tmp, path)) {
		ret = -errno;
		fl_set_err(err, len, "rename %s to %s: %s", tmp, path,
			   strerror(errno));
	}
	if (ret)
		unlink(tmp);
	else
		sync_parent(path);
	return ret;
}

bool fl_is_json_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static int json_entry(const struct dirent *d)
{
	return fl_is_json_name(d->d_name);
}

int fl_json_files(const char *dir, struct dirent ***names)
{
	return scandir(dir, names, json_entry, alphasort);
}
