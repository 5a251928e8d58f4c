/*
 * Zeroed memory that children never inherit (MADV_DONTFORK): fork copies
 * no page table of it, and the supervisor's writes to it after a fork
 * leave no private copy in any child.
 */

#include <sys/mman.h>

#include "mem.h"

/* len bytes of zeroes, touched only as used; NULL on failure. */
void *
mem_private(size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_DONTFORK) == -1) {
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
