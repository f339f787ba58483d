// SPDX-License-Identifier: GPL-2.0
/*
 * A transaction's overlay of the live table: per key it changed, the live
 * node there and the node the key will have; per endpoint name, a new
 * endpoint, a deletion or a location to move to. The table's writers
 * (table.c) see the overlay first, then the live table, which nothing
 * else changes while the transaction is open. The commit publishes the
 * changes key by key; an abort drops them, never having shown them to a
 * reader. So a batch costs its own changes, not the table's size.
 */

#include "table_priv.h"
#include "limits.h"

#include <linux/netdevice.h>
#include <linux/slab.h>

static const struct rhashtable_params ep_stage_params = {
	.key_offset = offsetof(struct mnmap_ep_stage, name),
	.key_len = sizeof_field(struct mnmap_ep_stage, name),
	.head_offset = offsetof(struct mnmap_ep_stage, node),
};

static_assert(sizeof_field(struct mnmap_ep_stage, name) ==
	      sizeof_field(struct mnmap_endpoint, name));

/* An empty overlay of @base: the table as it is, until a change. */
struct mnmap_table *mnmap_table_overlay(struct mnmap_table *base)
{
	struct mnmap_table *o = mnmap_table_alloc(&ep_stage_params);

	if (!o)
		return NULL;
	refcount_inc(&base->ref);
	o->base = base;
	o->writers = base->writers;
	o->n_endpoints = base->n_endpoints;
	o->n_maps = base->n_maps;
	o->n_index = base->n_index;
	return o;
}

/* What an overlay staged, by key and by name */

struct mnmap_stage *mnmap_stage_find(struct mnmap_table *o, const struct mnmap_key *key)
{
	return rhashtable_lookup_fast(&o->maps, key, map_params);
}

/*
 * The record of @key in overlay @o, made on its first change; -ENOSPC when
 * @o holds mnmap_max_staged records already.
 */
struct mnmap_stage *mnmap_stage_touch(struct mnmap_table *o, const struct mnmap_key *key)
{
	struct mnmap_stage *s = mnmap_stage_find(o, key);
	int ret;

	if (s)
		return s;
	if (o->n_staged >= READ_ONCE(mnmap_max_staged))
		return ERR_PTR(-ENOSPC);
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->n.key = *key;
	s->from = rhashtable_lookup_fast(&o->base->maps, key, map_params);
	s->to = s->from;
	ret = rhashtable_lookup_insert_fast(&o->maps, &s->n.head, map_params);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
	list_add_tail(&s->list, &o->staged_maps);
	o->n_staged++;
	return s;
}

struct mnmap_ep_stage *mnmap_ep_stage_find(struct mnmap_table *o, const char *key)
{
	return rhashtable_lookup_fast(&o->endpoints, key, ep_stage_params);
}

/* The record of endpoint name @key (zero-padded) in @o, made on first use. */
struct mnmap_ep_stage *mnmap_ep_stage_touch(struct mnmap_table *o, const char *key)
{
	struct mnmap_ep_stage *s = mnmap_ep_stage_find(o, key);
	int ret;

	if (s)
		return s;
	if (o->n_staged >= READ_ONCE(mnmap_max_staged))
		return ERR_PTR(-ENOSPC);
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	memcpy(s->name, key, sizeof(s->name));
	s->from = rhashtable_lookup_fast(&o->base->endpoints, key, endpoint_params);
	s->to = s->from;
	ret = rhashtable_lookup_insert_fast(&o->endpoints, &s->node, ep_stage_params);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
	list_add_tail(&s->list, &o->staged_endpoints);
	o->n_staged++;
	return s;
}

/* Commit and abort */

/* The location endpoint record @s gives its name at the commit, if new. */
static const struct mnmap_location *
ep_stage_new_loc(struct mnmap_table *t, const struct mnmap_ep_stage *s)
{
	if (s->to && s->to != s->from)
		return mnmap_ep_loc(t, s->to);
	return s->to ? s->loc : NULL;
}

/* Whether the overlay's commit would put an endpoint behind device @ifindex. */
bool mnmap_overlay_uses_dev(struct mnmap_table *o, int ifindex)
{
	struct mnmap_ep_stage *s;

	list_for_each_entry(s, &o->staged_endpoints, list) {
		const struct mnmap_location *l = ep_stage_new_loc(o, s);

		if (l && l->ifindex == ifindex)
			return true;
	}
	return false;
}

/*
 * What can fail of an endpoint's commit, done first: its new device in
 * @live's index, and a new name in its endpoint table (nothing routes by
 * name). A replaced endpoint swaps in later, when its maps are gone.
 */
static int ep_stage_prepare(struct mnmap_table *o, struct mnmap_table *live,
			    struct mnmap_ep_stage *s)
{
	const struct mnmap_location *l = ep_stage_new_loc(live, s);
	int ret;

	if (!l)
		return 0;
	if (s->from)	/* a move, or a new endpoint under the name */
		return mnmap_location_get(live, s->to, l, o);
	ret = mnmap_endpoint_insert(live, s->to, o);
	if (!ret)
		live->n_endpoints++;
	return ret;
}

static void ep_stage_unprepare(struct mnmap_table *live, struct mnmap_ep_stage *s)
{
	const struct mnmap_location *l = ep_stage_new_loc(live, s);

	if (!l)
		return;
	mnmap_location_put(live, l);
	if (!s->from) {
		WARN_ON(rhashtable_remove_fast(&live->endpoints, &s->to->node, endpoint_params));
		live->n_endpoints--;
	}
}

/* The rest of an endpoint's commit, which cannot fail: moves, deletions. */
static void ep_stage_finish(struct mnmap_table *live, struct mnmap_ep_stage *s)
{
	struct mnmap_endpoint *from = s->from;
	struct mnmap_location *old;

	if (!from || (s->to == from && !s->loc))
		return;
	if (s->to == from) {
		old = mnmap_ep_loc(live, from);
		rcu_assign_pointer(from->loc, s->loc);
		s->loc = NULL;
		mnmap_location_put(live, old);
		mnmap_location_free_rcu(old);
		return;
	}
	if (s->to) {
		WARN_ON(rhashtable_replace_fast(&live->endpoints, &from->node, &s->to->node,
						endpoint_params));
	} else {
		WARN_ON(rhashtable_remove_fast(&live->endpoints, &from->node, endpoint_params));
		live->n_endpoints--;
	}
	WARN_ON(from->users);
	mnmap_endpoint_retire(live, from);
}

static bool stage_adds(const struct mnmap_stage *s)
{
	return s->to && s->to != s->from;
}

/* Clear what an overlay staged of the use counts of @n's endpoints. */
static void users_unstage(struct mnmap_node *n)
{
	struct mnmap_map *m;

	if (!n || !mnmap_node_is_map(n))
		return;
	m = container_of(n, struct mnmap_map, n);
	for (int i = 0; i < m->n_backends; i++)
		m->backends[i].ep->users_staged = 0;
}

/*
 * Publish the keys an overlay changed in @live: insertions and replacements
 * first, the only changes that can fail and whose undoing cannot, then
 * removals. The nodes they replace go after a grace period.
 */
static int commit_maps(struct mnmap_table *o, struct mnmap_table *live)
{
	struct mnmap_stage *s;
	int ret = 0;

	list_for_each_entry(s, &o->staged_maps, list) {
		ret = stage_adds(s) ? mnmap_node_swap(live, s->from, s->to) : 0;
		if (ret)
			break;
	}
	if (ret) {
		list_for_each_entry_continue_reverse(s, &o->staged_maps, list)
			if (stage_adds(s))
				WARN_ON(mnmap_node_swap(live, s->to, s->from));
		/* Only once all is undone: an undo may need what a later one counted down. */
		list_for_each_entry(s, &o->staged_maps, list)
			if (stage_adds(s))
				mnmap_owners_sweep(live, s->to);
		return ret;
	}
	list_for_each_entry(s, &o->staged_maps, list) {
		if (!s->to && s->from)
			WARN_ON(mnmap_node_swap(live, s->from, NULL));
		users_unstage(s->from);
		users_unstage(s->to);
		if (s->from && s->to != s->from)
			mnmap_node_retire(live, s->from, !mnmap_same_traffic(s->to, s->from));
		s->from = s->to;	/* the overlay holds nothing of its own now */
	}
	return 0;
}

/*
 * Publish overlay @o in its base, and free it. Each key changes at once,
 * as a single change would; keys change one after the other, so traffic
 * may meet some of a batch's changes a moment before the others. A
 * failed commit (out of memory) changes nothing and leaves @o as it was.
 */
int mnmap_overlay_commit(struct mnmap_table *o)
{
	struct mnmap_table *live = o->base;
	struct mnmap_ep_stage *e;
	int ret = 0;

	list_for_each_entry(e, &o->staged_endpoints, list) {
		ret = ep_stage_prepare(o, live, e);
		if (ret)
			break;
	}
	if (!ret)
		ret = commit_maps(o, live);
	if (ret) {
		list_for_each_entry_continue_reverse(e, &o->staged_endpoints, list)
			ep_stage_unprepare(live, e);
		/* Readers may have met what was undone: a staged node, a new endpoint. */
		synchronize_net();
		return ret;
	}
	/*
	 * Each new place to its endpoint first: a deleted or replaced endpoint
	 * is retired below, and no place may name it then.
	 */
	list_for_each_entry(e, &o->staged_endpoints, list) {
		const struct mnmap_location *l = ep_stage_new_loc(live, e);

		if (l)
			mnmap_place_handover(live, l, e->to);
	}
	list_for_each_entry(e, &o->staged_endpoints, list) {
		ep_stage_finish(live, e);
		e->from = e->to;	/* now the live table's */
	}
	mnmap_overlay_free(o, true);
	return 0;
}

/*
 * Free an overlay, and what it staged unless @committed: nothing it staged
 * was ever seen, so it goes at once; the base keeps what it had.
 */
void mnmap_overlay_free(struct mnmap_table *o, bool committed)
{
	struct mnmap_ep_stage *e, *e_next;
	struct mnmap_stage *s, *s_next;

	list_for_each_entry_safe(s, s_next, &o->staged_maps, list) {
		if (!committed) {
			users_unstage(s->from);
			users_unstage(s->to);
			if (s->to && s->to != s->from)
				mnmap_staged_free(s->to, s->from);
		}
		kfree(s);
	}
	list_for_each_entry_safe(e, e_next, &o->staged_endpoints, list) {
		if (!committed && e->to && e->to != e->from)
			mnmap_endpoint_free(e->to);
		mnmap_location_free(e->loc);
		kfree(e);
	}
	rhashtable_destroy(&o->maps);
	rhashtable_destroy(&o->endpoints);
	mnmap_table_put(o->base);
	kfree(o);
}

