/* SPDX-License-Identifier: ISC */
/*
 * The soak's view of okd through /proc: its children and their states,
 * its RSS, its CPU time, its open descriptors and their limit.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"

/* Reads a small /proc file into buf, NUL-terminated; its length or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * The children of ppid: their pids into pids and states into states, at
 * most max of them; how many, or -1.
 */
int
proc_children(pid_t ppid, pid_t *pids, char *states, size_t max)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[300], buf[512], *p, state;
	long		 pp;
	size_t		 n = 0;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && n < max) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (read_small(path, buf, sizeof(buf)) <= 0)
			continue;
		/* The name may hold anything: parse after the last ')'. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %ld", &state, &pp) != 2 || pp != ppid)
			continue;
		pids[n] = (pid_t)atol(e->d_name);
		states[n] = state;
		n++;
	}
	closedir(d);
	return (int)n;
}

long
proc_rss_kb(pid_t pid)
{
	char	path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (p = strstr(buf, "VmRSS:")) == NULL)
		return -1;
	return atol(p + 6);
}

/* utime + stime, in clock ticks. */
long
proc_cpu_ticks(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut, st;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* Fields 14 and 15; after ')' the 3rd field is the first. */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/*
 * A child's peer from its process title "session a.b.c.d:port" as a key
 * of peer_key(); -1 while it has no such title yet.
 */
int
proc_title_peer(pid_t pid, unsigned long *key)
{
	char	path[64], buf[256], ip[32], *p;
	ssize_t	n, i;
	int	port;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((n = read_small(path, buf, sizeof(buf))) <= 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if ((p = strstr(buf, "session ")) == NULL ||
	    sscanf(p + 8, "%31[0-9.]:%d", ip, &port) != 2)
		return -1;
	*key = peer_key(ip, port);
	return *key == 0 ? -1 : 0;
}

/* The lowest descriptor number pid has free: a limit there means EMFILE. */
int
proc_lowest_free_fd(pid_t pid)
{
	char	path[64], used[1024];
	DIR	*d;
	struct dirent	*e;
	int	fd;

	memset(used, 0, sizeof(used));
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		fd = atoi(e->d_name);
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    fd >= 0 && fd < (int)sizeof(used))
			used[fd] = 1;
	}
	closedir(d);
	for (fd = 0; fd < (int)sizeof(used) && used[fd]; fd++)
		;
	return fd;
}

/* The soft RLIMIT_NOFILE pid runs with, from /proc/PID/limits. */
long
proc_nofile(pid_t pid)
{
	char	path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%ld/limits", (long)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (p = strstr(buf, "Max open files")) == NULL)
		return -1;
	return atol(p + strlen("Max open files"));
}

/*
 * One line on what pid is doing: its state, where it sleeps, its pending
 * and blocked signals, its title.  1 if it sleeps in poll, else 0.
 */
int
proc_snapshot(pid_t pid, char *out, size_t len)
{
	char	 path[64], stat[512], wchan[64], status[4096], title[64];
	char	*p, *shd, *blk, state = '?';
	ssize_t	 n, i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, stat, sizeof(stat)) > 0 &&
	    (p = strrchr(stat, ')')) != NULL)
		state = p[2];
	snprintf(path, sizeof(path), "/proc/%ld/wchan", (long)pid);
	if (read_small(path, wchan, sizeof(wchan)) <= 0)
		strcpy(wchan, "?");
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (read_small(path, status, sizeof(status)) <= 0)
		status[0] = '\0';
	shd = strstr(status, "ShdPnd:");
	blk = strstr(status, "SigBlk:");
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((n = read_small(path, title, sizeof(title))) < 0)
		n = 0;
	for (i = 0; i < n; i++)
		if (title[i] == '\0')
			title[i] = ' ';
	snprintf(out, len, "state %c wchan %s ShdPnd %.16s SigBlk %.16s "
	    "title \"%.40s\"", state, wchan, shd ? shd + 8 : "?",
	    blk ? blk + 8 : "?", title);
	return state == 'S' && strstr(wchan, "poll") != NULL;
}
