/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clusterfs: a cluster filesystem emulated on one machine. One daemon
 * serves N FUSE mounts ("nodes") of one backing directory; each mount has
 * its own page cache (caching on, no direct_io, MAP_SHARED works). A write
 * that reaches the daemon through one mount (write(), or writeback of a
 * mapped page) invalidates that range in every other mount with
 * fuse_lowlevel_notify_inval_inode() before it is answered, the way a
 * cluster filesystem's lock downgrade unmaps and drops pages on the other
 * nodes; a write that grows the file gives the other mounts the new size
 * (or their mappings would SIGBUS beyond the old end). The harness can
 * also ask for an invalidation of a range on one mount (a remote lock
 * revocation), over the daemon's control socket.
 *
 * The daemon is `faultline clusterfs` in a child process; this is the
 * client side. Mounts are MOUNT_DIR/node0 .. node<N-1>; their fsname is
 * "faultline-clusterfs:<daemon pid>", which is how stale mounts of a dead
 * daemon are recognised and swept.
 *
 * fl_clusterfs_start() runs the daemon as "/proc/self/exe clusterfs ...":
 * a program other than faultline that calls it must hand argv[1] ==
 * "clusterfs" to fl_clusterfs_main() (tests/test_clusterfs.c does). The
 * daemon gets SIGTERM when the thread that started it exits.
 */
#ifndef FL_CLUSTERFS_H
#define FL_CLUSTERFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_CLUSTERFS_FSNAME "faultline-clusterfs"

struct fl_clusterfs_opts {
	const char *backing;		/* existing directory holding the files */
	const char *mount_dir;		/* existing directory; mounts go inside */
	int nr_mounts;			/* 1 .. 64 */
	/* Test-only fault: never invalidate other mounts, to prove that
	 * the checks catch a filesystem that forgets to. (No notification
	 * at all: explicit invalidations and new sizes are skipped too.) */
	bool skip_invalidation;
};

/* What the daemon did, from its control socket. */
struct fl_clusterfs_stats {
	uint64_t writes;		/* write requests from any mount */
	uint64_t invalidations;		/* notify_inval_inode calls made */
	uint64_t skipped;		/* ... left out in skip-invalidation mode */
	uint64_t requested;		/* explicit invalidations asked for */
	/*
	 * Writes answered before some of their invalidations were made:
	 * they came through a mount the daemon was invalidating, in the
	 * same 2 MiB region, for a write through another mount (two mounts
	 * writing there at once, or the launder of a dirty page), and that
	 * mount is invalidated after the answer, since waiting for it could
	 * deadlock (clusterfs.c explains).
	 */
	uint64_t deferred;
};

struct fl_clusterfs;

/*
 * Unmount clusterfs mounts whose daemon is gone (a crash, kill -9), and
 * remove their empty mount directories. Returns how many were swept, or
 * -errno with @err.
 */
int fl_clusterfs_sweep(char *err, size_t len);

/* The daemon, `faultline clusterfs ARGS`: its options, its life; an exit code. */
int fl_clusterfs_main(int argc, char **argv);

/*
 * Sweep, start the daemon and return once every mount answers. 0, or
 * -errno with @err naming the mount or the cause (-ENODEV: no /dev/fuse).
 */
int fl_clusterfs_start(struct fl_clusterfs **out,
		       const struct fl_clusterfs_opts *opts, char *err, size_t len);

/*
 * A handle on a daemon someone else started (an MPI rank, say), from the
 * path in fl_clusterfs_control(). It cannot stop the daemon.
 */
int fl_clusterfs_connect(struct fl_clusterfs **out, const char *control,
			 char *err, size_t len);

/* Path of mount @i, and of the control socket (for fl_clusterfs_connect). */
const char *fl_clusterfs_mount(const struct fl_clusterfs *c, int i);
const char *fl_clusterfs_control(const struct fl_clusterfs *c);
int fl_clusterfs_nr_mounts(const struct fl_clusterfs *c);

/*
 * Invalidate [@off, @off + @length) of file @name (relative to the mount) on
 * mount @mount, as a remote node taking the lock would; @length 0 means to
 * the end of the file. Returns once the kernel has unmapped and dropped
 * the pages. Thread-safe. 0, or -errno with @err.
 */
int fl_clusterfs_invalidate(struct fl_clusterfs *c, int mount, const char *name,
			    uint64_t off, uint64_t length, char *err, size_t len);

int fl_clusterfs_stats(struct fl_clusterfs *c, struct fl_clusterfs_stats *st,
		       char *err, size_t len);

/*
 * Unmount every mount, stop the daemon and remove the mount directories
 * (a connected handle only disconnects). 0, or -errno with @err.
 */
int fl_clusterfs_stop(struct fl_clusterfs *c, char *err, size_t len);

/*
 * Internal, shared by the daemon and fl_clusterfs_stop(): abort the FUSE
 * connection of the mount with device @dev through fusectl (mounted for
 * the occasion if it is not), so threads stuck on it in the kernel, which
 * not even SIGKILL ends, fail their requests and let the daemon exit.
 * 0, or -errno with @err.
 */
int fl_clusterfs_abort(unsigned long long dev, char *err, size_t len);

/*
 * Internal, for tests/fuzz/fuzz_clusterfs_ctl.c: the daemon's side of the
 * control protocol on the connected socket @fd until the peer hangs up
 * (then @fd is closed), in a process that is not a daemon: it has
 * @nr_mounts mounts (1..64) of the directory @backing_fd, none mounted,
 * so a valid "inval" finds nothing cached; "quit" raises SIGUSR1 as the
 * daemon's does.
 */
void fl_clusterfs_ctl_serve(int fd, int backing_fd, int nr_mounts);

#endif /* FL_CLUSTERFS_H */
