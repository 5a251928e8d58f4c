/* SPDX-License-Identifier: ISC */
/*
 * Setting a keyword's value by its type, with its limits from the table:
 * every bad value is reported as file:line: keyword: message.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bsd/string.h>

#include "conftab.h"

/* Numbers are int or int64_t fields, as wide as the table says. */
static void
put_int(struct config *cf, const struct config_keyword *k, int64_t v)
{
	int	i = (int)v;

	if (k->size == sizeof(i))
		memcpy(AT(cf, k->off), &i, sizeof(i));
	else
		memcpy(AT(cf, k->off), &v, sizeof(v));
}

typedef int	(*parse_int_fn)(const char *, int64_t, int64_t, int64_t *,
		    const char **);

/*
 * text through parse, within min to max; a bad one is reported as
 * "keyword: "text"<sep>why (min to max)", sep being " is " or ": " as the
 * parser's words read.
 */
static int
ranged(struct config_parser *p, const char *name, const char *text,
    int64_t min, int64_t max, parse_int_fn parse, const char *sep,
    int64_t *out)
{
	const char	*err;

	if (parse(text, min, max, out, &err) == -1) {
		config_error(p, &p->at, "%s: \"%s\"%s%s (%lld to %lld)", name,
		    text, sep, err, (long long)min, (long long)max);
		return -1;
	}
	return 0;
}

static int
set_number(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	int64_t	n;

	(void)nw;
	if (ranged(p, k->name, w[0].text, k->min, k->max, parse_number,
	    " is ", &n) == -1)
		return -1;
	put_int(p->cf, k, n);
	return 0;
}

static int
set_size(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	int64_t	n;

	(void)nw;
	if (ranged(p, k->name, w[0].text, k->min, k->max, parse_size, ": ",
	    &n) == -1)
		return -1;
	put_int(p->cf, k, n);
	return 0;
}

static int
duration(struct config_parser *p, const char *name, const char *v,
    int64_t min, int64_t max, int64_t *out)
{
	const char	*err;
	char		 lo[32], hi[32];

	if (parse_duration(v, min, max, out, &err) == -1) {
		format_duration(lo, sizeof(lo), min);
		format_duration(hi, sizeof(hi), max);
		config_error(p, &p->at, "%s: \"%s\": %s (%s to %s)", name, v,
		    err, lo, hi);
		return -1;
	}
	return 0;
}

static int
set_duration(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	int64_t	ms;

	(void)nw;
	if (duration(p, k->name, w[0].text, k->min, k->max, &ms) == -1)
		return -1;
	put_int(p->cf, k, ms);
	return 0;
}

static int
set_choice(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	const struct config_choice	*c;
	char				 list[128] = "";

	(void)nw;
	for (c = k->choices; c->name != NULL; c++) {
		if (strcmp(c->name, w[0].text) == 0) {
			put_int(p->cf, k, c->value);
			return 0;
		}
		if (list[0] != '\0')
			strlcat(list, ", ", sizeof(list));
		strlcat(list, c->name, sizeof(list));
	}
	config_error(p, &p->at, "%s: \"%s\" is not one of %s", k->name,
	    w[0].text, list);
	return -1;
}

/* 1 to size bytes, C escapes resolved when quoted; or the none word. */
static int
set_bytes(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	unsigned char	*out = (unsigned char *)AT(p->cf, k->off);
	size_t		 len;
	const char	*err;

	(void)nw;
	if (!w->quoted && k->none != NULL && strcmp(w->text, k->none) == 0)
		len = 0;
	else if (!w->quoted) {
		if (w->len > k->size) {
			config_error(p, &p->at, "%s: longer than %zu bytes",
			    k->name, k->size);
			return -1;
		}
		memcpy(out, w->text, w->len);
		len = w->len;
	} else if (parse_escapes(w->text, w->len, out, k->size, &len,
	    &err) == -1) {
		config_error(p, &p->at, "%s: %s (1 to %zu bytes, C escapes)",
		    k->name, err, k->size);
		return -1;
	} else if (len == 0) {
		config_error(p, &p->at, "%s: empty (1 to %zu bytes)", k->name,
		    k->size);
		return -1;
	}
	memcpy(AT(p->cf, k->off2), &len, sizeof(len));
	return 0;
}

/*
 * A name or path as one unquoted word, so that -T prints it back: a quoted
 * value could hold blanks, '#' or '"', or be empty.
 */
static int
word(struct config_parser *p, const struct config_keyword *k, const char *v,
    char *out, size_t outsz)
{
	if (v[0] == '\0' || v[strcspn(v, " \t\r\n#\"")] != '\0') {
		config_error(p, &p->at, "%s: \"%s\" is not one word", k->name,
		    v);
		return -1;
	}
	if (strlcpy(out, v, outsz) >= outsz) {
		config_error(p, &p->at, "%s: \"%s\" is too long", k->name, v);
		return -1;
	}
	return 0;
}

static int
set_name(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	(void)nw;
	return word(p, k, w[0].text, AT(p->cf, k->off), k->size);
}

static int
path(struct config_parser *p, const struct config_keyword *k, const char *v,
    char *out, size_t outsz)
{
	if (v[0] != '/' && (k->none == NULL || strcmp(v, k->none) != 0)) {
		config_error(p, &p->at, "%s: \"%s\" is not an absolute path",
		    k->name, v);
		return -1;
	}
	return word(p, k, v, out, outsz);
}

static int
set_path(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	(void)nw;
	return path(p, k, w[0].text, AT(p->cf, k->off), k->size);
}

static int
set_prefix(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	struct cidr	*list = (struct cidr *)AT(p->cf, k->off);
	size_t		 n;
	const char	*err;

	(void)nw;
	memcpy(&n, AT(p->cf, k->off2), sizeof(n));
	if (n == (size_t)k->max) {
		config_error(p, &p->at, "%s: more than %lld", k->name,
		    (long long)k->max);
		return -1;
	}
	if (cidr_parse(w[0].text, &list[n], &err) == -1) {
		config_error(p, &p->at, "%s: \"%s\": %s", k->name, w[0].text,
		    err);
		return -1;
	}
	n++;
	memcpy(AT(p->cf, k->off2), &n, sizeof(n));
	return 0;
}

static int
listen_known(const struct config *cf, const struct listen_conf *l)
{
	size_t	i;

	for (i = 0; i < cf->nlisten; i++)
		if (cf->listen[i].sslen == l->sslen &&
		    memcmp(&cf->listen[i].ss, &l->ss, l->sslen) == 0)
			return 1;
	return 0;
}

/* Appends a listener; its line is kept for the proxy-from cross-check. */
static int
set_listen(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	struct config		*cf = p->cf;
	struct listen_conf	*l;
	const char		*err, *v = w[0].text;

	if (cf->nlisten == CONFIG_MAX_LISTEN) {
		config_error(p, &p->at, "%s: more than %d addresses", k->name,
		    CONFIG_MAX_LISTEN);
		return -1;
	}
	l = &cf->listen[cf->nlisten];
	/* -T prints the text as written, so it must be kept whole. */
	if (strlen(v) >= sizeof(l->text)) {
		config_error(p, &p->at, "%s: \"%s\" is too long", k->name, v);
		return -1;
	}
	if (parse_address(v, &l->ss, &l->sslen, &err) == -1) {
		config_error(p, &p->at, "%s: \"%s\": %s", k->name, v, err);
		return -1;
	}
	if (listen_known(cf, l)) {
		config_error(p, &p->at, "%s: \"%s\" given twice", k->name, v);
		return -1;
	}
	if (nw == 2 && strcmp(w[1].text, "proxy-protocol") != 0) {
		config_error(p, &p->at, "%s: unknown option \"%s\" "
		    "(proxy-protocol)", k->name, w[1].text);
		return -1;
	}
	l->proxy = nw == 2;
	strlcpy(l->text, v, sizeof(l->text));
	p->listen_at[cf->nlisten++] = p->at;
	return 0;
}

/* "N/DURATION" with an optional "burst B", or "off". */
static int
set_rate(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	struct rate	*rate = (struct rate *)AT(p->cf, k->off);
	const char	*err, *slash;
	char		 num[32];
	int64_t		 n, ms, burst = 0;

	if (nw == 1 && strcmp(w[0].text, k->none) == 0) {
		memset(rate, 0, sizeof(*rate));
		return 0;
	}
	if (nw == 2 || (nw == 3 && strcmp(w[1].text, "burst") != 0)) {
		config_error(p, &p->at, "%s: expected N/DURATION [burst B]",
		    k->name);
		return -1;
	}
	if ((slash = strchr(w[0].text, '/')) == NULL ||
	    (size_t)(slash - w[0].text) >= sizeof(num)) {
		config_error(p, &p->at, "%s: \"%s\" is not N/DURATION", k->name,
		    w[0].text);
		return -1;
	}
	memcpy(num, w[0].text, (size_t)(slash - w[0].text));
	num[slash - w[0].text] = '\0';
	if (ranged(p, k->name, num, 1, RATE_MAX_TOKENS, parse_number, " is ",
	    &n) == -1)
		return -1;
	if (duration(p, k->name, slash + 1, 1, RATE_MAX_PERIOD_MS, &ms) == -1)
		return -1;
	if (nw == 3 && parse_number(w[2].text, 1, RATE_MAX_TOKENS, &burst,
	    &err) == -1) {
		config_error(p, &p->at, "%s: burst \"%s\" is %s (1 to %d)",
		    k->name, w[2].text, err, RATE_MAX_TOKENS);
		return -1;
	}
	if (rate_set(rate, n, ms, burst, &err) == -1) {
		config_error(p, &p->at, "%s: %s", k->name, err);
		return -1;
	}
	return 0;
}

/* Two prefix lengths: IPv4 (0 to 32) at off, IPv6 (0 to 128) at off2. */
static int
set_lengths(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	int64_t	v4, v6;
	int	i;

	(void)nw;
	if (ranged(p, k->name, w[0].text, 0, 32, parse_number, " is ",
	    &v4) == -1 || ranged(p, k->name, w[1].text, 0, 128, parse_number,
	    " is ", &v6) == -1)
		return -1;
	i = (int)v4;
	memcpy(AT(p->cf, k->off), &i, sizeof(i));
	i = (int)v6;
	memcpy(AT(p->cf, k->off2), &i, sizeof(i));
	return 0;
}

static int
set_rule(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	const char	*err;

	(void)nw;
	if (acl_add(&p->cf->acl, k->action, w[0].text, &err) == -1) {
		config_error(p, &p->at, "%s: \"%s\": %s", k->name, w[0].text,
		    err);
		return -1;
	}
	return 0;
}

struct rule_file_arg {
	struct config_parser	*p;
	const char		*path;
};

/* A bad line of a rule file, reported as that file's own line. */
static void
rule_file_error(void *arg, size_t line, const char *msg)
{
	struct rule_file_arg	*a = arg;
	struct config_where	 where = { a->path, line };

	config_error(a->p, &where, "%s", msg);
}

/*
 * Appends the prefixes of a file, one a line; each bad line is reported
 * as that file's, and the keyword's own line says how many there were.
 * Only a regular file: opening a FIFO would block the supervisor, and a
 * device such as /dev/zero never ends.
 */
static int
set_rule_file(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	struct config		*cf = p->cf;
	struct config_rule_file	*rf;
	struct rule_file_arg	 a = { p, w[0].text };
	struct stat		 st;
	size_t			 before = acl_count(&cf->acl);
	int			 bad = 0;

	(void)nw;
	if ((rf = reallocarray(cf->rule_file, cf->nrule_file + 1,
	    sizeof(*rf))) == NULL) {
		config_error(p, &p->at, "%s: out of memory", k->name);
		return -1;
	}
	cf->rule_file = rf;
	rf = &cf->rule_file[cf->nrule_file];
	if (path(p, k, w[0].text, rf->path, sizeof(rf->path)) == -1)
		return -1;
	if (stat(rf->path, &st) == -1 || (S_ISREG(st.st_mode) &&
	    (bad = acl_add_file(&cf->acl, k->action, rf->path,
	    rule_file_error, &a)) == -1)) {
		config_error(p, &p->at, "%s: %s: %s", k->name, rf->path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		config_error(p, &p->at, "%s: %s: not a regular file", k->name,
		    rf->path);
		return -1;
	}
	rf->action = (enum acl_action)k->action;
	rf->at = before;
	rf->n = acl_count(&cf->acl) - before;
	cf->nrule_file++;
	if (bad > 0) {
		config_error(p, &p->at, "%s: %s: %d bad %s", k->name, rf->path,
		    bad, bad == 1 ? "line" : "lines");
		return -1;
	}
	return 0;
}

static void
clear_rules(struct config *cf, const struct config_keyword *k)
{
	(void)k;
	acl_free(&cf->acl);
	free(cf->rule_file);
	cf->rule_file = NULL;
	cf->nrule_file = 0;
}

static void
clear_prefixes(struct config *cf, const struct config_keyword *k)
{
	memset(AT(cf, k->off2), 0, sizeof(size_t));
}

static void
clear_listen(struct config *cf, const struct config_keyword *k)
{
	(void)k;
	cf->nlisten = 0;
}
/* What each type takes (words after the keyword), and how it is set. */
static const struct {
	size_t	 minargs, maxargs;
	int	(*set)(struct config_parser *, const struct config_keyword *,
		    struct config_word *, size_t);
	void	(*clear)(struct config *, const struct config_keyword *);
} types[] = {
	[CONFIG_NUMBER] =	{ 1, 1, set_number, NULL },
	[CONFIG_DURATION] =	{ 1, 1, set_duration, NULL },
	[CONFIG_SIZE] =		{ 1, 1, set_size, NULL },
	[CONFIG_CHOICE] =	{ 1, 1, set_choice, NULL },
	[CONFIG_BYTES] =	{ 1, 1, set_bytes, NULL },
	[CONFIG_NAME] =		{ 1, 1, set_name, NULL },
	[CONFIG_PATH] =		{ 1, 1, set_path, NULL },
	[CONFIG_PREFIXES] =	{ 1, 1, set_prefix, clear_prefixes },
	[CONFIG_LISTEN] =	{ 1, 2, set_listen, clear_listen },
	[CONFIG_RATE] =		{ 1, 3, set_rate, NULL },
	[CONFIG_LENGTHS] =	{ 2, 2, set_lengths, NULL },
	[CONFIG_RULE] =		{ 1, 1, set_rule, clear_rules },
	[CONFIG_RULE_FILE] =	{ 1, 1, set_rule_file, clear_rules },
};

void
confset_args(const struct config_keyword *k, size_t *min, size_t *max)
{
	*min = types[k->type].minargs;
	*max = types[k->type].maxargs;
}

/* Sets k from its words, whose count the caller checked; 0 or -1. */
int
confset_value(struct config_parser *p, const struct config_keyword *k,
    struct config_word *w, size_t nw)
{
	return types[k->type].set(p, k, w, nw);
}

/* Empties the list that k heads, before the file or -o starts it anew. */
void
confset_clear(struct config *cf, const struct config_keyword *k)
{
	if (types[k->type].clear != NULL)
		types[k->type].clear(cf, k);
}
