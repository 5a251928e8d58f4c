/*
 * Integration tests of okd with a log sink that stops reading: stderr a
 * pipe nobody reads.  The supervisor must go on serving, reaping and
 * answering SIGTERM; lines it could not write are counted, and said once
 * the sink takes lines again.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#define CONNECTIONS	600

/* okd -D on port with stderr the write end of a pipe; *rfd its read end. */
static pid_t
spawn_piped(int port, int *rfd)
{
	const char	*bin = getenv("OKD_BIN") ? getenv("OKD_BIN") : "build/okd";
	char		 listen[64];
	int		 p[2];
	pid_t		 pid;

	assert_int_equal(pipe(p), 0);
	snprintf(listen, sizeof(listen), "listen 127.0.0.1:%d", port);
	if ((pid = fork()) == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		execlp(bin, bin, "-D", "-f", "/dev/null", "-o", listen, "-o",
		    "log-target stderr", "-o", "sandbox off", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Waits until port answers, bounded. */
static int
wait_port(int port)
{
	long	end = now_ms() + 5000;
	int	fd;

	while (now_ms() < end) {
		if ((fd = tcp_connect("127.0.0.1", port)) >= 0) {
			close(fd);
			return 0;
		}
		usleep(10000);
	}
	return -1;
}

/* Reads what the pipe holds now into buf (NUL-ended), without waiting. */
static size_t
drain(int fd, char *buf, size_t len)
{
	size_t	n = 0;
	ssize_t	r;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

static void
test_unread_stderr_pipe(void **state)
{
	static char	 buf[1 << 20];
	int		 port = okdtest_port(), rfd, fd, i, z;
	long		 t0, end;
	pid_t		 pid;

	(void)state;
	pid = spawn_piped(port, &rfd);
	assert_int_equal(wait_port(port), 0);
	/* Two lines a connection fill the pipe many times over. */
	for (i = 0; i < CONNECTIONS; i++) {
		fd = tcp_connect("127.0.0.1", port);
		assert_true(fd >= 0);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
	}
	/* Every child reaped while the sink is full: none is a zombie. */
	end = now_ms() + 3000;
	while (count_children(pid, &z) > 0 && now_ms() < end)
		usleep(10000);
	assert_int_equal(count_children(pid, &z), 0);
	/* The sink takes lines again: the drop is told once, then lines flow. */
	drain(rfd, buf, sizeof(buf));
	kill(pid, SIGUSR1);
	end = now_ms() + 3000;
	while (strstr(buf, "stats active=") == NULL && now_ms() < end) {
		usleep(20000);
		drain(rfd, buf, sizeof(buf));
	}
	assert_non_null(strstr(buf, "log lines dropped"));
	assert_non_null(strstr(buf, "stats active="));
	assert_null(strstr(buf, "log-dropped=0 "));
	/* Full again, and SIGTERM is still answered at once. */
	for (i = 0; i < CONNECTIONS; i++) {
		fd = tcp_connect("127.0.0.1", port);
		assert_true(fd >= 0);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
	}
	t0 = now_ms();
	kill(pid, SIGTERM);
	assert_int_equal(okd_wait_exit(pid, 3000), 0);
	assert_true(now_ms() - t0 < 3000);
	close(rfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unread_stderr_pipe),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_logsink", tests, NULL, NULL);
}
