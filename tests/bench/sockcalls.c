/* SPDX-License-Identifier: ISC */
/*
 * What a session's choice of calls costs a round trip: a TCP pair on
 * loopback, "OK" each way, with read(2)/write(2) and with recv(2)/send(2)
 * in alternating blocks.  Usage: sockcalls [trips]; prints µs per trip.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS	10

static double
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* n trips from c to a and back; -1 on a short or failed call. */
static int
trips(int c, int a, long n, int plain)
{
	char	buf[1024];
	long	i;

	for (i = 0; i < n; i++) {
		if (plain) {
			if (write(c, "OK", 2) != 2 ||
			    read(a, buf, sizeof(buf)) != 2 ||
			    write(a, "OK", 2) != 2 ||
			    read(c, buf, sizeof(buf)) != 2)
				return -1;
		} else if (send(c, "OK", 2, 0) != 2 ||
		    recv(a, buf, sizeof(buf), 0) != 2 ||
		    send(a, "OK", 2, 0) != 2 ||
		    recv(c, buf, sizeof(buf), 0) != 2)
			return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	long			n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	double			t, plain = 0, sock = 0;
	int			l, c, a, b;

	if (n < 1 || n > 10000000)
		return 1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sin, len) == -1 || listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1 ||
	    (c = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c, (struct sockaddr *)&sin, len) == -1 ||
	    (a = accept(l, NULL, NULL)) == -1) {
		perror("sockcalls");
		return 1;
	}
	for (b = 0; b < BLOCKS; b++) {
		t = now_us();
		if (trips(c, a, n, 1) == -1)
			return 1;
		plain += now_us() - t;
		t = now_us();
		if (trips(c, a, n, 0) == -1)
			return 1;
		sock += now_us() - t;
	}
	printf("round trip, %ld x %d: read/write %.3f us, recv/send %.3f us "
	    "(%.3fx)\n", n, BLOCKS, plain / n / BLOCKS, sock / n / BLOCKS,
	    sock / plain);
	return 0;
}
