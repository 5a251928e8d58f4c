/*
 * Unit tests for sandbox.c: forked children enter the filter and either
 * survive what a session does or die of SIGSYS for anything else.
 */
#include <sys/mman.h>
#include <sys/prctl.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>
#include <systemd/sd-journal.h>

#include "config.h"
#include "log.h"
#include "sandbox.h"
#include "session.h"

static int	 prepared;

/* Valgrind's own syscalls would trip the filter: skip what enters it. */
static int
under_valgrind(void)
{
	const char	*p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

static void
need_sandbox(void)
{
	if (under_valgrind()) {
		print_message("skipped: valgrind's own syscalls trip the filter\n");
		skip();
	}
	if (!prepared) {
		print_message("skipped: sandbox_prepare() failed\n");
		skip();
	}
}

/* Strict mode is off under the sanitizers (sandbox_strict_possible()). */
static void
need_strict(void)
{
	if (!sandbox_strict_possible()) {
		print_message("skip: strict mode is not possible here\n");
		skip();
	}
}

/* Forks a child that runs fn and exits with its result; returns the status. */
static int
run_child(int (*fn)(void))
{
	pid_t	 pid;
	int	 st;

	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void
assert_exit0(int st)
{
	if (WIFSIGNALED(st))
		fail_msg("child killed by signal %d", WTERMSIG(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Before sandbox_prepare() there is nothing to enter. */
static void
test_enter_unprepared(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(sandbox_enter(SANDBOX_FILTER), -1);
	assert_int_equal(errno, EINVAL);
	/* Valgrind fails seccomp(2), so libseccomp would probe a level 0 API. */
	if (under_valgrind())
		assert_int_equal(seccomp_api_set(3), 0);
	if (sandbox_prepare() == 0)
		prepared = 1;
	assert_true(prepared);
	/* Preparing twice replaces the program, leaking nothing. */
	assert_int_equal(sandbox_prepare(), 0);
}

/* Reads /proc/pid/status and returns the value of field name. */
static long
status_field(pid_t pid, const char *name)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 len = strlen(name);

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The kernel reports the child as NoNewPrivs and in seccomp filter mode. */
static void
test_proc_status(void **state)
{
	int	 go[2], ready[2], st;
	pid_t	 pid;
	char	 c;

	(void)state;
	need_sandbox();
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (sandbox_enter(SANDBOX_FILTER) == -1)
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 4);
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(status_field(getpid(), "Seccomp"), 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(status_field(pid, "NoNewPrivs"), 1);
	assert_int_equal(status_field(pid, "Seccomp"), 2);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_exit0(st);
	close(go[1]);
	close(ready[0]);
}

static int	 pair[2];
static volatile sig_atomic_t	 got_usr1;

static void
on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/*
 * What a session does: timeouts on its socket, recv and send, clocks,
 * stderr, syslog(3) and the journal, malloc large and small, a signal.
 */
static int
session_like(void)
{
	struct timeval		 tv = { 5, 0 };
	struct timespec		 ts;
	struct sigaction	 sa;
	sigset_t		 set;
	char			 buf[64], *big, *small;
	ssize_t			 n;
	int			 devnull, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) == -1)
		return 10;
	if ((devnull = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(devnull, STDERR_FILENO) == -1)
		return 11;
	close(devnull);
	tzset();	/* as the supervisor must: syslog(3) calls localtime_r(3) */
	openlog("okd-test", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sd_journal_print(LOG_DEBUG, "okd sandbox test: before the filter");
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 12;
	if (setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1)
		return 13;
	/* The parent sends SIGUSR1 while recv blocks, then the data. */
	if (send(pair[1], "ready", 5, 0) != 5)
		return 14;
	/* With SO_RCVTIMEO a signal ends recv with EINTR despite SA_RESTART. */
	while ((n = recv(pair[1], buf, sizeof(buf), 0)) == -1 &&
	    errno == EINTR)
		continue;
	if (n != 4 || !got_usr1)
		return 15;
	if (send(pair[1], "OK", 2, MSG_NOSIGNAL) != 2)
		return 16;
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == -1 ||
	    clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 17;
	if (sigemptyset(&set) == -1 || sigaddset(&set, SIGTERM) == -1 ||
	    sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return 18;
	fprintf(stderr, "okd sandbox test: stderr %d\n", (int)getpid());
	dprintf(STDERR_FILENO, "okd sandbox test: dprintf %d\n", (int)getpid());
	syslog(LOG_DEBUG, "okd sandbox test: syslog");
	sd_journal_print(LOG_DEBUG, "okd sandbox test: journal");
	for (i = 0; i < 1000; i++) {
		if ((small = malloc(64 + i)) == NULL)
			return 19;
		free(small);
	}
	if ((big = malloc(4 << 20)) == NULL)
		return 20;
	memset(big, 1, 4 << 20);
	free(big);
	if (shutdown(pair[1], SHUT_WR) == -1)
		return 21;
	close(pair[1]);
	return 0;
}

static void
test_session_survives(void **state)
{
	pid_t	 pid;
	char	 buf[16];
	int	 st;

	(void)state;
	need_sandbox();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(pair[0]);
		_exit(session_like());
	}
	close(pair[1]);
	assert_int_equal(recv(pair[0], buf, 5, MSG_WAITALL), 5);
	/* The child is now in, or about to enter, recv: interrupt it. */
	assert_int_equal(kill(pid, SIGUSR1), 0);
	assert_int_equal(send(pair[0], "ping", 4, 0), 4);
	assert_int_equal(recv(pair[0], buf, 2, MSG_WAITALL), 2);
	assert_memory_equal(buf, "OK", 2);
	assert_int_equal(recv(pair[0], buf, sizeof(buf), 0), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_exit0(st);
	close(pair[0]);
}

static int
do_open(void)
{
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)open("/etc/hostname", O_RDONLY);
	return 0;
}

static int
do_fork(void)
{
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)fork();
	return 0;
}

static int
do_execve(void)
{
	char	*argv[] = { "/bin/true", NULL };

	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)execve(argv[0], argv, NULL);
	return 0;
}

static int
do_mmap_exec(void)
{
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

static int
do_kill(void)
{
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)kill(getpid(), 0);
	return 0;
}

static int
do_accept(void)
{
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)accept(0, NULL, NULL);
	return 0;
}

static int
do_socket_inet(void)
{
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	(void)socket(AF_INET, SOCK_STREAM, 0);
	return 0;
}

static int
do_connect(void)
{
	struct sockaddr_storage	 ss;

	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	(void)connect(0, (struct sockaddr *)&ss, sizeof(ss));
	return 0;
}

/* Anything a session does not need kills the whole child with SIGSYS. */
static void
test_forbidden_killed(void **state)
{
	int	(*fn[])(void) = {
		do_open, do_fork, do_execve, do_mmap_exec, do_kill, do_accept,
		do_socket_inet, do_connect
	};
	size_t	 i;
	int	 st;

	(void)state;
	need_sandbox();
	for (i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		st = run_child(fn[i]);
		if (!sandbox_violation(st))
			fail_msg("case %zu: status %#x, not SIGSYS", i, st);
	}
	assert_false(sandbox_violation(0));
	assert_false(sandbox_violation(SIGKILL));
}

/* socket(AF_UNIX) fails with EACCES: a logger's reconnect is harmless. */
static int
do_socket(void)
{
	tzset();	/* as the supervisor must: syslog(3) calls localtime_r(3) */
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	if (socket(AF_UNIX, SOCK_DGRAM, 0) != -1 || errno != EACCES)
		return 4;
	/* syslog(3) with no connection tries socket() and must survive. */
	closelog();
	syslog(LOG_DEBUG, "okd sandbox test: no connection");
	syslog(LOG_DEBUG, "okd sandbox test: still no connection");
	return 0;
}

static void
test_socket_refused(void **state)
{
	(void)state;
	need_sandbox();
	assert_exit0(run_child(do_socket));
}

/* No core files, and no new descriptors past the limit. */
static int
do_limits(void)
{
	struct rlimit	 rl;

	if (sandbox_limits(0) == -1)
		return 2;
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)
		return 3;
	if (open("/dev/null", O_RDONLY) != -1 || errno != EMFILE)
		return 4;
	/* Descriptors already open keep working. */
	if (write(STDOUT_FILENO, "", 0) != 0)
		return 5;
	return 0;
}

static void
test_limits(void **state)
{
	(void)state;
	if (under_valgrind()) {
		print_message("skipped: valgrind keeps descriptors of its own\n");
		skip();
	}
	assert_exit0(run_child(do_limits));
}

/* What entering costs a child; written to the pipe as nanoseconds. */
static void
test_enter_cost(void **state)
{
	struct timespec	 t0, t1;
	int		 p[2], st, i;
	long		 ns, best = -1;
	pid_t		 pid;

	(void)state;
	need_sandbox();
	assert_int_equal(pipe(p), 0);
	for (i = 0; i < 20; i++) {
		assert_true((pid = fork()) != -1);
		if (pid == 0) {
			/* Fault in the clock and stack pages first. */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if (sandbox_enter(SANDBOX_FILTER) == -1)
				_exit(2);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ns = (t1.tv_sec - t0.tv_sec) * 1000000000L +
			    (t1.tv_nsec - t0.tv_nsec);
			_exit(write(p[1], &ns, sizeof(ns)) == sizeof(ns) ?
			    0 : 3);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_exit0(st);
		assert_int_equal(read(p[0], &ns, sizeof(ns)), sizeof(ns));
		if (best == -1 || ns < best)
			best = ns;
	}
	print_message("sandbox_enter: best of 20 children %ld ns\n", best);
	assert_true(best < 5000000);
	close(p[0]);
	close(p[1]);
}

/*
 * The daemon's own log module, each target, from a sandboxed child.  The
 * supervisor has logged before (the journal's socket is open) and called
 * tzset(); the child only sets its pid.
 */
static int
log_in_sandbox(enum log_target target)
{
	struct log_field	 f[] = { { "peer", "127.0.0.1" }, { "in", "4" } };

	tzset();
	log_init(target, LOG_DEBUG, 0);
	log_info("okd sandbox test: supervisor line");
	if (sandbox_enter(SANDBOX_FILTER) == -1)
		return 2;
	log_info("okd sandbox test: child line %d", (int)getpid());
	log_event(LOG_INFO, "end", f, 2);
	errno = ECONNRESET;
	log_warn("okd sandbox test: recv");
	log_debug("okd sandbox test: debug");
	return 0;
}

static void
test_log_targets(void **state)
{
	enum log_target	 targets[] = {
		LOG_TARGET_STDERR, LOG_TARGET_SYSLOG, LOG_TARGET_JOURNAL
	};
	char		 buf[4096], want[64];
	size_t		 i, len;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], st;

	(void)state;
	need_sandbox();
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		assert_int_equal(pipe(p), 0);
		assert_true((pid = fork()) != -1);
		if (pid == 0) {
			close(p[0]);
			if (dup2(p[1], STDERR_FILENO) == -1)
				_exit(9);
			_exit(log_in_sandbox(targets[i]));
		}
		close(p[1]);
		for (len = 0; len < sizeof(buf) - 1 &&
		    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0;)
			len += n;
		buf[len] = '\0';
		close(p[0]);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("target %d: status %#x", (int)targets[i], st);
		if (targets[i] != LOG_TARGET_STDERR)
			continue;
		(void)snprintf(want, sizeof(want),
		    "okd sandbox test: child line %d", (int)pid);
		assert_non_null(strstr(buf, want));
		assert_non_null(strstr(buf, "end peer=127.0.0.1 in=4"));
		assert_non_null(strstr(buf, "recv: Connection reset by peer"));
	}
}

/*
 * The daemon's real session in a child boxed in as the supervisor's
 * child_start() does it: prepared, then sandboxed, then served; it answers
 * and ends at EOF or at SIGTERM.  Strict mode is checked in /proc.
 */
static void
real_session(int stop, enum sandbox_mode mode)
{
	static struct config	 cf;
	struct session_stats	 st;
	struct timespec		 st0 = { 0, 0 };
	char			 buf[16];
	pid_t			 pid;
	int			 sv[2], devnull, status;

	need_sandbox();
	if (mode == SANDBOX_STRICT)
		need_strict();
	memset(&cf, 0, sizeof(cf));
	cf.idle_timeout_ms = 10000;
	cf.send_timeout_ms = 10000;
	cf.recv_buffer = 1024;
	memcpy(cf.reply, "OK", 2);
	cf.reply_len = 2;
	cf.ack = ACK_READ;
	/* Debug lines need the filter: strict mode would kill the child. */
	cf.log_level = mode == SANDBOX_FILTER ? LOG_DEBUG : LOG_INFO;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		if ((devnull = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(devnull, STDERR_FILENO) == -1)
			_exit(9);
		tzset();
		log_init(LOG_TARGET_STDERR, cf.log_level, 1);
		session_signals();
		session_prepare(sv[1], "127.0.0.1:1", &cf);
		if (sandbox_enter(mode) == -1)
			_exit(8);
		session_run(sv[1], &cf, mode == SANDBOX_STRICT ?
		    SESSION_CALLS_PLAIN : SESSION_CALLS_SOCKET, &st);
		if (mode == SANDBOX_FILTER)
			session_log_close("127.0.0.1:1", NULL, getpid(),
			    &st0, &st0, &st);
		sandbox_exit(st.end == SESSION_EOF ||
		    st.end == SESSION_SHUTDOWN ? 0 : 7);
	}
	close(sv[1]);
	assert_int_equal(send(sv[0], "hello", 5, 0), 5);
	assert_int_equal(recv(sv[0], buf, 2, MSG_WAITALL), 2);
	assert_memory_equal(buf, "OK", 2);
	assert_int_equal(status_field(pid, "Seccomp"),
	    mode == SANDBOX_STRICT ? 1 : 2);
	assert_int_equal(send(sv[0], "x\n", 2, 0), 2);
	assert_int_equal(recv(sv[0], buf, 2, MSG_WAITALL), 2);
	assert_memory_equal(buf, "OK", 2);
	if (stop) {
		/* SIGTERM while the read blocks: the handler runs, it ends. */
		assert_int_equal(kill(pid, SIGTERM), 0);
	} else
		assert_int_equal(shutdown(sv[0], SHUT_WR), 0);
	assert_int_equal(recv(sv[0], buf, sizeof(buf), 0), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_exit0(status);
	close(sv[0]);
}

static void
test_real_session(void **state)
{
	(void)state;
	real_session(0, SANDBOX_FILTER);
}

static void
test_real_session_sigterm(void **state)
{
	(void)state;
	real_session(1, SANDBOX_FILTER);
}

static void
test_strict_session(void **state)
{
	(void)state;
	real_session(0, SANDBOX_STRICT);
}

static void
test_strict_session_sigterm(void **state)
{
	(void)state;
	real_session(1, SANDBOX_STRICT);
}

/*
 * Strict mode leaves read, write, exit and sigreturn: getpid(2), a
 * harmless call the filter allows, kills with SIGKILL; and _exit(3), which
 * is exit_group(2), does too, hence sandbox_exit().
 */
static void
test_strict_forbids(void **state)
{
	pid_t	pid;
	int	i, st;

	(void)state;
	need_sandbox();
	need_strict();
	for (i = 0; i < 2; i++) {
		assert_true((pid = fork()) != -1);
		if (pid == 0) {
			if (sandbox_enter(SANDBOX_STRICT) == -1)
				_exit(8);
			if (i == 0)
				(void)syscall(SYS_getpid);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			fail_msg("case %d: status %#x, not SIGKILL", i, st);
	}
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (sandbox_enter(SANDBOX_STRICT) == -1)
			_exit(8);
		sandbox_exit(5);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 5);
}

/*
 * Under a filter already (systemd's SystemCallFilter=, here one that
 * allows everything), strict mode is not possible and the kernel says so.
 */
static void
test_strict_possible(void **state)
{
	struct sock_filter	allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
	};
	struct sock_fprog	prog = { 1, allow };
	pid_t			pid;
	int			st;

	(void)state;
	need_sandbox();
	need_strict();
	assert_int_equal(sandbox_strict_possible(), 1);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
			_exit(8);
		if (sandbox_strict_possible())
			_exit(9);
		_exit(sandbox_enter(SANDBOX_STRICT) == -1 && errno == EINVAL ?
		    0 : 10);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_exit0(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enter_unprepared),
		cmocka_unit_test(test_proc_status),
		cmocka_unit_test(test_session_survives),
		cmocka_unit_test(test_log_targets),
		cmocka_unit_test(test_real_session),
		cmocka_unit_test(test_real_session_sigterm),
		cmocka_unit_test(test_strict_session),
		cmocka_unit_test(test_strict_session_sigterm),
		cmocka_unit_test(test_strict_forbids),
		cmocka_unit_test(test_strict_possible),
		cmocka_unit_test(test_forbidden_killed),
		cmocka_unit_test(test_socket_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_enter_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
