// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: for maps of several endpoints, each flow (5-tuple and
 * tenant) remembers the endpoint the consistent hash gave it, so that a
 * change of the map's endpoints or weights never moves an established
 * connection (there is no NAT and no connection state: a moved TCP
 * connection is reset). Per namespace; lookups are lock-free (RCU),
 * changes take the namespace's flow lock with bottom halves off.
 *
 * Bounded: at most flow_max flows; a new one then makes room by evicting
 * from the head of the list, the flows the worker visited longest ago,
 * but passes over (to the tail) those that saw a packet in the last
 * second, a few at a time. Idle flows expire after flow_timeout_tcp or
 * flow_timeout_udp seconds: once a second the worker visits up to
 * FLOW_SCAN of them from the head, and moves those it keeps to the tail.
 * Above flow_rate new flows a second (a budget per CPU, so that the
 * check takes no lock), new flows are not remembered (Katran's defence:
 * a flood of new flows must not flush the established ones); they still
 * go where the consistent hash says, and their packets count as bypasses.
 */

#include "flow.h"

#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
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
MODULE_PARM_DESC(flow_timeout_tcp,
		 "Seconds a TCP flow is remembered after its last packet (900; the worker visits 4096 flows a second, so a large table expires later)");

static unsigned int flow_timeout_udp = 300;
module_param(flow_timeout_udp, uint, 0644);
MODULE_PARM_DESC(flow_timeout_udp,
		 "Seconds a UDP (or other) flow is remembered after its last packet (300)");

/* Fixed: every host hashes a flow alike, so that they pick alike. */
#define FLOW_HASH_SEED 0x6d6e6d70
/* Flows the worker visits per second, and per hold of the lock. */
#define FLOW_SCAN 4096
/* Busy flows a new one passes over before it evicts one all the same. */
#define FLOW_SECOND_CHANCES 8

enum flow_stat { FLOW_HITS, FLOW_INSERTS, FLOW_EVICTIONS, FLOW_BYPASSES, FLOW_EXPIRED,
		 FLOW_STATS };

struct flow_pcpu {
	u64_stats_t n[FLOW_STATS];
	struct u64_stats_sync syncp;
	/* This CPU's share of the new-flow budget, in 1/HZ of a flow. */
	u64 credit;
	unsigned long refilled;
};

struct mnmap_flows {
	struct rhashtable ht;
	/* Guards @age and @count; taken with BHs off. */
	spinlock_t lock;
	struct list_head age;
	u32 count;
	struct delayed_work gc;
	struct flow_pcpu __percpu *pcpu;
};

static const struct rhashtable_params flow_params = {
	.head_offset = offsetof(struct mnmap_flow, node),
	.key_offset = offsetof(struct mnmap_flow, key),
	.key_len = sizeof(struct mnmap_flow_key),
	.automatic_shrinking = true,
};

/*
 * The hash the consistent hash picks by: the same on every host, and on
 * hosts whose module predates the client's tenant, for public clients.
 */
u32 mnmap_flow_hash(const struct mnmap_flow_key *key)
{
	const size_t words = offsetof(struct mnmap_flow_key, src_tenant) / sizeof(u32);
	u32 hash;

	BUILD_BUG_ON(offsetof(struct mnmap_flow_key, src_tenant) % sizeof(u32) ||
		     offsetof(struct mnmap_flow_key, src_tenant) + sizeof(u32) != sizeof(*key));
	hash = jhash2((const u32 *)key, words, FLOW_HASH_SEED);
	return key->src_tenant ? jhash_1word(key->src_tenant, hash) : hash;
}

/* With BHs off: in the packet path, or under the lock. */
static void count_flow(struct mnmap_flows *f, enum flow_stat what)
{
	struct flow_pcpu *c = this_cpu_ptr(f->pcpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->n[what]);
	u64_stats_update_end(&c->syncp);
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
	WRITE_ONCE(f->count, f->count - 1);
	kfree_rcu(fl, rcu);
}

/*
 * Visit up to FLOW_SCAN flows from the head: forget the idle ones, and
 * those over flow_max (lowered meanwhile); the others go to the tail.
 */
static void flows_expire(struct work_struct *work)
{
	struct mnmap_flows *f = container_of(work, struct mnmap_flows, gc.work);
	unsigned int max = READ_ONCE(mnmap_flow_max);
	unsigned long now = jiffies;
	struct mnmap_flow *fl;
	bool more;

	spin_lock_bh(&f->lock);
	for (u32 n = min(f->count, FLOW_SCAN); n; n--) {
		fl = list_first_entry(&f->age, struct mnmap_flow, age);
		if (f->count > max) {
			flow_unlink(f, fl);
			count_flow(f, FLOW_EVICTIONS);
		} else if (!time_before(now, READ_ONCE(fl->seen) + timeout_of(fl))) {
			flow_unlink(f, fl);
			count_flow(f, FLOW_EXPIRED);
		} else {
			list_move_tail(&fl->age, &f->age);
		}
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
	f->pcpu = alloc_percpu_gfp(struct flow_pcpu, GFP_KERNEL_ACCOUNT);
	if (!f->pcpu || rhashtable_init(&f->ht, &flow_params)) {
		free_percpu(f->pcpu);
		kfree(f);
		return NULL;
	}
	for_each_possible_cpu(cpu) {
		struct flow_pcpu *c = per_cpu_ptr(f->pcpu, cpu);

		u64_stats_init(&c->syncp);
		c->refilled = jiffies - HZ;	/* a full budget from the start */
	}
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->age);
	INIT_DELAYED_WORK(&f->gc, flows_expire);
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
	free_percpu(f->pcpu);
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
void mnmap_flow_repoint(struct mnmap_flow *fl, u64 endpoint)
{
	WRITE_ONCE(fl->endpoint, endpoint);
}

/*
 * Whether this CPU's share of the new-flow budget allows one more. Each
 * tick earns share/HZ of a flow, kept in units of 1/HZ so that nothing is
 * rounded away; at most a second's worth is kept. In the packet path,
 * BHs off: no lock needed.
 */
static bool take_token(struct mnmap_flows *f)
{
	unsigned int rate = READ_ONCE(flow_rate);
	struct flow_pcpu *c = this_cpu_ptr(f->pcpu);
	unsigned long now = jiffies, elapsed = now - c->refilled;
	u64 share, full;

	if (!rate)
		return true;
	share = max(1U, rate / num_possible_cpus());
	full = share * HZ;
	c->credit = elapsed >= HZ ? full : min(full, c->credit + (u64)elapsed * share);
	c->refilled = now;
	if (c->credit < HZ)
		return false;
	c->credit -= HZ;
	return true;
}

/*
 * Make room for one more flow: evict from the head, passing a few busy
 * flows over to the tail. False when the table must stay full (flow_max
 * is 0, or much lower than it was: the worker brings it down).
 */
static bool make_room(struct mnmap_flows *f, unsigned int max)
{
	int passes = FLOW_SECOND_CHANCES, evictions = FLOW_SECOND_CHANCES;
	unsigned long now = jiffies;

	while (f->count >= max) {
		struct mnmap_flow *fl;

		if (!f->count || !evictions)
			return false;
		fl = list_first_entry(&f->age, struct mnmap_flow, age);
		if (passes && time_before(now, READ_ONCE(fl->seen) + HZ)) {
			passes--;
			list_move_tail(&fl->age, &f->age);
			continue;
		}
		flow_unlink(f, fl);
		count_flow(f, FLOW_EVICTIONS);
		evictions--;
	}
	return true;
}

/*
 * Remember that the flow @key goes to @endpoint (its name's hash), if
 * the budget and memory allow. In the packet path: nothing here sleeps.
 */
void mnmap_flow_remember(struct mnmap_flows *f, const struct mnmap_flow_key *key, u64 endpoint)
{
	unsigned int max = READ_ONCE(mnmap_flow_max);
	struct mnmap_flow *fl = NULL;
	bool kick = false;

	if (max && take_token(f))
		fl = kmalloc(sizeof(*fl), GFP_ATOMIC | __GFP_NOWARN);
	if (!fl) {
		count_flow(f, FLOW_BYPASSES);
		return;
	}
	fl->key = *key;
	fl->endpoint = endpoint;
	fl->seen = jiffies;
	spin_lock_bh(&f->lock);
	/* Another CPU may have remembered it first: then it stands. */
	if (rhashtable_lookup_fast(&f->ht, key, flow_params)) {
		count_flow(f, FLOW_HITS);
	} else if (make_room(f, max) &&
		   !rhashtable_lookup_insert_fast(&f->ht, &fl->node, flow_params)) {
		list_add_tail(&fl->age, &f->age);
		WRITE_ONCE(f->count, f->count + 1);
		kick = f->count == 1;	/* the worker stops when the table is empty */
		count_flow(f, FLOW_INSERTS);
		fl = NULL;
	} else {
		count_flow(f, FLOW_BYPASSES);	/* full past flow_max, or no memory */
	}
	spin_unlock_bh(&f->lock);
	if (kick)
		schedule_delayed_work(&f->gc, HZ);
	kfree(fl);
}

/* Forget every flow, a batch per hold of the lock; returns how many there were. */
u32 mnmap_flows_flush(struct mnmap_flows *f)
{
	bool more = true;
	u32 n = 0;

	if (!f)
		return 0;
	while (more) {
		spin_lock_bh(&f->lock);
		for (u32 k = 0; k < FLOW_SCAN && f->count; k++, n++)
			flow_unlink(f, list_first_entry(&f->age, struct mnmap_flow, age));
		more = f->count;
		spin_unlock_bh(&f->lock);
		cond_resched();
	}
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
		const struct flow_pcpu *s = per_cpu_ptr(f->pcpu, cpu);
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
