/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_VXLAN_H
#define _MNMAP_VXLAN_H

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>

struct metadata_dst;
struct mnmap_addr;
struct mnmap_location;
struct mnmap_net;

struct nf_hook_ops *mnmap_vxlan_hook(struct mnmap_net *mn, int ifindex,
				     struct netlink_ext_ack *extack);
void mnmap_vxlan_unhook(struct mnmap_net *mn, struct nf_hook_ops *ops);
void mnmap_vxlan_switch(struct mnmap_net *mn, struct nf_hook_ops *ops);
struct net_device *mnmap_vxlan_dev(struct mnmap_net *mn);
struct metadata_dst *mnmap_vxlan_tunnel_new(const struct mnmap_location *loc, u32 vni);
bool mnmap_vxlan_sender(const struct sk_buff *skb, struct mnmap_addr *vtep, u32 *vni);
void mnmap_vxlan_tunnel_put(struct metadata_dst *md);
unsigned int mnmap_vxlan_transmit(struct mnmap_net *mn, struct sk_buff *skb,
				  struct net_device *dev, const struct mnmap_location *loc,
				  u32 vni);
void mnmap_vxlan_device_gone(struct mnmap_net *mn, const struct net_device *dev);

#endif /* _MNMAP_VXLAN_H */
