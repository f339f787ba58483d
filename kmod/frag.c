// SPDX-License-Identifier: GPL-2.0
/*
 * Later fragments of a datagram carry no ports, so they cannot be looked
 * up: they follow their first fragment. When mnmap delivers a first
 * fragment, it remembers (addresses, protocol, identification) -> where
 * it went, for a few seconds; later fragments go the same way. Nothing is
 * reassembled or refragmented, so fragment boundaries stay as the sender
 * made them. A later fragment that arrives before its first, or whose
 * slot another datagram took meanwhile, is dropped as unmapped.
 *
 * A small direct-mapped table per namespace: fragments are rare, so one
 * lock is enough. The packet path runs with bottom halves off, but the
 * _bh lock keeps that an assumption no caller can break.
 */

#include "frag.h"

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define MNMAP_FRAG_SLOTS 256
#define MNMAP_FRAG_LIFETIME (2 * HZ)

struct mnmap_frag_slot {
	struct mnmap_frag_key key;
	unsigned long expires;
	int ifindex;
	u8 mac[ETH_ALEN];
};

struct mnmap_frags {
	spinlock_t lock;	/* the slots */
	u32 seed;
	struct mnmap_frag_slot slot[MNMAP_FRAG_SLOTS];
};

struct mnmap_frags *mnmap_frags_new(void)
{
	struct mnmap_frags *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (f) {
		spin_lock_init(&f->lock);
		f->seed = get_random_u32();
	}
	return f;
}

void mnmap_frags_free(struct mnmap_frags *f)
{
	kfree(f);
}

static struct mnmap_frag_slot *slot_of(struct mnmap_frags *f, const struct mnmap_frag_key *key)
{
	BUILD_BUG_ON(sizeof(*key) % sizeof(u32));
	return &f->slot[jhash2((const u32 *)key, sizeof(*key) / sizeof(u32), f->seed) %
			MNMAP_FRAG_SLOTS];
}

void mnmap_frag_remember(struct mnmap_frags *f, const struct mnmap_frag_key *key,
			 int ifindex, const u8 *mac)
{
	struct mnmap_frag_slot *s = slot_of(f, key);

	spin_lock_bh(&f->lock);
	s->key = *key;
	s->expires = jiffies + MNMAP_FRAG_LIFETIME;
	s->ifindex = ifindex;
	ether_addr_copy(s->mac, mac);
	spin_unlock_bh(&f->lock);
}

bool mnmap_frag_recall(struct mnmap_frags *f, const struct mnmap_frag_key *key,
		       int *ifindex, u8 *mac)
{
	struct mnmap_frag_slot *s = slot_of(f, key);
	bool found;

	spin_lock_bh(&f->lock);
	found = s->ifindex && time_before(jiffies, s->expires) &&
		!memcmp(&s->key, key, sizeof(*key));
	if (found) {
		*ifindex = s->ifindex;
		ether_addr_copy(mac, s->mac);
	}
	spin_unlock_bh(&f->lock);
	return found;
}
