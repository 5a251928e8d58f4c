/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the session loop over real socket pairs: a reply per read,
 * line mode, EOF, idle and send timeouts, resets, partial sends, a stop.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "session.h"

ssize_t	__real_write(int, const void *, size_t);
ssize_t	__real_send(int, const void *, size_t, int);

/*
 * Partial-send mode on the session's descriptor: one byte per write or
 * send, and EINTR every other call.  Other descriptors (cmocka's output)
 * pass.
 */
static int	partial;
static int	partial_fd = -1;
static int	send_calls;
static int	write_calls;

/* How much of n the next call on fd passes; 0: fail it with EINTR. */
static size_t
passed(int fd, size_t n)
{
	if (fd != partial_fd || !partial)
		return n;
	if (send_calls++ % 2 == 1)
		return 0;
	return n > 1 ? 1 : n;
}

ssize_t
__wrap_write(int fd, const void *buf, size_t n)
{
	size_t	k;

	if (fd == partial_fd)
		write_calls++;
	if ((k = passed(fd, n)) == 0 && n > 0) {
		errno = EINTR;
		return -1;
	}
	return __real_write(fd, buf, k);
}

ssize_t
__wrap_send(int fd, const void *buf, size_t n, int flags)
{
	size_t	k;

	if ((k = passed(fd, n)) == 0 && n > 0) {
		errno = EINTR;
		return -1;
	}
	return __real_send(fd, buf, k, flags);
}

struct run {
	pthread_t		thread;
	int			fd;
	struct config		cf;
	struct session_stats	st;
};

static void *
run_session(void *arg)
{
	struct run	*r = arg;

	session_signals();
	session_prepare(r->fd, "test", &r->cf);
	session_run(r->fd, &r->cf, &r->st);
	return NULL;
}

static void
defaults(struct config *cf)
{
	assert_int_equal(config_parse(cf, NULL, "none", NULL, 0), 0);
}

/* Starts a session on one end of a socket pair; returns the client end. */
static int
start(struct run *r, void (*tune)(struct config *))
{
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(r, 0, sizeof(*r));
	defaults(&r->cf);
	if (tune != NULL)
		tune(&r->cf);
	r->fd = sv[0];
	partial_fd = sv[0];
	assert_int_equal(pthread_create(&r->thread, NULL, run_session, r), 0);
	return sv[1];
}


static void
finish(struct run *r)
{
	pthread_join(r->thread, NULL);
	close(r->fd);
}

static int
read_n(int fd, char *buf, size_t n, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		got = 0;
	ssize_t		k;

	while (got < n) {
		if (poll(&pfd, 1, ms) <= 0)
			return -1;
		if ((k = read(fd, buf + got, n - got)) <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static void
test_reply_per_read(void **state)
{
	struct run	r;
	char		buf[8];
	int		c;

	(void)state;
	c = start(&r, NULL);
	assert_int_equal(write(c, "abc", 3), 3);
	assert_int_equal(read_n(c, buf, 2, 2000), 0);
	assert_memory_equal(buf, "OK", 2);
	assert_int_equal(write(c, "d", 1), 1);
	assert_int_equal(read_n(c, buf, 2, 2000), 0);
	assert_memory_equal(buf, "OK", 2);
	shutdown(c, SHUT_WR);
	finish(&r);
	assert_int_equal(r.st.end, SESSION_EOF);
	assert_int_equal(r.st.in, 4);
	assert_int_equal(r.st.out, 4);
	assert_int_equal(r.st.reads, 2);
	assert_int_equal(r.st.replies, 2);
	assert_int_equal(read_n(c, buf, 1, 100), -1);
	close(c);
}

static void
line_mode(struct config *cf)
{
	cf->ack = ACK_LINE;
	memcpy(cf->reply, "OK\n", 3);
	cf->reply_len = 3;
}

static void
test_line_mode(void **state)
{
	struct run	r;
	char		buf[16];
	int		c;

	(void)state;
	c = start(&r, line_mode);
	assert_int_equal(write(c, "a\nb\n", 4), 4);
	assert_int_equal(read_n(c, buf, 6, 2000), 0);
	assert_memory_equal(buf, "OK\nOK\n", 6);
	assert_int_equal(write(c, "c", 1), 1);
	assert_int_equal(read_n(c, buf, 1, 100), -1);
	assert_int_equal(write(c, "\n", 1), 1);
	assert_int_equal(read_n(c, buf, 3, 2000), 0);
	close(c);
	finish(&r);
	assert_int_equal(r.st.end, SESSION_EOF);
	assert_int_equal(r.st.replies, 3);
}

static void
test_eof_at_once(void **state)
{
	struct run	r;

	(void)state;
	close(start(&r, NULL));
	finish(&r);
	assert_int_equal(r.st.end, SESSION_EOF);
	assert_int_equal(r.st.in, 0);
	assert_int_equal(r.st.out, 0);
}

static void
short_idle(struct config *cf)
{
	cf->idle_timeout_ms = 100;
}

static void
test_idle_timeout(void **state)
{
	struct run	r;
	struct timespec	a, b;
	long		ms;
	int		c;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	c = start(&r, short_idle);
	finish(&r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_int_equal(r.st.end, SESSION_TIMEOUT);
	assert_true(ms >= 90);
	assert_true(ms < 5000);
	close(c);
}

static void
short_send(struct config *cf)
{
	line_mode(cf);
	cf->send_timeout_ms = 200;
}

/* The client sends lines but never reads: the owed replies back up. */
static void
test_send_timeout(void **state)
{
	struct run	r;
	char		lines[8192];
	int		c, small = 4096;
	int		sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	memset(&r, 0, sizeof(r));
	defaults(&r.cf);
	short_send(&r.cf);
	r.fd = sv[0];
	c = sv[1];
	memset(lines, '\n', sizeof(lines));
	assert_int_equal(write(c, lines, sizeof(lines)), sizeof(lines));
	assert_int_equal(pthread_create(&r.thread, NULL, run_session, &r), 0);
	finish(&r);
	assert_int_equal(r.st.end, SESSION_TIMEOUT);
	assert_true(r.st.out < sizeof(lines) * 3);
	close(c);
}

/* A TCP peer that resets: recv fails with ECONNRESET, reason reset. */
static void
test_reset(void **state)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	struct linger		lg = { 1, 0 };
	struct run		r;
	int			l, c;

	(void)state;
	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	getsockname(l, (struct sockaddr *)&sin, &len);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	memset(&r, 0, sizeof(r));
	defaults(&r.cf);
	r.fd = accept(l, NULL, NULL);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	assert_int_equal(pthread_create(&r.thread, NULL, run_session, &r), 0);
	finish(&r);
	assert_int_equal(r.st.end, SESSION_RESET);
	close(l);
}

static void
long_reply(struct config *cf)
{
	memcpy(cf->reply, "0123456789", 10);
	cf->reply_len = 10;
}

/*
 * One byte per call and EINTR in between: the reply still arrives whole,
 * through send(2) alone.
 */
static void
test_partial_sends(void **state)
{
	struct run	r;
	char		buf[32];
	int		c;

	(void)state;
	partial = 1;
	send_calls = write_calls = 0;
	c = start(&r, long_reply);
	assert_int_equal(write(c, "x", 1), 1);
	assert_int_equal(read_n(c, buf, 10, 2000), 0);
	assert_memory_equal(buf, "0123456789", 10);
	shutdown(c, SHUT_WR);
	finish(&r);
	partial = 0;
	assert_int_equal(r.st.end, SESSION_EOF);
	assert_int_equal(r.st.out, 10);
	assert_true(send_calls >= 19);
	assert_int_equal(write_calls, 0);
	close(c);
}

static void
on_term(int sig)
{
	(void)sig;
	session_stop();
}

/* A stop request ends a session blocked in recv, reason shutdown. */
static void
test_stop(void **state)
{
	struct sigaction	sa;
	struct run		r;
	char			buf[2];
	int			c;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGUSR2, &sa, NULL);
	c = start(&r, NULL);
	assert_int_equal(write(c, "x", 1), 1);
	assert_int_equal(read_n(c, buf, 2, 2000), 0);
	pthread_kill(r.thread, SIGUSR2);
	finish(&r);
	assert_int_equal(r.st.end, SESSION_SHUTDOWN);
	close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_per_read),
		cmocka_unit_test(test_line_mode),
		cmocka_unit_test(test_eof_at_once),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_send_timeout),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_partial_sends),
		cmocka_unit_test(test_stop),
	};

	log_init(LOG_TARGET_STDERR, LOG_WARNING, 1);
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
