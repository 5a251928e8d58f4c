/* SPDX-License-Identifier: ISC */
/* okd: constants, exit codes and counters shared by the daemon's modules. */
#ifndef OKD_H
#define OKD_H

#include <stdint.h>
#include <sysexits.h>

#ifndef __dead
/* OpenBSD's <sys/cdefs.h> name, defined only where the system lacks it. */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#define __dead __attribute__((__noreturn__))
#endif

/*
 * Exit codes, documented in okd(8) EXIT STATUS.  1 is a runtime failure
 * (fatal()); the rest come from sysexits.h.
 */
#define OKD_EXIT_OK		0
#define OKD_EXIT_FAILURE	1
#define OKD_EXIT_USAGE		EX_USAGE	/* 64: bad flag */
#define OKD_EXIT_RUNNING	EX_UNAVAILABLE	/* 69: pidfile held */
#define OKD_EXIT_OSERR		EX_OSERR	/* 71: listeners, detach */
#define OKD_EXIT_CANTCREAT	EX_CANTCREAT	/* 73: pidfile not writable */
#define OKD_EXIT_CONFIG		EX_CONFIG	/* 78: bad configuration */

/* Why the supervisor turned a connection away without forking. */
enum refuse_reason {
	REFUSE_MAX_CHILDREN,
	REFUSE_PER_SOURCE,
	REFUSE_RATE,
	REFUSE_ACCESS,
	REFUSE_PROXY,
	REFUSE_FORK,		/* fork(2) failed */
	REFUSE_NREASONS
};

/* Counters of the supervisor's life, reported by SIGUSR1 and the title. */
struct counters {
	uint64_t	accepted;	/* taken off a listener */
	uint64_t	served;		/* children forked */
	uint64_t	refused[REFUSE_NREASONS];
	uint64_t	fork_failures;
	uint64_t	accept_errors;	/* EMFILE and friends */
	uint64_t	signaled;	/* children killed by a signal */
	uint64_t	violations;	/* of those, by the sandbox (SIGSYS) */
	uint64_t	failed;		/* children that exited non-zero */
	uint64_t	reloads;
	uint64_t	evicted;	/* sessions ended for fair share */
	uint64_t	health_checks;	/* sessions from health-check-from */
};

#endif
