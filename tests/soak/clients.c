/* SPDX-License-Identifier: ISC */
/*
 * The soak's actors: one thread per client, each of one kind and bound to
 * its own loopback source, plus the killer, the SIGHUP sender and the
 * monitor.  Every loop ends on the stop flag and has a count bound too.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

/* No loop runs more often than this, whatever the time left. */
#define MAX_ITER	1000000
#define REPLY_MS	5000
#define FLOOD_HOLD	8		/* the soak's max-per-source */
#define MAX_KIDS	4096
#define MAX_ZOMBIES	512

void
nap(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* An IPv4 address and port as one number; 0 if ip does not parse. */
unsigned long
peer_key(const char *ip, int port)
{
	struct in_addr	a;

	if (inet_pton(AF_INET, ip, &a) != 1)
		return 0;
	return (unsigned long)ntohl(a.s_addr) << 16 | (unsigned long)port;
}

/*
 * A connection from src to 127.0.0.1:port; connect gives up after 3 s
 * (SO_SNDTIMEO bounds it).  rcvbuf > 0 shrinks the receive buffer first.
 */
int
soak_connect(const char *src, int port, int rcvbuf)
{
	struct sockaddr_in	sin;
	struct timeval		tv = { 3, 0 };
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, src, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto fail;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* A connect from src that does not wait: for a stopped okd's backlog. */
int
soak_connect_nb(const char *src, int port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, src, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto fail;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Reads exactly the reply "OK" within timeout_ms.  0 when it came; 1 when
 * the peer closed (EOF or reset) before any byte; -1 otherwise.
 */
static int
expect_ok(int fd, int timeout_ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	long		 end = now_ms() + timeout_ms;
	char		 buf[2];
	size_t		 got = 0;
	ssize_t		 r;
	int		 left;

	while (got < sizeof(buf)) {
		left = (int)(end - now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		r = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (r <= 0)
			return got == 0 ? 1 : -1;
		got += (size_t)r;
	}
	return memcmp(buf, "OK", 2) == 0 ? 0 : -1;
}

/* 0 when the peer ends the stream within timeout_ms with no byte more. */
static int
expect_clean_eof(int fd, int timeout_ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	return recv(fd, &c, 1, 0) == 0 ? 0 : -1;
}

/*
 * The first exchange tells an admitted connection from a refused one: a
 * refused client is closed with no reply.  0 admitted, 1 refused, -1 neither.
 */
int
soak_hello(int fd)
{
	if (send(fd, "h", 1, MSG_NOSIGNAL) != 1)
		return errno == EPIPE || errno == ECONNRESET ? 1 : -1;
	return expect_ok(fd, REPLY_MS);
}

/*
 * A client with one session at a time was refused: note how many children
 * okd still had for its source, by state, and how many zombies in all.
 */
static void
explain_refusal(struct client *c)
{
	static pid_t	 kids[MAX_KIDS];
	static char	 st[MAX_KIDS];
	static pthread_mutex_t	lock = PTHREAD_MUTEX_INITIALIZER;
	struct soak	*s = c->s;
	unsigned long	 key, mine = peer_key(c->src, 0) >> 16;
	int		 n, i, live = 0, zombies = 0, slot;

	if (c->kind == K_FLOOD || s->nrefusal >= 4)
		return;
	pthread_mutex_lock(&lock);
	n = proc_children(s->pid, kids, st, MAX_KIDS);
	for (i = 0; i < n; i++) {
		if (st[i] == 'Z')
			zombies++;
		else if (proc_title_peer(kids[i], &key) == 0 &&
		    key >> 16 == mine)
			live++;
	}
	if ((slot = s->nrefusal++) < 4)
		snprintf(s->refusal[slot], sizeof(s->refusal[0]),
		    "%s: %s refused; okd then had %d live children of that "
		    "source and %d zombies of %d children", s->phase, c->src,
		    live, zombies, n);
	pthread_mutex_unlock(&lock);
}

/* Connects and says hello, counting the outcome; the fd if admitted. */
static int
open_session(struct client *c, int rcvbuf)
{
	struct soak	*s = c->s;
	int		 fd, r;

	if ((fd = soak_connect(c->src, s->okd.port, rcvbuf)) == -1) {
		s->connect_errors++;
		nap(50);
		return -1;
	}
	if ((r = soak_hello(fd)) == 0) {
		s->admitted[c->kind]++;
		return fd;
	}
	if (r == 1) {
		s->refused[c->kind]++;
		explain_refusal(c);
	} else
		s->hello_errors++;
	close(fd);
	/* Turned away: do not hammer a loaded supervisor. */
	nap(20);
	return -1;
}

/* Lets the killer take this session: publishes our address and port. */
static void
publish(struct client *c, int fd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return;
	c->s->ready[c->slot] = peer_key(c->src, ntohs(sin.sin_port));
}

static void
unpublish(struct client *c)
{
	c->s->ready[c->slot] = 0;
}

/* Waits ms in short steps; 1 if the soak stopped meanwhile. */
static int
wait_or_stop(struct soak *s, long ms)
{
	long	end = now_ms() + ms;

	while (now_ms() < end) {
		if (s->stop)
			return 1;
		nap(end - now_ms() < 50 ? end - now_ms() : 50);
	}
	return s->stop != 0;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One message at a time, each at most recv-buffer bytes, so one recv. */
static void
run_good(struct client *c)
{
	struct soak	*s = c->s;
	char		 buf[1024];
	size_t		 len, j;
	int		 fd, i, n, iter;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = open_session(c, 0)) == -1)
			continue;
		n = 1 + rand_r(&c->seed) % 20;
		for (i = 0; i < n; i++) {
			len = 1 + (size_t)rand_r(&c->seed) % sizeof(buf);
			for (j = 0; j < len; j++)
				buf[j] = (char)rand_r(&c->seed);
			s->owed++;
			if (send_all(fd, buf, len) == -1 ||
			    expect_ok(fd, REPLY_MS) != 0) {
				s->bad++;
				break;
			}
			s->got++;
		}
		if (i == n) {
			shutdown(fd, SHUT_WR);
			if (expect_clean_eof(fd, REPLY_MS) == -1)
				s->bad++;
		}
		close(fd);
		nap(5);
	}
}

/* The last message goes with a half-close: its OK must still come. */
static void
run_half(struct client *c)
{
	struct soak	*s = c->s;
	char		 buf[512];
	size_t		 len;
	int		 fd, iter;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = open_session(c, 0)) == -1)
			continue;
		len = 1 + (size_t)rand_r(&c->seed) % sizeof(buf);
		memset(buf, 'a' + iter % 26, len);
		s->owed++;
		if (send_all(fd, buf, len) == -1 || shutdown(fd, SHUT_WR) == -1 ||
		    expect_ok(fd, REPLY_MS) != 0)
			s->bad++;
		else {
			s->got++;
			if (expect_clean_eof(fd, REPLY_MS) == -1)
				s->bad++;
		}
		close(fd);
		nap(20);
	}
}

/* One byte every 9 s, under the 10 s idle timeout: never dropped. */
static void
run_slow(struct client *c)
{
	struct soak	*s = c->s;
	int		 fd, iter, i;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = open_session(c, 0)) == -1)
			continue;
		for (i = 0; i < MAX_ITER && !wait_or_stop(s, 9000); i++) {
			s->owed++;
			if (send(fd, "s", 1, MSG_NOSIGNAL) != 1 ||
			    expect_ok(fd, REPLY_MS) != 0) {
				s->bad++;
				break;
			}
			s->got++;
		}
		close(fd);
	}
}

/* Writes until the socket is full, never reads, holds, then closes. */
static void
run_mute(struct client *c)
{
	struct soak	*s = c->s;
	char		 buf[512];
	long		 end;
	int		 fd, iter, i;

	memset(buf, 'm', sizeof(buf));
	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = open_session(c, 2048)) == -1)
			continue;
		publish(c, fd);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		end = now_ms() + 2000;
		for (i = 0; i < 4000 && now_ms() < end; i++)
			if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) == -1)
				break;
		wait_or_stop(s, 1000 + rand_r(&c->seed) % 2000);
		unpublish(c);
		close(fd);
	}
}

/* Sends, leaves the replies unread and resets the connection. */
static void
run_reset(struct client *c)
{
	struct soak	*s = c->s;
	struct linger	 lg = { 1, 0 };
	char		 buf[512];
	size_t		 len;
	int		 fd, iter;

	memset(buf, 'r', sizeof(buf));
	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = open_session(c, 0)) == -1)
			continue;
		len = 1 + (size_t)rand_r(&c->seed) % sizeof(buf);
		(void)send(fd, buf, len, MSG_NOSIGNAL);
		if (iter % 2)
			nap(1);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		nap(10);
	}
}

/* Holds a quiet session the killer may end; notes when it does. */
static void
run_victim(struct client *c)
{
	struct soak	*s = c->s;
	struct pollfd	 pfd;
	char		 b;
	long		 end;
	int		 fd, iter;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = open_session(c, 0)) == -1)
			continue;
		publish(c, fd);
		end = now_ms() + 200 + rand_r(&c->seed) % 1800;
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (!s->stop && now_ms() < end) {
			if (poll(&pfd, 1, 50) != 1)
				continue;
			if (recv(fd, &b, 1, 0) <= 0)
				s->killed_seen++;
			else
				s->bad++;
			break;
		}
		unpublish(c);
		close(fd);
	}
}

/* A byte on held[i], which must answer; a dead one leaves the array. */
static int
refresh(struct soak *s, int *held, int *nheld, int i)
{
	s->owed++;
	if (send(held[i], "k", 1, MSG_NOSIGNAL) == 1 &&
	    expect_ok(held[i], REPLY_MS) == 0) {
		s->got++;
		return 0;
	}
	close(held[i]);
	held[i] = held[--*nheld];
	return -1;
}

/*
 * Holds max-per-source sessions from one source and keeps knocking:
 * every knock must be refused, and every refusal is seen here.
 */
static void
run_flood(struct client *c)
{
	struct soak	*s = c->s;
	int		 held[FLOOD_HOLD], nheld = 0, fd, r, iter;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		if ((fd = soak_connect(c->src, s->okd.port, 0)) == -1) {
			s->connect_errors++;
			nap(50);
			continue;
		}
		if ((r = soak_hello(fd)) == 0) {
			s->admitted[K_FLOOD]++;
			if (nheld < FLOOD_HOLD)
				held[nheld++] = fd;
			else {
				s->over_admit++;
				close(fd);
			}
		} else {
			if (r == 1)
				s->refused[K_FLOOD]++;
			else
				s->hello_errors++;
			close(fd);
		}
		/* Keep one held session busy, so none reaches idle-timeout. */
		if (nheld > 0 && refresh(s, held, &nheld, iter % nheld) == -1)
			s->bad++;
		/* Now and then free two places, so release is soaked too. */
		if (iter % 25 == 24 && nheld >= 2) {
			close(held[0]);
			close(held[1]);
			memmove(held, held + 2, (size_t)(nheld - 2) * sizeof(int));
			nheld -= 2;
		}
		nap(20);
	}
	while (nheld > 0)
		close(held[--nheld]);
}

void *
client_main(void *arg)
{
	struct client	*c = arg;

	switch (c->kind) {
	case K_GOOD:
		run_good(c);
		break;
	case K_HALF:
		run_half(c);
		break;
	case K_SLOW:
		run_slow(c);
		break;
	case K_MUTE:
		run_mute(c);
		break;
	case K_RESET:
		run_reset(c);
		break;
	case K_VICTIM:
		run_victim(c);
		break;
	default:
		run_flood(c);
		break;
	}
	return NULL;
}

/* Is key the session of a client that said it may be killed? */
static int
killable(struct soak *s, unsigned long key)
{
	int	i;

	for (i = 0; i < MAX_READY; i++)
		if (s->ready[i] == key)
			return 1;
	return 0;
}

/* Every 50 ms, SIGKILL one child that serves a killable client. */
void *
killer_main(void *arg)
{
	struct soak	*s = arg;
	pid_t		 kids[MAX_KIDS], cand[MAX_KIDS];
	char		 st[MAX_KIDS];
	unsigned long	 key;
	unsigned int	 seed = 7;
	int		 n, i, nc, iter;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		nap(50);
		n = proc_children(s->pid, kids, st, MAX_KIDS);
		for (i = 0, nc = 0; i < n; i++)
			if (st[i] != 'Z' && proc_title_peer(kids[i], &key) == 0 &&
			    killable(s, key))
				cand[nc++] = kids[i];
		if (nc > 0 && kill(cand[rand_r(&seed) % nc], SIGKILL) == 0)
			s->kills++;
	}
	return NULL;
}

void *
hupper_main(void *arg)
{
	struct soak	*s = arg;
	int		 iter;

	for (iter = 0; iter < MAX_ITER && !s->stop; iter++) {
		nap(100);
		if (kill(s->pid, SIGHUP) == 0)
			s->hups++;
	}
	return NULL;
}

/* Zombies of the last sample: a pid still Z past the bound is stuck. */
struct zombie {
	pid_t	pid;
	long	first;
	int	stuck;
};

/* A zombie outlived the bound: note what the supervisor was doing. */
static void
stuck(struct soak *s, pid_t kid, long age)
{
	char	snap[160];
	int	asleep;

	s->zombies_stuck++;
	asleep = proc_snapshot(s->pid, snap, sizeof(snap));
	if (asleep)
		s->stuck_asleep++;
	if (s->nevidence < 4)
		snprintf(s->evidence[s->nevidence++], sizeof(s->evidence[0]),
		    "%s: zombie %ld for %ldms; supervisor %s", s->phase,
		    (long)kid, age, snap);
}

static void
track_zombies(struct soak *s, const pid_t *kids, const char *st, int n,
    struct zombie *z, int *nz)
{
	struct zombie	next[MAX_ZOMBIES];
	long		now = now_ms();
	int		i, j, nn = 0;

	for (i = 0; i < n && nn < MAX_ZOMBIES; i++) {
		if (st[i] != 'Z')
			continue;
		for (j = 0; j < *nz && z[j].pid != kids[i]; j++)
			;
		if (j == *nz) {
			next[nn].pid = kids[i];
			next[nn].first = now;
			next[nn].stuck = 0;
			s->zombies_seen++;
		} else
			next[nn] = z[j];
		if (!next[nn].stuck && now - next[nn].first > ZOMBIE_BOUND_MS) {
			next[nn].stuck = 1;
			stuck(s, kids[i], now - next[nn].first);
		}
		nn++;
	}
	memcpy(z, next, (size_t)nn * sizeof(*z));
	*nz = nn;
}

/*
 * Every 20 ms: is the supervisor alive, how many children has it, is any
 * of them a zombie for too long.  mon_lock keeps a stop out of a sample.
 */
void *
monitor_main(void *arg)
{
	struct soak	*s = arg;
	static struct zombie	z[MAX_ZOMBIES];
	static pid_t	 kids[MAX_KIDS];
	static char	 st[MAX_KIDS];
	siginfo_t	 si;
	pid_t		 pid;
	int		 n, nz = 0;

	while (s->watching) {
		nap(20);
		pthread_mutex_lock(&s->mon_lock);
		if ((pid = s->pid) > 0) {
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)pid, &si,
			    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) {
				s->died = 1;
				s->died_status = si.si_status;
			}
			n = proc_children(pid, kids, st, MAX_KIDS);
			if (n > s->max_children)
				s->max_children = n;
			track_zombies(s, kids, st, n, z, &nz);
		}
		pthread_mutex_unlock(&s->mon_lock);
	}
	return NULL;
}
