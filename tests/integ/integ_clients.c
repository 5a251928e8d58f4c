/* SPDX-License-Identifier: ISC */
/*
 * Real clients against the real build/okd: netcat-openbsd, socat, a python3
 * socket client, and telnet driven through a pty as a person would.
 */

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

static int
setup(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));

	*state = p;
	return okd_start(p, "listen 127.0.0.1:%PORT%\nlisten [::1]:%PORT%\n",
	    NULL);
}

static int
teardown(void **state)
{
	int	r = okd_cleanup(*state);

	free(*state);
	return r;
}

static void
run(struct okd_proc *p, const char *fmt, const char *want)
{
	char	cmd[512], out[4096];

	snprintf(cmd, sizeof(cmd), fmt, p->port);
	assert_int_equal(run_capture(cmd, out, sizeof(out), 10000), 0);
	assert_string_equal(out, want);
}

static void
test_nc(void **state)
{
	run(*state, "printf 'hello\\n' | nc -N 127.0.0.1 %d", "OK");
}

static void
test_nc_ipv6(void **state)
{
	run(*state, "printf 'hello\\n' | nc -N ::1 %d", "OK");
}

static void
test_socat(void **state)
{
	run(*state, "printf 'hello\\n' | socat -t 5 - TCP:127.0.0.1:%d", "OK");
}

static void
test_python(void **state)
{
	run(*state, "python3 -c \"import socket,sys\n"
	    "s = socket.create_connection(('127.0.0.1', %d), timeout=5)\n"
	    "out = b''\n"
	    "for m in (b'one', b'two'):\n"
	    "    s.sendall(m)\n"
	    "    r = b''\n"
	    "    while len(r) < 2:\n"
	    "        r += s.recv(2 - len(r))\n"
	    "    out += r\n"
	    "s.shutdown(socket.SHUT_WR)\n"
	    "assert s.recv(1) == b''\n"
	    "sys.stdout.write(out.decode())\"", "OKOK");
}

/* Reads the pty until want shows up; bounded by timeout_ms. */
static int
pty_expect(int fd, const char *want, int timeout_ms)
{
	static char	buf[8192];
	static size_t	len;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	long		end = now_ms() + timeout_ms;
	ssize_t		n;

	while (now_ms() < end) {
		buf[len] = '\0';
		if (strstr(buf, want) != NULL) {
			len = 0;
			return 0;
		}
		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			break;
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			len = 0;
	}
	len = 0;
	return -1;
}

/* telnet on a terminal: type a line, see OK, escape and quit. */
static void
test_telnet_pty(void **state)
{
	struct okd_proc	*p = *state;
	char		 port[16];
	int		 fd, st;
	pid_t		 pid;

	snprintf(port, sizeof(port), "%d", p->port);
	pid = forkpty(&fd, NULL, NULL, NULL);
	assert_true(pid != -1);
	if (pid == 0) {
		execlp("telnet", "telnet", "127.0.0.1", port, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(pty_expect(fd, "Escape character is", 5000), 0);
	assert_int_equal(write(fd, "hello\r", 6), 6);
	assert_int_equal(pty_expect(fd, "OK", 5000), 0);
	/* ^] then quit at the telnet> prompt. */
	assert_int_equal(write(fd, "\035", 1), 1);
	assert_int_equal(pty_expect(fd, "telnet>", 5000), 0);
	assert_int_equal(write(fd, "quit\r", 5), 5);
	st = okd_wait_exit(pid, 5000);
	if (st == -1)
		kill(pid, SIGKILL);
	close(fd);
	assert_true(st != -1);
	assert_int_equal(okd_log_wait(p, "reason=eof", 3000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nc_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_python, setup, teardown),
		cmocka_unit_test_setup_teardown(test_telnet_pty, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_clients", tests, NULL, NULL);
}
