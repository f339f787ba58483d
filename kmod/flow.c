// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: for maps of several endpoints, each flow (5-tuple and
 * tenant) remembers the endpoint the consistent hash gave it, so that a
 * change of the map's endpoints or weights never moves an established
 * connection (there is no NAT and no connection state: a moved TCP
 * connection is reset). Per namespace; lookups are lock-free (RCU).
 *
 * Bounded: at most flow_max flows; a new one then evicts the oldest (in
 * the order they came). Idle flows expire after flow_timeout_tcp or
 * flow_timeout_udp seconds (a worker looks once a second). Above
 * flow_rate new flows a second, new flows are not remembered (Katran's
 * defence: a flood of new flows must not flush the established ones);
 * they still go where the consistent hash says, counted as bypasses.
 */

#include "flow.h"

#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <uapi/linux/mnmap.h>

unsigned int mnmap_flow_max = 65536;
module_param_named(flow_max, mnmap_flow_max, uint, 0644);
MODULE_PARM_DESC(flow_max, "Most flows one network namespace's flow table remembers (65536)");

static unsigned int flow_rate = 20000;
module_param(flow_rate, uint, 0644);
MODULE_PARM_DESC(flow_rate,
		 "New flows a second one namespace remembers; more go by the consistent hash only (20000; 0: no limit)");

static unsigned int flow_timeout_tcp = 900;
module_param(flow_timeout_tcp, uint, 0644);
MODULE_PARM_DESC(flow_timeout_tcp, "Seconds a TCP flow is remembered after its last packet (900)");

static unsigned int flow_timeout_udp = 300;
module_param(flow_timeout_udp, uint, 0644);
MODULE_PARM_DESC(flow_timeout_udp,
		 "Seconds a UDP (or other) flow is remembered after its last packet (300)");

/* Fixed: every host hashes a flow alike, so that they pick alike. */
#define FLOW_HASH_SEED 0x6d6e6d70

enum flow_stat { FLOW_HITS, FLOW_INSERTS, FLOW_EVICTIONS, FLOW_BYPASSES, FLOW_EXPIRED,
		 FLOW_STATS };

struct flow_pcpu_stats {
	u64_stats_t n[FLOW_STATS];
	struct u64_stats_sync syncp;
};

struct mnmap_flows {
	struct rhashtable ht;
	/* Guards @age, @count and the new-flow budget; taken with BHs off. */
	spinlock_t lock;
	struct list_head age;
	u32 count;
	u32 tokens;
	unsigned long refilled;
	struct delayed_work gc;
	struct flow_pcpu_stats __percpu *stats;
};

static const struct rhashtable_params flow_params = {
	.head_offset = offsetof(struct mnmap_flow, node),
	.key_offset = offsetof(struct mnmap_flow, key),
	.key_len = sizeof(struct mnmap_flow_key),
	.automatic_shrinking = true,
};

/* The hash the consistent hash picks by: the same on every host. */
u32 mnmap_flow_hash(const struct mnmap_flow_key *key)
{
	BUILD_BUG_ON(sizeof(*key) % sizeof(u32));
	return jhash2((const u32 *)key, sizeof(*key) / sizeof(u32), FLOW_HASH_SEED);
}

/* With BHs off: in the packet path, or under the lock. */
static void count_flow(struct mnmap_flows *f, enum flow_stat what)
{
	struct flow_pcpu_stats *s = this_cpu_ptr(f->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->n[what]);
	u64_stats_update_end(&s->syncp);
}

static unsigned long timeout_of(const struct mnmap_flow *fl)
{
	return (fl->key.proto == IPPROTO_TCP ? READ_ONCE(flow_timeout_tcp) :
					       READ_ONCE(flow_timeout_udp)) * (unsigned long)HZ;
}

/* Forget @fl; the caller holds the lock. */
static void flow_unlink(struct mnmap_flows *f, struct mnmap_flow *fl)
{
	lockdep_assert_held(&f->lock);
	rhashtable_remove_fast(&f->ht, &fl->node, flow_params);
	list_del(&fl->age);
	f->count--;
	kfree_rcu(fl, rcu);
}

static void flows_expire(struct work_struct *work)
{
	struct mnmap_flows *f = container_of(work, struct mnmap_flows, gc.work);
	unsigned long now = jiffies;
	struct mnmap_flow *fl, *next;
	bool more;

	spin_lock_bh(&f->lock);
	list_for_each_entry_safe(fl, next, &f->age, age) {
		if (time_before(now, READ_ONCE(fl->seen) + timeout_of(fl)))
			continue;
		flow_unlink(f, fl);
		count_flow(f, FLOW_EXPIRED);
	}
	more = f->count;
	spin_unlock_bh(&f->lock);
	if (more)
		schedule_delayed_work(&f->gc, HZ);
}

struct mnmap_flows *mnmap_flows_new(void)
{
	struct mnmap_flows *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	int cpu;

	if (!f)
		return NULL;
	f->stats = alloc_percpu_gfp(struct flow_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (!f->stats || rhashtable_init(&f->ht, &flow_params)) {
		free_percpu(f->stats);
		kfree(f);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(f->stats, cpu)->syncp);
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->age);
	INIT_DELAYED_WORK(&f->gc, flows_expire);
	f->refilled = jiffies;
	return f;
}

static void free_flow(void *ptr, void *arg)
{
	kfree(ptr);
}

/* Once no packet can reach @f any more (the hooks are gone). */
void mnmap_flows_free(struct mnmap_flows *f)
{
	if (!f)
		return;
	cancel_delayed_work_sync(&f->gc);
	rhashtable_free_and_destroy(&f->ht, free_flow, NULL);
	free_percpu(f->stats);
	kfree(f);
}

/* The flow @key names, under RCU; its last packet is now. */
struct mnmap_flow *mnmap_flow_lookup(struct mnmap_flows *f, const struct mnmap_flow_key *key)
{
	struct mnmap_flow *fl = rhashtable_lookup(&f->ht, key, flow_params);
	unsigned long now = jiffies;

	if (!fl)
		return NULL;
	if (READ_ONCE(fl->seen) != now)	/* one write per tick, not per packet */
		WRITE_ONCE(fl->seen, now);
	count_flow(f, FLOW_HITS);
	return fl;
}

/* @fl's endpoint left its map: it goes to the one picked now. */
void mnmap_flow_repoint(struct mnmap_flow *fl, u32 serial)
{
	WRITE_ONCE(fl->serial, serial);
}

/* Whether the new-flow budget allows one more; the caller holds the lock. */
static bool take_token(struct mnmap_flows *f)
{
	unsigned int rate = READ_ONCE(flow_rate);
	unsigned long now = jiffies, elapsed = now - f->refilled;
	u64 earned;

	if (!rate)
		return true;
	/* Whole tokens only: the time they took is spent, the rest carries. */
	earned = elapsed >= HZ ? rate : (u64)elapsed * rate / HZ;
	if (earned) {
		f->tokens = min_t(u64, rate, f->tokens + earned);
		f->refilled = now;
	}
	if (!f->tokens)
		return false;
	f->tokens--;
	return true;
}

/*
 * Remember that the flow @key goes to endpoint @serial, if the budget and
 * memory allow; the oldest flow makes room when the table is full. In
 * the packet path: nothing here may sleep.
 */
void mnmap_flow_remember(struct mnmap_flows *f, const struct mnmap_flow_key *key, u32 serial)
{
	struct mnmap_flow *fl = kmalloc(sizeof(*fl), GFP_ATOMIC | __GFP_NOWARN);
	unsigned int max = READ_ONCE(mnmap_flow_max);
	bool remembered = false;

	if (fl) {
		fl->key = *key;
		fl->serial = serial;
		fl->seen = jiffies;
	}
	spin_lock_bh(&f->lock);
	if (fl && max && take_token(f)) {
		while (f->count >= max) {
			flow_unlink(f, list_first_entry(&f->age, struct mnmap_flow, age));
			count_flow(f, FLOW_EVICTIONS);
		}
		/* Another CPU may have remembered it first: then it stands. */
		if (!rhashtable_lookup_insert_fast(&f->ht, &fl->node, flow_params)) {
			list_add_tail(&fl->age, &f->age);
			f->count++;
			remembered = true;
		}
	}
	if (remembered)
		count_flow(f, FLOW_INSERTS);
	else
		count_flow(f, FLOW_BYPASSES);
	spin_unlock_bh(&f->lock);
	if (!remembered)
		kfree(fl);
	else if (f->count == 1)
		schedule_delayed_work(&f->gc, HZ);
}

/* Forget every flow; returns how many there were. */
u32 mnmap_flows_flush(struct mnmap_flows *f)
{
	struct mnmap_flow *fl, *next;
	u32 n;

	if (!f)
		return 0;
	spin_lock_bh(&f->lock);
	n = f->count;
	list_for_each_entry_safe(fl, next, &f->age, age)
		flow_unlink(f, fl);
	spin_unlock_bh(&f->lock);
	return n;
}

struct rhashtable *mnmap_flows_table(struct mnmap_flows *f)
{
	return &f->ht;
}

static void sum_flow_stats(struct mnmap_flows *f, u64 *sum)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct flow_pcpu_stats *s = per_cpu_ptr(f->stats, cpu);
		u64 one[FLOW_STATS];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (int i = 0; i < FLOW_STATS; i++)
				one[i] = u64_stats_read(&s->n[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (int i = 0; i < FLOW_STATS; i++)
			sum[i] += one[i];
	}
}

/* The flow table's size and counters as a nest of type @attr; @f may be NULL. */
int mnmap_flows_put_stats(struct sk_buff *skb, int attr, struct mnmap_flows *f)
{
	static const int attrs[FLOW_STATS] = {
		[FLOW_HITS] = MNMAP_A_FLOW_STATS_HITS,
		[FLOW_INSERTS] = MNMAP_A_FLOW_STATS_INSERTS,
		[FLOW_EVICTIONS] = MNMAP_A_FLOW_STATS_EVICTIONS,
		[FLOW_BYPASSES] = MNMAP_A_FLOW_STATS_BYPASSES,
		[FLOW_EXPIRED] = MNMAP_A_FLOW_STATS_EXPIRED,
	};
	struct nlattr *nest = nla_nest_start(skb, attr);
	u64 sum[FLOW_STATS] = {};

	if (!nest)
		return -EMSGSIZE;
	if (f)
		sum_flow_stats(f, sum);
	if (nla_put_u32(skb, MNMAP_A_FLOW_STATS_COUNT, f ? READ_ONCE(f->count) : 0) ||
	    nla_put_u32(skb, MNMAP_A_FLOW_STATS_LIMIT, READ_ONCE(mnmap_flow_max)))
		goto err;
	for (int i = 0; i < FLOW_STATS; i++)
		if (nla_put_u64_64bit(skb, attrs[i], sum[i], MNMAP_A_FLOW_STATS_PAD))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
