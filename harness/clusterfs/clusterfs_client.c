// SPDX-License-Identifier: GPL-2.0
/*
 * clusterfs, the harness side (clusterfs.h): start the daemon as
 * `/proc/self/exe clusterfs ...`, wait until every mount answers, talk to
 * its control socket, stop it, and sweep the mounts of daemons that died.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/mountinfo.h"
#include "base/scratch.h"
#include "clusterfs/clusterfs.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define CFS_READY_MS 5000	/* daemon start to every mount answering */
#define CFS_STOP_MS 5000	/* "quit" to the daemon's exit */
#define CFS_SOCK_NAME ".clusterfs.sock"
#define CFS_REPLY_MAX 4096

struct fl_clusterfs {
	pid_t pid;			/* the daemon; 0 for a connected handle */
	int nr_mounts;
	char mount_dir[PATH_MAX];
	char (*mounts)[PATH_MAX + 16];
	dev_t *devs;			/* of each mount, for a last-resort abort */
	char control[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char control_dir[PATH_MAX];	/* a private one made for the socket, or "" */
	bool reaped;			/* the daemon's exit status was taken */
	int sock;
	pthread_mutex_t lock;		/* one request at a time on sock */
	char buf[CFS_REPLY_MAX];	/* bytes read past the last reply */
	size_t have;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- /proc/self/mountinfo ---- */

struct cfs_mnt {
	char path[PATH_MAX];
	pid_t pid;
};

/*
 * Every clusterfs mount in this mount namespace: FUSE mounts whose source
 * is "faultline-clusterfs:<pid>". 0 with *@out (free it) and *@nr, or -errno.
 */
static int list_mounts(struct cfs_mnt **out, int *nr)
{
	const char *prefix = FL_CLUSTERFS_FSNAME ":";
	struct fl_mount *all;
	struct cfs_mnt *list;
	int n = 0, nr_all, ret;

	*out = NULL;
	*nr = 0;
	ret = fl_mountinfo_read(&all, &nr_all);
	if (ret)
		return ret;
	list = calloc((size_t)nr_all + 1, sizeof(*list));
	if (!list) {
		free(all);
		return -ENOMEM;
	}
	for (int i = 0; i < nr_all; i++) {
		if (strncmp(all[i].type, "fuse", 4) ||
		    strncmp(all[i].source, prefix, strlen(prefix)))
			continue;
		snprintf(list[n].path, sizeof(list[n].path), "%s", all[i].point);
		list[n].pid = (pid_t)strtol(all[i].source + strlen(prefix), NULL, 10);
		n++;
	}
	free(all);
	*out = list;
	*nr = n;
	return 0;
}

/* @pid is a live clusterfs daemon (not a zombie, not a reused pid). */
static bool daemon_alive(pid_t pid)
{
	char path[64], args[4096];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n <= 0)
		return false;		/* a zombie has no command line */
	args[n] = '\0';
	for (char *a = args; a < args + n; a += strlen(a) + 1)
		if (!strcmp(a, "clusterfs"))
			return true;
	return false;
}

/* The control socket next to a mount point, if no daemon listens on it. */
static void remove_stale_socket(const char *mnt)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *slash = strrchr(mnt, '/');
	int fd, len;

	if (!slash)
		return;
	len = snprintf(sa.sun_path, sizeof(sa.sun_path), "%.*s/%s",
		       (int)(slash - mnt), mnt, CFS_SOCK_NAME);
	if (len < 0 || (size_t)len >= sizeof(sa.sun_path))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno == ECONNREFUSED)
		unlink(sa.sun_path);
	close(fd);
}

int fl_clusterfs_sweep(char *err, size_t len)
{
	struct cfs_mnt *list;
	int nr, ret, swept = 0;

	ret = list_mounts(&list, &nr);
	if (ret) {
		fl_set_err(err, len, "read /proc/self/mountinfo: %s", strerror(-ret));
		return ret;
	}
	for (int i = 0; i < nr; i++) {
		if (daemon_alive(list[i].pid))
			continue;
		if (umount2(list[i].path, MNT_DETACH) && errno != EINVAL) {
			ret = -errno;
			fl_set_err(err, len, "umount %s (of dead clusterfs daemon %d): %s",
				   list[i].path, (int)list[i].pid, strerror(errno));
			break;
		}
		swept++;
		rmdir(list[i].path);	/* only if empty, as the daemon made it */
		remove_stale_socket(list[i].path);
	}
	free(list);
	return ret ? ret : swept;
}

/* Mount @path is served by daemon @pid (a mountinfo check, no FS access). */
static bool mounted_by(const char *path, pid_t pid)
{
	struct cfs_mnt *list;
	bool found = false;
	int nr;

	if (list_mounts(&list, &nr))
		return false;
	for (int i = 0; i < nr && !found; i++)
		found = list[i].pid == pid && !strcmp(list[i].path, path);
	free(list);
	return found;
}

#define FUSECTL_DIR "/sys/fs/fuse/connections"

int fl_clusterfs_abort(unsigned long long dev, char *err, size_t len)
{
	char path[96];
	bool mounted = false;
	int fd, e = 0;

	/* fusectl names a connection by the kernel's dev_t of the mount. */
	snprintf(path, sizeof(path), FUSECTL_DIR "/%u/abort",
		 major((dev_t)dev) << 20 | minor((dev_t)dev));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    !mount("fusectl", FUSECTL_DIR, "fusectl", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		mounted = true;
		fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0 || write(fd, "1", 1) != 1)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (mounted)
		umount2(FUSECTL_DIR, MNT_DETACH);
	if (e) {
		fl_set_err(err, len, "abort FUSE connection %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

/* ---- the control socket ---- */

static int sock_connect(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		return -e;
	}
	*out = fd;
	return 0;
}

/*
 * Send @req (a line without newline), read one reply line into @reply.
 * @timeout_ms < 0 waits for ever. Called with c->lock held. 0 or -errno.
 */
static int roundtrip(struct fl_clusterfs *c, const char *req, char *reply,
		     size_t rlen, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char line[CFS_REPLY_MAX + 8];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", req), off = 0;

	if (c->sock < 0)
		return -ENOTCONN;
	if (n >= sizeof(line))
		return -E2BIG;
	while (off < n) {
		ssize_t w = send(c->sock, line + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		struct pollfd p = { .fd = c->sock, .events = POLLIN };
		ssize_t r;
		int wait;

		if (nl) {
			size_t used = (size_t)(nl - c->buf) + 1;

			*nl = '\0';
			snprintf(reply, rlen, "%s", c->buf);
			memmove(c->buf, c->buf + used, c->have - used);
			c->have -= used;
			return 0;
		}
		if (c->have == sizeof(c->buf))
			return -EPROTO;
		wait = timeout_ms < 0 ? -1 : (int)(deadline - now_ms());
		if (timeout_ms >= 0 && wait <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		r = recv(c->sock, c->buf + c->have, sizeof(c->buf) - c->have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		c->have += (size_t)r;
	}
}

/*
 * One request: 0 with the text after "ok" in @reply, or -errno with the
 * daemon's "err ERRNO MESSAGE" (or the transport failure) in @err.
 */
static int request(struct fl_clusterfs *c, const char *req, char *reply,
		   size_t rlen, int timeout_ms, char *err, size_t len)
{
	char line[CFS_REPLY_MAX];
	int ret, code, pos = 0;

	pthread_mutex_lock(&c->lock);
	ret = roundtrip(c, req, line, sizeof(line), timeout_ms);
	pthread_mutex_unlock(&c->lock);
	if (ret) {
		fl_set_err(err, len, "clusterfs control socket %s: %s", c->control,
			   ret == -ECONNRESET ? "the daemon hung up" : strerror(-ret));
		return ret;
	}
	if (!strncmp(line, "ok", 2) && (!line[2] || line[2] == ' ')) {
		if (reply)
			snprintf(reply, rlen, "%s", line[2] ? line + 3 : "");
		return 0;
	}
	if (sscanf(line, "err %d %n", &code, &pos) == 1 && pos && code > 0) {
		fl_set_err(err, len, "%s", line + pos);
		return -code;
	}
	fl_set_err(err, len, "clusterfs control socket %s: unexpected reply \"%.200s\"",
		   c->control, line);
	return -EPROTO;
}

/* ---- handles ---- */

static struct fl_clusterfs *handle_new(int nr_mounts)
{
	struct fl_clusterfs *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->mounts = calloc((size_t)nr_mounts, sizeof(*c->mounts));
	c->devs = calloc((size_t)nr_mounts, sizeof(*c->devs));
	if (!c->mounts || !c->devs) {
		free(c->mounts);
		free(c->devs);
		free(c);
		return NULL;
	}
	c->nr_mounts = nr_mounts;
	c->sock = -1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void handle_free(struct fl_clusterfs *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->control_dir[0])
		rmdir(c->control_dir);	/* the socket in it is gone by now */
	pthread_mutex_destroy(&c->lock);
	free(c->mounts);
	free(c->devs);
	free(c);
}

const char *fl_clusterfs_mount(const struct fl_clusterfs *c, int i)
{
	return i >= 0 && i < c->nr_mounts ? c->mounts[i] : NULL;
}

const char *fl_clusterfs_control(const struct fl_clusterfs *c)
{
	return c->control;
}

int fl_clusterfs_nr_mounts(const struct fl_clusterfs *c)
{
	return c->nr_mounts;
}

/* Wait up to @ms for the daemon to exit. 0 with *@status, or -ETIMEDOUT. */
static int wait_exit(pid_t pid, int ms, int *status)
{
	int64_t deadline = now_ms() + ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
}

/*
 * After the daemon is gone: detach whatever of its mounts is left (it was
 * killed, or a mapping kept one busy), remove the mount directories when
 * empty and the socket. Returns how many mounts had to be detached.
 */
static int cleanup_after(struct fl_clusterfs *c)
{
	int left = 0;

	for (int i = 0; i < c->nr_mounts; i++) {
		while (mounted_by(c->mounts[i], c->pid) &&
		       !umount2(c->mounts[i], MNT_DETACH))
			left++;
		rmdir(c->mounts[i]);
	}
	unlink(c->control);
	return left;
}

static void describe_exit(char *buf, size_t len, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended (status %#x)", status);
}

/*
 * End a daemon that failed to come up (one that reported an error is
 * exiting already; a hung one is killed) and clean up after it.
 */
static void abort_start(struct fl_clusterfs *c)
{
	int status;

	if (!c->reaped) {
		kill(c->pid, SIGTERM);
		if (wait_exit(c->pid, 1000, &status)) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &status, 0);
		}
	}
	cleanup_after(c);
	handle_free(c);
}

/* Write the decimal @v to fd @fd with only async-signal-safe calls. */
static void write_errno(int fd, int v)
{
	char buf[64] = "err ";
	int n = 4, digits = 0;
	char tmp[12];

	do {
		tmp[digits++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && digits < (int)sizeof(tmp));
	while (digits)
		buf[n++] = tmp[--digits];
	memcpy(buf + n, " cannot run /proc/self/exe\n", 27);
	if (write(fd, buf, (size_t)n + 27) < 0)
		return;
}

/*
 * Read the daemon's status line ("ready" or "err ERRNO MESSAGE") within
 * CFS_READY_MS. 0 when ready, else -errno with @err.
 */
static int wait_ready(struct fl_clusterfs *c, int fd, char *err, size_t len)
{
	int64_t deadline = now_ms() + CFS_READY_MS;
	char line[FL_ERR_LEN + 32];
	size_t have = 0;
	int code, pos = 0, status;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = (int)(deadline - now_ms()), r;
		ssize_t n;

		if (wait <= 0) {
			fl_set_err(err, len, "clusterfs daemon (pid %d) not ready after %d s",
				   (int)c->pid, CFS_READY_MS / 1000);
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, wait);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(fd, line + have, sizeof(line) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || have + (size_t)n == sizeof(line) - 1)
			break;
		have += (size_t)n;
		if (memchr(line, '\n', have))
			break;
	}
	line[have] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, "ready"))
		return 0;
	if (sscanf(line, "err %d %n", &code, &pos) == 1 && pos && code > 0) {
		fl_set_err(err, len, "%s", line + pos);
		return -code;
	}
	if (!wait_exit(c->pid, 1000, &status)) {
		char how[64];

		describe_exit(how, sizeof(how), status);
		fl_set_err(err, len, "clusterfs daemon (pid %d) %s before it was ready",
			   (int)c->pid, how);
		c->reaped = true;
	} else {
		fl_set_err(err, len, "clusterfs daemon (pid %d): unexpected status \"%.200s\"",
			   (int)c->pid, line);
	}
	return -EIO;
}

/* Each mount is a FUSE mount of daemon @c->pid that answers. */
static int verify_mounts(struct fl_clusterfs *c, char *err, size_t len)
{
	for (int i = 0; i < c->nr_mounts; i++) {
		struct statfs sf;
		struct stat st;

		if (!mounted_by(c->mounts[i], c->pid)) {
			fl_set_err(err, len, "%s is not a mount of clusterfs daemon %d",
				   c->mounts[i], (int)c->pid);
			return -EIO;
		}
		if (statfs(c->mounts[i], &sf) || stat(c->mounts[i], &st)) {
			int e = errno;

			fl_set_err(err, len, "mount %s: %s", c->mounts[i], strerror(e));
			return -e;
		}
		c->devs[i] = st.st_dev;
		if ((unsigned long)sf.f_type != FUSE_SUPER_MAGIC) {
			fl_set_err(err, len, "mount %s: not a FUSE mount (f_type %#lx)",
				   c->mounts[i], (unsigned long)sf.f_type);
			return -EIO;
		}
	}
	return 0;
}

static int check_dir(const char *what, const char *path, char *err, size_t len)
{
	struct stat st;
	int e;

	if (!path) {
		fl_set_err(err, len, "no %s given", what);
		return -EINVAL;
	}
	if (stat(path, &st)) {
		e = errno;
		fl_set_err(err, len, "%s %s: %s", what, path, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		fl_set_err(err, len, "%s %s: %s", what, path, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	return 0;
}

/*
 * The control socket goes next to the mounts, in a directory only we can
 * write to. A path too long for sun_path gets a private scratch directory
 * of its own (never a predictable name in a shared /tmp).
 */
static int control_path(struct fl_clusterfs *c, char *err, size_t len)
{
	char why[FL_ERR_LEN];
	int ret;

	if (snprintf(c->control, sizeof(c->control), "%s/%s", c->mount_dir,
		     CFS_SOCK_NAME) < (int)sizeof(c->control))
		return 0;
	ret = fl_scratch_make(fl_tmp_root(), FL_SCRATCH_PREFIX, c->control_dir,
			      sizeof(c->control_dir), why, sizeof(why));
	if (ret) {
		c->control_dir[0] = '\0';
		fl_set_err(err, len, "clusterfs control socket: %s", why);
		return ret;
	}
	if (snprintf(c->control, sizeof(c->control), "%s/%s", c->control_dir,
		     CFS_SOCK_NAME) >= (int)sizeof(c->control)) {
		fl_set_err(err, len, "clusterfs control socket in %s: path too long for a socket: %s",
			   c->control_dir, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;	/* handle_free() removes the directory */
	}
	return 0;
}

int fl_clusterfs_start(struct fl_clusterfs **out,
		       const struct fl_clusterfs_opts *opts, char *err, size_t len)
{
	char backing[PATH_MAX], nodes[16], fdtext[16];
	struct fl_clusterfs *c;
	int pipefd[2], ret;
	pid_t parent;
	char *argv[16];
	int argc = 0;

	*out = NULL;
	if (opts->nr_mounts < 1 || opts->nr_mounts > 64) {
		fl_set_err(err, len, "clusterfs: %d mounts: expected 1 to 64", opts->nr_mounts);
		return -EINVAL;
	}
	if (access("/dev/fuse", F_OK)) {
		fl_set_err(err, len, "/dev/fuse: %s (FUSE is not available: modprobe fuse)",
			   strerror(errno));
		return -ENODEV;
	}
	ret = check_dir("backing directory", opts->backing, err, len);
	if (!ret)
		ret = check_dir("mount directory", opts->mount_dir, err, len);
	if (ret)
		return ret;
	c = handle_new(opts->nr_mounts);
	if (!c) {
		fl_set_err(err, len, "clusterfs: out of memory");
		return -ENOMEM;
	}
	/* mountinfo shows canonical paths: compare those. */
	if (!realpath(opts->mount_dir, c->mount_dir) || !realpath(opts->backing, backing)) {
		ret = -errno;
		fl_set_err(err, len, "resolve %s: %s", opts->mount_dir, strerror(errno));
		handle_free(c);
		return ret;
	}
	for (int i = 0; i < c->nr_mounts; i++)
		snprintf(c->mounts[i], sizeof(c->mounts[i]), "%s/node%d", c->mount_dir, i);
	ret = fl_clusterfs_sweep(err, len);
	if (ret >= 0)
		ret = control_path(c, err, len);
	if (ret < 0) {
		handle_free(c);
		return ret;
	}

	/* The daemon's status comes back on fd 3; everything else is built now. */
	snprintf(nodes, sizeof(nodes), "%d", c->nr_mounts);
	snprintf(fdtext, sizeof(fdtext), "%d", 3);
	argv[argc++] = "faultline";
	argv[argc++] = "clusterfs";
	argv[argc++] = "--backing";
	argv[argc++] = backing;
	argv[argc++] = "--mounts";
	argv[argc++] = c->mount_dir;
	argv[argc++] = "--nodes";
	argv[argc++] = nodes;
	argv[argc++] = "--control";
	argv[argc++] = c->control;
	argv[argc++] = "--status-fd";
	argv[argc++] = fdtext;
	if (opts->skip_invalidation)
		argv[argc++] = "--skip-invalidation";
	argv[argc] = NULL;

	if (pipe2(pipefd, O_CLOEXEC)) {
		ret = -errno;
		fl_set_err(err, len, "clusterfs: pipe: %s", strerror(errno));
		handle_free(c);
		return ret;
	}
	parent = getpid();
	c->pid = fork();
	if (c->pid < 0) {
		ret = -errno;
		fl_set_err(err, len, "clusterfs: fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		handle_free(c);
		return ret;
	}
	if (c->pid == 0) {
		sigset_t none;
		int null;

		/* Only async-signal-safe calls from here to exec. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		setpgid(0, 0);	/* the terminal's ^C is for the harness */
		if (pipefd[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(pipefd[1], 3) < 0)
			_exit(127);
		null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
		close_range(4, ~0U, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv("/proc/self/exe", argv);
		write_errno(3, errno);
		_exit(127);
	}
	close(pipefd[1]);
	ret = wait_ready(c, pipefd[0], err, len);
	close(pipefd[0]);
	if (!ret)
		ret = verify_mounts(c, err, len);
	if (!ret) {
		ret = sock_connect(c->control, &c->sock);
		if (ret)
			fl_set_err(err, len, "clusterfs control socket %s: %s", c->control,
				   strerror(-ret));
	}
	if (ret) {
		abort_start(c);
		return ret;
	}
	*out = c;
	return 0;
}

int fl_clusterfs_connect(struct fl_clusterfs **out, const char *control,
			 char *err, size_t len)
{
	struct fl_clusterfs probe = { .sock = -1 }, *c;
	char reply[CFS_REPLY_MAX], dir[PATH_MAX];
	int nodes, ret, pos = 0;

	*out = NULL;
	if (!control || strlen(control) >= sizeof(probe.control)) {
		fl_set_err(err, len, "clusterfs control socket %s: %s",
			   control ? control : "(none)", strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	snprintf(probe.control, sizeof(probe.control), "%s", control);
	ret = sock_connect(control, &probe.sock);
	if (ret) {
		fl_set_err(err, len, "clusterfs control socket %s: %s", control, strerror(-ret));
		return ret;
	}
	pthread_mutex_init(&probe.lock, NULL);
	ret = request(&probe, "info", reply, sizeof(reply), CFS_STOP_MS, err, len);
	pthread_mutex_destroy(&probe.lock);
	if (!ret && (sscanf(reply, "nodes=%d %*s %*s mounts=%n", &nodes, &pos) != 1 ||
		     !pos || nodes < 1 || nodes > 64)) {
		fl_set_err(err, len, "clusterfs control socket %s: bad info \"%.200s\"",
			   control, reply);
		ret = -EPROTO;
	}
	if (ret) {
		close(probe.sock);
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s", reply + pos);
	c = handle_new(nodes);
	if (!c) {
		close(probe.sock);
		fl_set_err(err, len, "clusterfs: out of memory");
		return -ENOMEM;
	}
	c->sock = probe.sock;
	memcpy(c->buf, probe.buf, probe.have);
	c->have = probe.have;
	snprintf(c->control, sizeof(c->control), "%s", control);
	snprintf(c->mount_dir, sizeof(c->mount_dir), "%s", dir);
	for (int i = 0; i < nodes; i++)
		snprintf(c->mounts[i], sizeof(c->mounts[i]), "%s/node%d", dir, i);
	*out = c;
	return 0;
}

int fl_clusterfs_invalidate(struct fl_clusterfs *c, int mount, const char *name,
			    uint64_t off, uint64_t length, char *err, size_t len)
{
	char req[NAME_MAX + 128];

	if (mount < 0 || mount >= c->nr_mounts) {
		fl_set_err(err, len, "invalidate %s: mount %d: there are %d mounts (0..%d)",
			   name, mount, c->nr_mounts, c->nr_mounts - 1);
		return -EINVAL;
	}
	if (!name || !*name || strlen(name) > NAME_MAX || strpbrk(name, "/ \t\r\n")) {
		fl_set_err(err, len, "invalidate \"%s\": a file name without '/' or blanks is needed",
			   name ? name : "");
		return -EINVAL;
	}
	if (off > INT64_MAX || length > INT64_MAX - off) {
		fl_set_err(err, len, "invalidate %s: range %llu+%llu too large", name,
			   (unsigned long long)off, (unsigned long long)length);
		return -EINVAL;
	}
	snprintf(req, sizeof(req), "inval %d %s %llu %llu", mount, name,
		 (unsigned long long)off, (unsigned long long)length);
	return request(c, req, NULL, 0, -1, err, len);
}

int fl_clusterfs_stats(struct fl_clusterfs *c, struct fl_clusterfs_stats *st,
		       char *err, size_t len)
{
	char reply[CFS_REPLY_MAX], *save = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = request(c, "stats", reply, sizeof(reply), CFS_STOP_MS, err, len);
	if (ret)
		return ret;
	for (char *tok = strtok_r(reply, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		static const struct {
			const char *key;
			size_t off;
		} keys[] = {
			{ "writes=", offsetof(struct fl_clusterfs_stats, writes) },
			{ "invalidations=", offsetof(struct fl_clusterfs_stats, invalidations) },
			{ "skipped=", offsetof(struct fl_clusterfs_stats, skipped) },
			{ "requested=", offsetof(struct fl_clusterfs_stats, requested) },
			{ "deferred=", offsetof(struct fl_clusterfs_stats, deferred) },
		};

		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strncmp(tok, keys[k].key, strlen(keys[k].key)))
				*(uint64_t *)((char *)st + keys[k].off) =
					strtoull(tok + strlen(keys[k].key), NULL, 10);
	}
	return 0;
}

int fl_clusterfs_stop(struct fl_clusterfs *c, char *err, size_t len)
{
	char how[64], msg[FL_ERR_LEN];
	int ret = 0, status = 0, left;
	bool killed = false;

	if (!c)
		return 0;
	if (!c->pid) {		/* a connected handle */
		handle_free(c);
		return 0;
	}
	if (request(c, "quit", NULL, 0, CFS_STOP_MS, msg, sizeof(msg)))
		kill(c->pid, SIGTERM);	/* the socket is gone: ask by signal */
	close(c->sock);
	c->sock = -1;
	if (wait_exit(c->pid, CFS_STOP_MS, &status)) {
		kill(c->pid, SIGKILL);
		killed = true;
		/* Threads stuck on a FUSE request outlive SIGKILL: abort it. */
		if (wait_exit(c->pid, 1000, &status)) {
			for (int i = 0; i < c->nr_mounts; i++)
				if (c->devs[i])
					fl_clusterfs_abort(c->devs[i], NULL, 0);
			if (wait_exit(c->pid, 2000, &status)) {
				fl_set_err(err, len, "clusterfs daemon (pid %d) cannot be ended (stuck in the kernel)",
					   (int)c->pid);
				cleanup_after(c);
				handle_free(c);
				return -EDEADLK;
			}
		}
	}
	left = cleanup_after(c);
	describe_exit(how, sizeof(how), status);
	if (killed) {
		fl_set_err(err, len, "clusterfs daemon (pid %d) did not exit within %d s: killed, %d mounts detached",
			   (int)c->pid, CFS_STOP_MS / 1000, left);
		ret = -ETIMEDOUT;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fl_set_err(err, len, "clusterfs daemon (pid %d) %s", (int)c->pid, how);
		ret = -EIO;
	}
	handle_free(c);
	return ret;
}
