// SPDX-License-Identifier: GPL-2.0
/*
 * Building a Maglev lookup table (maglev.h). Plain C over the endpoints'
 * names and weights, with no kernel state, so that the unit tests build
 * the very same tables in user space (tools/tests/test_maglev.c).
 */

#include "maglev.h"

#include <linux/bitops.h>
#include <linux/string.h>

/*
 * The slots of the table for a map of @n endpoints (2 to 256), a byte
 * each. Maglev moves barely more than the ideal share of flows when one
 * endpoint comes or goes only when its table is very much larger than
 * the endpoints (the paper's section 5.3; measured in
 * tools/tests/test_maglev.c): 650 times up to 24 endpoints, 240
 * times at 256. Two sizes only, so that a map seldom changes size (a
 * change moves most flows; the flow table keeps established ones where
 * they are). Primes that leave room for the map itself in 16 KiB and
 * 64 KiB (table.c).
 */
u32 mnmap_maglev_size(u32 n)
{
	return n <= MNMAP_MAGLEV_SMALL_MAP ? MNMAP_MAGLEV_SMALL : MNMAP_MAGLEV_LARGE;
}

/*
 * FNV-1a over the name, then a finaliser (splitmix64's) to spread its
 * bits: fixed, so that every host, and the tests, agree.
 */
u64 mnmap_maglev_name_hash(const char *name)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (*name) {
		h ^= (u8)*name++;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* Per endpoint while building: where its permutation of the slots stands. */
struct maglev_walk {
	u32 offset, skip, next;
	u64 credit;
	u16 index;		/* in the caller's input */
};

size_t mnmap_maglev_scratch_size(u32 n, u32 size)
{
	return n * sizeof(struct maglev_walk) + BITS_TO_LONGS(size) * sizeof(long);
}

/* In name order, so that the order endpoints were added never matters. */
static void sort_by_name(struct maglev_walk *w, const struct mnmap_maglev_input *in, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		struct maglev_walk x = w[i];
		u32 k = i;

		for (; k > 0 && strcmp(in[w[k - 1].index].name, in[x.index].name) > 0; k--)
			w[k] = w[k - 1];
		w[k] = x;
	}
}

static bool slot_taken(unsigned long *taken, u32 slot)
{
	unsigned long bit = 1UL << (slot % BITS_PER_LONG);

	if (taken[slot / BITS_PER_LONG] & bit)
		return true;
	taken[slot / BITS_PER_LONG] |= bit;
	return false;
}

/* The next slot of @w's permutation that no endpoint has yet. */
static u32 next_free_slot(struct maglev_walk *w, unsigned long *taken, u32 size)
{
	u32 slot;

	do {
		slot = (w->offset + (u64)w->next * w->skip) % size;
		w->next++;
	} while (slot_taken(taken, slot));
	return slot;
}

/*
 * Fill @slots (@size of them, from mnmap_maglev_size()) with indexes into
 * @in. Endpoints take turns, each its next free slot in its own
 * permutation; a turn is taken once its weight has earned as much as the
 * heaviest weight, so that the slots divide by weight. @scratch holds
 * mnmap_maglev_scratch_size() bytes. False, with @slots untouched, when
 * no endpoint has weight: there is nothing to pick.
 */
bool mnmap_maglev_build(u8 *slots, u32 size, const struct mnmap_maglev_input *in,
			u32 n, void *scratch)
{
	struct maglev_walk *w = scratch;
	unsigned long *taken = (unsigned long *)(w + n);
	u32 heaviest = 0, filled = 0;

	for (u32 i = 0; i < n; i++) {
		u64 h = mnmap_maglev_name_hash(in[i].name);

		w[i] = (struct maglev_walk){
			.offset = (u32)h % size,
			.skip = (u32)(h >> 32) % (size - 1) + 1,
			.index = i,
		};
		if (in[i].weight > heaviest)
			heaviest = in[i].weight;
	}
	if (!heaviest)
		return false;
	sort_by_name(w, in, n);
	memset(taken, 0, BITS_TO_LONGS(size) * sizeof(long));
	for (;;) {
		for (u32 i = 0; i < n; i++) {
			w[i].credit += in[w[i].index].weight;
			if (w[i].credit < heaviest)
				continue;
			w[i].credit -= heaviest;
			slots[next_free_slot(&w[i], taken, size)] = w[i].index;
			if (++filled == size)
				return true;
		}
	}
}
