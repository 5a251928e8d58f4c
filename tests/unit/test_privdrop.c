/* SPDX-License-Identifier: ISC */
/* Unit tests for privdrop.c: name resolution, and real drops in forked children when root. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/securebits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "privdrop.h"

static void
resolve_bad(const char *user, const char *group, const char *want)
{
	struct privdrop	 pd;
	const char	*err = NULL;

	assert_int_equal(privdrop_resolve(&pd, user, group, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static void
need_root(void)
{
	if (geteuid() != 0) {
		print_message("skipped: dropping root needs root\n");
		skip();
	}
	if (getpwnam("nobody") == NULL) {
		print_message("skipped: no user nobody\n");
		skip();
	}
}

/* As root, names become ids; root itself is refused; not root, nothing. */
static void
test_resolve(void **state)
{
	struct privdrop	 pd;
	struct passwd	*pw;
	struct group	*gr;
	const char	*err = NULL;

	(void)state;
	need_root();
	assert_non_null(pw = getpwnam("nobody"));
	assert_int_equal(privdrop_resolve(&pd, "nobody", NULL, &err), 0);
	assert_true(pd.setids);
	assert_int_equal(pd.uid, pw->pw_uid);
	assert_int_equal(pd.gid, pw->pw_gid);
	assert_false(pd.keep_bind);
	assert_non_null(gr = getgrnam("root"));
	assert_int_equal(privdrop_resolve(&pd, "nobody", "root", &err), 0);
	assert_int_equal(pd.gid, gr->gr_gid);
	assert_int_equal(privdrop_resolve(&pd, NULL, NULL, &err), 0);
	assert_false(pd.setids);

	resolve_bad("no-such-user-okd", NULL, "unknown user");
	resolve_bad("nobody", "no-such-group-okd", "unknown group");
	resolve_bad("root", NULL, "okd does not serve as root");
}

/* Returns the first number of field name ("Uid", "Gid", "Groups") of pid. */
static long
status_field(pid_t pid, const char *name)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -2;
	size_t	 len = strlen(name);

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Checks every id on the Uid: or Gid: line of pid equals want. */
static void
assert_ids(pid_t pid, const char *name, long want)
{
	char	 path[64], line[256], *p, *end;
	FILE	*f;
	size_t	 len = strlen(name);
	int	 n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, len) != 0 || line[len] != ':')
			continue;
		for (p = line + len + 1;; p = end) {
			long v = strtol(p, &end, 10);
			if (end == p)
				break;
			assert_int_equal(v, want);
			n++;
		}
	}
	fclose(f);
	assert_int_equal(n, 4);		/* real, effective, saved, fs */
}

/* The hexadecimal CapEff: line of pid. */
static unsigned long long
cap_eff(pid_t pid)
{
	char			 path[64], line[256];
	FILE			*f;
	unsigned long long	 v = ~0ULL;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0)
			v = strtoull(line + 7, NULL, 16);
	fclose(f);
	return v;
}

/* Whether this process may bind 127.0.0.1:port: 0, or the errno. */
static int
try_bind(int port)
{
	struct sockaddr_in	sin;
	int			fd, r;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return errno;
	r = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ? errno : 0;
	close(fd);
	return r;
}

/*
 * As root: a child drops to nobody (keeping CAP_NET_BIND_SERVICE when
 * asked) and waits; the parent reads its ids, groups and capabilities
 * from /proc; then the child tries to become root again and to bind a
 * port below 1024, before and after privdrop_child().
 */
static void
drop(int keep_bind)
{
	struct privdrop	 pd;
	struct passwd	*pw;
	const char	*err = NULL;
	int		 go[2], ready[2], st;
	pid_t		 pid;
	char		 c;

	need_root();
	assert_non_null(pw = getpwnam("nobody"));
	assert_int_equal(privdrop_resolve(&pd, "nobody", NULL, &err), 0);
	pd.keep_bind = keep_bind;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (privdrop_apply(&pd, &err) != 0)
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		if (setuid(0) != -1 || errno != EPERM)
			_exit(4);
		if (setgid(0) != -1 || errno != EPERM)
			_exit(5);
		if (try_bind(1023) != (keep_bind ? 0 : EACCES))
			_exit(6);
		if (privdrop_child() == -1 || try_bind(1023) != EACCES)
			_exit(7);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_ids(pid, "Uid", pw->pw_uid);
	assert_ids(pid, "Gid", pw->pw_gid);
	assert_int_equal(status_field(pid, "Groups"), pw->pw_gid);
	assert_true(cap_eff(pid) == (keep_bind ?
	    1ULL << CAP_NET_BIND_SERVICE : 0));
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(go[1]);
	close(ready[0]);
}

static void
test_drop(void **state)
{
	(void)state;
	drop(0);
}

static void
test_drop_keep_bind(void **state)
{
	(void)state;
	drop(1);
}

/*
 * As root: with SECBIT_NO_SETUID_FIXUP set (systemd's SecureBits= can set
 * it), root's capabilities outlive the change of ids; apply clears them
 * itself, so the supervisor still cannot become root again.
 */
static void
test_caps_left(void **state)
{
	struct privdrop	 pd;
	const char	*err = NULL;
	pid_t		 pid;
	int		 st;

	(void)state;
	need_root();
	assert_int_equal(privdrop_resolve(&pd, "nobody", NULL, &err), 0);
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP) == -1)
			_exit(2);
		if (privdrop_apply(&pd, &err) != 0)
			_exit(3);
		if (cap_eff(getpid()) != 0)
			_exit(4);
		_exit(setuid(0) == -1 && errno == EPERM ? 0 : 5);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Not root: there is nothing to drop, and apply changes nothing. */
static void
test_not_root(void **state)
{
	struct privdrop	 pd;
	struct passwd	*pw;
	const char	*err = NULL;
	pid_t		 pid;
	int		 st;

	(void)state;
	if ((pw = getpwnam("nobody")) == NULL) {
		print_message("skipped: no user nobody\n");
		skip();
	}
	if ((pid = fork()) == 0) {
		if (geteuid() == 0 && (setgid(pw->pw_gid) == -1 ||
		    setuid(pw->pw_uid) == -1))
			_exit(2);
		if (privdrop_resolve(&pd, "nobody", NULL, &err) != 0 ||
		    pd.setids)
			_exit(3);
		if (privdrop_apply(&pd, &err) != 0 || privdrop_child() != 0)
			_exit(4);
		_exit(getuid() == pw->pw_uid ? 0 : 5);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_keep_bind),
		cmocka_unit_test(test_caps_left),
		cmocka_unit_test(test_not_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
