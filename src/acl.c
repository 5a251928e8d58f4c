/* SPDX-License-Identifier: ISC */
/*
 * The access list: ordered allow/deny prefixes, first match decides, no
 * match allows.  Rules are kept in order and indexed by a path-compressed
 * binary prefix tree per family whose nodes hold the lowest rule index
 * ending there: a lookup walks the peer's bits once, at most one node per
 * bit, and takes the lowest index on its path, so its cost is bounded by
 * the address length however many rules there are.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "parse.h"

#define ROOT4		0
#define ROOT6		1

/*
 * Addresses in the tree are two 64-bit words, the first holding the
 * address's leading bits (an IPv4 address fills its top 32), so that a
 * node is compared with one XOR and a count of leading zeros per word.
 */
static void
to_words(const uint8_t *addr, uint64_t w[2])
{
	int	 i;

	w[0] = w[1] = 0;
	for (i = 0; i < 8; i++) {
		w[0] = w[0] << 8 | addr[i];
		w[1] = w[1] << 8 | addr[i + 8];
	}
}

/* Returns bit i (0 is the most significant) of the words w. */
static int
bit_at(const uint64_t w[2], int i)
{
	return i < 64 ? (int)(w[0] >> (63 - i) & 1) :
	    (int)(w[1] >> (127 - i) & 1);
}

/* Returns how many leading bits a and b share, at most max. */
static int
common_bits(const uint64_t a[2], const uint64_t b[2], int max)
{
	uint64_t x;
	int	 n;

	if ((x = a[0] ^ b[0]) != 0)
		n = __builtin_clzll(x);
	else if ((x = a[1] ^ b[1]) != 0)
		n = 64 + __builtin_clzll(x);
	else
		n = 128;
	return n < max ? n : max;
}

/* Copies the first bits of src into dst, the rest zero. */
static void
copy_bits(uint64_t dst[2], const uint64_t src[2], int bits)
{
	dst[0] = bits >= 64 ? src[0] : bits == 0 ? 0 :
	    src[0] & ~(UINT64_MAX >> bits);
	dst[1] = bits >= 128 ? src[1] : bits <= 64 ? 0 :
	    src[1] & ~(UINT64_MAX >> (bits - 64));
}

/* Empties the list: every peer is allowed.  Owns no memory yet. */
void
acl_init(struct acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	acl->star = ACL_NORULE;
}

/* Releases an array of len bytes, from the heap or from acl->alloc. */
static void
release(const struct acl *acl, void *p, size_t len)
{
	if (p == NULL)
		return;
	if (acl->release != NULL)
		acl->release(p, len);
	else
		free(p);
}

/* Frees what acl owns and leaves it empty, as acl_init() does. */
void
acl_free(struct acl *acl)
{
	release(acl, acl->rule, acl->cap * sizeof(*acl->rule));
	release(acl, acl->node, (size_t)acl->capnode * sizeof(*acl->node));
	acl_init(acl);
}

/*
 * Resizes an array of oldcap to cap members of size bytes, its contents
 * kept: on the heap, or from acl->alloc once acl_private() set it.  NULL
 * with errno, the old array left as it was.
 */
static void *
resize(const struct acl *acl, void *p, size_t oldcap, size_t cap,
    size_t size)
{
	void	*q;

	if (cap > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (acl->alloc == NULL)
		return realloc(p, cap * size);
	if ((q = acl->alloc(cap * size)) == NULL)
		return NULL;
	if (oldcap > 0) {
		memcpy(q, p, oldcap * size);
		acl->release(p, oldcap * size);
	}
	return q;
}

/* Makes room for one more rule and two more nodes; -1 with errno. */
static int
reserve(struct acl *acl)
{
	struct acl_rule	*r;
	struct acl_node	*nd;
	size_t		 cap;
	uint32_t	 ncap;

	if (acl->n == acl->cap) {
		cap = acl->cap == 0 ? 16 : acl->cap * 2;
		if ((r = resize(acl, acl->rule, acl->cap, cap,
		    sizeof(*r))) == NULL)
			return -1;
		acl->rule = r;
		acl->cap = cap;
	}
	if (acl->capnode - acl->nnode >= 2)
		return 0;
	if (acl->capnode > UINT32_MAX / 2) {
		errno = ENOMEM;
		return -1;
	}
	ncap = acl->capnode == 0 ? 16 : acl->capnode * 2;
	if ((nd = resize(acl, acl->node, acl->capnode, ncap,
	    sizeof(*nd))) == NULL)
		return -1;
	acl->node = nd;
	acl->capnode = ncap;
	return 0;
}

/*
 * Moves the arrays into memory from alloc, freed with release, and grows
 * them there from then on.  The supervisor passes mem_private() once it
 * forks only sessions, which never check access: fork then copies none
 * of the list's page table entries and exit has none to clear, which a
 * list of 100,000 prefixes would otherwise add to every connection.
 * 0, or -1 with errno and acl unchanged.
 */
int
acl_private(struct acl *acl, void *(*alloc)(size_t),
    void (*rel)(void *, size_t))
{
	struct acl	 p = *acl;

	if (acl->alloc != NULL)
		return 0;
	p.alloc = alloc;
	p.release = rel;
	p.rule = NULL;
	p.node = NULL;
	/* Rules come with nodes: the first rule makes both arrays. */
	if (acl->cap > 0 && acl->capnode > 0) {
		if ((p.rule = resize(&p, NULL, 0, acl->cap,
		    sizeof(*p.rule))) == NULL)
			return -1;
		if ((p.node = resize(&p, NULL, 0, acl->capnode,
		    sizeof(*p.node))) == NULL) {
			release(&p, p.rule, p.cap * sizeof(*p.rule));
			return -1;
		}
		memcpy(p.rule, acl->rule, acl->n * sizeof(*p.rule));
		memcpy(p.node, acl->node, acl->nnode * sizeof(*p.node));
	} else
		p.cap = p.capnode = p.n = p.nnode = 0;
	free(acl->rule);
	free(acl->node);
	*acl = p;
	return 0;
}

/* Appends a node for the first bits of key; room was reserved. */
static uint32_t
new_node(struct acl *acl, const uint64_t key[2], int bits, uint32_t rule)
{
	struct acl_node	*nd = &acl->node[acl->nnode];

	memset(nd, 0, sizeof(*nd));
	copy_bits(nd->key, key, bits);
	nd->bits = (uint8_t)bits;
	nd->rule = rule;
	return acl->nnode++;
}

/*
 * Files rule r for prefix c in its family's tree: the node for exactly
 * c keeps the lowest index, a child that only shares part of c's path
 * is split where they part.  At most two nodes are added.
 */
static void
tree_insert(struct acl *acl, const struct cidr *c, uint32_t r)
{
	uint64_t	 w[2];
	uint32_t	 i, ci, mi;
	int		 b, cp, max;

	to_words(c->addr, w);
	i = c->family == AF_INET ? ROOT4 : ROOT6;
	for (;;) {
		if (acl->node[i].bits == c->bits) {
			if (r < acl->node[i].rule)
				acl->node[i].rule = r;
			return;
		}
		b = bit_at(w, acl->node[i].bits);
		if ((ci = acl->node[i].child[b]) == 0) {
			ci = new_node(acl, w, c->bits, r);
			acl->node[i].child[b] = ci;
			return;
		}
		max = c->bits < acl->node[ci].bits ? c->bits :
		    acl->node[ci].bits;
		cp = common_bits(w, acl->node[ci].key, max);
		if (cp == acl->node[ci].bits) {
			i = ci;
			continue;
		}
		mi = new_node(acl, w, cp, cp == c->bits ? r : ACL_NORULE);
		acl->node[mi].child[bit_at(acl->node[ci].key, cp)] = ci;
		if (cp < c->bits)
			acl->node[mi].child[bit_at(w, cp)] =
			    new_node(acl, w, c->bits, r);
		acl->node[i].child[b] = mi;
		return;
	}
}

/* Appends a parsed rule, all or nothing; -1 with errno on no memory. */
static int
rule_add(struct acl *acl, enum acl_action action, const struct cidr *c,
    uint32_t file)
{
	static const uint64_t	 zero[2];
	struct acl_rule		*r;
	uint32_t		 idx;

	if (acl->n >= INT_MAX) {
		errno = ENOMEM;
		return -1;
	}
	if (reserve(acl) == -1)
		return -1;
	if (acl->nnode == 0) {
		(void)new_node(acl, zero, 0, ACL_NORULE);
		(void)new_node(acl, zero, 0, ACL_NORULE);
		if (reserve(acl) == -1)
			return -1;
	}
	idx = (uint32_t)acl->n;
	r = &acl->rule[acl->n++];
	r->net = *c;
	r->action = action;
	r->file = file;
	if (c->family == AF_UNSPEC) {
		if (idx < acl->star)
			acl->star = idx;
	} else
		tree_insert(acl, c, idx);
	return 0;
}

/* Appends "allow/deny prefix"; 0, or -1 with *errstr (bad prefix, no memory). */
int
acl_add(struct acl *acl, enum acl_action action, const char *prefix,
    const char **errstr)
{
	struct cidr	 c;

	if (cidr_parse(prefix, &c, errstr) == -1)
		return -1;
	if (rule_add(acl, action, &c, 0) == -1) {
		*errstr = "out of memory";
		return -1;
	}
	return 0;
}

/* Strips a '#' comment and surrounding blanks; returns the prefix, maybe "". */
static char *
trim(char *s)
{
	char	*e;

	if ((e = strchr(s, '#')) != NULL)
		*e = '\0';
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' ||
	    *s == '\v')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\f' || e[-1] == '\v'))
		*--e = '\0';
	return s;
}

/*
 * Parses one line into c: 1 for a prefix, 0 for a blank or comment line,
 * -1 with *msg for a bad one.  A line past ACL_LINE_MAX was only partly
 * kept, so it is an error whatever it held.
 */
static int
file_line(char *buf, int toolong, int nul, struct cidr *c, char *msg,
    size_t msglen)
{
	const char	*err;
	char		*s;

	if (toolong) {
		(void)snprintf(msg, msglen, "line longer than %d bytes",
		    ACL_LINE_MAX);
		return -1;
	}
	if (nul) {
		(void)snprintf(msg, msglen, "NUL byte in line");
		return -1;
	}
	if (*(s = trim(buf)) == '\0')
		return 0;
	if (strcspn(s, " \t\r\f\v") != strlen(s)) {
		(void)snprintf(msg, msglen, "\"%.64s\": one prefix a line", s);
		return -1;
	}
	if (cidr_parse(s, c, &err) == -1) {
		(void)snprintf(msg, msglen, "\"%.64s\": %s", s, err);
		return -1;
	}
	return 1;
}

/*
 * Appends the prefixes of file path, one a line, with action: '#' starts
 * a comment, blank lines and surrounding blanks are ignored.  Each bad line
 * is reported to errfn with its number and skipped.  Returns the number of
 * bad lines, or -1 with errno when the file cannot be opened or read or
 * memory runs out; the rules read until then stay.
 */
int
acl_add_file(struct acl *acl, enum acl_action action, const char *path,
    acl_errfn errfn, void *arg)
{
	FILE		*fp;
	struct cidr	 c;
	char		 buf[ACL_LINE_MAX + 2], msg[128];	/* and '\n' */
	size_t		 line = 0;
	ssize_t		 len;
	int		 bad = 0, r = 0, toolong, nul, save;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	acl->nfile++;
	/* However long, a line is skipped whole: the file is a regular one. */
	while ((len = parse_read_line(fp, buf, sizeof(buf), SIZE_MAX, &toolong,
	    &nul)) != -1) {
		line++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len > ACL_LINE_MAX)
			toolong = 1;
		switch (file_line(buf, toolong, nul, &c, msg, sizeof(msg))) {
		case -1:
			bad++;
			if (errfn != NULL)
				errfn(arg, line, msg);
			break;
		case 1:
			if (rule_add(acl, action, &c, acl->nfile) == -1)
				r = -1;
			break;
		}
		if (r == -1)
			break;
	}
	if (ferror(fp))
		r = -1;
	save = errno;
	(void)fclose(fp);
	if (r == -1) {
		errno = save;
		return -1;
	}
	return bad;
}

/*
 * Walks a's path from its family's root; returns the lowest rule index
 * on it (or the lowest "*"), ACL_NORULE when none, and in *steps the
 * nodes visited: one per node, nodes deepen strictly, so at most the
 * address length in bits plus one.
 */
static uint32_t
walk(const struct acl *acl, const struct srcaddr *a, size_t *steps)
{
	const struct acl_node	*nd;
	uint64_t		 w[2];
	uint32_t		 i, best = acl->star;
	int			 max;

	*steps = 0;
	if (acl->nnode == 0)
		return best;
	to_words(a->addr, w);
	i = a->family == AF_INET ? ROOT4 : ROOT6;
	max = a->family == AF_INET ? 32 : 128;
	for (;;) {
		nd = &acl->node[i];
		(*steps)++;
		if (common_bits(nd->key, w, nd->bits) != nd->bits)
			break;
		if (nd->rule < best)
			best = nd->rule;
		if (nd->bits == max || (i = nd->child[bit_at(w,
		    nd->bits)]) == 0)
			break;
	}
	return best;
}

/* Looks sa up; the first matching rule's index or ACL_NORULE, steps counted. */
static uint32_t
lookup(const struct acl *acl, const struct sockaddr *sa, size_t *steps)
{
	struct srcaddr	 a;

	*steps = 0;
	if (srcaddr_from_sockaddr(sa, &a) == -1)
		return acl->star;
	return walk(acl, &a, steps);
}

/* Returns the index of the first rule matching sa, or -1 when none does. */
int
acl_lookup(const struct acl *acl, const struct sockaddr *sa)
{
	size_t		 steps;
	uint32_t	 i;

	i = lookup(acl, sa, &steps);
	return i == ACL_NORULE ? -1 : (int)i;
}

/* Returns ACL_ALLOW or ACL_DENY for peer sa. */
int
acl_check(const struct acl *acl, const struct sockaddr *sa)
{
	int	 i;

	if ((i = acl_lookup(acl, sa)) == -1)
		return ACL_ALLOW;
	return acl->rule[i].action;
}

/* Returns how many tree nodes a lookup of sa visits; for the tests. */
size_t
acl_check_steps(const struct acl *acl, const struct sockaddr *sa)
{
	size_t	 steps;

	(void)lookup(acl, sa, &steps);
	return steps;
}

/* Returns the number of rules, from lines and files alike. */
size_t
acl_count(const struct acl *acl)
{
	return acl->n;
}

/* Returns the i-th rule in order, NULL past the end. */
const struct acl_rule *
acl_rule(const struct acl *acl, size_t i)
{
	return i < acl->n ? &acl->rule[i] : NULL;
}

/* Returns the config keyword of an action. */
const char *
acl_action_name(enum acl_action action)
{
	return action == ACL_DENY ? "deny" : "allow";
}
