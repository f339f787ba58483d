/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_STATS_H
#define _MNMAP_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

struct sk_buff;

enum mnmap_drop {
	MNMAP_DROP_UNMAPPED,
	MNMAP_DROP_SPOOFED,
	MNMAP_DROP_NO_DEVICE,
	MNMAP_DROP_REMOTE,
	MNMAP_DROP_PRIVATE,
	MNMAP_DROP_TENANT,
	MNMAP_DROP_COUNT,
};

/*
 * Per-CPU counters: the packet path never shares a cache line to count.
 * A map counts only packets and bytes (traffic): there may be millions of
 * maps, each with a copy per CPU, so theirs come from a pool (below). The
 * namespace and the endpoints also count drops by reason, under the same
 * sequence counter.
 */
struct mnmap_pcpu_traffic {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

struct mnmap_pcpu_stats {
	struct mnmap_pcpu_traffic traffic;
	u64_stats_t drops[MNMAP_DROP_COUNT];
};

/*
 * A map's traffic counters: one slot of a pooled per-CPU chunk. Taking a
 * slot is a bit in a bitmap, where one allocation of per-CPU memory per
 * map was a fifth of the time to load a table. Counters are opt-in for
 * maps (16 bytes per CPU each): a map without has both fields NULL.
 */
struct mnmap_traffic_chunk;

struct mnmap_traffic_slot {
	struct mnmap_pcpu_traffic __percpu *pcpu;
	struct mnmap_traffic_chunk *chunk;
};

int mnmap_traffic_get(struct mnmap_traffic_slot *slot);
void mnmap_traffic_release(struct mnmap_traffic_slot *slot);
void mnmap_traffic_delivered(struct mnmap_pcpu_traffic __percpu *traffic, unsigned int len);
int mnmap_traffic_put(struct sk_buff *skb, int attr,
		      struct mnmap_pcpu_traffic __percpu *traffic);

struct mnmap_pcpu_stats __percpu *mnmap_stats_alloc(void);

void mnmap_stats_delivered(struct mnmap_pcpu_stats __percpu *stats, unsigned int len);
void mnmap_stats_dropped(struct mnmap_pcpu_stats __percpu *stats, enum mnmap_drop why);
int mnmap_stats_put(struct sk_buff *skb, int attr, struct mnmap_pcpu_stats __percpu *stats);

#endif /* _MNMAP_STATS_H */
