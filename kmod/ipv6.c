// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 side of the data path, as ipv4.c with NDP in place of ARP:
 * keying a packet by (address, protocol, port) past its extension
 * headers, ICMPv6 errors (packet too big among them) by the header they
 * carry, echo answered when no icmp map claims it, and neighbour
 * solicitations answered for mapped addresses on the uplink and for the
 * containers' gateway fe80::1 on their devices.
 */

#include "datapath.h"
#include "netns.h"
#include "table.h"

#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/ndisc.h>

static void ipv6_key(struct mnmap_key *k, const struct in6_addr *addr, u8 proto)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET6;
	k->proto = proto;
	k->addr.v6 = *addr;
}

/*
 * The ports of the TCP or UDP header at @off into @dst and @src; ICMPv6
 * echo is keyed by port 0 (its icmp map). False for anything else.
 */
static bool l4_keys(const struct sk_buff *skb, unsigned int off,
		    struct mnmap_key *dst, struct mnmap_key *src)
{
	struct icmp6hdr _icmp;
	const struct icmp6hdr *icmp;

	if (dst->proto != IPPROTO_ICMPV6)
		return mnmap_port_keys(skb, off, dst, src);
	/* Echo is keyed by port 0: its icmp map. */
	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	return icmp && (icmp->icmp6_type == ICMPV6_ECHO_REQUEST ||
			icmp->icmp6_type == ICMPV6_ECHO_REPLY);
}

/*
 * Find the transport header after the IPv6 header at @off: its protocol
 * in @proto, its offset returned; negative when there is none to key by
 * (a later fragment, a malformed chain). @frag_off is not 0 for any
 * fragment.
 */
static int transport(const struct sk_buff *skb, unsigned int off, u8 *proto,
		     __be16 *frag_off)
{
	int l4;

	*frag_off = 0;
	l4 = ipv6_skip_exthdr(skb, off, proto, frag_off);
	/* Only each header's first bytes were read: the last may end past the packet. */
	if (l4 < 0 || l4 > skb->len || (*frag_off & htons(IP6_OFFSET)))
		return -1;
	return l4;
}

/*
 * An ICMPv6 error is about a packet that its destination sent: keyed by
 * the embedded header, reversed (see ipv4.c), when the embedded source is
 * the error's destination.
 */
static bool icmp_error_keys(const struct sk_buff *skb, unsigned int off,
			    const struct in6_addr *daddr,
			    struct mnmap_key *dst, struct mnmap_key *src)
{
	const struct ipv6hdr *inner;
	struct ipv6hdr _inner;
	__be16 frag_off;
	u8 proto;
	int l4;

	inner = skb_header_pointer(skb, off, sizeof(_inner), &_inner);
	if (!inner || inner->version != 6 || !ipv6_addr_equal(&inner->saddr, daddr))
		return false;
	proto = inner->nexthdr;
	l4 = transport(skb, off + sizeof(*inner), &proto, &frag_off);
	if (l4 < 0)
		return false;
	ipv6_key(dst, &inner->saddr, proto);
	ipv6_key(src, &inner->daddr, proto);
	return l4_keys(skb, l4, src, dst);
}

/*
 * As ipv4.c's: @p keyed from the packet, ICMPv6 errors by their contents.
 * @l4 is -1U for a later fragment (@frag_off says so) or a header chain
 * cut short.
 */
static enum mnmap_keys packet_keys(struct sk_buff *skb, unsigned int l4, u8 proto,
				   __be16 frag_off, struct mnmap_packet *p)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	struct mnmap_key idst, isrc;
	struct icmp6hdr _icmp;
	const struct icmp6hdr *icmp;

	p->icmp_error = false;
	ipv6_key(&p->dst, &ip6->daddr, proto);
	ipv6_key(&p->src, &ip6->saddr, proto);
	if (l4 == -1U)
		return frag_off & htons(IP6_OFFSET) ? MNMAP_KEYS_ADDR : MNMAP_KEYS_BROKEN;
	if (l4_keys(skb, l4, &p->dst, &p->src))
		return MNMAP_KEYS_FULL;
	if (mnmap_proto_has_ports(proto))
		return MNMAP_KEYS_BROKEN;
	if (proto != IPPROTO_ICMPV6)
		return MNMAP_KEYS_ADDR;
	icmp = skb_header_pointer(skb, l4, sizeof(_icmp), &_icmp);
	if (!icmp)
		return MNMAP_KEYS_BROKEN;
	if (!icmpv6_is_err(icmp->icmp6_type))
		return MNMAP_KEYS_ADDR;
	/* An error always carries the header it is about, from its destination. */
	if (!icmp_error_keys(skb, l4 + sizeof(*icmp), &ip6->daddr, &idst, &isrc))
		return MNMAP_KEYS_BROKEN;
	p->outer_src = p->src;
	p->icmp_error = true;
	p->dst = idst;
	p->src = isrc;
	return MNMAP_KEYS_FULL;
}

static u8 icmp_type(const struct sk_buff *skb, unsigned int l4)
{
	struct icmp6hdr _icmp;
	const struct icmp6hdr *icmp;

	icmp = skb_header_pointer(skb, l4, sizeof(_icmp), &_icmp);
	return icmp && !icmp->icmp6_code ? icmp->icmp6_type : 0;
}

/*
 * A neighbour solicitation for a managed address on the uplink, or for
 * the gateway on an endpoint's device: answered with the device's MAC, so
 * however many containers share an address, neighbours see one MAC.
 * Returns false, and leaves the packet alone, for any other solicitation
 * (the host's own addresses: its stack answers).
 */
static bool answer_solicitation(struct mnmap_table *t, struct sk_buff *skb,
				struct net_device *dev, enum mnmap_origin from,
				unsigned int l4)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	const struct in6_addr gateway = MNMAP_CONTAINER_GATEWAY6;
	const struct in6_addr *daddr;
	struct mnmap_key target;
	struct nd_msg _ns;
	const struct nd_msg *ns;
	bool dad;

	ns = skb_header_pointer(skb, l4, sizeof(_ns), &_ns);
	if (!ns || ip6->hop_limit != 255 || !ipv6_stub->ndisc_send_na ||
	    ipv6_addr_is_multicast(&ns->target))
		return false;
	ipv6_key(&target, &ns->target, 0);
	if (!(from == MNMAP_FROM_UPLINK && mnmap_addr_managed(t, &target)) &&
	    !(from == MNMAP_FROM_ENDPOINT && ipv6_addr_equal(&ns->target, &gateway)))
		return false;
	/* Duplicate address detection: tell every node that it is taken. */
	dad = ipv6_addr_any(&ip6->saddr);
	daddr = dad ? &in6addr_linklocal_allnodes : &ip6->saddr;
	ipv6_stub->ndisc_send_na(dev, daddr, &target.addr.v6,
				 from == MNMAP_FROM_ENDPOINT, !dad, true, true);
	return true;
}

/* As ipv4.c's answer_echo(), for ICMPv6. */
static unsigned int answer_echo(struct sk_buff *skb, struct net_device *dev, unsigned int l4)
{
	struct icmp6hdr *icmp;
	struct ipv6hdr *ip6;

	if (skb_ensure_writable(skb, l4 + sizeof(*icmp)))
		return NF_DROP;
	ip6 = ipv6_hdr(skb);
	icmp = (struct icmp6hdr *)(skb->data + l4);
	icmp->icmp6_type = ICMPV6_ECHO_REPLY;
	/* Swapping the addresses leaves the pseudo-header's sum as it was. */
	csum_replace2(&icmp->icmp6_cksum, htons(ICMPV6_ECHO_REQUEST << 8),
		      htons(ICMPV6_ECHO_REPLY << 8));
	swap(ip6->saddr, ip6->daddr);
	ip6->hop_limit = 64;
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	return mnmap_transmit(skb, dev, eth_hdr(skb)->h_source);
}

/*
 * The key shared by the fragments of a datagram, from its fragment
 * header; NULL when it is whole (@frag_off, from the header chain, 0).
 */
static const struct mnmap_memo_key *frag_key(struct sk_buff *skb, __be16 frag_off,
					     struct mnmap_memo_key *key)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	const struct frag_hdr *fh;
	struct frag_hdr _fh;
	unsigned int off = 0;

	if (!frag_off || ipv6_find_hdr(skb, &off, NEXTHDR_FRAGMENT, NULL, NULL) != NEXTHDR_FRAGMENT)
		return NULL;
	fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
	if (!fh)
		return NULL;
	mnmap_memo_key_init(key, MNMAP_MEMO_FRAGMENT, AF_INET6, fh->nexthdr,
			    ntohl(fh->identification));
	key->saddr.v6 = ip6->saddr;
	key->daddr.v6 = ip6->daddr;
	return key;
}

/* As ipv4.c's echo_key(), for ICMPv6 (@l4: where it starts). */
static const struct mnmap_memo_key *echo_key(const struct sk_buff *skb,
					     enum mnmap_keys keys, unsigned int l4, u8 proto,
					     struct mnmap_memo_key *key, bool *request)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	struct icmp6hdr _icmp;
	const struct icmp6hdr *icmp;

	*request = false;
	if (keys != MNMAP_KEYS_FULL || proto != IPPROTO_ICMPV6)
		return NULL;
	icmp = skb_header_pointer(skb, l4, sizeof(_icmp), &_icmp);
	if (!icmp || icmp->icmp6_code || (icmp->icmp6_type != ICMPV6_ECHO_REQUEST &&
					  icmp->icmp6_type != ICMPV6_ECHO_REPLY))
		return NULL;
	*request = icmp->icmp6_type == ICMPV6_ECHO_REQUEST;
	mnmap_memo_key_init(key, MNMAP_MEMO_ECHO, AF_INET6, IPPROTO_ICMPV6,
			    ntohs(icmp->icmp6_identifier));
	key->saddr.v6 = *request ? ip6->daddr : ip6->saddr;
	key->daddr.v6 = *request ? ip6->saddr : ip6->daddr;
	return key;
}

/*
 * Link-local and unspecified sources are not mnmap's: neighbour discovery,
 * duplicate address detection, router solicitations.
 */
static bool link_scope_source(const struct ipv6hdr *ip6)
{
	int stype = ipv6_addr_type(&ip6->saddr);

	return stype == IPV6_ADDR_ANY || (stype & IPV6_ADDR_LINKLOCAL);
}

/*
 * Link-local and multicast destinations are for the link, not steered: a
 * container's neighbour advertisement to its host, from its global
 * address, is for the host, not the gateway. It must still own that
 * address.
 */
static bool link_scope_dest(const struct ipv6hdr *ip6)
{
	return ipv6_addr_is_multicast(&ip6->daddr) ||
	       (ipv6_addr_type(&ip6->daddr) & IPV6_ADDR_LINKLOCAL);
}

/* Decide for an IPv6 packet from @from (not elsewhere), as mnmap_decide() says. */
unsigned int mnmap_ipv6_steer(struct mnmap_net *mn, struct mnmap_table *t,
			      struct sk_buff *skb, struct net_device *in,
			      enum mnmap_origin from)
{
	struct mnmap_packet p;
	__be16 frag_off;
	unsigned int l4;
	int verdict, off;
	u8 proto;

	proto = ipv6_hdr(skb)->nexthdr;
	off = transport(skb, sizeof(struct ipv6hdr), &proto, &frag_off);
	l4 = off < 0 ? -1U : off;
	if (off >= 0 && proto == IPPROTO_ICMPV6 &&
	    icmp_type(skb, l4) == NDISC_NEIGHBOUR_SOLICITATION &&
	    answer_solicitation(t, skb, in, from, l4)) {
		consume_skb(skb);
		return NF_STOLEN;
	}
	if (link_scope_source(ipv6_hdr(skb)))
		return NF_ACCEPT;
	mnmap_describe_frame(skb, in, from, &p);
	p.keys = packet_keys(skb, l4, proto, frag_off, &p);
	if (link_scope_dest(ipv6_hdr(skb)))
		return from == MNMAP_FROM_ENDPOINT ? mnmap_check_sender(mn, t, &p) :
						     NF_ACCEPT;
	p.frag = frag_key(skb, frag_off, &p.frag_key);
	p.echo = echo_key(skb, p.keys, l4, proto, &p.echo_key, &p.echo_request);
	verdict = mnmap_steer(mn, t, skb, from, &p);
	if (verdict != MNMAP_UNCLAIMED)
		return verdict;
	if (p.echo && p.echo_request)
		return answer_echo(skb, in, l4);
	return mnmap_drop(mn, NULL, MNMAP_DROP_UNMAPPED);
}

/*
 * Whether the packet at skb->data has a sound IPv6 header, as ipv6_rcv()
 * would check it; trims what follows the datagram. Packets out of the
 * VXLAN device reach mnmap before ipv6_rcv(). (A jumbogram, payload
 * length 0, is left to the stack.)
 */
bool mnmap_ipv6_header_ok(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*ip6)))
		return false;
	ip6 = ipv6_hdr(skb);
	len = ntohs(ip6->payload_len) + sizeof(*ip6);
	if (ip6->version != 6 || !ip6->payload_len || skb->len < len ||
	    pskb_trim_rcsum(skb, len))
		return false;
	skb_set_transport_header(skb, sizeof(*ip6));
	return true;
}
