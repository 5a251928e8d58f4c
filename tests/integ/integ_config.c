/* SPDX-License-Identifier: ISC */
/*
 * The configuration through the real build/okd: deny-file and allow-file
 * rules applied and read again at each reload, every error of a file in
 * one okd -t run with its line, -T printing rule files as written, and
 * the default file's rule.
 */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

static int
teardown(void **state)
{
	int	r = okd_cleanup(*state);

	free(*state);
	return r;
}

/*
 * A deny-file's prefixes are refused, in order with the allow and deny
 * lines; a reload reads the file again, and a bad line in it keeps the
 * running rules.
 */
static void
test_deny_file_reloaded(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));
	char		 list[160], conf[512];

	*state = p;
	assert_non_null(p);
	assert_int_equal(okd_start(p, "listen 127.0.0.1:%PORT%\n", NULL), 0);
	snprintf(list, sizeof(list), "%s/deny.list", p->dir);
	assert_int_equal(write_whole(list,
	    "# blocked\n127.0.0.2\n127.0.0.8/29\n"), 0);
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\nallow 127.0.0.9\n"
	    "deny-file %s\n", p->port, list);
	okd_write_conf(p, conf);
	assert_int_equal(okd_reload(p), 0);
	assert_true(okd_refused_from(p, "127.0.0.2"));
	assert_true(okd_refused_from(p, "127.0.0.10"));
	/* allow 127.0.0.9 comes first, so the /29 does not deny it. */
	close(okd_served_from(p, "127.0.0.9"));
	close(okd_served_from(p, "127.0.0.3"));
	assert_int_equal(okd_log_wait(p, "reason=access", 3000), 0);

	/* The same file, new contents: a reload reads it again. */
	assert_int_equal(write_whole(list, "127.0.0.3\n"), 0);
	assert_int_equal(okd_reload(p), 0);
	close(okd_served_from(p, "127.0.0.2"));
	assert_true(okd_refused_from(p, "127.0.0.3"));

	/* A bad line: reported with the list's own line, nothing changes. */
	assert_int_equal(write_whole(list, "127.0.0.4\n127.0.0.1/8\n"), 0);
	kill(p->pid, SIGHUP);
	assert_int_equal(okd_log_wait(p, "deny.list:2: \"127.0.0.1/8\": host "
	    "bits set", 5000), 0);
	assert_int_equal(okd_log_wait(p, "deny-file: ", 3000), 0);
	assert_int_equal(okd_log_wait(p, "keeping the running", 3000), 0);
	assert_true(okd_refused_from(p, "127.0.0.3"));
	close(okd_served_from(p, "127.0.0.4"));
}

/*
 * okd -t reports every error of a file in one run, each with its line:
 * the line errors, both cross-checks at the lines that fix them, and the
 * bad lines of a rule file under that file's name.
 */
static void
test_every_error_one_run(void **state)
{
	char	 dir[] = "/tmp/integ_config.XXXXXX", conf[128], list[128];
	char	 text[512], cmd[512], out[4096], want[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/okd.conf", dir);
	snprintf(list, sizeof(list), "%s/allow.list", dir);
	assert_int_equal(write_whole(list, "10.0.0.0/8\nnot-a-prefix\n"), 0);
	snprintf(text, sizeof(text), "backlog x\n"
	    "listen 127.0.0.1:9 proxy-protocol\n"
	    "allow-file %s\n"
	    "max-children 300\n"
	    "max-sources 100\n"
	    "frobnicate 1\n", list);
	assert_int_equal(write_whole(conf, text), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -t -f %s 2>&1",
	    conf);
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 78);
	snprintf(want, sizeof(want), "%s:1: backlog:", conf);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:2: listen: 127.0.0.1:9 "
	    "proxy-protocol needs proxy-from", conf);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:2: \"not-a-prefix\"", list);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:3: allow-file: %s: 1 bad line", conf,
	    list);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:4: max-children: 300 exceeds "
	    "max-sources 100", conf);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:6: unknown keyword \"frobnicate\"",
	    conf);
	assert_non_null(strstr(out, want));
	unlink(conf);
	unlink(list);
	rmdir(dir);
}

/* -T prints a rule file as its line; that output checks and prints alike. */
static void
test_print_rule_files(void **state)
{
	char	 dir[] = "/tmp/integ_config.XXXXXX", list[128], conf[128];
	char	 cmd[512], a[8192], b[8192], want[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(list, sizeof(list), "%s/deny.list", dir);
	snprintf(conf, sizeof(conf), "%s/printed.conf", dir);
	assert_int_equal(write_whole(list, "192.0.2.0/24\n2001:db8::/32\n"), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -T -f /dev/null "
	    "-o 'allow 127.0.0.1' -o 'deny-file %s' -o 'allow *'", list);
	assert_int_equal(run_capture(cmd, a, sizeof(a), 5000), 0);
	snprintf(want, sizeof(want), "\nallow 127.0.0.1/32\ndeny-file %s\n"
	    "allow *\n", list);
	assert_non_null(strstr(a, want));
	assert_int_equal(write_whole(conf, a), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -t -f %s", conf);
	assert_int_equal(run_capture(cmd, b, sizeof(b), 5000), 0);
	assert_string_equal(b, "configuration OK\n");
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -T -f %s", conf);
	assert_int_equal(run_capture(cmd, b, sizeof(b), 5000), 0);
	assert_string_equal(a, b);
	unlink(conf);
	unlink(list);
	rmdir(dir);
}

/*
 * Without -f the default file is read when it exists, else the built-in
 * defaults serve; main.c decides this before -i, -D or -T part ways.
 */
static void
test_no_default_file(void **state)
{
	char	a[8192], b[8192];

	(void)state;
	if (access(OKD_CONF_PATH, F_OK) == 0) {
		print_message("skipped: %s exists\n", OKD_CONF_PATH);
		skip();
	}
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -T", a, sizeof(a),
	    5000), 0);
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -T -f /dev/null",
	    b, sizeof(b), 5000), 0);
	assert_string_equal(a, b);
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -t", a, sizeof(a),
	    5000), 0);
	assert_string_equal(a, "configuration OK\n");
	/* A file named with -f must exist. */
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -t -f "
	    "/nonexistent/okd.conf 2>/dev/null", a, sizeof(a), 5000), 78);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_deny_file_reloaded, teardown),
		cmocka_unit_test(test_every_error_one_run),
		cmocka_unit_test(test_print_rule_files),
		cmocka_unit_test(test_no_default_file),
	};

	return cmocka_run_group_tests_name("integ_config", tests, NULL, NULL);
}
