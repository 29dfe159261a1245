// SPDX-License-Identifier: GPL-2.0
/*
 * Scratch directories (scratch.h): made fresh, checked, removed through
 * descriptors (never a path that could have become a symlink meanwhile),
 * and swept when a killed run left them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/mountinfo.h"
#include "base/scratch.h"

const char *fl_tmp_root(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

/* Field 22 of /proc/PID/stat; the command name before it may hold anything. */
static unsigned long long stat_start(pid_t pid, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %*s %*s %llu", state, &start) != 2)
		return 0;
	return start;
}

unsigned long long fl_process_start(pid_t pid)
{
	char state;

	return stat_start(pid, &state);
}

bool fl_scratch_owner_alive(pid_t pid, unsigned long long start)
{
	char state = 0;

	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return false;
	/* A zombie's run is over; another start time is another process. */
	return stat_start(pid, &state) == start && state != 'Z' && state != 'X';
}

/* The checks of fl_scratch_check() on an open directory. */
static int check_fd(int fd, const char *path, char *err, size_t len)
{
	struct stat st;

	if (fstat(fd, &st)) {
		int e = errno;

		fl_set_err(err, len, "%s: %s", path, strerror(e));
		return -e;
	}
	if (st.st_uid != geteuid()) {
		fl_set_err(err, len, "%s: owned by uid %u, not by us (uid %u): %s", path,
			   (unsigned)st.st_uid, (unsigned)geteuid(), strerror(EPERM));
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		fl_set_err(err, len, "%s: writable by others (mode %04o): %s", path,
			   (unsigned)(st.st_mode & 07777), strerror(EPERM));
		return -EPERM;
	}
	return 0;
}

/* @path opened as a directory without following a symlink; fd or -errno. */
static int open_dir(const char *path, char *err, size_t len)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e;
	struct stat st;

	if (fd >= 0)
		return fd;
	e = errno;
	/* O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR (or ELOOP). */
	if (e == ENOTDIR && !lstat(path, &st) && S_ISLNK(st.st_mode))
		e = ELOOP;
	if (e == ELOOP)
		fl_set_err(err, len, "%s: a symlink, not a directory of ours: %s", path,
			   strerror(e));
	else
		fl_set_err(err, len, "%s: %s", path, strerror(e));
	return -e;
}

int fl_scratch_open(const char *path, char *err, size_t len)
{
	int fd = open_dir(path, err, len), ret;

	if (fd < 0)
		return fd;
	ret = check_fd(fd, path, err, len);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int fl_scratch_check(const char *path, char *err, size_t len)
{
	int fd = fl_scratch_open(path, err, len);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * This boot of this machine: 8 hex digits of the kernel's boot id. A pid
 * says nothing about a directory made on another host of a shared
 * filesystem, or before a reboot: the sweep leaves those alone.
 */
static const char *boot_tag(void)
{
	static char tag[9];
	char id[64] = "";
	int fd, n = 0;

	if (tag[0])
		return tag;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, id, sizeof(id) - 1) < 0)
			id[0] = '\0';
		close(fd);
	}
	for (const char *p = id; *p && n < 8; p++)
		if (isxdigit((unsigned char)*p))
			tag[n++] = *p;
	while (n < 8)
		tag[n++] = '0';
	return tag;
}

int fl_scratch_make(const char *parent, const char *prefix, char *out, size_t outlen,
		    char *err, size_t len)
{
	static unsigned long long self_start;
	int n, fd, ret;

	if (!self_start)
		self_start = fl_process_start(getpid());
	n = snprintf(out, outlen, "%s/%s.%s-%d-%llu.XXXXXX", parent, prefix, boot_tag(),
		     (int)getpid(), self_start);
	if (n < 0 || (size_t)n >= outlen) {
		fl_set_err(err, len, "%s: path too long for a scratch directory: %s", parent,
			   strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(out)) {
		int e = errno;

		fl_set_err(err, len, "%s: cannot create a scratch directory: %s", parent,
			   strerror(e));
		return -e;
	}
	/* 0700 whatever a default ACL of @parent gave it (chmod masks ACLs). */
	fd = open_dir(out, err, len);
	if (fd < 0) {
		ret = fd;
	} else {
		if (fchmod(fd, 0700)) {
			ret = -errno;
			fl_set_err(err, len, "%s: chmod 0700: %s", out, strerror(errno));
		} else {
			ret = check_fd(fd, out, err, len);
		}
		close(fd);
	}
	if (ret)
		rmdir(out);
	return ret;
}

/* Empty directory @dfd (closed here): no symlink followed, no mount crossed. */
static void remove_contents(int dfd)
{
	struct stat top;
	struct dirent *de;
	DIR *d;

	if (fstat(dfd, &top) || !(d = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (!S_ISDIR(st.st_mode)) {
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (st.st_dev != top.st_dev)
			continue;	/* a mount that would not detach */
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		remove_contents(sub);
		unlinkat(dfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* Detach the mounts at or below @dir (a canonical path), deepest first. */
static void detach_mounts(const char *dir)
{
	struct fl_mount *m;
	size_t n = strlen(dir);
	int nr;

	if (fl_mountinfo_read(&m, &nr))
		return;
	for (int i = nr - 1; i >= 0; i--)
		if (!strncmp(m[i].point, dir, n) && (!m[i].point[n] || m[i].point[n] == '/'))
			umount2(m[i].point, MNT_DETACH | UMOUNT_NOFOLLOW);
	free(m);
}

/* Remove directory @fd (closed here), opened from @path. */
static void remove_opened(int fd, const char *path)
{
	char link[64], real[PATH_MAX];
	ssize_t n;

	/* Where the directory we opened really is, for mountinfo. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n > 0) {
		real[n] = '\0';
		detach_mounts(real);
	}
	remove_contents(fd);
	rmdir(path);
}

void fl_scratch_remove(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		remove_opened(fd, path);
}

int fl_scratch_sweep(const char *parent, const char *prefix, char *err, size_t len)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	int swept = 0;
	DIR *d;

	d = opendir(parent);
	if (!d) {
		int e = errno;

		fl_set_err(err, len, "%s: %s", parent, strerror(e));
		return -e;
	}
	while ((de = readdir(d))) {
		unsigned long long start;
		char path[PATH_MAX], boot[9], tail[16];
		int pid, fd;

		if (strncmp(de->d_name, prefix, plen) ||
		    sscanf(de->d_name + plen, ".%8[0-9a-f]-%d-%llu.%15s", boot, &pid, &start,
			   tail) != 4 ||
		    strlen(tail) != 6 || strcmp(boot, boot_tag()) ||
		    fl_scratch_owner_alive(pid, start))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) >= (int)sizeof(path))
			continue;
		fd = open_dir(path, NULL, 0);
		if (fd < 0)
			continue;
		if (check_fd(fd, path, NULL, 0)) {	/* not ours: not ours to remove */
			close(fd);
			continue;
		}
		remove_opened(fd, path);
		swept++;
	}
	closedir(d);
	return swept;
}
