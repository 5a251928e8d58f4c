/* SPDX-License-Identifier: ISC */
/*
 * epollmin: a single-process epoll server for the okd protocol, no fork;
 * context for what the fork-per-connection design costs.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXFD	65536

/* Per descriptor: when it last read data, and reply bytes still owed. */
static time_t	last[MAXFD];
static int	owed[MAXFD];

static void
drop(int fd)
{
	close(fd);
	last[fd] = 0;
	owed[fd] = 0;
}

/* Sends what is owed; "OK" repeated, so the offset is owed parity. */
static int
flush_owed(int ep, int fd)
{
	static const char ok[] = "OKOKOKOKOKOKOKOKOK";
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	ssize_t w;
	int n;

	while (owed[fd] > 0) {
		n = owed[fd] > 16 ? 16 : owed[fd];
		w = send(fd, ok + (2 - owed[fd] % 2) % 2, (size_t)n,
		    MSG_NOSIGNAL);
		if (w == -1 && errno == EAGAIN) {
			ev.events = EPOLLIN | EPOLLOUT;
			break;
		}
		if (w == -1)
			return -1;
		owed[fd] -= (int)w;
	}
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static void
readable(int ep, int fd, time_t now)
{
	char buf[1024];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), 0);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		drop(fd);
		return;
	}
	last[fd] = now;
	owed[fd] += 2;
	if (flush_owed(ep, fd) == -1)
		drop(fd);
}

static void
accept_all(int ep, int s, time_t now)
{
	struct epoll_event ev;
	int fd;

	while ((fd = accept4(s, NULL, NULL, SOCK_NONBLOCK)) != -1) {
		if (fd >= MAXFD) {
			close(fd);
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		last[fd] = now;
		owed[fd] = 0;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			drop(fd);
	}
}

static void
expire(int idle, time_t now)
{
	int fd;

	for (fd = 0; fd < MAXFD; fd++)
		if (last[fd] != 0 && now - last[fd] >= idle)
			drop(fd);
}

int
main(int argc, char *argv[])
{
	struct epoll_event ev, evs[256];
	struct sockaddr_in sin;
	struct rlimit rl;
	int backlog = 128, idle = 10, ch, s, ep, i, n, one = 1;
	time_t now, swept = 0;

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
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max < MAXFD ? rl.rlim_max : MAXFD;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[optind]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, backlog) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("epollmin");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	ev.events = EPOLLIN;
	ev.data.fd = s;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == -1) {
		perror("epollmin");
		return 1;
	}
	for (;;) {
		n = epoll_wait(ep, evs, 256, 1000);
		now = time(NULL);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == s)
				accept_all(ep, s, now);
			else if (evs[i].events & EPOLLOUT &&
			    !(evs[i].events & EPOLLIN)) {
				if (flush_owed(ep, fd) == -1)
					drop(fd);
			} else
				readable(ep, fd, now);
		}
		if (now != swept) {
			expire(idle, now);
			swept = now;
		}
	}
usage:
	fprintf(stderr, "usage: epollmin [-b backlog] [-i idle-seconds] port\n");
	return 2;
}
