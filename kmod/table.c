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
	.key_offset = offsetof(struct mnmap_map, key),
	.key_len = sizeof(struct mnmap_key),
	.head_offset = offsetof(struct mnmap_map, node),
	.automatic_shrinking = true,
};

static_assert(offsetof(struct mnmap_map, key) == offsetof(struct mnmap_block, key));
static_assert(offsetof(struct mnmap_map, node) == offsetof(struct mnmap_block, node));
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
	kfree(ptr);	/* a map or a block: both are one allocation */
}

static void free_endpoint(void *ptr, void *arg)
{
	struct mnmap_endpoint *ep = ptr;

	kfree(rcu_dereference_protected(ep->loc, true));
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

/* Endpoints */

struct mnmap_endpoint *mnmap_endpoint_find(struct mnmap_table *t, const char *name)
{
	char key[sizeof_field(struct mnmap_endpoint, name)] = {};

	if (strscpy(key, name, MNMAP_NAME_MAX_LEN + 1) < 0)
		return NULL;
	return rhashtable_lookup_fast(&t->endpoints, key, endpoint_params);
}

int mnmap_endpoint_add(struct mnmap_table *t, const char *name,
		       const struct mnmap_location *loc,
		       struct netlink_ext_ack *extack)
{
	struct mnmap_endpoint *ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	struct mnmap_location *l = kmemdup(loc, sizeof(*loc), GFP_KERNEL);
	int ret;

	ret = -ENOMEM;
	if (!ep || !l)
		goto err;
	strscpy(ep->name, name, sizeof(ep->name));
	RCU_INIT_POINTER(ep->loc, l);
	ret = rhashtable_lookup_insert_fast(&t->endpoints, &ep->node, endpoint_params);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack, "endpoint already exists");
	if (ret)
		goto err;
	t->n_endpoints++;
	return 0;
err:
	kfree(l);
	kfree(ep);
	return ret;
}

/* Point the endpoint, and so every map that uses it, at a new location. */
int mnmap_endpoint_move(struct mnmap_endpoint *ep, const struct mnmap_location *loc)
{
	struct mnmap_location *old = rcu_dereference_protected(ep->loc, true);
	struct mnmap_location *l = kmemdup(loc, sizeof(*loc), GFP_KERNEL);

	if (!l)
		return -ENOMEM;
	rcu_assign_pointer(ep->loc, l);
	kfree_rcu(old, rcu);
	return 0;
}

/* Maps */

static size_t map_size(u16 n_backends)
{
	return struct_size((struct mnmap_map *)NULL, backends, n_backends);
}

static struct mnmap_map *map_alloc(const struct mnmap_key *key, u16 port_last,
				   u16 n_backends)
{
	struct mnmap_map *m = kzalloc(map_size(n_backends), GFP_KERNEL);

	if (!m)
		return NULL;
	m->key = *key;
	m->port_last = port_last;
	m->n_backends = n_backends;
	return m;
}

static void users_add(struct mnmap_map *m, int delta)
{
	for (int i = 0; i < m->n_backends; i++)
		m->backends[i].ep->users += delta;
}

struct mnmap_map *mnmap_map_find(struct mnmap_table *t, const struct mnmap_key *key)
{
	return rhashtable_lookup_fast(&t->maps, key, map_params);
}

static struct mnmap_block *block_find(struct mnmap_table *t,
				      const struct mnmap_key *range, u16 block)
{
	struct mnmap_key key = *range;

	key.kind = MNMAP_NODE_BLOCK;
	key.port = block;
	return rhashtable_lookup_fast(&t->maps, &key, map_params);
}

/* A copy of @old (or a new block) with @add appended or @drop left out. */
static struct mnmap_block *block_edit(const struct mnmap_key *range, u16 block,
				      struct mnmap_block *old,
				      struct mnmap_map *add, struct mnmap_map *drop)
{
	u16 n = old ? old->n_ranges : 0;
	struct mnmap_block *b;

	b = kzalloc(struct_size(b, ranges, n + 1), GFP_KERNEL);
	if (!b)
		return NULL;
	b->key = *range;
	b->key.kind = MNMAP_NODE_BLOCK;
	b->key.port = block;
	for (int i = 0; i < n; i++) {
		if (old->ranges[i] != drop)
			b->ranges[b->n_ranges++] = old->ranges[i];
	}
	if (add)
		b->ranges[b->n_ranges++] = add;
	return b;
}

/* The blocks a range touches, before and after an edit. */
struct block_edit {
	u16 first, count;
	struct mnmap_block **old;
	struct mnmap_block **new;
};

static void block_edit_free(struct block_edit *e, bool free_new)
{
	if (free_new && e->new) {
		for (int i = 0; i < e->count; i++)
			kfree(e->new[i]);
	}
	kvfree(e->old);
	kvfree(e->new);
}

static int block_edit_prepare(struct mnmap_table *t, struct mnmap_map *range,
			      struct mnmap_map *add, struct mnmap_map *drop,
			      struct block_edit *e)
{
	e->first = range->key.port >> MNMAP_BLOCK_SHIFT;
	e->count = (range->port_last >> MNMAP_BLOCK_SHIFT) - e->first + 1;
	e->old = kvcalloc(e->count, sizeof(*e->old), GFP_KERNEL);
	e->new = kvcalloc(e->count, sizeof(*e->new), GFP_KERNEL);
	if (!e->old || !e->new)
		goto err;
	for (int i = 0; i < e->count; i++) {
		e->old[i] = block_find(t, &range->key, e->first + i);
		if (drop && e->old[i] && e->old[i]->n_ranges == 1)
			continue;	/* the block goes away: no new one */
		e->new[i] = block_edit(&range->key, e->first + i, e->old[i], add, drop);
		if (!e->new[i])
			goto err;
	}
	return 0;
err:
	block_edit_free(e, true);
	return -ENOMEM;
}

/* Swap in block @i of @e; only inserting a brand new block can fail. */
static int block_swap(struct mnmap_table *t, struct mnmap_block *from,
		      struct mnmap_block *to)
{
	if (from && to)
		return rhashtable_replace_fast(&t->maps, &from->node, &to->node, map_params);
	if (to)
		return rhashtable_insert_fast(&t->maps, &to->node, map_params);
	return rhashtable_remove_fast(&t->maps, &from->node, map_params);
}

/* Apply a prepared edit; on failure, undo it so the table is as before. */
static int block_edit_apply(struct mnmap_table *t, struct block_edit *e)
{
	int i, ret = 0;

	for (i = 0; i < e->count; i++) {
		ret = block_swap(t, e->old[i], e->new[i]);
		if (ret)
			break;
	}
	if (!ret) {
		for (i = 0; i < e->count; i++)
			if (e->old[i])
				kfree_rcu(e->old[i], rcu);
		block_edit_free(e, false);
		return 0;
	}
	/* Undo in reverse: replacing back and removing cannot fail. */
	while (--i >= 0)
		WARN_ON(block_swap(t, e->new[i], e->old[i]));
	synchronize_net();	/* readers may hold the new blocks we free */
	block_edit_free(e, true);
	return ret;
}

static bool ranges_overlap(const struct mnmap_map *a, const struct mnmap_map *b)
{
	return a->key.port <= b->port_last && b->key.port <= a->port_last;
}

static const struct mnmap_map *range_overlap(struct mnmap_table *t,
					     const struct mnmap_map *range)
{
	u16 first = range->key.port >> MNMAP_BLOCK_SHIFT;
	u16 last = range->port_last >> MNMAP_BLOCK_SHIFT;

	for (u32 b = first; b <= last; b++) {
		struct mnmap_block *block = block_find(t, &range->key, b);

		for (int i = 0; block && i < block->n_ranges; i++)
			if (ranges_overlap(block->ranges[i], range))
				return block->ranges[i];
	}
	return NULL;
}

static int range_link(struct mnmap_table *t, struct mnmap_map *m,
		      struct netlink_ext_ack *extack)
{
	struct block_edit e = {};
	int ret;

	if (range_overlap(t, m)) {
		NL_SET_ERR_MSG_MOD(extack, "port range overlaps another range");
		return -EEXIST;
	}
	ret = block_edit_prepare(t, m, m, NULL, &e);
	if (ret)
		return ret;
	ret = rhashtable_lookup_insert_fast(&t->maps, &m->node, map_params);
	if (ret) {
		block_edit_free(&e, true);
		return ret;
	}
	ret = block_edit_apply(t, &e);
	if (ret)
		rhashtable_remove_fast(&t->maps, &m->node, map_params);
	return ret;
}

/* Unlinking a range only replaces or removes blocks: it cannot fail. */
static void range_unlink_prepared(struct mnmap_table *t, struct mnmap_map *m,
				  struct block_edit *e)
{
	WARN_ON(block_edit_apply(t, e));
	rhashtable_remove_fast(&t->maps, &m->node, map_params);
}

/* Publish @m, a new map whose identity is not in the table yet. */
static int map_link(struct mnmap_table *t, struct mnmap_map *m,
		    struct netlink_ext_ack *extack)
{
	int ret;

	if (m->key.kind == MNMAP_NODE_RANGE)
		ret = range_link(t, m, extack);
	else
		ret = rhashtable_lookup_insert_fast(&t->maps, &m->node, map_params);
	if (ret)
		return ret;
	users_add(m, 1);
	t->n_maps++;
	return 0;
}

/*
 * Unlink @m. For a range, @e must hold its prepared block edit; then, and
 * for an exact map always, this cannot fail.
 */
static void map_unlink(struct mnmap_table *t, struct mnmap_map *m,
		       struct block_edit *e)
{
	if (m->key.kind == MNMAP_NODE_RANGE)
		range_unlink_prepared(t, m, e);
	else
		WARN_ON(rhashtable_remove_fast(&t->maps, &m->node, map_params));
	users_add(m, -1);
	t->n_maps--;
}

/* Allocate what unlinking @m will need. */
static int map_unlink_prepare(struct mnmap_table *t, struct mnmap_map *m,
			      struct block_edit *e)
{
	if (m->key.kind != MNMAP_NODE_RANGE)
		return 0;
	return block_edit_prepare(t, m, NULL, m, e);
}

/* Replace @old by @new, the same map with other backends. Cannot fail. */
static void map_replace(struct mnmap_table *t, struct mnmap_map *old,
			struct mnmap_map *new)
{
	WARN_ON(rhashtable_replace_fast(&t->maps, &old->node, &new->node, map_params));
	users_add(new, 1);
	users_add(old, -1);
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
	struct mnmap_map *m = map_alloc(&old->key, old->port_last, old->n_backends + 1);

	if (!m)
		return NULL;
	memcpy(m->backends, old->backends, old->n_backends * sizeof(old->backends[0]));
	m->backends[old->n_backends].ep = ep;
	m->backends[old->n_backends].weight = weight;
	return m;
}

/* A new map that has @old's backends but the one at @drop. */
static struct mnmap_map *map_without(const struct mnmap_map *old, int drop)
{
	struct mnmap_map *m = map_alloc(&old->key, old->port_last, old->n_backends - 1);

	if (!m)
		return NULL;
	for (int i = 0, j = 0; i < old->n_backends; i++)
		if (i != drop)
			m->backends[j++] = old->backends[i];
	return m;
}

/*
 * Add the endpoint of @spec to its map, creating the map if needed. On
 * success *@result is the map as published (valid while the lock is held).
 */
int mnmap_map_add(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_map **result, struct netlink_ext_ack *extack)
{
	struct mnmap_endpoint *ep = mnmap_endpoint_find(t, spec->endpoint);
	struct mnmap_map *old, *m;
	int ret;

	if (!ep) {
		NL_SET_ERR_MSG_MOD(extack, "no such endpoint");
		return -ENOENT;
	}
	old = mnmap_map_find(t, &spec->key);
	if (old && old->port_last != spec->port_last) {
		NL_SET_ERR_MSG_MOD(extack, "port range overlaps another range");
		return -EEXIST;
	}
	if (old && old->key.kind == MNMAP_NODE_RANGE) {
		NL_SET_ERR_MSG_MOD(extack, "a port range belongs to one endpoint: already mapped");
		return -EEXIST;
	}
	if (old && backend_index(old, ep) >= 0) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint already in this map");
		return -EEXIST;
	}
	if (old && old->n_backends == U16_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many endpoints in this map");
		return -ENOSPC;
	}
	if (old) {
		m = map_with(old, ep, spec->weight);
		if (!m)
			return -ENOMEM;
		map_replace(t, old, m);
		kfree_rcu(old, rcu);
	} else {
		m = map_alloc(&spec->key, spec->port_last, 1);
		if (!m)
			return -ENOMEM;
		m->backends[0].ep = ep;
		m->backends[0].weight = spec->weight;
		ret = map_link(t, m, extack);
		if (ret) {
			kfree(m);
			return ret;
		}
	}
	*result = m;
	return 0;
}

/*
 * Remove the endpoint of @spec from its map, or the whole map when @spec
 * names none. *@result: the map as it now is, or as it was when it is
 * *@gone; the caller frees a gone map with kfree_rcu() when done with it.
 */
int mnmap_map_del(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_map **result, bool *gone,
		  struct netlink_ext_ack *extack)
{
	struct mnmap_map *old = mnmap_map_find(t, &spec->key), *m;
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
		struct block_edit e = {};

		ret = map_unlink_prepare(t, old, &e);
		if (ret)
			return ret;
		map_unlink(t, old, &e);
		*result = old;
		return 0;
	}
	m = map_without(old, idx);
	if (!m)
		return -ENOMEM;
	map_replace(t, old, m);
	kfree_rcu(old, rcu);
	*result = m;
	return 0;
}

/* One walk that removes the maps of one kind; returns how many it found. */
static u32 flush_walk(struct mnmap_table *t, bool blocks)
{
	struct rhashtable_iter iter;
	struct mnmap_map *m;
	u32 found = 0;

	rhashtable_walk_enter(&t->maps, &iter);
	rhashtable_walk_start(&iter);
	while ((m = rhashtable_walk_next(&iter))) {
		if (IS_ERR(m) || (m->key.kind == MNMAP_NODE_BLOCK) != blocks)
			continue;
		rhashtable_remove_fast(&t->maps, &m->node, map_params);
		if (!blocks) {
			users_add(m, -1);
			t->n_maps--;
		}
		kfree_rcu(m, rcu);
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

/* The map a packet to @key belongs to: the exact port, else a range. */
struct mnmap_map *mnmap_lookup(struct mnmap_table *t, struct mnmap_key *key)
{
	struct mnmap_block *b;
	struct mnmap_map *m;
	u16 port = key->port;

	key->kind = MNMAP_NODE_EXACT;
	m = rhashtable_lookup(&t->maps, key, map_params);
	if (m || !mnmap_proto_has_ports(key->proto))
		return m;
	key->kind = MNMAP_NODE_BLOCK;
	key->port = port >> MNMAP_BLOCK_SHIFT;
	b = rhashtable_lookup(&t->maps, key, map_params);
	key->port = port;
	for (int i = 0; b && i < b->n_ranges; i++) {
		m = b->ranges[i];
		if (m->key.port <= port && port <= m->port_last)
			return m;
	}
	return NULL;
}

/* What deleting an endpoint does to one map that uses it. */
struct ep_del_step {
	struct mnmap_map *old;
	struct mnmap_map *new;		/* NULL: the map goes */
	struct block_edit edit;		/* for a range that goes */
};

static int ep_del_collect(struct mnmap_table *t, struct mnmap_endpoint *ep,
			  struct ep_del_step *steps, u32 max)
{
	struct rhashtable_iter iter;
	struct mnmap_map *m;
	u32 n = 0;

	rhashtable_walk_enter(&t->maps, &iter);
	rhashtable_walk_start(&iter);
	while ((m = rhashtable_walk_next(&iter))) {
		if (IS_ERR(m) || m->key.kind == MNMAP_NODE_BLOCK)
			continue;
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
		if (steps[i].edit.count)
			block_edit_free(&steps[i].edit, true);
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
		} else if (map_unlink_prepare(t, old, &steps[i].edit)) {
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
		if (steps[i].new)
			map_replace(t, steps[i].old, steps[i].new);
		else
			map_unlink(t, steps[i].old, &steps[i].edit);
		kfree_rcu(steps[i].old, rcu);
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
	kfree_rcu(rcu_dereference_protected(ep->loc, true), rcu);
	kfree_rcu(ep, rcu);
	return 0;
}

/* A copy of @t, for a transaction that changes the current table. */
struct mnmap_table *mnmap_table_clone(struct mnmap_table *t)
{
	struct mnmap_table *copy = mnmap_table_new();
	struct rhashtable_iter iter;
	struct mnmap_endpoint *ep;
	struct mnmap_map *m, *dup;
	int ret = 0;

	if (!copy)
		return NULL;
	rhashtable_walk_enter(&t->endpoints, &iter);
	rhashtable_walk_start(&iter);
	while (!ret && (ep = rhashtable_walk_next(&iter))) {
		if (IS_ERR(ep))
			continue;
		rhashtable_walk_stop(&iter);	/* allocations may sleep */
		ret = mnmap_endpoint_add(copy, ep->name,
					 rcu_dereference_protected(ep->loc, true), NULL);
		if (ret == -EEXIST)	/* seen twice across a resize */
			ret = 0;
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	rhashtable_walk_enter(&t->maps, &iter);
	rhashtable_walk_start(&iter);
	while (!ret && (m = rhashtable_walk_next(&iter))) {
		if (IS_ERR(m) || m->key.kind == MNMAP_NODE_BLOCK)
			continue;
		rhashtable_walk_stop(&iter);
		dup = map_alloc(&m->key, m->port_last, m->n_backends);
		ret = -ENOMEM;
		if (dup) {
			for (int i = 0; i < m->n_backends; i++) {
				dup->backends[i].ep = mnmap_endpoint_find(copy,
									  m->backends[i].ep->name);
				dup->backends[i].weight = m->backends[i].weight;
			}
			ret = map_link(copy, dup, NULL);
			if (ret)
				kfree(dup);
			if (ret == -EEXIST)
				ret = 0;
		}
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
