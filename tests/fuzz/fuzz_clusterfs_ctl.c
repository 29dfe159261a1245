// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the clusterfs control protocol, both ends.
 *
 * The daemon's end, what anyone who can connect to its socket sends: the
 * input up to the first form feed is the byte stream of one connection,
 * served by the daemon's own connection loop (fl_clusterfs_ctl_serve:
 * line framing, requests, "inval" arguments), for a daemon of two mounts
 * whose backing directory is this program's (build-fuzz/fuzz/, so
 * "inval 0 fuzz_clusterfs_ctl 0 0" names a regular file). A thread plays
 * the client: it sends those bytes, then reads the replies until the
 * daemon hangs up.
 *
 * The client's end, what whoever answers on the socket path sends back
 * (a planted socket, say): the input after the form feed is every reply
 * byte of a fake daemon, read by the client library as it connects
 * (fl_clusterfs_connect: "info"), asks for stats and an invalidation.
 * Its socket is in a fresh 0700 directory under $TMPDIR (or /tmp),
 * removed at exit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/faultline.h"
#include "clusterfs/clusterfs.h"

/* Below a socket's buffer: the client sends all before it reads. */
#define INPUT_MAX 65536

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int backing_fd, listen_fd = -1;
static char sock_dir[PATH_MAX], sock_path[PATH_MAX + 8];

static void remove_socket(void)
{
	unlink(sock_path);
	rmdir(sock_dir);
}

/* The fake daemon's listening socket, in a directory of our own. */
static void listen_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");

	snprintf(sock_dir, sizeof(sock_dir), "%s/faultline-fuzz-ctl.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sock_dir))
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/ctl", sock_dir);
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		abort();
	strcpy(sa.sun_path, sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 4))
		abort();
	atexit(remove_socket);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char exe[PATH_MAX];
	sigset_t usr1;
	ssize_t n;

	(void)argc;
	(void)argv;
	/* "quit" raises SIGUSR1, which would stop libFuzzer: keep it pending. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL))
		abort();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		abort();
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	backing_fd = open(exe, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (backing_fd < 0)
		abort();
	listen_socket();
	return 0;
}

struct client {
	int fd;
	const uint8_t *data;
	size_t size;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	char buf[4096];
	size_t off = 0;

	while (off < c->size) {
		ssize_t n = send(c->fd, c->data + off, c->size - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;	/* the daemon hung up: a line too long */
		off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	while (read(c->fd, buf, sizeof(buf)) > 0)
		;
	close(c->fd);
	return NULL;
}

/* The client library, talking to the fake daemon. */
static void *client_lib_main(void *arg)
{
	struct fl_clusterfs_stats st;
	struct fl_clusterfs *h;
	char err[FL_ERR_LEN];

	(void)arg;
	if (fl_clusterfs_connect(&h, sock_path, err, sizeof(err)))
		return NULL;
	fl_clusterfs_mount(h, fl_clusterfs_nr_mounts(h) - 1);
	fl_clusterfs_stats(h, &st, err, sizeof(err));
	fl_clusterfs_invalidate(h, 0, "f", 0, 4096, err, sizeof(err));
	fl_clusterfs_stop(h, err, sizeof(err));	/* a connected handle: closes */
	return NULL;
}

/* Answer one connection with @data whatever it asks, then hang up. */
static void fake_daemon(const uint8_t *data, size_t size)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	pthread_t t;
	char buf[4096];
	int fd;

	if (pthread_create(&t, NULL, client_lib_main, NULL))
		abort();
	if (poll(&p, 1, 10000) == 1 && (fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		for (size_t off = 0; off < size;) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		shutdown(fd, SHUT_WR);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	pthread_join(t, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t req_len = ff ? (size_t)(ff - data) : size;
	struct client c = { .data = data, .size = req_len };
	pthread_t t;
	int sv[2];

	if (size > INPUT_MAX)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	c.fd = sv[1];
	if (pthread_create(&t, NULL, client_main, &c))
		abort();
	fl_clusterfs_ctl_serve(sv[0], backing_fd, 2);
	pthread_join(t, NULL);
	if (ff)
		fake_daemon(ff + 1, size - req_len - 1);
	return 0;
}
