/* SPDX-License-Identifier: ISC */
/*
 * Integration tests of okd with a log sink that stops reading: stderr a
 * pipe nobody reads, or a datagram socket over /dev/log or the journal's
 * socket (in a private mount namespace) nobody reads.  The supervisor must go on serving, reaping and
 * answering SIGTERM; lines it could not write are counted, and said once
 * the sink takes lines again.  Also: a start-up failure says why on
 * stderr (okd -i, and okd without -D whose log is syslog), but never onto
 * a client's socket.
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
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <bsd/string.h>

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

/* A datagram socket bound at a fresh path under /tmp; its path in path. */
static int
dgram_sink(char *path, size_t len)
{
	struct sockaddr_un	sun;
	int			fd;

	snprintf(path, len, "/tmp/okd-logsink.%ld.sock", (long)getpid());
	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	chmod(path, 0666);
	return fd;
}

/* In a private mount namespace: dir (a tmpfs) gets sock as name, keeping keep. */
static int
overlay(const char *dir, const char *name, const char *sock, const char *keep)
{
	char	tmp[] = "/tmp/okd-logns.XXXXXX", p[256], k[256];
	int	fd;

	if (mkdtemp(tmp) == NULL || mount("none", tmp, "tmpfs", 0, NULL) == -1)
		return -1;
	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	if ((fd = open(p, O_CREAT | O_WRONLY, 0666)) == -1)
		return -1;
	close(fd);
	if (mount(sock, p, NULL, MS_BIND, NULL) == -1)
		return -1;
	if (keep != NULL) {
		snprintf(k, sizeof(k), "%s/%s", tmp, keep);
		snprintf(p, sizeof(p), "%s/%s", dir, keep);
		if ((fd = open(k, O_CREAT | O_WRONLY, 0666)) == -1)
			return -1;
		close(fd);
		if (mount(p, k, NULL, MS_BIND, NULL) == -1)
			return -1;
	}
	return mount(tmp, dir, NULL, MS_BIND | MS_REC, NULL);
}

/* Runs argv in a mount namespace where dir/name is sock; stdio as given. */
static pid_t
spawn_ns(const char *dir, const char *name, const char *keep, const char *sock,
    int in, int err, const char *const *argv)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		if (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
			perror("unshare");
			_exit(126);
		}
		(void)mkdir(dir, 0755);
		if (overlay(dir, name, sock, keep) == -1) {
			perror("overlay");
			_exit(126);
		}
		if (in != -1) {
			dup2(in, STDIN_FILENO);
			dup2(in, STDOUT_FILENO);
		}
		dup2(err, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Everything queued on fd now, datagrams joined by newlines. */
static size_t
drain_dgrams(int fd, char *buf, size_t len)
{
	size_t	n = 0;
	ssize_t	r;

	while (n + 2 < len &&
	    (r = recv(fd, buf + n, len - 2 - n, MSG_DONTWAIT)) > 0) {
		n += (size_t)r;
		buf[n++] = '\n';
	}
	buf[n] = '\0';
	return n;
}

/* syslog: a /dev/log nobody reads never stalls serving or SIGTERM. */
static void
test_unread_syslog(void **state)
{
	static char	 buf[1 << 20];
	const char	*bin = getenv("OKD_BIN") ? getenv("OKD_BIN") : "build/okd";
	char		 sock[108], listen[64];
	int		 port = okdtest_port(), sfd, fd, i, z, null;
	long		 t0, end;
	pid_t		 pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	sfd = dgram_sink(sock, sizeof(sock));
	snprintf(listen, sizeof(listen), "listen 127.0.0.1:%d", port);
	const char *argv[] = { bin, "-D", "-f", "/dev/null", "-o", listen,
	    "-o", "log-target syslog", "-o", "log-level debug", NULL };
	null = open("/dev/null", O_WRONLY);
	pid = spawn_ns("/dev", "log", "null", sock, -1, null, argv);
	close(null);
	assert_int_equal(wait_port(port), 0);
	for (i = 0; i < CONNECTIONS; i++) {
		fd = tcp_connect("127.0.0.1", port);
		assert_true(fd >= 0);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
	}
	end = now_ms() + 3000;
	while (count_children(pid, &z) > 0 && now_ms() < end)
		usleep(10000);
	assert_int_equal(count_children(pid, &z), 0);
	/* Drained, the sink hears of the drop, then the stats line. */
	drain_dgrams(sfd, buf, sizeof(buf));
	assert_non_null(strstr(buf, "okd["));
	kill(pid, SIGUSR1);
	end = now_ms() + 3000;
	while (strstr(buf, "stats active=") == NULL && now_ms() < end) {
		usleep(20000);
		drain_dgrams(sfd, buf, sizeof(buf));
	}
	assert_non_null(strstr(buf, "log lines dropped"));
	assert_non_null(strstr(buf, "stats active="));
	t0 = now_ms();
	kill(pid, SIGTERM);
	assert_int_equal(okd_wait_exit(pid, 3000), 0);
	assert_true(now_ms() - t0 < 3000);
	close(sfd);
	unlink(sock);
}

/* okd -i in its seccomp box still sends its close line to the journal. */
static void
test_inetd_journal(void **state)
{
	static char	 buf[1 << 16];
	const char	*bin = getenv("OKD_BIN") ? getenv("OKD_BIN") : "build/okd";
	char		 sock[108], reply[2];
	int		 port = okdtest_port(), sfd, lfd, cfd, afd, null, st;
	struct sockaddr_in sin;
	long		 end;
	pid_t		 pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	sfd = dgram_sink(sock, sizeof(sock));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){1},
	    sizeof(int)), 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	cfd = tcp_connect("127.0.0.1", port);
	assert_true(cfd >= 0);
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(afd >= 0);
	const char *argv[] = { bin, "-i", "-f", "/dev/null", "-o",
	    "log-target journal", NULL };
	null = open("/dev/null", O_WRONLY);
	pid = spawn_ns("/run/systemd/journal", "socket", NULL, sock, afd, null,
	    argv);
	close(null);
	close(afd);
	assert_int_equal(write(cfd, "x", 1), 1);
	assert_int_equal(read_exact(cfd, reply, 2, 3000), 0);
	assert_memory_equal(reply, "OK", 2);
	shutdown(cfd, SHUT_WR);
	assert_int_equal(okd_wait_exit(pid, 3000), 0);
	(void)st;
	end = now_ms() + 3000;
	buf[0] = '\0';
	while (strstr(buf, "OKD_PEER=") == NULL && now_ms() < end) {
		drain_dgrams(sfd, buf, sizeof(buf));
		if (strstr(buf, "OKD_PEER=") == NULL)
			usleep(20000);
	}
	assert_non_null(strstr(buf, "OKD_PEER=127.0.0.1"));
	assert_non_null(strstr(buf, "SYSLOG_IDENTIFIER=okd\n"));
	close(cfd);
	close(lfd);
	close(sfd);
	unlink(sock);
}

/*
 * okd -i whose stdin is no socket, or with a bad config, exits with the
 * documented status and says why on stderr (a pipe here), besides the log.
 */
static void
test_inetd_startup_error_on_stderr(void **state)
{
	char	out[1024];

	(void)state;
	assert_int_equal(run_capture("echo | ${OKD_BIN:-build/okd} -i -f "
	    "/dev/null 2>&1", out, sizeof(out), 5000), 71);
	assert_non_null(strstr(out, "not a connected socket"));
	assert_int_equal(run_capture("echo | ${OKD_BIN:-build/okd} -i -f "
	    "/dev/null -o 'log-target syslog' 2>&1", out, sizeof(out), 5000),
	    71);
	assert_non_null(strstr(out, "not a connected socket"));
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -i -f "
	    "/nonexistent/okd.conf </dev/null 2>&1", out, sizeof(out), 5000),
	    78);
	assert_non_null(strstr(out, "/nonexistent/okd.conf"));
}

/*
 * okd -i as inetd starts it, the client's socket on 0, 1 and 2: a start-up
 * failure (an unknown user) writes nothing onto that socket.
 */
static void
test_inetd_startup_error_not_to_client(void **state)
{
	const char	*bin = getenv("OKD_BIN") ? getenv("OKD_BIN") : "build/okd";
	char		 buf[256];
	int		 sv[2], st;
	ssize_t		 n;
	pid_t		 pid;

	(void)state;
	if (geteuid() != 0) {
		printf("skip: an unknown user is an error only for root\n");
		skip();
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		dup2(sv[1], STDIN_FILENO);
		dup2(sv[1], STDOUT_FILENO);
		dup2(sv[1], STDERR_FILENO);
		close(sv[0]);
		close(sv[1]);
		execl(bin, bin, "-i", "-f", "/dev/null", "-o",
		    "user okd-no-such-user", "-o", "log-target syslog",
		    (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	st = okd_wait_exit(pid, 5000);
	assert_true(st != -1 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 78);
	/* okd is gone: the read ends at once, with nothing written. */
	n = read(sv[0], buf, sizeof(buf));
	assert_int_equal(n, 0);
	close(sv[0]);
}

/*
 * okd without -D (log-target auto: syslog before detaching) that cannot
 * start says why on stderr: a busy port (exit 71), a held pidfile (69).
 */
static void
test_daemon_startup_errors_on_stderr(void **state)
{
	struct okd_proc		p;
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	char			out[2048], cmd[512], conf[256], pid[32];
	int			fd, one = 1;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -f /dev/null "
	    "-o 'listen 127.0.0.1:%d' -o 'pidfile /tmp/okdtest-busy-%d.pid' "
	    "</dev/null 2>&1", ntohs(sin.sin_port), (int)getpid());
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 71);
	assert_non_null(strstr(out, "Address already in use"));
	close(fd);
	snprintf(cmd, sizeof(cmd), "/tmp/okdtest-busy-%d.pid", (int)getpid());
	unlink(cmd);

	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%%PORT%%\n"
	    "pidfile /tmp/okdtest-held-%d.pid\n", (int)getpid());
	assert_int_equal(okd_start(&p, conf, NULL), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -f %s "
	    "-o 'listen 127.0.0.1:%d' </dev/null 2>&1", p.conf, okdtest_port());
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 69);
	snprintf(pid, sizeof(pid), "pid %d", (int)p.pid);
	assert_non_null(strstr(out, pid));
	assert_int_equal(okd_cleanup(&p), 0);
	snprintf(cmd, sizeof(cmd), "/tmp/okdtest-held-%d.pid", (int)getpid());
	unlink(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unread_stderr_pipe),
		cmocka_unit_test(test_unread_syslog),
		cmocka_unit_test(test_inetd_journal),
		cmocka_unit_test(test_inetd_startup_error_on_stderr),
		cmocka_unit_test(test_inetd_startup_error_not_to_client),
		cmocka_unit_test(test_daemon_startup_errors_on_stderr),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_logsink", tests, NULL, NULL);
}
