/* Unit tests for privdrop.c: name resolution, and a real drop in a forked child when root. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/securebits.h>

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
resolve_bad(const char *user, const char *group, const char *dir,
    const char *want)
{
	struct privdrop	 pd;
	const char	*err = NULL;

	assert_int_equal(privdrop_resolve(&pd, user, group, dir, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static void
test_resolve(void **state)
{
	struct privdrop	 pd;
	struct passwd	*pw;
	const char	*err = NULL;

	(void)state;
	assert_non_null(pw = getpwnam("root"));
	assert_int_equal(privdrop_resolve(&pd, "root", NULL, "none", &err), 0);
	assert_true(pd.setids);
	assert_int_equal(pd.uid, pw->pw_uid);
	assert_int_equal(pd.gid, pw->pw_gid);
	assert_false(pd.dochroot);
	assert_int_equal(privdrop_resolve(&pd, NULL, NULL, "/", &err), 0);
	assert_false(pd.setids);
	assert_true(pd.dochroot);
	assert_string_equal(pd.root, "/");
	assert_int_equal(privdrop_resolve(&pd, NULL, NULL, NULL, &err), 0);
	assert_false(pd.setids || pd.dochroot);

	resolve_bad("no-such-user-okd", NULL, NULL, "unknown user");
	resolve_bad("root", "no-such-group-okd", NULL, "unknown group");
	resolve_bad(NULL, "root", NULL, "group needs a user");
	resolve_bad(NULL, NULL, "var/empty",
	    "chroot directory must be an absolute path");
	resolve_bad(NULL, NULL, "/no/such/dir/okd", "chroot directory not found");
	resolve_bad(NULL, NULL, "/etc/passwd", "chroot directory not found");
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

/*
 * As root: a child drops to nobody in a chroot and waits; the parent reads
 * its ids, groups and root from /proc, then the child reports setuid(0).
 */
static void
test_drop(void **state)
{
	struct privdrop	 pd;
	struct passwd	*pw;
	const char	*err = NULL;
	char		 dir[] = "/tmp/okd-privdrop.XXXXXX", link[64], root[PATH_MAX];
	int		 go[2], ready[2], st;
	ssize_t		 n;
	pid_t		 pid;
	char		 c;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: dropping privileges needs root\n");
		skip();
	}
	if ((pw = getpwnam("nobody")) == NULL) {
		print_message("skipped: no user nobody\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(privdrop_resolve(&pd, "nobody", NULL, dir, &err), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (privdrop_apply(&pd, &err) != 0)
			_exit(2);
		c = access("/etc/passwd", F_OK) == -1 ? 'c' : 'x';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		/* Root cannot come back, and the chroot is where we are. */
		if (setuid(0) != -1 || errno != EPERM)
			_exit(4);
		if (setgid(0) != -1 || errno != EPERM)
			_exit(5);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'c');
	assert_ids(pid, "Uid", pw->pw_uid);
	assert_ids(pid, "Gid", pw->pw_gid);
	assert_int_equal(status_field(pid, "Groups"), pw->pw_gid);
	(void)snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	assert_true((n = readlink(link, root, sizeof(root) - 1)) > 0);
	root[n] = '\0';
	assert_string_equal(root, dir);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(go[1]);
	close(ready[0]);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * As root: with SECBIT_NO_SETUID_FIXUP set (systemd's SecureBits= can set
 * it), root's capabilities outlive the change of ids; apply must see that
 * and fail rather than leave a child that could become root again.
 */
static void
test_caps_left(void **state)
{
	struct privdrop	 pd;
	const char	*err = NULL;
	pid_t		 pid;
	int		 st;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: dropping privileges needs root\n");
		skip();
	}
	if (getpwnam("nobody") == NULL) {
		print_message("skipped: no user nobody\n");
		skip();
	}
	assert_int_equal(privdrop_resolve(&pd, "nobody", NULL, NULL, &err), 0);
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP) == -1)
			_exit(2);
		if (privdrop_apply(&pd, &err) != -1)
			_exit(3);
		if (strcmp(err, "capabilities left after dropping root") != 0)
			_exit(4);
		/* The ids did change: the check is what caught it. */
		_exit(geteuid() != 0 && setuid(0) == 0 ? 0 : 5);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Not root: apply says so and changes nothing. */
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
	assert_int_equal(privdrop_resolve(&pd, "nobody", NULL, "/", &err), 0);
	if ((pid = fork()) == 0) {
		/* Become nobody by hand if root, then try again as nobody. */
		if (geteuid() == 0 && (setgid(pw->pw_gid) == -1 ||
		    setuid(pw->pw_uid) == -1))
			_exit(2);
		if (privdrop_apply(&pd, &err) != 1)
			_exit(3);
		_exit(getuid() == pw->pw_uid || geteuid() != 0 ? 0 : 4);
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
		cmocka_unit_test(test_caps_left),
		cmocka_unit_test(test_not_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
