// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter data path, what IPv4 and IPv6 share: a packet that
 * arrives on the uplink, or from a container, for a mapped (address,
 * protocol, port) goes straight to the endpoint's device with its
 * destination MAC rewritten: no NAT, no routing, no bridge. A container
 * may only send from what it owns. The families key packets (ipv4.c,
 * ipv6.c), decide.c decides; this file describes the frame, carries out
 * the decision, and registers the hooks.
 */

#include "datapath.h"
#include "flow.h"
#include "host.h"
#include "netns.h"
#include "table.h"
#include "vxlan.h"

#include <linux/etherdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>

enum mnmap_origin mnmap_origin(struct mnmap_net *mn, struct mnmap_table *t,
			       const struct net_device *dev)
{
	struct mnmap_host *host = rcu_dereference(mn->host);

	/* Cleared in place when the device goes (host.c). */
	if (host && READ_ONCE(host->uplink_ifindex) == dev->ifindex)
		return MNMAP_FROM_UPLINK;
	if (mnmap_dev_is_endpoint(t, dev->ifindex))
		return MNMAP_FROM_ENDPOINT;
	return MNMAP_FROM_ELSEWHERE;
}

/*
 * Make the packet, whose network header is at skb->data, a frame from
 * @dev to @mac, ready to queue on @dev. False when it cannot be: the
 * caller drops it.
 */
bool mnmap_frame(struct sk_buff *skb, struct net_device *dev, const u8 *mac)
{
	u8 to[ETH_ALEN];
	struct ethhdr *eth;

	if (!skb_mac_header_was_set(skb) || skb_network_offset(skb) ||
	    skb_network_header(skb) - skb_mac_header(skb) != ETH_HLEN)
		return false;
	ether_addr_copy(to, mac);	/* @mac may be the frame's own source */
	__skb_push(skb, ETH_HLEN);
	if (skb_ensure_writable(skb, ETH_HLEN))
		return false;
	eth = eth_hdr(skb);
	ether_addr_copy(eth->h_dest, to);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	/*
	 * A CHECKSUM_COMPLETE sum (from a NIC, or the tunnel's software check)
	 * covers the packet: it must cover the header just written too, which
	 * the receiver takes off it again. Left as it was, the receiver would
	 * trust a sum that no longer matches.
	 */
	skb_postpush_rcsum(skb, eth, ETH_HLEN);
	skb->dev = dev;
	skb->pkt_type = PACKET_OUTGOING;
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	return true;
}

/*
 * Give the packet, whose network header is at skb->data, the Ethernet
 * header of a frame from @dev to @mac and queue it on @dev. The caller
 * has counted it; the skb is always consumed.
 */
unsigned int mnmap_transmit(struct sk_buff *skb, struct net_device *dev, const u8 *mac)
{
	if (!mnmap_frame(skb, dev, mac))
		return NF_DROP;
	dev_queue_xmit(skb);
	return NF_STOLEN;
}

/* Count a delivery as mnmap_decide() says: the namespace's, a map's and its endpoint's. */
void mnmap_count_delivered(struct mnmap_net *mn, const struct mnmap_action *a,
			   unsigned int len)
{
	if (!a->counted)
		return;
	mnmap_stats_delivered(mn->stats, len);
	if (a->m) {
		mnmap_traffic_delivered(a->m->traffic.pcpu, len);
		mnmap_stats_delivered(a->ep->stats, len);
	}
}

/*
 * Send the packet to @loc through @dev, to a VTEP with @vni: the tenant
 * of the address it goes to. Always consumed.
 */
static unsigned int send_to(struct mnmap_net *mn, struct sk_buff *skb,
			    struct net_device *dev, const struct mnmap_location *loc,
			    u32 vni)
{
	if (!loc->vtep.family)	/* a device's: its index may be cleared meanwhile */
		return mnmap_transmit(skb, dev, loc->mac);
	return mnmap_vxlan_transmit(mn, skb, dev, loc, vni);
}

/* What the frame says of the packet at skb->data, for mnmap_decide(). */
void mnmap_describe_frame(const struct sk_buff *skb, const struct net_device *in,
			  enum mnmap_origin from, struct mnmap_packet *p)
{
	memset(&p->tun_src, 0, sizeof(p->tun_src));	/* an IPv4 VTEP fills part */
	p->in_ifindex = in->ifindex;
	p->has_mac = skb_mac_header_was_set(skb);
	if (p->has_mac) {
		ether_addr_copy(p->src_mac, eth_hdr(skb)->h_source);
		ether_addr_copy(p->dst_mac, eth_hdr(skb)->h_dest);
	}
	p->tunneled = from == MNMAP_FROM_VXLAN &&
		      mnmap_vxlan_sender(skb, &p->tun_src, &p->tun_vni);
}

/*
 * Decide for a packet that mnmap_describe_frame() and a family described,
 * and act: a verdict, or MNMAP_UNCLAIMED as mnmap_decide() says.
 */
int mnmap_steer(struct mnmap_net *mn, struct mnmap_table *t, struct sk_buff *skb,
		enum mnmap_origin from, struct mnmap_packet *p)
{
	struct mnmap_action a;
	int verdict;

	verdict = mnmap_decide(mn, t, from, p, &a);
	if (verdict == MNMAP_TO_HOST) {
		skb->pkt_type = PACKET_HOST;
		return NF_ACCEPT;
	}
	if (verdict != MNMAP_SEND)
		return verdict;
	mnmap_count_delivered(mn, &a, skb->len);
	return send_to(mn, skb, a.dev, a.loc, a.vni);
}

/*
 * The ports of the TCP or UDP header at @off into @dst and @src (whose
 * proto is set). False for other protocols, or a header cut short.
 */
bool mnmap_port_keys(const struct sk_buff *skb, unsigned int off,
		     struct mnmap_key *dst, struct mnmap_key *src)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (!mnmap_proto_has_ports(dst->proto))
		return false;
	ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);
	if (!ports)
		return false;
	src->port = ntohs(ports[0]);
	dst->port = ntohs(ports[1]);
	return true;
}

/* IPv4 and IPv6 from the uplink or a container. */
static unsigned int ip_in(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct mnmap_net *mn = priv;
	struct mnmap_table *t = rcu_dereference(mn->table);
	enum mnmap_origin from;

	if (!t)
		return NF_ACCEPT;
	from = mnmap_origin(mn, t, state->in);
	if (from == MNMAP_FROM_ELSEWHERE)
		return NF_ACCEPT;
	if (state->pf == NFPROTO_IPV4)
		return mnmap_ipv4_steer(mn, t, skb, state->in, from);
	return mnmap_ipv6_steer(mn, t, skb, state->in, from);
}

static const struct nf_hook_ops mnmap_hook_templates[] = {
	{
		.hook = ip_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_FIRST + 1,
	},
	{
		.hook = ip_in,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_FIRST + 1,
	},
	{
		.hook = mnmap_arp_in,
		.pf = NFPROTO_ARP,
		.hooknum = NF_ARP_IN,
		.priority = 0,
	},
};

/* The ARP hook needs the kernel's ARP netfilter family; it comes last. */
static unsigned int n_hooks(void)
{
	return ARRAY_SIZE(mnmap_hook_templates) - !IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP);
}

/* Register the hooks of @mn's namespace; the caller holds its lock. */
int mnmap_datapath_start(struct mnmap_net *mn)
{
	int ret;

	if (mn->hooks_on)
		return 0;
	if (!mn->memo) {
		mn->memo = mnmap_memo_new();	/* freed with the namespace */
		if (!mn->memo)
			return -ENOMEM;
	}
	if (!rcu_access_pointer(mn->flows)) {
		struct mnmap_flows *flows = mnmap_flows_new();	/* freed with the namespace */

		if (!flows)
			return -ENOMEM;
		rcu_assign_pointer(mn->flows, flows);
	}
	BUILD_BUG_ON(ARRAY_SIZE(mn->hooks) != ARRAY_SIZE(mnmap_hook_templates));
	for (int i = 0; i < ARRAY_SIZE(mn->hooks); i++) {
		mn->hooks[i] = mnmap_hook_templates[i];
		mn->hooks[i].priv = mn;
	}
	ret = nf_register_net_hooks(mn->net, mn->hooks, n_hooks());
	if (!ret)
		WRITE_ONCE(mn->hooks_on, true);
	return ret;
}

void mnmap_datapath_stop(struct mnmap_net *mn)
{
	if (!mn->hooks_on)
		return;
	nf_unregister_net_hooks(mn->net, mn->hooks, n_hooks());
	WRITE_ONCE(mn->hooks_on, false);
}
