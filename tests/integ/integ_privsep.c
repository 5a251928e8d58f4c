/* SPDX-License-Identifier: ISC */
/*
 * Privilege separation, on the real build/okd started as root: the
 * supervisor gives up root and enters its own filter before its first
 * connection, a child holds only its connection, and a forbidden call
 * kills the supervisor.  Skipped when not root.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

static void
assert_field(pid_t pid, const char *name, const char *want)
{
	char	v[256];

	assert_int_equal(proc_status_field(pid, name, v, sizeof(v)), 0);
	if (strcmp(v, want) != 0)
		fail_msg("pid %d %s: \"%s\", want \"%s\"", (int)pid, name, v,
		    want);
}

/* The ids okd should have taken: nobody and nogroup. */
static void
want_ids(char *uid, char *gid, size_t len, char *groups, size_t glen)
{
	struct passwd	*pw = getpwnam("nobody");
	struct group	*gr = getgrnam("nogroup");

	if (geteuid() != 0 || pw == NULL || gr == NULL) {
		printf("skip: needs root, user nobody and group nogroup\n");
		skip();
	}
	snprintf(uid, len, "%d\t%d\t%d\t%d", (int)pw->pw_uid, (int)pw->pw_uid,
	    (int)pw->pw_uid, (int)pw->pw_uid);
	snprintf(gid, len, "%d\t%d\t%d\t%d", (int)gr->gr_gid, (int)gr->gr_gid,
	    (int)gr->gr_gid, (int)gr->gr_gid);
	snprintf(groups, glen, "%d", (int)gr->gr_gid);
}

static struct okd_proc *
start(void **state, const char *conf)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));

	assert_non_null(p);
	*state = p;
	assert_int_equal(okd_start(p, conf, NULL), 0);
	return p;
}

static int
teardown(void **state)
{
	struct okd_proc	*p = *state;

	if (p != NULL) {
		okd_cleanup(p);
		free(p);
	}
	return 0;
}

/* A session, one round trip in, left open in *fd; returns its child. */
static pid_t
new_child(struct okd_proc *p, int *fd)
{
	*fd = tcp_connect("127.0.0.1", p->port);
	assert_true(*fd >= 0);
	assert_int_equal(roundtrip(*fd, "x"), 0);
	assert_int_equal(okd_log_wait(p, "accept peer=", 3000), 0);
	return okd_child_pid(p);
}

/*
 * Started as root with user nobody, group nogroup: once READY=1 is sent,
 * and before any connection, the supervisor is nobody:nogroup for good,
 * with no capability, no new privileges and its own filter.
 */
static void
test_supervisor_unprivileged(void **state)
{
	char		 uid[128], gid[128], groups[32];
	struct okd_proc	*p;

	want_ids(uid, gid, sizeof(uid), groups, sizeof(groups));
	p = start(state, "listen 127.0.0.1:%PORT%\nuser nobody\n"
	    "group nogroup\n");
	assert_int_equal(okd_log_count(p, "accept peer="), 0);
	assert_field(p->pid, "Uid", uid);
	assert_field(p->pid, "Gid", gid);
	assert_field(p->pid, "Groups", groups);
	assert_field(p->pid, "CapEff", "0000000000000000");
	assert_field(p->pid, "CapPrm", "0000000000000000");
	assert_field(p->pid, "NoNewPrivs", "1");
	assert_field(p->pid, "Seccomp", "2");
	assert_int_equal(okd_log_count(p, "serving as nobody:nogroup"), 1);
}

/*
 * A listener below 1024: the supervisor keeps CAP_NET_BIND_SERVICE alone,
 * for reloads; its children shed it.
 */
static void
test_low_port_keeps_bind_only(void **state)
{
	char		 uid[128], gid[128], groups[32];
	struct okd_proc	*p;
	pid_t		 kid;
	int		 fd;

	want_ids(uid, gid, sizeof(uid), groups, sizeof(groups));
	p = start(state, "listen 127.0.0.1:%PORT%\nlisten 127.0.0.1:1023\n");
	assert_field(p->pid, "Uid", uid);
	assert_field(p->pid, "CapEff", "0000000000000400");
	assert_field(p->pid, "CapPrm", "0000000000000400");
	assert_field(p->pid, "CapInh", "0000000000000000");
	kid = new_child(p, &fd);
	assert_true(kid > 0);
	assert_field(kid, "Uid", uid);
	assert_field(kid, "CapEff", "0000000000000000");
	assert_field(kid, "CapPrm", "0000000000000000");
	close(fd);
}

/* The descriptors of pid, as numbers in fds; returns how many. */
static size_t
list_fds(pid_t pid, int *fds, size_t max, int *sockets)
{
	char		 path[64], link[320], target[64];
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;
	ssize_t		 len;

	*sockets = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL && n < max) {
		if (de->d_name[0] == '.')
			continue;
		fds[n++] = atoi(de->d_name);
		snprintf(link, sizeof(link), "%s/%s", path, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len > 0 && strncmp(target, "socket:", 7) == 0)
			(*sockets)++;
	}
	closedir(d);
	return n;
}

/*
 * Launched with descriptors 10 and 251 left open, as a careless shell
 * leaves them, okd's child holds stdin, stdout, stderr (a file here) and
 * its connection, nothing else; it is nobody, boxed by both filters.
 */
static void
test_child_holds_only_its_connection(void **state)
{
	char		 uid[128], gid[128], groups[32];
	struct okd_proc	*p;
	int		 fds[64], fd, sockets, has10 = 0, has251 = 0;
	size_t		 n, i;
	pid_t		 kid;

	want_ids(uid, gid, sizeof(uid), groups, sizeof(groups));
	assert_int_equal(dup2(STDIN_FILENO, 10), 10);
	assert_int_equal(dup2(STDIN_FILENO, 251), 251);
	p = start(state, "listen 127.0.0.1:%PORT%\n");
	close(10);
	close(251);
	kid = new_child(p, &fd);
	assert_true(kid > 0);
	n = list_fds(kid, fds, 64, &sockets);
	for (i = 0; i < n; i++) {
		has10 |= fds[i] == 10;
		has251 |= fds[i] == 251;
	}
	if (n != 4 || sockets != 1 || has10 || has251) {
		for (i = 0; i < n; i++)
			printf("child fd %d\n", fds[i]);
		fail_msg("child holds %zu descriptors, %d sockets", n, sockets);
	}
	assert_field(kid, "Uid", uid);
	assert_field(kid, "Gid", gid);
	assert_field(kid, "NoNewPrivs", "1");
	assert_field(kid, "Seccomp", "2");
	assert_field(kid, "Seccomp_filters", "2");
	/* The supervisor itself holds no inherited descriptor either. */
	n = list_fds(p->pid, fds, 64, &sockets);
	for (i = 0; i < n; i++)
		assert_true(fds[i] != 10 && fds[i] != 251);
	close(fd);
}

/*
 * A call outside the supervisor's filter kills it with SIGSYS: gdb makes
 * the supervisor call mkdir(2), which no path of okd calls.
 */
static void
test_violation_kills_supervisor(void **state)
{
	char		 uid[128], gid[128], groups[32], cmd[256], out[4096];
	struct okd_proc	*p;
	int		 st;

	want_ids(uid, gid, sizeof(uid), groups, sizeof(groups));
	if (run_capture("command -v gdb", out, sizeof(out), 5000) != 0) {
		printf("skip: gdb is not installed\n");
		skip();
	}
	p = start(state, "listen 127.0.0.1:%PORT%\n");
	snprintf(cmd, sizeof(cmd), "gdb -nx -batch -p %d -ex "
	    "'call (int)mkdir(\"/tmp/okd-privsep-never\", 0700)' 2>&1",
	    (int)p->pid);
	(void)run_capture(cmd, out, sizeof(out), 60000);
	assert_int_equal(waitpid(p->pid, &st, 0), p->pid);
	p->pid = -1;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("status %#x, not SIGSYS; gdb said: %s", st, out);
	assert_int_equal(access("/tmp/okd-privsep-never", F_OK), -1);
}

/*
 * Once unprivileged, a reload cannot change the user, nor bind a port
 * below 1024 without the capability: it fails and okd keeps serving.
 */
static void
test_reload_limits(void **state)
{
	char		 uid[128], gid[128], groups[32], conf[256];
	struct okd_proc	*p;
	int		 fd;

	want_ids(uid, gid, sizeof(uid), groups, sizeof(groups));
	p = start(state, "listen 127.0.0.1:%PORT%\n");
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\nuser root\n",
	    p->port);
	okd_write_conf(p, conf);
	assert_int_equal(kill(p->pid, SIGHUP), 0);
	assert_int_equal(okd_log_wait(p, "reload failed", 5000), 0);
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\n"
	    "listen 127.0.0.1:1022\n", p->port);
	okd_write_conf(p, conf);
	assert_int_equal(kill(p->pid, SIGHUP), 0);
	assert_int_equal(okd_log_wait(p, "a listener cannot be opened", 5000),
	    0);
	fd = tcp_connect("127.0.0.1", p->port);
	assert_true(fd >= 0);
	assert_int_equal(roundtrip(fd, "x"), 0);
	close(fd);
	assert_field(p->pid, "Uid", uid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_supervisor_unprivileged,
		    teardown),
		cmocka_unit_test_teardown(test_low_port_keeps_bind_only,
		    teardown),
		cmocka_unit_test_teardown(test_child_holds_only_its_connection,
		    teardown),
		cmocka_unit_test_teardown(test_violation_kills_supervisor,
		    teardown),
		cmocka_unit_test_teardown(test_reload_limits, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
