/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FUSE mounts placed by file descriptor (the new mount API: fsopen,
 * fsmount, move_mount), not by path: a mount lands on the directory
 * clusterfs made and opened, even when a name on its path has been
 * renamed or replaced by a symlink since, and is detached through its own
 * descriptor the same way.
 */
#ifndef FL_FUSE_MOUNT_H
#define FL_FUSE_MOUNT_H

#include <stddef.h>

struct fl_fuse_mount {
	int fuse_fd;		/* /dev/fuse: the session serves it (/dev/fd/N) */
	int mnt_fd;		/* the mount's root, to detach it by */
};

/*
 * Open /dev/fuse and mount it, as @source with type fuse.@subtype,
 * allow_other and default_permissions, on the directory @dir_fd (O_PATH)
 * refers to. 0, or -errno with @err naming @what and the failing step.
 */
int fl_fuse_mount_at(struct fl_fuse_mount *m, int dir_fd, const char *what,
		     const char *source, const char *subtype, char *err,
		     size_t len);

/* Detach the mount (lazily, as umount -l); 0 or -errno. */
int fl_fuse_mount_detach(struct fl_fuse_mount *m);

#endif /* FL_FUSE_MOUNT_H */
