// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters of the namespace, each endpoint and each map. */

#include "stats.h"

#include <net/netlink.h>
#include <uapi/linux/mnmap.h>

struct mnmap_pcpu_stats __percpu *mnmap_stats_alloc(void)
{
	struct mnmap_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct mnmap_pcpu_stats, GFP_KERNEL);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void mnmap_stats_delivered(struct mnmap_pcpu_stats __percpu *stats, unsigned int len)
{
	struct mnmap_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, len);
	u64_stats_update_end(&s->syncp);
}

void mnmap_stats_dropped(struct mnmap_pcpu_stats __percpu *stats, enum mnmap_drop why)
{
	struct mnmap_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[why]);
	u64_stats_update_end(&s->syncp);
}

void mnmap_stats_sum(struct mnmap_pcpu_stats __percpu *stats, struct mnmap_stats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct mnmap_pcpu_stats *s = per_cpu_ptr(stats, cpu);
		struct mnmap_stats_sum one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.packets = u64_stats_read(&s->packets);
			one.bytes = u64_stats_read(&s->bytes);
			for (int i = 0; i < MNMAP_DROP_COUNT; i++)
				one.drops[i] = u64_stats_read(&s->drops[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->packets += one.packets;
		sum->bytes += one.bytes;
		for (int i = 0; i < MNMAP_DROP_COUNT; i++)
			sum->drops[i] += one.drops[i];
	}
}

/* Start a nest of type @attr with the packets and bytes of @sum. */
static struct nlattr *put_traffic(struct sk_buff *skb, int attr,
				  const struct mnmap_stats_sum *sum)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return NULL;
	if (nla_put_u64_64bit(skb, MNMAP_A_STATS_PACKETS, sum->packets, MNMAP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MNMAP_A_STATS_BYTES, sum->bytes, MNMAP_A_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return NULL;
	}
	return nest;
}

/* Put the sums of @stats as a nest of type @attr. */
int mnmap_stats_put(struct sk_buff *skb, int attr, struct mnmap_pcpu_stats __percpu *stats)
{
	static const int drop_attrs[MNMAP_DROP_COUNT] = {
		[MNMAP_DROP_UNMAPPED] = MNMAP_A_STATS_DROP_UNMAPPED,
		[MNMAP_DROP_SPOOFED] = MNMAP_A_STATS_DROP_SPOOFED,
		[MNMAP_DROP_NO_DEVICE] = MNMAP_A_STATS_DROP_NO_DEVICE,
		[MNMAP_DROP_REMOTE] = MNMAP_A_STATS_DROP_REMOTE,
	};
	struct mnmap_stats_sum sum;
	struct nlattr *nest;

	if (!stats)
		return 0;
	mnmap_stats_sum(stats, &sum);
	nest = put_traffic(skb, attr, &sum);
	if (!nest)
		return -EMSGSIZE;
	for (int i = 0; i < MNMAP_DROP_COUNT; i++)
		if (nla_put_u64_64bit(skb, drop_attrs[i], sum.drops[i], MNMAP_A_STATS_PAD))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

struct mnmap_pcpu_traffic __percpu *mnmap_traffic_alloc(void)
{
	struct mnmap_pcpu_traffic __percpu *traffic;
	int cpu;

	traffic = alloc_percpu_gfp(struct mnmap_pcpu_traffic, GFP_KERNEL);
	if (!traffic)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(traffic, cpu)->syncp);
	return traffic;
}

void mnmap_traffic_delivered(struct mnmap_pcpu_traffic __percpu *traffic, unsigned int len)
{
	struct mnmap_pcpu_traffic *t = this_cpu_ptr(traffic);

	u64_stats_update_begin(&t->syncp);
	u64_stats_inc(&t->packets);
	u64_stats_add(&t->bytes, len);
	u64_stats_update_end(&t->syncp);
}

int mnmap_traffic_put(struct sk_buff *skb, int attr,
		      struct mnmap_pcpu_traffic __percpu *traffic)
{
	struct mnmap_stats_sum sum = {};
	struct nlattr *nest;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct mnmap_pcpu_traffic *t = per_cpu_ptr(traffic, cpu);
		unsigned int start;
		u64 packets, bytes;

		do {
			start = u64_stats_fetch_begin(&t->syncp);
			packets = u64_stats_read(&t->packets);
			bytes = u64_stats_read(&t->bytes);
		} while (u64_stats_fetch_retry(&t->syncp, start));
		sum.packets += packets;
		sum.bytes += bytes;
	}
	nest = put_traffic(skb, attr, &sum);
	if (!nest)
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}
