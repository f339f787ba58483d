// SPDX-License-Identifier: GPL-2.0
/*
 * What the data path remembers for a few seconds, where a lookup alone
 * cannot decide:
 *
 * - Later fragments of a datagram carry no ports: they follow their first.
 *   When mnmap delivers a first fragment, it remembers (addresses,
 *   protocol, identification) -> where it went (a device and MAC, or a
 *   VTEP); later fragments go the same way. Nothing is reassembled or
 *   refragmented, so fragment boundaries stay as the sender made them. A
 *   later fragment that arrives before its first, or whose entry was
 *   evicted meanwhile, is dropped as unmapped.
 * - An echo reply carries no port, and containers that share an address
 *   all may ping: when a container sends an echo request, mnmap remembers
 *   (the reply's addresses, identifier) -> that container, and the reply
 *   goes back to it. While that entry lives, another container's request
 *   with the same identifier does not take it over. A reply nobody
 *   remembers goes by the address's icmp map, as an echo request does.
 *
 * A set-associative table per namespace, keyed by a hash with a random
 * seed: MNMAP_MEMO_WAYS entries per bucket, a lock per bucket. A full
 * bucket evicts from the source that holds most of its ways (the oldest
 * of that source's entries), not merely the oldest entry: a flood of
 * first fragments from one source takes the place of its own entries,
 * and leaves everyone else's alone. The packet path runs with bottom
 * halves off, but the _bh locks keep that an assumption no caller can
 * break.
 */

#include "memo.h"
#include "table.h"

#include <linux/etherdevice.h>
#include <net/ipv6.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define MNMAP_MEMO_BUCKETS 256
#define MNMAP_MEMO_WAYS 4
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
	u32 vni;		/* what a VTEP's packets carry */
};

struct mnmap_memo_bucket {
	spinlock_t lock;	/* its ways */
	struct mnmap_memo_slot way[MNMAP_MEMO_WAYS];
};

struct mnmap_memo {
	u32 seed;
	struct mnmap_memo_bucket bucket[MNMAP_MEMO_BUCKETS];
};

struct mnmap_memo *mnmap_memo_new(void)
{
	struct mnmap_memo *f = kvzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return NULL;
	for (int i = 0; i < MNMAP_MEMO_BUCKETS; i++)
		spin_lock_init(&f->bucket[i].lock);
	f->seed = get_random_u32();
	return f;
}

void mnmap_memo_free(struct mnmap_memo *f)
{
	kvfree(f);
}

static struct mnmap_memo_bucket *bucket_of(struct mnmap_memo *f,
					   const struct mnmap_memo_key *key)
{
	const size_t hashed = offsetof(struct mnmap_memo_key, from_tenant);

	BUILD_BUG_ON(hashed % sizeof(u32) || hashed + sizeof(u32) != sizeof(*key));
	return &f->bucket[jhash2((const u32 *)key, hashed / sizeof(u32), f->seed) %
			  MNMAP_MEMO_BUCKETS];
}

/* Whether the entry of @stored is what a recall of @key asks for. */
static bool key_matches(const struct mnmap_memo_key *stored, const struct mnmap_memo_key *key)
{
	return !memcmp(stored, key, offsetof(struct mnmap_memo_key, from_tenant)) &&
	       (key->from_tenant == MNMAP_MEMO_ANY_TENANT ||
		key->from_tenant == stored->from_tenant);
}

static bool live(const struct mnmap_memo_slot *s)
{
	/* An empty slot's key has kind 0, which no key has. */
	return s->key.kind && time_before(jiffies, s->expires);
}

static bool same_source(const struct mnmap_memo_slot *a, const struct mnmap_memo_slot *b)
{
	return a->key.family == b->key.family &&
	       !memcmp(&a->key.saddr, &b->key.saddr, sizeof(a->key.saddr));
}

/*
 * The way that @key takes in @b: its own, a free or expired one, or else
 * the oldest entry of the source that holds most ways here.
 */
static struct mnmap_memo_slot *way_for(struct mnmap_memo_bucket *b,
				       const struct mnmap_memo_key *key)
{
	struct mnmap_memo_slot *victim = NULL;
	int most = 0;

	for (int i = 0; i < MNMAP_MEMO_WAYS; i++) {
		if (live(&b->way[i]) && !memcmp(&b->way[i].key, key, sizeof(*key)))
			return &b->way[i];
	}
	for (int i = 0; i < MNMAP_MEMO_WAYS; i++) {
		struct mnmap_memo_slot *s = &b->way[i];
		int held = 0;

		if (!live(s))
			return s;
		for (int j = 0; j < MNMAP_MEMO_WAYS; j++)
			held += same_source(s, &b->way[j]);
		if (held > most || (held == most && time_before(s->expires, victim->expires))) {
			victim = s;
			most = held;
		}
	}
	return victim;
}

/*
 * Whether slot @s, which @key found, keeps its echo's sender rather than
 * take @loc: containers that share an address both own it, and one must
 * not take the other's replies by sending a request with its identifier.
 * The first sender keeps them while its pings keep the entry alive.
 */
static bool keeps_sender(const struct mnmap_memo_slot *s, const struct mnmap_memo_key *key,
			 const struct mnmap_location *loc)
{
	if (key->kind != MNMAP_MEMO_ECHO || !live(s) || memcmp(&s->key, key, sizeof(*key)))
		return false;
	if (s->ifindex != loc->ifindex || !ether_addr_equal(s->mac, loc->mac) ||
	    s->vtep.family != loc->vtep.family)
		return true;
	if (s->vtep.family == AF_INET6)
		return !ipv6_addr_equal(&s->vtep.v6, &loc->vtep.v6);
	return s->vtep.family && s->vtep.v4 != loc->vtep.v4;
}

void mnmap_memo_remember(struct mnmap_memo *f, const struct mnmap_memo_key *key,
			 const struct mnmap_location *loc, u32 vni)
{
	struct mnmap_memo_bucket *b = bucket_of(f, key);
	struct mnmap_memo_slot *s;

	spin_lock_bh(&b->lock);
	s = way_for(b, key);
	if (keeps_sender(s, key, loc)) {
		spin_unlock_bh(&b->lock);
		return;
	}
	s->key = *key;
	s->expires = jiffies + (key->kind == MNMAP_MEMO_ECHO ? MNMAP_ECHO_LIFETIME :
						      MNMAP_FRAG_LIFETIME);
	s->ifindex = loc->ifindex;
	ether_addr_copy(s->mac, loc->mac);
	s->vtep = loc->vtep;
	s->vni = vni;
	spin_unlock_bh(&b->lock);
}

/*
 * Where @key's packets go, into @loc (whose rcu head is left alone), and
 * the VNI they carry to a VTEP.
 */
bool mnmap_memo_recall(struct mnmap_memo *f, const struct mnmap_memo_key *key,
		       struct mnmap_location *loc, u32 *vni)
{
	struct mnmap_memo_bucket *b = bucket_of(f, key);
	bool found = false;

	spin_lock_bh(&b->lock);
	for (int i = 0; i < MNMAP_MEMO_WAYS && !found; i++) {
		const struct mnmap_memo_slot *s = &b->way[i];

		found = live(s) && key_matches(&s->key, key);
		if (found) {
			loc->ifindex = s->ifindex;
			ether_addr_copy(loc->mac, s->mac);
			loc->vtep = s->vtep;
			*vni = s->vni;
		}
	}
	spin_unlock_bh(&b->lock);
	return found;
}

/* Device @ifindex is gone: nothing goes to it any more. */
void mnmap_memo_forget_dev(struct mnmap_memo *f, int ifindex)
{
	for (int i = 0; i < MNMAP_MEMO_BUCKETS; i++) {
		struct mnmap_memo_bucket *b = &f->bucket[i];

		spin_lock_bh(&b->lock);
		for (int j = 0; j < MNMAP_MEMO_WAYS; j++) {
			if (b->way[j].ifindex == ifindex)
				memset(&b->way[j], 0, sizeof(b->way[j]));
		}
		spin_unlock_bh(&b->lock);
	}
}
