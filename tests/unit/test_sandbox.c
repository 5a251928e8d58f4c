/* SPDX-License-Identifier: ISC */
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
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
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
#include "unitassert.h"

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

/* Before sandbox_prepare() there is nothing to enter. */
static void
test_enter_unprepared(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(sandbox_enter(), -1);
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
		if (sandbox_enter() == -1)
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
	if (sandbox_enter() == -1)
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
	if (sandbox_enter() == -1)
		return 2;
	(void)open("/etc/hostname", O_RDONLY);
	return 0;
}

static int
do_fork(void)
{
	if (sandbox_enter() == -1)
		return 2;
	(void)fork();
	return 0;
}

static int
do_execve(void)
{
	char	*argv[] = { "/bin/true", NULL };

	if (sandbox_enter() == -1)
		return 2;
	(void)execve(argv[0], argv, NULL);
	return 0;
}

static int
do_mmap_exec(void)
{
	if (sandbox_enter() == -1)
		return 2;
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

static int
do_kill(void)
{
	if (sandbox_enter() == -1)
		return 2;
	(void)kill(getpid(), 0);
	return 0;
}

static int
do_accept(void)
{
	if (sandbox_enter() == -1)
		return 2;
	(void)accept(0, NULL, NULL);
	return 0;
}

static int
do_socket_inet(void)
{
	if (sandbox_enter() == -1)
		return 2;
	(void)socket(AF_INET, SOCK_STREAM, 0);
	return 0;
}

static int
do_connect(void)
{
	struct sockaddr_storage	 ss;

	if (sandbox_enter() == -1)
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
	if (sandbox_enter() == -1)
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
	if (sandbox_enter() == -1)
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
 * and ends at EOF or at SIGTERM.  The filter is checked in /proc.
 */
static void
real_session(int stop)
{
	static struct config	 cf;
	struct session_stats	 st;
	struct timespec		 st0 = { 0, 0 };
	char			 buf[16];
	pid_t			 pid;
	int			 sv[2], devnull, status;

	need_sandbox();
	memset(&cf, 0, sizeof(cf));
	cf.idle_timeout_ms = 10000;
	cf.send_timeout_ms = 10000;
	cf.recv_buffer = 1024;
	memcpy(cf.reply, "OK", 2);
	cf.reply_len = 2;
	cf.ack = ACK_READ;
	cf.log_level = LOG_DEBUG;
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
		if (sandbox_enter() == -1)
			_exit(8);
		session_run(sv[1], &cf, &st);
		session_log_close("127.0.0.1:1", NULL, getpid(), &st0, &st0,
		    &st);
		_exit(st.end == SESSION_EOF || st.end == SESSION_SHUTDOWN ?
		    0 : 7);
	}
	close(sv[1]);
	assert_int_equal(send(sv[0], "hello", 5, 0), 5);
	assert_int_equal(recv(sv[0], buf, 2, MSG_WAITALL), 2);
	assert_memory_equal(buf, "OK", 2);
	assert_int_equal(status_field(pid, "Seccomp"), 2);
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
	real_session(0);
}

static void
test_real_session_sigterm(void **state)
{
	(void)state;
	real_session(1);
}

/*
 * What the supervisor does in its loop and its reloads, under its own
 * filter: a listener bound and accepting, a file read, a signalfd, a child
 * forked, signalled and reaped, and that child's own filter stacked on.
 */
static int
supervisor_like(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	sigset_t		 set;
	char			 buf[64];
	pid_t			 pid;
	int			 ls, c, a, fd, st;

	if (sandbox_supervisor() == -1)
		return 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 5) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sin, &len) == -1)
		return 3;
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (a = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return 4;
	if ((fd = open("/proc/self/status", O_RDONLY)) == -1 ||
	    read(fd, buf, sizeof(buf)) <= 0)
		return 5;
	close(fd);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    signalfd(-1, &set, SFD_CLOEXEC) == -1)
		return 6;
	if ((pid = fork()) == -1)
		return 7;
	if (pid == 0) {
		if (sandbox_enter() == -1)
			_exit(8);
		(void)recv(a, buf, sizeof(buf), 0);
		_exit(0);
	}
	if (kill(pid, SIGTERM) == -1 || waitpid(pid, &st, 0) != pid)
		return 9;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
		return 10;
	return 0;
}

static void
test_supervisor_filter(void **state)
{
	(void)state;
	need_sandbox();
	assert_exit0(run_child(supervisor_like));
}

/* Loads the supervisor's filter, then calls what it never needs. */
static int
sup_execve(void)
{
	char	*argv[] = { "/bin/true", NULL };

	if (sandbox_supervisor() == -1)
		return 2;
	(void)execve(argv[0], argv, NULL);
	return 0;
}

static int
sup_ptrace(void)
{
	if (sandbox_supervisor() == -1)
		return 2;
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 0;
}

static int
sup_mkdir(void)
{
	if (sandbox_supervisor() == -1)
		return 2;
	(void)mkdir("/tmp/okd-sandbox-test-never", 0700);
	return 0;
}

static int
sup_setuid(void)
{
	if (sandbox_supervisor() == -1)
		return 2;
	if (setuid(0) == 0)
		return 3;
	return 0;
}

static int
sup_netlink(void)
{
	if (sandbox_supervisor() == -1)
		return 2;
	(void)socket(AF_NETLINK, SOCK_RAW, 0);
	return 0;
}

static int
sup_mmap_exec(void)
{
	if (sandbox_supervisor() == -1)
		return 2;
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

/* A session cannot signal or trace the process that forked it. */
static int
child_kills_parent(void)
{
	if (sandbox_supervisor() == -1 || sandbox_enter() == -1)
		return 2;
	(void)kill(getppid(), SIGTERM);
	return 0;
}

static int
child_traces_parent(void)
{
	if (sandbox_supervisor() == -1 || sandbox_enter() == -1)
		return 2;
	(void)ptrace(PTRACE_ATTACH, getppid(), NULL, NULL);
	return 0;
}

static void
test_supervisor_forbidden(void **state)
{
	int	(*fn[])(void) = {
		sup_execve, sup_ptrace, sup_mkdir, sup_setuid, sup_netlink,
		sup_mmap_exec, child_kills_parent, child_traces_parent
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
}

/*
 * Fails, with EPERM, each call a boxed supervisor's child should no longer
 * make: setting no_new_privs and lowering RLIMIT_CORE, both inherited.
 */
static int
refuse_inherited_steps(void)
{
	/* Argument, comparison, value: nnp by prctl's first, core by rlimit's. */
	const struct scmp_arg_cmp	 nnp = { 0, SCMP_CMP_EQ,
					    PR_SET_NO_NEW_PRIVS, 0 };
	const struct scmp_arg_cmp	 core0 = { 0, SCMP_CMP_EQ, RLIMIT_CORE, 0 };
	const struct scmp_arg_cmp	 core1 = { 1, SCMP_CMP_EQ, RLIMIT_CORE, 0 };
	scmp_filter_ctx			 ctx;
	int				 rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prctl), 1,
	    nnp) == 0 &&
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setrlimit), 1,
	    core0) == 0 &&
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prlimit64), 1,
	    core1) == 0 &&
	    seccomp_load(ctx) == 0)
		rc = 0;
	seccomp_release(ctx);
	return rc;
}

/* Under the supervisor's filter a child makes neither call. */
static int
boxed_child_skips(void)
{
	struct rlimit	 rl;

	if (sandbox_supervisor() == -1)
		return 2;
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_max != 0)
		return 3;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 4;
	if (refuse_inherited_steps() == -1)
		return 5;
	if (sandbox_limits(0) == -1 || sandbox_enter() == -1)
		return 6;
	return 0;
}

/* The control: an unboxed process needs both, and says so. */
static int
unboxed_child_needs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    refuse_inherited_steps() == -1)
		return 2;
	if (sandbox_limits(0) != -1 || errno != EPERM)
		return 3;
	if (sandbox_enter() != -1 || errno != EPERM)
		return 4;
	return 0;
}

/*
 * Counting what a connection costs: a child of a boxed supervisor spends
 * no system call on what it inherited.
 */
static void
test_inherited_not_repeated(void **state)
{
	(void)state;
	need_sandbox();
	assert_exit0(run_child(boxed_child_skips));
	assert_exit0(run_child(unboxed_child_needs));
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
		cmocka_unit_test(test_supervisor_filter),
		cmocka_unit_test(test_supervisor_forbidden),
		cmocka_unit_test(test_forbidden_killed),
		cmocka_unit_test(test_socket_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_inherited_not_repeated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
