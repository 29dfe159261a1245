// SPDX-License-Identifier: GPL-2.0
/* Test directory: validation, creation, removal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/testdir.h"

/* Creating a file is the only honest writability test (root, ro mounts). */
static int probe_writable(const char *dir, char *err, size_t len)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/.faultline-probe-%d", dir, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		fl_set_err(err, len, "--dir %s: cannot create files: %s", dir,
			   strerror(e));
		return -e;
	}
	close(fd);
	unlink(path);
	return 0;
}

int fl_testdir_prepare(struct fl_testdir *td, const char *user_dir, char *err,
		       size_t len)
{
	struct stat st;
	const char *tmp;

	memset(td, 0, sizeof(*td));
	if (user_dir) {
		if (stat(user_dir, &st)) {
			int e = errno;

			fl_set_err(err, len, "--dir %s: %s", user_dir, strerror(e));
			return -e;
		}
		if (!S_ISDIR(st.st_mode)) {
			fl_set_err(err, len, "--dir %s: %s", user_dir,
				   strerror(ENOTDIR));
			return -ENOTDIR;
		}
		snprintf(td->path, sizeof(td->path), "%s", user_dir);
		return probe_writable(td->path, err, len);
	}
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(td->path, sizeof(td->path), "%s/faultline.XXXXXX", tmp);
	if (!mkdtemp(td->path)) {
		int e = errno;

		fl_set_err(err, len, "create a test directory in %s: %s", tmp,
			   strerror(e));
		return -e;
	}
	td->created = true;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void fl_testdir_cleanup(struct fl_testdir *td)
{
	if (!td->created)
		return;
	nftw(td->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
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
