/* SPDX-License-Identifier: ISC */
/* The seccomp boxes: the supervisor's own filter, and the session's filter each child stacks on it. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <sys/resource.h>

#include "okd.h"

int	sandbox_prepare(void);
int	sandbox_supervisor(void);
int	sandbox_enter(void);
int	sandbox_limits(rlim_t);
int	sandbox_violation(int);

#endif
