/* SPDX-License-Identifier: ISC */
/*
 * Zeroed memory that children never inherit (MADV_DONTFORK): fork copies
 * no page table of it, and the supervisor's writes to it after a fork
 * leave no private copy in any child.  The supervisor keeps its per-child
 * tables here; a child needs none of them.
 */

#include <sys/mman.h>

#include "mem.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

/*
 * Whether children inherit mem_private() memory after all: under valgrind,
 * which does not model MADV_DONTFORK (a child would scan memory it does
 * not have and crash), the mapping stays inheritable.
 */
int
mem_private_inherited(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND;
#else
	return 0;
#endif
}

/* len bytes of zeroes, touched only as used; NULL on failure. */
void *
mem_private(size_t len)
{
	void	*p;

	/* fd -1 is what MAP_ANONYMOUS asks for; cppcheck wants fd >= 0. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0); /* cppcheck-suppress invalidFunctionArg */
	if (p == MAP_FAILED)
		return NULL;
	if (!mem_private_inherited() && madvise(p, len, MADV_DONTFORK) == -1) {
		(void)munmap(p, len);
		return NULL;
	}
	return p;
}

void
mem_release(void *p, size_t len)
{
	if (p != NULL)
		(void)munmap(p, len);
}
