/* SPDX-License-Identifier: ISC */
/*
 * loadgen: drives C concurrent loopback connections, each doing M round trips,
 * for a bounded time (or until N connections are done: -n, for counting); or
 * holds K idle connections while memory is measured.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
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

#define MAX_SECONDS	60
#define MAX_CONNS	20000
#define MAX_REPLY	256
#define SWEEP_MS	50
/* -s: sources 127.1.0.0 and up; the stride, a prime past SRC_MAX, is coprime to any count. */
#define SRC_BASE	0x7f010000U
#define SRC_MAX		(1 << 22)
#define SRC_STRIDE	4194319U

enum state {
	ST_IDLE,
	ST_CONNECTING,
	ST_READING,
	ST_HELD
};

enum errkind {
	ERR_REFUSED,
	ERR_RESET,
	ERR_TIMEOUT,
	ERR_SHORT,
	ERR_OTHER,
	ERR_NKINDS
};

static const char *errnames[ERR_NKINDS] = {
	"refused", "reset", "timeout", "short", "other"
};

struct slot {
	int		 fd;
	enum state	 state;
	int		 trips;		/* round trips done on this connection */
	size_t		 got;		/* reply bytes received so far */
	uint64_t	 t_start;	/* when the current round trip began */
	uint64_t	 t_deadline;	/* when the current operation times out */
};

struct run {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 conns;		/* C */
	int			 trips;		/* M */
	int			 hold;		/* K, 0 unless hold mode */
	int			 limit;		/* N connections at most, 0: none */
	double			 seconds;
	uint64_t		 optimeout_ns;
	const char		*payload;
	size_t			 payloadlen;
	const char		*reply;
	size_t			 replylen;
	uint32_t		 nsrc;		/* -s: source addresses, 0: any */
	uint32_t		 src;		/* the next one's index */

	int			 ep;
	struct slot		*slots;
	int			 nslots;
	int			 started;	/* connections opened (hold mode) */
	int			 active;
	int			 stopping;

	uint64_t		 t0;
	uint64_t		 done_conns;
	uint64_t		 done_trips;
	uint64_t		 errors[ERR_NKINDS];
	uint32_t		*lat;		/* round-trip latencies, microseconds */
	size_t			 nlat;
	size_t			 caplat;
	int			 badreply_shown;
};

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen [-c conns] [-m trips] [-t seconds] "
	    "[-T op-timeout] [-p payload] [-r reply] [-n conns]\n"
	    "               [-H hold | -w] [-s sources[+first]] address port\n");
	exit(2);
}

/* Accepts only 127.0.0.0/8 and ::1: the benchmark never leaves the host. */
static void
parse_target(struct run *r, const char *host, const char *portstr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&r->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r->addr;
	long port;

	port = number(portstr, 1, 65535, "port");
	memset(&r->addr, 0, sizeof(r->addr));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "loadgen: refusing non-loopback "
			    "target %s\n", host);
			exit(2);
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		r->addrlen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
			fprintf(stderr, "loadgen: refusing non-loopback "
			    "target %s\n", host);
			exit(2);
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		r->addrlen = sizeof(*sin6);
	} else {
		fprintf(stderr, "loadgen: not a numeric address: %s\n", host);
		exit(2);
	}
}

static void
record_latency(struct run *r, uint64_t ns)
{
	uint64_t us = ns / 1000;
	uint32_t *n;

	if (r->nlat == r->caplat) {
		r->caplat = r->caplat ? r->caplat * 2 : 65536;
		if ((n = realloc(r->lat, r->caplat * sizeof(*n))) == NULL) {
			perror("loadgen: realloc");
			exit(1);
		}
		r->lat = n;
	}
	r->lat[r->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void
slot_close(struct run *r, struct slot *s)
{
	if (s->fd != -1) {
		close(s->fd);	/* also drops it from the epoll set */
		s->fd = -1;
		r->active--;
	}
	s->state = ST_IDLE;
}

static void
slot_fail(struct run *r, struct slot *s, enum errkind k)
{
	r->errors[k]++;
	slot_close(r, s);
}

static enum errkind
classify(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return ERR_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return ERR_RESET;
	case ETIMEDOUT:
		return ERR_TIMEOUT;
	default:
		return ERR_OTHER;
	}
}

static int
slot_watch(struct run *r, struct slot *s, uint32_t events, int op)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = s;
	return epoll_ctl(r->ep, op, s->fd, &ev);
}

/* Sends the request of the next round trip; the payload is small enough
 * that a fresh loopback socket always takes it whole. */
static void
slot_send(struct run *r, struct slot *s)
{
	ssize_t n;

	n = send(s->fd, r->payload, r->payloadlen, MSG_NOSIGNAL);
	if (n == -1) {
		slot_fail(r, s, classify(errno));
		return;
	}
	if ((size_t)n != r->payloadlen) {
		slot_fail(r, s, ERR_OTHER);
		return;
	}
	s->got = 0;
	s->state = ST_READING;
	s->t_deadline = now_ns() + r->optimeout_ns;
}

/*
 * With -s N, binds fd to the next of N sources 127.1.0.0 + i: every
 * index once in each N connections, in an order that spreads them, and
 * the port left to connect() so each address has the whole port range.
 */
static int
bind_source(struct run *r, int fd)
{
	struct sockaddr_in sin;
	int on = 1;

	if (r->nsrc == 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(SRC_BASE + r->src);
	r->src = (uint32_t)(((uint64_t)r->src + SRC_STRIDE) % r->nsrc);
	if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
	    sizeof(on)) == -1)
		return -1;
	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* -s N[+K]: N sources, starting at the K-th of their sequence. */
static void
sources(struct run *r, char *arg)
{
	char *plus;
	uint64_t k = 0;

	if ((plus = strchr(arg, '+')) != NULL) {
		*plus = '\0';
		k = (uint64_t)number(plus + 1, 0, LONG_MAX, "first source");
	}
	r->nsrc = (uint32_t)number(arg, 1, SRC_MAX, "sources");
	r->src = (uint32_t)(k % r->nsrc * (SRC_STRIDE % r->nsrc) % r->nsrc);
}

static void
slot_open(struct run *r, struct slot *s)
{
	int fd;

	fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		r->errors[ERR_OTHER]++;
		return;
	}
	if (bind_source(r, fd) == -1) {
		close(fd);
		r->errors[ERR_OTHER]++;
		return;
	}
	s->fd = fd;
	s->trips = 0;
	s->t_start = now_ns();
	s->t_deadline = s->t_start + r->optimeout_ns;
	r->active++;
	r->started++;
	if (connect(fd, (struct sockaddr *)&r->addr, r->addrlen) == -1 &&
	    errno != EINPROGRESS) {
		slot_fail(r, s, classify(errno));
		return;
	}
	s->state = ST_CONNECTING;
	if (slot_watch(r, s, EPOLLOUT, EPOLL_CTL_ADD) == -1)
		slot_fail(r, s, ERR_OTHER);
}

static int
want_new(struct run *r)
{
	if (r->stopping)
		return 0;
	if (r->hold > 0)
		return r->started < r->hold;
	if (r->limit > 0)
		return r->started < r->limit;
	return 1;
}

static void
slot_connected(struct run *r, struct slot *s)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		slot_fail(r, s, classify(err));
		return;
	}
	if (slot_watch(r, s, EPOLLIN, EPOLL_CTL_MOD) == -1) {
		slot_fail(r, s, ERR_OTHER);
		return;
	}
	/* The first round trip's latency includes the connect. */
	slot_send(r, s);
}

static void
trip_done(struct run *r, struct slot *s)
{
	uint64_t t = now_ns();

	record_latency(r, t - s->t_start);
	r->done_trips++;
	s->trips++;
	if (r->hold > 0) {
		s->state = ST_HELD;
		s->t_deadline = UINT64_MAX;
		return;
	}
	if (s->trips < r->trips && !r->stopping) {
		s->t_start = t;
		slot_send(r, s);
		return;
	}
	if (s->trips == r->trips)
		r->done_conns++;
	slot_close(r, s);
}

static void
slot_readable(struct run *r, struct slot *s)
{
	char buf[MAX_REPLY];
	size_t want = r->replylen - s->got;
	ssize_t n;

	if (s->state == ST_HELD) {
		/* A held connection must stay silent until we close it. */
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n == 0)
			slot_fail(r, s, ERR_SHORT);
		else if (n == -1 && errno != EAGAIN)
			slot_fail(r, s, classify(errno));
		else if (n > 0)
			slot_fail(r, s, ERR_OTHER);
		return;
	}
	n = recv(s->fd, buf, want, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			slot_fail(r, s, classify(errno));
		return;
	}
	if (n == 0) {
		slot_fail(r, s, ERR_SHORT);
		return;
	}
	if (memcmp(buf, r->reply + s->got, (size_t)n) != 0) {
		if (!r->badreply_shown++)
			fprintf(stderr, "loadgen: unexpected reply bytes\n");
		slot_fail(r, s, ERR_OTHER);
		return;
	}
	s->got += (size_t)n;
	if (s->got == r->replylen)
		trip_done(r, s);
}

static void
slot_event(struct run *r, struct slot *s, uint32_t events)
{
	if (s->state == ST_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			slot_connected(r, s);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		slot_readable(r, s);
}

/* Fails every operation that has waited longer than the op timeout. */
static void
sweep(struct run *r, uint64_t t)
{
	int i;

	for (i = 0; i < r->nslots; i++) {
		struct slot *s = &r->slots[i];

		if (s->state != ST_IDLE && s->state != ST_HELD &&
		    t > s->t_deadline)
			slot_fail(r, s, ERR_TIMEOUT);
	}
}

static void
refill(struct run *r)
{
	int i;

	for (i = 0; i < r->nslots && want_new(r); i++)
		if (r->slots[i].state == ST_IDLE)
			slot_open(r, &r->slots[i]);
}

static int
busy(struct run *r)
{
	int i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].state != ST_IDLE &&
		    r->slots[i].state != ST_HELD)
			return 1;
	return 0;
}

/* Runs the event loop until the time is up, or in hold mode until every
 * connection is held (or failed), or with -n until N have ended. */
static void
drive(struct run *r)
{
	struct epoll_event evs[256];
	uint64_t end = r->t0 + (uint64_t)(r->seconds * 1e9);
	uint64_t last_sweep = r->t0, t;
	int i, n, reopen;

	refill(r);
	for (;;) {
		t = now_ns();
		if (t >= end)
			break;
		if ((r->hold > 0 || r->limit > 0) && !want_new(r) && !busy(r))
			break;
		n = epoll_wait(r->ep, evs, 256, SWEEP_MS);
		if (n == -1 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			exit(1);
		}
		reopen = 0;
		for (i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;

			slot_event(r, s, evs[i].events);
			if (s->state == ST_IDLE)
				reopen = 1;
		}
		t = now_ns();
		if (t - last_sweep >= SWEEP_MS * 1000000ULL) {
			sweep(r, t);
			last_sweep = t;
			reopen = 1;
		}
		if (reopen)
			refill(r);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static uint32_t
percentile(struct run *r, double p)
{
	size_t i;

	if (r->nlat == 0)
		return 0;
	i = (size_t)(p * (double)(r->nlat - 1) + 0.5);
	return r->lat[i];
}

/*
 * A round trip still under way at the end counts with the time it has
 * waited so far, a lower bound: a client the server never answered in
 * the run (its SYN dropped by a full backlog, retransmitted after 1 s and
 * 3 s) would otherwise leave no sample at all, and the percentiles would
 * only see the clients that got through.
 */
static void
report(struct run *r, double elapsed)
{
	uint64_t t = now_ns();
	int i, inflight = 0, held = 0;

	for (i = 0; i < r->nslots; i++) {
		if (r->slots[i].state == ST_HELD)
			held++;
		else if (r->slots[i].state != ST_IDLE) {
			inflight++;
			record_latency(r, t - r->slots[i].t_start);
		}
	}
	qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_u32);
	printf("seconds=%.3f conns=%llu conns_per_s=%.1f trips=%llu "
	    "trips_per_s=%.1f p50_us=%u p99_us=%u max_us=%u inflight=%d",
	    elapsed, (unsigned long long)r->done_conns,
	    r->done_conns / elapsed, (unsigned long long)r->done_trips,
	    r->done_trips / elapsed, percentile(r, 0.50),
	    percentile(r, 0.99), r->nlat ? r->lat[r->nlat - 1] : 0,
	    inflight);
	if (r->hold > 0)
		printf(" held=%d", held);
	for (i = 0; i < ERR_NKINDS; i++)
		printf(" err_%s=%llu", errnames[i],
		    (unsigned long long)r->errors[i]);
	printf("\n");
	fflush(stdout);
}

/* Keeps the held connections open until stdin reaches EOF or, counted
 * from now, the time limit passes, whichever comes first. */
static void
hold_wait(struct run *r)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint64_t end = now_ns() + (uint64_t)MAX_SECONDS * 1000000000ULL;
	char buf[64];
	uint64_t t;

	(void)r;

	while ((t = now_ns()) < end) {
		int ms = (int)((end - t) / 1000000) + 1;

		if (poll(&pfd, 1, ms) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd.revents == 0)
			continue;
		if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			return;
	}
}

/* Probes until one full round trip succeeds or the time is up. */
static int
wait_ready(struct run *r)
{
	struct timespec pause = { 0, 10 * 1000000 };
	uint64_t end = now_ns() + (uint64_t)(r->seconds * 1e9);

	r->conns = 1;
	r->trips = 1;
	while (now_ns() < end) {
		r->t0 = now_ns();
		r->seconds = 1;
		r->done_trips = 0;
		r->started = 0;
		r->hold = 1;
		drive(r);
		if (r->done_trips == 1) {
			slot_close(r, &r->slots[0]);
			return 0;
		}
		slot_close(r, &r->slots[0]);
		nanosleep(&pause, NULL);
	}
	return 1;
}

static void
raise_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < (rlim_t)need + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)need + 64 ?
		    rl.rlim_max : (rlim_t)need + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	struct run r;
	int ch, i, waitmode = 0;
	double elapsed;

	memset(&r, 0, sizeof(r));
	r.conns = 8;
	r.trips = 1;
	r.seconds = 5;
	r.optimeout_ns = 2000000000ULL;
	r.payload = "ping\n";
	r.reply = "OK";
	while ((ch = getopt(argc, argv, "c:H:m:n:p:r:s:t:T:w")) != -1) {
		switch (ch) {
		case 'c':
			r.conns = (int)number(optarg, 1, MAX_CONNS, "conns");
			break;
		case 'H':
			r.hold = (int)number(optarg, 1, MAX_CONNS, "hold");
			break;
		case 'm':
			r.trips = (int)number(optarg, 1, INT_MAX, "trips");
			break;
		case 'n':
			r.limit = (int)number(optarg, 1, INT_MAX, "conns");
			break;
		case 'p':
			r.payload = optarg;
			break;
		case 'r':
			r.reply = optarg;
			break;
		case 's':
			sources(&r, optarg);
			break;
		case 't':
			r.seconds = (double)number(optarg, 1, MAX_SECONDS,
			    "seconds");
			break;
		case 'T':
			r.optimeout_ns = (uint64_t)number(optarg, 1,
			    MAX_SECONDS * 1000, "op-timeout ms") * 1000000ULL;
			break;
		case 'w':
			waitmode = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	parse_target(&r, argv[0], argv[1]);
	if (r.nsrc > 0 && r.addr.ss_family != AF_INET) {
		fprintf(stderr, "loadgen: -s needs an IPv4 target\n");
		return 2;
	}
	r.payloadlen = strlen(r.payload);
	r.replylen = strlen(r.reply);
	if (r.payloadlen == 0 || r.replylen == 0 || r.replylen > MAX_REPLY) {
		fprintf(stderr, "loadgen: payload and reply must be 1..%d "
		    "bytes\n", MAX_REPLY);
		return 2;
	}
	if (r.hold > 0 && r.trips != 1) {
		fprintf(stderr, "loadgen: -H does one round trip each\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(r.hold > 0 ? r.hold : r.conns);
	r.nslots = r.hold > 0 ? r.hold : r.conns;
	if ((r.slots = calloc((size_t)r.nslots, sizeof(*r.slots))) == NULL ||
	    (r.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("loadgen");
		return 1;
	}
	for (i = 0; i < r.nslots; i++)
		r.slots[i].fd = -1;
	if (waitmode)
		return wait_ready(&r);

	r.t0 = now_ns();
	if (r.hold > 0) {
		/* Open at most C at a time so the backlog never overflows. */
		int k = r.hold;

		r.nslots = 0;
		while (r.nslots < k) {
			r.nslots = r.nslots + r.conns > k ? k :
			    r.nslots + r.conns;
			r.hold = r.nslots;
			drive(&r);
			if (now_ns() >= r.t0 + (uint64_t)(r.seconds * 1e9))
				break;
		}
		r.hold = k;
	} else
		drive(&r);
	elapsed = (double)(now_ns() - r.t0) / 1e9;
	r.stopping = 1;
	report(&r, elapsed);
	if (r.hold > 0)
		hold_wait(&r);
	for (i = 0; i < r.nslots; i++)
		slot_close(&r, &r.slots[i]);
	return 0;
}
