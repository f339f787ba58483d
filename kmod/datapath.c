// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter data path (IPv4): a packet that arrives on the uplink, or
 * from a container, for a mapped (address, protocol, port) goes straight to
 * the endpoint's device with its destination MAC rewritten: no NAT, no
 * routing, no bridge. ARP for mapped addresses (on the uplink) and for the
 * containers' gateway (on their devices) is answered here, so shared
 * addresses never make an ARP table flap.
 */

#include "datapath.h"
#include "host.h"
#include "netns.h"
#include "table.h"

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv4.h>
#include <net/arp.h>
#include <net/ip.h>

/* Where a packet came from, as far as mnmap is concerned. */
enum mnmap_origin {
	MNMAP_FROM_ELSEWHERE,
	MNMAP_FROM_UPLINK,
	MNMAP_FROM_ENDPOINT,
};

static enum mnmap_origin origin(struct mnmap_net *mn, struct mnmap_table *t,
				const struct net_device *dev)
{
	struct mnmap_host *host = rcu_dereference(mn->host);

	if (host && host->uplink_ifindex == dev->ifindex)
		return MNMAP_FROM_UPLINK;
	if (mnmap_dev_is_endpoint(t, dev->ifindex))
		return MNMAP_FROM_ENDPOINT;
	return MNMAP_FROM_ELSEWHERE;
}

/* What packet_keys() could tell about a packet. */
enum mnmap_keys {
	MNMAP_KEYS_ADDR,	/* addresses only: later fragments, other protocols */
	MNMAP_KEYS_FULL,	/* (address, protocol, port) both ways */
};

static void ipv4_key(struct mnmap_key *k, __be32 addr, u8 proto)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->proto = proto;
	k->addr.v4 = addr;
}

/*
 * The ports of the TCP or UDP header at @off into @dst and @src; ICMP
 * echo is keyed by port 0 (its icmp map). False for anything else.
 */
static bool l4_keys(const struct sk_buff *skb, unsigned int off,
		    struct mnmap_key *dst, struct mnmap_key *src)
{
	switch (dst->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP: {
		__be16 _ports[2];
		const __be16 *ports;

		ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);
		if (!ports)
			return false;
		src->port = ntohs(ports[0]);
		dst->port = ntohs(ports[1]);
		return true;
	}
	case IPPROTO_ICMP: {
		struct icmphdr _icmp;
		const struct icmphdr *icmp;

		icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
		return icmp && (icmp->type == ICMP_ECHO || icmp->type == ICMP_ECHOREPLY);
	}
	default:
		return false;
	}
}

/*
 * An ICMP error is about a packet that its destination sent: it belongs
 * to whoever owns the embedded source, and whoever sends it must own the
 * embedded destination. The keys are those of the embedded header,
 * reversed. False when the embedded header is unusable, or does not come
 * from the address the error goes to.
 */
static bool icmp_error_keys(const struct sk_buff *skb, unsigned int off, __be32 daddr,
			    struct mnmap_key *dst, struct mnmap_key *src)
{
	const struct iphdr *inner;
	struct iphdr _inner;

	inner = skb_header_pointer(skb, off, sizeof(_inner), &_inner);
	if (!inner || inner->version != 4 || inner->ihl < 5 || inner->saddr != daddr ||
	    (inner->frag_off & htons(IP_OFFSET)))
		return false;
	ipv4_key(dst, inner->saddr, inner->protocol);
	ipv4_key(src, inner->daddr, inner->protocol);
	return l4_keys(skb, off + inner->ihl * 4, src, dst);
}

/*
 * Fill @dst and @src with the keys of the packet's destination and source
 * (address, protocol, port). ICMP errors are keyed by the header they
 * carry, so that path MTU discovery and port unreachables reach the
 * container whose connection they concern.
 */
static enum mnmap_keys packet_keys(struct sk_buff *skb, struct mnmap_key *dst,
				   struct mnmap_key *src)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int off = ip_hdrlen(skb);
	struct mnmap_key idst, isrc;
	struct icmphdr _icmp;
	const struct icmphdr *icmp;

	ipv4_key(dst, iph->daddr, iph->protocol);
	ipv4_key(src, iph->saddr, iph->protocol);
	if (iph->frag_off & htons(IP_OFFSET))
		return MNMAP_KEYS_ADDR;
	if (l4_keys(skb, off, dst, src))
		return MNMAP_KEYS_FULL;
	if (iph->protocol != IPPROTO_ICMP)
		return MNMAP_KEYS_ADDR;
	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	if (!icmp || !icmp_is_err(icmp->type) ||
	    !icmp_error_keys(skb, off + sizeof(*icmp), iph->daddr, &idst, &isrc))
		return MNMAP_KEYS_ADDR;
	*dst = idst;
	*src = isrc;
	return MNMAP_KEYS_FULL;
}

/* One endpoint of @m: by weight, the same one for every packet of a flow. */
static struct mnmap_endpoint *pick(const struct mnmap_map *m, struct sk_buff *skb)
{
	u32 total = 0, point;

	if (m->n_backends == 1)
		return m->backends[0].ep;
	for (int i = 0; i < m->n_backends; i++)
		total += m->backends[i].weight;
	point = reciprocal_scale(skb_get_hash(skb), total);
	for (int i = 0; i < m->n_backends; i++) {
		if (point < m->backends[i].weight)
			return m->backends[i].ep;
		point -= m->backends[i].weight;
	}
	return m->backends[0].ep;
}

/* Whether @m has an endpoint that lives behind @dev. */
static bool lives_behind(const struct mnmap_map *m, const struct net_device *dev)
{
	for (int i = 0; i < m->n_backends; i++) {
		const struct mnmap_location *loc = rcu_dereference(m->backends[i].ep->loc);

		if (loc->ifindex == dev->ifindex)
			return true;
	}
	return false;
}

static unsigned int drop(struct mnmap_net *mn, struct mnmap_endpoint *ep,
			 enum mnmap_drop why)
{
	mnmap_stats_dropped(mn->stats, why);
	if (ep)
		mnmap_stats_dropped(ep->stats, why);
	return NF_DROP;
}

/*
 * Give the packet, whose network header is at skb->data, the Ethernet
 * header of a frame from @dev to @mac and queue it on @dev. The caller
 * has counted it; the skb is always consumed.
 */
static unsigned int transmit(struct sk_buff *skb, struct net_device *dev, const u8 *mac)
{
	u8 to[ETH_ALEN];
	struct ethhdr *eth;

	if (!skb_mac_header_was_set(skb) || skb_network_offset(skb) ||
	    skb_network_header(skb) - skb_mac_header(skb) != ETH_HLEN)
		return NF_DROP;
	ether_addr_copy(to, mac);	/* @mac may be the frame's own source */
	__skb_push(skb, ETH_HLEN);
	if (skb_ensure_writable(skb, ETH_HLEN))
		return NF_DROP;
	eth = eth_hdr(skb);
	ether_addr_copy(eth->h_dest, to);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	skb->dev = dev;
	skb->pkt_type = PACKET_OUTGOING;
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	dev_queue_xmit(skb);
	return NF_STOLEN;
}

/* Hand the packet to a local endpoint: rewrite the Ethernet header, transmit. */
static unsigned int deliver(struct mnmap_net *mn, struct sk_buff *skb,
			    struct mnmap_map *m, struct mnmap_endpoint *ep)
{
	const struct mnmap_location *loc = rcu_dereference(ep->loc);
	unsigned int len = skb->len;
	struct net_device *dev;

	if (!loc->ifindex)
		return drop(mn, ep, MNMAP_DROP_REMOTE);
	dev = dev_get_by_index_rcu(mn->net, loc->ifindex);
	if (!dev)
		return drop(mn, ep, MNMAP_DROP_NO_DEVICE);
	mnmap_stats_delivered(mn->stats, len);
	mnmap_traffic_delivered(m->stats, len);
	mnmap_stats_delivered(ep->stats, len);
	return transmit(skb, dev, loc->mac);
}

static bool is_echo_request(const struct sk_buff *skb)
{
	struct icmphdr _icmp;
	const struct icmphdr *icmp;

	if (ip_hdr(skb)->protocol != IPPROTO_ICMP)
		return false;
	icmp = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_icmp), &_icmp);
	return icmp && icmp->type == ICMP_ECHO && !icmp->code;
}

/*
 * An echo request to a managed address that no icmp map claims: mnmap
 * answers it itself, so that a shared address answers ping whoever runs
 * behind it.
 */
static unsigned int answer_echo(struct sk_buff *skb, struct net_device *dev)
{
	unsigned int off = ip_hdrlen(skb);
	struct icmphdr *icmp;
	struct iphdr *iph;

	if (skb_ensure_writable(skb, off + sizeof(*icmp)))
		return NF_DROP;
	iph = ip_hdr(skb);
	icmp = (struct icmphdr *)(skb_network_header(skb) + off);
	icmp->type = ICMP_ECHOREPLY;
	csum_replace2(&icmp->checksum, htons(ICMP_ECHO << 8), htons(ICMP_ECHOREPLY << 8));
	swap(iph->saddr, iph->daddr);
	iph->ttl = IPDEFTTL;
	ip_send_check(iph);
	/* The payload changed under a checksum the receiver might trust. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	return transmit(skb, dev, eth_hdr(skb)->h_source);
}

/*
 * Whether a container behind @dev may send with source @src: ports must
 * belong to a map with an endpoint behind @dev; ICMP echo, fragments and
 * other protocols need only a managed address.
 */
static bool owns_source(struct mnmap_table *t, struct mnmap_key *src,
			enum mnmap_keys keys, const struct net_device *dev)
{
	struct mnmap_map *m;

	if (keys == MNMAP_KEYS_ADDR || src->proto == IPPROTO_ICMP)
		return mnmap_addr_managed(t, src);
	m = mnmap_lookup(t, src);
	return m && lives_behind(m, dev);
}

static unsigned int mnmap_ipv4_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct mnmap_net *mn = priv;
	struct mnmap_table *t = rcu_dereference(mn->table);
	struct mnmap_key dst, src;
	enum mnmap_origin from;
	enum mnmap_keys keys;
	struct mnmap_map *m;

	if (!t)
		return NF_ACCEPT;
	from = origin(mn, t, state->in);
	if (from == MNMAP_FROM_ELSEWHERE)
		return NF_ACCEPT;
	keys = packet_keys(skb, &dst, &src);
	if (from == MNMAP_FROM_ENDPOINT && !owns_source(t, &src, keys, state->in))
		return drop(mn, NULL, MNMAP_DROP_SPOOFED);
	m = keys == MNMAP_KEYS_FULL ? mnmap_lookup(t, &dst) : NULL;
	if (m)
		/* Remote endpoints (MNMAP_DROP_REMOTE) need the VXLAN path. */
		return deliver(mn, skb, m, pick(m, skb));
	if (!mnmap_addr_managed(t, &dst))
		return NF_ACCEPT;
	if (keys == MNMAP_KEYS_FULL && is_echo_request(skb))
		return answer_echo(skb, state->in);
	/* Never leak traffic for a managed address into the host's stack. */
	return drop(mn, NULL, MNMAP_DROP_UNMAPPED);
}

/* Answer ARP for mapped addresses on the uplink, and for the gateway on endpoint devices. */
static unsigned int mnmap_arp_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct mnmap_net *mn = priv;
	struct mnmap_table *t = rcu_dereference(mn->table);
	struct net_device *dev = state->in;
	const struct arphdr *arp;
	struct mnmap_key target = { .family = AF_INET };
	enum mnmap_origin from;
	const u8 *p;
	__be32 sip, tip;

	if (!t || !pskb_may_pull(skb, arp_hdr_len(dev)))
		return NF_ACCEPT;
	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) || arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4 || arp->ar_op != htons(ARPOP_REQUEST))
		return NF_ACCEPT;
	p = (const u8 *)(arp + 1);
	memcpy(&sip, p + ETH_ALEN, 4);
	memcpy(&tip, p + 2 * ETH_ALEN + 4, 4);
	target.addr.v4 = tip;
	from = origin(mn, t, dev);
	if (!(from == MNMAP_FROM_UPLINK && mnmap_addr_managed(t, &target)) &&
	    !(from == MNMAP_FROM_ENDPOINT && tip == MNMAP_CONTAINER_GATEWAY))
		return NF_ACCEPT;
	arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, p, dev->dev_addr, p);
	consume_skb(skb);
	return NF_STOLEN;
}

static const struct nf_hook_ops mnmap_hook_templates[] = {
	{
		.hook = mnmap_ipv4_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_FIRST + 1,
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
