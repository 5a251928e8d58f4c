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
#include <bsd/unistd.h>

#include "log.h"
#include "reply.h"
#include "session.h"

/* Replies are sent in batches of up to this many bytes. */
#define OUT_BATCH	1024

/*
 * Everything a session writes, in one static block the supervisor never
 * touches: the small fields and the reply batch come first, so a child
 * serving short reads dirties a single page of it.
 */
static struct {
	volatile sig_atomic_t	stop;
	char			peer[ADDR_STRLEN + 8];
	char			proxy[ADDR_STRLEN];
	unsigned char		out[OUT_BATCH];
	unsigned char		in[RECV_BUFFER_MAX];
} ss;

static const char *const end_names[] = {
	[SESSION_EOF] = "eof",
	[SESSION_TIMEOUT] = "timeout",
	[SESSION_RESET] = "reset",
	[SESSION_ERROR] = "error",
	[SESSION_SHUTDOWN] = "shutdown",
	[SESSION_MAX_SESSION] = "max-session",
};

const char *
session_end_name(enum session_end e)
{
	return end_names[e];
}

/* From the SIGTERM handler: the next interrupted call ends the session. */
void
session_stop(void)
{
	ss.stop = 1;
}

static void
on_term(int sig)
{
	(void)sig;
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

/* Why a failed recv or send ended the session. */
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
send_all(int fd, const unsigned char *buf, size_t n, struct session_stats *st)
{
	ssize_t	w;

	while (n > 0) {
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR && !ss.stop)
				continue;
			st->end = errno == EINTR ? SESSION_SHUTDOWN :
			    end_of(errno, st);
			return -1;
		}
		st->out += (uint64_t)w;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends count replies, as many per send as fit in the batch buffer. */
static int
send_replies(int fd, const struct config *cf, size_t count,
    struct session_stats *st)
{
	size_t	per = OUT_BATCH / cf->reply_len, filled = 0, k;

	while (count > 0) {
		k = count < per ? count : per;
		for (; filled < k; filled++)
			memcpy(ss.out + filled * cf->reply_len, cf->reply,
			    cf->reply_len);
		if (send_all(fd, ss.out, k * cf->reply_len, st) == -1)
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

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * With max-session, the receive timeout shrinks as the deadline nears, so
 * a chatty client is cut off in time; returns 0 once it has passed.
 */
static int
within_session(int fd, const struct config *cf, int64_t deadline,
    int64_t *rcvtimeo)
{
	int64_t	left;

	if (cf->max_session_ms == 0)
		return 1;
	if ((left = deadline - now_ms()) <= 0)
		return 0;
	if (left < cf->idle_timeout_ms && left != *rcvtimeo) {
		set_timeout(fd, SO_RCVTIMEO, left);
		*rcvtimeo = left;
	}
	return 1;
}

/* The protocol loop on a connected, blocking socket; fills st. */
void
session_run(int fd, const struct config *cf, struct session_stats *st)
{
	struct framer	fr;
	ssize_t		n;
	size_t		owed;
	int64_t		deadline = 0, rcvtimeo = cf->idle_timeout_ms;

	memset(st, 0, sizeof(*st));
	set_timeout(fd, SO_RCVTIMEO, cf->idle_timeout_ms);
	set_timeout(fd, SO_SNDTIMEO, cf->send_timeout_ms);
	framer_init(&fr, cf->ack, (size_t)cf->recv_buffer);
	if (cf->max_session_ms > 0)
		deadline = now_ms() + cf->max_session_ms;
	for (;;) {
		if (ss.stop) {
			st->end = SESSION_SHUTDOWN;
			return;
		}
		if (!within_session(fd, cf, deadline, &rcvtimeo)) {
			st->end = SESSION_MAX_SESSION;
			return;
		}
		n = recv(fd, ss.in, (size_t)cf->recv_buffer, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			st->end = end_of(errno, st);
			/* The timeout that fired was the session's deadline. */
			if (st->end == SESSION_TIMEOUT && rcvtimeo !=
			    cf->idle_timeout_ms && now_ms() >= deadline)
				st->end = SESSION_MAX_SESSION;
			return;
		}
		if (n == 0) {
			st->end = SESSION_EOF;
			return;
		}
		st->in += (uint64_t)n;
		st->reads++;
		if (log_enabled(LOG_DEBUG))
			log_data(ss.in, (size_t)n);
		owed = framer_feed(&fr, ss.in, (size_t)n);
		if (owed > 0 && send_replies(fd, cf, owed, st) == -1)
			return;
	}
}

static void
log_close(const struct timespec *start, const struct session_stats *st)
{
	struct timespec	 end;
	char		 pid[16], dur[32], in[24], out[24], reads[24];
	int64_t		 us;
	struct log_field f[] = {
		{ "peer", ss.peer }, { "pid", pid }, { "duration", dur },
		{ "in", in }, { "out", out }, { "reads", reads },
		{ "reason", session_end_name(st->end) },
		{ "proxy", ss.proxy },
	};

	if (!log_enabled(LOG_INFO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	us = (end.tv_sec - start->tv_sec) * 1000000 +
	    (end.tv_nsec - start->tv_nsec) / 1000;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(dur, sizeof(dur), "%lld.%03llds", (long long)(us / 1000000),
	    (long long)(us % 1000000 / 1000));
	snprintf(in, sizeof(in), "%llu", (unsigned long long)st->in);
	snprintf(out, sizeof(out), "%llu", (unsigned long long)st->out);
	snprintf(reads, sizeof(reads), "%llu", (unsigned long long)st->reads);
	/* The proxy field only when a proxy passed the connection on. */
	log_event(LOG_INFO, "close", f, sizeof(f) / sizeof(f[0]) -
	    (ss.proxy[0] == '\0'));
	if (st->end == SESSION_ERROR)
		log_warnx("session peer=%s error: %s", ss.peer,
		    strerror(st->error));
}

/*
 * A whole session in a fresh child or in inetd mode: title, SIGTERM as a
 * stop request, the loop, the close line.  peer is the name log-peer
 * chose; proxy, if not NULL, the proxy that passed it on.  Returns the
 * exit status.
 */
int
session_main(int fd, const char *peer, const char *proxy,
    const struct config *cf)
{
	struct sigaction	sa;
	struct session_stats	st;
	struct timespec		start;
	sigset_t		none;

	clock_gettime(CLOCK_MONOTONIC, &start);
	strlcpy(ss.peer, peer != NULL ? peer : "-", sizeof(ss.peer));
	strlcpy(ss.proxy, proxy != NULL ? proxy : "",
	    sizeof(ss.proxy));
	setproctitle("session %s", ss.peer);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the blocked recv must return EINTR. */
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	session_run(fd, cf, &st);
	close(fd);
	log_close(&start, &st);
	return st.end == SESSION_ERROR ? 1 : 0;
}
