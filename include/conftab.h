/* SPDX-License-Identifier: ISC */
/*
 * Inside the configuration: the parser (config.c), its keyword table
 * (conftab.c), values set and printed by type (confset.c, confprint.c).
 */
#ifndef CONFTAB_H
#define CONFTAB_H

#include <stdio.h>

#include "config.h"

/* Entries of the keyword table; conftab.c checks the count at compile time. */
#define CONFTAB_N		34
#define CONFTAB_MAX_WORDS	8

/* A keyword's storage: off (or off2) bytes into a struct config. */
#define AT(cf, off)	((char *)(cf) + (off))
#define CAT(cf, off)	((const char *)(cf) + (off))

/* Where a keyword was last set: not yet, by default, in the file, or by -o. */
enum config_origin {
	FROM_NONE,
	FROM_DEFAULT,
	FROM_FILE,
	FROM_OPTION
};

struct config_word {
	char	*text;
	size_t	 len;
	int	 quoted;
};

/* A line of the file or the n-th -o option (file "-o"). */
struct config_where {
	const char	*file;
	size_t		 line;
};

/* The parser's state; the per-keyword arrays are indexed by list slot. */
struct config_parser {
	struct config		*cf;
	struct config_where	 at;		/* the line being read */
	enum config_origin	 origin;
	enum config_origin	 seen[CONFTAB_N];
	struct config_where	 set_at[CONFTAB_N];	/* last given */
	int			 bad[CONFTAB_N];	/* lines in error */
	struct config_where	 listen_at[CONFIG_MAX_LISTEN];
	int			 errors;
};

void	 config_error(struct config_parser *, const struct config_where *,
	    const char *, ...) __attribute__((__format__(printf, 3, 4)));
void	 config_warning(const struct config_where *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

const struct config_keyword *conftab_find(const char *);
size_t	 conftab_slot(const struct config_keyword *);

/* confset.c */
void	 confset_args(const struct config_keyword *, size_t *, size_t *);
int	 confset_value(struct config_parser *, const struct config_keyword *,
	    struct config_word *, size_t);
void	 confset_clear(struct config *, const struct config_keyword *);

/* confprint.c */
void	 confprint_value(FILE *, const struct config *,
	    const struct config_keyword *);

#endif
