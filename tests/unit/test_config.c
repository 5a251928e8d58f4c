/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the configuration parser: every keyword, every error with
 * its file:line, -o overrides, all-or-nothing, and -T read back unchanged.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

static char	errbuf[16384];

/* Sends stderr to a temporary file, until errors_end(). */
static FILE *
errors_begin(int *saved)
{
	FILE	*err = tmpfile();

	assert_non_null(err);
	*saved = dup(STDERR_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	return err;
}

/* Puts stderr back; what it got since errors_begin() is in errbuf. */
static void
errors_end(FILE *err, int saved)
{
	size_t	n;

	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(err);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, err);
	errbuf[n] = '\0';
	fclose(err);
}

/* Parses len bytes of buf as file "t.conf"; errors land in errbuf. */
static int
parse_mem(struct config *cf, const char *buf, size_t len, char *const *ov,
    size_t nov)
{
	FILE	*in, *err;
	int	 saved, r;

	in = fmemopen((void *)buf, len, "r");
	err = errors_begin(&saved);
	r = config_parse(cf, in, "t.conf", ov, nov);
	errors_end(err, saved);
	fclose(in);
	return r;
}

/* Parses text (as file "t.conf") with overrides; errors land in errbuf. */
static int
parse(struct config *cf, const char *text, char *const *ov, size_t nov)
{
	return parse_mem(cf, text, strlen(text), ov, nov);
}

static void
expect_error(const char *text, const char *msg)
{
	struct config	cf;

	assert_int_equal(parse(&cf, text, NULL, 0), -1);
	if (strstr(errbuf, msg) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", msg, errbuf);
}

static void
test_defaults(void **state)
{
	struct config	cf;

	(void)state;
	assert_int_equal(parse(&cf, "", NULL, 0), 0);
	assert_int_equal(cf.nlisten, 1);
	assert_string_equal(cf.listen[0].text, "127.0.0.1:8001");
	assert_int_equal(cf.backlog, 5);
	assert_int_equal(cf.max_children, 256);
	assert_int_equal(cf.idle_timeout_ms, 10000);
	assert_int_equal(cf.send_timeout_ms, 10000);
	assert_int_equal(cf.shutdown_grace_ms, 5000);
	assert_int_equal(cf.recv_buffer, 1024);
	assert_int_equal(cf.reply_len, 2);
	assert_memory_equal(cf.reply, "OK", 2);
	assert_int_equal(cf.ack, ACK_READ);
	assert_string_equal(cf.pidfile, OKD_PIDFILE);
	assert_int_equal(cf.pidfile_set, 0);
	assert_int_equal(cf.log_level, LOG_INFO);
	assert_int_equal(cf.log_target, LOG_TARGET_AUTO);
}

static void
test_every_keyword(void **state)
{
	struct config	cf;

	(void)state;
	assert_int_equal(parse(&cf,
	    "# a comment\n"
	    "\n"
	    "listen 127.0.0.2:9000   # trailing comment\n"
	    "listen [::1]:9000\n"
	    "listen *:9001\n"
	    "listen [::]:9001\n"
	    "backlog 128\n"
	    "max-children 10\n"
	    "idle-timeout 500ms\n"
	    "send-timeout 2m\n"
	    "recv-buffer 4k\n"
	    "reply \"OK\\r\\n\"\n"
	    "ack line\n"
	    "shutdown-grace 0\n"
	    "pidfile /tmp/x.pid\n"
	    "log-level debug\n"
	    "\tlog-target journal\n", NULL, 0), 0);
	assert_int_equal(cf.nlisten, 4);
	assert_string_equal(cf.listen[1].text, "[::1]:9000");
	assert_int_equal(cf.backlog, 128);
	assert_int_equal(cf.max_children, 10);
	assert_int_equal(cf.idle_timeout_ms, 500);
	assert_int_equal(cf.send_timeout_ms, 120000);
	assert_int_equal(cf.recv_buffer, 4096);
	assert_int_equal(cf.reply_len, 4);
	assert_memory_equal(cf.reply, "OK\r\n", 4);
	assert_int_equal(cf.ack, ACK_LINE);
	assert_int_equal(cf.shutdown_grace_ms, 0);
	assert_string_equal(cf.pidfile, "/tmp/x.pid");
	assert_int_equal(cf.pidfile_set, 1);
	assert_int_equal(cf.log_level, LOG_DEBUG);
	assert_int_equal(cf.log_target, LOG_TARGET_JOURNAL);
	assert_string_equal(errbuf, "");
}

static void
test_protection_keywords(void **state)
{
	struct config	cf;

	(void)state;
	assert_int_equal(parse(&cf, "", NULL, 0), 0);
	assert_int_equal(cf.max_per_source, 32);
	assert_int_equal(cf.prefix4, 32);
	assert_int_equal(cf.prefix6, 64);
	assert_int_equal(cf.rate.n, 0);
	assert_int_equal(cf.overload, OVERLOAD_CLOSE);
	assert_int_equal(cf.refuse_len, 0);
	assert_int_equal(cf.max_sources, 65536);
	assert_int_equal(cf.acl.n, 0);
	assert_string_equal(cf.user, "nobody");
	assert_string_equal(cf.group, "nogroup");
	assert_string_equal(cf.chroot, "");
	assert_int_equal(cf.sandbox, SANDBOX_USE_ON);
	assert_int_equal(cf.max_session_ms, 0);
	assert_int_equal(cf.log_peer, LOG_PEER_FULL);
	assert_int_equal(parse(&cf,
	    "max-per-source 4\n"
	    "source-prefix 24 48\n"
	    "rate-limit 10/1m burst 20\n"
	    "overload defer\n"
	    "refuse-message \"busy\\r\\n\"\n"
	    "max-sources 1000\n"
	    "allow 10.0.0.0/8\n"
	    "deny 2001:db8::/32\n"
	    "allow 192.0.2.1\n"
	    "deny *\n"
	    "user daemon\n"
	    "group daemon\n"
	    "chroot none\n"
	    "sandbox off\n"
	    "max-session 1h\n"
	    "log-peer prefix\n", NULL, 0), 0);
	assert_int_equal(cf.max_per_source, 4);
	assert_int_equal(cf.prefix4, 24);
	assert_int_equal(cf.prefix6, 48);
	assert_int_equal(cf.rate.n, 10);
	assert_int_equal(cf.rate.period_ms, 60000);
	assert_int_equal(cf.rate.burst, 20);
	assert_int_equal(cf.overload, OVERLOAD_DEFER);
	assert_int_equal(cf.refuse_len, 6);
	assert_memory_equal(cf.refuse_msg, "busy\r\n", 6);
	assert_int_equal(cf.max_sources, 1000);
	assert_int_equal(cf.acl.n, 4);
	assert_int_equal(cf.acl.rule[1].action, ACL_DENY);
	assert_int_equal(cf.acl.rule[3].action, ACL_DENY);
	assert_string_equal(cf.user, "daemon");
	assert_string_equal(cf.chroot, "none");
	assert_int_equal(cf.sandbox, SANDBOX_USE_OFF);
	assert_int_equal(cf.max_session_ms, 3600000);
	assert_int_equal(cf.log_peer, LOG_PEER_PREFIX);
	config_free(&cf);
	/* rate-limit without burst: the burst is N. */
	assert_int_equal(parse(&cf, "rate-limit 5/2s\n", NULL, 0), 0);
	assert_int_equal(cf.rate.burst, 5);
}

static void
test_protection_errors(void **state)
{
	(void)state;
	expect_error("max-per-source 0\n", "t.conf:1: max-per-source:");
	expect_error("source-prefix 33 64\n", "source-prefix: \"33\" is too large");
	expect_error("source-prefix 24 129\n", "source-prefix: \"129\" is too large");
	expect_error("source-prefix 24\n", "source-prefix: missing value");
	expect_error("rate-limit 10\n", "rate-limit: \"10\" is not N/DURATION");
	expect_error("rate-limit 0/1s\n", "rate-limit: \"0\" is too small");
	expect_error("rate-limit 5/1y\n", "rate-limit: \"1y\": invalid unit");
	expect_error("rate-limit 5/1s burst\n", "rate-limit: expected");
	expect_error("rate-limit 5/1s bust 3\n", "rate-limit: expected");
	expect_error("rate-limit 5/1s burst 0\n", "rate-limit: burst \"0\"");
	expect_error("overload drop\n", "overload: \"drop\" is not one of close, defer");
	expect_error("refuse-message \"\"\n", "refuse-message: empty");
	expect_error("max-sources 0\n", "max-sources: \"0\" is too small");
	expect_error("max-children 300\nmax-sources 100\n",
	    "t.conf:1: max-children: 300 exceeds max-sources 100");
	expect_error("allow 10.0.0.1/8\n", "t.conf:1: allow: \"10.0.0.1/8\": host bits set");
	expect_error("deny 300.0.0.0/8\n", "t.conf:1: deny: \"300.0.0.0/8\"");
	expect_error("chroot var/empty\n", "chroot: \"var/empty\" is not an absolute path");
	expect_error("sandbox maybe\n",
	    "sandbox: \"maybe\" is not one of on, strict, filter, off");
	expect_error("max-session 2d\n", "max-session: \"2d\": invalid unit");
	expect_error("log-peer some\n", "log-peer: \"some\" is not one of full, prefix, none");
}

static void
test_proxy_keywords(void **state)
{
	struct config	cf;

	(void)state;
	assert_int_equal(parse(&cf, "", NULL, 0), 0);
	assert_int_equal(cf.nproxy_from, 0);
	assert_int_equal(cf.proxy_timeout_ms, 5000);
	assert_int_equal(cf.reuse_port, 0);
	assert_int_equal(cf.listen[0].proxy, 0);
	assert_int_equal(parse(&cf, "listen 127.0.0.1:8002 proxy-protocol\n"
	    "listen 127.0.0.1:8001\nproxy-from 10.0.0.0/8\n"
	    "proxy-from ::1\nproxy-timeout 3s\nreuse-port yes\n", NULL, 0),
	    0);
	assert_int_equal(cf.listen[0].proxy, 1);
	assert_int_equal(cf.listen[1].proxy, 0);
	assert_int_equal(cf.nproxy_from, 2);
	assert_int_equal(cf.proxy_timeout_ms, 3000);
	assert_int_equal(cf.reuse_port, 1);
	expect_error("listen 127.0.0.1:1 proxy-protocol\n",
	    "t.conf:1: listen: 127.0.0.1:1 proxy-protocol needs proxy-from");
	expect_error("listen 127.0.0.1:1 proxy\n",
	    "t.conf:1: listen: unknown option \"proxy\"");
	expect_error("proxy-from 10.0.0.1/8\n", "proxy-from: \"10.0.0.1/8\": host bits set");
	expect_error("proxy-timeout 0\n", "proxy-timeout: \"0\": too small");
	expect_error("reuse-port on\n", "reuse-port: \"on\" is not one of yes, no");
}

/* -o allow or deny replaces the file's whole rule list, in order. */
static void
test_acl_override(void **state)
{
	struct config	 cf;
	char		*ov[] = { "deny 127.0.0.3", "allow *" };

	(void)state;
	assert_int_equal(parse(&cf, "allow 10.0.0.0/8\ndeny *\n", ov, 2), 0);
	assert_int_equal(cf.acl.n, 2);
	assert_int_equal(cf.acl.rule[0].action, ACL_DENY);
	assert_int_equal(cf.acl.rule[1].action, ACL_ALLOW);
	config_free(&cf);
}

static void
test_errors_name_file_line_keyword(void **state)
{
	(void)state;
	expect_error("\n\nlistn 1\n", "t.conf:3: unknown keyword \"listn\"");
	expect_error("backlog\n", "t.conf:1: backlog: missing value");
	expect_error("backlog 5 6\n", "t.conf:1: backlog: unexpected \"6\"");
	expect_error("backlog 0\n", "t.conf:1: backlog: \"0\" is too small");
	expect_error("backlog 65536\n", "t.conf:1: backlog: \"65536\" is too large");
	expect_error("backlog five\n", "backlog: \"five\" is not a number");
	expect_error("max-children 0\n", "t.conf:1: max-children:");
	expect_error("idle-timeout 0\n", "t.conf:1: idle-timeout: \"0\": too small");
	expect_error("idle-timeout 10y\n", "idle-timeout: \"10y\": invalid unit");
	expect_error("send-timeout 25h\n", "send-timeout: \"25h\": too large");
	expect_error("shutdown-grace 2h\n", "shutdown-grace: \"2h\": too large");
	expect_error("recv-buffer 65537\n", "recv-buffer: \"65537\": too large");
	expect_error("recv-buffer 0\n", "recv-buffer: \"0\": too small");
	expect_error("reply \"\"\n", "reply: empty");
	expect_error("reply \"\\q\"\n", "reply: unknown escape");
	expect_error("reply \"OK\n", "t.conf:1: unterminated string");
	expect_error("ack maybe\n", "ack: \"maybe\" is not one of read, line");
	expect_error("pidfile run/okd.pid\n", "pidfile: \"run/okd.pid\" is not an "
	    "absolute path");
	expect_error("log-level loud\n", "log-level: \"loud\" is not one of");
	expect_error("log-target file\n", "log-target: \"file\" is not one of");
	expect_error("listen 127.0.0.1\n", "listen: \"127.0.0.1\": missing port");
	expect_error("listen host:80\n", "listen: \"host:80\": invalid IPv4");
	expect_error("listen 127.0.0.1:1\nlisten 127.0.0.1:1\n",
	    "t.conf:2: listen: \"127.0.0.1:1\" given twice");
	expect_error("backlog 5\nbacklog 6\n", "t.conf:2: backlog: given twice");
	expect_error("back\"log 5\n", "quote inside a word");
}

static void
test_long_reply(void **state)
{
	char		text[1024];

	(void)state;
	struct config	cf;

	snprintf(text, sizeof(text), "reply \"%0257d\"\n", 0);
	expect_error(text, "reply: too long");
	snprintf(text, sizeof(text), "reply %0257d\n", 0);
	expect_error(text, "reply: longer than 256 bytes");
	snprintf(text, sizeof(text), "reply \"%0256d\"\n", 0);
	assert_int_equal(parse(&cf, text, NULL, 0), 0);
	assert_int_equal(cf.reply_len, 256);
}

/* Every error in the file is reported, not just the first. */
static void
test_all_errors_reported(void **state)
{
	struct config	cf;

	(void)state;
	assert_int_equal(parse(&cf, "a 1\nbacklog x\nok\nack no\n", NULL, 0), -1);
	assert_non_null(strstr(errbuf, "t.conf:1:"));
	assert_non_null(strstr(errbuf, "t.conf:2:"));
	assert_non_null(strstr(errbuf, "t.conf:3:"));
	assert_non_null(strstr(errbuf, "t.conf:4:"));
}

/* Parses len bytes of buf, NULs and all; errors land in errbuf. */
static int
parse_bytes(const char *buf, size_t len)
{
	struct config	cf;

	return parse_mem(&cf, buf, len, NULL, 0);
}

/*
 * A line has a length bound: past it the line is an error and skipped, and
 * an endless line (a megabyte of zeros, as /dev/zero gives) ends the file.
 */
static void
test_line_length_bound(void **state)
{
	static char	buf[1024 * 1024 + 64];
	size_t		n;

	(void)state;
	memset(buf, 'x', 10000);
	n = 10000 + (size_t)snprintf(buf + 10000, 64, "\nbacklog zz\n");
	assert_int_equal(parse_bytes(buf, n), -1);
	assert_non_null(strstr(errbuf, "t.conf:1: line longer than 4096 bytes\n"));
	assert_non_null(strstr(errbuf, "t.conf:2: backlog:"));
	memset(buf, 'x', 1024 * 1024);
	n = 1024 * 1024 + (size_t)snprintf(buf + 1024 * 1024, 64,
	    "\nbacklog zz\n");
	assert_int_equal(parse_bytes(buf, n), -1);
	assert_non_null(strstr(errbuf, "t.conf:1: line longer than 4096 bytes; "
	    "the rest of the file is not read"));
	assert_null(strstr(errbuf, "t.conf:2:"));
	memset(buf, 0, 1024 * 1024);
	assert_int_equal(parse_bytes(buf, 1024 * 1024), -1);
	assert_non_null(strstr(errbuf, "the rest of the file is not read"));
	/* The longest line allowed still parses. */
	memset(buf, ' ', 4096);
	memcpy(buf, "backlog 7", 9);
	buf[4095] = '\n';
	assert_int_equal(parse_bytes(buf, 4096), 0);
}

/* Control bytes from the file reach the log escaped. */
static void
test_control_bytes_escaped(void **state)
{
	static const char	text[] = "ke\033[2Jy 1\nbacklog \"\001\"\n";

	(void)state;
	assert_int_equal(parse_bytes(text, sizeof(text) - 1), -1);
	assert_non_null(strstr(errbuf, "unknown keyword \"ke\\033[2Jy\""));
	assert_non_null(strstr(errbuf, "\"\\001\""));
	assert_null(strchr(errbuf, '\033'));
	assert_null(strchr(errbuf, '\001'));
}

/* A failed parse leaves the running configuration as it was. */
static void
test_nothing_half_applied(void **state)
{
	struct config	cf, before;

	(void)state;
	assert_int_equal(parse(&cf, "backlog 77\n", NULL, 0), 0);
	before = cf;
	assert_int_equal(parse(&cf, "backlog 99\nmax-children 3\nlistn\n",
	    NULL, 0), -1);
	assert_memory_equal(&cf, &before, sizeof(cf));
}

static void
test_overrides(void **state)
{
	struct config	 cf;
	char		*ov[] = { "backlog 9", "listen 127.0.0.1:7",
			    "listen 127.0.0.1:8" };
	char		*dup[] = { "backlog 9", "backlog 10" };
	char		*bad[] = { "nope 1" };

	(void)state;
	/* -o replaces the file's value, and the file's listen set. */
	assert_int_equal(parse(&cf, "backlog 5\nlisten 127.0.0.1:1\n", ov, 3), 0);
	assert_int_equal(cf.backlog, 9);
	assert_int_equal(cf.nlisten, 2);
	assert_string_equal(cf.listen[0].text, "127.0.0.1:7");
	assert_string_equal(cf.listen[1].text, "127.0.0.1:8");
	assert_int_equal(parse(&cf, "", dup, 2), -1);
	assert_non_null(strstr(errbuf, "-o:2: backlog: given twice"));
	assert_int_equal(parse(&cf, "", bad, 1), -1);
	assert_non_null(strstr(errbuf, "-o:1: unknown keyword \"nope\""));
}

/* config_print's output parses back to the same configuration. */
static void
test_print_reads_back(void **state)
{
	struct config	 a, b;
	char		*text = NULL;
	size_t		 len = 0, i;
	FILE		*fp;

	(void)state;
	assert_int_equal(parse(&a, "listen [::1]:5\nlisten *:6\nreply \"\\x00\\xff\\\"\\\\ x\"\n"
	    "idle-timeout 1500ms\nsend-timeout 90s\nack line\nlog-level error\n"
	    "rate-limit 7/90s burst 9\nrefuse-message \"no\\r\\n\"\n"
	    "allow ::1\ndeny 10.0.0.0/8\nallow *\noverload defer\n"
	    "source-prefix 0 128\nmax-session 2m\nlog-peer none\n"
	    "listen 127.0.0.1:7 proxy-protocol\nproxy-from 127.0.0.0/8\n"
	    "proxy-from ::1\nproxy-timeout 3500ms\nreuse-port yes\n"
	    "sandbox filter\n", NULL, 0), 0);
	assert_int_equal(a.sandbox, SANDBOX_USE_FILTER);
	fp = open_memstream(&text, &len);
	config_print(fp, &a);
	fclose(fp);
	assert_int_equal(parse(&b, text, NULL, 0), 0);
	b.pidfile_set = a.pidfile_set;
	/* The access lists own memory: their rules compare, not pointers. */
	assert_int_equal(acl_count(&a.acl), acl_count(&b.acl));
	for (i = 0; i < acl_count(&a.acl); i++)
		assert_memory_equal(acl_rule(&a.acl, i), acl_rule(&b.acl, i),
		    sizeof(struct acl_rule));
	acl_free(&b.acl);
	b.acl = a.acl;
	assert_memory_equal(&a, &b, sizeof(a));
	acl_free(&a.acl);
	free(text);
}

/*
 * Found by fuzz_config: values that -T could not print back.  A quoted name
 * may hold blanks, '#' or '"', and a listen address could be longer than
 * the text kept for it; each is refused with its line, not mangled.
 */
static void
test_unprintable_values_refused(void **state)
{
	(void)state;
	expect_error("user \"a b\"\n", "t.conf:1: user: \"a b\" is not");
	expect_error("group \"\"\n", "t.conf:1: group: \"\" is not");
	expect_error("pidfile \"/a#b\"\n", "t.conf:1: pidfile: \"/a#b\" is not");
	expect_error("chroot \"/a\\\"b\"\n", "t.conf:1: chroot:");
	expect_error("user \"a\tb\"\n", "t.conf:1: user:");
	expect_error("listen 127.0.0.1:"
	    "0000000000000000000000000000000000000000000000000080\n",
	    "t.conf:1: listen: \"127.0.0.1:0000");
}

/* How many lines errbuf holds. */
static size_t
error_lines(void)
{
	size_t		 n = 0;
	const char	*q;

	for (q = errbuf; (q = strchr(q, '\n')) != NULL; q++)
		n++;
	return n;
}

static void
expect_in_errors(const char *msg)
{
	if (strstr(errbuf, msg) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", msg, errbuf);
}

/*
 * Cross-checks are reported with the line of a keyword whose change fixes
 * them, beside the line errors of the same run; each cross error is shown.
 */
static void
test_cross_checks_have_lines(void **state)
{
	struct config	 cf;
	char		*ov[] = { "max-children 500" };

	(void)state;
	expect_error("backlog 7\nmax-sources 100\n",
	    "t.conf:2: max-sources: 100 is below max-children 256");
	assert_int_equal(parse(&cf, "max-sources 100\n", ov, 1), -1);
	expect_in_errors("-o:1: max-children: 500 exceeds max-sources 100");
	assert_int_equal(parse(&cf, "listen 127.0.0.1:1\n"
	    "listen 127.0.0.1:2 proxy-protocol\n"
	    "listen 127.0.0.1:3 proxy-protocol\n", NULL, 0), -1);
	expect_in_errors("t.conf:2: listen: 127.0.0.1:2 proxy-protocol needs "
	    "proxy-from");
	expect_in_errors("t.conf:3: listen: 127.0.0.1:3 proxy-protocol needs "
	    "proxy-from");
	assert_int_equal(error_lines(), 2);
	/* Line errors and both cross errors, in one run. */
	assert_int_equal(parse(&cf, "backlog x\n"
	    "listen 127.0.0.1:9 proxy-protocol\n"
	    "max-children 300\n"
	    "max-sources 100\n"
	    "ack maybe\n", NULL, 0), -1);
	expect_in_errors("t.conf:1: backlog:");
	expect_in_errors("t.conf:2: listen: 127.0.0.1:9 proxy-protocol needs");
	expect_in_errors("t.conf:3: max-children: 300 exceeds max-sources 100");
	expect_in_errors("t.conf:5: ack:");
	assert_int_equal(error_lines(), 4);
	/* A keyword in error is not cross-checked with its default. */
	assert_int_equal(parse(&cf, "max-children 30x\nmax-sources 100\n",
	    NULL, 0), -1);
	assert_int_equal(error_lines(), 1);
	/* Fixed by either keyword. */
	assert_int_equal(parse(&cf, "max-children 100\nmax-sources 100\n",
	    NULL, 0), 0);
	assert_int_equal(parse(&cf, "listen 127.0.0.1:9 proxy-protocol\n"
	    "proxy-from 127.0.0.1\n", NULL, 0), 0);
}

/*
 * The table's defaults are what -T prints for an empty file, line by
 * line; a keyword without one prints nothing; widths are those of the
 * fields the table names.
 */
static void
test_table_defaults(void **state)
{
	const struct config_keyword	*k;
	struct config			 cf;
	char				*text = NULL, want[512];
	size_t				 len = 0, n, i;
	FILE				*fp;

	(void)state;
	k = config_keywords(&n);
	assert_true(n > 30);
	assert_int_equal(parse(&cf, "", NULL, 0), 0);
	assert_string_equal(errbuf, "");
	fp = open_memstream(&text, &len);
	config_print(fp, &cf);
	fclose(fp);
	for (i = 0; i < n; i++) {
		assert_non_null(k[i].reload);
		snprintf(want, sizeof(want), "\n%s ", k[i].name);
		if (k[i].dflt == NULL) {
			assert_null(strstr(text, want));
			assert_true(k[i].repeat || k[i].note != NULL);
			continue;
		}
		snprintf(want, sizeof(want), "%s %s\n", k[i].name, k[i].dflt);
		if (strstr(text, want) == NULL)
			fail_msg("-T lacks \"%s\" in \"%s\"", want, text);
		switch (k[i].type) {
		case CONFIG_NUMBER:
		case CONFIG_CHOICE:
			assert_true(k[i].size == sizeof(int) ||
			    k[i].size == sizeof(int64_t));
			break;
		case CONFIG_DURATION:
		case CONFIG_SIZE:
			assert_int_equal(k[i].size, sizeof(int64_t));
			break;
		default:
			break;
		}
	}
	assert_int_equal(cf.max_session_bytes, 64 * 1024 * 1024);
	assert_int_equal(cf.nhealth_from, 0);
	assert_int_equal(cf.fair_share, 1);
	free(text);
}

/* max-session-bytes, health-check-from, fair-share: ranges and values. */
static void
test_newer_keywords(void **state)
{
	struct config	cf;
	char		text[64 * 40];
	size_t		i, len = 0;

	(void)state;
	assert_int_equal(parse(&cf, "max-session-bytes 0\n", NULL, 0), 0);
	assert_int_equal(cf.max_session_bytes, 0);
	assert_int_equal(parse(&cf, "max-session-bytes 1099511627776\n", NULL,
	    0), 0);
	assert_int_equal(cf.max_session_bytes, 1LL << 40);
	assert_int_equal(parse(&cf, "max-session-bytes 4k\n", NULL, 0), 0);
	assert_int_equal(cf.max_session_bytes, 4096);
	expect_error("max-session-bytes 1099511627777\n",
	    "t.conf:1: max-session-bytes: \"1099511627777\": too large "
	    "(0 to 1099511627776)");
	expect_error("max-session-bytes -1\n", "t.conf:1: max-session-bytes:");
	assert_int_equal(parse(&cf, "health-check-from 127.0.0.2\n"
	    "health-check-from ::1\n", NULL, 0), 0);
	assert_int_equal(cf.nhealth_from, 2);
	expect_error("health-check-from 10.0.0.1/8\n",
	    "t.conf:1: health-check-from: \"10.0.0.1/8\": host bits set");
	for (i = 0; i < CONFIG_MAX_HEALTH_FROM + 1; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "health-check-from 10.0.%zu.0/24\n", i);
	expect_error(text, "t.conf:65: health-check-from: more than 64");
	assert_int_equal(parse(&cf, "fair-share no\n", NULL, 0), 0);
	assert_int_equal(cf.fair_share, 0);
	expect_error("fair-share maybe\n",
	    "t.conf:1: fair-share: \"maybe\" is not one of yes, no");
	expect_error("fair-share no\nfair-share yes\n",
	    "t.conf:2: fair-share: given twice");
}

/* chroot is accepted, with a warning that it does nothing. */
static void
test_chroot_warns(void **state)
{
	struct config	cf;

	(void)state;
	assert_int_equal(parse(&cf, "chroot none\n", NULL, 0), 0);
	assert_non_null(strstr(errbuf, "t.conf:1: chroot: accepted for older "
	    "files; it has no effect"));
	assert_int_equal(error_lines(), 1);
	assert_int_equal(parse(&cf, "backlog 5\n", NULL, 0), 0);
	assert_string_equal(errbuf, "");
}

static char	tmpdir[64];

/* Writes text to tmpdir/name; returns the path in a static buffer. */
static const char *
write_file(const char *name, const char *text)
{
	static char	path[128];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static int
make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
remove_tmpdir(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Prints cf into a malloc'd string. */
static char *
printed(const struct config *cf)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	config_print(fp, cf);
	fclose(fp);
	return text;
}

/*
 * allow-file and deny-file: rules in order with allow and deny lines, -T
 * prints the lines as written, -o replaces the list.
 */
static void
test_rule_files(void **state)
{
	struct config	 cf;
	char		 conf[1024], *text, want[512];
	char		 a[128], b[128];
	char		*ov[1];
	char		 ovbuf[160];

	(void)state;
	snprintf(a, sizeof(a), "%s", write_file("deny.list",
	    "# a block list\n192.0.2.0/24\n\n  2001:db8::/32  # docs\n"
	    "198.51.100.7\n"));
	snprintf(b, sizeof(b), "%s", write_file("empty.list", ""));
	snprintf(conf, sizeof(conf), "allow 127.0.0.1\ndeny-file %s\n"
	    "allow-file %s\nallow *\n", a, b);
	assert_int_equal(parse(&cf, conf, NULL, 0), 0);
	assert_string_equal(errbuf, "");
	assert_int_equal(acl_count(&cf.acl), 5);
	assert_int_equal(acl_rule(&cf.acl, 0)->action, ACL_ALLOW);
	assert_int_equal(acl_rule(&cf.acl, 1)->action, ACL_DENY);
	assert_int_equal(acl_rule(&cf.acl, 3)->action, ACL_DENY);
	assert_int_equal(acl_rule(&cf.acl, 4)->action, ACL_ALLOW);
	assert_int_equal(cf.nrule_file, 2);
	text = printed(&cf);
	snprintf(want, sizeof(want), "\nallow 127.0.0.1/32\ndeny-file %s\n"
	    "allow-file %s\nallow *\nuser ", a, b);
	if (strstr(text, want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, text);
	free(text);
	config_free(&cf);
	/* -o replaces the file's whole list, files included. */
	snprintf(ovbuf, sizeof(ovbuf), "allow-file %s", b);
	ov[0] = ovbuf;
	assert_int_equal(parse(&cf, conf, ov, 1), 0);
	assert_int_equal(acl_count(&cf.acl), 0);
	assert_int_equal(cf.nrule_file, 1);
	assert_string_equal(cf.rule_file[0].path, b);
	config_free(&cf);
	assert_int_equal(acl_count(&cf.acl), 0);
	assert_null(cf.rule_file);
	config_free(&cf);
}

/* Errors inside a rule file name that file's line; the keyword line too. */
static void
test_rule_file_errors(void **state)
{
	struct config	 cf;
	char		 conf[512], want[256];
	const char	*bad;

	(void)state;
	bad = write_file("bad.list", "10.0.0.0/8\n10.0.0.1/8\nok\x1b[2J\n"
	    "192.0.2.1\n");
	snprintf(conf, sizeof(conf), "backlog 5\ndeny-file %s\n", bad);
	assert_int_equal(parse(&cf, conf, NULL, 0), -1);
	snprintf(want, sizeof(want), "%s:2: \"10.0.0.1/8\": host bits set",
	    bad);
	expect_in_errors(want);
	snprintf(want, sizeof(want), "%s:3: \"ok\\033[2J\"", bad);
	expect_in_errors(want);
	assert_null(strchr(errbuf, '\033'));
	snprintf(want, sizeof(want), "t.conf:2: deny-file: %s: 2 bad lines",
	    bad);
	expect_in_errors(want);
	assert_int_equal(error_lines(), 3);
	expect_error("allow-file /nonexistent/okd.list\n",
	    "t.conf:1: allow-file: /nonexistent/okd.list: No such file or "
	    "directory");
	expect_error("deny-file /dev/zero\n",
	    "t.conf:1: deny-file: /dev/zero: not a regular file");
	expect_error("deny-file /tmp\n",
	    "t.conf:1: deny-file: /tmp: not a regular file");
	expect_error("deny-file lists/x\n",
	    "t.conf:1: deny-file: \"lists/x\" is not an absolute path");
	expect_error("deny-file\n", "t.conf:1: deny-file: missing value");
}

/* -T output parses back and prints the very same bytes. */
static void
test_print_byte_identical(void **state)
{
	struct config	 a, b;
	char		 conf[2048], *ta, *tb;
	const char	*list;

	(void)state;
	list = write_file("mixed.list", "10.1.0.0/16\n::1\n");
	snprintf(conf, sizeof(conf), "listen [::1]:5\nlisten *:6 "
	    "proxy-protocol\nproxy-from 127.0.0.0/8\nreply \"\\x00\\xff\\\"\"\n"
	    "rate-limit 7/90s\nrefuse-message \"no\\r\\n\"\nallow ::1\n"
	    "deny-file %s\ndeny 10.0.0.0/8\nallow *\nsource-prefix 0 128\n"
	    "max-session-bytes 1k\nhealth-check-from 192.0.2.0/24\n"
	    "health-check-from ::1\nfair-share no\nsandbox strict\n"
	    "max-sources 300\nmax-children 300\n", list);
	assert_int_equal(parse(&a, conf, NULL, 0), 0);
	ta = printed(&a);
	assert_int_equal(parse(&b, ta, NULL, 0), 0);
	tb = printed(&b);
	assert_string_equal(ta, tb);
	assert_non_null(strstr(ta, "\nmax-session-bytes 1024\n"));
	assert_non_null(strstr(ta, "\nrate-limit 7/90s burst 7\n"));
	free(ta);
	free(tb);
	config_free(&a);
	config_free(&b);
}

/* Loads with config_load; errors land in errbuf. */
static int
load(struct config *cf, const char *path)
{
	FILE	*err;
	int	 saved, r;

	err = errors_begin(&saved);
	r = config_load(cf, path, NULL, 0);
	errors_end(err, saved);
	return r;
}

/*
 * No path: the default file when it exists, the built-in defaults when it
 * does not (okd -i and -D alike); a path given must exist.  This binary's
 * default file is its own (OKD_CONF_PATH, set by the Makefile).
 */
static void
test_default_file_rule(void **state)
{
	struct config	 cf;
	FILE		*fp;
	char		 want[256];

	(void)state;
	/* Never the system's file: the Makefile gives this test its own. */
	assert_non_null(strstr(OKD_CONF_PATH, "/tests/okd-default.conf"));
	(void)unlink(OKD_CONF_PATH);
	assert_int_equal(load(&cf, NULL), 0);
	assert_int_equal(cf.backlog, 5);
	assert_int_equal(cf.pidfile_set, 0);
	fp = fopen(OKD_CONF_PATH, "w");
	assert_non_null(fp);
	fputs("backlog 9\n", fp);
	fclose(fp);
	assert_int_equal(load(&cf, NULL), 0);
	assert_int_equal(cf.backlog, 9);
	fp = fopen(OKD_CONF_PATH, "w");
	assert_non_null(fp);
	fputs("backlog nine\n", fp);
	fclose(fp);
	assert_int_equal(load(&cf, NULL), -1);
	snprintf(want, sizeof(want), "%s:1: backlog:", OKD_CONF_PATH);
	expect_in_errors(want);
	assert_int_equal(unlink(OKD_CONF_PATH), 0);
	/* An explicit path must exist, the default one or any other. */
	assert_int_equal(load(&cf, OKD_CONF_PATH), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    OKD_CONF_PATH);
	expect_in_errors(want);
	assert_int_equal(load(&cf, "/nonexistent/okd.conf"), -1);
	expect_in_errors("/nonexistent/okd.conf: No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_keyword),
		cmocka_unit_test(test_errors_name_file_line_keyword),
		cmocka_unit_test(test_protection_keywords),
		cmocka_unit_test(test_protection_errors),
		cmocka_unit_test(test_acl_override),
		cmocka_unit_test(test_proxy_keywords),
		cmocka_unit_test(test_long_reply),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_line_length_bound),
		cmocka_unit_test(test_control_bytes_escaped),
		cmocka_unit_test(test_nothing_half_applied),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_print_reads_back),
		cmocka_unit_test(test_unprintable_values_refused),
		cmocka_unit_test(test_cross_checks_have_lines),
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test(test_newer_keywords),
		cmocka_unit_test(test_chroot_warns),
		cmocka_unit_test(test_rule_files),
		cmocka_unit_test(test_rule_file_errors),
		cmocka_unit_test(test_print_byte_identical),
		cmocka_unit_test(test_default_file_rule),
	};

	log_init(LOG_TARGET_STDERR, LOG_DEBUG, 1);
	return cmocka_run_group_tests_name("config", tests, make_tmpdir,
	    remove_tmpdir);
}
