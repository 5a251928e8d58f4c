/* SPDX-License-Identifier: ISC */
/*
 * The seccomp boxes.  The supervisor runs under a filter of its own, loaded
 * once after it dropped root; each child stacks the session's filter on
 * it, compiled once in the supervisor with libseccomp.  Filters stack, so
 * a child may do only what both allow.  Both kill the whole process for
 * any other call.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * What a session may do once it has its socket and its log connection.
 * Anything else kills the whole process with SIGSYS.
 */
static const char *const allowed[] = {
	"read", "recvfrom",		/* recv(2) is recvfrom on Linux */
	"write", "writev",		/* stderr logging */
	"sendto", "sendmsg",		/* replies, the log socket */
	"close", "shutdown",
	"setsockopt", "getsockopt",	/* SO_RCVTIMEO/SO_SNDTIMEO, SO_ERROR */
	"clock_gettime",		/* deadlines, should the vDSO fall back */
	"getpid",			/* log lines carry the pid */
	"rt_sigreturn",			/* return from a signal handler */
	"rt_sigprocmask",		/* blocking signals around the loop */
	"rt_sigaction",			/* no session path since session_prepare(); kept */
	"restart_syscall",		/* resume a call a signal interrupted */
	"brk", "munmap",		/* malloc(3) and free(3) */
	"getrandom",			/* malloc(3)'s first call */
	"fstat", "lseek",		/* dprintf(3) probes its descriptor */
	"exit", "exit_group",
	"sigaltstack", "madvise",	/* sanitizer runtimes; harmless to any process */
};

static struct sock_fprog	 prog;
/* The supervisor runs under its filter, no_new_privs set, no core files. */
static int			 supervisor_boxed;

/* No core files, for good: a dump would hold client data. */
static int
no_core(void)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = 0;
	return setrlimit(RLIMIT_CORE, &rl);
}

/* Adds rule action for the named syscall; -1 on failure. */
static int
add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name)
{
	int	 nr;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return -1;
	return seccomp_rule_add(ctx, action, nr, 0) < 0 ? -1 : 0;
}

/* Builds the filter in ctx: the lists above, and mmap(2) without PROT_EXEC. */
static int
build(scmp_filter_ctx ctx)
{
	size_t	 i;

	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0)
		return -1;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (add_rule(ctx, SCMP_ACT_ALLOW, allowed[i]) == -1)
			return -1;
	/*
	 * A session opens no socket: okd's log socket is opened before the
	 * box.  A library that would open an AF_UNIX one to log is refused
	 * softly, so a session is not killed only for losing a log line.  Any
	 * other socket(2), and every connect(2), kills.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU, AF_UNIX)) < 0)
		return -1;
	/*
	 * glibc's fstat(2) is newfstatat(fd, "", st, AT_EMPTY_PATH).  The path
	 * cannot be checked, so a named file could still be stat'ed: metadata
	 * only, and inside the chroot if there is one.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH)) < 0)
		return -1;
	/*
	 * dprintf(3) on a character device asks whether it is a terminal.
	 * The kernel reads the request as 32 bits, hence the mask.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU, TCGETS)) < 0)
		return -1;
	/* malloc(3) maps large blocks; executable memory is never needed. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	return 0;
}

/*
 * The supervisor's calls with arguments checked: sockets of the three
 * families it uses, no executable memory, fork's clone and no thread.
 */
static int
supervisor_rules(scmp_filter_ctx ctx)
{
	static const int	 families[] = { AF_UNIX, AF_INET, AF_INET6 };
	size_t			 i;

	for (i = 0; i < sizeof(families) / sizeof(*families); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU,
		    (scmp_datum_t)families[i])) < 0)
			return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	/* fork(3) is clone(2) without CLONE_THREAD; clone3 is told to fall back. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) < 0)
		return -1;
	return 0;
}

/*
 * Reads the exported program back from the pipe rfd into prog.  A valid
 * program (BPF_MAXINSNS at most) fits the pipe buffer, so the export
 * never blocks; a longer one fails there with EAGAIN.
 */
static int
read_program(int rfd)
{
	size_t		 max = BPF_MAXINSNS * sizeof(struct sock_filter);
	size_t		 len = 0;
	ssize_t		 n;
	char		*buf;

	if ((buf = malloc(max + 1)) == NULL)
		return -1;
	while (len <= max && (n = read(rfd, buf + len, max + 1 - len)) > 0)
		len += n;
	if (len == 0 || len > max || len % sizeof(struct sock_filter) != 0) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	free(prog.filter);
	prog.filter = (struct sock_filter *)buf;
	prog.len = len / sizeof(struct sock_filter);
	return 0;
}

/*
 * Compiles the filter once, in the supervisor, into a BPF program kept in
 * memory that every child inherits.  Returns 0, or -1 with errno set.
 */
int
sandbox_prepare(void)
{
	scmp_filter_ctx	 ctx;
	int		 p[2] = { -1, -1 }, rc = -1, saved;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		goto out;
	if (build(ctx) == -1) {
		errno = EINVAL;
		goto out;
	}
	if ((saved = seccomp_export_bpf(ctx, p[1])) < 0) {
		errno = -saved;
		goto out;
	}
	rc = read_program(p[0]);
out:
	saved = errno;
	if (p[0] != -1) {
		(void)close(p[0]);
		(void)close(p[1]);
	}
	seccomp_release(ctx);
	errno = saved;
	return rc;
}

/*
 * What the supervisor may call: its loop (ppoll, accept, fork, reap,
 * signals), reloads (reading the file, opening new listeners), logging,
 * the notify socket, and what a child does before its own filter is on.
 */
static const char *const supervisor_allowed[] = {
	"ppoll", "poll", "accept4", "accept", "wait4", "waitid", "kill",
	"read", "readv", "recvfrom", "recvmsg", "write", "writev", "sendto",
	"sendmsg", "close", "close_range", "shutdown", "dup", "dup3", "fcntl",
	"ioctl", "pipe2",
	"bind", "listen", "connect", "getsockname", "getpeername",
	"setsockopt", "getsockopt",
	"openat", "newfstatat", "fstat", "statx", "lseek", "readlink",
	"ftruncate", "unlink", "getdents64", "memfd_create",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"getresuid", "getresgid", "getppid",
	"rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "restart_syscall",
	"signalfd4", "setitimer", "sigaltstack",
	"brk", "munmap", "madvise", "mremap", "getrandom",
	"prctl", "seccomp", "prlimit64", "capset", "capget", "set_robust_list",
	"futex",
	"exit", "exit_group",
};

/*
 * Loads the supervisor's own filter, for good; the children inherit it.
 * Call once, after dropping root and before the first accept.  Returns 0,
 * or -1 with errno set.
 */
int
sandbox_supervisor(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 rc = -1, saved;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < sizeof(supervisor_allowed) / sizeof(*supervisor_allowed);
	    i++)
		if (add_rule(ctx, SCMP_ACT_ALLOW, supervisor_allowed[i]) == -1)
			goto out;
	if (supervisor_rules(ctx) == -1)
		goto out;
	if ((saved = seccomp_load(ctx)) < 0) {
		errno = -saved;
		goto out;
	}
	if (no_core() == -1)
		goto out;
	/* Both hold in every child forked from now on. */
	supervisor_boxed = 1;
	rc = 0;
out:
	saved = rc == -1 && errno == 0 ? EINVAL : errno;
	seccomp_release(ctx);
	errno = saved;
	return rc;
}

/*
 * Closes the box on the calling child for good, the last step before it
 * serves: no new privileges, then the session's filter.  Returns 0, or -1
 * with errno set.
 */
int
sandbox_enter(void)
{
	if (prog.filter == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Under the supervisor's filter the flag is already set, inherited. */
	if (!supervisor_boxed && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * Sets a child's limits: no core files (inherited from a boxed supervisor)
 * and at most nofile descriptors, which applies to new ones only.
 */
int
sandbox_limits(rlim_t nofile)
{
	struct rlimit	 rl;

	if (!supervisor_boxed && no_core() == -1)
		return -1;
	rl.rlim_cur = rl.rlim_max = nofile;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * Returns 1 when a wait status says the filter killed the child.  The
 * syscall number does not reach the parent; the kernel logs it as an
 * audit record (type=1326 ... syscall=N).
 */
int
sandbox_violation(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}
