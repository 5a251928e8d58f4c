/* SPDX-License-Identifier: ISC */
/* Memory the supervisor keeps to itself: never inherited by a child. */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>

void	*mem_private(size_t);
void	 mem_release(void *, size_t);
int	 mem_private_inherited(void);

#endif
