/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of notify.c on a real AF_UNIX datagram socket named by
 * NOTIFY_SOCKET, as systemd gives it: each message arrives exactly as
 * the service manager reads it, by path and by abstract name, nothing
 * is sent without NOTIFY_SOCKET, and the watchdog cadence is half the
 * interval WATCHDOG_USEC names.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

struct sink {
	int	fd;
	char	path[108];
};

/* Binds a datagram socket at path ("@name" for an abstract one). */
static void
sink_open(struct sink *s, const char *name)
{
	struct sockaddr_un	sun;
	socklen_t		len;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(name) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd != -1);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sun, len), 0);
	snprintf(s->path, sizeof(s->path), "%s", name);
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
}

static void
sink_close(struct sink *s)
{
	close(s->fd);
	if (s->path[0] != '@')
		unlink(s->path);
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram, waited for at most 2 s; "" when none came. */
static void
sink_read(struct sink *s, char *buf, size_t size)
{
	struct pollfd	pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t		n;

	buf[0] = '\0';
	if (poll(&pfd, 1, 2000) != 1)
		return;
	n = recv(s->fd, buf, size - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static void
sink_path(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/okd-test-notify.%ld", (long)getpid());
}

/* Each message arrives as the service manager reads it. */
static void
test_messages(void **state)
{
	struct sink	s;
	char		path[64], buf[256];

	(void)state;
	sink_path(path, sizeof(path));
	sink_open(&s, path);
	notify_ready();
	sink_read(&s, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	notify_stopping();
	sink_read(&s, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");
	notify_status("serving 3, refused 0");
	sink_read(&s, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS=serving 3, refused 0");
	notify_extend(2500000);
	sink_read(&s, buf, sizeof(buf));
	assert_string_equal(buf, "EXTEND_TIMEOUT_USEC=2500000");
	notify_watchdog();
	sink_read(&s, buf, sizeof(buf));
	assert_string_equal(buf, "WATCHDOG=1");
	sink_close(&s);
}

/* RELOADING carries a monotonic time that grows from one reload to the next. */
static void
test_reloading_monotonic(void **state)
{
	struct sink		 s;
	char			 path[64], buf[256];
	unsigned long long	 first, second;

	(void)state;
	sink_path(path, sizeof(path));
	sink_open(&s, path);
	notify_reloading();
	sink_read(&s, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    &first), 1);
	assert_true(first > 0);
	notify_reloading();
	sink_read(&s, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    &second), 1);
	assert_true(second >= first);
	sink_close(&s);
}

/* An abstract socket name ("@...") is reached too. */
static void
test_abstract_name(void **state)
{
	struct sink	s;
	char		name[64], buf[64];

	(void)state;
	snprintf(name, sizeof(name), "@okd-test-notify.%ld", (long)getpid());
	sink_open(&s, name);
	notify_ready();
	sink_read(&s, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	sink_close(&s);
}

/* Without NOTIFY_SOCKET nothing is sent, and nothing fails. */
static void
test_no_socket(void **state)
{
	struct sink	s;
	char		path[64], buf[64];

	(void)state;
	sink_path(path, sizeof(path));
	sink_open(&s, path);
	unsetenv("NOTIFY_SOCKET");
	notify_ready();
	notify_status("x");
	errno = 0;
	assert_int_equal(recv(s.fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	sink_close(&s);
}

/* The ping cadence is half of WATCHDOG_USEC, for this process only. */
static void
test_watchdog_ms(void **state)
{
	char	pid[32];

	(void)state;
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(notify_watchdog_ms(), 0);
	assert_int_equal(setenv("WATCHDOG_USEC", "10000000", 1), 0);
	assert_int_equal(notify_watchdog_ms(), 5000);
	assert_int_equal(setenv("WATCHDOG_USEC", "1000", 1), 0);
	assert_int_equal(notify_watchdog_ms(), 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	assert_int_equal(setenv("WATCHDOG_USEC", "10000000", 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
	assert_int_equal(notify_watchdog_ms(), 0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
	assert_int_equal(notify_watchdog_ms(), 5000);
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_reloading_monotonic),
		cmocka_unit_test(test_abstract_name),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_watchdog_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
