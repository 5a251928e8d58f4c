/* SPDX-License-Identifier: ISC */
/*
 * A session's process.  okd -i and every forked child enter their box
 * through child_box(), in one order: the title set, capabilities shed,
 * the socket's timeouts set, signals let in, limits lowered, and the
 * filter last.
 * The supervisor logs a child's start in child_accepted() and sees its
 * end in child_reaped().
 * Children need no chroot: their filter allows no open(2), nor any call
 * that takes a path, so a root directory of their own would hide nothing.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bsd/unistd.h>

#include "child.h"
#include "log.h"
#include "privdrop.h"
#include "sandbox.h"
#include "session.h"

/*
 * Boxes the calling process for the session on fd with peer.  The caller
 * has set the session's dispositions (session_signals()) and closed every
 * descriptor the session must not hold.  SIGINT stays blocked: ^C on a
 * terminal reaches the whole process group, and the supervisor drains
 * while the sessions carry on.  Returns 0, or -1 with errno set.
 */
int
child_box(int fd, const char *peer, const struct config *cf)
{
	/*
	 * Written here, not by the supervisor before a fork: a page the
	 * supervisor writes after a fork is copied, and the old copy stays
	 * in that child alone while the kernel still files it under the
	 * supervisor, so every reverse-map walk of it (reclaim, migration,
	 * access sampling) visits every child alive.  The child's own copy
	 * is filed under the child.
	 */
	setproctitle("session %s", peer);
	if (privdrop_child() == -1)
		return -1;
	session_prepare(fd, peer, cf);
	session_unblock(SIGINT);
	if (cf->sandbox == SANDBOX_USE_OFF)
		return 0;
	if (sandbox_limits(0) == -1 || sandbox_enter() == -1)
		return -1;
	return 0;
}

/*
 * In a forked child: the box, then the session; its figures go to the
 * shared slot o for the close line the supervisor writes.  Never returns.
 */
__dead void
child_serve(int fd, const char *peer, const struct config *cf,
    struct outcome *o)
{
	struct session_stats	st;

	if (child_box(fd, peer, cf) == -1) {
		log_warn("session peer=%s: sandbox", peer);
		_exit(OKD_EXIT_FAILURE);
	}
	session_run(fd, cf, &st);
	o->st = st;
	o->done = 1;
	_exit(st.end == SESSION_ERROR ? OKD_EXIT_FAILURE : OKD_EXIT_OK);
}

/*
 * In the supervisor: the accept line of the child pid just forked for
 * peer (via: the proxy it came through, or NULL), active children now.
 */
void
child_accepted(const char *peer, const char *via, pid_t pid, size_t active)
{
	char	spid[16], sactive[24];
	struct log_field f[] = {
		{ "peer", peer }, { "pid", spid }, { "active", sactive },
		{ "proxy", via },
	};

	snprintf(spid, sizeof(spid), "%ld", (long)pid);
	snprintf(sactive, sizeof(sactive), "%zu", active);
	log_event(LOG_INFO, "accept", f, sizeof(f) / sizeof(f[0]) -
	    (via == NULL));
}

/*
 * The close line of a child that reported its session; the supervisor
 * writes it, the child having neither clock nor log in its box.  A health
 * check is only counted, unless it ended in an error.
 */
static void
log_outcome(const struct supervisor_live *live, const struct child *kid,
    const struct timespec *now)
{
	const struct outcomes		*outs = &live->outcomes;
	const struct outcome_origin	*org = &outs->origin[kid->outcome];
	struct session_stats		 st = outs->shared[kid->outcome].st;

	if (kid->health && st.end != SESSION_ERROR)
		return;
	session_log_close(org->peer, org->proxy[0] != '\0' ? org->proxy :
	    NULL, kid->pid, &kid->start, now, &st);
}

/*
 * In the supervisor: an exited child, counted, its close line written; a
 * line if it failed, at most one a second (rl).
 */
void
child_reaped(struct supervisor_live *live, struct log_limiter *rl,
    const struct child *kid, int st, const struct timespec *now)
{
	const struct outcome	*o = &live->outcomes.shared[kid->outcome];
	unsigned long		 held;
	long			 pid = (long)kid->pid;

	if (o->done)
		log_outcome(live, kid, now);
	outcomes_give(&live->outcomes, kid->outcome);
	if (sandbox_violation(st))
		live->count.violations++;
	if (WIFSIGNALED(st))
		live->count.signaled++;
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		live->count.failed++;
	else
		return;
	if (!log_limit(rl, now, &held))
		return;
	if (sandbox_violation(st))
		log_warnx("child pid=%ld sandbox violation: a forbidden system "
		    "call (its number is in the kernel's audit log, "
		    "type=1326); %lu more not logged", pid, held);
	else if (WIFSIGNALED(st))
		log_warnx("child pid=%ld killed by signal %d (%s); %lu more "
		    "not logged", pid, WTERMSIG(st), strsignal(WTERMSIG(st)),
		    held);
	else
		log_warnx("child pid=%ld exited with status %d; %lu more not "
		    "logged", pid, WEXITSTATUS(st), held);
}
