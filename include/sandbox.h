/* The child's seccomp sandbox, built once in the supervisor, and its resource limits. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <sys/resource.h>

#include "okd.h"

/* How a child is boxed in: see sandbox_enter(). */
enum sandbox_mode {
	SANDBOX_STRICT,
	SANDBOX_FILTER
};

int		sandbox_prepare(void);
int		sandbox_strict_possible(void);
int		sandbox_enter(enum sandbox_mode);
__dead void	sandbox_exit(int);
int		sandbox_limits(rlim_t);
int		sandbox_violation(int);

#endif
