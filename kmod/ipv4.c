// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv4 side of the data path: keying a packet by (address, protocol,
 * port), ICMP errors by the header they carry, echo answered when no icmp
 * map claims it, and ARP for mapped addresses (on the uplink) and for the
 * containers' gateway (on their devices), so shared addresses never make
 * an ARP table flap.
 */

#include "datapath.h"
#include "netns.h"
#include "table.h"

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <net/arp.h>
#include <net/ip.h>

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
	struct icmphdr _icmp;
	const struct icmphdr *icmp;

	if (dst->proto != IPPROTO_ICMP)
		return mnmap_port_keys(skb, off, dst, src);
	/* Echo is keyed by port 0: its icmp map. */
	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	return icmp && (icmp->type == ICMP_ECHO || icmp->type == ICMP_ECHOREPLY);
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
 * Key the packet in @p: its destination and source (address, protocol,
 * port). ICMP errors are keyed by the header they carry, so that path MTU
 * discovery and port unreachables reach the container whose connection
 * they concern; their own source is kept apart, for the sender's check.
 */
static enum mnmap_keys packet_keys(struct sk_buff *skb, struct mnmap_packet *p)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int off = ip_hdrlen(skb);
	struct mnmap_key idst, isrc;
	struct icmphdr _icmp;
	const struct icmphdr *icmp;

	p->icmp_error = false;
	ipv4_key(&p->dst, iph->daddr, iph->protocol);
	ipv4_key(&p->src, iph->saddr, iph->protocol);
	if (iph->frag_off & htons(IP_OFFSET))
		return MNMAP_KEYS_ADDR;
	if (l4_keys(skb, off, &p->dst, &p->src))
		return MNMAP_KEYS_FULL;
	if (mnmap_proto_has_ports(iph->protocol))
		return MNMAP_KEYS_BROKEN;
	if (iph->protocol != IPPROTO_ICMP)
		return MNMAP_KEYS_ADDR;
	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	if (!icmp)
		return MNMAP_KEYS_BROKEN;
	if (!icmp_is_err(icmp->type))
		return MNMAP_KEYS_ADDR;
	/* An error always carries the header it is about, from its destination. */
	if (!icmp_error_keys(skb, off + sizeof(*icmp), iph->daddr, &idst, &isrc))
		return MNMAP_KEYS_BROKEN;
	p->outer_src = p->src;
	p->icmp_error = true;
	p->dst = idst;
	p->src = isrc;
	return MNMAP_KEYS_FULL;
}

/*
 * An ICMP echo request or reply (keyed in full, so not a later fragment):
 * the key of the reply, by which the request's sender is remembered.
 */
static const struct mnmap_memo_key *echo_key(const struct sk_buff *skb,
					     enum mnmap_keys keys,
					     struct mnmap_memo_key *key, bool *request)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct icmphdr _icmp;
	const struct icmphdr *icmp;

	*request = false;
	if (keys != MNMAP_KEYS_FULL || iph->protocol != IPPROTO_ICMP)
		return NULL;
	icmp = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_icmp), &_icmp);
	if (!icmp || icmp->code || (icmp->type != ICMP_ECHO && icmp->type != ICMP_ECHOREPLY))
		return NULL;
	*request = icmp->type == ICMP_ECHO;
	mnmap_memo_key_init(key, MNMAP_MEMO_ECHO, AF_INET, IPPROTO_ICMP,
			    ntohs(icmp->un.echo.id));
	key->saddr.v4 = *request ? iph->daddr : iph->saddr;
	key->daddr.v4 = *request ? iph->saddr : iph->daddr;
	return key;
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
	return mnmap_transmit(skb, dev, eth_hdr(skb)->h_source);
}

/* The key shared by the fragments of a datagram; NULL when it is whole. */
static const struct mnmap_memo_key *frag_key(const struct sk_buff *skb,
					     struct mnmap_memo_key *key)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (!ip_is_fragment(iph))
		return NULL;
	mnmap_memo_key_init(key, MNMAP_MEMO_FRAGMENT, AF_INET, iph->protocol, ntohs(iph->id));
	key->saddr.v4 = iph->saddr;
	key->daddr.v4 = iph->daddr;
	return key;
}

/* Decide for an IPv4 packet from @from (not elsewhere), as mnmap_decide() says. */
unsigned int mnmap_ipv4_steer(struct mnmap_net *mn, struct mnmap_table *t,
			      struct sk_buff *skb, struct net_device *in,
			      enum mnmap_origin from)
{
	struct mnmap_packet p;
	int verdict;

	mnmap_describe_frame(skb, in, from, &p);
	p.keys = packet_keys(skb, &p);
	p.frag = frag_key(skb, &p.frag_key);
	p.echo = echo_key(skb, p.keys, &p.echo_key, &p.echo_request);
	verdict = mnmap_steer(mn, t, skb, from, &p);
	if (verdict != MNMAP_UNCLAIMED)
		return verdict;
	if (p.echo && p.echo_request)
		return answer_echo(skb, in);
	return mnmap_drop(mn, NULL, MNMAP_DROP_UNMAPPED);
}

/*
 * Whether the packet at skb->data has a sound IPv4 header, as ip_rcv()
 * would check it; trims what follows the datagram. Packets out of the
 * VXLAN device reach mnmap before ip_rcv().
 */
bool mnmap_ipv4_header_ok(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return false;
	iph = ip_hdr(skb);
	if (iph->ihl < 5 || iph->version != 4 || !pskb_may_pull(skb, iph->ihl * 4))
		return false;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (ip_fast_csum(iph, iph->ihl) || len < iph->ihl * 4 || skb->len < len ||
	    pskb_trim_rcsum(skb, len))
		return false;
	skb_set_transport_header(skb, ip_hdrlen(skb));
	return true;
}

/* Answer ARP for mapped addresses on the uplink, and for the gateway on endpoint devices. */
unsigned int mnmap_arp_in(void *priv, struct sk_buff *skb,
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
	from = mnmap_origin(mn, t, dev);
	if (!(from == MNMAP_FROM_UPLINK && mnmap_addr_managed(t, &target)) &&
	    !(from == MNMAP_FROM_ENDPOINT && tip == MNMAP_CONTAINER_GATEWAY))
		return NF_ACCEPT;
	arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, p, dev->dev_addr, p);
	consume_skb(skb);
	return NF_STOLEN;
}

