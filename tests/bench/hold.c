/* SPDX-License-Identifier: ISC */
/*
 * hold: opens N idle connections for make bench-scale, each from its own
 * loopback source when asked, sends one byte on each, waits for the reply
 * and then holds the connection open without a further byte.  Several run
 * side by side because one process may not have descriptors for them all.
 *
 * When every connection is held or failed (or the ramp time is up) it
 * prints one line of figures, writes the time each connection became held
 * (CLOCK_MONOTONIC, ns) to the -o file, and keeps holding until stdin
 * reaches EOF or the hold time passes.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

#define MAX_CONNS	19000
#define MAX_SECONDS	3600
#define OP_TIMEOUT_NS	(60ULL * 1000000000ULL)
/* Sources 127.1.0.0 and up, as loadgen -s numbers them. */
#define SRC_BASE	0x7f010000U
#define SRC_MAX		(1U << 22)

enum state { S_FREE, S_CONNECTING, S_READING, S_HELD, S_FAILED };

struct conn {
	int		 fd;
	enum state	 state;
	int		 got;
	uint64_t	 since;
};

struct holder {
	struct sockaddr_in	 dst;
	struct conn		*c;
	uint64_t		*held_at;
	int			 n, inflight, opened, held, failed, busy;
	uint32_t		 src_first, nsrc;
	int			 ep;
	unsigned long		 refused, reset, timeout, other;
};

static void
fail(struct holder *h, struct conn *c, int err)
{
	if (err == ECONNREFUSED)
		h->refused++;
	else if (err == ECONNRESET || err == EPIPE)
		h->reset++;
	else if (err == ETIMEDOUT)
		h->timeout++;
	else
		h->other++;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = S_FAILED;
	h->failed++;
	h->busy--;
}

static int
bind_source(struct holder *h, int fd, int i)
{
	struct sockaddr_in sin;
	int on = 1;

	if (h->nsrc == 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(SRC_BASE +
	    (h->src_first + (uint32_t)i) % SRC_MAX % h->nsrc);
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
	    sizeof(on)) == -1)
		return -1;
	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static void
open_next(struct holder *h)
{
	struct epoll_event ev;
	struct conn *c = &h->c[h->opened];
	int fd;

	c->since = now_ns();
	c->state = S_CONNECTING;
	h->busy++;
	h->opened++;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->fd = fd;
	if (fd == -1) {
		fail(h, c, errno);
		return;
	}
	if (bind_source(h, fd, h->opened - 1) == -1 ||
	    (connect(fd, (struct sockaddr *)&h->dst, sizeof(h->dst)) == -1 &&
	    errno != EINPROGRESS)) {
		fail(h, c, errno);
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.u32 = (uint32_t)(c - h->c);
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		fail(h, c, errno);
}

static void
step(struct holder *h, struct conn *c)
{
	struct epoll_event ev;
	char buf[16];
	socklen_t len = sizeof(int);
	int err = 0;
	ssize_t r;

	if (c->state == S_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			fail(h, c, err);
			return;
		}
		if (send(c->fd, "x", 1, MSG_NOSIGNAL) != 1) {
			fail(h, c, errno);
			return;
		}
		c->state = S_READING;
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)(c - h->c);
		if (epoll_ctl(h->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
			fail(h, c, errno);
		return;
	}
	r = recv(c->fd, buf, sizeof(buf), 0);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		fail(h, c, r == 0 ? ECONNRESET : errno);
		return;
	}
	if (c->got + r > 2 || memcmp(buf, &"OK"[c->got], (size_t)r) != 0) {
		fail(h, c, EPROTO);
		return;
	}
	c->got += (int)r;
	if (c->got < 2)
		return;
	/* Held: no longer watched, so a held connection costs no wakeups. */
	epoll_ctl(h->ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->state = S_HELD;
	h->held_at[h->held++] = now_ns();
	h->busy--;
}

static void
expire(struct holder *h, uint64_t t)
{
	int i;

	for (i = 0; i < h->opened; i++)
		if ((h->c[i].state == S_CONNECTING ||
		    h->c[i].state == S_READING) &&
		    t - h->c[i].since > OP_TIMEOUT_NS)
			fail(h, &h->c[i], ETIMEDOUT);
}

static void
ramp(struct holder *h, uint64_t end)
{
	struct epoll_event evs[256];
	uint64_t t, last_sweep = now_ns();
	int i, n;

	while (h->held + h->failed < h->n && now_ns() < end) {
		while (h->opened < h->n && h->busy < h->inflight)
			open_next(h);
		n = epoll_wait(h->ep, evs, 256, 100);
		if (n == -1 && errno != EINTR) {
			perror("hold: epoll_wait");
			exit(1);
		}
		for (i = 0; i < n; i++)
			step(h, &h->c[evs[i].data.u32]);
		/* Read after every open, so no start lies in the future. */
		t = now_ns();
		if (t - last_sweep > 1000000000ULL) {
			expire(h, t);
			last_sweep = t;
		}
	}
}

/* Held connections the far end has closed since: each reads as EOF. */
static int
lost(struct holder *h)
{
	struct pollfd pfd;
	int i, n = 0;

	for (i = 0; i < h->opened; i++) {
		if (h->c[i].state != S_HELD)
			continue;
		pfd.fd = h->c[i].fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 1)
			n++;
	}
	return n;
}

static void
wait_stdin(uint64_t end)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[64];
	uint64_t t;

	while ((t = now_ns()) < end) {
		if (poll(&pfd, 1, (int)((end - t) / 1000000) + 1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd.revents != 0 && read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			return;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: hold [-c inflight] [-n conns] "
	    "[-s sources[+first]] [-t ramp-s] [-w hold-s] [-o file] "
	    "address port\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct holder h;
	struct rlimit rl;
	const char *out = NULL;
	char *plus;
	long ramp_s = 600, hold_s = 600;
	uint64_t t0;
	FILE *f;
	int ch, i;

	memset(&h, 0, sizeof(h));
	h.n = 1000;
	h.inflight = 32;
	while ((ch = getopt(argc, argv, "c:n:o:s:t:w:")) != -1) {
		switch (ch) {
		case 'c':
			h.inflight = (int)number(optarg, 1, 4096, "inflight");
			break;
		case 'n':
			h.n = (int)number(optarg, 1, MAX_CONNS, "conns");
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			if ((plus = strchr(optarg, '+')) != NULL) {
				*plus = '\0';
				h.src_first = (uint32_t)number(plus + 1, 0,
				    SRC_MAX - 1, "first source");
			}
			h.nsrc = (uint32_t)number(optarg, 1, SRC_MAX,
			    "sources");
			break;
		case 't':
			ramp_s = number(optarg, 1, MAX_SECONDS, "ramp seconds");
			break;
		case 'w':
			hold_s = number(optarg, 1, MAX_SECONDS, "hold seconds");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	memset(&h.dst, 0, sizeof(h.dst));
	h.dst.sin_family = AF_INET;
	h.dst.sin_port = htons((uint16_t)number(argv[optind + 1], 1, 65535,
	    "port"));
	if (inet_pton(AF_INET, argv[optind], &h.dst.sin_addr) != 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)h.n + 16) {
		rl.rlim_cur = (rlim_t)h.n + 16;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	h.c = calloc((size_t)h.n, sizeof(*h.c));
	h.held_at = calloc((size_t)h.n, sizeof(*h.held_at));
	if (h.c == NULL || h.held_at == NULL ||
	    (h.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("hold");
		return 1;
	}
	t0 = now_ns();
	ramp(&h, t0 + (uint64_t)ramp_s * 1000000000ULL);
	printf("held=%d failed=%d seconds=%.3f refused=%lu reset=%lu "
	    "timeout=%lu other=%lu unopened=%d\n", h.held, h.failed,
	    (double)(now_ns() - t0) / 1e9, h.refused, h.reset, h.timeout,
	    h.other, h.n - h.opened);
	fflush(stdout);
	if (out != NULL && (f = fopen(out, "w")) != NULL) {
		for (i = 0; i < h.held; i++)
			fprintf(f, "%llu\n", (unsigned long long)h.held_at[i]);
		fclose(f);
	}
	wait_stdin(now_ns() + (uint64_t)hold_s * 1000000000ULL);
	printf("lost=%d\n", lost(&h));
	fflush(stdout);
	return 0;
}
