/* SPDX-License-Identifier: ISC */
/*
 * memtree: sums USS (Private_Clean + Private_Dirty) and PSS over a process
 * and all its descendants, from /proc/PID/smaps_rollup; -n only counts them.
 */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXPID	(4 * 1024 * 1024)

static int	*parent;	/* parent[pid], read from /proc/pid/stat */
static char	*intree;

static int
read_ppid(int pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* The command name may hold spaces and parens: skip past the last ')'. */
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* Adds the rollup's USS and PSS of pid, in kB; 0 when it is gone. */
static int
add_rollup(int pid, long *uss, long *pss)
{
	char path[64], line[256];
	FILE *f;
	long v;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Pss: %ld", &v) == 1)
			*pss += v;
		else if (sscanf(line, "Private_Clean: %ld", &v) == 1 ||
		    sscanf(line, "Private_Dirty: %ld", &v) == 1)
			*uss += v;
	}
	fclose(f);
	return 1;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	DIR *d;
	long uss = 0, pss = 0;
	int root, pid, maxpid = 0, changed, n = 0, countonly = 0;

	if (argc == 3 && strcmp(argv[1], "-n") == 0) {
		countonly = 1;
		argv++;
		argc--;
	}
	if (argc != 2 || (root = atoi(argv[1])) <= 0 || root >= MAXPID) {
		fprintf(stderr, "usage: memtree [-n] pid\n");
		return 2;
	}
	if ((parent = calloc(MAXPID, sizeof(*parent))) == NULL ||
	    (intree = calloc(MAXPID, 1)) == NULL || (d = opendir("/proc")) == NULL) {
		perror("memtree");
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid <= 0 || pid >= MAXPID)
			continue;
		parent[pid] = read_ppid(pid);
		if (pid > maxpid)
			maxpid = pid;
	}
	closedir(d);
	intree[root] = 1;
	/* Pids wrap, so a child may have a lower pid: iterate to a fixpoint. */
	do {
		changed = 0;
		for (pid = 1; pid <= maxpid; pid++)
			if (!intree[pid] && parent[pid] > 0 &&
			    intree[parent[pid]]) {
				intree[pid] = 1;
				changed = 1;
			}
	} while (changed);
	for (pid = 1; pid <= maxpid; pid++) {
		if (!intree[pid])
			continue;
		if (countonly)
			n++;
		else
			n += add_rollup(pid, &uss, &pss);
	}
	printf("procs=%d uss_kb=%ld pss_kb=%ld\n", n, uss, pss);
	return n > 0 ? 0 : 1;
}
