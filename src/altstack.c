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
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "altstack.h"
#include "mem.h"

/* As the main thread's default; untouched pages cost nothing. */
#define ALTSTACK_SIZE	(8 * 1024 * 1024)

/* More than the fork side's frames take below fork_loop's caller. */
#define FORK_FRAMES	1024

/*
 * The two sides of the switch and the fork asked for, in private memory:
 * every field is written at each fork, and none of it is the child's.
 */
struct switchboard {
	ucontext_t	  home;		/* the fork side, between forks */
	ucontext_t	  away;		/* the loop, during a fork */
	void		(*child)(void *);
	size_t		  len;
	pid_t		  pid;
	int		  finished;	/* the loop returned */
	unsigned char	  arg[ALTSTACK_ARG_MAX];
};

/* Set once per run and only read per fork. */
static struct switchboard	*sb;

/* _Fork(); the child runs child(arg), which must not return. */
static pid_t
fork_child(void (*child)(void *), void *arg)
{
	pid_t	pid;

	if ((pid = _Fork()) == 0) {
		child(arg);
		_exit(1);
	}
	return pid;
}

#ifndef OKD_SANITIZE
static int		(*loop_fn)(void *);
static void		*loop_arg;
static int		 loop_ret;

static void
loop_entry(void)
{
	loop_ret = loop_fn(loop_arg);
	sb->finished = 1;
	/* Returning resumes uc_link: home, after its last switch. */
}

/*
 * The fork, on the process stack.  The child's copy of the call is made
 * in this frame, which the child inherits; the switchboard is not.
 */
static __attribute__((noinline)) void
fork_here(void)
{
	unsigned char	arg[ALTSTACK_ARG_MAX];

	memcpy(arg, sb->arg, sb->len);
	sb->pid = fork_child(sb->child, arg);
}

static __attribute__((noinline)) void
fork_loop(void)
{
	/* cppcheck-suppress swapcontextCalled */
	swapcontext(&sb->home, &sb->away);
	while (!sb->finished) {
		fork_here();
		/* cppcheck-suppress swapcontextCalled */
		swapcontext(&sb->home, &sb->away);
	}
}

/* fork_loop, FORK_FRAMES lower on the stack. */
static __attribute__((noinline)) void
fork_loop_lower(void)
{
	volatile char	skip[FORK_FRAMES];

	skip[0] = 0;
	fork_loop();
	(void)skip[0];
}

/*
 * The fork side's frames must lie in one page.  After each fork the
 * parent writes the stack page it returns to, which the child shares, so
 * that page costs a copy; a second page of frames would cost a second.
 */
static void
fork_side(void)
{
	char	here;
	size_t	pg = (size_t)sysconf(_SC_PAGESIZE);

	if (((uintptr_t)&here & (pg - 1)) < FORK_FRAMES)
		fork_loop_lower();
	else
		fork_loop();
}

static int
run_away(int (*fn)(void *), void *arg)
{
	sigset_t	 all, before;
	char		*stack;
	size_t		 guard;

	if ((stack = mem_stack(ALTSTACK_SIZE, &guard)) == NULL)
		return fn(arg);
	/*
	 * ucontext left POSIX in 2008, but glibc keeps it and okd is for
	 * Linux; cppcheck's advice, a thread, would not fork on this stack.
	 */
	if ((sb = mem_private(sizeof(*sb))) == NULL ||
	    getcontext(&sb->away) == -1) { /* cppcheck-suppress getcontextCalled */
		mem_release(sb, sizeof(*sb));
		mem_release(stack, ALTSTACK_SIZE);
		sb = NULL;
		return fn(arg);
	}
	/*
	 * Each switch sets the signal mask saved with the other side.  This
	 * side keeps every signal blocked: no handler runs on the process
	 * stack, and a child starts with nothing let in until it is ready.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &before);
	loop_fn = fn;
	loop_arg = arg;
	sb->away.uc_stack.ss_sp = stack + guard;
	sb->away.uc_stack.ss_size = ALTSTACK_SIZE - guard;
	sb->away.uc_link = &sb->home;
	/* cppcheck-suppress makecontextCalled */
	makecontext(&sb->away, loop_entry, 0);
	fork_side();
	sigprocmask(SIG_SETMASK, &before, NULL);
	mem_release(sb, sizeof(*sb));
	sb = NULL;
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
	if (sb == NULL)
		return fork_child(child, arg);
	if (len > ALTSTACK_ARG_MAX)
		len = ALTSTACK_ARG_MAX;
	memcpy(sb->arg, arg, len);
	sb->child = child;
	sb->len = len;
	/* cppcheck-suppress swapcontextCalled */
	swapcontext(&sb->away, &sb->home);
	return sb->pid;
}
