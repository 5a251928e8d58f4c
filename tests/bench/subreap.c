/* SPDX-License-Identifier: ISC */
/*
 * subreap: runs a command as a child subreaper, so server children orphaned
 * when a benchmarked server stops are reaped here, not left as zombies.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_TRIES	150	/* times 100 ms: how long orphans may linger */

int
main(int argc, char *argv[])
{
	struct timespec pause = { 0, 100 * 1000000 };
	pid_t pid, w;
	int st, rc, i;

	if (argc < 2) {
		fprintf(stderr, "usage: subreap command [arg ...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		perror("subreap: prctl");
		return 1;
	}
	switch (pid = fork()) {
	case -1:
		perror("subreap: fork");
		return 1;
	case 0:
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	/* Reaps orphans while the command runs, until the command exits. */
	while ((w = wait(&st)) != pid)
		if (w == -1 && errno != EINTR)
			return 1;
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* Then, for a bounded time, the orphans still closing down. */
	for (i = 0; i < DRAIN_TRIES; i++) {
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			;
		if (w == -1 && errno == ECHILD)
			break;
		nanosleep(&pause, NULL);
	}
	return rc;
}
