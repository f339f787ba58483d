// SPDX-License-Identifier: GPL-2.0
/*
 * The mapping table: endpoints by name, and maps by (tenant, address,
 * protocol, port). Readers (the packet path) use RCU only and never see a
 * half-made object: maps are immutable and replaced whole. Writers hold the
 * namespace's mutex, so every function here that changes a table expects it.
 *
 * A writer may work on an overlay instead (overlay.c): a transaction's
 * changes to the live table, kept apart so that a batch of a few changes
 * onto a table of millions costs a few changes, not a copy. Lookups and
 * changes here see and go to the overlay first.
 */

#include "table_priv.h"
#include "limits.h"
#include "maglev.h"
#include "vxlan.h"

#include <linux/etherdevice.h>
#include <linux/idr.h>
#include <linux/netdevice.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/vmalloc.h>

static_assert(sizeof(struct mnmap_key) == 32);

/*
 * Endpoint serials, which the owner index knows endpoints by: unique
 * module-wide while they live. A serial is reused only once its endpoint
 * is freed, when no map gives it anything (its owner records count 0).
 */
static DEFINE_IDA(mnmap_serials);

struct mnmap_table *mnmap_table_alloc(const struct rhashtable_params *ep_params)
{
	struct mnmap_table *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	if (rhashtable_init(&t->endpoints, ep_params))
		goto err_free;
	if (rhashtable_init(&t->maps, &map_params))
		goto err_endpoints;
	refcount_set(&t->ref, 1);
	INIT_LIST_HEAD(&t->staged_maps);
	INIT_LIST_HEAD(&t->staged_endpoints);
	return t;

err_endpoints:
	rhashtable_destroy(&t->endpoints);
err_free:
	kfree(t);
	return NULL;
}

struct mnmap_table *mnmap_table_new(void)
{
	return mnmap_table_alloc(&endpoint_params);
}

static void free_map_node(void *ptr, void *arg)
{
	struct mnmap_node *n = ptr;

	if (mnmap_node_is_map(n))
		mnmap_traffic_release(&container_of(n, struct mnmap_map, n)->traffic);
	kvfree(n);
}

/*
 * Free at once an endpoint no reader can see: never published, or past a
 * grace period since it was unlinked. Nobody else reaches its location.
 */
void mnmap_endpoint_free(struct mnmap_endpoint *ep)
{
	mnmap_location_free(rcu_dereference_protected(ep->loc, 1));
	ida_free(&mnmap_serials, ep->serial);
	free_percpu(ep->stats);
	kfree(ep);
}

static void free_endpoint(void *ptr, void *arg)
{
	mnmap_endpoint_free(ptr);
}

static void endpoint_free_rcu(struct rcu_head *rcu)
{
	struct mnmap_endpoint *ep = container_of(rcu, struct mnmap_endpoint, rcu);

	ida_free(&mnmap_serials, ep->serial);
	free_percpu(ep->stats);
	kfree(ep);
}

/*
 * Drop a reference. The last one frees at once: whoever unpublished the
 * table waited for a grace period before dropping the table's own
 * reference, so no reader can still see it.
 */
void mnmap_table_put(struct mnmap_table *t)
{
	if (!t || !refcount_dec_and_test(&t->ref))
		return;
	if (t->base) {
		mnmap_overlay_free(t, false);
		return;
	}
	rhashtable_free_and_destroy(&t->maps, free_map_node, NULL);
	rhashtable_free_and_destroy(&t->endpoints, free_endpoint, NULL);
	kfree(t);
}

/*
 * Derived references: managed addresses, endpoint devices, the endpoint at
 * each device and MAC (its place), and the owners of each address.
 */

static void ref_key(struct mnmap_key *key, const struct mnmap_key *map, u8 kind,
		    int ifindex)
{
	memset(key, 0, sizeof(*key));
	key->kind = kind;
	if (kind == MNMAP_NODE_DEV) {
		key->tenant = ifindex;
		return;
	}
	key->addr = map->addr;
	key->family = map->family;
	key->tenant = map->tenant;
}

/* The owner record of @ep for @map's (tenant, address). */
static void owner_key(struct mnmap_key *key, const struct mnmap_key *map,
		      const struct mnmap_endpoint *ep)
{
	ref_key(key, map, MNMAP_NODE_OWNER, 0);
	key->owner = ep->serial;
}

/* The place record of a device and MAC. */
static void place_key(struct mnmap_key *key, int ifindex, const u8 *mac)
{
	memset(key, 0, sizeof(*key));
	key->kind = MNMAP_NODE_PLACE;
	key->owner = ifindex;
	memcpy(key->addr.v6.s6_addr, mac, ETH_ALEN);
}

static struct mnmap_ref *ref_find(struct mnmap_table *t, const struct mnmap_key *key)
{
	return rhashtable_lookup_fast(&t->maps, key, map_params);
}

/*
 * Publish @r, a new zeroed record of any kind (its struct begins with the
 * ref), under @key with one use; freed if it cannot be.
 */
static int ref_publish(struct mnmap_table *t, struct mnmap_ref *r, const struct mnmap_key *key)
{
	int ret;

	r->n.key = *key;
	r->refs = 1;
	ret = rhashtable_lookup_insert_fast(&t->maps, &r->n.head, map_params);
	if (ret)
		kfree(r);
	return ret;
}

/* Count one more use of @key, making its record if need be. */
static int ref_get(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_ref *r = ref_find(t, key);

	if (r) {
		WRITE_ONCE(r->refs, r->refs + 1);	/* the packet path reads owners' */
		return 0;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	return r ? ref_publish(t, r, key) : -ENOMEM;
}

static void ref_unlink(struct mnmap_table *t, struct mnmap_ref *r)
{
	WARN_ON(rhashtable_remove_fast(&t->maps, &r->n.head, map_params));
	kfree_rcu(r, n.rcu);
}

static void ref_put(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_ref *r = ref_find(t, key);

	if (WARN_ON(!r) || --r->refs)
		return;
	ref_unlink(t, r);
}

static int addr_get(struct mnmap_table *t, const struct mnmap_node *map)
{
	struct mnmap_key key;

	ref_key(&key, &map->key, MNMAP_NODE_ADDR, 0);
	return ref_get(t, &key);
}

static void addr_put(struct mnmap_table *t, const struct mnmap_node *map)
{
	struct mnmap_key key;

	ref_key(&key, &map->key, MNMAP_NODE_ADDR, 0);
	ref_put(t, &key);
}

static int epdev_get(struct mnmap_table *t, int ifindex)
{
	struct mnmap_key key;

	if (!ifindex)
		return 0;
	ref_key(&key, NULL, MNMAP_NODE_DEV, ifindex);
	return ref_get(t, &key);
}

static void epdev_put(struct mnmap_table *t, int ifindex)
{
	struct mnmap_key key;

	if (!ifindex)
		return;
	ref_key(&key, NULL, MNMAP_NODE_DEV, ifindex);
	ref_put(t, &key);
}

/*
 * Owners: for each endpoint of each map, a record of (tenant, address,
 * endpoint), counted over the maps that give it that address. It is what
 * makes an address an endpoint's own for traffic without ports (ICMP
 * echo, later fragments), where no map can say whose a packet is.
 *
 * Swaps can be undone (a failed batch, a failed commit) and an undo must
 * not fail: a count that drops to 0 leaves its record in place, where a
 * swap back finds it without allocating, and the packet path reads 0 as
 * no owner. The records go when the maps that left them are retired for
 * good, or their swaps undone (mnmap_owners_sweep()).
 */
static int owners_get(struct mnmap_table *t, const struct mnmap_node *n)
{
	const struct mnmap_map *m = container_of(n, struct mnmap_map, n);
	struct mnmap_key key;
	int i, ret = 0;

	for (i = 0; i < m->n_backends && !ret; i++) {
		owner_key(&key, &n->key, m->backends[i].ep);
		ret = ref_get(t, &key);
	}
	if (!ret)
		return 0;
	/*
	 * The first i - 1 gets succeeded (i is one past the failure): counted
	 * down, not freed, since a swap back may need them: the caller sweeps.
	 */
	for (i -= 2; i >= 0; i--) {
		struct mnmap_ref *r;

		owner_key(&key, &n->key, m->backends[i].ep);
		r = ref_find(t, &key);
		WRITE_ONCE(r->refs, r->refs - 1);
	}
	return ret;
}

static void owners_put(struct mnmap_table *t, const struct mnmap_node *n)
{
	const struct mnmap_map *m = container_of(n, struct mnmap_map, n);
	struct mnmap_key key;

	for (int i = 0; i < m->n_backends; i++) {
		struct mnmap_ref *r;

		owner_key(&key, &n->key, m->backends[i].ep);
		r = ref_find(t, &key);
		if (!WARN_ON(!r || !r->refs))
			WRITE_ONCE(r->refs, r->refs - 1);
	}
}

/* Drop the records of @n's owners that no map counts any more. */
void mnmap_owners_sweep(struct mnmap_table *t, const struct mnmap_node *n)
{
	const struct mnmap_map *m = container_of(n, struct mnmap_map, n);
	struct mnmap_key key;

	if (t->base || !mnmap_node_is_map(n))
		return;		/* an overlay keeps no owners: its commit does */
	for (int i = 0; i < m->n_backends; i++) {
		struct mnmap_ref *r;

		owner_key(&key, &n->key, m->backends[i].ep);
		r = ref_find(t, &key);
		if (r && !r->refs)
			ref_unlink(t, r);
	}
}

/* Whether a map of @key's (tenant, address) has endpoint @ep. Packet path: RCU. */
bool mnmap_addr_owned_by(struct mnmap_table *t, const struct mnmap_key *key,
			 const struct mnmap_endpoint *ep)
{
	struct mnmap_ref *r;
	struct mnmap_key k;

	owner_key(&k, key, ep);
	r = rhashtable_lookup(&t->maps, &k, map_params);
	return r && READ_ONCE(r->refs);
}

/*
 * Places: the endpoint behind each device and MAC, by which the packet
 * path knows who sent a frame, and so its tenant. Two endpoints cannot
 * live at one place: their frames could not be told apart.
 */
static struct mnmap_place *place_find(struct mnmap_table *t, const struct mnmap_location *loc)
{
	struct mnmap_key key;
	struct mnmap_ref *r;

	place_key(&key, loc->ifindex, loc->mac);
	r = ref_find(t, &key);
	return r ? container_of(r, struct mnmap_place, r) : NULL;
}

#define place_ep(t, p) rcu_dereference_protected((p)->ep, lockdep_is_held((t)->writers))

static bool same_place(const struct mnmap_location *a, const struct mnmap_location *b)
{
	return a->ifindex && a->ifindex == b->ifindex && ether_addr_equal(a->mac, b->mac);
}

/* Whether an endpoint but @ep that overlay @o changed is at @loc's place in its view. */
static bool staged_at(struct mnmap_table *o, const struct mnmap_endpoint *ep,
		      const struct mnmap_location *loc)
{
	struct mnmap_ep_stage *s;

	list_for_each_entry(s, &o->staged_endpoints, list) {
		if (s->to && s->to != ep && same_place(mnmap_endpoint_loc(o, s->to), loc))
			return true;
	}
	return false;
}

/*
 * Whether another endpoint than @ep lives at @loc's place, as a writer of
 * @t sees it. In an overlay: one it changed that is there in its view
 * (a linear walk of what it changed: transactions are small next to
 * tables), or the live holder, unless the overlay moves it away, deletes
 * or replaces it. Its commit asks again (place_get()).
 */
static bool place_taken(struct mnmap_table *t, const struct mnmap_endpoint *ep,
			const struct mnmap_location *loc)
{
	struct mnmap_table *live = t->base ?: t;
	struct mnmap_endpoint *holder;
	struct mnmap_place *p;

	if (!loc->ifindex)
		return false;
	if (t->base && staged_at(t, ep, loc))
		return true;
	p = place_find(live, loc);
	holder = p ? place_ep(live, p) : NULL;
	if (!holder || holder == ep)
		return false;
	if (!t->base)
		return true;
	if (mnmap_endpoint_find(t, holder->name) != holder)
		return false;	/* deleted or replaced in this transaction */
	return same_place(mnmap_endpoint_loc(t, holder), loc);
}

/*
 * Take @loc's place for @ep. In the commit of overlay @o, the live holder
 * may be one that @o moves away, deletes or replaces by @ep: both count
 * until the commit hands the place over (mnmap_place_handover()).
 */
static int place_get(struct mnmap_table *t, struct mnmap_endpoint *ep,
		     const struct mnmap_location *loc, struct mnmap_table *o)
{
	struct mnmap_place *p;
	struct mnmap_key key;

	if (!loc->ifindex)
		return 0;
	p = place_find(t, loc);
	if (p && place_ep(t, p) != ep && (!o || place_taken(o, ep, loc)))
		return -EADDRINUSE;
	if (p) {
		p->r.refs++;
		return 0;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	RCU_INIT_POINTER(p->ep, ep);	/* the insertion publishes it */
	place_key(&key, loc->ifindex, loc->mac);
	return ref_publish(t, &p->r, &key);
}

/* @to is the one endpoint at @loc's place now (it may have been another's). */
void mnmap_place_handover(struct mnmap_table *t, const struct mnmap_location *loc,
			  struct mnmap_endpoint *to)
{
	struct mnmap_place *p = loc->ifindex ? place_find(t, loc) : NULL;

	if (p)
		rcu_assign_pointer(p->ep, to);
}

static void place_put(struct mnmap_table *t, const struct mnmap_location *loc)
{
	struct mnmap_key key;

	if (!loc->ifindex)
		return;
	place_key(&key, loc->ifindex, loc->mac);
	ref_put(t, &key);
}

/* The endpoint that lives behind device @ifindex with @mac. Packet path: RCU. */
struct mnmap_endpoint *mnmap_endpoint_at(struct mnmap_table *t, int ifindex, const u8 *mac)
{
	struct mnmap_place *p;
	struct mnmap_key key;

	place_key(&key, ifindex, mac);
	p = rhashtable_lookup(&t->maps, &key, map_params);
	return p ? rcu_dereference(p->ep) : NULL;
}

/* A device's count of endpoints and the place of one: what a location takes. */
int mnmap_location_get(struct mnmap_table *t, struct mnmap_endpoint *ep,
		       const struct mnmap_location *loc, struct mnmap_table *o)
{
	int ret = epdev_get(t, loc->ifindex);

	if (ret)
		return ret;
	ret = place_get(t, ep, loc, o);
	if (ret)
		epdev_put(t, loc->ifindex);
	return ret;
}

void mnmap_location_put(struct mnmap_table *t, const struct mnmap_location *loc)
{
	place_put(t, loc);
	epdev_put(t, loc->ifindex);
}

/* Whether a map uses @key's (tenant, address). Packet path: RCU. */
bool mnmap_addr_managed(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_key k;

	ref_key(&k, key, MNMAP_NODE_ADDR, 0);
	return rhashtable_lookup(&t->maps, &k, map_params);
}

/* Whether an endpoint lives behind device @ifindex. Packet path: RCU. */
bool mnmap_dev_is_endpoint(struct mnmap_table *t, int ifindex)
{
	struct mnmap_key k;

	ref_key(&k, NULL, MNMAP_NODE_DEV, ifindex);
	return rhashtable_lookup(&t->maps, &k, map_params);
}

/* Make sure that changing @n's key cannot fail for want of memory. */
static int node_reserve(struct mnmap_table *t, const struct mnmap_node *n)
{
	return t->base ? PTR_ERR_OR_ZERO(mnmap_stage_touch(t, &n->key)) : 0;
}

/* The node at @key as a writer of @t sees it: an overlay's staged one first. */
static struct mnmap_node *node_find(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_stage *s;

	if (!t->base)
		return rhashtable_lookup_fast(&t->maps, key, map_params);
	s = mnmap_stage_find(t, key);
	return s ? s->to : rhashtable_lookup_fast(&t->base->maps, key, map_params);
}

/* Endpoints */

struct mnmap_endpoint *mnmap_endpoint_find(struct mnmap_table *t, const char *name)
{
	char key[sizeof_field(struct mnmap_endpoint, name)] = {};
	struct mnmap_ep_stage *s;

	if (strscpy(key, name, MNMAP_NAME_MAX_LEN + 1) < 0)
		return NULL;
	if (!t->base)
		return rhashtable_lookup_fast(&t->endpoints, key, endpoint_params);
	s = mnmap_ep_stage_find(t, key);
	return s ? s->to : rhashtable_lookup_fast(&t->base->endpoints, key, endpoint_params);
}

/* Where @ep lives as a writer of @t sees it: a move may be staged. */
const struct mnmap_location *mnmap_endpoint_loc(struct mnmap_table *t,
						struct mnmap_endpoint *ep)
{
	struct mnmap_ep_stage *s = t->base ? mnmap_ep_stage_find(t, ep->name) : NULL;

	if (s && s->from == ep && s->loc)
		return s->loc;
	return mnmap_ep_loc(t, ep);
}

/* How many map backends point at @ep, as a writer of @t sees it. */
u32 mnmap_endpoint_users(struct mnmap_table *t, const struct mnmap_endpoint *ep)
{
	return ep->users + (t->base ? ep->users_staged : 0);
}

/* A published copy of @loc, with its tunnel metadata when it is a VTEP. */
static struct mnmap_location *location_new(const struct mnmap_location *loc)
{
	struct mnmap_location *l = kmemdup(loc, sizeof(*loc), GFP_KERNEL_ACCOUNT);

	if (!l)
		return NULL;
	l->tunnel = NULL;
	l->tunnel_public = NULL;
	if (l->ifindex || !l->vtep.family)
		return l;
	l->tunnel = mnmap_vxlan_tunnel_new(l, l->tenant);
	if (l->tenant && l->tunnel)
		l->tunnel_public = mnmap_vxlan_tunnel_new(l, 0);
	if (!l->tunnel || (l->tenant && !l->tunnel_public)) {
		mnmap_location_free(l);
		return NULL;
	}
	return l;
}

/* Free at once a location no reader can see (NULL is fine). */
void mnmap_location_free(struct mnmap_location *l)
{
	if (l) {
		mnmap_vxlan_tunnel_put(l->tunnel);
		mnmap_vxlan_tunnel_put(l->tunnel_public);
	}
	kfree(l);
}

static void location_free_rcu(struct rcu_head *head)
{
	mnmap_location_free(container_of(head, struct mnmap_location, rcu));
}

/* Free a location after a grace period: readers may still hold it. */
void mnmap_location_free_rcu(struct mnmap_location *l)
{
	call_rcu(&l->rcu, location_free_rcu);
}

static struct mnmap_endpoint *endpoint_new(const char *name,
					   const struct mnmap_location *loc)
{
	struct mnmap_endpoint *ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	struct mnmap_location *l = location_new(loc);
	int serial;

	if (ep) {
		ep->stats = mnmap_stats_alloc();
		serial = ida_alloc_min(&mnmap_serials, 1, GFP_KERNEL);
		ep->serial = serial > 0 ? serial : 0;
	}
	if (!ep || !l || !ep->stats || !ep->serial) {
		mnmap_location_free(l);
		if (ep && ep->serial)
			ida_free(&mnmap_serials, ep->serial);
		if (ep)
			free_percpu(ep->stats);
		kfree(ep);
		return NULL;
	}
	strscpy(ep->name, name, sizeof(ep->name));
	ep->name_hash = mnmap_maglev_name_hash(ep->name);
	RCU_INIT_POINTER(ep->loc, l);
	return ep;
}

/* Put @ep in table @t; in overlay @o's commit (or NULL), as place_get() says. */
int mnmap_endpoint_insert(struct mnmap_table *t, struct mnmap_endpoint *ep,
			  struct mnmap_table *o)
{
	const struct mnmap_location *loc = mnmap_ep_loc(t, ep);
	int ret = mnmap_location_get(t, ep, loc, o);

	if (ret)
		return ret;
	ret = rhashtable_lookup_insert_fast(&t->endpoints, &ep->node, endpoint_params);
	if (ret)
		mnmap_location_put(t, loc);
	return ret;
}

/* An overlay's new endpoint: under a name that is free in the view. */
static int stage_endpoint_add(struct mnmap_table *o, struct mnmap_endpoint *ep)
{
	struct mnmap_ep_stage *s = mnmap_ep_stage_touch(o, ep->name);

	if (IS_ERR(s))
		return PTR_ERR(s);
	if (s->to)
		return -EEXIST;
	s->to = ep;
	return 0;
}

int mnmap_endpoint_add(struct mnmap_table *t, const char *name,
		       const struct mnmap_location *loc, struct netlink_ext_ack *extack)
{
	struct mnmap_endpoint *ep;
	int ret;

	if (t->n_endpoints >= READ_ONCE(mnmap_max_endpoints)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "namespace holds the most endpoints allowed (mnmap max_endpoints)");
		return -ENOSPC;
	}
	if (mnmap_endpoint_find(t, name)) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint already exists");
		return -EEXIST;
	}
	if (place_taken(t, NULL, loc)) {
		NL_SET_ERR_MSG_MOD(extack, MNMAP_PLACE_TAKEN_MSG);
		return -EADDRINUSE;
	}
	ep = endpoint_new(name, loc);
	if (!ep)
		return -ENOMEM;
	ret = t->base ? stage_endpoint_add(t, ep) : mnmap_endpoint_insert(t, ep, NULL);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack, "endpoint already exists");
	else if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(extack, MNMAP_STAGED_FULL_MSG);
	if (ret) {
		mnmap_endpoint_free(ep);
		return ret;
	}
	t->n_endpoints++;
	return 0;
}

/*
 * An overlay's move: the base's endpoint moves at the commit; one the
 * overlay made is seen by nobody yet, and moves at once.
 */
static int stage_endpoint_move(struct mnmap_table *o, struct mnmap_endpoint *ep,
			       struct mnmap_location *l)
{
	struct mnmap_ep_stage *s = mnmap_ep_stage_touch(o, ep->name);

	if (IS_ERR(s)) {
		mnmap_location_free(l);
		return PTR_ERR(s);
	}
	if (s->from == ep) {
		mnmap_location_free(s->loc);
		s->loc = l;
		return 0;
	}
	mnmap_location_free(mnmap_ep_loc(o, ep));
	RCU_INIT_POINTER(ep->loc, l);
	return 0;
}

/* Point the endpoint, and so every map that uses it, at a new location. */
int mnmap_endpoint_move(struct mnmap_table *t, struct mnmap_endpoint *ep,
			const struct mnmap_location *loc)
{
	struct mnmap_location *old = mnmap_ep_loc(t, ep);
	struct mnmap_location *l;
	int ret;

	if (place_taken(t, ep, loc))
		return -EADDRINUSE;
	l = location_new(loc);
	if (l && t->base)
		return stage_endpoint_move(t, ep, l);
	ret = l ? mnmap_location_get(t, ep, loc, NULL) : -ENOMEM;
	if (ret) {
		mnmap_location_free(l);
		return ret;
	}
	mnmap_location_put(t, old);
	rcu_assign_pointer(ep->loc, l);
	mnmap_location_free_rcu(old);
	return 0;
}

/* Maps */

static struct mnmap_map *node_map(struct mnmap_node *n)
{
	return container_of(n, struct mnmap_map, n);
}

static struct mnmap_block *node_block(struct mnmap_node *n)
{
	return container_of(n, struct mnmap_block, n);
}

/*
 * A map and, with several endpoints, its Maglev table: in one allocation,
 * 16 KiB up to MNMAP_MAGLEV_SMALL_MAP endpoints, 64 KiB up to the most a
 * map holds, freed with kvfree() like every node.
 */
static size_t map_size(u16 n_backends)
{
	size_t size = offsetof(struct mnmap_map, backends) +
		      n_backends * sizeof(struct mnmap_backend);

	BUILD_BUG_ON(offsetof(struct mnmap_map, backends) +
		     MNMAP_MAGLEV_SMALL_MAP * sizeof(struct mnmap_backend) +
		     MNMAP_MAGLEV_SMALL > SZ_16K);
	BUILD_BUG_ON(offsetof(struct mnmap_map, backends) +
		     MNMAP_MAP_ENDPOINTS_MAX * sizeof(struct mnmap_backend) +
		     MNMAP_MAGLEV_LARGE > SZ_64K);
	return n_backends > 1 ? size + mnmap_maglev_size(n_backends) : size;
}

static struct mnmap_map *map_alloc(const struct mnmap_key *key, u16 port_last,
				   u16 n_backends)
{
	struct mnmap_map *m;

	m = kvzalloc(map_size(n_backends), GFP_KERNEL_ACCOUNT);
	if (!m)
		return NULL;
	m->n.key = *key;
	m->port_last = port_last;
	m->n_backends = n_backends;
	return m;
}

/* The use counts a writer of @t changes: an overlay's are staged apart. */
static void users_add(struct mnmap_table *t, struct mnmap_node *n, int delta)
{
	struct mnmap_map *m;

	if (!n || !mnmap_node_is_map(n))
		return;
	m = node_map(n);
	for (int i = 0; i < m->n_backends; i++) {
		if (t->base)
			m->backends[i].ep->users_staged += delta;
		else
			m->backends[i].ep->users += delta;
	}
}

/* The live change of one key; the addresses in use follow the maps. */
static int hash_swap(struct mnmap_table *t, struct mnmap_node *from,
		     struct mnmap_node *to)
{
	bool new_map = to && !from && mnmap_node_is_map(to);
	int ret;

	/* On failure, what @to counted is counted down: the caller sweeps once undone. */
	if (to && mnmap_node_is_map(to)) {
		ret = owners_get(t, to);
		if (ret)
			return ret;
	}
	if (new_map) {
		ret = addr_get(t, to);
		if (ret)
			goto err_owners;
	}
	if (from && to)
		ret = rhashtable_replace_fast(&t->maps, &from->head, &to->head, map_params);
	else if (to)
		ret = rhashtable_lookup_insert_fast(&t->maps, &to->head, map_params);
	else
		ret = rhashtable_remove_fast(&t->maps, &from->head, map_params);
	if (ret) {
		if (new_map)
			addr_put(t, to);
		goto err_owners;
	}
	if (from && mnmap_node_is_map(from))
		owners_put(t, from);
	if (from && !to && mnmap_node_is_map(from))
		addr_put(t, from);
	return 0;

err_owners:
	if (to && mnmap_node_is_map(to))
		owners_put(t, to);
	return ret;
}

/* An overlay's change of one key: recorded, published at the commit. */
static int stage_swap(struct mnmap_table *o, struct mnmap_node *from,
		      struct mnmap_node *to)
{
	struct mnmap_stage *s = mnmap_stage_touch(o, from ? &from->key : &to->key);

	if (IS_ERR(s))
		return PTR_ERR(s);
	if (WARN_ON(s->to != from))
		return -EINVAL;
	s->to = to;
	return 0;
}

/*
 * The one primitive that changes the maps of a table: @from and @to may
 * be NULL (insert, remove). Only the first change of a key can fail: an
 * insert into a table, any change in an overlay (which records the key).
 * Keeps the endpoints' use counts and the map count true.
 */
int mnmap_node_swap(struct mnmap_table *t, struct mnmap_node *from,
		    struct mnmap_node *to)
{
	int ret = t->base ? stage_swap(t, from, to) : hash_swap(t, from, to);

	if (ret)
		return ret;
	users_add(t, to, 1);
	users_add(t, from, -1);
	if (from && mnmap_node_is_map(from))
		t->n_maps--;
	if (to && mnmap_node_is_map(to))
		t->n_maps++;
	if (from && from->key.kind == MNMAP_NODE_BLOCK)
		t->n_index--;
	if (to && to->key.kind == MNMAP_NODE_BLOCK)
		t->n_index++;
	return 0;
}

static void map_free_rcu(struct rcu_head *rcu)
{
	struct mnmap_map *m = container_of(rcu, struct mnmap_map, n.rcu);

	mnmap_traffic_release(&m->traffic);
	kvfree(m);
}

/* Free at once a map that never got a grace period's worth of readers. */
static void map_free_now(struct mnmap_map *m)
{
	mnmap_traffic_release(&m->traffic);
	kvfree(m);
}

/* Whether map nodes @a and @b count in the same slot: versions of one map. */
bool mnmap_same_traffic(const struct mnmap_node *a, const struct mnmap_node *b)
{
	return a && b && mnmap_node_is_map(a) && mnmap_node_is_map(b) &&
	       container_of(a, struct mnmap_map, n)->traffic.pcpu &&
	       container_of(a, struct mnmap_map, n)->traffic.pcpu ==
	       container_of(b, struct mnmap_map, n)->traffic.pcpu;
}

/* Free a node an overlay staged and never published, counters unless the base's. */
void mnmap_staged_free(struct mnmap_node *n, const struct mnmap_node *base)
{
	if (mnmap_node_is_map(n) && !mnmap_same_traffic(n, base))
		mnmap_traffic_release(&node_map(n)->traffic);
	kvfree(n);
}

/*
 * Free node @n, which a change took out of @t; @gone: a map that leaves
 * for good, whose counters go with it (a newer version takes them over
 * otherwise). Readers may hold a live node for a grace period. An
 * overlay's staged node was never seen, but a node of its base stays:
 * the commit retires it, an abort keeps it.
 */
void mnmap_node_retire(struct mnmap_table *t, struct mnmap_node *n, bool gone)
{
	struct mnmap_stage *s;

	if (!t->base) {
		mnmap_owners_sweep(t, n);
		if (gone && mnmap_node_is_map(n))
			call_rcu(&n->rcu, map_free_rcu);
		else
			kvfree_rcu(n, rcu);
		return;
	}
	s = mnmap_stage_find(t, &n->key);
	if (s && s->from == n)
		return;
	if (gone)
		mnmap_staged_free(n, s ? s->from : NULL);
	else
		kvfree(n);
}

/* Free a map that left table @t for good, counters and all. */
void mnmap_map_retire(struct mnmap_table *t, struct mnmap_map *m)
{
	mnmap_node_retire(t, &m->n, true);
}

/* Journal */

static int journal_reserve(struct mnmap_journal *j, u32 more)
{
	struct mnmap_swap *swaps;
	u32 cap;

	if (j->n + more <= j->cap)
		return 0;
	cap = max(j->n + more, 2 * j->cap);
	swaps = kvmalloc_array(cap, sizeof(*swaps), GFP_KERNEL_ACCOUNT);
	if (!swaps)
		return -ENOMEM;
	if (j->n)
		memcpy(swaps, j->swaps, j->n * sizeof(*swaps));
	kvfree(j->swaps);
	j->swaps = swaps;
	j->cap = cap;
	return 0;
}

/* Swap, and record it; the caller reserved room. */
static int journal_swap(struct mnmap_table *t, struct mnmap_journal *j,
			struct mnmap_node *from, struct mnmap_node *to)
{
	int ret = mnmap_node_swap(t, from, to);

	if (!ret)
		j->swaps[j->n++] = (struct mnmap_swap){ from, to };
	return ret;
}

/* Keep what was recorded: the nodes it replaced are retired. */
void mnmap_journal_commit(struct mnmap_table *t, struct mnmap_journal *j)
{
	for (u32 i = 0; i < j->n; i++)
		if (j->swaps[i].from)
			mnmap_node_retire(t, j->swaps[i].from, false);
	kvfree(j->swaps);
	memset(j, 0, sizeof(*j));
}

/* Undo what was recorded after @mark, newest first. Cannot fail. */
void mnmap_journal_undo(struct mnmap_table *t, struct mnmap_journal *j, u32 mark)
{
	u32 i;

	for (i = j->n; i > mark; i--)
		WARN_ON(mnmap_node_swap(t, j->swaps[i - 1].to, j->swaps[i - 1].from));
	if (j->n == mark)
		return;
	if (!t->base)
		synchronize_net();	/* readers may still hold the nodes we free */
	for (i = mark; i < j->n; i++) {
		struct mnmap_node *to = j->swaps[i].to;

		mnmap_owners_sweep(t, to);
		/* A new map owns its counters; a new version shares its old one's. */
		if (!j->swaps[i].from && mnmap_node_is_map(to))
			map_free_now(container_of(to, struct mnmap_map, n));
		else
			kvfree(to);
	}
	j->n = mark;
}

/* Lookups */

struct mnmap_map *mnmap_map_find(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_node *n = node_find(t, key);

	return n ? node_map(n) : NULL;
}

static struct mnmap_block *block_find(struct mnmap_table *t,
				      const struct mnmap_key *range, u16 block)
{
	struct mnmap_key key = *range;
	struct mnmap_node *n;

	key.kind = MNMAP_NODE_BLOCK;
	key.port = block;
	n = node_find(t, &key);
	return n ? node_block(n) : NULL;
}

/* The map a packet to @key belongs to: the exact port, else a range. */
struct mnmap_map *mnmap_lookup(struct mnmap_table *t, struct mnmap_key *key)
{
	struct mnmap_node *n;
	struct mnmap_block *b;
	u16 port = key->port;

	key->kind = MNMAP_NODE_EXACT;
	n = rhashtable_lookup(&t->maps, key, map_params);
	if (n || !mnmap_proto_has_ports(key->proto))
		return n ? node_map(n) : NULL;
	key->kind = MNMAP_NODE_BLOCK;
	key->port = port >> MNMAP_BLOCK_SHIFT;
	n = rhashtable_lookup(&t->maps, key, map_params);
	key->port = port;
	b = n ? node_block(n) : NULL;
	for (int i = 0; b && i < b->n_ranges; i++) {
		struct mnmap_map *m = b->ranges[i];

		if (m->n.key.port <= port && port <= m->port_last)
			return m;
	}
	return NULL;
}

/* Blocks: the lookup index of port ranges */

static u16 first_block(const struct mnmap_map *range)
{
	return range->n.key.port >> MNMAP_BLOCK_SHIFT;
}

static u16 block_count(const struct mnmap_map *range)
{
	return (range->port_last >> MNMAP_BLOCK_SHIFT) - first_block(range) + 1;
}

/* A copy of block @i of @range (or a new one) with @add or without @drop. */
static struct mnmap_block *block_edit(struct mnmap_table *t,
				      const struct mnmap_map *range, u16 i,
				      struct mnmap_map *add, struct mnmap_map *drop)
{
	u16 idx = first_block(range) + i;
	struct mnmap_block *old = block_find(t, &range->n.key, idx), *b;
	u16 n = old ? old->n_ranges : 0;

	b = kzalloc(struct_size(b, ranges, n + 1), GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	b->n.key = range->n.key;
	b->n.key.kind = MNMAP_NODE_BLOCK;
	b->n.key.port = idx;
	for (int k = 0; k < n; k++)
		if (old->ranges[k] != drop)
			b->ranges[b->n_ranges++] = old->ranges[k];
	if (add)
		b->ranges[b->n_ranges++] = add;
	return b;
}

static bool ranges_overlap(const struct mnmap_map *a, const struct mnmap_map *b)
{
	return a->n.key.port <= b->port_last && b->n.key.port <= a->port_last;
}

static bool range_overlaps(struct mnmap_table *t, const struct mnmap_map *range)
{
	for (u16 i = 0; i < block_count(range); i++) {
		struct mnmap_block *b = block_find(t, &range->n.key, first_block(range) + i);

		for (int k = 0; b && k < b->n_ranges; k++)
			if (ranges_overlap(b->ranges[k], range))
				return true;
	}
	return false;
}

/* Publish a new range and index it under each block it touches. */
static int range_link(struct mnmap_table *t, struct mnmap_journal *j,
		      struct mnmap_map *m, struct netlink_ext_ack *extack)
{
	struct mnmap_block *b;
	int ret;

	if (range_overlaps(t, m)) {
		NL_SET_ERR_MSG_MOD(extack, "port range overlaps another range");
		return -EEXIST;
	}
	ret = journal_reserve(j, block_count(m) + 1) ?:
	      journal_swap(t, j, NULL, &m->n);
	for (u16 i = 0; !ret && i < block_count(m); i++) {
		struct mnmap_block *old = block_find(t, &m->n.key, first_block(m) + i);

		b = block_edit(t, m, i, m, NULL);
		ret = b ? journal_swap(t, j, old ? &old->n : NULL, &b->n) : -ENOMEM;
		if (ret)
			kvfree(b);
	}
	return ret;
}

/* The blocks that unlinking a range will swap in: prepared, so no failure. */
struct range_unlink {
	u16 count;
	struct mnmap_block **old, **new;	/* new[i] NULL: the block goes */
};

static void range_unlink_free(struct range_unlink *u, bool free_new)
{
	for (u16 i = 0; free_new && u->new && i < u->count; i++)
		kvfree(u->new[i]);
	kvfree(u->old);
	kvfree(u->new);
	memset(u, 0, sizeof(*u));
}

/*
 * Prepare the unlinking of map @m: a range's new blocks, and in an overlay
 * the records of every key it changes, so that unlinking cannot fail.
 */
static int map_unlink_prepare(struct mnmap_table *t, struct mnmap_map *m,
			      struct range_unlink *u)
{
	int ret = node_reserve(t, &m->n);

	if (ret)
		return ret;
	if (m->n.key.kind != MNMAP_NODE_RANGE)
		return 0;
	ret = -ENOMEM;
	u->count = block_count(m);
	u->old = kvcalloc(u->count, sizeof(*u->old), GFP_KERNEL_ACCOUNT);
	u->new = kvcalloc(u->count, sizeof(*u->new), GFP_KERNEL_ACCOUNT);
	if (!u->old || !u->new)
		goto err;
	for (u16 i = 0; i < u->count; i++) {
		u->old[i] = block_find(t, &m->n.key, first_block(m) + i);
		if (WARN_ON(!u->old[i]))
			goto err;
		ret = node_reserve(t, &u->old[i]->n);
		if (ret)
			goto err;
		ret = -ENOMEM;
		if (u->old[i]->n_ranges == 1)
			continue;
		u->new[i] = block_edit(t, m, i, NULL, m);
		if (!u->new[i])
			goto err;
	}
	return 0;
err:
	range_unlink_free(u, true);
	return ret;
}

/* Unlink map @m (a range with its prepared blocks @u). Cannot fail. */
static void map_unlink(struct mnmap_table *t, struct mnmap_map *m,
		       struct range_unlink *u)
{
	for (u16 i = 0; i < u->count; i++) {
		WARN_ON(mnmap_node_swap(t, &u->old[i]->n, u->new[i] ? &u->new[i]->n : NULL));
		mnmap_node_retire(t, &u->old[i]->n, false);
	}
	range_unlink_free(u, false);
	WARN_ON(mnmap_node_swap(t, &m->n, NULL));
}

static int backend_index(const struct mnmap_map *m, const struct mnmap_endpoint *ep)
{
	for (int i = 0; i < m->n_backends; i++)
		if (m->backends[i].ep == ep)
			return i;
	return -1;
}

/*
 * Build @m's Maglev table from its backends (a map of several), before
 * anyone sees it; @m is freed and NULL returned when that fails. The
 * table depends on the endpoints' names and weights only: every host
 * that has the same map builds the same table.
 */
static struct mnmap_map *map_balance(struct mnmap_map *m)
{
	u32 n = m->n_backends, size = mnmap_maglev_size(n);
	struct mnmap_maglev_input *in;
	void *scratch;

	if (n < 2)
		return m;
	cond_resched();		/* a batch may build one per endpoint it adds */
	in = kmalloc_array(n, sizeof(*in), GFP_KERNEL);
	scratch = kvmalloc(mnmap_maglev_scratch_size(n, size), GFP_KERNEL);
	if (!in || !scratch) {
		kfree(in);
		kvfree(scratch);
		kvfree(m);
		return NULL;
	}
	for (u32 i = 0; i < n; i++)
		in[i] = (struct mnmap_maglev_input){ m->backends[i].ep->name,
						     m->backends[i].weight };
	if (mnmap_maglev_build((u8 *)mnmap_map_slots(m), size, in, n, scratch))
		m->n_slots = size;
	kfree(in);
	kvfree(scratch);
	return m;
}

/* A new map that has @old's backends plus @ep. */
static struct mnmap_map *map_with(const struct mnmap_map *old,
				  struct mnmap_endpoint *ep, u32 weight)
{
	struct mnmap_map *m = map_alloc(&old->n.key, old->port_last, old->n_backends + 1);

	if (!m)
		return NULL;
	memcpy(m->backends, old->backends, old->n_backends * sizeof(old->backends[0]));
	m->traffic = old->traffic;
	m->backends[old->n_backends].ep = ep;
	m->backends[old->n_backends].weight = weight;
	return map_balance(m);
}

/* A new map that has @old's backends but the one at @drop. */
static struct mnmap_map *map_without(const struct mnmap_map *old, int drop)
{
	struct mnmap_map *m = map_alloc(&old->n.key, old->port_last, old->n_backends - 1);

	if (!m)
		return NULL;
	m->traffic = old->traffic;
	for (int i = 0, k = 0; i < old->n_backends; i++)
		if (i != drop)
			m->backends[k++] = old->backends[i];
	return map_balance(m);
}

/* A new map that has @old's backends, the one at @i with @weight. */
static struct mnmap_map *map_reweighed(const struct mnmap_map *old, int i, u32 weight)
{
	struct mnmap_map *m = map_alloc(&old->n.key, old->port_last, old->n_backends);

	if (!m)
		return NULL;
	memcpy(m->backends, old->backends, old->n_backends * sizeof(old->backends[0]));
	m->traffic = old->traffic;
	m->backends[i].weight = weight;
	return map_balance(m);
}

/* How many index nodes a new range adds: the blocks it touches that have none. */
static u32 range_new_blocks(struct mnmap_table *t, const struct mnmap_map_spec *spec)
{
	u16 first = spec->key.port >> MNMAP_BLOCK_SHIFT;
	u16 last = spec->port_last >> MNMAP_BLOCK_SHIFT;
	u32 n = 0;

	for (u32 b = first; b <= last; b++)
		n += !block_find(t, &spec->key, b);
	return n;
}

static int map_add_check(struct mnmap_table *t, const struct mnmap_map *old,
			 const struct mnmap_map_spec *spec, struct mnmap_endpoint *ep,
			 struct netlink_ext_ack *extack)
{
	if (!ep) {
		NL_SET_ERR_MSG_MOD(extack, "no such endpoint");
		return -ENOENT;
	}
	/* Public addresses may go to any tenant's containers; private ones not. */
	if (spec->key.tenant && mnmap_endpoint_loc(t, ep)->tenant != spec->key.tenant) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the endpoint is in another tenant: a tenant's maps take its own endpoints");
		return -EINVAL;
	}
	if (!old)
		return 0;
	if (old->port_last != spec->port_last) {
		NL_SET_ERR_MSG_MOD(extack, "port range overlaps another range");
		return -EEXIST;
	}
	if (old->n.key.kind == MNMAP_NODE_RANGE) {
		NL_SET_ERR_MSG_MOD(extack, "a port range belongs to one endpoint: already mapped");
		return -EEXIST;
	}
	if (spec->counters && !old->traffic.pcpu) {
		NL_SET_ERR_MSG_MOD(extack,
				   "this map has no counters: they are chosen when the map is made");
		return -EINVAL;
	}
	if (backend_index(old, ep) >= 0) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint already in this map");
		return -EEXIST;
	}
	/* Flows know their endpoint by its name's hash: one per map. */
	for (int i = 0; i < old->n_backends; i++) {
		if (old->backends[i].ep->name_hash == ep->name_hash) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the endpoint's name hashes like another's of this map: rename it");
			return -EEXIST;
		}
	}
	if (old->n_backends >= MNMAP_MAP_ENDPOINTS_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "a map holds at most "
				   __stringify(MNMAP_MAP_ENDPOINTS_MAX) " endpoints");
		return -ENOSPC;
	}
	return 0;
}

/*
 * Add the endpoint of @spec to its map, creating the map if needed. The
 * swaps go to @j: the caller commits or undoes them (a failed add has
 * undone its own). *@result is the map as published.
 */
int mnmap_map_add(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_journal *j, struct mnmap_map **result,
		  struct netlink_ext_ack *extack)
{
	struct mnmap_endpoint *ep = mnmap_endpoint_find(t, spec->endpoint);
	struct mnmap_map *old = mnmap_map_find(t, &spec->key), *m;
	u32 mark = j->n;
	int ret;

	ret = map_add_check(t, old, spec, ep, extack);
	if (ret)
		return ret;
	if (!old && t->n_maps >= READ_ONCE(mnmap_max_maps)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "namespace holds the most maps allowed (mnmap max_maps)");
		return -ENOSPC;
	}
	if (!old && spec->key.kind == MNMAP_NODE_RANGE &&
	    t->n_index + range_new_blocks(t, spec) > READ_ONCE(mnmap_max_index_nodes)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "namespace holds the most port-range index nodes allowed (mnmap max_index_nodes)");
		return -ENOSPC;
	}
	m = old ? map_with(old, ep, spec->weight) : map_alloc(&spec->key, spec->port_last, 1);
	if (!m)
		return -ENOMEM;
	if (!old) {
		m->backends[0].ep = ep;
		m->backends[0].weight = spec->weight;
		if (spec->counters && mnmap_traffic_get(&m->traffic)) {
			kvfree(m);
			return -ENOMEM;
		}
	}
	if (m->n.key.kind == MNMAP_NODE_RANGE) {
		ret = range_link(t, j, m, extack);
	} else {
		ret = journal_reserve(j, 1) ?:
		      journal_swap(t, j, old ? &old->n : NULL, &m->n);
	}
	if (ret) {
		/* The undo frees @m if it got as far as the table. */
		bool journaled = j->n > mark && j->swaps[mark].to == &m->n;

		mnmap_journal_undo(t, j, mark);
		if (!journaled)
			mnmap_owners_sweep(t, &m->n);	/* what its failed swap counted */
		if (!journaled && !old)
			map_free_now(m);
		else if (!journaled)
			kvfree(m);
		if (ret == -ENOSPC)	/* an overlay's record: the rest are checked */
			NL_SET_ERR_MSG_MOD(extack, MNMAP_STAGED_FULL_MSG);
		return ret;
	}
	*result = m;
	return 0;
}

/*
 * Give the endpoint of @spec the weight @spec has in its map: a new
 * version of the map, with a new Maglev table. The swap goes to @j, as
 * for mnmap_map_add(). Flows the flow table remembers stay where they are.
 */
int mnmap_map_set_weight(struct mnmap_table *t, const struct mnmap_map_spec *spec,
			 struct mnmap_journal *j, struct mnmap_map **result,
			 struct netlink_ext_ack *extack)
{
	struct mnmap_endpoint *ep = mnmap_endpoint_find(t, spec->endpoint);
	struct mnmap_map *old = mnmap_map_find(t, &spec->key), *m;
	u32 mark = j->n;
	int i, ret;

	if (!old || old->port_last != spec->port_last) {
		NL_SET_ERR_MSG_MOD(extack, "no such map");
		return -ENOENT;
	}
	if (old->n.key.kind == MNMAP_NODE_RANGE) {
		NL_SET_ERR_MSG_MOD(extack, "a port range has one endpoint: no weight to set");
		return -EINVAL;
	}
	i = ep ? backend_index(old, ep) : -1;
	if (i < 0) {
		NL_SET_ERR_MSG_MOD(extack, "the endpoint is not in this map");
		return -ENOENT;
	}
	m = map_reweighed(old, i, spec->weight);
	if (!m)
		return -ENOMEM;
	ret = journal_reserve(j, 1) ?: journal_swap(t, j, &old->n, &m->n);
	if (ret) {
		bool journaled = j->n > mark && j->swaps[mark].to == &m->n;

		mnmap_journal_undo(t, j, mark);
		if (!journaled) {
			mnmap_owners_sweep(t, &m->n);
			kvfree(m);
		}
		if (ret == -ENOSPC)
			NL_SET_ERR_MSG_MOD(extack, MNMAP_STAGED_FULL_MSG);
		return ret;
	}
	*result = m;
	return 0;
}

/*
 * Remove the endpoint of @spec from its map, or the whole map when @spec
 * names none. *@result: the map as it now is, or as it was when it is
 * *@gone; the caller retires a gone map with mnmap_map_retire() when done.
 */
int mnmap_map_del(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_map **result, bool *gone,
		  struct netlink_ext_ack *extack)
{
	struct mnmap_map *old = mnmap_map_find(t, &spec->key), *m;
	struct range_unlink u = {};
	struct mnmap_endpoint *ep;
	int idx = -1, ret;

	if (!old || old->port_last != spec->port_last) {
		NL_SET_ERR_MSG_MOD(extack, "no such map");
		return -ENOENT;
	}
	if (spec->endpoint) {
		ep = mnmap_endpoint_find(t, spec->endpoint);
		idx = ep ? backend_index(old, ep) : -1;
		if (idx < 0) {
			NL_SET_ERR_MSG_MOD(extack, "endpoint is not in this map");
			return -ENOENT;
		}
	}
	*gone = idx < 0 || old->n_backends == 1;
	if (*gone) {
		ret = map_unlink_prepare(t, old, &u);
		if (ret == -ENOSPC)
			NL_SET_ERR_MSG_MOD(extack, MNMAP_STAGED_FULL_MSG);
		if (ret)
			return ret;
		map_unlink(t, old, &u);
		*result = old;
		return 0;
	}
	m = map_without(old, idx);
	if (!m)
		return -ENOMEM;
	ret = mnmap_node_swap(t, &old->n, &m->n);
	if (ret) {
		kvfree(m);
		if (ret == -ENOSPC)
			NL_SET_ERR_MSG_MOD(extack, MNMAP_STAGED_FULL_MSG);
		return ret;
	}
	mnmap_node_retire(t, &old->n, false);
	*result = m;
	return 0;
}

/*
 * Nodes of @t as a writer sees it (an overlay's staged nodes, then the
 * base's it did not change) for which @want holds: at most @max of them
 * into @out. Returns how many there were: a walk may see a node twice
 * across a resize, or miss one, and callers check.
 */
struct collector {
	bool (*want)(const struct mnmap_node *n, const void *arg);
	const void *arg;
	struct mnmap_node **out;
	u32 max, found;
};

static void collect_walk(struct mnmap_table *t, struct rhashtable *ht, struct collector *c)
{
	bool staged = t->base && ht == &t->maps;
	struct rhashtable_iter iter;
	struct mnmap_node *n;

	rhashtable_walk_enter(ht, &iter);
	rhashtable_walk_start(&iter);
	while ((n = rhashtable_walk_next(&iter))) {
		if (IS_ERR(n))
			continue;
		if (staged)
			n = container_of(n, struct mnmap_stage, n)->to;
		else if (t->base && mnmap_stage_find(t, &n->key))
			continue;	/* the overlay has this key */
		if (!n || !c->want(n, c->arg))
			continue;
		if (c->found < c->max)
			c->out[c->found] = n;
		c->found++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static u32 collect(struct mnmap_table *t,
		   bool (*want)(const struct mnmap_node *n, const void *arg),
		   const void *arg, struct mnmap_node **out, u32 max)
{
	struct collector c = { .want = want, .arg = arg, .out = out, .max = max };

	collect_walk(t, &t->maps, &c);
	if (t->base)
		collect_walk(t, &t->base->maps, &c);
	return c.found;
}

static bool is_block(const struct mnmap_node *n, const void *arg)
{
	return n->key.kind == MNMAP_NODE_BLOCK;
}

static bool is_map(const struct mnmap_node *n, const void *arg)
{
	return mnmap_node_is_map(n);
}

/* One round of a flush: the blocks, then the maps, that one walk found. */
static int flush_round(struct mnmap_table *t, struct mnmap_node **nodes, u32 max,
		       u32 *found, u32 *flushed)
{
	u32 blocks = min(collect(t, is_block, NULL, nodes, max), max);
	u32 maps = collect(t, is_map, NULL, nodes + blocks, max - blocks);
	u32 n = min(blocks + maps, max);

	*found = blocks + maps;
	for (u32 i = 0; i < n; i++) {
		int ret = node_reserve(t, nodes[i]);

		if (ret)
			return ret;
	}
	for (u32 i = 0; i < n; i++) {
		/* A node seen twice across a resize is gone the second time. */
		if (node_find(t, &nodes[i]->key) != nodes[i])
			continue;
		WARN_ON(mnmap_node_swap(t, nodes[i], NULL));
		mnmap_node_retire(t, nodes[i], true);
		if (i >= blocks)
			(*flushed)++;
	}
	return 0;
}

/*
 * Remove every map; *@count says how many. Blocks go first, so that ranges
 * need no block edits. A walk may miss nodes that a resize moves, so
 * rounds go on until one finds none. Only an overlay, which records each
 * key it changes, can run out of memory (or of records: -ENOSPC), and then
 * flushes nothing more.
 */
int mnmap_map_flush(struct mnmap_table *t, u32 *count)
{
	u32 max = atomic_read(&t->maps.nelems) + 1, found;
	struct mnmap_node **nodes;
	int ret;

	if (t->base)
		max += atomic_read(&t->base->maps.nelems);
	nodes = kvmalloc_array(max, sizeof(*nodes), GFP_KERNEL_ACCOUNT);
	if (!nodes)
		return -ENOMEM;
	*count = 0;
	do {
		ret = flush_round(t, nodes, max, &found, count);
	} while (!ret && found);
	kvfree(nodes);
	return ret;
}

/* What deleting an endpoint does to one map that uses it. */
struct ep_del_step {
	struct mnmap_map *old;
	struct mnmap_map *new;		/* NULL: the map goes */
	struct range_unlink unlink;	/* for a range that goes */
};

static bool uses_endpoint(const struct mnmap_node *n, const void *ep)
{
	return mnmap_node_is_map(n) && backend_index(container_of(n, struct mnmap_map, n), ep) >= 0;
}

static int ep_del_collect(struct mnmap_table *t, struct mnmap_endpoint *ep,
			  struct ep_del_step *steps, u32 max)
{
	struct mnmap_node **nodes = kvcalloc(max, sizeof(*nodes), GFP_KERNEL_ACCOUNT);
	u32 n;

	if (!nodes)
		return -ENOMEM;
	n = collect(t, uses_endpoint, ep, nodes, max);
	for (u32 i = 0; i < min(n, max); i++)
		steps[i].old = node_map(nodes[i]);
	kvfree(nodes);
	return n == max ? 0 : -EAGAIN;
}

static void ep_del_steps_free(struct ep_del_step *steps, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		kvfree(steps[i].new);
		range_unlink_free(&steps[i].unlink, true);
	}
	kvfree(steps);
}

/* Allocate every change first, so that applying them cannot fail. */
static int ep_del_prepare(struct mnmap_table *t, struct mnmap_endpoint *ep,
			  struct ep_del_step *steps, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		struct mnmap_map *old = steps[i].old;

		int ret;

		if (old->n_backends > 1) {
			steps[i].new = map_without(old, backend_index(old, ep));
			if (!steps[i].new)
				return -ENOMEM;
			ret = node_reserve(t, &old->n);
		} else {
			ret = map_unlink_prepare(t, old, &steps[i].unlink);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* Remove @ep from every map, deleting the maps it was the last of. */
static int ep_del_from_maps(struct mnmap_table *t, struct mnmap_endpoint *ep)
{
	u32 n = mnmap_endpoint_users(t, ep);
	struct ep_del_step *steps = kvcalloc(n, sizeof(*steps), GFP_KERNEL_ACCOUNT);
	int ret;

	if (!steps)
		return -ENOMEM;
	ret = ep_del_collect(t, ep, steps, n) ?: ep_del_prepare(t, ep, steps, n);
	if (ret) {
		ep_del_steps_free(steps, n);
		return ret == -EAGAIN ? -EIO : ret;
	}
	for (u32 i = 0; i < n; i++) {
		if (steps[i].new) {
			WARN_ON(mnmap_node_swap(t, &steps[i].old->n, &steps[i].new->n));
			mnmap_node_retire(t, &steps[i].old->n, false);
		} else {
			map_unlink(t, steps[i].old, &steps[i].unlink);
			mnmap_node_retire(t, &steps[i].old->n, true);
		}
	}
	kvfree(steps);
	return 0;
}

/*
 * No device: @ep's location loses its place in place, for when no new one
 * can be allocated. Readers see the index or 0, either of which is safe.
 */
static void endpoint_detach_in_place(struct mnmap_table *t, struct mnmap_endpoint *ep)
{
	struct mnmap_location *loc = mnmap_ep_loc(t, ep);

	mnmap_location_put(t, loc);
	WRITE_ONCE(loc->ifindex, 0);
}

/*
 * Device @ifindex is gone: the endpoints of @t (a live or a whole table,
 * not an overlay) that lived behind it keep their name, MAC and maps, but
 * no place: their packets count as no-device until they are set again. A
 * device made later with the same index inherits nothing.
 */
void mnmap_table_forget_dev(struct mnmap_table *t, int ifindex)
{
	struct rhashtable_iter it;
	struct mnmap_endpoint *ep;
	bool used;

	/* Most devices that go had no endpoint: one probe, not a walk. */
	rcu_read_lock();
	used = mnmap_dev_is_endpoint(t, ifindex);
	rcu_read_unlock();
	if (!used)
		return;
	rhashtable_walk_enter(&t->endpoints, &it);
	rhashtable_walk_start(&it);
	while ((ep = rhashtable_walk_next(&it))) {
		struct mnmap_location detached;

		if (IS_ERR(ep) || mnmap_ep_loc(t, ep)->ifindex != ifindex)
			continue;
		/* A move allocates: the walk pauses for it. */
		rhashtable_walk_stop(&it);
		detached = *mnmap_ep_loc(t, ep);
		detached.ifindex = 0;
		if (mnmap_endpoint_move(t, ep, &detached))
			endpoint_detach_in_place(t, ep);
		rhashtable_walk_start(&it);
	}
	rhashtable_walk_stop(&it);
	rhashtable_walk_exit(&it);
}

/* Take @ep out of table @t: it goes after a grace period. */
void mnmap_endpoint_retire(struct mnmap_table *t, struct mnmap_endpoint *ep)
{
	struct mnmap_location *loc = mnmap_ep_loc(t, ep);

	mnmap_location_put(t, loc);
	mnmap_location_free_rcu(loc);
	call_rcu(&ep->rcu, endpoint_free_rcu);
}

int mnmap_endpoint_del(struct mnmap_table *t, struct mnmap_endpoint *ep, bool force,
		       struct netlink_ext_ack *extack)
{
	struct mnmap_ep_stage *s = NULL;
	int ret;

	if (mnmap_endpoint_users(t, ep) && !force) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint is used by maps: delete them first, or force");
		return -EBUSY;
	}
	if (t->base) {
		s = mnmap_ep_stage_touch(t, ep->name);
		ret = PTR_ERR_OR_ZERO(s);
		if (ret)
			goto err;
	}
	if (mnmap_endpoint_users(t, ep)) {
		ret = ep_del_from_maps(t, ep);
		if (ret)
			goto err;
	}
	t->n_endpoints--;
	if (s) {
		s->to = NULL;
		if (s->from != ep)	/* the overlay's own: nobody saw it */
			mnmap_endpoint_free(ep);
		return 0;
	}
	WARN_ON(rhashtable_remove_fast(&t->endpoints, &ep->node, endpoint_params));
	mnmap_endpoint_retire(t, ep);
	return 0;
err:
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(extack, MNMAP_STAGED_FULL_MSG);
	return ret;
}

#ifdef DEBUG
#include "selftest/table.c"
#endif
