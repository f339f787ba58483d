/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_TABLE_H
#define _MNMAP_TABLE_H

#include "host.h"
#include "stats.h"

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/netlink.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <uapi/linux/mnmap.h>

/*
 * Port ranges are found in O(1) whatever their number: each range is also
 * hashed under every aligned block of MNMAP_BLOCK_PORTS ports it touches,
 * so a lookup is one probe for the exact port and, failing that, one for
 * its block, whose few ranges are then compared.
 */
#define MNMAP_BLOCK_SHIFT 6
#define MNMAP_BLOCK_PORTS BIT(MNMAP_BLOCK_SHIFT)

struct metadata_dst;

/* Where an endpoint lives; immutable, replaced as a whole by a move. */
struct mnmap_location {
	struct rcu_head rcu;
	u8 mac[ETH_ALEN];
	int ifindex;			/* a local container's host-side device */
	struct mnmap_addr vtep;		/* or the host VM that holds it */
	/*
	 * Its tenant, which is also the VNI its tenant's packets carry between
	 * hosts; 0 holds the public addresses, whose packets carry VNI 0.
	 */
	u32 tenant;
	/*
	 * For a VTEP: what the VXLAN device sends by (vxlan.c), for the
	 * tenant's VNI and, in a tenant, for VNI 0; NULL in copies.
	 */
	struct metadata_dst *tunnel, *tunnel_public;
	/* Down: out of every map for new flows (its established ones stay). */
	bool down;
};

struct mnmap_endpoint {
	struct rhash_head node;
	/* Zero-padded: the hash key is the whole array. */
	char name[MNMAP_NAME_MAX_LEN + 4];
	struct mnmap_location __rcu *loc;
	/* Unique while it lives: what the owner index knows it by. */
	u32 serial;
	/*
	 * Its name's hash (maglev.h): what a flow knows it by, the same for
	 * an endpoint of that name in a table that replaced this one.
	 */
	u64 name_hash;
	/* Map backends that point here; changed only under the netns lock. */
	u32 users;
	/* What an open transaction changed of @users: seen only by writers. */
	int users_staged;
	struct mnmap_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

enum mnmap_node_kind {
	MNMAP_NODE_EXACT,	/* one port, or an icmp map: port 0 */
	MNMAP_NODE_RANGE,	/* a port range, keyed by its first port */
	MNMAP_NODE_BLOCK,	/* lookup index: ranges touching one block */
	MNMAP_NODE_ADDR,	/* an address some map uses: ARP, drops */
	MNMAP_NODE_DEV,		/* a device some endpoint lives behind */
	MNMAP_NODE_PLACE,	/* the endpoint at a device and MAC */
	MNMAP_NODE_OWNER,	/* an endpoint some map gives a (tenant, address) */
};

/* Fully initialised (padding included): hashed and compared as bytes. */
struct mnmap_key {
	union {
		__be32 v4;
		struct in6_addr v6;
	} addr;
	u32 tenant;
	u32 owner;		/* OWNER: the endpoint's serial; PLACE: the device */
	u16 port;		/* the port, the first port, or the block */
	u8 family;
	u8 proto;
	u8 kind;
	u8 pad[3];
};

struct mnmap_backend {
	struct mnmap_endpoint *ep;
	u32 weight;
};

/* What maps and blocks share: the hash table sees only this. */
struct mnmap_node {
	struct rhash_head head;
	struct mnmap_key key;
	struct rcu_head rcu;
};

/*
 * A map is immutable once published: any change builds a new map and
 * swaps it in with rhashtable_replace_fast(); the old one is freed after
 * a grace period. Readers therefore always see a whole map.
 */
struct mnmap_map {
	struct mnmap_node n;
	/* Belongs to the map's identity: each new version takes it over. */
	struct mnmap_traffic_slot traffic;
	u16 port_last;
	u16 n_backends;
	/*
	 * A map of several endpoints: the slots of its Maglev table, which
	 * follows the backends (mnmap_map_slots()); 0 when none of them has
	 * weight, or for one endpoint.
	 */
	u16 n_slots;
	struct mnmap_backend backends[];
};

/* Each slot: the index of a backend (maglev.h). */
static inline const u8 *mnmap_map_slots(const struct mnmap_map *m)
{
	return (const u8 *)&m->backends[m->n_backends];
}

struct mnmap_block {
	struct mnmap_node n;
	u16 n_ranges;
	struct mnmap_map *ranges[];
};

/*
 * Derived from the maps and endpoints, for the packet path: the addresses
 * mnmap answers for, and the devices its endpoints live behind. Counted
 * references; changed in place, only by writers.
 */
struct mnmap_ref {
	struct mnmap_node n;
	u32 refs;
};

/* The endpoint at a device and MAC: only one may live there. */
struct mnmap_place {
	struct mnmap_ref r;
	struct mnmap_endpoint __rcu *ep;
};

/*
 * The node swaps that additions made, so that a batch can be undone as a
 * whole. Undoing an addition only removes or replaces nodes: it cannot fail.
 */
struct mnmap_journal {
	u32 n, cap;
	struct mnmap_swap {
		struct mnmap_node *from, *to;
	} *swaps;
};

/*
 * The endpoints and maps of a namespace. Live tables are read under RCU.
 * A transaction that replaces everything builds a whole table, swapped in
 * with one pointer store; one that changes the live table builds an
 * overlay (@base set): only the keys it changes, each published at the
 * commit as a single change would be. Dumps hold a reference so a swap
 * never frees under them.
 */
struct mnmap_table {
	refcount_t ref;
	struct rhashtable endpoints;	/* an overlay's: struct mnmap_ep_stage */
	struct rhashtable maps;		/* exact, range and block nodes;
					 * an overlay's: struct mnmap_stage
					 */
	u32 n_endpoints;		/* an overlay's: as the commit will leave them */
	u32 n_maps;
	u32 n_index;			/* block nodes, the lookup index of ranges */
	u32 n_staged;			/* an overlay's records (struct mnmap_*stage) */
	struct mnmap_table *base;	/* the table an overlay changes */
	struct mutex *writers;		/* what its writers hold: for lockdep */
	struct list_head staged_maps, staged_endpoints;	/* in order of first change */
};

/* What a map request names: its identity, and the endpoint it concerns. */
struct mnmap_map_spec {
	struct mnmap_key key;		/* kind EXACT or RANGE */
	u16 port_last;
	const char *endpoint;
	u32 weight;
	bool counters;			/* add: the map counts its traffic */
};

#define MNMAP_PLACE_TAKEN_MSG "another endpoint lives behind this device with this MAC"

struct mnmap_table *mnmap_table_new(void);
void mnmap_table_put(struct mnmap_table *t);
struct mnmap_table *mnmap_table_overlay(struct mnmap_table *base);
int mnmap_overlay_commit(struct mnmap_table *overlay);

struct mnmap_endpoint *mnmap_endpoint_find(struct mnmap_table *t, const char *name);
void mnmap_location_free(struct mnmap_location *l);
void mnmap_location_free_rcu(struct mnmap_location *l);
const struct mnmap_location *mnmap_endpoint_loc(struct mnmap_table *t,
						struct mnmap_endpoint *ep);
u32 mnmap_endpoint_users(struct mnmap_table *t, const struct mnmap_endpoint *ep);
int mnmap_endpoint_add(struct mnmap_table *t, const char *name,
		       const struct mnmap_location *loc, struct netlink_ext_ack *extack);
int mnmap_endpoint_move(struct mnmap_table *t, struct mnmap_endpoint *ep,
			const struct mnmap_location *loc);
int mnmap_endpoint_del(struct mnmap_table *t, struct mnmap_endpoint *ep, bool force,
		       struct netlink_ext_ack *extack);
void mnmap_table_forget_dev(struct mnmap_table *t, int ifindex);
bool mnmap_overlay_uses_dev(struct mnmap_table *overlay, int ifindex);

struct mnmap_map *mnmap_map_find(struct mnmap_table *t, const struct mnmap_key *key);
int mnmap_map_add(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_journal *j, struct mnmap_map **result,
		  struct netlink_ext_ack *extack);
void mnmap_journal_commit(struct mnmap_table *t, struct mnmap_journal *j);
void mnmap_journal_undo(struct mnmap_table *t, struct mnmap_journal *j, u32 mark);
int mnmap_map_set_weight(struct mnmap_table *t, const struct mnmap_map_spec *spec,
			 struct mnmap_journal *j, struct mnmap_map **result,
			 struct netlink_ext_ack *extack);
int mnmap_map_del(struct mnmap_table *t, const struct mnmap_map_spec *spec,
		  struct mnmap_map **result, bool *gone,
		  struct netlink_ext_ack *extack);
void mnmap_map_retire(struct mnmap_table *t, struct mnmap_map *m);
int mnmap_map_flush(struct mnmap_table *t, u32 *count);

struct mnmap_map *mnmap_lookup(struct mnmap_table *t, struct mnmap_key *key);

static inline bool mnmap_node_is_map(const struct mnmap_node *n)
{
	return n->key.kind == MNMAP_NODE_EXACT || n->key.kind == MNMAP_NODE_RANGE;
}

bool mnmap_addr_managed(struct mnmap_table *t, const struct mnmap_key *key);
bool mnmap_addr_owned_by(struct mnmap_table *t, const struct mnmap_key *key,
			 const struct mnmap_endpoint *ep);
bool mnmap_dev_is_endpoint(struct mnmap_table *t, int ifindex);
struct mnmap_endpoint *mnmap_endpoint_at(struct mnmap_table *t, int ifindex, const u8 *mac);

static inline bool mnmap_proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

#ifdef DEBUG
bool mnmap_table_selftest(void);
#endif

#endif /* _MNMAP_TABLE_H */
