/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the table (table.c) and a transaction's overlay of it
 * (overlay.c); not for the rest of the module. Every function here
 * expects the namespace's lock.
 */
#ifndef _MNMAP_TABLE_PRIV_H
#define _MNMAP_TABLE_PRIV_H

#include "table.h"

/* Constant where they are used, so that the hash code is inlined with them. */
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

/*
 * A key an overlay changed: the base's node there, and the node the key
 * will have. Its first change records it; it stays until the end of the
 * transaction, so that undoing a change never needs memory.
 */
struct mnmap_stage {
	struct mnmap_node n;		/* the key, hashed in the overlay */
	struct mnmap_node *from;	/* the base's node, or NULL */
	struct mnmap_node *to;		/* the staged node, or NULL: removed */
	struct list_head list;
};

/* An endpoint name an overlay changed. */
struct mnmap_ep_stage {
	struct rhash_head node;
	char name[MNMAP_NAME_MAX_LEN + 4];
	struct mnmap_endpoint *from;	/* the base's endpoint, or NULL */
	struct mnmap_endpoint *to;	/* @from, a new one, or NULL: deleted */
	struct mnmap_location *loc;	/* where @from moves to, or NULL */
	struct list_head list;
};

/* @ep's location, for a writer of @t: it holds the namespace's lock. */
#define mnmap_ep_loc(t, ep) \
	rcu_dereference_protected((ep)->loc, lockdep_is_held((t)->writers))

/* table.c */
struct mnmap_table *mnmap_table_alloc(const struct rhashtable_params *ep_params);
int mnmap_location_get(struct mnmap_table *t, struct mnmap_endpoint *ep,
		       const struct mnmap_location *loc, struct mnmap_table *o);
void mnmap_place_handover(struct mnmap_table *t, const struct mnmap_location *loc,
			  struct mnmap_endpoint *to);
void mnmap_location_put(struct mnmap_table *t, const struct mnmap_location *loc);
void mnmap_owners_sweep(struct mnmap_table *t, const struct mnmap_node *n);
int mnmap_endpoint_insert(struct mnmap_table *t, struct mnmap_endpoint *ep,
			  struct mnmap_table *o);
void mnmap_endpoint_retire(struct mnmap_table *t, struct mnmap_endpoint *ep);
void mnmap_endpoint_free(struct mnmap_endpoint *ep);
int mnmap_node_swap(struct mnmap_table *t, struct mnmap_node *from, struct mnmap_node *to);
void mnmap_node_retire(struct mnmap_table *t, struct mnmap_node *n, bool gone);
bool mnmap_same_traffic(const struct mnmap_node *a, const struct mnmap_node *b);
void mnmap_staged_free(struct mnmap_node *n, const struct mnmap_node *base);

/* overlay.c */
struct mnmap_stage *mnmap_stage_find(struct mnmap_table *o, const struct mnmap_key *key);
struct mnmap_stage *mnmap_stage_touch(struct mnmap_table *o, const struct mnmap_key *key);
struct mnmap_ep_stage *mnmap_ep_stage_find(struct mnmap_table *o, const char *key);
struct mnmap_ep_stage *mnmap_ep_stage_touch(struct mnmap_table *o, const char *key);
void mnmap_overlay_free(struct mnmap_table *o, bool committed);

#endif /* _MNMAP_TABLE_PRIV_H */
