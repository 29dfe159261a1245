// SPDX-License-Identifier: GPL-2.0
/* The files under test and, for remote kinds, the clusterfs they live on. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/scratch.h"
#include "base/testdir.h"
#include "clusterfs/clusterfs.h"
#include "inval/fileset.h"

struct fl_fileset {
	char prefix[32];
	uint64_t size;
	struct fl_clusterfs *cfs;	/* NULL unless the kind needs clusterfs */
	char dir[4096];			/* where the files are: @dir or node0 */
	char cfs_backing[4096];		/* clusterfs's fresh directories, */
	char cfs_mounts[4096];		/* "" until made */
	int *remote_fds;		/* the files through node1 */
	char (*names)[64];		/* the files' names on the mounts */
	const char **name_ptrs;
	int nr_slots;			/* files asked for */
	int nr;				/* files made, in fds and remote_fds */
	int fds[];
};

static void file_name(const struct fl_fileset *fs, char *buf, size_t len, int idx)
{
	snprintf(buf, len, "%s-%d-%d", fs->prefix, (int)getpid(), idx);
}

static void file_path(const struct fl_fileset *fs, char *buf, size_t len,
		      const char *dir, int idx)
{
	char name[64];

	file_name(fs, name, sizeof(name), idx);
	snprintf(buf, len, "%s/%s", dir, name);
}

static int create_file(struct fl_fileset *fs, int idx, char *err, size_t len)
{
	char path[4200];
	int fd;

	file_path(fs, path, sizeof(path), fs->dir, idx);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fl_set_err(err, len, "create %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!fs->cfs)
		unlink(path);
	if (ftruncate(fd, (off_t)fs->size)) {
		int e = errno;

		fl_set_err(err, len, "truncate %s to %llu bytes: %s", path,
			   (unsigned long long)fs->size, strerror(e));
		close(fd);
		return -e;
	}
	fs->fds[idx] = fd;
	return 0;
}

/*
 * clusterfs with two mounts under @dir: node0 for the faulters, node1 for
 * the remote writer. The backing store is under @dir too, so the space
 * check applies to it.
 */
static int remote_start(struct fl_fileset *fs, const char *dir, char *err, size_t len)
{
	struct fl_clusterfs_opts o = { .backing = fs->cfs_backing,
				       .mount_dir = fs->cfs_mounts, .nr_mounts = 2 };
	int nr = fs->nr_slots, ret;

	fs->remote_fds = calloc((size_t)nr, sizeof(int));
	fs->names = calloc((size_t)nr, sizeof(*fs->names));
	fs->name_ptrs = calloc((size_t)nr, sizeof(*fs->name_ptrs));
	if (nr && (!fs->remote_fds || !fs->names || !fs->name_ptrs)) {
		fl_set_err(err, len, "clusterfs files: out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < nr; i++) {
		file_name(fs, fs->names[i], sizeof(fs->names[i]), i);
		fs->name_ptrs[i] = fs->names[i];
		fs->remote_fds[i] = -1;
	}
	ret = fl_scratch_make(dir, "clusterfs-backing", fs->cfs_backing,
			      sizeof(fs->cfs_backing), err, len);
	if (!ret)
		ret = fl_scratch_make(dir, "clusterfs", fs->cfs_mounts,
				      sizeof(fs->cfs_mounts), err, len);
	if (!ret)
		ret = fl_clusterfs_start(&fs->cfs, &o, err, len);
	if (!ret)
		snprintf(fs->dir, sizeof(fs->dir), "%s", fl_clusterfs_mount(fs->cfs, 0));
	return ret;
}

static int remote_open(struct fl_fileset *fs, int i, char *err, size_t len)
{
	char path[4200];

	file_path(fs, path, sizeof(path), fl_clusterfs_mount(fs->cfs, 1), i);
	fs->remote_fds[i] = open(path, O_RDWR | O_CLOEXEC);
	if (fs->remote_fds[i] < 0) {
		fl_set_err(err, len, "open %s through the second clusterfs mount: %s", path,
			   strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Close the remote side and stop the daemon; it takes its mounts along.
 * Then the directories it had go.
 */
static void remote_stop(struct fl_fileset *fs)
{
	char err[FL_ERR_LEN], path[4200];

	for (int i = 0; fs->remote_fds && i < fs->nr_slots; i++)
		if (fs->remote_fds[i] >= 0)
			close(fs->remote_fds[i]);
	free(fs->remote_fds);
	free(fs->names);
	free(fs->name_ptrs);
	if (fs->cfs) {
		for (int i = 0; i < fs->nr_slots; i++) {
			file_path(fs, path, sizeof(path), fs->dir, i);
			unlink(path);
		}
		if (fl_clusterfs_stop(fs->cfs, err, sizeof(err)))
			fl_warn("clusterfs: %s", err);
	}
	if (fs->cfs_mounts[0])
		fl_scratch_remove(fs->cfs_mounts);
	if (fs->cfs_backing[0])
		fl_scratch_remove(fs->cfs_backing);
}

int fl_fileset_create(struct fl_fileset **out, const char *dir, const char *prefix,
		      enum fl_inval_kind kind, int nr, uint64_t size,
		      char *err, size_t len)
{
	struct fl_fileset *fs;
	int ret = 0;

	*out = NULL;
	/* Files are sparse: check the space now, not die of SIGBUS later. */
	if (nr) {
		ret = fl_testdir_check_space(dir, (uint64_t)nr * size, err, len);
		if (ret)
			return ret;
	}
	fs = calloc(1, sizeof(*fs) + (size_t)nr * sizeof(int));
	if (!fs) {
		fl_set_err(err, len, "%d files: out of memory", nr);
		return -ENOMEM;
	}
	snprintf(fs->prefix, sizeof(fs->prefix), "%s", prefix);
	snprintf(fs->dir, sizeof(fs->dir), "%s", dir);
	fs->size = size;
	fs->nr_slots = nr;
	/* A baseline without an invalidator runs on clusterfs too: the same filesystem. */
	if (fl_inval_flags(kind) & FL_INVAL_CLUSTERFS)
		ret = remote_start(fs, dir, err, len);
	for (int i = 0; !ret && i < nr; i++) {
		ret = create_file(fs, i, err, len);
		if (ret)
			break;
		fs->nr++;	/* closed by fl_fileset_free from here on */
		if (fs->cfs)
			ret = remote_open(fs, i, err, len);
	}
	if (ret) {
		fl_fileset_free(fs);
		return ret;
	}
	*out = fs;
	return 0;
}

int fl_fileset_count(const struct fl_fileset *fs)
{
	return fs ? fs->nr : 0;
}

const int *fl_fileset_fds(const struct fl_fileset *fs)
{
	return fs->fds;
}

void fl_fileset_target(const struct fl_fileset *fs, struct fl_inval_target *t)
{
	if (!fs)
		return;
	t->nr_files = fs->nr;
	t->fds = fs->fds;
	t->remote_fds = fs->remote_fds;
	t->cfs = fs->cfs;
	t->names = fs->name_ptrs;
}

void fl_fileset_free(struct fl_fileset *fs)
{
	if (!fs)
		return;
	/* Files are closed first: the daemon cannot unmount open files. */
	for (int i = 0; i < fs->nr; i++)
		close(fs->fds[i]);
	remote_stop(fs);
	free(fs);
}
