// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the clusterfs daemon's control protocol, what anyone
 * who can connect to its socket sends: the input is the byte stream of
 * one connection, served by the daemon's own connection loop
 * (fl_clusterfs_ctl_serve: line framing, requests, "inval" arguments),
 * for a daemon of two mounts whose backing directory is this program's
 * (build-fuzz/fuzz/, so "inval 0 fuzz_clusterfs_ctl 0 0" names a regular
 * file). A thread plays the client: it sends the input, then reads the
 * replies until the daemon hangs up.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clusterfs/clusterfs.h"

/* Below a socket's buffer: the client sends all before it reads. */
#define INPUT_MAX 65536

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int backing_fd;

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client c = { .data = data, .size = size };
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
	return 0;
}
