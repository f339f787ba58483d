// SPDX-License-Identifier: GPL-2.0
/*
 * The mapping table: endpoints by name, and maps by (tenant, address,
 * protocol, port). Readers (the packet path) use RCU only and never see a
 * half-made object: maps are immutable and replaced whole. Writers hold the
 * namespace's mutex, so every function here that changes a table expects it.
 */

#include "table.h"

#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static const struct rhashtable_params endpoint_params = {
	.key_offset = offsetof(struct mnmap_endpoint, name),
	.key_len = sizeof_field(struct mnmap_endpoint, name),
	.head_offset = offsetof(struct mnmap_endpoint, node),
	.automatic_shrinking = true,
};

/* Exact maps, ranges and blocks share one table: the key's kind tells. */
static const struct rhashtable_params map_params = {
	.key_offset = offsetof(struct mnmap_node, key),
	.key_len = sizeof(struct mnmap_key),
	.head_offset = offsetof(struct mnmap_node, head),
	.automatic_shrinking = true,
};

static_assert(sizeof(struct mnmap_key) == 28);

struct mnmap_table *mnmap_table_new(void)
{
	struct mnmap_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	if (rhashtable_init(&t->endpoints, &endpoint_params))
		goto err_free;
	if (rhashtable_init(&t->maps, &map_params))
		goto err_endpoints;
	refcount_set(&t->ref, 1);
	return t;

err_endpoints:
	rhashtable_destroy(&t->endpoints);
err_free:
	kfree(t);
	return NULL;
}

static void free_map_node(void *ptr, void *arg)
{
	struct mnmap_node *n = ptr;

	if (mnmap_node_is_map(n))
		mnmap_traffic_release(&container_of(n, struct mnmap_map, n)->traffic);
	kfree(n);
}

static void free_endpoint(void *ptr, void *arg)
{
	struct mnmap_endpoint *ep = ptr;

	kfree(rcu_dereference_protected(ep->loc, true));
	mnmap_shared_stats_put(ep->stats);
	kfree(ep);
}

static void endpoint_free_rcu(struct rcu_head *rcu)
{
	struct mnmap_endpoint *ep = container_of(rcu, struct mnmap_endpoint, rcu);

	mnmap_shared_stats_put(ep->stats);
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
	rhashtable_free_and_destroy(&t->maps, free_map_node, NULL);
	rhashtable_free_and_destroy(&t->endpoints, free_endpoint, NULL);
	kfree(t);
}

/* Derived references: managed addresses and endpoint devices */

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

static int ref_get(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_ref *r = rhashtable_lookup_fast(&t->maps, key, map_params);
	int ret;

	if (r) {
		r->refs++;
		return 0;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->n.key = *key;
	r->refs = 1;
	ret = rhashtable_lookup_insert_fast(&t->maps, &r->n.head, map_params);
	if (ret)
		kfree(r);
	return ret;
}

static void ref_put(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_ref *r = rhashtable_lookup_fast(&t->maps, key, map_params);

	if (WARN_ON(!r) || --r->refs)
		return;
	WARN_ON(rhashtable_remove_fast(&t->maps, &r->n.head, map_params));
	kfree_rcu(r, n.rcu);
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

/* Endpoints */

struct mnmap_endpoint *mnmap_endpoint_find(struct mnmap_table *t, const char *name)
{
	char key[sizeof_field(struct mnmap_endpoint, name)] = {};

	if (strscpy(key, name, MNMAP_NAME_MAX_LEN + 1) < 0)
		return NULL;
	return rhashtable_lookup_fast(&t->endpoints, key, endpoint_params);
}

/*
 * Add an endpoint that counts in @stats (a table's copy shares the
 * original's), or in new counters when @stats is NULL.
 */
int mnmap_endpoint_add(struct mnmap_table *t, const char *name,
		       const struct mnmap_location *loc, struct mnmap_shared_stats *stats,
		       struct netlink_ext_ack *extack)
{
	struct mnmap_endpoint *ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	struct mnmap_location *l = kmemdup(loc, sizeof(*loc), GFP_KERNEL);
	int ret;

	ret = -ENOMEM;
	if (!ep || !l)
		goto err;
	ep->stats = stats ? mnmap_shared_stats_get(stats) : mnmap_shared_stats_new();
	if (!ep->stats)
		goto err;
	strscpy(ep->name, name, sizeof(ep->name));
	RCU_INIT_POINTER(ep->loc, l);
	ret = epdev_get(t, loc->ifindex);
	if (ret)
		goto err;
	ret = rhashtable_lookup_insert_fast(&t->endpoints, &ep->node, endpoint_params);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack, "endpoint already exists");
	if (ret) {
		epdev_put(t, loc->ifindex);
		goto err;
	}
	t->n_endpoints++;
	return 0;
err:
	kfree(l);
	if (ep)
		mnmap_shared_stats_put(ep->stats);
	kfree(ep);
	return ret;
}

/* Point the endpoint, and so every map that uses it, at a new location. */
int mnmap_endpoint_move(struct mnmap_table *t, struct mnmap_endpoint *ep,
			const struct mnmap_location *loc)
{
	struct mnmap_location *old = rcu_dereference_protected(ep->loc, true);
	struct mnmap_location *l = kmemdup(loc, sizeof(*loc), GFP_KERNEL);

	if (!l || epdev_get(t, loc->ifindex)) {
		kfree(l);
		return -ENOMEM;
	}
	epdev_put(t, old->ifindex);
	rcu_assign_pointer(ep->loc, l);
	kfree_rcu(old, rcu);
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

static struct mnmap_map *map_alloc(const struct mnmap_key *key, u16 port_last,
				   u16 n_backends)
{
	struct mnmap_map *m;

	m = kzalloc(struct_size(m, backends, n_backends), GFP_KERNEL);
	if (!m)
		return NULL;
	m->n.key = *key;
	m->port_last = port_last;
	m->n_backends = n_backends;
	return m;
}

static void users_add(struct mnmap_node *n, int delta)
{
	struct mnmap_map *m;

	if (!n || !mnmap_node_is_map(n))
		return;
	m = node_map(n);
	for (int i = 0; i < m->n_backends; i++)
		m->backends[i].ep->users += delta;
}

/*
 * The one primitive that changes the map hash table: @from and @to may be
 * NULL (insert, remove). Only an insert can fail. Keeps the endpoints' use
 * counts and the map count true.
 */
static int node_swap(struct mnmap_table *t, struct mnmap_node *from,
		     struct mnmap_node *to)
{
	bool new_map = to && !from && mnmap_node_is_map(to);
	int ret;

	if (new_map) {
		ret = addr_get(t, to);
		if (ret)
			return ret;
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
		return ret;
	}
	users_add(to, 1);
	users_add(from, -1);
	if (from && !to && mnmap_node_is_map(from)) {
		addr_put(t, from);
		t->n_maps--;
	}
	if (new_map)
		t->n_maps++;
	return 0;
}

static void node_free_rcu(struct mnmap_node *n)
{
	kfree_rcu(n, rcu);
}

static void map_free_rcu(struct rcu_head *rcu)
{
	struct mnmap_map *m = container_of(rcu, struct mnmap_map, n.rcu);

	mnmap_traffic_release(&m->traffic);
	kfree(m);
}

/* Free a map that left the table for good, counters and all. */
void mnmap_map_free(struct mnmap_map *m)
{
	call_rcu(&m->n.rcu, map_free_rcu);
}

/* Free at once a map that never got a grace period's worth of readers. */
static void map_free_now(struct mnmap_map *m)
{
	mnmap_traffic_release(&m->traffic);
	kfree(m);
}

/* Journal */

static int journal_reserve(struct mnmap_journal *j, u32 more)
{
	struct mnmap_swap *swaps;
	u32 cap;

	if (j->n + more <= j->cap)
		return 0;
	cap = max(j->n + more, 2 * j->cap);
	swaps = kvmalloc_array(cap, sizeof(*swaps), GFP_KERNEL);
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
	int ret = node_swap(t, from, to);

	if (!ret)
		j->swaps[j->n++] = (struct mnmap_swap){ from, to };
	return ret;
}

/* Keep what was recorded: the nodes it replaced go after a grace period. */
void mnmap_journal_commit(struct mnmap_journal *j)
{
	for (u32 i = 0; i < j->n; i++)
		if (j->swaps[i].from)
			node_free_rcu(j->swaps[i].from);
	kvfree(j->swaps);
	memset(j, 0, sizeof(*j));
}

/* Undo what was recorded after @mark, newest first. Cannot fail. */
void mnmap_journal_undo(struct mnmap_table *t, struct mnmap_journal *j, u32 mark)
{
	u32 i;

	for (i = j->n; i > mark; i--)
		WARN_ON(node_swap(t, j->swaps[i - 1].to, j->swaps[i - 1].from));
	if (j->n == mark)
		return;
	synchronize_net();	/* readers may still hold the nodes we free */
	for (i = mark; i < j->n; i++) {
		struct mnmap_node *to = j->swaps[i].to;

		/* A new map owns its counters; a new version shares its old one's. */
		if (!j->swaps[i].from && mnmap_node_is_map(to))
			map_free_now(container_of(to, struct mnmap_map, n));
		else
			kfree(to);
	}
	j->n = mark;
}

/* Lookups */

struct mnmap_map *mnmap_map_find(struct mnmap_table *t, const struct mnmap_key *key)
{
	struct mnmap_node *n = rhashtable_lookup_fast(&t->maps, key, map_params);

	return n ? node_map(n) : NULL;
}

static struct mnmap_block *block_find(struct mnmap_table *t,
				      const struct mnmap_key *range, u16 block)
{
	struct mnmap_key key = *range;
	struct mnmap_node *n;

	key.kind = MNMAP_NODE_BLOCK;
	key.port = block;
	n = rhashtable_lookup_fast(&t->maps, &key, map_params);
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

	b = kzalloc(struct_size(b, ranges, n + 1), GFP_KERNEL);
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
			kfree(b);
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
		kfree(u->new[i]);
	kvfree(u->old);
	kvfree(u->new);
	memset(u, 0, sizeof(*u));
}

static int range_unlink_prepare(struct mnmap_table *t, struct mnmap_map *m,
				struct range_unlink *u)
{
	if (m->n.key.kind != MNMAP_NODE_RANGE)
		return 0;
	u->count = block_count(m);
	u->old = kvcalloc(u->count, sizeof(*u->old), GFP_KERNEL);
	u->new = kvcalloc(u->count, sizeof(*u->new), GFP_KERNEL);
	if (!u->old || !u->new)
		goto err;
	for (u16 i = 0; i < u->count; i++) {
		u->old[i] = block_find(t, &m->n.key, first_block(m) + i);
		if (WARN_ON(!u->old[i]))
			goto err;
		if (u->old[i]->n_ranges == 1)
			continue;
		u->new[i] = block_edit(t, m, i, NULL, m);
		if (!u->new[i])
			goto err;
	}
	return 0;
err:
	range_unlink_free(u, true);
	return -ENOMEM;
}

/* Unlink map @m (a range with its prepared blocks @u). Cannot fail. */
static void map_unlink(struct mnmap_table *t, struct mnmap_map *m,
		       struct range_unlink *u)
{
	for (u16 i = 0; i < u->count; i++) {
		WARN_ON(node_swap(t, &u->old[i]->n, u->new[i] ? &u->new[i]->n : NULL));
		node_free_rcu(&u->old[i]->n);
	}
	range_unlink_free(u, false);
	WARN_ON(node_swap(t, &m->n, NULL));
}

static int backend_index(const struct mnmap_map *m, const struct mnmap_endpoint *ep)
{
	for (int i = 0; i < m->n_backends; i++)
		if (m->backends[i].ep == ep)
			return i;
	return -1;
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
	return m;
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
	return m;
}

static int map_add_check(const struct mnmap_map *old, const struct mnmap_map_spec *spec,
			 const struct mnmap_endpoint *ep, struct netlink_ext_ack *extack)
{
	if (!ep) {
		NL_SET_ERR_MSG_MOD(extack, "no such endpoint");
		return -ENOENT;
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
	if (backend_index(old, ep) >= 0) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint already in this map");
		return -EEXIST;
	}
	if (old->n_backends == U16_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many endpoints in this map");
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

	ret = map_add_check(old, spec, ep, extack);
	if (ret)
		return ret;
	m = old ? map_with(old, ep, spec->weight) : map_alloc(&spec->key, spec->port_last, 1);
	if (!m)
		return -ENOMEM;
	if (!old) {
		m->backends[0].ep = ep;
		m->backends[0].weight = spec->weight;
		if (spec->traffic) {
			m->traffic = *spec->traffic;
			mnmap_traffic_share(&m->traffic);
		} else if (mnmap_traffic_get(&m->traffic)) {
			kfree(m);
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
		if (!journaled && !old)
			map_free_now(m);
		else if (!journaled)
			kfree(m);
		return ret;
	}
	*result = m;
	return 0;
}

/*
 * Remove the endpoint of @spec from its map, or the whole map when @spec
 * names none. *@result: the map as it now is, or as it was when it is
 * *@gone; the caller frees a gone map with mnmap_map_free() when done.
 */
int mnmap_map_del(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_map **result, bool *gone,
		  struct netlink_ext_ack *extack)
{
	struct mnmap_map *old = mnmap_map_find(t, &spec->key), *m;
	struct range_unlink u = {};
	struct mnmap_endpoint *ep;
	int idx = -1;

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
		if (range_unlink_prepare(t, old, &u))
			return -ENOMEM;
		map_unlink(t, old, &u);
		*result = old;
		return 0;
	}
	m = map_without(old, idx);
	if (!m)
		return -ENOMEM;
	WARN_ON(node_swap(t, &old->n, &m->n));
	node_free_rcu(&old->n);
	*result = m;
	return 0;
}

/* One walk that removes the nodes of one kind; returns how many it found. */
static u32 flush_walk(struct mnmap_table *t, bool blocks)
{
	struct rhashtable_iter iter;
	struct mnmap_node *n;
	u32 found = 0;

	rhashtable_walk_enter(&t->maps, &iter);
	rhashtable_walk_start(&iter);
	while ((n = rhashtable_walk_next(&iter))) {
		if (IS_ERR(n) || (blocks ? n->key.kind != MNMAP_NODE_BLOCK : !mnmap_node_is_map(n)))
			continue;
		WARN_ON(node_swap(t, n, NULL));
		if (blocks)
			node_free_rcu(n);
		else
			mnmap_map_free(container_of(n, struct mnmap_map, n));
		found++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return found;
}

/*
 * Remove every map; returns how many. Blocks go first, so that ranges need
 * no block edits. A walk that races with its own removals may miss
 * entries, so each kind is walked until a walk finds none.
 */
u32 mnmap_map_flush(struct mnmap_table *t)
{
	u32 count = 0, n;

	while (flush_walk(t, true))
		;
	do {
		n = flush_walk(t, false);
		count += n;
	} while (n);
	return count;
}

/* What deleting an endpoint does to one map that uses it. */
struct ep_del_step {
	struct mnmap_map *old;
	struct mnmap_map *new;		/* NULL: the map goes */
	struct range_unlink unlink;	/* for a range that goes */
};

static int ep_del_collect(struct mnmap_table *t, struct mnmap_endpoint *ep,
			  struct ep_del_step *steps, u32 max)
{
	struct rhashtable_iter iter;
	struct mnmap_node *node;
	struct mnmap_map *m;
	u32 n = 0;

	rhashtable_walk_enter(&t->maps, &iter);
	rhashtable_walk_start(&iter);
	while ((node = rhashtable_walk_next(&iter))) {
		if (IS_ERR(node) || !mnmap_node_is_map(node))
			continue;
		m = node_map(node);
		if (backend_index(m, ep) >= 0 && n < max)
			steps[n++].old = m;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n == max ? 0 : -EAGAIN;
}

static void ep_del_steps_free(struct ep_del_step *steps, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		kfree(steps[i].new);
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

		if (old->n_backends > 1) {
			steps[i].new = map_without(old, backend_index(old, ep));
			if (!steps[i].new)
				return -ENOMEM;
		} else if (range_unlink_prepare(t, old, &steps[i].unlink)) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* Remove @ep from every map, deleting the maps it was the last of. */
static int ep_del_from_maps(struct mnmap_table *t, struct mnmap_endpoint *ep)
{
	u32 n = ep->users;
	struct ep_del_step *steps = kvcalloc(n, sizeof(*steps), GFP_KERNEL);
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
			WARN_ON(node_swap(t, &steps[i].old->n, &steps[i].new->n));
			node_free_rcu(&steps[i].old->n);
		} else {
			map_unlink(t, steps[i].old, &steps[i].unlink);
			mnmap_map_free(steps[i].old);
		}
	}
	kvfree(steps);
	return 0;
}

int mnmap_endpoint_del(struct mnmap_table *t, struct mnmap_endpoint *ep, bool force,
		       struct netlink_ext_ack *extack)
{
	int ret;

	if (ep->users && !force) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint is used by maps: delete them first, or force");
		return -EBUSY;
	}
	if (ep->users) {
		ret = ep_del_from_maps(t, ep);
		if (ret)
			return ret;
	}
	WARN_ON(rhashtable_remove_fast(&t->endpoints, &ep->node, endpoint_params));
	t->n_endpoints--;
	epdev_put(t, rcu_dereference_protected(ep->loc, true)->ifindex);
	kfree_rcu(rcu_dereference_protected(ep->loc, true), rcu);
	call_rcu(&ep->rcu, endpoint_free_rcu);
	return 0;
}

/* Add to @copy a map like @m, with @copy's endpoints of the same names. */
static int clone_map(struct mnmap_table *copy, const struct mnmap_map *m)
{
	struct mnmap_map_spec spec = { .key = m->n.key, .port_last = m->port_last,
				       .traffic = &m->traffic };
	struct mnmap_journal j = {};
	struct mnmap_map *result;
	int ret = 0;

	for (int i = 0; !ret && i < m->n_backends; i++) {
		spec.endpoint = m->backends[i].ep->name;
		spec.weight = m->backends[i].weight;
		ret = mnmap_map_add(copy, &spec, &j, &result, NULL);
	}
	if (ret == -EEXIST)	/* seen twice across a resize */
		ret = 0;
	if (ret)
		mnmap_journal_undo(copy, &j, 0);
	mnmap_journal_commit(&j);
	return ret;
}

/* A copy of @t, for a transaction that changes the current table. */
struct mnmap_table *mnmap_table_clone(struct mnmap_table *t)
{
	struct mnmap_table *copy = mnmap_table_new();
	struct rhashtable_iter iter;
	struct mnmap_endpoint *ep;
	struct mnmap_node *node;
	int ret = 0;

	if (!copy)
		return NULL;
	rhashtable_walk_enter(&t->endpoints, &iter);
	rhashtable_walk_start(&iter);
	while (!ret && (ep = rhashtable_walk_next(&iter))) {
		if (IS_ERR(ep))
			continue;
		rhashtable_walk_stop(&iter);	/* allocations may sleep */
		ret = mnmap_endpoint_add(copy, ep->name, rcu_dereference_protected(ep->loc, true),
					 ep->stats, NULL);
		if (ret == -EEXIST)	/* seen twice across a resize */
			ret = 0;
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	rhashtable_walk_enter(&t->maps, &iter);
	rhashtable_walk_start(&iter);
	while (!ret && (node = rhashtable_walk_next(&iter))) {
		if (IS_ERR(node) || !mnmap_node_is_map(node))
			continue;
		rhashtable_walk_stop(&iter);
		ret = clone_map(copy, node_map(node));
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	if (!ret && (copy->n_endpoints != t->n_endpoints || copy->n_maps != t->n_maps))
		ret = -EIO;	/* a walk missed entries: never commit a partial copy */
	if (ret) {
		mnmap_table_put(copy);
		return NULL;
	}
	return copy;
}

#ifdef DEBUG
#include "selftest/table.c"
#endif
