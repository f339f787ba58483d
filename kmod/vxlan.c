// SPDX-License-Identifier: GPL-2.0
/*
 * The way to containers on other hosts: the kernel's own vxlan driver, in
 * external (collect_md) mode. A packet for a remote endpoint becomes an
 * Ethernet frame to the container's MAC, handed to the VXLAN device with
 * the far end (the holding host's VTEP, the VNI) as tunnel metadata; the
 * driver adds the headers and routes it over the underlay. What the
 * device decapsulates carries the container's MAC, not the device's, so
 * the stack would drop it before any IP hook: mnmap takes it at the
 * device's ingress hook instead, and delivers it to a local container.
 */

#include "compat.h"
#include "datapath.h"
#include "host.h"
#include "netns.h"
#include "table.h"
#include "vxlan.h"

#include <linux/netfilter_netdev.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/dst_metadata.h>
#include <net/vxlan.h>

/* The VXLAN device this host sends through; NULL when there is none. */
struct net_device *mnmap_vxlan_dev(struct mnmap_net *mn)
{
	struct mnmap_host *host = rcu_dereference(mn->host);
	/* Cleared in place when the device goes (host.c). */
	int ifindex = host ? READ_ONCE(host->vxlan_ifindex) : 0;

	if (!ifindex)
		return NULL;
	return dev_get_by_index_rcu(mn->net, ifindex);
}

/*
 * The far end of the tunnel to @loc: its VTEP, and @vni, the tenant of the
 * address the packets go to. The outer source is left to the route to the
 * VTEP, as the vxlan driver does without "local".
 */
static void tunnel_info_init(struct ip_tunnel_info *info, const struct mnmap_location *loc,
			     u32 vni)
{
	info->mode = IP_TUNNEL_INFO_TX;
	if (loc->vtep.family == AF_INET6) {
		info->mode |= IP_TUNNEL_INFO_IPV6;
		info->key.u.ipv6.dst = loc->vtep.v6;
	} else {
		info->key.u.ipv4.dst = loc->vtep.v4;
	}
	info->key.tun_id = key32_to_tunnel_id(cpu_to_be32(vni));
	/*
	 * Over IPv6 the outer UDP checksum is due (RFC 8200): a VXLAN device
	 * drops zero checksums unless told otherwise (udp6zerocsumrx).
	 */
	mnmap_tunnel_key_flags_set(&info->key, loc->vtep.family == AF_INET6);
}

/*
 * The tunnel metadata of a location at a VTEP, made once with it: every
 * packet to it holds a reference instead of allocating its own, and the
 * route to the VTEP stays in its per-CPU cache. Sleeps.
 */
struct metadata_dst *mnmap_vxlan_tunnel_new(const struct mnmap_location *loc, u32 vni)
{
	struct metadata_dst *md = metadata_dst_alloc(0, METADATA_IP_TUNNEL, GFP_KERNEL_ACCOUNT);

	if (!md)
		return NULL;
	tunnel_info_init(&md->u.tun_info, loc, vni);
	if (dst_cache_init(&md->u.tun_info.dst_cache, GFP_KERNEL_ACCOUNT)) {
		metadata_dst_free(md);
		return NULL;
	}
	return md;
}

/* The VTEP and VNI a decapsulated packet came from; false if unknown. */
bool mnmap_vxlan_sender(const struct sk_buff *skb, struct mnmap_addr *vtep, u32 *vni)
{
	const struct ip_tunnel_info *info = skb_tunnel_info(skb);

	if (!info || (info->mode & IP_TUNNEL_INFO_TX))
		return false;
	if (ip_tunnel_info_af(info) == AF_INET6) {
		vtep->family = AF_INET6;
		vtep->v6 = info->key.u.ipv6.src;
	} else {
		vtep->family = AF_INET;
		vtep->v4 = info->key.u.ipv4.src;
	}
	*vni = be32_to_cpu(tunnel_id_to_key32(info->key.tun_id));
	return true;
}

/* Drop the location's reference: packets on their way hold their own. */
void mnmap_vxlan_tunnel_put(struct metadata_dst *md)
{
	if (md)
		dst_release(&md->dst);
}

/* The tunnel metadata @loc keeps for @vni: its tenant's, or the public one. */
static struct metadata_dst *cached_tunnel(const struct mnmap_location *loc, u32 vni)
{
	if (vni == loc->tenant)
		return loc->tunnel;
	return vni ? NULL : loc->tunnel_public;
}

/*
 * Send the packet, whose network header is at skb->data, through the
 * VXLAN device @dev to the container at @loc on another host, with @vni.
 * A location recalled from the memo is a copy without tunnel metadata: it
 * gets its own. The caller has counted the packet; the skb is always
 * consumed.
 */
unsigned int mnmap_vxlan_transmit(struct mnmap_net *mn, struct sk_buff *skb,
				  struct net_device *dev, const struct mnmap_location *loc,
				  u32 vni)
{
	struct metadata_dst *md = cached_tunnel(loc, vni);

	if (md) {
		dst_hold(&md->dst);
	} else {
		md = metadata_dst_alloc(0, METADATA_IP_TUNNEL, GFP_ATOMIC);
		if (!md)
			return NF_DROP;
		tunnel_info_init(&md->u.tun_info, loc, vni);
	}
	if (!mnmap_frame(skb, dev, loc->mac)) {
		dst_release(&md->dst);
		return NF_DROP;
	}
	skb_dst_set(skb, &md->dst);
	dev_queue_xmit(skb);
	return NF_STOLEN;
}

/*
 * What the VXLAN device decapsulated: an IP packet for a local container?
 * Not yet checked by ip_rcv(): the families check the header first.
 */
static unsigned int vxlan_in(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct mnmap_net *mn = priv;
	struct mnmap_table *t = rcu_dereference(mn->table);

	if (!t)
		return NF_ACCEPT;
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (mnmap_ipv4_header_ok(skb))
			return mnmap_ipv4_steer(mn, t, skb, state->in, MNMAP_FROM_VXLAN);
		break;
	case htons(ETH_P_IPV6):
		if (mnmap_ipv6_header_ok(skb))
			return mnmap_ipv6_steer(mn, t, skb, state->in, MNMAP_FROM_VXLAN);
		break;
	}
	/* Not mnmap's, or malformed: the stack judges. */
	return NF_ACCEPT;
}

static bool is_external_vxlan(const struct net_device *dev)
{
	const struct vxlan_dev *vxlan;

	if (!netif_is_vxlan(dev))
		return false;
	vxlan = netdev_priv(dev);
	return vxlan->cfg.flags & VXLAN_F_COLLECT_METADATA;
}

static void hook_free(struct mnmap_net *mn, struct nf_hook_ops *ops)
{
	if (!ops)
		return;
	nf_unregister_net_hook(mn->net, ops);
	kfree(ops);
}

/*
 * Start taking what the VXLAN device @ifindex decapsulates, beside what
 * is taken now: mnmap_vxlan_switch() then drops the old hook, or
 * mnmap_vxlan_unhook() the new one. NULL for ifindex 0 (no device). The
 * caller holds RTNL, which also guards mn->vxlan_hook, so that a device
 * cannot go away unnoticed in between.
 */
struct nf_hook_ops *mnmap_vxlan_hook(struct mnmap_net *mn, int ifindex,
				     struct netlink_ext_ack *extack)
{
	struct nf_hook_ops *ops;
	struct net_device *dev;
	int ret;

	ASSERT_RTNL();
	if (!ifindex)
		return NULL;
	dev = __dev_get_by_index(mn->net, ifindex);
	if (!dev || !is_external_vxlan(dev)) {
		NL_SET_ERR_MSG(extack, "not a VXLAN device in external (collect_md) mode");
		return ERR_PTR(-EINVAL);
	}
	ops = kzalloc(sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return ERR_PTR(-ENOMEM);
	ops->hook = vxlan_in;
	ops->pf = NFPROTO_NETDEV;
	ops->hooknum = NF_NETDEV_INGRESS;
	ops->dev = dev;
	ops->priv = mn;
	ret = nf_register_net_hook(mn->net, ops);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot hook the VXLAN device's ingress");
		kfree(ops);
		return ERR_PTR(ret);
	}
	return ops;
}

/* Drop a hook that mnmap_vxlan_hook() made and that was not switched to. */
void mnmap_vxlan_unhook(struct mnmap_net *mn, struct nf_hook_ops *ops)
{
	ASSERT_RTNL();
	hook_free(mn, ops);
}

/* Take packets from @ops's device (or none: NULL) only. */
void mnmap_vxlan_switch(struct mnmap_net *mn, struct nf_hook_ops *ops)
{
	ASSERT_RTNL();
	hook_free(mn, mn->vxlan_hook);
	mn->vxlan_hook = ops;
}

/* A device's ingress hook must go before the device does; under RTNL. */
void mnmap_vxlan_device_gone(struct mnmap_net *mn, const struct net_device *dev)
{
	if (mn->vxlan_hook && mn->vxlan_hook->dev == dev)
		mnmap_vxlan_switch(mn, NULL);
}
