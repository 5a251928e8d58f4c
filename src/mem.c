/*
 * Zeroed memory that children never inherit (MADV_DONTFORK): fork copies
 * no page table of it, and the supervisor's writes to it after a fork
 * leave no private copy in any child.
 */

#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

#include <link.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "mem.h"

/*
 * valgrind does not model MADV_DONTFORK: a child would scan memory it does
 * not have and crash.  Under valgrind the mapping stays inheritable.
 */
static int
under_valgrind(void)
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
	if (!under_valgrind() && madvise(p, len, MADV_DONTFORK) == -1) {
		(void)munmap(p, len);
		return NULL;
	}
	return p;
}

/*
 * len bytes for a stack, in such memory: its lowest *guard bytes fault on
 * overflow, the stack is the rest.  Released with mem_release(p, len).
 * NULL on failure.
 */
void *
mem_stack(size_t len, size_t *guard)
{
	size_t	 pg = (size_t)sysconf(_SC_PAGESIZE);
	char	*p;

	if (len <= pg || (p = mem_private(len)) == NULL)
		return NULL;
	if (mprotect(p, pg, PROT_NONE) == -1) {
		mem_release(p, len);
		return NULL;
	}
#ifdef VALGRIND_STACK_REGISTER
	/* Or valgrind takes the switch to it for a wild stack pointer. */
	(void)VALGRIND_STACK_REGISTER(p + pg, p + len);
#endif
	*guard = pg;
	return p;
}

void
mem_release(void *p, size_t len)
{
	if (p != NULL)
		(void)munmap(p, len);
}

/*
 * Libraries that libsystemd links for reading, compressing and sealing
 * journal files: sending to the journal, all a child may do with it, runs
 * none of them, and okd calls none.  A fork copies every mapping it
 * passes on (five per library), so children get none of theirs.  A
 * library missing here is inherited as before: the list can only miss a
 * saving, never take away code a child runs.
 */
static const char *const journal_file_libs[] = {
	"libcap.so.", "libgcrypt.so.", "libgpg-error.so.", "liblz4.so.",
	"liblzma.so.", "libzstd.so.",
};

static int
is_journal_file_lib(const char *path)
{
	const char	*base = strrchr(path, '/');
	size_t		 i;

	base = base != NULL ? base + 1 : path;
	for (i = 0; i < sizeof(journal_file_libs) /
	    sizeof(journal_file_libs[0]); i++)
		if (strncmp(base, journal_file_libs[i],
		    strlen(journal_file_libs[i])) == 0)
			return 1;
	return 0;
}

/* From its first loaded segment to its last, gaps included. */
static int
unshare_library(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t	 lo = UINTPTR_MAX, hi = 0, end;
	uintptr_t	 pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	int		 i;

	(void)size;
	(void)arg;
	if (info->dlpi_name == NULL || !is_journal_file_lib(info->dlpi_name))
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr < lo)
			lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
		end = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr +
		    info->dlpi_phdr[i].p_memsz;
		if (end > hi)
			hi = end;
	}
	lo &= ~(pg - 1);
	hi = (hi + pg - 1) & ~(pg - 1);
	if (lo < hi)
		(void)madvise((void *)lo, hi - lo, MADV_DONTFORK);
	return 0;
}

/*
 * Makes each fork of this process cheaper, for a process that forks
 * children which never exec: they inherit none of the journal-file
 * libraries above, and no rseq area.
 *
 * glibc registers a restartable-sequences area in the thread's control
 * block, and the kernel writes the CPU number there whenever the process
 * was preempted or moved.  That page is shared with every live child, so
 * each such write costs a copy of it and a TLB flush on the other CPUs.
 * okd has one thread and no use for rseq (no sched_getcpu).  glibc
 * registers at least 32 bytes; a failure (an old kernel, valgrind) leaves
 * things as they were.
 */
void
mem_prepare_forks(void)
{
	unsigned int	len = __rseq_size < 32 ? 32 : __rseq_size;

	if (__rseq_size != 0)
		(void)syscall(SYS_rseq, (char *)__builtin_thread_pointer() +
		    __rseq_offset, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
	if (!under_valgrind())
		(void)dl_iterate_phdr(unshare_library, NULL);
}
