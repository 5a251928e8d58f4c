/* SPDX-License-Identifier: ISC */
/*
 * The configuration file: lines and words, one keyword a line looked up in
 * the table (conftab.c), every error reported as file:line: keyword:
 * message, the cross-checks with the line that fixes each, and -T.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <bsd/vis.h>

#include "conftab.h"
#include "log.h"

/* Logs "where: message" as level, control bytes escaped. */
static void
emit(int warn, const struct config_where *where, const char *fmt, va_list ap)
{
	char	msg[512];
	char	line[sizeof(msg) + CONFIG_PATH_MAX + 32];
	char	safe[sizeof(line) * 4 + 1];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(line, sizeof(line), "%s:%zu: %s", where->file, where->line,
	    msg);
	/* Values come from the file: no control byte reaches a terminal. */
	(void)strnvis(safe, line, sizeof(safe), VIS_CSTYLE | VIS_TAB | VIS_NL |
	    VIS_OCTAL);
	if (warn)
		log_warnx("%s", safe);
	else
		log_errx("%s", safe);
}

/* Counts an error at where and logs it, the first CONFIG_MAX_ERRORS only. */
void
config_error(struct config_parser *p, const struct config_where *where,
    const char *fmt, ...)
{
	va_list	ap;

	if (++p->errors > CONFIG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	emit(0, where, fmt, ap);
	va_end(ap);
}

void
config_warning(const struct config_where *where, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	emit(1, where, fmt, ap);
	va_end(ap);
}

/*
 * Splits a line into words: blanks separate, '#' outside quotes ends the
 * line, "..." is one word whose escapes are resolved later.
 */
static int
split_words(struct config_parser *p, char *s, struct config_word *w,
    size_t *nw)
{
	size_t	n = 0;
	char	*start;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (n == CONFTAB_MAX_WORDS) {
			config_error(p, &p->at, "too many words on the line");
			return -1;
		}
		if (*s == '"') {
			start = ++s;
			while (*s != '"' && *s != '\0')
				s += (*s == '\\' && s[1] != '\0') ? 2 : 1;
			if (*s != '"') {
				config_error(p, &p->at, "unterminated string");
				return -1;
			}
			w[n].quoted = 1;
		} else {
			start = s;
			while (*s != '\0' && *s != ' ' && *s != '\t' &&
			    *s != '\r' && *s != '\n' && *s != '#' && *s != '"')
				s++;
			if (*s == '"') {
				config_error(p, &p->at, "quote inside a word");
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

/*
 * One line of the file, one -o, or one default: checks the keyword, its
 * word count and repetition, then sets it.  -o replaces what the file said.
 */
static void
parse_line(struct config_parser *p, char *line)
{
	static char			 empty[1];
	struct config_word		 w[CONFTAB_MAX_WORDS];
	const struct config_keyword	*k;
	size_t				 nw, i, min, max, slot;

	for (i = 0; i < CONFTAB_MAX_WORDS; i++) {
		w[i].text = empty;
		w[i].len = 0;
		w[i].quoted = 0;
	}
	if (split_words(p, line, w, &nw) == -1 || nw == 0)
		return;
	if (w[0].quoted || (k = conftab_find(w[0].text)) == NULL) {
		config_error(p, &p->at, "unknown keyword \"%s\"", w[0].text);
		return;
	}
	slot = conftab_slot(k);
	confset_args(k, &min, &max);
	if (nw - 1 < min) {
		config_error(p, &p->at, "%s: missing value", k->name);
		p->bad[slot]++;
		return;
	}
	if (nw - 1 > max) {
		config_error(p, &p->at, "%s: unexpected \"%s\"", k->name,
		    w[max + 1].text);
		p->bad[slot]++;
		return;
	}
	/* Still set below, so the value's own errors show too. */
	if (p->seen[slot] == p->origin && !k->repeat) {
		config_error(p, &p->at, "%s: given twice", k->name);
		p->bad[slot]++;
	}
	/* A list starts afresh when the file or -o first names it. */
	if (p->seen[slot] != p->origin && k->repeat)
		confset_clear(p->cf, conftab_find(k->list != NULL ? k->list :
		    k->name));
	p->seen[slot] = p->origin;
	p->set_at[slot] = p->at;
	if (k->note != NULL && p->origin != FROM_DEFAULT)
		config_warning(&p->at, "%s: %s", k->name, k->note);
	if (confset_value(p, k, &w[1], nw - 1) == -1)
		p->bad[slot]++;
}

/* Every default of the table, set as if each were a line of its own. */
static void
config_defaults(struct config_parser *p)
{
	const struct config_keyword	*k;
	char				 line[256];
	size_t				 n, i;

	memset(p->cf, 0, sizeof(*p->cf));
	acl_init(&p->cf->acl);
	p->origin = FROM_DEFAULT;
	p->at.file = "(defaults)";
	k = config_keywords(&n);
	for (i = 0; i < n; i++) {
		if (k[i].dflt == NULL)
			continue;
		p->at.line = i + 1;
		snprintf(line, sizeof(line), "%s %s", k[i].name, k[i].dflt);
		parse_line(p, line);
	}
}

static size_t
slot_of(const char *name)
{
	return conftab_slot(conftab_find(name));
}

/*
 * Checks across keywords, reported at the line of a keyword whose change
 * fixes it; skipped when one of its keywords is itself in error.
 */
static void
cross_check(struct config_parser *p)
{
	const struct config	*cf = p->cf;
	size_t			 lis = slot_of("listen");
	size_t			 pf = slot_of("proxy-from");
	size_t			 mc = slot_of("max-children");
	size_t			 ms = slot_of("max-sources");
	size_t			 i;

	/* Without proxy-from anyone could claim any address. */
	for (i = 0; i < cf->nlisten && cf->nproxy_from == 0 && !p->bad[pf] &&
	    !p->bad[lis]; i++)
		if (cf->listen[i].proxy)
			config_error(p, &p->listen_at[i], "listen: %s "
			    "proxy-protocol needs proxy-from",
			    cf->listen[i].text);
	/* The source table must hold every live child's group. */
	if (p->bad[mc] || p->bad[ms] || cf->max_children <= cf->max_sources)
		return;
	if (p->seen[mc] != FROM_DEFAULT)
		config_error(p, &p->set_at[mc], "max-children: %d exceeds "
		    "max-sources %lld", cf->max_children,
		    (long long)cf->max_sources);
	else
		config_error(p, &p->set_at[ms], "max-sources: %lld is below "
		    "max-children %d", (long long)cf->max_sources,
		    cf->max_children);
}

static void
parse_file(struct config_parser *p, FILE *fp, const char *name)
{
	static char	line[CONFIG_LINE_MAX + 1];
	int		toolong, nul;

	p->origin = FROM_FILE;
	p->at.file = name;
	p->at.line = 0;
	while (fp != NULL &&
	    parse_read_line(fp, line, sizeof(line), CONFIG_SKIP_MAX, &toolong,
	    &nul) != -1) {
		p->at.line++;
		if (toolong) {
			config_error(p, &p->at, "line longer than %d bytes%s",
			    CONFIG_LINE_MAX, toolong == 2 ?
			    "; the rest of the file is not read" : "");
			if (toolong == 2)
				break;
			continue;
		}
		if (nul) {
			config_error(p, &p->at, "NUL byte in line");
			continue;
		}
		parse_line(p, line);
	}
	if (fp != NULL && ferror(fp)) {
		log_errx("%s: read error: %s", name, strerror(errno));
		p->errors++;
	}
}

static void
parse_overrides(struct config_parser *p, char *const *overrides, size_t n)
{
	char	copy[1024];
	size_t	i;

	p->origin = FROM_OPTION;
	p->at.file = "-o";
	for (i = 0; i < n; i++) {
		p->at.line = i + 1;
		if (strlcpy(copy, overrides[i], sizeof(copy)) >= sizeof(copy)) {
			config_error(p, &p->at, "option too long");
			continue;
		}
		parse_line(p, copy);
	}
}

/*
 * Parses fp (named name in errors; NULL: no file) and then each override
 * into cf, which is taken as holding nothing.  Every error is logged; on
 * any, cf is left untouched and -1 returned.
 */
int
config_parse(struct config *cf, FILE *fp, const char *name,
    char *const *overrides, size_t noverrides)
{
	struct config_parser	*p;
	struct config		*tmp;
	int			 errors;

	/* On the heap: both are large, and a reload runs deep in the loop. */
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (tmp = malloc(sizeof(*tmp))) == NULL) {
		free(p);
		log_errx("%s: out of memory", name);
		return -1;
	}
	p->cf = tmp;
	config_defaults(p);
	if (p->errors > 0)
		log_errx("%s: the built-in defaults do not parse", name);
	parse_file(p, fp, name);
	parse_overrides(p, overrides, noverrides);
	cross_check(p);
	tmp->pidfile_set = p->seen[slot_of("pidfile")] != FROM_DEFAULT;
	if ((errors = p->errors) > CONFIG_MAX_ERRORS)
		log_errx("%s: %d more errors", name,
		    errors - CONFIG_MAX_ERRORS);
	if (errors == 0)
		*cf = *tmp;
	else
		config_free(tmp);
	free(tmp);
	free(p);
	return errors == 0 ? 0 : -1;
}

/*
 * Loads path, or with path NULL the default file when it exists and the
 * built-in defaults when it does not: okd -i and okd -D alike.
 */
int
config_load(struct config *cf, const char *path, char *const *overrides,
    size_t noverrides)
{
	const char	*name = path != NULL ? path : OKD_CONF_PATH;
	FILE		*fp;
	int		 r;

	if ((fp = fopen(name, "re")) == NULL) {
		if (path == NULL && errno == ENOENT) {
			log_debug("%s: none; using the built-in defaults",
			    name);
			return config_parse(cf, NULL, name, overrides,
			    noverrides);
		}
		log_errx("%s: %s", name, strerror(errno));
		return -1;
	}
	r = config_parse(cf, fp, name, overrides, noverrides);
	(void)fclose(fp);	/* read only: nothing to lose */
	return r;
}

/* Every keyword, defaults included, in a form config_parse reads back. */
void
config_print(FILE *fp, const struct config *cf)
{
	const struct config_keyword	*k;
	size_t				 n, i;

	k = config_keywords(&n);
	for (i = 0; i < n; i++)
		confprint_value(fp, cf, &k[i]);
}

/* Frees what cf owns and leaves it empty; a zeroed config is fine too. */
void
config_free(struct config *cf)
{
	acl_free(&cf->acl);
	free(cf->rule_file);
	cf->rule_file = NULL;
	cf->nrule_file = 0;
}
