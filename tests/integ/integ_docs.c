/* SPDX-License-Identifier: ISC */
/*
 * Docs match code: okd(8) and okd.conf(5) are checked against what the built
 * okd prints (-h, -T), what mandoc renders, and what the sources declare.
 */

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define LINE_MAX_LEN	4096
#define MAX_ITEMS	256
#define NAME_LEN	64
#define VALUE_LEN	1024

/* A flag of usage(): its letter and, if it takes one, its argument. */
struct flag {
	char	letter;
	char	arg[NAME_LEN];
};

/* A keyword of okd -T and its default values, joined by ", ". */
struct keyword {
	char	name[NAME_LEN];
	char	value[VALUE_LEN];
};

static const char	*top = ".";
static const char	*okd = "build/okd";
static int		 quiet;		/* drift test: problems are expected */

/* Every problem is printed, so one run shows all that is wrong. */
static int
problem(const char *fmt, ...)
{
	va_list	ap;

	if (quiet)
		return 1;
	va_start(ap, fmt);
	fputs("docs: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* Copies src into dst, cut to fit. */
static void
copy(char *dst, size_t dstsz, const char *src)
{
	size_t	n = strlen(src);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Appends src to the string in dst, cut to fit. */
static void
append(char *dst, size_t dstsz, const char *src)
{
	size_t	len = strlen(dst);

	copy(dst + len, dstsz - len, src);
}

static char *
read_stream(FILE *fp)
{
	char	*s = NULL, *t;
	size_t	 len = 0, cap = 0, n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((t = realloc(s, cap)) == NULL) {
				free(s);
				return NULL;
			}
			s = t;
		}
		if ((n = fread(s + len, 1, cap - len - 1, fp)) == 0)
			break;
		len += n;
	}
	s[len] = '\0';
	return s;
}

static char *
slurp(const char *rel)
{
	char	 path[1024];
	char	*s;
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "docs: %s: cannot open\n", path);
		return NULL;
	}
	s = read_stream(fp);
	fclose(fp);
	return s;
}

/* Runs cmd through sh; returns its standard output and exit status. */
static char *
run(const char *cmd, int *status)
{
	char	*s;
	FILE	*fp;
	int	 st;

	*status = -1;
	if ((fp = popen(cmd, "r")) == NULL)
		return NULL;
	s = read_stream(fp);
	st = pclose(fp);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return s;
}

/* Every .c file of src, one after the other. */
static char *
slurp_sources(void)
{
	char		 path[1024], *all = NULL, *one, *t;
	size_t		 len = 0, n;
	struct dirent	*de;
	DIR		*d;

	snprintf(path, sizeof(path), "%s/src", top);
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 3 || strcmp(de->d_name + n - 2, ".c") != 0)
			continue;
		snprintf(path, sizeof(path), "src/%s", de->d_name);
		if ((one = slurp(path)) == NULL)
			continue;
		n = strlen(one);
		if ((t = realloc(all, len + n + 2)) == NULL) {
			free(one);
			break;
		}
		all = t;
		memcpy(all + len, one, n);
		all[len + n] = '\n';
		len += n + 1;
		all[len] = '\0';
		free(one);
	}
	closedir(d);
	return all;
}

/* Copies the line at *p into buf and moves *p past it; 0 at the end. */
static int
next_line(const char **p, char *buf, size_t bufsz)
{
	const char	*nl;
	size_t		 n;

	if (**p == '\0')
		return 0;
	nl = strchr(*p, '\n');
	n = nl != NULL ? (size_t)(nl - *p) : strlen(*p);
	snprintf(buf, bufsz, "%.*s", (int)n, *p);
	*p += n + (nl != NULL);
	return 1;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The source lines of ".Sh name" up to the next .Sh, or NULL. */
static char *
section(const char *page, const char *name)
{
	char		 line[LINE_MAX_LEN], *out;
	const char	*p = page, *start = NULL, *end = NULL, *before;

	while (before = p, next_line(&p, line, sizeof(line))) {
		if (!starts(line, ".Sh "))
			continue;
		if (start != NULL) {
			end = before;
			break;
		}
		if (strcmp(line + 4, name) == 0)
			start = p;
	}
	if (start == NULL)
		return NULL;
	if (end == NULL)
		end = p;
	if ((out = malloc((size_t)(end - start) + 1)) == NULL)
		return NULL;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return out;
}

/* The word of s after prefix, if s starts with prefix. */
static int
word_after(const char *s, const char *prefix, char *word, size_t wordsz)
{
	size_t	n;

	if (!starts(s, prefix))
		return 0;
	s += strlen(prefix);
	n = strcspn(s, " \t");
	snprintf(word, wordsz, "%.*s", (int)n, s);
	return 1;
}

/*
 * The entry ".It <macro> word ...": its .It line into head and the lines up
 * to the next .It or .El of the same list into a new string; NULL if none.
 */
static char *
entry(const char *text, const char *macro, const char *word, char *head,
    size_t headsz)
{
	char		 line[LINE_MAX_LEN], w[VALUE_LEN], *out;
	const char	*p = text, *start = NULL, *end = NULL, *before;
	int		 depth = 0;

	while (before = p, next_line(&p, line, sizeof(line))) {
		if (start == NULL) {
			if (word_after(line, macro, w, sizeof(w)) &&
			    strcmp(w, word) == 0) {
				copy(head, headsz, line);
				start = p;
			}
			continue;
		}
		if (starts(line, ".Bl"))
			depth++;
		else if (starts(line, ".El") && depth > 0)
			depth--;
		else if ((starts(line, ".El") || starts(line, ".It")) &&
		    depth == 0) {
			end = before;
			break;
		}
	}
	if (start == NULL)
		return NULL;
	if (end == NULL)
		end = p;
	if ((out = malloc((size_t)(end - start) + 1)) == NULL)
		return NULL;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return out;
}

/* Undoes the roff escapes a value may need in a text line. */
static void
unescape(const char *s, char *out, size_t outsz)
{
	size_t	n = 0;

	while (*s != '\0' && n + 1 < outsz) {
		if (starts(s, "\\e")) {
			out[n++] = '\\';
			s += 2;
		} else if (starts(s, "\\(dq")) {
			out[n++] = '"';
			s += 4;
		} else if (starts(s, "\\(aq")) {
			out[n++] = '\'';
			s += 4;
		} else if (starts(s, "\\&")) {
			s += 2;
		} else if (starts(s, "\\-")) {
			out[n++] = '-';
			s += 2;
		} else
			out[n++] = *s++;
	}
	out[n] = '\0';
}

/* Whether text has a line that, unescaped, is exactly want. */
static int
has_line(const char *text, const char *want)
{
	char		 line[LINE_MAX_LEN], plain[LINE_MAX_LEN];
	const char	*p = text;

	while (next_line(&p, line, sizeof(line))) {
		unescape(line, plain, sizeof(plain));
		if (strcmp(plain, want) == 0)
			return 1;
	}
	return 0;
}

/* Parses okd -T output: first word the keyword, the rest its value. */
static size_t
parse_print(const char *out, struct keyword *kw, size_t max, int *bad)
{
	char		 line[LINE_MAX_LEN], *v;
	const char	*p = out;
	size_t		 n = 0, i;

	*bad = 0;
	while (next_line(&p, line, sizeof(line))) {
		if (line[0] == '\0')
			continue;
		if ((v = strchr(line, ' ')) == NULL) {
			*bad += problem("okd -T: \"%s\" has no value; "
			    "extend the convention in man/okd.conf.5", line);
			continue;
		}
		*v++ = '\0';
		for (i = 0; i < n && strcmp(kw[i].name, line) != 0; i++)
			;
		if (i == n) {
			if (n == max)
				break;
			copy(kw[n].name, sizeof(kw[n].name), line);
			copy(kw[n].value, sizeof(kw[n].value), v);
			n++;
		} else {
			append(kw[i].value, sizeof(kw[i].value), ", ");
			append(kw[i].value, sizeof(kw[i].value), v);
		}
	}
	return n;
}

/* Each keyword -T prints has an entry in KEYWORDS stating its default. */
static int
check_defaults(const char *conf5, const char *printed)
{
	struct keyword	 kw[MAX_ITEMS];
	char		 head[LINE_MAX_LEN], want[VALUE_LEN + 32], *keys, *e;
	size_t		 n, i;
	int		 bad;

	n = parse_print(printed, kw, MAX_ITEMS, &bad);
	if (n == 0)
		return bad + problem("okd -T printed no keyword");
	if ((keys = section(conf5, "KEYWORDS")) == NULL)
		return bad + problem("okd.conf.5: no .Sh KEYWORDS");
	for (i = 0; i < n; i++) {
		e = entry(keys, ".It Ic ", kw[i].name, head, sizeof(head));
		if (e == NULL) {
			bad += problem("okd.conf.5: no \".It Ic %s\" for a "
			    "keyword okd -T prints", kw[i].name);
			continue;
		}
		snprintf(want, sizeof(want), "The default is %s.", kw[i].value);
		if (!has_line(e, want))
			bad += problem("okd.conf.5: entry %s lacks the line "
			    "\"%s\" (okd -T -f /dev/null prints \"%s %s\")",
			    kw[i].name, want, kw[i].name, kw[i].value);
		free(e);
	}
	free(keys);
	return bad;
}

/* The value -T printed for name (values joined by ", "), or NULL. */
static const char *
printed_value(const struct keyword *kw, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(kw[i].name, name) == 0)
			return kw[i].value;
	return NULL;
}

/* One entry of the table against its entry in KEYWORDS and what -T printed. */
static int
check_entry(const char *keys, const struct config_keyword *k,
    const struct keyword *kw, size_t nkw)
{
	char		 head[LINE_MAX_LEN], want[VALUE_LEN + 64], *e;
	const char	*v = printed_value(kw, nkw, k->name);
	int		 bad = 0;

	if ((e = entry(keys, ".It Ic ", k->name, head, sizeof(head))) == NULL)
		return problem("okd.conf.5: no \".It Ic %s\" for a keyword of "
		    "the table (src/conftab.c)", k->name);
	if (k->dflt == NULL) {
		if (!has_line(e, "There is no default."))
			bad += problem("okd.conf.5: %s: the table gives no "
			    "default, so the entry needs \"There is no "
			    "default.\"", k->name);
		if (v != NULL)
			bad += problem("okd -T -f /dev/null prints %s %s, but "
			    "the table gives it no default", k->name, v);
	} else {
		snprintf(want, sizeof(want), "The default is %s.", k->dflt);
		if (!has_line(e, want))
			bad += problem("okd.conf.5: entry %s lacks the line "
			    "\"%s\" (the table's default)", k->name, want);
		if (v == NULL || strcmp(v, k->dflt) != 0)
			bad += problem("okd -T -f /dev/null prints %s %s, the "
			    "table's default is %s", k->name,
			    v != NULL ? v : "nothing", k->dflt);
	}
	snprintf(want, sizeof(want), "A reload %s.", k->reload);
	if (!has_line(e, want))
		bad += problem("okd.conf.5: entry %s lacks the line \"%s\" "
		    "(the table's effect on reload)", k->name, want);
	free(e);
	return bad;
}

/*
 * Each keyword of the table has an entry with its default (or "There is
 * no default.") and its effect on reload, -T prints that default, and the
 * list holds no keyword the table does not know.
 */
static int
check_table(const char *conf5, const struct config_keyword *tab, size_t n,
    const char *printed)
{
	struct keyword	 kw[MAX_ITEMS];
	char		 line[LINE_MAX_LEN], w[VALUE_LEN], *keys;
	const char	*p;
	size_t		 nkw, i;
	int		 bad = 0, ignore;

	if (n == 0)
		return problem("config_keywords(): an empty table");
	nkw = parse_print(printed, kw, MAX_ITEMS, &ignore);
	if ((keys = section(conf5, "KEYWORDS")) == NULL)
		return problem("okd.conf.5: no .Sh KEYWORDS");
	for (i = 0; i < n; i++)
		bad += check_entry(keys, &tab[i], kw, nkw);
	for (p = keys; next_line(&p, line, sizeof(line));) {
		if (!word_after(line, ".It Ic ", w, sizeof(w)))
			continue;
		for (i = 0; i < n && strcmp(tab[i].name, w) != 0; i++)
			;
		if (i == n)
			bad += problem("okd.conf.5: \".It Ic %s\" is not a "
			    "keyword of the table (src/conftab.c)", w);
	}
	free(keys);
	return bad;
}

/* Drops mdoc's double quotes around a macro argument. */
static void
unquote(const char *s, char *out, size_t outsz)
{
	size_t	n = 0;

	for (; *s != '\0' && n + 1 < outsz; s++)
		if (*s != '"')
			out[n++] = *s;
	out[n] = '\0';
}

/* Flags of "usage: okd [-ab] [-f file] ..." into f; -1 if not a usage line. */
static int
parse_usage(const char *usage, struct flag *f, size_t max, size_t *nf)
{
	const char	*p, *close;
	size_t		 n = 0, len;

	*nf = 0;
	if (!starts(usage, "usage: "))
		return -1;
	for (p = usage; (p = strchr(p, '[')) != NULL; p = close + 1) {
		if ((close = strchr(p, ']')) == NULL)
			return -1;
		if (p[1] != '-')
			continue;
		len = (size_t)(close - p - 2);
		if (memchr(p + 2, ' ', len) != NULL) {
			if (n == max)
				return -1;
			f[n].letter = p[2];
			snprintf(f[n].arg, sizeof(f[n].arg), "%.*s",
			    (int)(close - p - 4), p + 4);
			n++;
			continue;
		}
		for (p += 2; p < close && n < max; p++) {
			f[n].letter = *p;
			f[n].arg[0] = '\0';
			n++;
		}
	}
	*nf = n;
	return n > 0 ? 0 : -1;
}

/* Each flag of usage() has ".It Fl X [Ar arg]" in the options, and no other. */
static int
check_flags(const char *okd8, const char *usage)
{
	struct flag	 f[MAX_ITEMS];
	char		 head[LINE_MAX_LEN], want[LINE_MAX_LEN], got[LINE_MAX_LEN];
	char		 line[LINE_MAX_LEN], w[VALUE_LEN], letter[2] = "";
	char		*desc, *e;
	const char	*p;
	size_t		 n, i;
	int		 bad = 0;

	if (parse_usage(usage, f, MAX_ITEMS, &n) == -1)
		return problem("okd -h: \"%s\" is not a usage line", usage);
	if ((desc = section(okd8, "DESCRIPTION")) == NULL)
		return problem("okd.8: no .Sh DESCRIPTION");
	for (i = 0; i < n; i++) {
		letter[0] = f[i].letter;
		if ((e = entry(desc, ".It Fl ", letter, head,
		    sizeof(head))) == NULL) {
			bad += problem("okd.8: no \".It Fl %c\" for a flag of "
			    "usage()", f[i].letter);
			continue;
		}
		free(e);
		if (f[i].arg[0] == '\0')
			snprintf(want, sizeof(want), ".It Fl %c", f[i].letter);
		else
			snprintf(want, sizeof(want), ".It Fl %c Ar %s",
			    f[i].letter, f[i].arg);
		unquote(head, got, sizeof(got));
		if (strcmp(got, want) != 0)
			bad += problem("okd.8: \"%s\" should read \"%s\" as "
			    "usage() has it", head, want);
	}
	for (p = desc; next_line(&p, line, sizeof(line));) {
		if (!word_after(line, ".It Fl ", w, sizeof(w)))
			continue;
		for (i = 0; i < n && !(w[1] == '\0' && w[0] == f[i].letter);
		    i++)
			;
		if (i == n)
			bad += problem("okd.8: \".It Fl %s\" is not a flag of "
			    "usage()", w);
	}
	free(desc);
	return bad;
}

/* Removes the overstrike of mandoc -Tascii: "X\bX" and "_\bX" become "X". */
static void
strip_overstrike(char *s)
{
	char	*r = s, *w = s;

	for (; *r != '\0'; r++) {
		if (*r == '\b') {
			if (w > s)
				w--;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

/* Collapses runs of blanks to one space and trims both ends. */
static void
squeeze(const char *s, char *out, size_t outsz)
{
	size_t	n = 0;
	int	blank = 0;

	for (; *s != '\0' && n + 1 < outsz; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			blank = n > 0;
			continue;
		}
		if (blank && n + 2 < outsz)
			out[n++] = ' ';
		blank = 0;
		out[n++] = *s;
	}
	out[n] = '\0';
}

/* The rendered SYNOPSIS says exactly what usage() says after "usage: ". */
static int
check_synopsis(char *rendered, const char *usage)
{
	char		 line[LINE_MAX_LEN], got[LINE_MAX_LEN], want[LINE_MAX_LEN];
	char		 text[LINE_MAX_LEN] = "";
	const char	*p;
	int		 in = 0;

	strip_overstrike(rendered);
	for (p = rendered; next_line(&p, line, sizeof(line));) {
		if (!in) {
			in = strcmp(line, "SYNOPSIS") == 0;
			continue;
		}
		if (line[0] != ' ' && line[0] != '\0')
			break;
		append(text, sizeof(text), " ");
		append(text, sizeof(text), line);
	}
	if (!in)
		return problem("okd.8: rendered page has no SYNOPSIS");
	squeeze(text, got, sizeof(got));
	squeeze(starts(usage, "usage: ") ? usage + 7 : usage, want,
	    sizeof(want));
	if (strcmp(got, want) != 0)
		return problem("okd.8: SYNOPSIS renders as \"%s\", usage() "
		    "prints \"%s\"", got, want);
	return 0;
}

/* The getopt string of src/main.c names the flags usage() shows. */
static int
check_getopt(const char *main_c, const char *usage)
{
	struct flag	 f[MAX_ITEMS];
	const char	*opts, *p, *q;
	size_t		 n, i;
	int		 bad = 0, arg;

	if (parse_usage(usage, f, MAX_ITEMS, &n) == -1)
		return problem("okd -h: \"%s\" is not a usage line", usage);
	if ((p = strstr(main_c, "getopt(")) == NULL ||
	    (p = strchr(p, '"')) == NULL || (q = strchr(++p, '"')) == NULL)
		return problem("src/main.c: no getopt(..., \"...\") found");
	for (opts = p; p < q; p++) {
		if (*p == ':')
			continue;
		arg = p[1] == ':';
		for (i = 0; i < n && f[i].letter != *p; i++)
			;
		if (i == n)
			bad += problem("usage(): -%c of getopt is missing", *p);
		else if (arg != (f[i].arg[0] != '\0'))
			bad += problem("usage(): -%c %s an argument, getopt "
			    "says otherwise", *p, arg ? "lacks" : "has");
	}
	for (i = 0; i < n; i++) {
		for (p = opts; p < q && *p != f[i].letter; p++)
			;
		if (p == q)
			bad += problem("usage(): -%c is not in getopt",
			    f[i].letter);
	}
	return bad;
}

static const struct {
	const char	*name;
	int		 value;
} sysexits[] = {
	{ "EX_OK", EX_OK }, { "EX_USAGE", EX_USAGE },
	{ "EX_DATAERR", EX_DATAERR }, { "EX_NOINPUT", EX_NOINPUT },
	{ "EX_NOUSER", EX_NOUSER }, { "EX_NOHOST", EX_NOHOST },
	{ "EX_UNAVAILABLE", EX_UNAVAILABLE }, { "EX_SOFTWARE", EX_SOFTWARE },
	{ "EX_OSERR", EX_OSERR }, { "EX_OSFILE", EX_OSFILE },
	{ "EX_CANTCREAT", EX_CANTCREAT }, { "EX_IOERR", EX_IOERR },
	{ "EX_TEMPFAIL", EX_TEMPFAIL }, { "EX_PROTOCOL", EX_PROTOCOL },
	{ "EX_NOPERM", EX_NOPERM }, { "EX_CONFIG", EX_CONFIG },
};

/* The value of a #define: a number or a sysexits.h name; -1 if neither. */
static int
exit_value(const char *v)
{
	size_t	i, n = strcspn(v, " \t/");

	if (n > 0 && strspn(v, "0123456789") == n)
		return atoi(v);
	for (i = 0; i < sizeof(sysexits) / sizeof(sysexits[0]); i++)
		if (strlen(sysexits[i].name) == n &&
		    strncmp(v, sysexits[i].name, n) == 0)
			return sysexits[i].value;
	return -1;
}

/* EXIT STATUS has ".It N" for each OKD_EXIT_* of okd.h, and no other. */
static int
check_exits(const char *okd8, const char *okd_h)
{
	char		 line[LINE_MAX_LEN], name[NAME_LEN], *sect, *v;
	const char	*p;
	int		 codes[MAX_ITEMS], ncodes = 0, bad = 0, i, c;
	char		 want[32];

	for (p = okd_h; next_line(&p, line, sizeof(line));) {
		if (!word_after(line, "#define OKD_EXIT_", name, sizeof(name)))
			continue;
		v = line + strlen("#define OKD_EXIT_") + strcspn(line +
		    strlen("#define OKD_EXIT_"), " \t");
		v += strspn(v, " \t");
		if ((c = exit_value(v)) == -1) {
			bad += problem("okd.h: OKD_EXIT_%s: cannot read the "
			    "value \"%s\"", name, v);
			continue;
		}
		if (ncodes < MAX_ITEMS)
			codes[ncodes++] = c;
	}
	if (ncodes == 0)
		return bad + problem("okd.h: no #define OKD_EXIT_*");
	if ((sect = section(okd8, "EXIT STATUS")) == NULL)
		return bad + problem("okd.8: no .Sh EXIT STATUS");
	for (i = 0; i < ncodes; i++) {
		snprintf(want, sizeof(want), ".It %d", codes[i]);
		if (!has_line(sect, want))
			bad += problem("okd.8: EXIT STATUS lacks \"%s\"", want);
	}
	for (p = sect; next_line(&p, line, sizeof(line));) {
		if (!word_after(line, ".It ", name, sizeof(name)))
			continue;
		c = exit_value(name);
		for (i = 0; i < ncodes && codes[i] != c; i++)
			;
		if (i == ncodes)
			bad += problem("okd.8: EXIT STATUS lists %s, which "
			    "okd.h does not define", name);
	}
	free(sect);
	return bad;
}

/* SIGNALS has ".It Dv SIGX" for each "case SIGX:" in the sources. */
static int
check_signals(const char *okd8, const char *sources)
{
	char		 head[LINE_MAX_LEN], name[NAME_LEN], *sect, *e;
	const char	*p = sources;
	size_t		 n;
	int		 bad = 0, found = 0;

	if ((sect = section(okd8, "SIGNALS")) == NULL)
		return problem("okd.8: no .Sh SIGNALS");
	while ((p = strstr(p, "case SIG")) != NULL) {
		p += 5;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (p[n] != ':')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		found++;
		if ((e = entry(sect, ".It Dv ", name, head,
		    sizeof(head))) == NULL)
			bad += problem("okd.8: SIGNALS lacks \".It Dv %s\"",
			    name);
		free(e);
	}
	free(sect);
	if (found == 0)
		bad += problem("src: no \"case SIGxxx:\" found");
	return bad;
}

/* Whether ENVIRONMENT has name among the words of an ".It Ev" line. */
static int
has_env(const char *sect, const char *name)
{
	char		 line[LINE_MAX_LEN], *w, *save;
	const char	*p = sect;

	while (next_line(&p, line, sizeof(line))) {
		if (!starts(line, ".It Ev "))
			continue;
		for (w = strtok_r(line + 7, " ,", &save); w != NULL;
		    w = strtok_r(NULL, " ,", &save))
			if (strcmp(w, name) == 0)
				return 1;
	}
	return 0;
}

/* Variables read by getenv() and by the sd_* calls the sources make. */
static int
check_environment(const char *okd8, const char *sources)
{
	static const struct {
		const char	*call;
		const char	*vars[3];
	} implied[] = {
		{ "sd_listen_fds", { "LISTEN_FDS", "LISTEN_PID", NULL } },
		{ "sd_listen_fds_with_names", { "LISTEN_FDNAMES", NULL } },
		{ "sd_notify", { "NOTIFY_SOCKET", NULL } },
		{ "sd_watchdog_enabled", { "WATCHDOG_USEC", "WATCHDOG_PID",
		    NULL } },
	};
	char		 name[NAME_LEN], *sect;
	const char	*p = sources;
	size_t		 i, j, n;
	int		 bad = 0;

	if ((sect = section(okd8, "ENVIRONMENT")) == NULL)
		return problem("okd.8: no .Sh ENVIRONMENT");
	while ((p = strstr(p, "getenv(\"")) != NULL) {
		p += 8;
		n = strcspn(p, "\"");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!has_env(sect, name))
			bad += problem("okd.8: ENVIRONMENT lacks \".It Ev %s\"",
			    name);
	}
	for (i = 0; i < sizeof(implied) / sizeof(implied[0]); i++) {
		if (strstr(sources, implied[i].call) == NULL)
			continue;
		for (j = 0; implied[i].vars[j] != NULL; j++)
			if (!has_env(sect, implied[i].vars[j]))
				bad += problem("okd.8: ENVIRONMENT lacks "
				    "\".It Ev %s\" (%s)", implied[i].vars[j],
				    implied[i].call);
	}
	free(sect);
	return bad;
}

/*
 * Each literal block of okd.conf(5) EXAMPLES that is not a shell session
 * (no line starts with "$ " or "# okd") is a configuration okd -t accepts.
 */
static int
check_examples(const char *conf5)
{
	char		 line[LINE_MAX_LEN], plain[LINE_MAX_LEN], path[64];
	char		 cmd[1024], *sect, *out;
	const char	*p;
	FILE		*fp = NULL;
	int		 bad = 0, blocks = 0, shell = 0, st, fd;

	if ((sect = section(conf5, "EXAMPLES")) == NULL)
		return problem("okd.conf.5: no .Sh EXAMPLES");
	for (p = sect; next_line(&p, line, sizeof(line));) {
		if (starts(line, ".Bd -literal")) {
			snprintf(path, sizeof(path), "/tmp/okd-docs.XXXXXX");
			if ((fd = mkstemp(path)) == -1 ||
			    (fp = fdopen(fd, "w")) == NULL) {
				free(sect);
				return problem("mkstemp: cannot create %s", path);
			}
			shell = 0;
			continue;
		}
		if (fp == NULL)
			continue;
		if (starts(line, ".Ed")) {
			fclose(fp);
			fp = NULL;
			if (!shell) {
				blocks++;
				snprintf(cmd, sizeof(cmd), "%s -t -f %s 2>&1",
				    okd, path);
				out = run(cmd, &st);
				if (st != 0)
					bad += problem("okd.conf.5: example %d "
					    "fails okd -t: %s", blocks,
					    out != NULL ? out : "");
				free(out);
			}
			unlink(path);
			continue;
		}
		unescape(line, plain, sizeof(plain));
		if (starts(plain, "$ ") || starts(plain, "# okd"))
			shell = 1;
		fprintf(fp, "%s\n", plain);
	}
	if (fp != NULL) {
		fclose(fp);
		unlink(path);
	}
	free(sect);
	if (blocks == 0)
		bad += problem("okd.conf.5: EXAMPLES has no configuration");
	return bad;
}

/* A copy of s with the first from replaced by to; fails the test if absent. */
static char *
replaced(const char *s, const char *from, const char *to)
{
	const char	*at = strstr(s, from);
	char		*out;
	size_t		 n;

	assert_non_null(at);
	n = strlen(s) - strlen(from) + strlen(to);
	out = malloc(n + 1);
	assert_non_null(out);
	snprintf(out, n + 1, "%.*s%s%s", (int)(at - s), s, to,
	    at + strlen(from));
	return out;
}

/* A copy of s with tail after it. */
static char *
appended(const char *s, const char *tail)
{
	size_t	 n = strlen(s) + strlen(tail);
	char	*out = malloc(n + 1);

	assert_non_null(out);
	snprintf(out, n + 1, "%s%s", s, tail);
	return out;
}

/* okd.8 as mandoc -Tascii renders it, or NULL without mandoc. */
static char *
render_okd8(void)
{
	char	cmd[1024], *out;
	int	st = -1;

	if (system("command -v mandoc >/dev/null 2>&1") != 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "mandoc -Tascii %s/man/okd.8", top);
	out = run(cmd, &st);
	assert_non_null(out);
	assert_int_equal(st, 0);
	return out;
}

static char *
okd_output(const char *args, int want_status)
{
	char	 cmd[1024], *out, *nl;
	int	 st = -1;

	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", okd, args);
	out = run(cmd, &st);
	assert_non_null(out);
	if (st != want_status)
		fail_msg("%s: exit %d, expected %d", cmd, st, want_status);
	if (want_status == 0 && out[0] == '\0')
		fail_msg("%s: printed nothing", cmd);
	/* -h prints one line; keep only it. */
	if (strcmp(args, "-h") == 0 && (nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	return out;
}

/*
 * check(text of the file at path, other) must find nothing wrong; other
 * is the second text, freed here.
 */
static void
assert_agree(const char *path, char *other,
    int (*check)(const char *, const char *))
{
	char	*text = slurp(path);

	assert_non_null(text);
	assert_non_null(other);
	assert_int_equal(check(text, other), 0);
	free(text);
	free(other);
}

static void
test_defaults_documented(void **state)
{
	(void)state;
	assert_agree("man/okd.conf.5", okd_output("-T -f /dev/null", 0),
	    check_defaults);
}

static void
test_keyword_table_documented(void **state)
{
	const struct config_keyword	*tab;
	char				*conf5 = slurp("man/okd.conf.5");
	char				*printed;
	size_t				 n;

	(void)state;
	assert_non_null(conf5);
	printed = okd_output("-T -f /dev/null", 0);
	tab = config_keywords(&n);
	assert_int_equal(check_table(conf5, tab, n, printed), 0);
	free(conf5);
	free(printed);
}

static void
test_flags_documented(void **state)
{
	(void)state;
	assert_agree("man/okd.8", okd_output("-h", 0), check_flags);
}

static void
test_synopsis_renders_usage(void **state)
{
	char	*rendered, *usage;

	(void)state;
	if ((rendered = render_okd8()) == NULL) {
		print_message("mandoc is not installed (make deps)\n");
		skip();
	}
	usage = okd_output("-h", 0);
	assert_int_equal(check_synopsis(rendered, usage), 0);
	free(rendered);
	free(usage);
}

static void
test_getopt_matches_usage(void **state)
{
	(void)state;
	assert_agree("src/main.c", okd_output("-h", 0), check_getopt);
}

static void
test_exit_codes_documented(void **state)
{
	(void)state;
	assert_agree("man/okd.8", slurp("include/okd.h"), check_exits);
}

static void
test_signals_documented(void **state)
{
	(void)state;
	assert_agree("man/okd.8", slurp_sources(), check_signals);
}

static void
test_environment_documented(void **state)
{
	(void)state;
	assert_agree("man/okd.8", slurp_sources(), check_environment);
}

static void
test_examples_check(void **state)
{
	char	*conf5 = slurp("man/okd.conf.5");
	char	*m;

	(void)state;
	assert_non_null(conf5);
	assert_int_equal(check_examples(conf5), 0);
	/* A broken example must be caught. */
	quiet = 1;
	m = replaced(conf5, "listen *:8001", "listen *:0");
	assert_true(check_examples(m) > 0);
	quiet = 0;
	free(m);
	free(conf5);
}

/* The checks catch what they are for: each drift must be reported. */
static void
test_checks_catch_drift(void **state)
{
	char	*conf5 = slurp("man/okd.conf.5");
	char	*okd8 = slurp("man/okd.8");
	char	*okd_h = slurp("include/okd.h");
	char	*main_c = slurp("src/main.c");
	char	*src = slurp_sources();
	char	*printed = okd_output("-T -f /dev/null", 0);
	char	*usage = okd_output("-h", 0);
	char	*m, *r, from[NAME_LEN + 16], to[NAME_LEN + 16];
	size_t	 n, ntab;
	const struct config_keyword	*tab;
	static struct config_keyword	 fake[MAX_ITEMS];

	(void)state;
	assert_non_null(conf5);
	assert_non_null(okd8);
	assert_non_null(okd_h);
	assert_non_null(main_c);
	assert_non_null(src);
	quiet = 1;

	/* A new keyword that -T prints, with no entry. */
	m = appended(printed, "frobnicate 3\n");
	assert_true(check_defaults(conf5, m) > 0);
	free(m);
	/* A keyword added to the table, with no entry. */
	tab = config_keywords(&ntab);
	assert_true(ntab < MAX_ITEMS);
	memcpy(fake, tab, ntab * sizeof(*tab));
	fake[ntab] = tab[ntab - 1];
	fake[ntab].name = "frobnicate";
	assert_true(check_table(conf5, fake, ntab + 1, printed) > 0);
	/* A default or an effect on reload changed in the table only. */
	fake[1].dflt = "6";
	assert_true(check_table(conf5, fake, ntab, printed) > 0);
	fake[1] = tab[1];
	fake[1].reload = "does something new";
	assert_true(check_table(conf5, fake, ntab, printed) > 0);
	fake[1] = tab[1];
	assert_int_equal(check_table(conf5, fake, ntab, printed), 0);
	/* A default changed in the code: the first line's value grows. */
	n = strcspn(printed, "\n");
	m = malloc(strlen(printed) + 2);
	assert_non_null(m);
	snprintf(m, strlen(printed) + 2, "%.*s0%s", (int)n, printed,
	    printed + n);
	assert_true(check_defaults(conf5, m) > 0);
	free(m);
	/* The first keyword's entry renamed away. */
	n = strcspn(printed, " ");
	snprintf(from, sizeof(from), ".It Ic %.*s ", (int)n, printed);
	snprintf(to, sizeof(to), ".It Ic %.*sx ", (int)n, printed);
	m = replaced(conf5, from, to);
	assert_true(check_defaults(m, printed) > 0);
	assert_true(check_table(m, tab, ntab, printed) > 0);
	free(m);
	/* A new flag in usage(). */
	m = appended(usage, " [-Z zed]");
	assert_true(check_flags(okd8, m) > 0);
	assert_true(check_getopt(main_c, m) > 0);
	if ((r = render_okd8()) != NULL) {
		assert_true(check_synopsis(r, m) > 0);
		free(r);
	}
	free(m);
	/* A new flag in getopt only. */
	r = strstr(main_c, "getopt(");
	assert_non_null(r);
	r = strchr(r, '"');
	assert_non_null(r);
	n = (size_t)(r - main_c) + 1;
	m = malloc(strlen(main_c) + 2);
	assert_non_null(m);
	snprintf(m, strlen(main_c) + 2, "%.*sZ%s", (int)n, main_c, main_c + n);
	assert_true(check_getopt(m, usage) > 0);
	free(m);
	/* A new exit code. */
	m = appended(okd_h, "\n#define OKD_EXIT_TEMP\tEX_TEMPFAIL\n");
	assert_true(check_exits(okd8, m) > 0);
	free(m);
	/* A new signal handled. */
	m = appended(src, "\n\tcase SIGUSR2:\n");
	assert_true(check_signals(okd8, m) > 0);
	free(m);
	/* A new variable read. */
	m = appended(src, "\n\tgetenv(\"OKD_FROB\");\n");
	assert_true(check_environment(okd8, m) > 0);
	free(m);

	quiet = 0;
	free(conf5);
	free(okd8);
	free(okd_h);
	free(main_c);
	free(src);
	free(printed);
	free(usage);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_documented),
		cmocka_unit_test(test_keyword_table_documented),
		cmocka_unit_test(test_flags_documented),
		cmocka_unit_test(test_synopsis_renders_usage),
		cmocka_unit_test(test_getopt_matches_usage),
		cmocka_unit_test(test_exit_codes_documented),
		cmocka_unit_test(test_signals_documented),
		cmocka_unit_test(test_environment_documented),
		cmocka_unit_test(test_examples_check),
		cmocka_unit_test(test_checks_catch_drift),
	};

	if (getenv("OKD_TOP") != NULL)
		top = getenv("OKD_TOP");
	if (getenv("OKD_BIN") != NULL)
		okd = getenv("OKD_BIN");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
