/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the PROXY protocol parser: checks the API's promises
 * and that any split of the input into reads gives the one-feed verdict.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct proxy_parser	whole, split;

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* What a verdict must look like, whatever the input was. */
static void
check_verdict(const struct proxy_parser *p, int rc, size_t used, size_t size)
{
	const struct proxy_result	*r = &p->result;
	size_t				 i;

	check(used <= size && used <= PROXY_HDR_MAX);
	switch (rc) {
	case PROXY_MORE:
		check(used == size);
		return;
	case PROXY_DONE:
		check(p->detail == NULL);
		check(r->version == 1 || r->version == 2);
		if (r->version == 1)
			check(used <= PROXY_V1_MAX);
		else
			check(used >= PROXY_V2_FIXED);
		if (r->local) {
			check(r->src.ss_family == AF_UNSPEC);
			check(r->dst.ss_family == AF_UNSPEC);
		} else {
			check(r->src.ss_family == AF_INET ||
			    r->src.ss_family == AF_INET6);
			check(r->dst.ss_family == r->src.ss_family);
		}
		/* An accepted TCP4/TCP6 line is printable up to its CRLF. */
		for (i = 0; r->version == 1 && !r->local && i + 2 < used; i++)
			check(p->buf[i] >= 0x20 && p->buf[i] <= 0x7e);
		return;
	case PROXY_EMALFORMED:
	case PROXY_EUNSUPPORTED:
		check(used >= 1 && p->detail != NULL);
		check(strlen(proxy_strerror(rc)) > 0);
		return;
	}
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		 used, wused, total, off, chunk, again;
	uint32_t	 seed;
	int		 rc, rc2;

	proxy_init(&whole);
	rc = proxy_feed(&whole, data, size, &used);
	check_verdict(&whole, rc, used, size);
	wused = used;

	/* Once decided, the parser takes nothing more and says the same. */
	if (rc != PROXY_MORE) {
		check(proxy_feed(&whole, data, size, &again) == rc);
		check(again == 0);
	}

	/* Reads of 1 to 16 bytes, sizes drawn from the input itself. */
	seed = (uint32_t)size * 2654435761u;
	if (size > 0)
		seed ^= data[size - 1];
	proxy_init(&split);
	rc2 = PROXY_MORE;
	total = 0;
	for (off = 0; off < size && rc2 == PROXY_MORE; off += chunk) {
		seed = seed * 1103515245u + 12345u;
		chunk = 1 + (seed >> 16) % 16;
		if (chunk > size - off)
			chunk = size - off;
		rc2 = proxy_feed(&split, data + off, chunk, &used);
		check(used <= chunk);
		if (rc2 == PROXY_MORE)
			check(used == chunk);
		total += used;
	}
	check(rc2 == rc);
	check(total == wused);
	check(split.len == whole.len);
	check(split.detail == whole.detail);
	check(memcmp(&split.result, &whole.result, sizeof(whole.result)) == 0);
	return 0;
}
