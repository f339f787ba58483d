// SPDX-License-Identifier: GPL-2.0
/*
 * Which endpoint of a map a packet goes to. A map of one endpoint: that
 * one, whatever its weight or state (there is no other to choose). A map
 * of several: the endpoint its flow went to before, while that endpoint
 * is in the map (the flow table, flow.c), even drained (weight 0) or
 * down; else the map's Maglev table by the flow's hash (maglev.c), which
 * every host computes alike. A tenant's private client of a public map
 * gets only an endpoint of its own tenant: no other can answer it.
 */

#include "balance.h"
#include "flow.h"
#include "netns.h"

#include <linux/etherdevice.h>
#include <linux/hash.h>

/* The endpoint of @m whose name hashes to @name_hash (one of 2^64: its name). */
struct mnmap_endpoint *mnmap_backend_named(const struct mnmap_map *m, u64 name_hash)
{
	for (int i = 0; i < m->n_backends; i++)
		if (m->backends[i].ep->name_hash == name_hash)
			return m->backends[i].ep;
	return NULL;
}

/*
 * Whether @ep may take a new flow from a client in tenant @client (0: any
 * endpoint may): it is up, and a tenant's private client only to its own
 * tenant's endpoints (no other could answer it).
 */
static bool may_take(const struct mnmap_endpoint *ep, u32 client)
{
	const struct mnmap_location *loc = rcu_dereference(ep->loc);

	return !loc->down && (!client || loc->tenant == client);
}

/* Whether some endpoint of @m takes new flows from @client: with weight. */
static bool any_takes_new(const struct mnmap_map *m, u32 client)
{
	for (int i = 0; i < m->n_backends; i++)
		if (m->backends[i].weight && may_take(m->backends[i].ep, client))
			return true;
	return false;
}

/*
 * Slots a pick walks past before it gives up on the table: those of
 * endpoints that may not take the flow (down, or of another tenant than a
 * private client's) can be nearly all of it, and a packet must not pay
 * for a walk of 61,357 slots.
 */
#define MNMAP_PICK_PROBES 64

/*
 * Past the probes: rendezvous hashing over the endpoints that may take
 * the flow, as order-free as the table (the same on every host), and
 * blind to weights, which only the rare flow that comes here misses.
 */
static struct mnmap_endpoint *rendezvous_pick(const struct mnmap_map *m, u32 hash, u32 client)
{
	struct mnmap_endpoint *best = NULL;
	u64 best_score = 0;

	for (int i = 0; i < m->n_backends; i++) {
		struct mnmap_endpoint *ep = m->backends[i].ep;
		u64 score;

		if (!m->backends[i].weight || !may_take(ep, client))
			continue;
		score = hash_64(ep->name_hash ^ hash, 64);
		if (!best || score > best_score) {
			best = ep;
			best_score = score;
		}
	}
	return best;
}

/*
 * A new flow's endpoint: its slot's; when that one may not take it, the
 * next slot's that may, so that a down endpoint's share goes to the others
 * by their weights (their slots), the same on every host. NULL when no
 * endpoint takes new flows from @client.
 */
static struct mnmap_endpoint *consistent_pick(const struct mnmap_map *m, u32 hash,
					      u32 client)
{
	const u8 *slots = mnmap_map_slots(m);
	u32 probes = min_t(u32, m->n_slots, MNMAP_PICK_PROBES);
	u32 slot;

	if (!m->n_slots || !any_takes_new(m, client))
		return NULL;
	slot = hash % m->n_slots;
	for (u32 i = 0; i < probes; i++, slot = slot + 1 == m->n_slots ? 0 : slot + 1) {
		struct mnmap_endpoint *ep = m->backends[slots[slot]].ep;

		if (may_take(ep, client))
			return ep;
	}
	return rendezvous_pick(m, hash, client);
}

/*
 * The tenant whose endpoints alone can answer the packet's client: a
 * tenant's private source to a map of another tenant (the public ones);
 * else 0, anyone.
 */
static u32 client_tenant(const struct mnmap_map *m, const struct mnmap_packet *p)
{
	return p->src.tenant != m->n.key.tenant ? p->src.tenant : 0;
}

/*
 * Why mnmap_pick() found no endpoint of @m for @p: every one is drained or
 * down, or (a tenant's private client) none that can answer it.
 */
enum mnmap_drop mnmap_unpicked(const struct mnmap_map *m, const struct mnmap_packet *p)
{
	return client_tenant(m, p) && any_takes_new(m, 0) ? MNMAP_DROP_PRIVATE :
							    MNMAP_DROP_UNMAPPED;
}

/*
 * Out of the tunnel, the sending host has picked: the frame is for the
 * endpoint of this host whose MAC it carries. NULL if no such endpoint.
 */
static struct mnmap_endpoint *picked_by_sender(const struct mnmap_map *m,
					       const struct mnmap_packet *p)
{
	if (!p->has_mac)
		return NULL;
	for (int i = 0; i < m->n_backends; i++) {
		const struct mnmap_location *loc = rcu_dereference(m->backends[i].ep->loc);

		if (!loc->vtep.family && ether_addr_equal(loc->mac, p->dst_mac))
			return m->backends[i].ep;
	}
	return NULL;
}

static void flow_key_of(const struct mnmap_map *m, const struct mnmap_packet *p,
			struct mnmap_flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = p->dst.family;
	key->proto = p->dst.proto;
	key->tenant = m->n.key.tenant;
	key->src_tenant = p->src.tenant;
	memcpy(&key->src, &p->src.addr, sizeof(key->src));
	memcpy(&key->dst, &p->dst.addr, sizeof(key->dst));
	key->sport = p->src.port;
	key->dport = p->dst.port;
}

/* The endpoint of @m for the packet @p describes; NULL: none takes it. */
struct mnmap_endpoint *mnmap_pick(struct mnmap_net *mn, const struct mnmap_map *m,
				  const struct mnmap_packet *p, enum mnmap_origin from)
{
	struct mnmap_flows *flows = mnmap_flows_of(mn);
	struct mnmap_endpoint *ep;
	struct mnmap_flow_key key;
	struct mnmap_flow *fl;

	if (m->n_backends == 1)
		return m->backends[0].ep;
	if (from == MNMAP_FROM_VXLAN) {
		ep = picked_by_sender(m, p);
		if (ep)
			return ep;
	}
	flow_key_of(m, p, &key);
	fl = flows ? mnmap_flow_lookup(flows, &key) : NULL;
	if (fl) {
		ep = mnmap_backend_named(m, READ_ONCE(fl->endpoint));
		if (ep)
			return ep;
	}
	ep = consistent_pick(m, mnmap_flow_hash(&key), client_tenant(m, p));
	if (!ep)
		return NULL;
	if (fl)
		mnmap_flow_repoint(fl, ep->name_hash);	/* its endpoint left the map */
	else if (flows)
		mnmap_flow_remember(flows, &key, ep->name_hash);
	return ep;
}
