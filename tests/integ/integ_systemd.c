/* SPDX-License-Identifier: ISC */
/* okd under systemd: the units pass systemd-analyze verify and security, and
 * work against a real systemd 252 booted in a throwaway nspawn container;
 * then the Debian package ($OKD_DEB) is installed, upgraded, broken and
 * purged in a second, clean container (tests/systemd/package.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT_DIR	"systemd"
#define MAN_DIR		"man"
#define CONF_FILE	"conf/okd.conf"
#define STATE_DIR	"build/systemd-test"
#define PKG_STATE_DIR	"build/systemd-package"
#define SCRIPTS		"sh tests/systemd/"
#define MAX_EXPOSURE	1.5

/* Why the container could not be booted: skip (77) or fail the checks. */
static char	 container_skip[512];
static char	 container_error[512];
/* The same for the package's container. */
static char	 package_skip[512];
static char	 package_error[512];

/* Runs cmd with stdout into out (stderr passes through); returns its exit status. */
static int
capture(const char *cmd, char *out, size_t len)
{
	FILE	*fp;
	size_t	 n;
	int	 st;

	out[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	while (n == len - 1 && fgetc(fp) != EOF)
		;	/* drain, so the child never blocks on a full pipe */
	st = pclose(fp);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The binary under test: $OKD_BIN (make check sets it), else build/okd. */
static const char *
okd_bin(void)
{
	return getenv("OKD_BIN") != NULL ? getenv("OKD_BIN") : "build/okd";
}

static void
test_verify_silent(void **state)
{
	char	out[8192], cmd[512];
	int	rc;

	(void)state;
	snprintf(cmd, sizeof(cmd), SCRIPTS "analyze.sh verify %s " UNIT_DIR " "
	    MAN_DIR, okd_bin());
	rc = capture(cmd, out, sizeof(out));
	if (rc == 77) {
		print_message("%s", out);
		skip();
	}
	if (out[0] != '\0')
		print_message("systemd-analyze verify said:\n%s", out);
	assert_string_equal(out, "");
	assert_int_equal(rc, 0);
}

/* Finds "Overall exposure level for UNIT: N.N" in out; -1 when absent. */
static double
exposure(const char *out, const char *unit)
{
	char		 key[128];
	const char	*p;

	snprintf(key, sizeof(key), "Overall exposure level for %s: ", unit);
	if ((p = strstr(out, key)) == NULL)
		return -1;
	return strtod(p + strlen(key), NULL);
}

static void
test_exposure(void **state)
{
	char	out[4096], cmd[512];
	double	svc, inst;
	int	rc;

	(void)state;
	snprintf(cmd, sizeof(cmd), SCRIPTS "analyze.sh security %s " UNIT_DIR
	    " " MAN_DIR, okd_bin());
	rc = capture(cmd, out, sizeof(out));
	if (rc == 77) {
		print_message("%s", out);
		skip();
	}
	assert_int_equal(rc, 0);
	svc = exposure(out, "okd.service");
	inst = exposure(out, "okd-accept@i.service");
	print_message("exposure: okd.service %.1f, okd-accept@.service %.1f\n",
	    svc, inst);
	assert_true(svc >= 0 && svc <= MAX_EXPOSURE);
	assert_true(inst >= 0 && inst <= MAX_EXPOSURE);
}

/* Boots the container once, on the first check that needs it. */
static void
container_up(void)
{
	static int	booted;
	char		out[256], cmd[512];
	int		rc;

	if (booted++)
		return;
#ifdef OKD_SANITIZE
	/* The sanitized okd is run by every other test, on this host. */
	snprintf(container_skip, sizeof(container_skip), "skip: the container's "
	    "minimal Debian tree has no sanitizer runtime for this build\n");
	return;
#endif
	/* nspawn.sh leaves a watcher that tears down should we be killed. */
	snprintf(out, sizeof(out), "%ld", (long)getpid());
	if (setenv("OKD_TEST_OWNER", out, 1) == -1)
		fail_msg("setenv");
	snprintf(cmd, sizeof(cmd), SCRIPTS "nspawn.sh up " STATE_DIR " %s "
	    UNIT_DIR " " CONF_FILE, okd_bin());
	rc = capture(cmd, out, sizeof(out));
	if (rc == 77)
		snprintf(container_skip, sizeof(container_skip), "%s", out);
	else if (rc != 0)
		snprintf(container_error, sizeof(container_error),
		    "container did not boot (exit %d) %s", rc, out);
}

static int
container_down(void **state)
{
	(void)state;
	if (container_skip[0] == '\0' &&
	    system(SCRIPTS "nspawn.sh down " STATE_DIR) != 0)
		print_message("container teardown failed\n");
	if (package_skip[0] == '\0' &&
	    system(SCRIPTS "nspawn.sh down " PKG_STATE_DIR) != 0)
		print_message("package container teardown failed\n");
	return 0;
}

/*
 * Boots, once, a container with nothing of okd in it but the package
 * $OKD_DEB; the units' container goes down first, so one runs at a time.
 */
static void
package_up(void)
{
	static int	 booted;
	const char	*deb;
	char		 out[256], cmd[1024];
	int		 rc;

	if (booted++)
		return;
#ifdef OKD_SANITIZE
	snprintf(package_skip, sizeof(package_skip), "skip: the package is "
	    "built without sanitizers; the sanitized run does not test it\n");
	return;
#endif
	if ((deb = getenv("OKD_DEB")) == NULL || access(deb, R_OK) == -1) {
		snprintf(package_skip, sizeof(package_skip), "skip: no package "
		    "in OKD_DEB (make check builds one with make deb)\n");
		return;
	}
	if (container_skip[0] == '\0' && container_error[0] == '\0' &&
	    system(SCRIPTS "nspawn.sh down " STATE_DIR) != 0)
		print_message("container teardown failed\n");
	snprintf(out, sizeof(out), "%ld", (long)getpid());
	if (setenv("OKD_TEST_OWNER", out, 1) == -1)
		fail_msg("setenv");
	snprintf(cmd, sizeof(cmd), SCRIPTS "nspawn.sh up-package " PKG_STATE_DIR
	    " '%s'", deb);
	rc = capture(cmd, out, sizeof(out));
	if (rc == 77)
		snprintf(package_skip, sizeof(package_skip), "%s", out);
	else if (rc != 0)
		snprintf(package_error, sizeof(package_error),
		    "package container did not boot (exit %d) %s", rc, out);
}

/* Runs one check of tests/systemd/package.sh in the package's container. */
static void
package_check(const char *name)
{
	char	cmd[256];
	int	st;

	package_up();
	if (package_skip[0] != '\0') {
		print_message("%s", package_skip);
		skip();
	}
	if (package_error[0] != '\0')
		fail_msg("%s", package_error);
	snprintf(cmd, sizeof(cmd), SCRIPTS "nspawn.sh run " PKG_STATE_DIR " %s",
	    name);
	fflush(stdout);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Runs one check of tests/systemd/incontainer.sh inside the container. */
static void
container_check(const char *name)
{
	char	cmd[256];
	int	st;

	container_up();
	if (container_skip[0] != '\0') {
		print_message("%s", container_skip);
		skip();
	}
	if (container_error[0] != '\0')
		fail_msg("%s", container_error);
	snprintf(cmd, sizeof(cmd), SCRIPTS "nspawn.sh run " STATE_DIR " %s", name);
	fflush(stdout);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_units(void **s)	{ (void)s; container_check("units"); }
static void test_socket(void **s)	{ (void)s; container_check("socket"); }
static void test_status(void **s)	{ (void)s; container_check("status"); }
static void test_reload(void **s)	{ (void)s; container_check("reload"); }
static void test_journal(void **s)	{ (void)s; container_check("journal"); }
static void test_sandbox(void **s)	{ (void)s; container_check("sandbox"); }
static void test_violation(void **s)	{ (void)s; container_check("violation"); }
static void test_watchdog(void **s)	{ (void)s; container_check("watchdog"); }
static void test_accept(void **s)	{ (void)s; container_check("accept"); }
static void test_stop(void **s)	{ (void)s; container_check("stop"); }
static void test_standalone(void **s)	{ (void)s; container_check("standalone"); }
static void test_config(void **s)	{ (void)s; container_check("config"); }
static void test_pkg_install(void **s)	{ (void)s; package_check("install"); }
static void test_pkg_upgrade(void **s)	{ (void)s; package_check("upgrade"); }
static void test_pkg_recover(void **s)	{ (void)s; package_check("recover"); }
static void test_pkg_purge(void **s)	{ (void)s; package_check("purge"); }

int
main(void)
{
	/*
	 * One group, so tests/run.sh sees one summary. The container checks
	 * run in order: each leaves the units as the next one expects.
	 */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_silent),
		cmocka_unit_test(test_exposure),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_violation),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_standalone),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_pkg_install),
		cmocka_unit_test(test_pkg_upgrade),
		cmocka_unit_test(test_pkg_recover),
		cmocka_unit_test(test_pkg_purge),
	};
	return cmocka_run_group_tests_name("systemd", tests, NULL,
	    container_down);
}
