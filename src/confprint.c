/* SPDX-License-Identifier: ISC */
/* A keyword's value printed by its type, as okd -T shows it and okd reads it. */

#include <stdio.h>
#include <string.h>

#include "conftab.h"

static int64_t
get_int(const struct config *cf, const struct config_keyword *k)
{
	int64_t	v;
	int	i;

	if (k->size == sizeof(i)) {
		memcpy(&i, CAT(cf, k->off), sizeof(i));
		return i;
	}
	memcpy(&v, CAT(cf, k->off), sizeof(v));
	return v;
}
static void
print_number(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	fprintf(fp, "%s %lld\n", k->name, (long long)get_int(cf, k));
}

static void
print_duration(FILE *fp, const struct config *cf,
    const struct config_keyword *k)
{
	char	buf[32];

	format_duration(buf, sizeof(buf), get_int(cf, k));
	fprintf(fp, "%s %s\n", k->name, buf);
}

static void
print_choice(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	const struct config_choice	*c;
	int64_t				 v = get_int(cf, k);

	for (c = k->choices; c->name != NULL && c->value != v; c++)
		;
	fprintf(fp, "%s %s\n", k->name, c->name != NULL ? c->name : "?");
}

static void
print_bytes(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	char	buf[REPLY_MAX * 4 + 1];
	size_t	len;

	memcpy(&len, CAT(cf, k->off2), sizeof(len));
	if (len == 0 && k->none != NULL) {
		fprintf(fp, "%s %s\n", k->name, k->none);
		return;
	}
	format_escapes(buf, sizeof(buf), (const unsigned char *)CAT(cf, k->off),
	    len);
	fprintf(fp, "%s \"%s\"\n", k->name, buf);
}

static void
print_word(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	fprintf(fp, "%s %s\n", k->name, CAT(cf, k->off));
}

static void
print_prefixes(FILE *fp, const struct config *cf,
    const struct config_keyword *k)
{
	const struct cidr	*list = (const struct cidr *)CAT(cf, k->off);
	char			 buf[CIDR_STRLEN];
	size_t			 n, i;

	memcpy(&n, CAT(cf, k->off2), sizeof(n));
	for (i = 0; i < n; i++)
		fprintf(fp, "%s %s\n", k->name, cidr_format(&list[i], buf,
		    sizeof(buf)));
}

static void
print_listen(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	size_t	i;

	for (i = 0; i < cf->nlisten; i++)
		fprintf(fp, "%s %s%s\n", k->name, cf->listen[i].text,
		    cf->listen[i].proxy ? " proxy-protocol" : "");
}

static void
print_rate(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	const struct rate	*r = (const struct rate *)CAT(cf, k->off);
	char			 buf[32];

	if (r->n == 0) {
		fprintf(fp, "%s %s\n", k->name, k->none);
		return;
	}
	format_duration(buf, sizeof(buf), r->period_ms);
	fprintf(fp, "%s %lld/%s burst %lld\n", k->name, (long long)r->n, buf,
	    (long long)r->burst);
}

static void
print_lengths(FILE *fp, const struct config *cf,
    const struct config_keyword *k)
{
	int	v4, v6;

	memcpy(&v4, CAT(cf, k->off), sizeof(v4));
	memcpy(&v6, CAT(cf, k->off2), sizeof(v6));
	fprintf(fp, "%s %d %d\n", k->name, v4, v6);
}

/* The keyword of type t for action: allow or deny, allow-file or deny-file. */
static const char *
rule_keyword(enum config_type t, int action)
{
	const struct config_keyword	*k;
	size_t				 n, i;

	k = config_keywords(&n);
	for (i = 0; i < n; i++)
		if (k[i].type == t && k[i].action == action)
			return k[i].name;
	return "?";
}

/*
 * The whole access list, printed by the keyword that heads it: rules in
 * order, each file's rules as its one line, as written.
 */
static void
print_rules(FILE *fp, const struct config *cf, const struct config_keyword *k)
{
	const struct config_rule_file	*rf;
	const struct acl_rule		*r;
	char				 buf[CIDR_STRLEN];
	size_t				 i = 0, j = 0, n;

	n = acl_count(&cf->acl);

	if (k->list != NULL)
		return;
	while (i < n || j < cf->nrule_file) {
		rf = j < cf->nrule_file ? &cf->rule_file[j] : NULL;
		if (rf != NULL && rf->at <= i) {
			fprintf(fp, "%s %s\n", rule_keyword(CONFIG_RULE_FILE,
			    (int)rf->action), rf->path);
			i = rf->at + rf->n > i ? rf->at + rf->n : i;
			j++;
			continue;
		}
		r = acl_rule(&cf->acl, i++);
		fprintf(fp, "%s %s\n", rule_keyword(CONFIG_RULE,
		    (int)r->action), cidr_format(&r->net, buf, sizeof(buf)));
	}
}

/* How each type is printed; the rule files print with their list. */
static void (*const types[])(FILE *, const struct config *,
    const struct config_keyword *) = {
	[CONFIG_NUMBER] =	print_number,
	[CONFIG_DURATION] =	print_duration,
	[CONFIG_SIZE] =		print_number,
	[CONFIG_CHOICE] =	print_choice,
	[CONFIG_BYTES] =	print_bytes,
	[CONFIG_NAME] =		print_word,
	[CONFIG_PATH] =		print_word,
	[CONFIG_PREFIXES] =	print_prefixes,
	[CONFIG_LISTEN] =	print_listen,
	[CONFIG_RATE] =		print_rate,
	[CONFIG_LENGTHS] =	print_lengths,
	[CONFIG_RULE] =		print_rules,
	[CONFIG_RULE_FILE] =	NULL,
};

/* Prints k's lines as the file would have them, defaults included. */
void
confprint_value(FILE *fp, const struct config *cf,
    const struct config_keyword *k)
{
	/* A keyword kept for older files has no effect to show. */
	if (types[k->type] != NULL && k->note == NULL)
		types[k->type](fp, cf, k);
}
