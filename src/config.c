/* SPDX-License-Identifier: ISC */
/*
 * The configuration file: a keyword table, a tokenizer, one switch that sets
 * each keyword, strict errors as file:line: keyword: message, and the printer
 * behind -T whose output okd reads back unchanged.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <bsd/string.h>
#include <bsd/vis.h>

#include "config.h"
#include "log.h"
#include "srctable.h"

#define MAX_WORDS	8

enum kw {
	KW_LISTEN,
	KW_BACKLOG,
	KW_MAX_CHILDREN,
	KW_IDLE_TIMEOUT,
	KW_SEND_TIMEOUT,
	KW_RECV_BUFFER,
	KW_REPLY,
	KW_ACK,
	KW_SHUTDOWN_GRACE,
	KW_PIDFILE,
	KW_LOG_LEVEL,
	KW_LOG_TARGET,
	KW_MAX_PER_SOURCE,
	KW_SOURCE_PREFIX,
	KW_RATE_LIMIT,
	KW_OVERLOAD,
	KW_REFUSE_MESSAGE,
	KW_MAX_SOURCES,
	KW_ALLOW,
	KW_DENY,
	KW_USER,
	KW_GROUP,
	KW_CHROOT,
	KW_SANDBOX,
	KW_MAX_SESSION,
	KW_LOG_PEER,
	KW_PROXY_FROM,
	KW_PROXY_TIMEOUT,
	KW_REUSE_PORT,
	KW_MAX_SESSION_BYTES,
	KW_HEALTH_CHECK_FROM,
	KW_FAIR_SHARE,
	KW_COUNT
};

struct keyword {
	const char	*name;
	enum kw		 kw;
	int		 multi;		/* may be given more than once */
	int		 minargs;
	int		 maxargs;
};

/* In the order -T prints them. */
static const struct keyword keywords[] = {
	{ "listen",		KW_LISTEN,		1, 1, 2 },
	{ "backlog",		KW_BACKLOG,		0, 1, 1 },
	{ "max-children",	KW_MAX_CHILDREN,	0, 1, 1 },
	{ "idle-timeout",	KW_IDLE_TIMEOUT,	0, 1, 1 },
	{ "send-timeout",	KW_SEND_TIMEOUT,	0, 1, 1 },
	{ "recv-buffer",	KW_RECV_BUFFER,		0, 1, 1 },
	{ "reply",		KW_REPLY,		0, 1, 1 },
	{ "ack",		KW_ACK,			0, 1, 1 },
	{ "shutdown-grace",	KW_SHUTDOWN_GRACE,	0, 1, 1 },
	{ "pidfile",		KW_PIDFILE,		0, 1, 1 },
	{ "log-level",		KW_LOG_LEVEL,		0, 1, 1 },
	{ "log-target",		KW_LOG_TARGET,		0, 1, 1 },
	{ "max-per-source",	KW_MAX_PER_SOURCE,	0, 1, 1 },
	{ "source-prefix",	KW_SOURCE_PREFIX,	0, 2, 2 },
	{ "rate-limit",		KW_RATE_LIMIT,		0, 1, 3 },
	{ "overload",		KW_OVERLOAD,		0, 1, 1 },
	{ "refuse-message",	KW_REFUSE_MESSAGE,	0, 1, 1 },
	{ "max-sources",	KW_MAX_SOURCES,		0, 1, 1 },
	{ "allow",		KW_ALLOW,		1, 1, 1 },
	{ "deny",		KW_DENY,		1, 1, 1 },
	{ "user",		KW_USER,		0, 1, 1 },
	{ "group",		KW_GROUP,		0, 1, 1 },
	{ "chroot",		KW_CHROOT,		0, 1, 1 },
	{ "sandbox",		KW_SANDBOX,		0, 1, 1 },
	{ "max-session",	KW_MAX_SESSION,		0, 1, 1 },
	{ "log-peer",		KW_LOG_PEER,		0, 1, 1 },
	{ "proxy-from",		KW_PROXY_FROM,		1, 1, 1 },
	{ "proxy-timeout",	KW_PROXY_TIMEOUT,	0, 1, 1 },
	{ "reuse-port",		KW_REUSE_PORT,		0, 1, 1 },
	{ "max-session-bytes",	KW_MAX_SESSION_BYTES,	0, 1, 1 },
	{ "health-check-from",	KW_HEALTH_CHECK_FROM,	1, 1, 1 },
	{ "fair-share",		KW_FAIR_SHARE,		0, 1, 1 },
};

struct choice {
	const char	*name;
	int		 value;
};

static const struct choice ack_choices[] = {
	{ "read", ACK_READ }, { "line", ACK_LINE }, { NULL, 0 }
};
static const struct choice level_choices[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "notice", LOG_NOTICE },
	{ "warning", LOG_WARNING }, { "error", LOG_ERR }, { NULL, 0 }
};
static const struct choice overload_choices[] = {
	{ "close", OVERLOAD_CLOSE }, { "defer", OVERLOAD_DEFER }, { NULL, 0 }
};
static const struct choice sandbox_choices[] = {
	{ "on", SANDBOX_USE_ON }, { "strict", SANDBOX_USE_STRICT },
	{ "filter", SANDBOX_USE_FILTER }, { "off", SANDBOX_USE_OFF },
	{ NULL, 0 }
};
static const struct choice yesno_choices[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 }
};
static const struct choice peer_choices[] = {
	{ "full", LOG_PEER_FULL }, { "prefix", LOG_PEER_PREFIX },
	{ "none", LOG_PEER_NONE }, { NULL, 0 }
};
static const struct choice target_choices[] = {
	{ "auto", LOG_TARGET_AUTO }, { "stderr", LOG_TARGET_STDERR },
	{ "syslog", LOG_TARGET_SYSLOG }, { "journal", LOG_TARGET_JOURNAL },
	{ NULL, 0 }
};

/* Where a keyword was last set: not yet, in the file, or by -o. */
enum origin { FROM_NONE, FROM_FILE, FROM_OPTION };

struct word {
	char	*text;
	size_t	 len;
	int	 quoted;
};

struct parser {
	struct config	*cf;
	const char	*file;
	size_t		 line;
	enum origin	 origin;
	enum origin	 seen[KW_COUNT];
	int		 errors;
};

static void
perror_at(struct parser *p, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
perror_at(struct parser *p, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	if (++p->errors > CONFIG_MAX_ERRORS)
		return;
	char	line[sizeof(msg) + CONFIG_PATH_MAX + 32];
	char	safe[sizeof(line) * 4 + 1];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%zu: %s", p->file, p->line, msg);
	/* Values come from the file: no control byte reaches a terminal. */
	(void)strnvis(safe, line, sizeof(safe), VIS_CSTYLE | VIS_TAB | VIS_NL |
	    VIS_OCTAL);
	log_errx("%s", safe);
}

static void
config_defaults(struct config *cf)
{
	const char	*err;

	memset(cf, 0, sizeof(*cf));
	parse_address("127.0.0.1:8001", &cf->listen[0].ss, &cf->listen[0].sslen,
	    &err);
	strlcpy(cf->listen[0].text, "127.0.0.1:8001", sizeof(cf->listen[0].text));
	cf->nlisten = 1;
	cf->backlog = 5;
	cf->max_children = 256;
	cf->idle_timeout_ms = 10 * 1000;
	cf->send_timeout_ms = 10 * 1000;
	cf->shutdown_grace_ms = 5 * 1000;
	cf->recv_buffer = 1024;
	memcpy(cf->reply, "OK", 2);
	cf->reply_len = 2;
	cf->ack = ACK_READ;
	strlcpy(cf->pidfile, OKD_PIDFILE, sizeof(cf->pidfile));
	cf->log_level = LOG_INFO;
	cf->log_target = LOG_TARGET_AUTO;
	cf->max_per_source = 32;
	cf->prefix4 = 32;
	cf->prefix6 = 64;
	cf->overload = OVERLOAD_CLOSE;
	cf->max_sources = 65536;
	acl_init(&cf->acl);
	strlcpy(cf->user, "nobody", sizeof(cf->user));
	strlcpy(cf->group, "nogroup", sizeof(cf->group));
	strlcpy(cf->chroot, OKD_CHROOT, sizeof(cf->chroot));
	cf->sandbox = SANDBOX_USE_ON;
	cf->log_peer = LOG_PEER_FULL;
	cf->proxy_timeout_ms = 5 * 1000;
	cf->max_session_bytes = 64 * 1024 * 1024;
	cf->fair_share = 1;
}

/*
 * Splits a line into words: blanks separate, '#' outside quotes ends the
 * line, "..." is one word whose escapes are resolved later.
 */
static int
split_words(struct parser *p, char *s, struct word *w, size_t *nw)
{
	size_t	n = 0;
	char	*start;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (n == MAX_WORDS) {
			perror_at(p, "too many words on the line");
			return -1;
		}
		if (*s == '"') {
			start = ++s;
			while (*s != '"' && *s != '\0')
				s += (*s == '\\' && s[1] != '\0') ? 2 : 1;
			if (*s != '"') {
				perror_at(p, "unterminated string");
				return -1;
			}
			w[n].quoted = 1;
		} else {
			start = s;
			while (*s != '\0' && *s != ' ' && *s != '\t' &&
			    *s != '\r' && *s != '\n' && *s != '#' && *s != '"')
				s++;
			if (*s == '"') {
				perror_at(p, "quote inside a word");
				return -1;
			}
			w[n].quoted = 0;
		}
		w[n].text = start;
		w[n].len = (size_t)(s - start);
		n++;
		/* A closing quote or a blank is cut and skipped; '#' only cut. */
		if (*s == '#')
			*s = '\0';
		else if (*s != '\0')
			*s++ = '\0';
	}
	*nw = n;
	return 0;
}

static const struct keyword *
find_keyword(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].name, name) == 0)
			return &keywords[i];
	return NULL;
}

static int
pick(struct parser *p, const char *kw, const char *v,
    const struct choice *c, int *out)
{
	char	list[128] = "";

	for (; c->name != NULL; c++) {
		if (strcmp(c->name, v) == 0) {
			*out = c->value;
			return 0;
		}
		if (list[0] != '\0')
			strlcat(list, ", ", sizeof(list));
		strlcat(list, c->name, sizeof(list));
	}
	perror_at(p, "%s: \"%s\" is not one of %s", kw, v, list);
	return -1;
}

static const char *
choice_name(const struct choice *c, int value)
{
	for (; c->name != NULL; c++)
		if (c->value == value)
			return c->name;
	return "?";
}

static int
set_number(struct parser *p, const char *kw, const char *v, int64_t min,
    int64_t max, int *out)
{
	const char	*err;
	int64_t		 n;

	if (parse_number(v, min, max, &n, &err) == -1) {
		perror_at(p, "%s: \"%s\" is %s (%lld to %lld)", kw, v, err,
		    (long long)min, (long long)max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static int
set_duration(struct parser *p, const char *kw, const char *v, int64_t min,
    int64_t max, int64_t *out)
{
	const char	*err;
	char		 lo[32], hi[32];

	if (parse_duration(v, min, max, out, &err) == -1) {
		format_duration(lo, sizeof(lo), min);
		format_duration(hi, sizeof(hi), max);
		perror_at(p, "%s: \"%s\": %s (%s to %s)", kw, v, err, lo, hi);
		return -1;
	}
	return 0;
}

static int
set_listen(struct parser *p, const char *kw, const char *v, const char *opt)
{
	struct config		*cf = p->cf;
	struct listen_conf	*l;
	const char		*err;
	size_t			 i;

	if (cf->nlisten == CONFIG_MAX_LISTEN) {
		perror_at(p, "%s: more than %d addresses", kw,
		    CONFIG_MAX_LISTEN);
		return -1;
	}
	l = &cf->listen[cf->nlisten];
	/* -T prints the text as written, so it must be kept whole. */
	if (strlen(v) >= sizeof(l->text)) {
		perror_at(p, "%s: \"%s\" is too long", kw, v);
		return -1;
	}
	if (parse_address(v, &l->ss, &l->sslen, &err) == -1) {
		perror_at(p, "%s: \"%s\": %s", kw, v, err);
		return -1;
	}
	for (i = 0; i < cf->nlisten; i++) {
		if (cf->listen[i].sslen == l->sslen &&
		    memcmp(&cf->listen[i].ss, &l->ss, l->sslen) == 0) {
			perror_at(p, "%s: \"%s\" given twice", kw, v);
			return -1;
		}
	}
	if (opt != NULL && strcmp(opt, "proxy-protocol") != 0) {
		perror_at(p, "%s: unknown option \"%s\" (proxy-protocol)", kw,
		    opt);
		return -1;
	}
	l->proxy = opt != NULL;
	strlcpy(l->text, v, sizeof(l->text));
	cf->nlisten++;
	return 0;
}

/* A string of 1 to REPLY_MAX bytes, C escapes resolved when quoted. */
static int
set_bytes(struct parser *p, const char *kw, const struct word *w,
    unsigned char *out, size_t *outlen)
{
	const char	*err;

	if (!w->quoted) {
		if (w->len > REPLY_MAX) {
			perror_at(p, "%s: longer than %d bytes", kw, REPLY_MAX);
			return -1;
		}
		memcpy(out, w->text, w->len);
		*outlen = w->len;
		return 0;
	}
	if (parse_escapes(w->text, w->len, out, REPLY_MAX, outlen, &err) == -1) {
		perror_at(p, "%s: %s (1 to %d bytes, C escapes)", kw, err,
		    REPLY_MAX);
		return -1;
	}
	if (*outlen == 0) {
		perror_at(p, "%s: empty (1 to %d bytes)", kw, REPLY_MAX);
		return -1;
	}
	return 0;
}

/*
 * A name or path as one unquoted word, so that -T prints it back: a quoted
 * value could hold blanks, '#' or '"', or be empty.
 */
static int
set_name(struct parser *p, const char *kw, const char *v, char *out,
    size_t outsz)
{
	if (v[0] == '\0' || v[strcspn(v, " \t\r\n#\"")] != '\0') {
		perror_at(p, "%s: \"%s\" is not one word", kw, v);
		return -1;
	}
	if (strlcpy(out, v, outsz) >= outsz) {
		perror_at(p, "%s: \"%s\" is too long", kw, v);
		return -1;
	}
	return 0;
}

static int
set_path(struct parser *p, const char *kw, const char *v, char *out,
    size_t outsz)
{
	if (v[0] != '/') {
		perror_at(p, "%s: \"%s\" is not an absolute path", kw, v);
		return -1;
	}
	return set_name(p, kw, v, out, outsz);
}

/* "N/DURATION" with an optional "burst B", or "off". */
static int
set_rate(struct parser *p, const char *kw, struct word *w, size_t nw)
{
	const char	*err, *slash;
	char		 num[32];
	int64_t		 n, ms, burst = 0;

	if (nw == 1 && strcmp(w[0].text, "off") == 0) {
		memset(&p->cf->rate, 0, sizeof(p->cf->rate));
		return 0;
	}
	if (nw == 2 || (nw == 3 && strcmp(w[1].text, "burst") != 0)) {
		perror_at(p, "%s: expected N/DURATION [burst B]", kw);
		return -1;
	}
	if ((slash = strchr(w[0].text, '/')) == NULL ||
	    (size_t)(slash - w[0].text) >= sizeof(num)) {
		perror_at(p, "%s: \"%s\" is not N/DURATION", kw, w[0].text);
		return -1;
	}
	memcpy(num, w[0].text, (size_t)(slash - w[0].text));
	num[slash - w[0].text] = '\0';
	if (parse_number(num, 1, RATE_MAX_TOKENS, &n, &err) == -1) {
		perror_at(p, "%s: \"%s\" is %s (1 to %d)", kw, num, err,
		    RATE_MAX_TOKENS);
		return -1;
	}
	if (set_duration(p, kw, slash + 1, 1, RATE_MAX_PERIOD_MS, &ms) == -1)
		return -1;
	if (nw == 3 && parse_number(w[2].text, 1, RATE_MAX_TOKENS, &burst,
	    &err) == -1) {
		perror_at(p, "%s: burst \"%s\" is %s (1 to %d)", kw, w[2].text,
		    err, RATE_MAX_TOKENS);
		return -1;
	}
	if (rate_set(&p->cf->rate, n, ms, burst, &err) == -1) {
		perror_at(p, "%s: %s", kw, err);
		return -1;
	}
	return 0;
}

static int
set_acl(struct parser *p, const char *kw, enum acl_action action,
    const char *v)
{
	const char	*err;

	if (acl_add(&p->cf->acl, action, v, &err) == -1) {
		perror_at(p, "%s: \"%s\": %s", kw, v, err);
		return -1;
	}
	return 0;
}

/* Appends prefix v to a list of at most max prefixes. */
static int
add_prefix(struct parser *p, const char *kw, const char *v, struct cidr *list,
    size_t *n, size_t max)
{
	const char	*err;

	if (*n == max) {
		perror_at(p, "%s: more than %zu", kw, max);
		return -1;
	}
	if (cidr_parse(v, &list[*n], &err) == -1) {
		perror_at(p, "%s: \"%s\": %s", kw, v, err);
		return -1;
	}
	(*n)++;
	return 0;
}

/* Applies one keyword line; the caller has checked the argument count. */
static int
apply(struct parser *p, const struct keyword *k, struct word *w, size_t nw)
{
	struct config	*cf = p->cf;
	const char	*v = nw > 0 ? w[0].text : "";
	int64_t		 size;
	const char	*err;
	int		 n;

	switch (k->kw) {
	case KW_LISTEN:
		return set_listen(p, k->name, v, nw == 2 ? w[1].text : NULL);
	case KW_BACKLOG:
		return set_number(p, k->name, v, 1, 65535, &cf->backlog);
	case KW_MAX_CHILDREN:
		return set_number(p, k->name, v, 1, CONFIG_MAX_CHILDREN,
		    &cf->max_children);
	case KW_IDLE_TIMEOUT:
		return set_duration(p, k->name, v, 1, 24 * 3600 * 1000,
		    &cf->idle_timeout_ms);
	case KW_SEND_TIMEOUT:
		return set_duration(p, k->name, v, 1, 24 * 3600 * 1000,
		    &cf->send_timeout_ms);
	case KW_SHUTDOWN_GRACE:
		return set_duration(p, k->name, v, 0, 3600 * 1000,
		    &cf->shutdown_grace_ms);
	case KW_RECV_BUFFER:
		if (parse_size(v, 1, RECV_BUFFER_MAX, &size, &err) == -1) {
			perror_at(p, "%s: \"%s\": %s (1 to %d)", k->name, v,
			    err, RECV_BUFFER_MAX);
			return -1;
		}
		cf->recv_buffer = size;
		return 0;
	case KW_REPLY:
		return set_bytes(p, k->name, &w[0], cf->reply, &cf->reply_len);
	case KW_ACK:
		if (pick(p, k->name, v, ack_choices, &n) == -1)
			return -1;
		cf->ack = (enum ack_mode)n;
		return 0;
	case KW_PIDFILE:
		cf->pidfile_set = 1;
		return set_path(p, k->name, v, cf->pidfile, sizeof(cf->pidfile));
	case KW_LOG_LEVEL:
		return pick(p, k->name, v, level_choices, &cf->log_level);
	case KW_LOG_TARGET:
		return pick(p, k->name, v, target_choices, &cf->log_target);
	case KW_MAX_PER_SOURCE:
		return set_number(p, k->name, v, 1, 1000000,
		    &cf->max_per_source);
	case KW_SOURCE_PREFIX:
		if (set_number(p, k->name, v, 0, 32, &cf->prefix4) == -1)
			return -1;
		return set_number(p, k->name, w[1].text, 0, 128, &cf->prefix6);
	case KW_RATE_LIMIT:
		return set_rate(p, k->name, w, nw);
	case KW_OVERLOAD:
		if (pick(p, k->name, v, overload_choices, &n) == -1)
			return -1;
		cf->overload = (enum overload_mode)n;
		return 0;
	case KW_REFUSE_MESSAGE:
		if (!w[0].quoted && strcmp(v, "none") == 0) {
			cf->refuse_len = 0;
			return 0;
		}
		return set_bytes(p, k->name, &w[0], cf->refuse_msg,
		    &cf->refuse_len);
	case KW_MAX_SOURCES:
		if (parse_number(v, 1, SRCTABLE_MAX, &size, &err) == -1) {
			perror_at(p, "%s: \"%s\" is %s (1 to %d)", k->name, v,
			    err, SRCTABLE_MAX);
			return -1;
		}
		cf->max_sources = size;
		return 0;
	case KW_ALLOW:
		return set_acl(p, k->name, ACL_ALLOW, v);
	case KW_DENY:
		return set_acl(p, k->name, ACL_DENY, v);
	case KW_USER:
		return set_name(p, k->name, v, cf->user, sizeof(cf->user));
	case KW_GROUP:
		return set_name(p, k->name, v, cf->group, sizeof(cf->group));
	case KW_CHROOT:
		if (strcmp(v, "none") == 0)
			return set_name(p, k->name, v, cf->chroot,
			    sizeof(cf->chroot));
		return set_path(p, k->name, v, cf->chroot, sizeof(cf->chroot));
	case KW_SANDBOX:
		if (pick(p, k->name, v, sandbox_choices, &n) == -1)
			return -1;
		cf->sandbox = (enum sandbox_use)n;
		return 0;
	case KW_MAX_SESSION:
		return set_duration(p, k->name, v, 0, 24 * 3600 * 1000,
		    &cf->max_session_ms);
	case KW_LOG_PEER:
		if (pick(p, k->name, v, peer_choices, &n) == -1)
			return -1;
		cf->log_peer = (enum log_peer)n;
		return 0;
	case KW_PROXY_FROM:
		return add_prefix(p, k->name, v, cf->proxy_from,
		    &cf->nproxy_from, CONFIG_MAX_PROXY_FROM);
	case KW_PROXY_TIMEOUT:
		return set_duration(p, k->name, v, 1, 3600 * 1000,
		    &cf->proxy_timeout_ms);
	case KW_REUSE_PORT:
		return pick(p, k->name, v, yesno_choices, &cf->reuse_port);
	case KW_MAX_SESSION_BYTES:
		if (parse_size(v, 0, MAX_SESSION_BYTES_MAX, &size, &err) == -1) {
			perror_at(p, "%s: \"%s\": %s (0 to %lld)", k->name, v,
			    err, (long long)MAX_SESSION_BYTES_MAX);
			return -1;
		}
		cf->max_session_bytes = size;
		return 0;
	case KW_HEALTH_CHECK_FROM:
		return add_prefix(p, k->name, v, cf->health_from,
		    &cf->nhealth_from, CONFIG_MAX_HEALTH_FROM);
	case KW_FAIR_SHARE:
		return pick(p, k->name, v, yesno_choices, &cf->fair_share);
	case KW_COUNT:
		break;
	}
	return -1;
}

/*
 * One line of the file or one -o: checks the keyword, its argument count
 * and repetition, then applies it.  -o replaces what the file said.
 */
static void
parse_line(struct parser *p, char *line)
{
	struct word		 w[MAX_WORDS];
	const struct keyword	*k;
	size_t			 nw;
	enum kw			 slot;

	static char		 empty[1];
	size_t			 i;

	for (i = 0; i < MAX_WORDS; i++) {
		w[i].text = empty;
		w[i].len = 0;
		w[i].quoted = 0;
	}
	if (split_words(p, line, w, &nw) == -1 || nw == 0)
		return;
	if (w[0].quoted || (k = find_keyword(w[0].text)) == NULL) {
		perror_at(p, "unknown keyword \"%s\"", w[0].text);
		return;
	}
	if (nw - 1 < (size_t)k->minargs) {
		perror_at(p, "%s: missing value", k->name);
		return;
	}
	if (nw - 1 > (size_t)k->maxargs) {
		perror_at(p, "%s: unexpected \"%s\"", k->name,
		    w[k->maxargs + 1].text);
		return;
	}
	/* allow and deny are one ordered list. */
	slot = k->kw == KW_DENY ? KW_ALLOW : k->kw;
	/* Still applied below, so the value's own errors show too. */
	if (p->seen[slot] == p->origin && !k->multi)
		perror_at(p, "%s: given twice", k->name);
	/* A repeatable keyword starts afresh when -o or the file first names it. */
	if (p->seen[slot] != p->origin && k->kw == KW_LISTEN)
		p->cf->nlisten = 0;
	if (p->seen[slot] != p->origin && slot == KW_ALLOW)
		acl_free(&p->cf->acl);
	if (p->seen[slot] != p->origin && slot == KW_PROXY_FROM)
		p->cf->nproxy_from = 0;
	if (p->seen[slot] != p->origin && slot == KW_HEALTH_CHECK_FROM)
		p->cf->nhealth_from = 0;
	p->seen[slot] = p->origin;
	apply(p, k, &w[1], nw - 1);
}

static int
needs_proxy_from(const struct config *cf)
{
	size_t	i;

	if (cf->nproxy_from > 0)
		return 0;
	for (i = 0; i < cf->nlisten; i++)
		if (cf->listen[i].proxy)
			return 1;
	return 0;
}

/*
 * Reads one line of fp into buf (NUL-terminated, the newline kept) and
 * returns its length, or -1 at the end of the file.  A line longer than
 * the buffer sets *toolong and is skipped up to CONFIG_SKIP_MAX more
 * bytes; a line longer still ends the file there (*toolong is 2): a file
 * such as /dev/zero, one endless line, must fail at once, not fill memory.
 * *nul is set when the line holds a NUL byte.
 */
static ssize_t
read_line(FILE *fp, char *buf, size_t size, int *toolong, int *nul)
{
	size_t	len = 0, skipped = 0;
	int	c;

	*toolong = *nul = 0;
	while ((c = getc(fp)) != EOF) {
		if (c == '\0')
			*nul = 1;
		if (len + 1 < size)
			buf[len++] = (char)c;
		else if (++skipped > CONFIG_SKIP_MAX) {
			*toolong = 2;
			break;
		} else
			*toolong = 1;
		if (c == '\n')
			break;
	}
	buf[len] = '\0';
	if (c == EOF && len == 0)
		return -1;
	return (ssize_t)len;
}

/*
 * Parses fp (named name in errors) and then each override into cf.  Every
 * error is logged; on any, cf is left untouched and -1 returned.
 */
int
config_parse(struct config *cf, FILE *fp, const char *name,
    char *const *overrides, size_t noverrides)
{
	struct config	*tmp;
	struct parser	 p;
	static char	 line[CONFIG_LINE_MAX + 1];
	char		 copy[1024];
	size_t		 i;
	int		 toolong, nul;

	if ((tmp = malloc(sizeof(*tmp))) == NULL) {
		log_errx("%s: out of memory", name);
		return -1;
	}
	config_defaults(tmp);
	memset(&p, 0, sizeof(p));
	p.cf = tmp;
	p.file = name;
	p.origin = FROM_FILE;
	while (fp != NULL &&
	    read_line(fp, line, sizeof(line), &toolong, &nul) != -1) {
		p.line++;
		if (toolong) {
			perror_at(&p, "line longer than %d bytes%s",
			    CONFIG_LINE_MAX, toolong == 2 ?
			    "; the rest of the file is not read" : "");
			if (toolong == 2)
				break;
			continue;
		}
		if (nul) {
			perror_at(&p, "NUL byte in line");
			continue;
		}
		parse_line(&p, line);
	}
	if (fp != NULL && ferror(fp)) {
		log_errx("%s: read error: %s", name, strerror(errno));
		p.errors++;
	}
	p.origin = FROM_OPTION;
	p.file = "-o";
	for (i = 0; i < noverrides; i++) {
		p.line = i + 1;
		if (strlcpy(copy, overrides[i], sizeof(copy)) >= sizeof(copy)) {
			perror_at(&p, "option too long");
			continue;
		}
		parse_line(&p, copy);
	}
	if (p.errors == 0 && needs_proxy_from(tmp)) {
		/* Without it anyone could claim any address. */
		log_errx("%s: a proxy-protocol listener needs proxy-from", name);
		p.errors++;
	}
	if (p.errors == 0 && tmp->max_children > tmp->max_sources) {
		/* The source table must hold every live child's group. */
		log_errx("%s: max-children %d exceeds max-sources %lld", name,
		    tmp->max_children, (long long)tmp->max_sources);
		p.errors++;
	}
	if (p.errors > CONFIG_MAX_ERRORS)
		log_errx("%s: %d more errors", name,
		    p.errors - CONFIG_MAX_ERRORS);
	if (p.errors == 0)
		*cf = *tmp;
	free(tmp);
	return p.errors == 0 ? 0 : -1;
}

int
config_load(struct config *cf, const char *path, char *const *overrides,
    size_t noverrides)
{
	FILE	*fp;
	int	 r;

	if ((fp = fopen(path, "re")) == NULL) {
		log_errx("%s: %s", path, strerror(errno));
		return -1;
	}
	r = config_parse(cf, fp, path, overrides, noverrides);
	(void)fclose(fp);	/* read only: nothing to lose */
	return r;
}

/* Every keyword, defaults included, in a form config_parse reads back. */
void
config_print(FILE *fp, const struct config *cf)
{
	char	buf[REPLY_MAX * 4 + 1];
	size_t	i;

	for (i = 0; i < cf->nlisten; i++)
		fprintf(fp, "listen %s%s\n", cf->listen[i].text,
		    cf->listen[i].proxy ? " proxy-protocol" : "");
	fprintf(fp, "backlog %d\n", cf->backlog);
	fprintf(fp, "max-children %d\n", cf->max_children);
	format_duration(buf, sizeof(buf), cf->idle_timeout_ms);
	fprintf(fp, "idle-timeout %s\n", buf);
	format_duration(buf, sizeof(buf), cf->send_timeout_ms);
	fprintf(fp, "send-timeout %s\n", buf);
	fprintf(fp, "recv-buffer %lld\n", (long long)cf->recv_buffer);
	format_escapes(buf, sizeof(buf), cf->reply, cf->reply_len);
	fprintf(fp, "reply \"%s\"\n", buf);
	fprintf(fp, "ack %s\n", choice_name(ack_choices, cf->ack));
	format_duration(buf, sizeof(buf), cf->shutdown_grace_ms);
	fprintf(fp, "shutdown-grace %s\n", buf);
	fprintf(fp, "pidfile %s\n", cf->pidfile);
	fprintf(fp, "log-level %s\n", choice_name(level_choices, cf->log_level));
	fprintf(fp, "log-target %s\n",
	    choice_name(target_choices, cf->log_target));
	fprintf(fp, "max-per-source %d\n", cf->max_per_source);
	fprintf(fp, "source-prefix %d %d\n", cf->prefix4, cf->prefix6);
	if (cf->rate.n == 0)
		fprintf(fp, "rate-limit off\n");
	else {
		format_duration(buf, sizeof(buf), cf->rate.period_ms);
		fprintf(fp, "rate-limit %lld/%s burst %lld\n",
		    (long long)cf->rate.n, buf, (long long)cf->rate.burst);
	}
	fprintf(fp, "overload %s\n", choice_name(overload_choices,
	    cf->overload));
	if (cf->refuse_len == 0)
		fprintf(fp, "refuse-message none\n");
	else {
		format_escapes(buf, sizeof(buf), cf->refuse_msg, cf->refuse_len);
		fprintf(fp, "refuse-message \"%s\"\n", buf);
	}
	fprintf(fp, "max-sources %lld\n", (long long)cf->max_sources);
	for (i = 0; i < cf->acl.n; i++)
		fprintf(fp, "%s %s\n", acl_action_name(cf->acl.rule[i].action),
		    cidr_format(&cf->acl.rule[i].net, buf, sizeof(buf)));
	fprintf(fp, "user %s\n", cf->user);
	fprintf(fp, "group %s\n", cf->group);
	fprintf(fp, "chroot %s\n", cf->chroot);
	fprintf(fp, "sandbox %s\n", choice_name(sandbox_choices,
	    (int)cf->sandbox));
	format_duration(buf, sizeof(buf), cf->max_session_ms);
	fprintf(fp, "max-session %s\n", buf);
	fprintf(fp, "log-peer %s\n", choice_name(peer_choices, cf->log_peer));
	for (i = 0; i < cf->nproxy_from; i++)
		fprintf(fp, "proxy-from %s\n", cidr_format(&cf->proxy_from[i],
		    buf, sizeof(buf)));
	format_duration(buf, sizeof(buf), cf->proxy_timeout_ms);
	fprintf(fp, "proxy-timeout %s\n", buf);
	fprintf(fp, "reuse-port %s\n", choice_name(yesno_choices,
	    cf->reuse_port));
	fprintf(fp, "max-session-bytes %lld\n",
	    (long long)cf->max_session_bytes);
	for (i = 0; i < cf->nhealth_from; i++)
		fprintf(fp, "health-check-from %s\n",
		    cidr_format(&cf->health_from[i], buf, sizeof(buf)));
	fprintf(fp, "fair-share %s\n", choice_name(yesno_choices,
	    cf->fair_share));
}
