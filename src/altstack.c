/*
 * The supervisor's loop runs on a stack of its own, which no child
 * inherits; forks are made back on the process's stack, where the child
 * then runs.
 *
 * Why: a fork write-protects every page parent and child share, so each
 * page the supervisor writes between two forks costs it a page fault
 * (about 55 µs in the VM this was measured in).  On the process stack the
 * log lines, the reaping and the signal frames of SIGCHLD dirtied two or
 * three such pages per connection; on this stack they dirty none.  What
 * is left on the process stack is one page: the fork and what it hands
 * the child.
 */

#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "altstack.h"
#include "mem.h"

/* As the main thread's default; untouched pages cost nothing. */
#define ALTSTACK_SIZE	(8 * 1024 * 1024)

/* A fork asked for on the private stack, made on the process's. */
struct fork_call {
	void		(*child)(void *);
	pid_t		  pid;
	int		  finished;	/* the loop returned */
	unsigned char	  arg[ALTSTACK_ARG_MAX];
};

/*
 * Set once per run and only read per fork, so their pages stay shared
 * and unwritten.  away lives in private memory: it is written at every
 * switch.
 */
static struct fork_call	*call;
static ucontext_t	*home, *away;

#ifndef OKD_SANITIZE
static int		(*loop_fn)(void *);
static void		*loop_arg;
static int		 loop_ret;

static void
loop_entry(void)
{
	loop_ret = loop_fn(loop_arg);
	call->finished = 1;
	/* Returning resumes uc_link: home, after its last switch. */
}

static int
run_away(int (*fn)(void *), void *arg)
{
	struct fork_call	 fc;
	ucontext_t		 here;
	sigset_t		 all, before;
	char			*stack;
	size_t			 guard;

	if ((stack = mem_stack(ALTSTACK_SIZE, &guard)) == NULL)
		return fn(arg);
	/*
	 * ucontext left POSIX in 2008, but glibc keeps it and okd is for
	 * Linux; cppcheck's advice, a thread, would not fork on this stack.
	 */
	if ((away = mem_private(sizeof(*away))) == NULL ||
	    getcontext(away) == -1) { /* cppcheck-suppress getcontextCalled */
		mem_release(away, sizeof(*away));
		mem_release(stack, ALTSTACK_SIZE);
		away = NULL;
		return fn(arg);
	}
	/*
	 * Each switch sets the signal mask saved with the other side.  This
	 * side keeps every signal blocked: no handler runs on the process
	 * stack, and a child starts with nothing let in until it is ready.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &before);
	memset(&fc, 0, sizeof(fc));
	call = &fc;
	home = &here;
	loop_fn = fn;
	loop_arg = arg;
	away->uc_stack.ss_sp = stack + guard;
	away->uc_stack.ss_size = ALTSTACK_SIZE - guard;
	away->uc_link = &here;
	/* cppcheck-suppress makecontextCalled */
	makecontext(away, loop_entry, 0);
	/* cppcheck-suppress swapcontextCalled */
	swapcontext(&here, away);
	while (!fc.finished) {
		fc.pid = _Fork();
		if (fc.pid == 0) {
			if (fc.child != NULL)
				fc.child(fc.arg);
			_exit(1);	/* child() must not return */
		}
		/* cppcheck-suppress swapcontextCalled */
		swapcontext(&here, away);
	}
	sigprocmask(SIG_SETMASK, &before, NULL);
	call = NULL;
	home = NULL;
	mem_release(away, sizeof(*away));
	away = NULL;
	mem_release(stack, ALTSTACK_SIZE);
	return loop_ret;
}
#endif

/*
 * Runs fn(arg) on the private stack and returns what it returns.  Each
 * altstack_fork() in it comes back here, forks, and returns to it.
 * Sanitizer builds, and a failed allocation, run fn where we are.
 */
int
altstack_run(int (*fn)(void *), void *arg)
{
#ifdef OKD_SANITIZE
	/* ASan keeps state per stack and is not told of these switches. */
	return fn(arg);
#else
	return run_away(fn, arg);
#endif
}

/*
 * _Fork(), made on the process stack when called from altstack_run's
 * loop.  The child runs child on a copy of the len bytes at arg (at most
 * ALTSTACK_ARG_MAX: the private stack is gone there), and must not return.
 * Returns as _Fork() does, in the parent only.
 */
pid_t
altstack_fork(void (*child)(void *), void *arg, size_t len)
{
	pid_t	pid;

	if (call == NULL) {
		if ((pid = _Fork()) == 0) {
			child(arg);
			_exit(1);	/* child() must not return */
		}
		return pid;
	}
	if (len > ALTSTACK_ARG_MAX)
		len = ALTSTACK_ARG_MAX;
	memcpy(call->arg, arg, len);
	call->child = child;
	/* cppcheck-suppress swapcontextCalled */
	swapcontext(away, home);
	return call->pid;
}
