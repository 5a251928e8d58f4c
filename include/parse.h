/* SPDX-License-Identifier: ISC */
/* Pure value parsers and printers: numbers, durations, sizes, addresses, quoted strings. */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* Room for "[ffff:...:255.255.255.255]:65535" and a NUL. */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 8)

int	 parse_number(const char *, int64_t, int64_t, int64_t *,
	    const char **);
int	 parse_duration(const char *, int64_t, int64_t, int64_t *,
	    const char **);
int	 parse_size(const char *, int64_t, int64_t, int64_t *, const char **);
int	 parse_address(const char *, struct sockaddr_storage *, socklen_t *,
	    const char **);
int	 parse_escapes(const char *, size_t, unsigned char *, size_t, size_t *,
	    const char **);

ssize_t	 parse_read_line(FILE *, char *, size_t, size_t, int *, int *);

void	 format_duration(char *, size_t, int64_t);
size_t	 format_escapes(char *, size_t, const unsigned char *, size_t);
char	*format_address(const struct sockaddr *, char *, size_t);

#endif
