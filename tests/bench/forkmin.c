/* SPDX-License-Identifier: ISC */
/*
 * forkmin: the tightest fork-per-connection server for the okd protocol,
 * the physical limit of that design on this machine.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
serve(int fd, int idle)
{
	struct timeval tv = { .tv_sec = idle, .tv_usec = 0 };
	static const char reply[] = "OK";
	char buf[1024];
	ssize_t n, w;
	size_t off;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (off = 0; off < 2; off += (size_t)w)
			if ((w = send(fd, reply + off, 2 - off,
			    MSG_NOSIGNAL)) == -1)
				return;
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	int backlog = 128, idle = 10, ch, s, fd, one = 1;

	while ((ch = getopt(argc, argv, "b:i:")) != -1) {
		switch (ch) {
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'i':
			idle = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[optind]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, backlog) == -1) {
		perror("forkmin");
		return 1;
	}
	/* Ignoring SIGCHLD lets the kernel reap: no waitpid at all. */
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if ((fd = accept(s, NULL, NULL)) == -1)
			continue;
		switch (fork()) {
		case 0:
			close(s);
			serve(fd, idle);
			_exit(0);
		default:
			close(fd);
		}
	}
usage:
	fprintf(stderr, "usage: forkmin [-b backlog] [-i idle-seconds] port\n");
	return 2;
}
