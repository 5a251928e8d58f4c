/* SPDX-License-Identifier: ISC */
/*
 * okd under valgrind memcheck, children traced too, through a whole life:
 * config load, many connections, reloads (one broken), refusals, a drain.
 * Passes with zero errors and zero bytes definitely lost in every process.
 * Run by `make memcheck`, not by `make check` (valgrind is slow).
 */

#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

/*
 * Each valgrind log in dir must say "ERROR SUMMARY: 0 errors" (positive
 * evidence: a log cut short fails) and show no bytes definitely lost.
 */
static int
check_logs(const char *dir, int *nlogs)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[512], line[512];
	FILE		*fp;
	int		 bad = 0;

	*nlogs = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int	clean = 0;

		if (strncmp(e->d_name, "vg.", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		(*nlogs)++;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (strstr(line, "ERROR SUMMARY: 0 errors") != NULL)
				clean = 1;
			if ((strstr(line, "ERROR SUMMARY:") != NULL &&
			    strstr(line, "ERROR SUMMARY: 0 errors") == NULL) ||
			    (strstr(line, "definitely lost:") != NULL &&
			    strstr(line, "definitely lost: 0 bytes") == NULL)) {
				fprintf(stderr, "%s: %s", path, line);
				bad++;
			}
		}
		if (!clean) {
			fprintf(stderr, "%s: no clean ERROR SUMMARY\n", path);
			bad++;
		}
		fclose(fp);
	}
	closedir(d);
	return bad;
}

/* roundtrip() with valgrind's pace: every reply may take seconds. */
static int
slow_roundtrip(int fd, const char *msg)
{
	char	buf[2];

	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) != (ssize_t)strlen(msg))
		return -1;
	if (read_exact(fd, buf, 2, 60000) == -1)
		return -1;
	return memcmp(buf, "OK", 2) == 0 ? 0 : -1;
}

static struct okd_proc	 p;

/* However the test ends, okd under valgrind does not outlive it. */
static int
teardown(void **state)
{
	(void)state;
	if (p.pid > 0)
		okd_stop(&p);
	return 0;
}

static void
test_whole_life_clean(void **state)
{
	char		 wrapper[512], conf[256];
	const char	*args[] = { "-o", "sandbox off", "-o", "chroot none",
			    NULL };
	int		 i, fd, st, nlogs, live;

	(void)state;
	/*
	 * The scratch dir comes from okd_start; valgrind logs go there too.
	 * The first connection stays open throughout: at valgrind's pace
	 * the rest takes well over 5 s, hence the long idle-timeout.
	 */
	snprintf(wrapper, sizeof(wrapper), "valgrind "
	    "--trace-children=yes --leak-check=full --error-exitcode=99 --vgdb=no "
	    "--child-silent-after-fork=no --log-file=/tmp/okd-memcheck/vg.%%p");
	assert_int_equal(system("rm -rf /tmp/okd-memcheck && "
	    "mkdir -p /tmp/okd-memcheck && chmod 1777 /tmp/okd-memcheck"), 0);
	setenv("OKD_WRAPPER", wrapper, 1);
	/*
	 * valgrind in a child needs its own system calls, /proc and /tmp:
	 * no seccomp filter and no chroot (the privilege drop stays).
	 */
	assert_int_equal(okd_start(&p, "listen 127.0.0.1:%PORT%\n"
	    "max-children 64\nbacklog 64\nidle-timeout 60s\n"
	    "max-per-source 64\nshutdown-grace 2m\n"
	    "deny 127.0.0.9\nrefuse-message \"no\\r\\n\"\n", args), 0);
	live = tcp_connect("127.0.0.1", p.port);
	assert_int_equal(slow_roundtrip(live, "hello"), 0);
	for (i = 0; i < 40; i++) {
		fd = tcp_connect("127.0.0.1", p.port);
		assert_int_equal(slow_roundtrip(fd, "x"), 0);
		close(fd);
		if (i % 15 == 5) {
			kill(p.pid, SIGHUP);
			assert_int_equal(okd_wait_notify(&p, "READY=1", 60000), 0);
		}
	}
	/* Refused by the access rules, with the message, then closed. */
	fd = tcp_connect_from("127.0.0.9", "127.0.0.1", p.port);
	assert_int_equal(read_exact(fd, conf, 4, 10000), 0);
	assert_memory_equal(conf, "no\r\n", 4);
	assert_int_equal(expect_eof(fd, 10000), 0);
	close(fd);
	/* A broken reload keeps the old configuration, and leaks nothing. */
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\nlistn\n", p.port);
	okd_write_conf(&p, conf);
	kill(p.pid, SIGHUP);
	assert_int_equal(okd_wait_notify(&p, "READY=1", 60000), 0);
	kill(p.pid, SIGUSR1);
	assert_int_equal(slow_roundtrip(live, "still"), 0);
	close(live);
	st = okd_stop(&p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(check_logs("/tmp/okd-memcheck", &nlogs), 0);
	/* The supervisor and every child wrote a log. */
	assert_true(nlogs >= 40);
	printf("memcheck: %d processes, 0 errors, 0 bytes definitely lost\n",
	    nlogs);
	assert_int_equal(okd_cleanup(&p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_whole_life_clean, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("memcheck", tests, NULL, NULL);
}
