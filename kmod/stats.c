// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters of the namespace, each endpoint and each map. */

#include "stats.h"

#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/netlink.h>
#include <uapi/linux/mnmap.h>

struct mnmap_stats_sum {
	u64 packets;
	u64 bytes;
	u64 drops[MNMAP_DROP_COUNT];
};

/*
 * The pool of map counters, shared by every namespace: chunks of per-CPU
 * slots, those with a free slot on a list. A slot is released from RCU
 * callbacks, hence the bottom-half lock; an empty chunk is freed.
 */
#define TRAFFIC_CHUNK_SLOTS 256

struct mnmap_traffic_chunk {
	struct list_head partial;	/* on traffic_partial while not full */
	struct mnmap_pcpu_traffic __percpu *slots;
	unsigned int used;
	DECLARE_BITMAP(taken, TRAFFIC_CHUNK_SLOTS);
};

static LIST_HEAD(traffic_partial);
static DEFINE_SPINLOCK(traffic_lock);

static struct mnmap_traffic_chunk *traffic_chunk_alloc(void)
{
	struct mnmap_traffic_chunk *chunk = kzalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT);

	if (!chunk)
		return NULL;
	chunk->slots = __alloc_percpu_gfp(TRAFFIC_CHUNK_SLOTS * sizeof(*chunk->slots),
					  __alignof__(*chunk->slots), GFP_KERNEL_ACCOUNT);
	if (!chunk->slots) {
		kfree(chunk);
		return NULL;
	}
	return chunk;
}

/* Take a free slot; false when no chunk has one. */
static bool traffic_take(struct mnmap_traffic_slot *slot)
{
	struct mnmap_traffic_chunk *chunk;
	unsigned int i;

	lockdep_assert_held(&traffic_lock);
	chunk = list_first_entry_or_null(&traffic_partial, struct mnmap_traffic_chunk, partial);
	if (!chunk)
		return false;
	i = find_first_zero_bit(chunk->taken, TRAFFIC_CHUNK_SLOTS);
	__set_bit(i, chunk->taken);
	if (++chunk->used == TRAFFIC_CHUNK_SLOTS)
		list_del_init(&chunk->partial);
	slot->chunk = chunk;
	slot->pcpu = chunk->slots + i;
	return true;
}

/* A slot at zero; it was released after its last reader was gone. */
int mnmap_traffic_get(struct mnmap_traffic_slot *slot)
{
	struct mnmap_traffic_chunk *fresh;
	bool taken;
	int cpu;

	spin_lock_bh(&traffic_lock);
	taken = traffic_take(slot);
	spin_unlock_bh(&traffic_lock);
	if (!taken) {
		fresh = traffic_chunk_alloc();
		if (!fresh)
			return -ENOMEM;
		spin_lock_bh(&traffic_lock);
		list_add(&fresh->partial, &traffic_partial);
		traffic_take(slot);	/* the fresh chunk has room */
		spin_unlock_bh(&traffic_lock);
	}
	for_each_possible_cpu(cpu) {
		struct mnmap_pcpu_traffic *t = per_cpu_ptr(slot->pcpu, cpu);

		memset(t, 0, sizeof(*t));
		u64_stats_init(&t->syncp);
	}
	return 0;
}

/* Release a slot; a map without counters has none, and that is fine. */
void mnmap_traffic_release(struct mnmap_traffic_slot *slot)
{
	struct mnmap_traffic_chunk *chunk = slot->chunk, *empty = NULL;
	unsigned int i;

	if (!chunk)
		return;
	i = slot->pcpu - chunk->slots;
	spin_lock_bh(&traffic_lock);
	__clear_bit(i, chunk->taken);
	if (chunk->used-- == TRAFFIC_CHUNK_SLOTS)
		list_add(&chunk->partial, &traffic_partial);
	if (!chunk->used) {
		list_del(&chunk->partial);
		empty = chunk;
	}
	spin_unlock_bh(&traffic_lock);
	if (empty) {
		free_percpu(empty->slots);
		kfree(empty);
	}
}

/* The counters of a namespace or an endpoint, drops included. */
struct mnmap_pcpu_stats __percpu *mnmap_stats_alloc(void)
{
	struct mnmap_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct mnmap_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->traffic.syncp);
	return stats;
}

/* Count a delivery; @traffic is NULL for a map without counters. */
void mnmap_traffic_delivered(struct mnmap_pcpu_traffic __percpu *traffic, unsigned int len)
{
	struct mnmap_pcpu_traffic *t;

	if (!traffic)
		return;
	t = this_cpu_ptr(traffic);
	u64_stats_update_begin(&t->syncp);
	u64_stats_inc(&t->packets);
	u64_stats_add(&t->bytes, len);
	u64_stats_update_end(&t->syncp);
}

void mnmap_stats_delivered(struct mnmap_pcpu_stats __percpu *stats, unsigned int len)
{
	mnmap_traffic_delivered(&stats->traffic, len);
}

void mnmap_stats_dropped(struct mnmap_pcpu_stats __percpu *stats, enum mnmap_drop why)
{
	struct mnmap_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->traffic.syncp);
	u64_stats_inc(&s->drops[why]);
	u64_stats_update_end(&s->traffic.syncp);
}

/* Add one CPU's counters to @sum; @drops is NULL for traffic alone. */
static void sum_cpu(const struct mnmap_pcpu_traffic *t, const u64_stats_t *drops,
		    struct mnmap_stats_sum *sum)
{
	struct mnmap_stats_sum one = {};
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&t->syncp);
		one.packets = u64_stats_read(&t->packets);
		one.bytes = u64_stats_read(&t->bytes);
		for (int i = 0; drops && i < MNMAP_DROP_COUNT; i++)
			one.drops[i] = u64_stats_read(&drops[i]);
	} while (u64_stats_fetch_retry(&t->syncp, start));
	sum->packets += one.packets;
	sum->bytes += one.bytes;
	for (int i = 0; i < MNMAP_DROP_COUNT; i++)
		sum->drops[i] += one.drops[i];
}

/* Put @sum as a nest of type @attr; drops too when @with_drops. */
static int put_sum(struct sk_buff *skb, int attr, const struct mnmap_stats_sum *sum,
		   bool with_drops)
{
	static const int drop_attrs[MNMAP_DROP_COUNT] = {
		[MNMAP_DROP_UNMAPPED] = MNMAP_A_STATS_DROP_UNMAPPED,
		[MNMAP_DROP_SPOOFED] = MNMAP_A_STATS_DROP_SPOOFED,
		[MNMAP_DROP_NO_DEVICE] = MNMAP_A_STATS_DROP_NO_DEVICE,
		[MNMAP_DROP_REMOTE] = MNMAP_A_STATS_DROP_REMOTE,
		[MNMAP_DROP_PRIVATE] = MNMAP_A_STATS_DROP_PRIVATE,
		[MNMAP_DROP_TENANT] = MNMAP_A_STATS_DROP_TENANT,
	};
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, MNMAP_A_STATS_PACKETS, sum->packets, MNMAP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MNMAP_A_STATS_BYTES, sum->bytes, MNMAP_A_STATS_PAD))
		goto err;
	for (int i = 0; with_drops && i < MNMAP_DROP_COUNT; i++)
		if (nla_put_u64_64bit(skb, drop_attrs[i], sum->drops[i], MNMAP_A_STATS_PAD))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int mnmap_traffic_put(struct sk_buff *skb, int attr,
		      struct mnmap_pcpu_traffic __percpu *traffic)
{
	struct mnmap_stats_sum sum = {};
	int cpu;

	for_each_possible_cpu(cpu)
		sum_cpu(per_cpu_ptr(traffic, cpu), NULL, &sum);
	return put_sum(skb, attr, &sum, false);
}

int mnmap_stats_put(struct sk_buff *skb, int attr, struct mnmap_pcpu_stats __percpu *stats)
{
	struct mnmap_stats_sum sum = {};
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct mnmap_pcpu_stats *s = per_cpu_ptr(stats, cpu);

		sum_cpu(&s->traffic, s->drops, &sum);
	}
	return put_sum(skb, attr, &sum, true);
}
