// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline clusterfs`: the clusterfs daemon (clusterfs.h has the model).
 * One process serves N FUSE mounts (MOUNTS/node0 ..) of one flat backing
 * directory through the libfuse low-level API. A write that reaches the
 * daemon through one mount is made on the backing file and then dropped
 * from every other mount's page cache with fuse_lowlevel_notify_inval_inode()
 * before it is answered.
 *
 * Threads: one session loop thread per mount (fuse_session_loop_mt, which
 * starts its own workers), one thread accepting control connections and
 * one per connection, one worker for deferred invalidations, and the main
 * thread, which sets up, waits for a signal (SIGINT, SIGTERM, "quit" on the
 * control socket) and tears down.
 *
 * Locking: fs->lock covers the inode table and each inode's list of
 * invalidations in progress; it is never held across a system call that
 * can wait for a FUSE request. In particular notify_inval_inode runs
 * without it: dropping a dirty page of mount B launders it, which sends a
 * WRITE on B's session that this daemon must serve meanwhile.
 *
 * Nested invalidation: notify_inval_inode on mount B waits for B's pages
 * in the range, and a page can be locked until the daemon answers a write
 * on B: the launder of a dirty page, which the invalidation itself sends
 * (the nested case), or a write() on B, which keeps its last, partly
 * written page locked until answered if it was not up to date. So a write
 * from A being answered with an invalidation of B, and a write from B that
 * overlaps it and arrives meanwhile, must not both wait for each other:
 * the write from B would wait for A's page that A's write holds, A's write
 * for B's page that B's write holds. Every invalidation is registered on
 * its inode (target mount, the mount whose write it answers, range in
 * 2 MiB chunks: the largest folio the page cache builds), and a write from
 * B makes its invalidation of A asynchronous, through a queue and a worker
 * thread, when an invalidation of B answering a write from A overlaps it
 * (registration is atomic, so of two such writes the later one yields).
 * It is answered before A's pages are gone ("deferred" in the stats);
 * every other mount is still invalidated before the answer. A cycle of
 * waits needs two writes that each wait for the other's mount, so this
 * breaks them all, launders and remote invalidations included.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312	/* 3.12: loop config with max_threads */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/option.h"
#include "base/scratch.h"
#include "base/stop.h"
#include "clusterfs/clusterfs.h"
#include "clusterfs/fuse_mount.h"

#define CFS_MAX_MOUNTS 64
#define CFS_BUCKETS 1024
#define CFS_CHUNK_SHIFT 21
/*
 * Workers per session. A worker blocked in an invalidation waits for
 * requests of another mount, so a small pool could run dry; this many
 * exceeds any number of writers the harness runs at once.
 */
#define CFS_MAX_THREADS 256
/*
 * Entry and attribute timeouts of 0: every open() looks the name up again
 * and every stat() asks for the size, so a file created, replaced or
 * resized through one mount is seen at once through the others. Faults on
 * a mapping ask for neither, so the cost stays out of what is measured.
 */
#define CFS_ENTRY_TIMEOUT 0.0
#define CFS_ATTR_TIMEOUT 0.0
#define CFS_STOP_WAIT_S 1		/* for threads to end at exit */
#define CFS_LINE_MAX 4352
#define FUSE_SUPER_MAGIC 0x65735546

struct cfs;

struct cfs_mount {
	struct cfs *fs;
	int idx;
	char path[PATH_MAX];
	bool created;			/* mkdir'd here: removed at exit */
	int dir_fd;			/* the directory made for it (O_PATH) */
	struct fl_fuse_mount fm;	/* placed on dir_fd, detached by its fd */
	struct fuse_session *se;
	pthread_t thread;
	bool thread_started;
	dev_t dev;			/* of the mount: its fusectl name */
};

/* An invalidation in progress, on its inode's list while it runs. */
struct cfs_inval {
	struct cfs_inval *next;
	int mount;			/* being invalidated */
	int origin;			/* whose write it answers; -1: none */
	uint64_t first, last;		/* 2 MiB chunks covered */
};

/*
 * A backing file the kernel knows. The FUSE inode number is the backing
 * inode number + 1, the same on every mount (and never 1, the root); the
 * O_PATH descriptor keeps the backing inode, so its number cannot be
 * reused while any mount still holds the entry.
 */
struct cfs_inode {
	struct cfs_inode *next;		/* hash chain */
	fuse_ino_t ino;
	int pfd;
	uint64_t nlookup;		/* lookups not yet forgotten, all mounts */
	unsigned int refs;		/* the daemon's own: requests, jobs */
	struct cfs_inval *invals;
};

struct cfs_dir {
	size_t nr;
	struct cfs_dirent {
		char *name;
		fuse_ino_t ino;
	} *ents;
};

struct cfs {
	const char *backing, *mount_dir, *control;
	int backing_fd;
	int mount_dir_fd;		/* mount points are made in it by *at() */
	int nr_mounts;
	bool skip;
	struct cfs_mount mounts[CFS_MAX_MOUNTS];

	pthread_mutex_t lock;		/* the table and invalidation lists */
	struct cfs_inode *table[CFS_BUCKETS];

	pthread_mutex_t job_lock;
	pthread_cond_t job_cond;
	struct cfs_job *jobs, **jobs_tail;
	bool jobs_stop;
	pthread_t job_thread;
	bool job_started;

	int listen_fd;
	bool bound;
	pthread_t ctl_thread;
	bool ctl_started;

	atomic_bool stopping;
	atomic_bool warned;
	_Atomic uint64_t writes, invalidations, skipped, requested, deferred;
};

static struct cfs cfs_daemon;

/* ---- the inode table ---- */

static struct cfs_inode **bucket(struct cfs *fs, fuse_ino_t ino)
{
	return &fs->table[ino % CFS_BUCKETS];
}

static struct cfs_inode *find_locked(struct cfs *fs, fuse_ino_t ino)
{
	struct cfs_inode *in;

	for (in = *bucket(fs, ino); in; in = in->next)
		if (in->ino == ino)
			return in;
	return NULL;
}

/* Free @in once neither the kernel nor the daemon refers to it. */
static void maybe_free_locked(struct cfs *fs, struct cfs_inode *in)
{
	struct cfs_inode **p;

	if (in->nlookup || in->refs)
		return;
	for (p = bucket(fs, in->ino); *p != in; p = &(*p)->next)
		;
	*p = in->next;
	close(in->pfd);
	free(in);
}

/* A daemon reference on inode @ino, or NULL if no mount knows it. */
static struct cfs_inode *inode_get(struct cfs *fs, fuse_ino_t ino)
{
	struct cfs_inode *in;

	pthread_mutex_lock(&fs->lock);
	in = find_locked(fs, ino);
	if (in)
		in->refs++;
	pthread_mutex_unlock(&fs->lock);
	return in;
}

static void inode_put(struct cfs *fs, struct cfs_inode *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&fs->lock);
	in->refs--;
	maybe_free_locked(fs, in);
	pthread_mutex_unlock(&fs->lock);
}

static void inode_forget(struct cfs *fs, fuse_ino_t ino, uint64_t n)
{
	struct cfs_inode *in;

	pthread_mutex_lock(&fs->lock);
	in = find_locked(fs, ino);
	if (in) {
		in->nlookup = n < in->nlookup ? in->nlookup - n : 0;
		maybe_free_locked(fs, in);
	}
	pthread_mutex_unlock(&fs->lock);
}

/*
 * Enter the regular file behind O_PATH descriptor @pfd (consumed) in the
 * table with one more kernel lookup. 0 with *@out and @st, or -errno.
 */
static int inode_enter(struct cfs *fs, int pfd, struct cfs_inode **out,
		       struct stat *st)
{
	struct cfs_inode *in, *fresh;

	if (fstat(pfd, st)) {
		int e = errno;

		close(pfd);
		return -e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(pfd);
		return -ENOENT;		/* only regular files are served */
	}
	fresh = calloc(1, sizeof(*fresh));
	if (!fresh) {
		close(pfd);
		return -ENOMEM;
	}
	st->st_ino = (ino_t)(st->st_ino + 1);
	pthread_mutex_lock(&fs->lock);
	in = find_locked(fs, st->st_ino);
	if (!in) {
		in = fresh;
		in->ino = st->st_ino;
		in->pfd = pfd;
		in->next = *bucket(fs, in->ino);
		*bucket(fs, in->ino) = in;
		fresh = NULL;
	}
	in->nlookup++;
	pthread_mutex_unlock(&fs->lock);
	if (fresh) {
		close(pfd);
		free(fresh);
	}
	*out = in;
	return 0;
}

static void proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* ---- invalidation ---- */

static void chunks(off_t off, off_t len, uint64_t *first, uint64_t *last)
{
	*first = (uint64_t)off >> CFS_CHUNK_SHIFT;
	*last = len > 0 ? (uint64_t)(off + len - 1) >> CFS_CHUNK_SHIFT : UINT64_MAX;
}

static void register_locked(struct cfs_inode *in, struct cfs_inval *v, int mount,
			    int origin, uint64_t first, uint64_t last)
{
	v->mount = mount;
	v->origin = origin;
	v->first = first;
	v->last = last;
	v->next = in->invals;
	in->invals = v;
}

static void unregister(struct cfs *fs, struct cfs_inode *in, struct cfs_inval *v)
{
	struct cfs_inval **p;

	pthread_mutex_lock(&fs->lock);
	for (p = &in->invals; *p && *p != v; p = &(*p)->next)
		;
	if (*p)
		*p = v->next;
	pthread_mutex_unlock(&fs->lock);
}

/*
 * One notify_inval_inode of [@off, @off + @len) (@len 0: to the end) of
 * @in on mount @m; returns once the kernel has unmapped and dropped the
 * pages. -ENOENT (the mount never looked the file up) means nothing is
 * cached there.
 */
static int notify(struct cfs *fs, struct cfs_inode *in, int m, off_t off,
		  off_t len)
{
	int ret;

	atomic_fetch_add(&fs->invalidations, 1);
	ret = fuse_lowlevel_notify_inval_inode(fs->mounts[m].se, in->ino, off, len);
	if (ret == -ENOENT)
		ret = 0;
	if (ret && !atomic_load(&fs->stopping) &&
	    !atomic_exchange(&fs->warned, true))
		fl_warn("clusterfs: invalidate inode %lu on %s: %s (warned once)",
			(unsigned long)in->ino, fs->mounts[m].path, strerror(-ret));
	return ret;
}

/*
 * What an operation through one mount changed: [off, off + len) (len 0:
 * to the end), and the new size when it grew the file (0 if not), with the
 * file's last byte.
 */
struct cfs_change {
	off_t off, len;
	off_t grow;
	unsigned char last;
};

/* A deferred invalidation of the mounts in @targets. */
struct cfs_job {
	struct cfs_job *next;
	struct cfs_inode *in;		/* holds a ref */
	uint64_t targets;
	struct cfs_change change;
};

/*
 * Tell mount @m that @in grew to @c->grow. A mount learns sizes from
 * lookups and getattrs, which a page fault never makes, so its mappings
 * would SIGBUS beyond its old end. A store of the last byte moves its
 * i_size up (the kernel ignores a store of nothing), and invalidating that
 * page right after undoes the store if a later write raced with it.
 */
static void notify_grow(struct cfs *fs, struct cfs_inode *in, int m,
			const struct cfs_change *c)
{
	struct fuse_bufvec one = FUSE_BUFVEC_INIT(1);
	unsigned char byte = c->last;
	int ret;

	one.buf[0].mem = &byte;
	ret = fuse_lowlevel_notify_store(fs->mounts[m].se, in->ino, c->grow - 1, &one, 0);
	if (ret == -ENOENT)
		return;		/* not known there: it will look the size up */
	if (ret && !atomic_load(&fs->stopping) && !atomic_exchange(&fs->warned, true))
		fl_warn("clusterfs: new size of inode %lu on %s: %s (warned once)",
			(unsigned long)in->ino, fs->mounts[m].path, strerror(-ret));
	notify(fs, in, m, (c->grow - 1) & ~(off_t)(getpagesize() - 1), getpagesize());
}

static void change_chunks(const struct cfs_change *c, uint64_t *first, uint64_t *last)
{
	chunks(c->off, c->len, first, last);
	if (c->grow && (uint64_t)(c->grow - 1) >> CFS_CHUNK_SHIFT < *first)
		*first = (uint64_t)(c->grow - 1) >> CFS_CHUNK_SHIFT;
}

/*
 * Apply @c to the mounts in @targets, each registered in @nodes (by the
 * caller if @registered, else here with no origin: a deferred job's write
 * was answered already).
 */
static void notify_targets(struct cfs *fs, struct cfs_inode *in, uint64_t targets,
			   const struct cfs_change *c, bool registered,
			   struct cfs_inval *nodes)
{
	uint64_t first, last;

	if (!registered) {
		change_chunks(c, &first, &last);
		pthread_mutex_lock(&fs->lock);
		for (int m = 0; m < fs->nr_mounts; m++)
			if (targets & (1ULL << m))
				register_locked(in, &nodes[m], m, -1, first, last);
		pthread_mutex_unlock(&fs->lock);
	}
	for (int m = 0; m < fs->nr_mounts; m++) {
		if (!(targets & (1ULL << m)))
			continue;
		notify(fs, in, m, c->off, c->len);
		if (c->grow)
			notify_grow(fs, in, m, c);
		unregister(fs, in, &nodes[m]);
	}
}

static void defer(struct cfs *fs, struct cfs_inode *in, uint64_t targets,
		  const struct cfs_change *c)
{
	struct cfs_job *j = malloc(sizeof(*j));

	atomic_fetch_add(&fs->deferred, 1);
	if (!j) {
		fl_warn("clusterfs: out of memory: invalidation of inode %lu lost",
			(unsigned long)in->ino);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	in->refs++;
	pthread_mutex_unlock(&fs->lock);
	*j = (struct cfs_job){ .in = in, .targets = targets, .change = *c };
	pthread_mutex_lock(&fs->job_lock);
	*fs->jobs_tail = j;
	fs->jobs_tail = &j->next;
	pthread_cond_signal(&fs->job_cond);
	pthread_mutex_unlock(&fs->job_lock);
}

/*
 * After change @c of @in made through mount @origin: drop the range from
 * every other mount (and give them the new size) before the change is
 * answered, except where that could deadlock: a mount X whose write is
 * being answered with an invalidation of @origin over an overlapping
 * chunk (the rule at the top of this file) is done by the deferred worker.
 */
static void invalidate_others(struct cfs *fs, int origin, struct cfs_inode *in,
			      const struct cfs_change *c)
{
	struct cfs_inval nodes[CFS_MAX_MOUNTS];
	uint64_t first, last, now = 0, later = 0;

	if (fs->nr_mounts < 2 || !in)
		return;
	if (fs->skip) {
		atomic_fetch_add(&fs->skipped, (uint64_t)fs->nr_mounts - 1);
		return;
	}
	change_chunks(c, &first, &last);
	pthread_mutex_lock(&fs->lock);
	for (struct cfs_inval *v = in->invals; v; v = v->next)
		if (v->mount == origin && v->origin >= 0 && v->first <= last &&
		    first <= v->last)
			later |= 1ULL << v->origin;
	for (int m = 0; m < fs->nr_mounts; m++) {
		if (m == origin || (later & (1ULL << m)))
			continue;
		now |= 1ULL << m;
		register_locked(in, &nodes[m], m, origin, first, last);
	}
	pthread_mutex_unlock(&fs->lock);
	notify_targets(fs, in, now, c, true, nodes);
	if (later)
		defer(fs, in, later, c);
}

static void *job_main(void *arg)
{
	struct cfs *fs = arg;
	struct cfs_inval nodes[CFS_MAX_MOUNTS];

	for (;;) {
		struct cfs_job *j;

		pthread_mutex_lock(&fs->job_lock);
		while (!fs->jobs && !fs->jobs_stop)
			pthread_cond_wait(&fs->job_cond, &fs->job_lock);
		j = fs->jobs;
		if (j) {
			fs->jobs = j->next;
			if (!fs->jobs)
				fs->jobs_tail = &fs->jobs;
		}
		pthread_mutex_unlock(&fs->job_lock);
		if (!j)
			return NULL;
		notify_targets(fs, j->in, j->targets, &j->change, false, nodes);
		inode_put(fs, j->in);
		free(j);
	}
}

/* ---- FUSE operations ---- */

static struct cfs_mount *req_mount(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void cfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/*
	 * Only the daemon's notifications drop cached pages: no dropping
	 * the whole file when a getattr sees a new mtime or size, and no
	 * write-back cache (a write() goes through to the daemon at once).
	 */
	conn->want &= ~(FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_WRITEBACK_CACHE);
	if (conn->capable & FUSE_CAP_EXPLICIT_INVAL_DATA)
		conn->want |= FUSE_CAP_EXPLICIT_INVAL_DATA;
}

static int stat_ino(struct cfs *fs, fuse_ino_t ino, struct stat *st)
{
	struct cfs_inode *in;
	int ret = 0;

	if (ino == FUSE_ROOT_ID) {
		if (fstat(fs->backing_fd, st))
			return -errno;
		st->st_ino = FUSE_ROOT_ID;
		return 0;
	}
	in = inode_get(fs, ino);
	if (!in)
		return -ENOENT;
	if (fstat(in->pfd, st))
		ret = -errno;
	st->st_ino = ino;
	inode_put(fs, in);
	return ret;
}

static void reply_entry(fuse_req_t req, struct cfs *fs, struct cfs_inode *in,
			const struct stat *st)
{
	struct fuse_entry_param e = {
		.ino = in->ino, .attr = *st,
		.attr_timeout = CFS_ATTR_TIMEOUT,
		.entry_timeout = CFS_ENTRY_TIMEOUT,
	};

	/* A lookup the kernel did not get is not counted by it either. */
	if (fuse_reply_entry(req, &e))
		inode_forget(fs, in->ino, 1);
}

static void cfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cfs *fs = req_mount(req)->fs;
	struct cfs_inode *in;
	struct stat st;
	int pfd, ret;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	pfd = openat(fs->backing_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ret = pfd < 0 ? -errno : inode_enter(fs, pfd, &in, &st);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		reply_entry(req, fs, in, &st);
}

static void cfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inode_forget(req_mount(req)->fs, ino, nlookup);
	fuse_reply_none(req);
}

static void cfs_forget_multi(fuse_req_t req, size_t count,
			     struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		inode_forget(req_mount(req)->fs, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void cfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int ret;

	(void)fi;
	ret = stat_ino(req_mount(req)->fs, ino, &st);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, CFS_ATTR_TIMEOUT);
}

static int set_size(struct cfs_inode *in, struct fuse_file_info *fi, off_t size)
{
	char path[64];
	int fd, ret = 0;

	if (fi)
		return ftruncate((int)fi->fh, size) ? -errno : 0;
	proc_path(path, sizeof(path), in->pfd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size))
		ret = -errno;
	close(fd);
	return ret;
}

static int set_times(struct cfs_inode *in, struct fuse_file_info *fi,
		     const struct stat *attr, int to_set)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
	char path[64];
	int ret;

	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;
	if (fi) {
		ret = futimens((int)fi->fh, ts);
	} else {
		proc_path(path, sizeof(path), in->pfd);
		ret = utimensat(AT_FDCWD, path, ts, 0);
	}
	return ret ? -errno : 0;
}

/*
 * Mode, owner, size and times. A new size is made on the backing file,
 * then the range from it on is dropped from every other mount (their
 * attributes go with it).
 */
static void cfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	struct cfs_mount *m = req_mount(req);
	struct cfs *fs = m->fs;
	struct cfs_inode *in;
	char path[64];
	struct stat st;
	int ret = 0;

	in = ino == FUSE_ROOT_ID ? NULL : inode_get(fs, ino);
	if (!in) {
		fuse_reply_err(req, ino == FUSE_ROOT_ID ? EPERM : ENOENT);
		return;
	}
	proc_path(path, sizeof(path), in->pfd);
	if (to_set & FUSE_SET_ATTR_MODE) {
		if (fi ? fchmod((int)fi->fh, attr->st_mode) : chmod(path, attr->st_mode))
			ret = -errno;
	}
	if (!ret && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		uid_t uid = to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
		gid_t gid = to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

		if (fchownat(in->pfd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			ret = -errno;
	}
	if (!ret && (to_set & FUSE_SET_ATTR_SIZE)) {
		struct cfs_change c = { .off = attr->st_size };

		ret = fstat(in->pfd, &st) ? -errno : set_size(in, fi, attr->st_size);
		if (!ret && attr->st_size > st.st_size)
			c.grow = attr->st_size;		/* its last byte is a 0 */
		if (!ret)
			invalidate_others(fs, m->idx, in, &c);
	}
	if (!ret && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
			       FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)))
		ret = set_times(in, fi, attr, to_set);
	if (!ret && fstat(in->pfd, &st))
		ret = -errno;
	inode_put(fs, in);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	st.st_ino = ino;
	fuse_reply_attr(req, &st, CFS_ATTR_TIMEOUT);
}

/*
 * The backing descriptor behind a FUSE open: read-write whatever the
 * kernel asked for (write-back of a mapping may come through any open),
 * never O_APPEND (the kernel sends offsets) nor O_DIRECT (it sends
 * arbitrary lengths).
 */
static int open_backing(int pfd, int flags)
{
	char path[64];
	int fd;

	proc_path(path, sizeof(path), pfd);
	flags &= O_SYNC | O_DSYNC;
	fd = open(path, O_RDWR | O_CLOEXEC | flags);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == ETXTBSY))
		fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

static void cfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cfs *fs = req_mount(req)->fs;
	struct cfs_inode *in;
	int fd;

	if (ino == FUSE_ROOT_ID) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	in = inode_get(fs, ino);
	if (!in) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fd = open_backing(in->pfd, fi->flags);
	inode_put(fs, in);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;	/* the page cache outlives opens */
	fi->direct_io = 0;
	if (fuse_reply_open(req, fi))
		close(fd);
}

static void cfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi)
{
	struct cfs_mount *m = req_mount(req);
	struct cfs *fs = m->fs;
	struct cfs_inode *in;
	struct stat st;
	char path[64];
	int fd, pfd, ret;
	struct fuse_entry_param e = {
		.attr_timeout = CFS_ATTR_TIMEOUT,
		.entry_timeout = CFS_ENTRY_TIMEOUT,
	};

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fd = openat(fs->backing_fd, name, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC |
		    (fi->flags & (O_EXCL | O_SYNC | O_DSYNC)), mode);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	proc_path(path, sizeof(path), fd);
	pfd = open(path, O_PATH | O_CLOEXEC);
	ret = pfd < 0 ? -errno : inode_enter(fs, pfd, &in, &st);
	if (ret) {
		close(fd);
		fuse_reply_err(req, -ret);
		return;
	}
	/* O_TRUNC of a file another mount created meanwhile. */
	if ((fi->flags & O_TRUNC) && st.st_size) {
		pthread_mutex_lock(&fs->lock);
		in->refs++;
		pthread_mutex_unlock(&fs->lock);
		if (ftruncate(fd, 0))
			ret = -errno;
		else
			invalidate_others(fs, m->idx, in, &(struct cfs_change){ 0 });
		inode_put(fs, in);
		st.st_size = 0;
		if (ret) {
			close(fd);
			inode_forget(fs, in->ino, 1);
			fuse_reply_err(req, -ret);
			return;
		}
	}
	e.ino = in->ino;
	e.attr = st;
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	fi->direct_io = 0;
	if (fuse_reply_create(req, &e, fi)) {
		close(fd);
		inode_forget(fs, e.ino, 1);
	}
}

static void cfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	char *buf = malloc(size ? size : 1);
	size_t done = 0;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	while (done < size) {
		ssize_t n = pread((int)fi->fh, buf + done, size - done,
				  off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fuse_reply_err(req, errno);
			free(buf);
			return;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	fuse_reply_buf(req, buf, done);
	free(buf);
}

/*
 * The heart of it: make the write on the backing file, drop the range
 * from every other mount, then answer (so once write() or msync()
 * returns on one mount, the others fault the new bytes in).
 */
static void cfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct cfs_mount *m = req_mount(req);
	struct cfs *fs = m->fs;
	struct cfs_inode *in;
	struct cfs_change c = { 0 };
	size_t done = 0;
	off_t size0 = -1;
	struct stat st;

	atomic_fetch_add(&fs->writes, 1);
	if (!fstat((int)fi->fh, &st))
		size0 = st.st_size;	/* to tell whether the write grows the file */
	while (done < size) {
		ssize_t n = pwrite((int)fi->fh, buf + done, size - done,
				   off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!done) {
				fuse_reply_err(req, n < 0 ? errno : EIO);
				return;
			}
			break;
		}
		done += (size_t)n;
	}
	c.off = off;
	c.len = (off_t)done;
	if (size0 >= 0 && !fstat((int)fi->fh, &st) && st.st_size > size0 &&
	    st.st_size == off + (off_t)done) {
		c.grow = st.st_size;
		c.last = (unsigned char)buf[done - 1];
	}
	in = inode_get(fs, ino);
	invalidate_others(fs, m->idx, in, &c);
	inode_put(fs, in);
	fuse_reply_write(req, done);
}

static void cfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void cfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void cfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		      struct fuse_file_info *fi)
{
	int ret;

	(void)ino;
	ret = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
	fuse_reply_err(req, ret ? errno : 0);
}

static void cfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cfs *fs = req_mount(req)->fs;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fuse_reply_err(req, unlinkat(fs->backing_fd, name, 0) ? errno : 0);
}

static void cfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct cfs *fs = req_mount(req)->fs;

	if (parent != FUSE_ROOT_ID || newparent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fuse_reply_err(req, renameat2(fs->backing_fd, name, fs->backing_fd,
				      newname, flags) ? errno : 0);
}

/* A snapshot of the regular files in the backing directory. */
static void cfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cfs *fs = req_mount(req)->fs;
	struct cfs_dir *d;
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	int fd;

	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	d = calloc(1, sizeof(*d));
	fd = openat(fs->backing_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!d || !dir) {
		int e = d ? errno : ENOMEM;

		if (fd >= 0 && !dir)
			close(fd);
		free(d);
		fuse_reply_err(req, e);
		return;
	}
	while ((de = readdir(dir))) {
		struct stat st;

		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
			    !S_ISREG(st.st_mode))
				continue;
		} else if (de->d_type != DT_REG) {
			continue;
		}
		if (d->nr == cap) {
			struct cfs_dirent *n;

			cap = cap ? cap * 2 : 32;
			n = realloc(d->ents, cap * sizeof(*n));
			if (!n)
				break;
			d->ents = n;
		}
		d->ents[d->nr].name = strdup(de->d_name);
		if (!d->ents[d->nr].name)
			break;
		d->ents[d->nr++].ino = (fuse_ino_t)de->d_ino + 1;
	}
	closedir(dir);
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi)) {
		for (size_t i = 0; i < d->nr; i++)
			free(d->ents[i].name);
		free(d->ents);
		free(d);
	}
}

static void cfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	struct cfs_dir *d = (struct cfs_dir *)(uintptr_t)fi->fh;
	char *buf = malloc(size ? size : 1);
	size_t pos = 0;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off; i < d->nr + 2; i++) {
		struct stat st = { .st_ino = FUSE_ROOT_ID, .st_mode = S_IFDIR };
		const char *name = i == 0 ? "." : "..";
		size_t n;

		if (i >= 2) {
			name = d->ents[i - 2].name;
			st.st_ino = d->ents[i - 2].ino;
			st.st_mode = S_IFREG;
		}
		n = fuse_add_direntry(req, buf + pos, size - pos, name, &st,
				      (off_t)i + 1);
		if (n > size - pos)
			break;
		pos += n;
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void cfs_releasedir(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	struct cfs_dir *d = (struct cfs_dir *)(uintptr_t)fi->fh;

	(void)ino;
	for (size_t i = 0; i < d->nr; i++)
		free(d->ents[i].name);
	free(d->ents);
	free(d);
	fuse_reply_err(req, 0);
}

static void cfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	if (fstatvfs(req_mount(req)->fs->backing_fd, &sv))
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* Allocate or punch on the backing file; the range goes on other mounts. */
static void cfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			  off_t len, struct fuse_file_info *fi)
{
	struct cfs_mount *m = req_mount(req);
	struct cfs_change c = { .off = off, .len = len };
	struct cfs_inode *in;
	struct stat st;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (fstat((int)fi->fh, &st) || fallocate((int)fi->fh, mode, off, len)) {
		fuse_reply_err(req, errno);
		return;
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > st.st_size)
		c.grow = off + len;		/* its last byte is a 0 */
	in = inode_get(m->fs, ino);
	invalidate_others(m->fs, m->idx, in, &c);
	inode_put(m->fs, in);
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops cfs_ops = {
	.init = cfs_init,
	.lookup = cfs_lookup,
	.forget = cfs_forget,
	.forget_multi = cfs_forget_multi,
	.getattr = cfs_getattr,
	.setattr = cfs_setattr,
	.open = cfs_open,
	.create = cfs_create,
	.read = cfs_read,
	.write = cfs_write,
	.flush = cfs_flush,
	.release = cfs_release,
	.fsync = cfs_fsync,
	.unlink = cfs_unlink,
	.rename = cfs_rename,
	.opendir = cfs_opendir,
	.readdir = cfs_readdir,
	.releasedir = cfs_releasedir,
	.statfs = cfs_statfs,
	.fallocate = cfs_fallocate,
};

/* ---- the control socket ---- */

/*
 * "inval MOUNT NAME OFF LEN": drop a range of NAME from mount MOUNT, as a
 * remote node taking the lock would. LEN 0 is to the end of the file.
 */
static int ctl_inval(struct cfs *fs, const char *args, char *msg, size_t len)
{
	unsigned long long off, n;
	struct cfs_inval node;
	struct cfs_inode *in;
	char name[NAME_MAX + 2];
	uint64_t first, last;
	struct stat st;
	int mount, end, ret;

	if (sscanf(args, "%d %256s %llu %llu %n", &mount, name, &off, &n, &end) != 4 ||
	    args[end] || strlen(name) > NAME_MAX) {
		fl_set_err(msg, len, "inval: expected \"inval MOUNT NAME OFF LEN\", got \"inval %s\"",
			   args);
		return -EINVAL;
	}
	if (mount < 0 || mount >= fs->nr_mounts) {
		fl_set_err(msg, len, "inval: mount %d: there are %d mounts (0..%d)",
			   mount, fs->nr_mounts, fs->nr_mounts - 1);
		return -EINVAL;
	}
	if (strchr(name, '/') || off > INT64_MAX || n > INT64_MAX - off) {
		fl_set_err(msg, len, "inval: %s at %llu+%llu: not a file name and range",
			   name, off, n);
		return -EINVAL;
	}
	atomic_fetch_add(&fs->requested, 1);
	if (fstatat(fs->backing_fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		int e = errno;

		fl_set_err(msg, len, "inval: %s (in %s): %s", name, fs->backing,
			   strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		fl_set_err(msg, len, "inval: %s (in %s): not a regular file", name,
			   fs->backing);
		return -EINVAL;
	}
	if (!n)
		n = (unsigned long long)st.st_size > off ? (unsigned long long)st.st_size - off : 0;
	if (fs->skip) {
		atomic_fetch_add(&fs->skipped, 1);
		return 0;
	}
	/* Not in the table: no mount has looked it up, nothing is cached. */
	in = inode_get(fs, (fuse_ino_t)st.st_ino + 1);
	if (!in)
		return 0;
	chunks((off_t)off, (off_t)n, &first, &last);
	pthread_mutex_lock(&fs->lock);
	register_locked(in, &node, mount, -1, first, last);
	pthread_mutex_unlock(&fs->lock);
	ret = notify(fs, in, mount, (off_t)off, (off_t)n);
	unregister(fs, in, &node);
	inode_put(fs, in);
	if (ret)
		fl_set_err(msg, len, "inval: %s on %s: %s", name, fs->mounts[mount].path,
			   strerror(-ret));
	return ret;
}

/* One request line into one reply line (without the newline). */
static void ctl_request(struct cfs *fs, char *line, char *reply, size_t len)
{
	char msg[FL_ERR_LEN];
	int ret = 0;

	if (!strncmp(line, "inval ", 6)) {
		ret = ctl_inval(fs, line + 6, msg, sizeof(msg));
	} else if (!strcmp(line, "stats")) {
		snprintf(reply, len,
			 "ok writes=%llu invalidations=%llu skipped=%llu requested=%llu deferred=%llu",
			 (unsigned long long)atomic_load(&fs->writes),
			 (unsigned long long)atomic_load(&fs->invalidations),
			 (unsigned long long)atomic_load(&fs->skipped),
			 (unsigned long long)atomic_load(&fs->requested),
			 (unsigned long long)atomic_load(&fs->deferred));
		return;
	} else if (!strcmp(line, "info")) {
		snprintf(reply, len, "ok nodes=%d pid=%d skip=%d mounts=%s",
			 fs->nr_mounts, (int)getpid(), fs->skip, fs->mount_dir);
		return;
	} else if (!strcmp(line, "quit")) {
		snprintf(reply, len, "ok");
		kill(getpid(), SIGUSR1);
		return;
	} else {
		fl_set_err(msg, sizeof(msg),
			   "unknown request \"%.64s\" (inval, stats, info, quit)", line);
		ret = -EINVAL;
	}
	if (ret)
		snprintf(reply, len, "err %d %s", -ret, msg);
	else
		snprintf(reply, len, "ok");
}

static void *ctl_conn_main(void *arg)
{
	struct cfs *fs = &cfs_daemon;
	int fd = (int)(intptr_t)arg;
	char buf[CFS_LINE_MAX], reply[CFS_LINE_MAX + 128];
	size_t have = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', have);
		ssize_t n;

		if (nl) {
			size_t used = (size_t)(nl - buf) + 1, rlen;

			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			ctl_request(fs, buf, reply, sizeof(reply) - 1);
			rlen = strlen(reply);
			reply[rlen++] = '\n';
			if (send(fd, reply, rlen, MSG_NOSIGNAL) != (ssize_t)rlen)
				break;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == sizeof(buf))
			break;		/* a line too long: hang up */
		n = recv(fd, buf + have, sizeof(buf) - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	return NULL;
}

void fl_clusterfs_ctl_serve(int fd, int backing_fd, int nr_mounts)
{
	struct cfs *fs = &cfs_daemon;

	fs->backing = fs->mount_dir = "(not mounted)";
	fs->backing_fd = backing_fd;
	fs->nr_mounts = nr_mounts < 1 ? 1 : nr_mounts > CFS_MAX_MOUNTS ?
			CFS_MAX_MOUNTS : nr_mounts;
	ctl_conn_main((void *)(intptr_t)fd);
}

static void *ctl_main(void *arg)
{
	struct cfs *fs = arg;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		pthread_t t;
		int c = accept4(fs->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (atomic_load(&fs->stopping))
				break;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
				nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
				continue;
			}
			fl_warn("clusterfs: accept on %s: %s", fs->control, strerror(errno));
			break;
		}
		if (pthread_create(&t, &attr, ctl_conn_main, (void *)(intptr_t)c))
			close(c);
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

static int ctl_listen(struct cfs *fs, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(fs->control) >= sizeof(sa.sun_path)) {
		fl_set_err(err, len, "control socket %s: path longer than %zu bytes",
			   fs->control, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, fs->control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fl_set_err(err, len, "control socket %s: in use by a running daemon",
			   fs->control);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED)
		unlink(fs->control);	/* left by a daemon that died */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	fs->bound = true;
	if (listen(fd, 64))
		goto fail;
	fs->listen_fd = fd;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	fl_set_err(err, len, "control socket %s: %s", fs->control, strerror(e));
	return -e;
}

/* ---- mounts ---- */

static void *loop_main(void *arg)
{
	struct cfs_mount *m = arg;
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	int ret;

	if (!cfg) {
		ret = -ENOMEM;
	} else {
		fuse_loop_cfg_set_max_threads(cfg, CFS_MAX_THREADS);
		fuse_loop_cfg_set_clone_fd(cfg, 0);
		ret = fuse_session_loop_mt(m->se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	/* A mount that goes away (umount by hand) ends the daemon. */
	if (!atomic_load(&m->fs->stopping)) {
		fl_warn("clusterfs: %s: session ended (%s)", m->path,
			ret ? strerror(ret < 0 ? -ret : ret) : "unmounted");
		kill(getpid(), SIGUSR2);
	}
	return NULL;
}

/*
 * Create MOUNTS/node<i>, fresh, in the directory opened and checked at
 * setup, and open it: a name that exists already (planted, or a symlink to
 * somewhere else) is never mounted over, and the mount goes on the
 * directory made here even if a name on the path is renamed since.
 */
static int prepare_dir(struct cfs_mount *m, char *err, size_t len)
{
	const char *name = strrchr(m->path, '/') + 1;
	int e;

	if (mkdirat(m->fs->mount_dir_fd, name, 0755)) {
		e = errno;
		fl_set_err(err, len, "mount point %s: %s%s", m->path, strerror(e),
			   e == EEXIST ? " (a mount point must be a directory clusterfs creates)" :
			   e == ENOTCONN ? " (a dead daemon's mount: faultline clusterfs --sweep)" : "");
		return -e;
	}
	m->created = true;
	m->dir_fd = openat(m->fs->mount_dir_fd, name,
			   O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (m->dir_fd < 0) {
		e = errno;
		fl_set_err(err, len, "mount point %s: %s", m->path, strerror(e));
		return -e;
	}
	return 0;
}

/*
 * Tests only: FAULTLINE_TEST_MOUNT_DELAY_MS holds each mount between
 * making its directory and mounting on it, the window a rename of a
 * directory on the path would use (tests/t-hostile-dir.sh).
 */
static void test_mount_delay(void)
{
	const char *ms = getenv("FAULTLINE_TEST_MOUNT_DELAY_MS");
	long v = ms ? strtol(ms, NULL, 10) : 0;

	if (v > 0 && v <= 60000) {
		struct timespec t = { .tv_sec = v / 1000, .tv_nsec = v % 1000 * 1000000 };

		nanosleep(&t, NULL);
	}
}

static int mount_one(struct cfs_mount *m, bool debug, char *err,
		     size_t len)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char source[64], dev_fd[32];
	int ret;

	ret = prepare_dir(m, err, len);
	if (ret)
		return ret;
	if (fuse_opt_add_arg(&args, "faultline") ||
	    (debug && fuse_opt_add_arg(&args, "-d"))) {
		fuse_opt_free_args(&args);
		fl_set_err(err, len, "mount %s: out of memory", m->path);
		return -ENOMEM;
	}
	m->se = fuse_session_new(&args, &cfs_ops, sizeof(cfs_ops), m);
	fuse_opt_free_args(&args);
	if (!m->se) {
		fl_set_err(err, len, "mount %s: cannot create a FUSE session", m->path);
		return -EINVAL;
	}
	test_mount_delay();
	snprintf(source, sizeof(source), "%s:%d", FL_CLUSTERFS_FSNAME, (int)getpid());
	ret = fl_fuse_mount_at(&m->fm, m->dir_fd, m->path, source, "clusterfs", err, len);
	if (ret)
		return ret;
	/* The device is open and mounted: the session only serves it. */
	snprintf(dev_fd, sizeof(dev_fd), "/dev/fd/%d", m->fm.fuse_fd);
	if (fuse_session_mount(m->se, dev_fd)) {
		fl_set_err(err, len, "mount %s: fuse_session_mount %s failed (see the fuse: message)",
			   m->path, dev_fd);
		return -EIO;
	}
	return 0;
}

/*
 * Each mount answers a statfs through its own session (which also sees
 * INIT through) and is a FUSE mount: then the daemon is ready.
 */
static int self_check(struct cfs *fs, char *err, size_t len)
{
	for (int i = 0; i < fs->nr_mounts; i++) {
		struct statfs sf;

		struct stat st;

		if (statfs(fs->mounts[i].path, &sf) || stat(fs->mounts[i].path, &st)) {
			int e = errno;

			fl_set_err(err, len, "mount %s does not answer: %s",
				   fs->mounts[i].path, strerror(e));
			return -e;
		}
		if ((unsigned long)sf.f_type != FUSE_SUPER_MAGIC) {
			fl_set_err(err, len, "mount %s: not a FUSE mount (f_type %#lx)",
				   fs->mounts[i].path, (unsigned long)sf.f_type);
			return -EIO;
		}
		fs->mounts[i].dev = st.st_dev;
	}
	return 0;
}

static int check_fuse_dev(char *err, size_t len)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC), e;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	if (e == ENOENT || e == ENXIO || e == ENODEV) {
		fl_set_err(err, len, "/dev/fuse: %s (FUSE is not available: modprobe fuse)",
			   strerror(e));
		return -ENODEV;
	}
	fl_set_err(err, len, "/dev/fuse: %s (mounting needs root)", strerror(e));
	return -e;
}

struct cfs_opts {
	const char *backing, *mounts, *control;
	uint64_t nodes, status_fd;
	bool skip_invalidation, sweep, debug;
};

/*
 * The backing directory, the mount directory and the socket's directory
 * are ours alone: nobody else can plant a name in them or take one away.
 */
static int check_private(const struct cfs *fs, char *err, size_t len)
{
	char sock_dir[PATH_MAX], why[FL_ERR_LEN];
	const char *slash = strrchr(fs->control, '/');
	const struct {
		const char *what, *path;
	} dirs[] = {
		{ "backing directory", fs->backing },
		{ "mount directory", fs->mount_dir },
		{ "control socket directory", sock_dir },
	};

	snprintf(sock_dir, sizeof(sock_dir), "%.*s", slash ? (int)(slash - fs->control) : 1,
		 slash ? fs->control : ".");
	if (!sock_dir[0])
		snprintf(sock_dir, sizeof(sock_dir), "/");
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int ret = fl_scratch_check(dirs[i].path, why, sizeof(why));

		if (ret) {
			fl_set_err(err, len, "%s %s", dirs[i].what, why);
			return ret;
		}
	}
	return 0;
}

static int setup(struct cfs *fs, const struct cfs_opts *o, char *err, size_t len)
{
	char sweep_err[FL_ERR_LEN];
	int ret;

	fs->backing = o->backing;
	fs->mount_dir = o->mounts;
	fs->control = o->control;
	fs->nr_mounts = (int)o->nodes;
	fs->skip = o->skip_invalidation;
	fs->listen_fd = -1;
	fs->backing_fd = -1;
	fs->jobs_tail = &fs->jobs;
	pthread_mutex_init(&fs->lock, NULL);
	pthread_mutex_init(&fs->job_lock, NULL);
	pthread_cond_init(&fs->job_cond, NULL);
	fs->mount_dir_fd = -1;
	for (int i = 0; i < fs->nr_mounts; i++) {
		fs->mounts[i].fs = fs;
		fs->mounts[i].idx = i;
		fs->mounts[i].dir_fd = -1;
		fs->mounts[i].fm = (struct fl_fuse_mount){ .fuse_fd = -1, .mnt_fd = -1 };
		snprintf(fs->mounts[i].path, sizeof(fs->mounts[i].path), "%s/node%d",
			 fs->mount_dir, i);
	}

	ret = check_fuse_dev(err, len);
	if (ret)
		return ret;
	if (fl_clusterfs_sweep(sweep_err, sizeof(sweep_err)) < 0)
		fl_warn("clusterfs: %s", sweep_err);
	fs->backing_fd = open(fs->backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->backing_fd < 0) {
		int e = errno;

		fl_set_err(err, len, "backing directory %s: %s", fs->backing, strerror(e));
		return -e;
	}
	ret = check_private(fs, err, len);
	if (!ret) {
		fs->mount_dir_fd = fl_scratch_open(fs->mount_dir, err, len);
		ret = fs->mount_dir_fd < 0 ? fs->mount_dir_fd : 0;
	}
	if (!ret)
		ret = ctl_listen(fs, err, len);
	for (int i = 0; !ret && i < fs->nr_mounts; i++)
		ret = mount_one(&fs->mounts[i], o->debug, err, len);
	if (ret)
		return ret;

	ret = pthread_create(&fs->job_thread, NULL, job_main, fs);
	if (!ret)
		fs->job_started = true;
	for (int i = 0; !ret && i < fs->nr_mounts; i++) {
		ret = pthread_create(&fs->mounts[i].thread, NULL, loop_main, &fs->mounts[i]);
		if (!ret)
			fs->mounts[i].thread_started = true;
	}
	if (!ret) {
		ret = pthread_create(&fs->ctl_thread, NULL, ctl_main, fs);
		if (!ret)
			fs->ctl_started = true;
	}
	if (ret) {
		fl_set_err(err, len, "start a thread: %s", strerror(ret));
		return -ret;
	}
	return self_check(fs, err, len);
}

/* Interrupts a session loop's sem_wait(), so it sees the session exited. */
#define CFS_SIG_WAKE (SIGRTMIN + 1)

static void on_wake(int sig)
{
	(void)sig;
}

static bool join_until(pthread_t t, const struct timespec *deadline)
{
	return !pthread_timedjoin_np(t, NULL, deadline);
}

/*
 * A loop waits in sem_wait() for a worker to leave; a signal makes it look
 * at the exit flag, cancel the workers blocked in read() and join those
 * busy with a request. True when every loop has ended by @deadline.
 */
static bool join_loops(struct cfs *fs, const struct timespec *deadline)
{
	bool all = true;

	for (int i = 0; i < fs->nr_mounts; i++) {
		struct cfs_mount *m = &fs->mounts[i];

		while (m->thread_started) {
			struct timespec now, step;

			pthread_kill(m->thread, CFS_SIG_WAKE);
			clock_gettime(CLOCK_REALTIME, &now);
			step = now;
			step.tv_nsec += 20000000;
			if (step.tv_nsec >= 1000000000) {
				step.tv_sec++;
				step.tv_nsec -= 1000000000;
			}
			if (!pthread_timedjoin_np(m->thread, NULL, &step)) {
				m->thread_started = false;
			} else if (now.tv_sec > deadline->tv_sec ||
				   (now.tv_sec == deadline->tv_sec &&
				    now.tv_nsec >= deadline->tv_nsec)) {
				all = false;
				break;
			}
		}
	}
	return all;
}

/*
 * Stop the control socket and the deferred worker (it drains its queue),
 * end the session loops, unmount (lazily, so mappings left open do not
 * keep a mount) and remove what setup made. Sessions are unmounted but
 * not freed: a handler or control request still running may notify
 * through one, which then fails on the closed device. Returns false if a
 * thread did not end in time: the caller exits at once, and the kernel
 * aborts the remaining connections when the process ends.
 */
static bool teardown(struct cfs *fs)
{
	struct timespec deadline;
	bool clean = true;

	atomic_store(&fs->stopping, true);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += CFS_STOP_WAIT_S;
	if (fs->listen_fd >= 0) {
		shutdown(fs->listen_fd, SHUT_RDWR);	/* wakes accept() */
		if (fs->ctl_started)
			pthread_join(fs->ctl_thread, NULL);
		close(fs->listen_fd);
	}
	if (fs->bound)
		unlink(fs->control);
	if (fs->job_started) {
		pthread_mutex_lock(&fs->job_lock);
		fs->jobs_stop = true;
		pthread_cond_signal(&fs->job_cond);
		pthread_mutex_unlock(&fs->job_lock);
		if (join_until(fs->job_thread, &deadline))
			fs->job_started = false;
	}
	for (int i = 0; i < fs->nr_mounts; i++)
		if (fs->mounts[i].se)
			fuse_session_exit(fs->mounts[i].se);
	if (!join_loops(fs, &deadline) || fs->job_started) {
		/*
		 * A thread is stuck in the kernel (a notification waiting for
		 * a page that a request in flight holds; it should not happen,
		 * see the top of this file): abort the connections, which
		 * fails every request, and try again.
		 */
		for (int i = 0; i < fs->nr_mounts; i++) {
			char err[FL_ERR_LEN];

			if (fs->mounts[i].dev &&
			    fl_clusterfs_abort(fs->mounts[i].dev, err, sizeof(err)))
				fl_warn("clusterfs: %s", err);
		}
		fl_warn("clusterfs: a thread was stuck at exit: connections aborted");
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += CFS_STOP_WAIT_S;
		if (fs->job_started && join_until(fs->job_thread, &deadline))
			fs->job_started = false;
		join_loops(fs, &deadline);
		clean = !fs->job_started;
	}
	for (int i = 0; i < fs->nr_mounts; i++) {
		struct cfs_mount *m = &fs->mounts[i];

		int ret;

		/* Still serving: the session stays, the mount is detached. */
		if (m->thread_started)
			clean = false;
		ret = fl_fuse_mount_detach(&m->fm);
		if (ret)
			fl_warn("clusterfs: umount %s: %s", m->path, strerror(-ret));
		if (m->dir_fd >= 0)
			close(m->dir_fd);
		m->dir_fd = -1;
	}
	for (int i = 0; i < fs->nr_mounts; i++) {
		const char *name = strrchr(fs->mounts[i].path, '/') + 1;

		if (fs->mounts[i].created &&
		    unlinkat(fs->mount_dir_fd, name, AT_REMOVEDIR) && errno != ENOENT)
			fl_warn("clusterfs: rmdir %s: %s", fs->mounts[i].path, strerror(errno));
	}
	if (fs->mount_dir_fd >= 0)
		close(fs->mount_dir_fd);
	fs->mount_dir_fd = -1;
	return clean;
}

static const struct fl_option cfs_options[] = {
	{ .name = "backing", .type = FL_OPT_STR, .offset = offsetof(struct cfs_opts, backing),
	  .arg = "DIR", .help = "existing directory holding the files (shared by every mount)" },
	{ .name = "mounts", .type = FL_OPT_STR, .offset = offsetof(struct cfs_opts, mounts),
	  .arg = "DIR", .help = "existing directory; mounts are DIR/node0 .. node<N-1>" },
	{ .name = "nodes", .type = FL_OPT_UINT, .offset = offsetof(struct cfs_opts, nodes),
	  .def = "2", .help = "number of mounts", .min = 1, .max = CFS_MAX_MOUNTS },
	{ .name = "control", .type = FL_OPT_STR, .offset = offsetof(struct cfs_opts, control),
	  .arg = "SOCKET", .help = "path of the control socket (AF_UNIX)" },
	{ .name = "skip-invalidation", .type = FL_OPT_BOOL,
	  .offset = offsetof(struct cfs_opts, skip_invalidation),
	  .help = "test only: never invalidate (counted as skipped)" },
	{ .name = "sweep", .type = FL_OPT_BOOL, .offset = offsetof(struct cfs_opts, sweep),
	  .help = "maintenance: only unmount mounts of dead daemons, print how many" },
	{ .name = "status-fd", .type = FL_OPT_UINT, .offset = offsetof(struct cfs_opts, status_fd),
	  .def = "0", .arg = "FD", .help = "(used by the harness) write \"ready\" or \"err ERRNO MESSAGE\" there",
	  .min = 0, .max = 1 << 20 },
	{ .name = "debug", .type = FL_OPT_BOOL, .offset = offsetof(struct cfs_opts, debug),
	  .help = "print every FUSE request (libfuse -d)" },
	{ 0 }
};

static void usage(void)
{
	printf("usage: faultline clusterfs --backing DIR --mounts DIR --nodes N --control SOCKET\n"
	       "                           [--skip-invalidation]\n"
	       "       faultline clusterfs --sweep\n\n"
	       "The remote-invalidation filesystem daemon (started by the harness; runs in\n"
	       "the foreground). N FUSE mounts of one backing directory, each with its own\n"
	       "page cache; a write through one mount drops that range from the others\n"
	       "before it returns. Ends on SIGINT, SIGTERM, \"quit\" or when its parent dies,\n"
	       "unmounting everything.\n\n");
	fl_opt_help(stdout, cfs_options);
	printf("\nControl socket: one request per line, one reply line each:\n"
	       "  inval MOUNT NAME OFF LEN  drop [OFF, OFF+LEN) of NAME on mount MOUNT (LEN 0: to EOF)\n"
	       "  stats                     ok writes=N invalidations=N skipped=N requested=N deferred=N\n"
	       "  info                      ok nodes=N pid=PID skip=0|1 mounts=DIR\n"
	       "  quit                      unmount everything and exit 0\n"
	       "Replies are \"ok ...\" or \"err ERRNO MESSAGE\".\n");
}

static void report(int status_fd, int ret, const char *msg)
{
	if (status_fd > 0) {
		if (ret)
			dprintf(status_fd, "err %d %s\n", -ret, msg);
		else
			dprintf(status_fd, "ready\n");
		close(status_fd);
	} else if (ret) {
		fl_err("clusterfs: %s", msg);
	}
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };

int fl_clusterfs_main(int argc, char **argv)
{
	struct cfs_opts o = { 0 };
	struct fl_opt_set set = { cfs_options, &o };
	struct cfs *fs = &cfs_daemon;
	char err[FL_ERR_LEN] = "";
	sigset_t sigs;
	int ret, sig, status_fd, code;

	ret = fl_opt_defaults(&set, 1, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		usage();
		return FL_EXIT_OK;
	}
	if (!ret && !o.sweep && (!o.backing || !o.mounts || !o.control)) {
		fl_set_err(err, sizeof(err), "--backing, --mounts and --control are required");
		ret = -EINVAL;
	}
	status_fd = (int)o.status_fd;
	if (ret) {
		report(status_fd, ret, err);
		return FL_EXIT_USAGE;
	}
	if (o.sweep) {
		ret = fl_clusterfs_sweep(err, sizeof(err));
		if (ret < 0) {
			fl_err("clusterfs: %s", err);
			return fl_exit_for_errno(ret);
		}
		printf("swept %d\n", ret);
		return FL_EXIT_OK;
	}

	/*
	 * End with whoever started us. The stop signals (reset: a background
	 * job starts with SIGINT ignored) are taken by the main thread only;
	 * SIGUSR1 is "quit" from the control socket, SIGUSR2 a session that
	 * ended by itself.
	 */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, "fl-clusterfs");	/* not "exe" (/proc/self/exe) */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&sigs, stop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		signal(stop_signals[i], SIG_DFL);
	sigaction(CFS_SIG_WAKE, &(struct sigaction){ .sa_handler = on_wake }, NULL);

	ret = setup(fs, &o, err, sizeof(err));
	report(status_fd, ret, err);
	if (!ret && status_fd <= 0) {
		printf("faultline clusterfs: ready: %d mounts %s/node0..%d, control %s, pid %d\n",
		       fs->nr_mounts, fs->mount_dir, fs->nr_mounts - 1, fs->control,
		       (int)getpid());
		fflush(stdout);
	}
	/* A stop signal main()'s handler took before we blocked them. */
	sig = fl_stop_signal;
	while (!ret && sig <= 0)
		sig = sigwaitinfo(&sigs, NULL);
	code = ret ? fl_exit_for_errno(ret) : sig == SIGUSR2 ? FL_EXIT_RESOURCE : FL_EXIT_OK;
	if (!teardown(fs)) {
		/* Threads still run: leave without atexit handlers or frees. */
		fflush(NULL);
		_exit(code);
	}
	return code;
}
