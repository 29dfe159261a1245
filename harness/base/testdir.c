// SPDX-License-Identifier: GPL-2.0
/* Test directory: validation, creation, removal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/scratch.h"
#include "base/testdir.h"

/*
 * The run's own directory in @parent: fresh and private, so no name in
 * @parent (which others may write to) is ever used. What killed runs left
 * there is swept first.
 */
static int make_own(struct fl_testdir *td, const char *parent, const char *what,
		    char *err, size_t len)
{
	char why[FL_ERR_LEN];
	int ret;

	fl_scratch_sweep(parent, FL_SCRATCH_PREFIX, NULL, 0);
	ret = fl_scratch_make(parent, FL_SCRATCH_PREFIX, td->path, sizeof(td->path), why,
			      sizeof(why));
	if (ret == -EACCES || ret == -EROFS)
		fl_set_err(err, len, "%s %s: cannot create files: %s", what, parent,
			   strerror(-ret));
	else if (ret)
		fl_set_err(err, len, "%s", why);
	else
		td->created = true;
	return ret;
}

int fl_testdir_prepare(struct fl_testdir *td, const char *user_dir, char *err,
		       size_t len)
{
	struct stat st;

	memset(td, 0, sizeof(*td));
	if (!user_dir)
		return make_own(td, fl_tmp_root(), "test directory in", err, len);
	if (stat(user_dir, &st)) {
		int e = errno;

		fl_set_err(err, len, "--dir %s: %s", user_dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		fl_set_err(err, len, "--dir %s: %s", user_dir, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	return make_own(td, user_dir, "--dir", err, len);
}

void fl_testdir_cleanup(struct fl_testdir *td)
{
	if (!td->created)
		return;
	fl_scratch_remove(td->path);
	td->created = false;
}

int fl_open_direct(int fd)
{
	char path[64];
	int dfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	return dfd < 0 ? -errno : dfd;
}

/*
 * Files are sparse, so the filesystem fills up only as pages are faulted
 * in; checking the space up front beats dying of SIGBUS mid-run.
 */
int fl_testdir_check_space(const char *dir, uint64_t need, char *err, size_t len)
{
	struct statvfs vfs;
	uint64_t avail;

	if (statvfs(dir, &vfs)) {
		fl_set_err(err, len, "statvfs %s: %s", dir, strerror(errno));
		return -errno;
	}
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	/* No block count at all (ramfs): the filesystem sets no limit. */
	if (vfs.f_blocks && avail < need) {
		fl_set_err(err, len,
			   "%s: %llu MiB needed for test files, %llu MiB free: %s",
			   dir, (unsigned long long)(need >> 20),
			   (unsigned long long)(avail >> 20), strerror(ENOSPC));
		return -ENOSPC;
	}
	return 0;
}

int fl_mkdir_p(const char *dir, char *err, size_t len)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST) {
			fl_set_err(err, len, "mkdir %s: %s", buf, strerror(errno));
			return -errno;
		}
		*p = c;
		if (!c)
			return 0;
	}
}
