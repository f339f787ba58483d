// SPDX-License-Identifier: GPL-2.0
/*
 * What the data path remembers for a few seconds, where a lookup alone
 * cannot decide:
 *
 * - Later fragments of a datagram carry no ports: they follow their first.
 *   When mnmap delivers a first fragment, it remembers (addresses,
 *   protocol, identification) -> where it went (a device and MAC, or a
 *   VTEP); later fragments go the same way. Nothing is reassembled or refragmented, so fragment
 *   boundaries stay as the sender made them. A later fragment that arrives
 *   before its first, or whose slot another datagram took meanwhile, is
 *   dropped as unmapped.
 * - An echo reply carries no port, and containers that share an address
 *   all may ping: when a container sends an echo request, mnmap remembers
 *   (the reply's addresses, identifier) -> that container, and the reply
 *   goes back to it. A reply nobody remembers goes by the address's icmp
 *   map, as an echo request does.
 *
 * A small direct-mapped table per namespace: fragments and pings are
 * rare, so one lock is enough. The packet path runs with bottom halves
 * off, but the _bh lock keeps that an assumption no caller can break.
 */

#include "memo.h"
#include "table.h"

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define MNMAP_MEMO_SLOTS 256
#define MNMAP_FRAG_LIFETIME (2 * HZ)
/* ping waits 10 s for a reply by default. */
#define MNMAP_ECHO_LIFETIME (10 * HZ)

/* A key and where its packets go: a local device, or a VTEP. */
struct mnmap_memo_slot {
	struct mnmap_memo_key key;
	unsigned long expires;
	int ifindex;
	u8 mac[ETH_ALEN];
	struct mnmap_addr vtep;
	u32 vni;
};

struct mnmap_memo {
	spinlock_t lock;	/* the slots */
	u32 seed;
	struct mnmap_memo_slot slot[MNMAP_MEMO_SLOTS];
};

struct mnmap_memo *mnmap_memo_new(void)
{
	struct mnmap_memo *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (f) {
		spin_lock_init(&f->lock);
		f->seed = get_random_u32();
	}
	return f;
}

void mnmap_memo_free(struct mnmap_memo *f)
{
	kfree(f);
}

static struct mnmap_memo_slot *slot_of(struct mnmap_memo *f, const struct mnmap_memo_key *key)
{
	BUILD_BUG_ON(sizeof(*key) % sizeof(u32));
	return &f->slot[jhash2((const u32 *)key, sizeof(*key) / sizeof(u32), f->seed) %
			MNMAP_MEMO_SLOTS];
}

void mnmap_memo_remember(struct mnmap_memo *f, const struct mnmap_memo_key *key,
			 const struct mnmap_location *loc)
{
	struct mnmap_memo_slot *s = slot_of(f, key);

	spin_lock_bh(&f->lock);
	s->key = *key;
	s->expires = jiffies + (key->kind == MNMAP_MEMO_ECHO ? MNMAP_ECHO_LIFETIME :
						      MNMAP_FRAG_LIFETIME);
	s->ifindex = loc->ifindex;
	ether_addr_copy(s->mac, loc->mac);
	s->vtep = loc->vtep;
	s->vni = loc->vni;
	spin_unlock_bh(&f->lock);
}

/* Where @key's packets go, into @loc (whose rcu head is left alone). */
bool mnmap_memo_recall(struct mnmap_memo *f, const struct mnmap_memo_key *key,
		       struct mnmap_location *loc)
{
	struct mnmap_memo_slot *s = slot_of(f, key);
	bool found;

	spin_lock_bh(&f->lock);
	/* An empty slot's key has kind 0, which no key has. */
	found = time_before(jiffies, s->expires) && !memcmp(&s->key, key, sizeof(*key));
	if (found) {
		loc->ifindex = s->ifindex;
		ether_addr_copy(loc->mac, s->mac);
		loc->vtep = s->vtep;
		loc->vni = s->vni;
	}
	spin_unlock_bh(&f->lock);
	return found;
}
