/* The child's seccomp sandbox, built once in the supervisor, and its resource limits. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <sys/resource.h>

int	sandbox_prepare(void);
int	sandbox_enter(void);
int	sandbox_limits(rlim_t);
int	sandbox_violation(int);

#endif
