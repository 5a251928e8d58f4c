/* SPDX-License-Identifier: ISC */
/*
 * One client connection, served in a child (or by okd -i): recv up to
 * recv-buffer bytes, answer with the reply, until EOF, a timeout or a stop.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include "log.h"
#include "reply.h"
#include "session.h"

/* Replies are sent in batches of up to this many bytes. */
#define OUT_BATCH	1024

/*
 * Everything a session writes, in one static block the supervisor never
 * touches: the small fields come first, so a child serving short reads
 * dirties a single page of it.
 */
static struct {
	volatile sig_atomic_t	stop;		/* SIGTERM: shutdown */
	volatile sig_atomic_t	expired;	/* SIGALRM: max-session */
	char			peer[ADDR_STRLEN + 8];
	unsigned char		in[RECV_BUFFER_MAX];
} ss;

/*
 * The reply, repeated as often as whole copies fit: built by session_load()
 * before the fork, once per configuration rather than once per child.
 */
static struct {
	size_t		reply_len;
	size_t		per;			/* whole replies in out */
	unsigned char	out[OUT_BATCH];
} batch;

/* After max-session, the alarm repeats this often: a signal that came
 * just before a read began cannot leave that read blocked for long. */
#define EXPIRED_EVERY_MS	100

static const char *const end_names[] = {
	[SESSION_EOF] = "eof",
	[SESSION_TIMEOUT] = "timeout",
	[SESSION_RESET] = "reset",
	[SESSION_ERROR] = "error",
	[SESSION_SHUTDOWN] = "shutdown",
	[SESSION_MAX_SESSION] = "max-session",
	[SESSION_MAX_BYTES] = "max-bytes",
};

/* The name of an end; "error" for a value no session sets. */
const char *
session_end_name(enum session_end e)
{
	if ((unsigned int)e >= sizeof(end_names) / sizeof(end_names[0]))
		return "error";
	return end_names[e];
}

/* From the SIGTERM handler: the next interrupted call ends the session. */
void
session_stop(void)
{
	ss.stop = 1;
}

static void
on_signal(int sig)
{
	if (sig == SIGALRM)
		ss.expired = 1;
	else
		session_stop();
}

static void
set_timeout(int fd, int opt, int64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == -1)
		log_warn("setsockopt");
}

/* Arms max-session: SIGALRM at the deadline, then every EXPIRED_EVERY_MS. */
static void
arm_deadline(int64_t ms)
{
	struct itimerval	it;

	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	it.it_interval.tv_sec = 0;
	it.it_interval.tv_usec = EXPIRED_EVERY_MS * 1000;
	if (setitimer(ITIMER_REAL, &it, NULL) == -1)
		log_warn("setitimer");
}

/*
 * The dispositions a session needs: SIGTERM stops it, max-session's
 * SIGALRM expires it, and SIGPIPE is off (a gone peer must give EPIPE).
 * No SA_RESTART: a blocked read or write must return EINTR.  A process
 * that forks sessions sets them once and its children inherit them.
 */
void
session_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

/*
 * Everything a session needs from the kernel besides its reads and writes,
 * done before the sandbox closes in: the socket's timeouts and
 * max-session's timer.  The caller has set session_signals().
 */
void
session_prepare(int fd, const char *peer, const struct config *cf)
{
	strlcpy(ss.peer, peer != NULL ? peer : "-", sizeof(ss.peer));
	set_timeout(fd, SO_RCVTIMEO, cf->idle_timeout_ms);
	set_timeout(fd, SO_SNDTIMEO, cf->send_timeout_ms);
	if (cf->max_session_ms > 0)
		arm_deadline(cf->max_session_ms);
}

/* Lets every signal in but hold (0: none), after session_prepare. */
void
session_unblock(int hold)
{
	sigset_t	mask;

	sigemptyset(&mask);
	if (hold > 0)
		sigaddset(&mask, hold);
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
}

/* Whether a stop request or the deadline ends the session; sets st->end. */
static int
stopped(struct session_stats *st)
{
	if (ss.stop)
		st->end = SESSION_SHUTDOWN;
	else if (ss.expired)
		st->end = SESSION_MAX_SESSION;
	else
		return 0;
	return 1;
}

/* Why a failed read or write ended the session. */
static enum session_end
end_of(int err, struct session_stats *st)
{
	switch (err) {
	case EAGAIN:
		return SESSION_TIMEOUT;
	case ECONNRESET:
	case EPIPE:
		return SESSION_RESET;
	default:
		st->error = err;
		return SESSION_ERROR;
	}
}

/* Sends all of buf; on failure returns -1 with st->end set. */
static int
send_all(int fd, const unsigned char *buf, size_t n,
    struct session_stats *st)
{
	ssize_t	w;

	while (n > 0) {
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR && stopped(st))
				return -1;
			if (errno == EINTR)
				continue;
			st->end = end_of(errno, st);
			return -1;
		}
		st->out += (uint64_t)w;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Builds the reply batch for cf.  The supervisor calls it for each
 * configuration, before any fork; a session finds it built.
 */
void
session_load(const struct config *cf)
{
	size_t	i;

	batch.reply_len = cf->reply_len;
	batch.per = OUT_BATCH / cf->reply_len;
	for (i = 0; i < batch.per; i++)
		memcpy(batch.out + i * cf->reply_len, cf->reply,
		    cf->reply_len);
}

/* Whether the batch holds cf's reply; a byte loop, not libc's memcmp. */
static int
batch_holds(const struct config *cf)
{
	size_t	i;

	if (batch.reply_len != cf->reply_len || batch.per == 0)
		return 0;
	for (i = 0; i < cf->reply_len; i++)
		if (batch.out[i] != cf->reply[i])
			return 0;
	return 1;
}

/* Sends count replies, as many per write as the batch holds. */
static int
send_replies(int fd, size_t count, struct session_stats *st)
{
	size_t	k;

	while (count > 0) {
		k = count < batch.per ? count : batch.per;
		if (send_all(fd, batch.out, k * batch.reply_len, st) == -1)
			return -1;
		st->replies += k;
		count -= k;
	}
	return 0;
}

static void
log_data(const unsigned char *buf, size_t n)
{
	char	esc[LOG_PEER_BYTES * 4 + 1];

	log_escape(esc, sizeof(esc), buf, n);
	log_debug("recv peer=%s bytes=%zu data=\"%s\"%s", ss.peer, n, esc,
	    n > LOG_PEER_BYTES ? "..." : "");
}

/*
 * The protocol loop on a connected, blocking socket, after session_prepare;
 * fills st.  It receives and sends and nothing else, as the child's
 * filter allows.
 */
void
session_run(int fd, const struct config *cf, struct session_stats *st)
{
	struct framer	fr;
	ssize_t		n;
	size_t		owed, want = (size_t)cf->recv_buffer;

	/* The configuration allows no more; bounded here all the same. */
	if (want > sizeof(ss.in))
		want = sizeof(ss.in);
	/* Checked once a session, not at every send: okd -i and the tests
	 * come without the supervisor's session_load(). */
	if (!batch_holds(cf))
		session_load(cf);
	memset(st, 0, sizeof(*st));
	framer_init(&fr, cf->ack, want);
	for (;;) {
		if (stopped(st))
			return;
		n = recv(fd, ss.in, want, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			st->end = end_of(errno, st);
			return;
		}
		if (n == 0) {
			st->end = SESSION_EOF;
			return;
		}
		st->in += (uint64_t)n;
		st->reads++;
		/* A bound no normal client meets: a flood cannot hold a child. */
		if (cf->max_session_bytes > 0 &&
		    st->in >= (uint64_t)cf->max_session_bytes) {
			st->end = SESSION_MAX_BYTES;
			return;
		}
		if (log_enabled(LOG_DEBUG))
			log_data(ss.in, (size_t)n);
		owed = framer_feed(&fr, ss.in, (size_t)n);
		if (owed > 0 && send_replies(fd, owed, st) == -1)
			return;
	}
}

/*
 * The close line of a session: peer as log-peer names it, the proxy that
 * passed it on (NULL: none), the pid that served it, from start to end.
 */
void
session_log_close(const char *peer, const char *proxy, pid_t pid,
    const struct timespec *start, const struct timespec *end,
    const struct session_stats *st)
{
	char		 spid[16], dur[32], in[24], out[24], reads[24];
	int64_t		 us;
	struct log_field f[] = {
		{ "peer", peer }, { "pid", spid }, { "duration", dur },
		{ "in", in }, { "out", out }, { "reads", reads },
		{ "reason", session_end_name(st->end) },
		{ "proxy", proxy },
	};

	if (log_enabled(LOG_INFO)) {
		us = (end->tv_sec - start->tv_sec) * 1000000 +
		    (end->tv_nsec - start->tv_nsec) / 1000;
		snprintf(spid, sizeof(spid), "%ld", (long)pid);
		snprintf(dur, sizeof(dur), "%lld.%03llds",
		    (long long)(us / 1000000),
		    (long long)(us % 1000000 / 1000));
		snprintf(in, sizeof(in), "%llu", (unsigned long long)st->in);
		snprintf(out, sizeof(out), "%llu",
		    (unsigned long long)st->out);
		snprintf(reads, sizeof(reads), "%llu",
		    (unsigned long long)st->reads);
		/* The proxy field only when a proxy passed it on. */
		log_event(LOG_INFO, "close", f, sizeof(f) / sizeof(f[0]) -
		    (proxy == NULL));
	}
	if (st->end == SESSION_ERROR)
		log_warnx("session peer=%s error: %s", peer,
		    strerror(st->error));
}
