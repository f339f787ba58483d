/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_HOST_H
#define _MNMAP_HOST_H

#include <linux/in6.h>
#include <linux/rcupdate.h>

struct mnmap_net;

/* An IPv4 or IPv6 address; family 0 means unset. */
struct mnmap_addr {
	union {
		__be32 v4;
		struct in6_addr v6;
	};
	u8 family;
};

/*
 * This host's plumbing. Replaced as a whole (copy, change, publish) so that
 * the packet path always sees a consistent set under RCU.
 */
struct mnmap_host {
	struct rcu_head rcu;
	int uplink_ifindex;
	int vxlan_ifindex;
	struct mnmap_addr vtep;
	struct mnmap_addr gateway;
};

void mnmap_host_get(struct mnmap_net *mn, struct mnmap_host *out);
int mnmap_host_replace(struct mnmap_net *mn, const struct mnmap_host *conf);
void mnmap_host_release(struct mnmap_net *mn);
void mnmap_host_forget_dev(struct mnmap_net *mn, int ifindex);

#endif /* _MNMAP_HOST_H */
