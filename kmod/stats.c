// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters of the namespace, each endpoint and each map. */

#include "stats.h"

#include <net/netlink.h>
#include <uapi/linux/mnmap.h>

struct mnmap_stats_sum {
	u64 packets;
	u64 bytes;
	u64 drops[MNMAP_DROP_COUNT];
};

/* Per-CPU counters of @size bytes that begin with a struct mnmap_pcpu_traffic. */
static void __percpu *counters_alloc(size_t size)
{
	struct mnmap_pcpu_traffic __percpu *traffic;
	int cpu;

	traffic = __alloc_percpu_gfp(size, __alignof__(struct mnmap_pcpu_stats), GFP_KERNEL);
	if (!traffic)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(traffic, cpu)->syncp);
	return traffic;
}

struct mnmap_pcpu_traffic __percpu *mnmap_traffic_alloc(void)
{
	return counters_alloc(sizeof(struct mnmap_pcpu_traffic));
}

struct mnmap_pcpu_stats __percpu *mnmap_stats_alloc(void)
{
	static_assert(offsetof(struct mnmap_pcpu_stats, traffic) == 0);
	return counters_alloc(sizeof(struct mnmap_pcpu_stats));
}

void mnmap_traffic_delivered(struct mnmap_pcpu_traffic __percpu *traffic, unsigned int len)
{
	struct mnmap_pcpu_traffic *t = this_cpu_ptr(traffic);

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
