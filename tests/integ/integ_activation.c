/* SPDX-License-Identifier: ISC */
/*
 * okd and the service manager's protocols, without systemd itself: the
 * notify sequence on a NOTIFY_SOCKET of ours, watchdog pings, sockets
 * passed as fd 3 with LISTEN_FDS, and systemd-socket-activate in its
 * default, --accept and --inetd modes with okd -i.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

static const char *
okd_bin(void)
{
	return getenv("OKD_BIN") != NULL ? getenv("OKD_BIN") : "build/okd";
}

static int
teardown(void **state)
{
	int	r = okd_cleanup(*state);

	free(*state);
	return r;
}

/* READY, STATUS, RELOADING with MONOTONIC_USEC, READY, STOPPING, in order. */
static void
test_notify_sequence(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));
	int		 fd;

	*state = p;
	assert_int_equal(okd_start(p, "listen 127.0.0.1:%PORT%\n", NULL), 0);
	fd = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(fd, "x"), 0);
	close(fd);
	assert_int_equal(okd_wait_notify(p, "STATUS=", 5000), 0);
	assert_int_equal(okd_wait_notify(p, "served", 5000), 0);
	kill(p->pid, SIGHUP);
	/* One message: systemd >= 253 needs both fields together. */
	assert_int_equal(okd_wait_notify(p, "RELOADING=1\nMONOTONIC_USEC=",
	    5000), 0);
	assert_int_equal(okd_wait_notify(p, "READY=1", 5000), 0);
	kill(p->pid, SIGTERM);
	assert_int_equal(okd_wait_notify(p, "STOPPING=1", 5000), 0);
	assert_int_equal(WEXITSTATUS(okd_wait_exit(p->pid, 5000)), 0);
	p->pid = -1;
}

/* STATUS= at most once a second, and only when the figures change. */
static void
test_status_rate(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));
	long		 end;
	int		 fd, before, during, after;

	*state = p;
	assert_int_equal(okd_start(p, "listen 127.0.0.1:%PORT%\n"
	    "log-level warning\n", NULL), 0);
	before = okd_notify_count(p, "STATUS=");
	end = now_ms() + 2500;
	while (now_ms() < end) {
		fd = tcp_connect("127.0.0.1", p->port);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
	}
	/* Let the last change through, then stay idle. */
	usleep(1200000);
	during = okd_notify_count(p, "STATUS=") - before;
	usleep(1500000);
	after = okd_notify_count(p, "STATUS=") - before;
	assert_true(during >= 2);
	assert_true(during <= 5);
	assert_int_equal(after, during);
}

/* WATCHDOG=1 every half of WATCHDOG_USEC. */
static void
test_watchdog_cadence(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));
	int		 n0, n;

	*state = p;
	setenv("WATCHDOG_USEC", "400000", 1);
	assert_int_equal(okd_start(p, "listen 127.0.0.1:%PORT%\n", NULL), 0);
	unsetenv("WATCHDOG_USEC");
	n0 = okd_notify_count(p, "WATCHDOG=1");
	usleep(2000000);
	n = okd_notify_count(p, "WATCHDOG=1") - n0;
	/* 2 s at one ping per 200 ms: 10, with room for a loaded machine. */
	print_message("watchdog pings in 2 s: %d\n", n);
	assert_true(n >= 6);
	assert_true(n <= 12);
}

/* A listening socket of the test's, bound on a free loopback port. */
static int
listening_socket(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1)
		return -1;
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Runs okd with fd as fd 3, as systemd passes it; stderr to log. */
static pid_t
spawn_passed(int fd, const char *log, const char *const *args)
{
	const char	*argv[16] = { okd_bin(), "-D", "-f", "/dev/null", "-o",
			    "log-target stderr" };
	char		 pid[16];
	size_t		 n = 6;
	pid_t		 child;
	int		 lf;

	for (; args != NULL && *args != NULL && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if ((child = fork()) != 0)
		return child;
	lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(lf, STDERR_FILENO);
	dup2(fd, 3);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDNAMES", "okd-test", 1);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* Accept=no by hand: okd serves fd 3, not its listen lines, and keeps it. */
static void
test_passed_socket(void **state)
{
	const char	*args[] = { "-o", "listen 127.0.0.1:1", NULL };
	char		 log[] = "/tmp/okdtest-passed.XXXXXX", cmd[256], out[4096];
	pid_t		 pid;
	int		 lfd, port = 0, fd, i, st, lf;

	(void)state;
	lf = mkstemp(log);
	close(lf);
	lfd = listening_socket(&port);
	assert_true(lfd >= 0);
	pid = spawn_passed(lfd, log, args);
	/* Connects queue on the passed socket even before okd is up. */
	fd = tcp_connect("127.0.0.1", port);
	assert_int_equal(roundtrip(fd, "x"), 0);
	close(fd);
	kill(pid, SIGHUP);
	for (i = 0; i < 20; i++) {
		fd = tcp_connect("127.0.0.1", port);
		assert_int_equal(roundtrip(fd, "y"), 0);
		close(fd);
	}
	kill(pid, SIGTERM);
	st = okd_wait_exit(pid, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof(cmd), "cat %s", log);
	run_capture(cmd, out, sizeof(out), 5000);
	assert_non_null(strstr(out, "fd 3, name okd-test"));
	assert_null(strstr(out, "listening on 127.0.0.1:1\n"));
	assert_non_null(strstr(out, "reloaded"));
	unlink(log);
	close(lfd);
}

/* A passed fd that is not a listening TCP socket: exit 71, naming fd 3. */
static void
test_passed_wrong_fd(void **state)
{
	char	log[] = "/tmp/okdtest-wrong.XXXXXX", cmd[256], out[2048];
	pid_t	pid;
	int	fd, st, lf;

	(void)state;
	lf = mkstemp(log);
	close(lf);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	pid = spawn_passed(fd, log, NULL);
	st = okd_wait_exit(pid, 10000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 71);
	snprintf(cmd, sizeof(cmd), "cat %s", log);
	run_capture(cmd, out, sizeof(out), 5000);
	assert_non_null(strstr(out, "fd 3 passed by the service manager is "
	    "not a listening TCP socket"));
	unlink(log);
	close(fd);
}

static int
have_ssa(void)
{
	char	out[256];

	return run_capture("command -v systemd-socket-activate", out,
	    sizeof(out), 5000) == 0;
}

/* Starts systemd-socket-activate with args; waits until its port answers. */
static pid_t
ssa_start(int port, const char *mode, const char *okdargs)
{
	char	cmd[512];
	pid_t	pid;
	long	end;
	int	fd;

	snprintf(cmd, sizeof(cmd), "exec systemd-socket-activate -l "
	    "127.0.0.1:%d %s %s %s -f /dev/null -o 'log-target syslog' "
	    "2>/dev/null", port, mode, okd_bin(), okdargs);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* systemd-socket-activate has no readiness signal but its port. */
	end = now_ms() + 10000;
	while (now_ms() < end) {
		if ((fd = tcp_connect("127.0.0.1", port)) >= 0) {
			close(fd);
			return pid;
		}
		usleep(20000);
	}
	return pid;
}

static void
ssa_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	if (okd_wait_exit(pid, 5000) == -1) {
		kill(pid, SIGKILL);
		okd_wait_exit(pid, 5000);
	}
}

static void
ssa_case(const char *mode, const char *okdargs)
{
	pid_t	pid;
	int	port, fd, i;

	if (!have_ssa()) {
		print_message("skip: systemd-socket-activate is not installed\n");
		skip();
	}
	port = okdtest_port();
	pid = ssa_start(port, mode, okdargs);
	for (i = 0; i < 5; i++) {
		fd = tcp_connect("127.0.0.1", port);
		assert_true(fd >= 0);
		assert_int_equal(roundtrip(fd, "x"), 0);
		assert_int_equal(roundtrip(fd, "again"), 0);
		shutdown(fd, SHUT_WR);
		assert_int_equal(expect_eof(fd, 5000), 0);
		close(fd);
	}
	ssa_stop(pid);
}

static void
test_ssa_default(void **state)
{
	(void)state;
	ssa_case("", "-D");
}

static void
test_ssa_accept(void **state)
{
	(void)state;
	ssa_case("--accept", "-i");
}

static void
test_ssa_inetd(void **state)
{
	(void)state;
	ssa_case("--accept --inetd", "-i");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_notify_sequence, teardown),
		cmocka_unit_test_teardown(test_status_rate, teardown),
		cmocka_unit_test_teardown(test_watchdog_cadence, teardown),
		cmocka_unit_test(test_passed_socket),
		cmocka_unit_test(test_passed_wrong_fd),
		cmocka_unit_test(test_ssa_default),
		cmocka_unit_test(test_ssa_accept),
		cmocka_unit_test(test_ssa_inetd),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_activation", tests, NULL,
	    NULL);
}
