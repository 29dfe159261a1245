/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scratch directories: the only places faultline creates files, mounts
 * and sockets in. Each is made fresh with mkdtemp (mode 0700, so nobody
 * else can plant anything inside) and named
 * PREFIX.<boot>-<pid>-<start>.XXXXXX after the process that owns it
 * (<boot>: this boot of this machine, <start>: the process's start time,
 * so that neither a process of another host sharing the filesystem nor a
 * reused pid is taken for the owner). Nothing that already exists
 * under a name others could have chosen is trusted: what a killed run
 * left is swept only when the directory is ours (our uid, mode 0700, not
 * a symlink) and its owner is dead.
 */
#ifndef FL_SCRATCH_H
#define FL_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The prefix of faultline's own scratch directories in $TMPDIR and --dir
 * (run directories, control sockets): swept together at the next start.
 */
#define FL_SCRATCH_PREFIX "faultline"

/* $TMPDIR, or /tmp when it is unset or empty. */
const char *fl_tmp_root(void);

/*
 * A fresh directory PARENT/PREFIX.<boot>-<pid>-<start>.XXXXXX in @out, checked
 * with fl_scratch_check(). 0, or -errno with @err naming PARENT and the cause.
 */
int fl_scratch_make(const char *parent, const char *prefix, char *out, size_t outlen,
		    char *err, size_t len);

/*
 * @path is a directory only we can write to: not a symlink, owned by our
 * effective uid, no write permission for group or others. 0, or -errno
 * with @err (-ELOOP: a symlink, -EPERM: someone else's or writable by others).
 */
int fl_scratch_check(const char *path, char *err, size_t len);

/*
 * The same, kept open: a descriptor of the directory checked (O_DIRECTORY,
 * close-on-exec), to make and open names in it by *at() calls that no
 * later rename of @path can redirect; or -errno with @err.
 */
int fl_scratch_open(const char *path, char *err, size_t len);

/*
 * Detach every mount at or below @path (lazily: a dead FUSE daemon's mount
 * answers nothing), then remove @path with everything in it, never
 * following a symlink or crossing into another filesystem.
 */
void fl_scratch_remove(const char *path);

/*
 * Remove the PREFIX.<boot>-<pid>-<start>.* directories in @parent that are
 * ours, made in this boot, and whose owner process is gone. Returns how
 * many, or -errno with @err.
 */
int fl_scratch_sweep(const char *parent, const char *prefix, char *err, size_t len);

/* Process @pid is alive and started at @start (clock ticks after boot). */
bool fl_scratch_owner_alive(pid_t pid, unsigned long long start);

/* Start time of process @pid (clock ticks after boot), 0 when unknown. */
unsigned long long fl_process_start(pid_t pid);

#endif /* FL_SCRATCH_H */
