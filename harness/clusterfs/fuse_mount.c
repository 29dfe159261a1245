// SPDX-License-Identifier: GPL-2.0
/* FUSE mounts by file descriptor: fsopen, fsconfig, fsmount, move_mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/faultline.h"
#include "clusterfs/fuse_mount.h"

static int set_string(int fs, const char *key, const char *value)
{
	return fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0) ? -errno : 0;
}

static int set_flag(int fs, const char *key)
{
	return fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0) ? -errno : 0;
}

int fl_fuse_mount_at(struct fl_fuse_mount *m, int dir_fd, const char *what,
		     const char *source, const char *subtype, char *err,
		     size_t len)
{
	char fd_text[16], uid[16], gid[16];
	const char *step = "open /dev/fuse";
	int fs = -1, ret = 0;

	m->mnt_fd = -1;
	m->fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (m->fuse_fd < 0) {
		ret = -errno;
		goto fail;
	}
	step = "fsopen fuse";
	fs = fsopen("fuse", FSOPEN_CLOEXEC);
	if (fs < 0) {
		ret = -errno;
		goto fail;
	}
	snprintf(fd_text, sizeof(fd_text), "%d", m->fuse_fd);
	snprintf(uid, sizeof(uid), "%u", (unsigned int)geteuid());
	snprintf(gid, sizeof(gid), "%u", (unsigned int)getegid());
	step = "fsconfig";
	ret = set_string(fs, "source", source);
	ret = ret ?: set_string(fs, "subtype", subtype);
	ret = ret ?: set_string(fs, "fd", fd_text);
	ret = ret ?: set_string(fs, "rootmode", "40000");
	ret = ret ?: set_string(fs, "user_id", uid);
	ret = ret ?: set_string(fs, "group_id", gid);
	ret = ret ?: set_flag(fs, "allow_other");
	ret = ret ?: set_flag(fs, "default_permissions");
	if (!ret && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		ret = -errno;
	if (ret)
		goto fail;
	step = "fsmount";
	m->mnt_fd = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (m->mnt_fd < 0) {
		ret = -errno;
		goto fail;
	}
	step = "move_mount";
	if (move_mount(m->mnt_fd, "", dir_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)) {
		ret = -errno;
		goto fail;
	}
	close(fs);
	return 0;
fail:
	fl_set_err(err, len, "mount %s: %s: %s", what, step, strerror(-ret));
	if (fs >= 0)
		close(fs);
	if (m->mnt_fd >= 0)
		close(m->mnt_fd);
	if (m->fuse_fd >= 0)
		close(m->fuse_fd);
	m->mnt_fd = m->fuse_fd = -1;
	return ret;
}

int fl_fuse_mount_detach(struct fl_fuse_mount *m)
{
	char path[32];
	int ret = 0;

	if (m->mnt_fd < 0)
		return 0;
	/* The magic link names the mount's root, wherever it is now. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->mnt_fd);
	if (umount2(path, MNT_DETACH) && errno != EINVAL)
		ret = -errno;
	close(m->mnt_fd);
	m->mnt_fd = -1;
	return ret;
}
