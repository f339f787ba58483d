/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_NETNS_H
#define _MNMAP_NETNS_H

#include <linux/mutex.h>
#include <linux/netfilter.h>

#include "stats.h"
#include <net/net_namespace.h>

struct mnmap_flows;
struct mnmap_memo;
struct mnmap_host;
struct mnmap_table;

/*
 * Everything mnmap knows about one network namespace. Readers (the packet
 * path, dumps) use RCU only; every writer holds @lock, so changes to one
 * namespace are serialised and never block the packet path.
 */
struct mnmap_net {
	struct net *net;
	/* Serialises writers of this namespace's state. */
	struct mutex lock;
	struct mnmap_host __rcu *host;
	/* The live table; NULL until something is added. */
	struct mnmap_table __rcu *table;
	/*
	 * An open transaction's table; the socket that owns it (a reference
	 * held, so that no new socket can ever be taken for it), that
	 * socket's port id (all a release notice says), and its last use.
	 */
	struct mnmap_table *staging;
	struct sock *staging_owner;
	u32 staging_portid;
	unsigned long staging_used;
	/*
	 * The owner of a transaction aborted behind its back (idle too long,
	 * or a device it named went away), held, and why: its requests are
	 * refused until it begins again, aborts or closes, so that what it
	 * sends next never goes live piecemeal.
	 */
	struct sock *lost_owner;
	const char *lost_why;
	/* Bumped by every visible change; lets dumps detect interruptions. */
	u32 generation;
	/* The data path's hooks, registered once there is a table to serve. */
	struct nf_hook_ops hooks[3];
	bool hooks_on;
	/* What takes the VXLAN device's packets (vxlan.c); guarded by RTNL. */
	struct nf_hook_ops *vxlan_hook;
	/* Where recent first fragments and echo requests came from or went (memo.c). */
	struct mnmap_memo *memo;
	/*
	 * The flow table of maps of several endpoints (flow.c): set once,
	 * with the hooks; freed with the namespace.
	 */
	struct mnmap_flows __rcu *flows;
	/* The namespace's counters: everything delivered, every drop. */
	struct mnmap_pcpu_stats __percpu *stats;
};

struct mnmap_net *mnmap_net(const struct net *net);

/* Set once, before the hooks that read it; freed with the namespace. */
static inline struct mnmap_flows *mnmap_flows_of(struct mnmap_net *mn)
{
	return rcu_dereference_raw(mn->flows);
}

int mnmap_netns_init(void);
void mnmap_netns_uninit(void);

#endif /* _MNMAP_NETNS_H */
