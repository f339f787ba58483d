/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_FLOW_H
#define _MNMAP_FLOW_H

#include <linux/in6.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

struct sk_buff;
struct mnmap_flows;

/*
 * A flow to a map: fully initialised (padding included), hashed and
 * compared as bytes. The destination is the map's (tenant, address,
 * protocol, port); the source, the peer's address and port.
 */
struct mnmap_flow_key {
	union {
		__be32 v4;
		struct in6_addr v6;
	} src, dst;
	u32 tenant;		/* the map's */
	u16 sport, dport;
	u8 family;
	u8 proto;
	u8 pad[2];
	/*
	 * The client's: tenants' private addresses overlap. Last, so that
	 * the public clients' hash is what it was before it came.
	 */
	u32 src_tenant;
};

/* One remembered flow, read under RCU. */
struct mnmap_flow {
	struct rhash_head node;
	struct mnmap_flow_key key;
	/*
	 * The endpoint it goes to, by its name's hash (table.h): never a
	 * pointer, and the same endpoint after a table is replaced whole.
	 */
	u64 endpoint;
	unsigned long seen;	/* jiffies of its last packet */
	struct list_head age;	/* in the order the worker visits, under the lock */
	struct rcu_head rcu;
};

/* Module parameters (flow.c). */
extern unsigned int mnmap_flow_max;

struct mnmap_flows *mnmap_flows_new(void);
void mnmap_flows_free(struct mnmap_flows *f);

u32 mnmap_flow_hash(const struct mnmap_flow_key *key);
struct mnmap_flow *mnmap_flow_lookup(struct mnmap_flows *f, const struct mnmap_flow_key *key);
void mnmap_flow_repoint(struct mnmap_flow *fl, u64 endpoint);
void mnmap_flow_remember(struct mnmap_flows *f, const struct mnmap_flow_key *key, u64 endpoint);
u32 mnmap_flows_flush(struct mnmap_flows *f);

struct rhashtable *mnmap_flows_table(struct mnmap_flows *f);
int mnmap_flows_put_stats(struct sk_buff *skb, int attr, struct mnmap_flows *f);

#endif /* _MNMAP_FLOW_H */
