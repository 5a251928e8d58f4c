/* SPDX-License-Identifier: ISC */
/* The configuration: its parsed form, its keyword table, loading, -T. */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "acl.h"
#include "bucket.h"
#include "parse.h"
#include "privdrop.h"
#include "reply.h"

#define CONFIG_MAX_LISTEN	32
#define CONFIG_MAX_ERRORS	100
/* The longest line of a configuration file, and how far past it a line is skipped. */
#define CONFIG_LINE_MAX		4096
#define CONFIG_SKIP_MAX		(64 * 1024)
#define REPLY_MAX		256
#define RECV_BUFFER_MAX		65536
#define CONFIG_PATH_MAX		256
#define CONFIG_NAME_MAX		64
#define CONFIG_MAX_PROXY_FROM	64
#define CONFIG_MAX_HEALTH_FROM	64
/* The largest max-session-bytes: 1 TiB. */
#define MAX_SESSION_BYTES_MAX	(1LL << 40)
/* The largest max-children: live children never outnumber it. */
#define CONFIG_MAX_CHILDREN	1000000

/* At max-children: accept and close, or leave the excess in the backlog. */
enum overload_mode {
	OVERLOAD_CLOSE,
	OVERLOAD_DEFER
};

/* sandbox: how children are shut in (sandbox.h has the mechanisms). */
enum sandbox_use {
	SANDBOX_USE_OFF,
	SANDBOX_USE_ON,		/* the filter */
	SANDBOX_USE_STRICT,	/* the filter: kept for older files */
	SANDBOX_USE_FILTER	/* the filter: kept for older files */
};

/* How much of a peer's address the logs and titles show. */
enum log_peer {
	LOG_PEER_FULL,
	LOG_PEER_PREFIX,
	LOG_PEER_NONE
};

struct listen_conf {
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			text[ADDR_STRLEN];	/* as written */
	int			proxy;		/* expects a PROXY header */
};

/* An allow-file or deny-file line: its rules are acl rules at..at+n-1. */
struct config_rule_file {
	char			path[CONFIG_PATH_MAX];
	enum acl_action		action;
	size_t			at;	/* rules before its own */
	size_t			n;	/* rules it added */
};

/*
 * Fixed-size but for the access list and its files, which it owns: a
 * struct config is moved by plain assignment, ownership moving with it,
 * and freed once with config_free().
 */
struct config {
	struct listen_conf	listen[CONFIG_MAX_LISTEN];
	size_t			nlisten;
	int			backlog;
	int			max_children;
	int64_t			idle_timeout_ms;
	int64_t			send_timeout_ms;
	int64_t			shutdown_grace_ms;
	int64_t			recv_buffer;
	unsigned char		reply[REPLY_MAX];
	size_t			reply_len;
	enum ack_mode		ack;
	char			pidfile[CONFIG_PATH_MAX];
	int			pidfile_set;	/* named in file or -o */
	int			log_level;
	int			log_target;	/* enum log_target */
	int			max_per_source;
	int			prefix4;	/* source-prefix */
	int			prefix6;
	struct rate		rate;		/* n == 0: off */
	enum overload_mode	overload;
	unsigned char		refuse_msg[REPLY_MAX];
	size_t			refuse_len;	/* 0: none */
	int64_t			max_sources;
	struct acl		acl;		/* allow and deny, in file order */
	char			user[CONFIG_NAME_MAX];
	char			group[CONFIG_NAME_MAX];
	char			chroot[CONFIG_PATH_MAX];	/* "none": off */
	enum sandbox_use	sandbox;
	int64_t			max_session_ms;	/* 0: no limit */
	enum log_peer		log_peer;
	struct cidr		proxy_from[CONFIG_MAX_PROXY_FROM];
	size_t			nproxy_from;
	int64_t			proxy_timeout_ms;
	int			reuse_port;
	int64_t			max_session_bytes;	/* read from the peer; 0: no limit */
	struct cidr		health_from[CONFIG_MAX_HEALTH_FROM];	/* health checkers */
	size_t			nhealth_from;
	int			fair_share;	/* at max-children, the biggest group yields */
	struct config_rule_file	*rule_file;	/* allow-file, deny-file lines */
	size_t			nrule_file;
};

/* How a keyword's value is written, read and printed. */
enum config_type {
	CONFIG_NUMBER,		/* decimal, min to max */
	CONFIG_DURATION,	/* milliseconds, min to max */
	CONFIG_SIZE,		/* bytes, optional k, min to max */
	CONFIG_CHOICE,		/* one word of choices */
	CONFIG_BYTES,		/* 1 to size bytes, escapes when quoted */
	CONFIG_NAME,		/* one word */
	CONFIG_PATH,		/* one word, an absolute path */
	CONFIG_PREFIXES,	/* prefixes, up to max, one a line */
	CONFIG_LISTEN,		/* address:port [proxy-protocol] */
	CONFIG_RATE,		/* off | N/DURATION [burst B] */
	CONFIG_LENGTHS,		/* IPv4 and IPv6 prefix lengths */
	CONFIG_RULE,		/* an allow or deny prefix */
	CONFIG_RULE_FILE	/* a file of allow or deny prefixes */
};

struct config_choice {
	const char	*name;
	int		 value;
};

/*
 * One keyword, declared once: the parser, okd -T and the documentation
 * check (integ_docs) all read this.  Values live in struct config at off
 * (a count or length at off2), size bytes wide.
 */
struct config_keyword {
	const char			*name;
	int64_t				 min, max;
	const struct config_choice	*choices;
	const char			*none;	/* unquoted "unset" */
	const char			*list;	/* shares this list */
	const char			*dflt;	/* as -T prints it */
	const char			*reload; /* "A reload ..." */
	const char			*note;	/* warned when given */
	size_t				 off, off2, size;
	enum config_type		 type;
	int				 repeat;	/* a list */
	int				 action;	/* allow or deny */
};

int	config_load(struct config *, const char *, char *const *, size_t);
int	config_parse(struct config *, FILE *, const char *, char *const *,
	    size_t);
void	config_print(FILE *, const struct config *);
void	config_free(struct config *);
const struct config_keyword *config_keywords(size_t *);

#endif
