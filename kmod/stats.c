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
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, MNMAP_A_STATS_PACKETS, sum.packets, MNMAP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MNMAP_A_STATS_BYTES, sum.bytes, MNMAP_A_STATS_PAD))
		goto err;
	for (int i = 0; i < MNMAP_DROP_COUNT; i++)
		if (nla_put_u64_64bit(skb, drop_attrs[i], sum.drops[i], MNMAP_A_STATS_PAD))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
