// SPDX-License-Identifier: GPL-2.0
/*
 * faultline-ethhub: the Ethernet segment of a guest cluster
 * (kernels/cluster.sh). Each guest's NIC is a QEMU dgram netdev on a unix
 * socket; the hub binds HUB-SOCKET and repeats every frame it receives to
 * every other guest's socket, as a hub does. Only unix sockets: a cluster
 * never touches an IP address of the host.
 *   faultline-ethhub HUB-SOCKET GUEST-SOCKET...
 * It runs until killed. A guest whose QEMU has not bound its socket yet,
 * or has gone, misses the frame, as on a cable not yet plugged in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_GUESTS 64
/* A frame is at most the MTU plus headers; QEMU sends one per datagram. */
#define FRAME_MAX 65536

static int unix_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		fprintf(stderr, "faultline-ethhub: %s: socket path longer than %zu bytes\n",
			path, sizeof(a->sun_path) - 1);
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char frame[FRAME_MAX];
	struct sockaddr_un hub, guests[MAX_GUESTS];
	int nr = argc - 2, fd;

	if (argc < 3 || nr > MAX_GUESTS) {
		fprintf(stderr, "usage: faultline-ethhub HUB-SOCKET GUEST-SOCKET... (1 to %d guests)\n",
			MAX_GUESTS);
		return 2;
	}
	if (unix_addr(argv[1], &hub))
		return 2;
	for (int i = 0; i < nr; i++)
		if (unix_addr(argv[i + 2], &guests[i]))
			return 2;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&hub, sizeof(hub))) {
		fprintf(stderr, "faultline-ethhub: bind %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct sockaddr_un from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, frame, sizeof(frame), 0, (struct sockaddr *)&from,
				     &from_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "faultline-ethhub: recvfrom %s: %s\n", argv[1],
				strerror(errno));
			return 3;
		}
		/* Repeat to every port but the sender's; a port not there drops it. */
		for (int i = 0; i < nr; i++)
			if (from_len <= offsetof(struct sockaddr_un, sun_path) ||
			    strcmp(from.sun_path, guests[i].sun_path))
				sendto(fd, frame, (size_t)n, MSG_DONTWAIT,
				       (struct sockaddr *)&guests[i], sizeof(guests[i]));
	}
}
