/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the configuration parser: any file it accepts must
 * print (-T) as a file that parses again and prints the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct config	cf, again;

static void
check(int cond)
{
	if (!cond)
		abort();
}

/*
 * Every rejected input logs its errors to stderr.  Closing fd 2 here would
 * also silence libFuzzer and the sanitizers, so ask libFuzzer to do it: with
 * -close_fd_mask=2 it keeps its own copy of stderr for itself and for the
 * reports.  Flags are read after this returns; a later one on the command
 * line still wins.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	*args[256];
	static char	 quiet[] = "-close_fd_mask=2";
	int		 i, n = 0;

	log_init(LOG_TARGET_STDERR, LOG_DEBUG, 1);
	if (*argc < 1 || *argc > 250)
		return 0;
	args[n++] = (*argv)[0];
	args[n++] = quiet;
	for (i = 1; i < *argc; i++)
		args[n++] = (*argv)[i];
	args[n] = NULL;
	*argc = n;
	*argv = args;
	return 0;
}

/* Prints c into a malloc'd buffer; *len gets its length. */
static char *
print(const struct config *c, size_t *len)
{
	char	*buf = NULL;
	FILE	*fp;

	fp = open_memstream(&buf, len);
	check(fp != NULL);
	config_print(fp, c);
	check(fclose(fp) == 0);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE	*fp;
	char	*out, *out2;
	size_t	 len, len2;
	int	 r;

	/* fmemopen refuses an empty buffer; no file at all is the same. */
	fp = size > 0 ? fmemopen((void *)data, size, "r") : NULL;
	check(size == 0 || fp != NULL);
	r = config_parse(&cf, fp, "fuzz.conf", NULL, 0);
	if (fp != NULL)
		fclose(fp);
	if (r == -1)
		return 0;

	out = print(&cf, &len);
	fp = fmemopen(out, len, "r");
	check(fp != NULL);
	/* What -T printed must load, and load as the same configuration. */
	check(config_parse(&again, fp, "printed.conf", NULL, 0) == 0);
	fclose(fp);
	out2 = print(&again, &len2);
	check(len == len2 && memcmp(out, out2, len) == 0);
	free(out);
	free(out2);
	/* Each owns its access list; libFuzzer's leak check would see it. */
	config_free(&cf);
	config_free(&again);
	return 0;
}
