/* SPDX-License-Identifier: ISC */
/*
 * handler: the okd protocol as an inetd-style program on fds 0 and 1, run by
 * the peer servers (tcpserver, xinetd, systemd-socket-activate, socat).
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct timeval tv = { .tv_sec = 10, .tv_usec = 0 };
	static const char reply[] = "OK";
	char buf[1024];
	ssize_t n, w;
	size_t off;

	if (argc > 1)
		tv.tv_sec = atoi(argv[1]);
	/* fd 0 is the TCP socket, or a socketpair under socat: both time out. */
	setsockopt(0, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (off = 0; off < 2; off += (size_t)w)
			if ((w = write(1, reply + off, 2 - off)) == -1)
				return 1;
	}
	return 0;
}
