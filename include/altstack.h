/* The supervisor's own stack, which no child inherits; forks happen back on the process's stack. */
#ifndef ALTSTACK_H
#define ALTSTACK_H

#include <stddef.h>
#include <sys/types.h>

/* The most bytes altstack_fork() hands a child. */
#define ALTSTACK_ARG_MAX	256

int	altstack_run(int (*)(void *), void *);
pid_t	altstack_fork(void (*)(void *), void *, size_t);

#endif
