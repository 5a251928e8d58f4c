/* SPDX-License-Identifier: ISC */
/*
 * The name of a peer in logs and process titles: its full address, only
 * its source group (log-peer prefix), or nothing, for privacy.
 */

#include <bsd/string.h>

#include "cidr.h"
#include "peer.h"

char *
peer_label(const struct sockaddr *sa, const struct config *cf, char *buf,
    size_t len)
{
	struct srckey	key;

	switch (cf->log_peer) {
	case LOG_PEER_PREFIX:
		cidr_group(sa, cf->prefix4, cf->prefix6, &key);
		return cidr_format_group(&key, buf, len);
	case LOG_PEER_NONE:
		strlcpy(buf, "-", len);
		return buf;
	default:
		return format_address(sa, buf, len);
	}
}
