// SPDX-License-Identifier: GPL-2.0
/*
 * The Maglev tables of kmod/maglev.c, built here as the module builds
 * them: order-free, divided by weight, and moving few flows when one
 * endpoint comes or goes.
 */
#define TAP_NAME "maglev"
#include "tap.h"
#include "../../kmod/maglev.c"

#include <stdio.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAX 256

static char names[MAX + 1][16];
static u8 slots_a[61357], slots_b[61357];

/* Build a table for endpoints @idx[0..n) of names[], weights @w (NULL: 1). */
static bool build(u8 *slots, u32 size, const int *idx, const u32 *w, u32 n)
{
	struct mnmap_maglev_input in[MAX + 1];
	void *scratch = malloc(mnmap_maglev_scratch_size(n, size));
	bool ok;

	for (u32 i = 0; i < n; i++)
		in[i] = (struct mnmap_maglev_input){ names[idx[i]], w ? w[i] : 1 };
	ok = mnmap_maglev_build(slots, size, in, n, scratch);
	/* Slots name the input's index: turn them into names[] indexes. */
	for (u32 s = 0; ok && s < size; s++)
		slots[s] = idx[slots[s]];
	free(scratch);
	return ok;
}

static void seq(int *idx, u32 n, int first)
{
	for (u32 i = 0; i < n; i++)
		idx[i] = first + i;
}

/* The share of slots whose endpoint differs between two tables. */
static double moved(const u8 *a, const u8 *b, u32 size)
{
	u32 n = 0;

	for (u32 s = 0; s < size; s++)
		n += a[s] != b[s];
	return (double)n / size;
}

static void test_order(void)
{
	int idx[8] = { 5, 2, 7, 0, 3 }, sorted[8] = { 0, 2, 3, 5, 7 };
	u32 size = mnmap_maglev_size(5);

	build(slots_a, size, idx, NULL, 5);
	build(slots_b, size, sorted, NULL, 5);
	check(moved(slots_a, slots_b, size) == 0, "the table does not depend on the order endpoints came in");
}

static void test_weights(void)
{
	int idx[3];
	u32 w[3] = { 1, 2, 3 }, count[MAX] = { 0 }, size = mnmap_maglev_size(3);
	bool fair = true;

	seq(idx, 3, 0);
	build(slots_a, size, idx, w, 3);
	for (u32 s = 0; s < size; s++)
		count[slots_a[s]]++;
	for (int i = 0; i < 3; i++)
		fair &= abs((int)count[i] - (int)(size * w[i] / 6)) <= 2;
	check(fair, "weights 1, 2, 3 get a sixth, a third and a half of the slots");
	w[1] = 0;
	build(slots_a, size, idx, w, 3);
	fair = true;
	for (u32 s = 0; s < size; s++)
		fair &= slots_a[s] != 1;
	check(fair, "weight 0 gets no slot");
	w[0] = w[2] = 0;
	memset(slots_a, 0xaa, size);
	check(!build(slots_a, size, idx, w, 3) && slots_a[0] == 0xaa,
	      "no weight at all: no table, slots untouched");
}

/* Adding one endpoint to n moves about 1/(n+1) of the slots, and no more. */
static void test_add_one(void)
{
	static const u32 ns[] = { 2, 3, 4, 5, 7, 10, 13, 16, 23, 25, 31, 62, 100, 255 };
	double worst = 0;
	int idx[MAX + 1];

	for (u32 k = 0; k < ARRAY_SIZE(ns); k++) {
		u32 n = ns[k];
		u32 size = mnmap_maglev_size(n), size2 = mnmap_maglev_size(n + 1);
		double over;

		if (size != size2)
			continue;	/* a bigger table: every slot is new */
		seq(idx, n + 1, 0);
		build(slots_a, size, idx, NULL, n);
		build(slots_b, size, idx, NULL, n + 1);
		over = moved(slots_a, slots_b, size) - 1.0 / (n + 1);
		if (getenv("MAGLEV_VERBOSE"))
			printf("# add to %u: over ideal by %.4f\n", n, over);
		if (over > worst)
			worst = over;
	}
	printf("# adding one endpoint moves at most %.2f%% more than the ideal\n", worst * 100);
	check(worst <= 0.01, "adding one endpoint to n moves at most 1/(n+1) + 1% of the flows");
}

/* Removing one of n moves its own slots and at most 1% of the others'. */
static void test_remove_one(void)
{
	static const u32 ns[] = { 3, 4, 5, 8, 11, 14, 17, 24, 26, 33, 63, 101, 256 };
	double worst = 0;
	int idx[MAX + 1];

	for (u32 k = 0; k < ARRAY_SIZE(ns); k++) {
		u32 n = ns[k], size = mnmap_maglev_size(n), others = 0, moved_others = 0;

		if (size != mnmap_maglev_size(n - 1))
			continue;
		for (u32 gone = 0; gone < n; gone += n / 3 + 1) {
			int kept[MAX];

			for (u32 i = 0, j = 0; i < n; i++)
				if (i != gone)
					kept[j++] = i;
			seq(idx, n, 0);
			build(slots_a, size, idx, NULL, n);
			build(slots_b, size, kept, NULL, n - 1);
			for (u32 s = 0; s < size; s++) {
				if (slots_a[s] == gone)
					continue;
				others++;
				moved_others += slots_a[s] != slots_b[s];
			}
		}
		if (getenv("MAGLEV_VERBOSE"))
			printf("# remove one of %u: %.4f of the others' flows move\n", n,
			       (double)moved_others / others);
		if ((double)moved_others / others > worst)
			worst = (double)moved_others / others;
	}
	printf("# removing one endpoint moves at most %.2f%% of the others' flows\n", worst * 100);
	check(worst <= 0.01, "removing one endpoint of n moves at most 1% of the others' flows");
}

static void test_full_map(void)
{
	u32 size = mnmap_maglev_size(MAX), count[MAX] = { 0 }, least = ~0u;
	int idx[MAX];

	seq(idx, MAX, 0);
	build(slots_a, size, idx, NULL, MAX);
	for (u32 s = 0; s < size; s++)
		count[slots_a[s]]++;
	for (int i = 0; i < MAX; i++)
		if (count[i] < least)
			least = count[i];
	check(size == 61357 && least >= size / MAX - 1,
	      "256 endpoints: 61357 slots, each endpoint its share");
}

int main(void)
{
	for (int i = 0; i <= MAX; i++)
		snprintf(names[i], sizeof(names[i]), "c%d", i);
	test_order();
	test_weights();
	test_add_one();
	test_remove_one();
	test_full_map();
	printf("1..%d\n", num);
	return failed != 0;
}
