/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for main.c, linked as okd_main(): flags, usage and exit
 * codes, -t and -T, configuration errors named by file and line, and one
 * whole run in the foreground that serves a loopback client and exits 0
 * on SIGTERM.  Each call runs in a forked child with captured output.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>
#include <cmocka.h>

#include "okd.h"

int	okd_main(int, char *[], char *[]);

#define OUT_MAX		16384
#define WAIT_MS		10000

struct run {
	int	status;
	char	out[OUT_MAX];	/* standard output */
	char	err[OUT_MAX];	/* standard error */
};

/* Reads fd to EOF into buf, bounded by its size and by WAIT_MS. */
static void
drain(int fd, char *buf, size_t bufsz)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 len = 0;
	ssize_t		 n;

	while (len < bufsz - 1 && poll(&pfd, 1, WAIT_MS) == 1) {
		if ((n = read(fd, buf + len, bufsz - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
}

/*
 * Runs okd_main with argv (NULL-terminated, argv[0] included) in a child;
 * stderr is read after stdout, so a run must not fill stderr's pipe while
 * stdout is still open (these runs write little).
 */
/*
 * As the kernel lays them out: argv's strings one after another in
 * writable memory, which setproctitle(3) may overwrite for the titles.
 */
static char	 arg_area[1024];
static char	*arg_v[16];
static char	*arg_env[] = { NULL };

static int
lay_out(char *const argv[])
{
	size_t	 off = 0, len;
	int	 argc;

	for (argc = 0; argv[argc] != NULL; argc++) {
		len = strlen(argv[argc]) + 1;
		assert_true(argc < 15 && off + len <= sizeof(arg_area));
		memcpy(arg_area + off, argv[argc], len);
		arg_v[argc] = arg_area + off;
		off += len;
	}
	arg_v[argc] = NULL;
	return argc;
}

/* okd_main on argv laid out as exec(2) would; for a child to call. */
static int
call_main(char *const argv[])
{
	int	argc = lay_out(argv);

	return okd_main(argc, arg_v, arg_env);
}

static void
run_okd(struct run *r, char *argv[])
{
	int	 o[2], e[2];
	pid_t	 pid;

	assert_int_equal(pipe(o), 0);
	assert_int_equal(pipe(e), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (dup2(o[1], STDOUT_FILENO) == -1 ||
		    dup2(e[1], STDERR_FILENO) == -1)
			_exit(100);
		_exit(call_main(argv));
	}
	close(o[1]);
	close(e[1]);
	drain(o[0], r->out, sizeof(r->out));
	drain(e[0], r->err, sizeof(r->err));
	close(o[0]);
	close(e[0]);
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
}

static void
assert_exit(const struct run *r, int code)
{
	if (!WIFEXITED(r->status))
		fail_msg("status %#x, not an exit (stderr: %s)", r->status,
		    r->err);
	if (WEXITSTATUS(r->status) != code)
		fail_msg("exit %d, want %d (stderr: %s)",
		    WEXITSTATUS(r->status), code, r->err);
}

/* A configuration file holding text; its path in path. */
static void
conf_file(char *path, size_t pathsz, const char *text)
{
	int	fd;

	assert_true(strlcpy(path, "/tmp/okd-test-main-XXXXXX", pathsz) <
	    pathsz);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
test_usage(void **state)
{
	struct run	 r;
	char		*bad[] = { "okd", "-x", NULL };
	char		*extra[] = { "okd", "stray", NULL };
	char		*help[] = { "okd", "-h", NULL };

	(void)state;
	run_okd(&r, bad);
	assert_exit(&r, OKD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "usage: okd [-dDhitTV]"));
	run_okd(&r, extra);
	assert_exit(&r, OKD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "usage: okd"));
	run_okd(&r, help);
	assert_exit(&r, 0);
	assert_non_null(strstr(r.out, "usage: okd"));
	assert_string_equal(r.err, "");
}

static void
test_version(void **state)
{
	struct run	 r;
	char		*v[] = { "okd", "-V", NULL };

	(void)state;
	run_okd(&r, v);
	assert_exit(&r, 0);
	assert_string_equal(r.out, "okd " OKD_VERSION "\n");
}

/* -t reads the file and says so; -T prints what -o set. */
static void
test_check_and_print(void **state)
{
	struct run	 r;
	char		 path[64];
	char		*t[] = { "okd", "-t", "-f", path, NULL };
	char		*pr[] = { "okd", "-T", "-f", path, "-o",
			    "recv-buffer 2048", NULL };

	(void)state;
	conf_file(path, sizeof(path), "listen 127.0.0.1:7\nreply \"hi\"\n");
	run_okd(&r, t);
	assert_exit(&r, 0);
	assert_string_equal(r.out, "configuration OK\n");
	run_okd(&r, pr);
	assert_exit(&r, 0);
	assert_non_null(strstr(r.out, "recv-buffer 2048\n"));
	assert_non_null(strstr(r.out, "listen 127.0.0.1:7\n"));
	unlink(path);
}

/* A bad line exits 78 naming file, line and keyword; a -f must exist. */
static void
test_config_errors(void **state)
{
	struct run	 r;
	char		 path[64], want[128];
	char		*t[] = { "okd", "-t", "-f", path, NULL };
	char		*missing[] = { "okd", "-t", "-f",
			    "/nonexistent/okd-test.conf", NULL };

	(void)state;
	conf_file(path, sizeof(path), "listen 127.0.0.1:7\n"
	    "recv-buffer lots\n");
	run_okd(&r, t);
	assert_exit(&r, OKD_EXIT_CONFIG);
	snprintf(want, sizeof(want), "%s:2: recv-buffer", path);
	assert_non_null(strstr(r.err, want));
	assert_string_equal(r.out, "");
	unlink(path);
	run_okd(&r, missing);
	assert_exit(&r, OKD_EXIT_CONFIG);
	assert_non_null(strstr(r.err, "/nonexistent/okd-test.conf"));
}

/* A bound loopback port nobody listens on: okd's port for the serve test. */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Waits for READY=1 on the notify socket fd; 0, or -1 after WAIT_MS. */
static int
wait_ready(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[512];
	ssize_t		 n;
	int		 i;

	for (i = 0; i < 16 && poll(&pfd, 1, WAIT_MS) == 1; i++) {
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			return -1;
		buf[n] = '\0';
		if (strstr(buf, "READY=1") != NULL)
			return 0;
	}
	return -1;
}

/* Connects to port, sends a line, reads the two bytes of the reply. */
static void
assert_served(int port)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 buf[8];
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(send(fd, "ping\n", 5, 0), 5);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < 2 && poll(&pfd, 1, WAIT_MS) == 1) {
		if ((n = recv(fd, buf + got, sizeof(buf) - got, 0)) <= 0)
			break;
		got += (size_t)n;
	}
	assert_int_equal(got, 2);
	assert_memory_equal(buf, "OK", 2);
	close(fd);
}

/*
 * The whole path in one process tree: okd_main in the foreground, ready
 * told on NOTIFY_SOCKET, a client answered, SIGTERM ends it with 0.
 */
static void
test_serves_then_drains(void **state)
{
	struct sockaddr_un	 sun;
	char			 listen[64], sock[64];
	char			*argv[] = { "okd", "-D", "-f", "/dev/null", "-o",
				    listen, "-o", "log-target stderr", NULL };
	pid_t			 pid;
	int			 nfd, st, port, devnull;

	(void)state;
	port = free_port();
	snprintf(listen, sizeof(listen), "listen 127.0.0.1:%d", port);
	snprintf(sock, sizeof(sock), "/tmp/okd-test-main-%ld.sock",
	    (long)getpid());
	(void)unlink(sock);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlcpy(sun.sun_path, sock, sizeof(sun.sun_path)) <
	    sizeof(sun.sun_path));
	assert_true((nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1);
	assert_int_equal(bind(nfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	/* Started as root, okd tells systemd after dropping to nobody. */
	assert_int_equal(chmod(sock, 0666), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (setenv("NOTIFY_SOCKET", sock, 1) == -1 ||
		    (devnull = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(devnull, STDERR_FILENO) == -1)
			_exit(100);
		_exit(call_main(argv));
	}
	if (wait_ready(nfd) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("no READY=1 from okd_main");
	}
	assert_served(port);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(nfd);
	unlink(sock);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_check_and_print),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_serves_then_drains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
