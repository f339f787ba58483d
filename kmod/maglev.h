/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_MAGLEV_H
#define _MNMAP_MAGLEV_H

#include <linux/types.h>

/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a map with
 * several endpoints spreads flows over a lookup table of a prime number
 * of slots, each naming one endpoint. The table is a function of the
 * endpoints' names and weights only, so every host builds the same one,
 * and adding or removing one endpoint moves few of the others' slots.
 */

/* The endpoints a table is built from: a map's, in any order. */
struct mnmap_maglev_input {
	const char *name;
	u32 weight;		/* 0: given no slot (drained) */
};

#define MNMAP_MAGLEV_SMALL_MAP 24	/* endpoints that the small table serves */
#define MNMAP_MAGLEV_SMALL 15797
#define MNMAP_MAGLEV_LARGE 61357

u32 mnmap_maglev_size(u32 n);
size_t mnmap_maglev_scratch_size(u32 n, u32 size);
bool mnmap_maglev_build(u8 *slots, u32 size, const struct mnmap_maglev_input *in,
			u32 n, void *scratch);
u64 mnmap_maglev_name_hash(const char *name);

#endif /* _MNMAP_MAGLEV_H */
