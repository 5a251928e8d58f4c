/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's signals.  They stay blocked and are read from a
 * signalfd in the loop, so no handler runs, none can be lost between the
 * loop's check and its sleep, and none is left for a child to undo.
 */

#include <signal.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "session.h"
#include "signals.h"

/* The signals the supervisor acts on. */
static const int handled[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGUSR1 };

/*
 * Blocks the handled signals, and SIGALRM, which only a session's deadline
 * sends, then sets the dispositions a child inherits: the session's own
 * (session_signals()), and SIGHUP and SIGUSR1 ignored, so that a signal
 * meant for the supervisor (pkill -HUP okd, a hangup, systemctl kill to
 * the whole cgroup) never ends a session.  Linux never discards a blocked
 * signal as ignored: the supervisor still reads them from the signalfd.
 * Returns the signalfd, or -1 with errno set.
 */
int
signals_open(void)
{
	sigset_t	block;
	size_t		i;
	int		fd;

	sigemptyset(&block);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&block, handled[i]);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigdelset(&block, SIGALRM);
	if ((fd = signalfd(-1, &block, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	session_signals();
	return fd;
}

/* Notes what the signalfd holds; ppoll found it readable, so one read. */
void
signals_read(int fd, struct signals *got)
{
	struct signalfd_siginfo	si[8];
	ssize_t			n, i;

	n = read(fd, si, sizeof(si));
	for (i = 0; i < n / (ssize_t)sizeof(si[0]); i++) {
		switch (si[i].ssi_signo) {
		case SIGCHLD:
			got->chld = 1;
			break;
		case SIGHUP:
			got->hup = 1;
			break;
		case SIGTERM:
		case SIGINT:
			got->term = 1;
			break;
		case SIGUSR1:
			got->usr1 = 1;
			break;
		}
	}
}

/* Whether a signal waits to be handled; it goes before any connection. */
int
signals_pending(const struct signals *got)
{
	return got->chld || got->hup || got->term || got->usr1;
}
