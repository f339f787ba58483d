/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_DATAPATH_H
#define _MNMAP_DATAPATH_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <uapi/linux/mnmap.h>

#include "host.h"
#include "memo.h"
#include "stats.h"
#include "table.h"

struct mnmap_endpoint;
struct mnmap_net;
struct mnmap_table;

/* The link-local gateway that containers route through; mnmap answers for it. */
#define MNMAP_CONTAINER_GATEWAY htonl(0xa9fe0101)	/* 169.254.1.1 */
#define MNMAP_CONTAINER_GATEWAY6 \
	((struct in6_addr){ { { 0xfe, 0x80, [15] = 0x01 } } })	/* fe80::1 */

int mnmap_datapath_start(struct mnmap_net *mn);
void mnmap_datapath_stop(struct mnmap_net *mn);

/* What the families (ipv4.c, ipv6.c) share with the common path. */

/* Where a packet came from, as far as mnmap is concerned. */
enum mnmap_origin {
	MNMAP_FROM_ELSEWHERE,
	MNMAP_FROM_UPLINK,
	MNMAP_FROM_ENDPOINT,
	MNMAP_FROM_VXLAN,	/* decapsulated: for a container of this host */
};

/* What a family could tell about a packet. */
enum mnmap_keys {
	MNMAP_KEYS_ADDR,	/* addresses only: later fragments, other protocols */
	MNMAP_KEYS_FULL,	/* (address, protocol, port) both ways */
	/*
	 * Addresses only, where there should be ports: a TCP or UDP header,
	 * or an IPv6 header chain, cut short. Nobody owns such a source.
	 */
	MNMAP_KEYS_BROKEN,
};

/* What a family found in a packet, for mnmap_decide(). */
struct mnmap_packet {
	enum mnmap_keys keys;
	struct mnmap_key dst, src;	/* (address, protocol, port) both ways */
	/*
	 * An ICMP error keyed by the header it carries: its own source, which
	 * must be the address its sender owns, the embedded destination.
	 */
	bool icmp_error;
	struct mnmap_key outer_src;
	/* A fragment: its datagram's key; NULL for a whole datagram. */
	const struct mnmap_memo_key *frag;
	/* An ICMP echo request or reply: the key of its reply; else NULL. */
	const struct mnmap_memo_key *echo;
	bool echo_request;
	struct mnmap_memo_key frag_key, echo_key;	/* what they point to */
	/* From a container: the endpoint at its device and MAC. */
	struct mnmap_endpoint *sender;
	/*
	 * The tenant whose addresses its lookups see (set, with the keys'
	 * tenants, by mnmap_decide(), or for a container's packet by
	 * mnmap_check_sender()): a container's own, then (@public_too) the
	 * public ones; the VNI it came out of the tunnel with; 0 from the uplink.
	 */
	u32 scope;
	bool public_too;
	/*
	 * What the frame says (mnmap_describe_frame()): the device it came in
	 * on, its MACs (if @has_mac), and, out of the tunnel (if @tunneled),
	 * the sending host and VNI.
	 */
	int in_ifindex;
	bool has_mac;
	u8 src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	bool tunneled;
	struct mnmap_addr tun_src;
	u32 tun_vni;
};

/* mnmap_decide(): what to do besides a verdict. */
#define MNMAP_SEND (-2)		/* to a->loc through a->dev, VNI a->vni */
#define MNMAP_TO_HOST (-3)	/* the stack's as its own: the gateway routes it out */

/* Where mnmap_decide() sends a packet, and whose delivery it counts as. */
struct mnmap_action {
	struct net_device *dev;
	const struct mnmap_location *loc;	/* an endpoint's, or @copy */
	u32 vni;
	bool counted;		/* false: the gateway's, nobody's delivery */
	struct mnmap_map *m;	/* NULL: only the namespace counts it */
	struct mnmap_endpoint *ep;
	struct mnmap_location copy;	/* a remembered place, or the gateway */
};

/* mnmap_decide(): a managed address that no map claims. */
#define MNMAP_UNCLAIMED (-1)

enum mnmap_origin mnmap_origin(struct mnmap_net *mn, struct mnmap_table *t,
			       const struct net_device *dev);
bool mnmap_port_keys(const struct sk_buff *skb, unsigned int off,
		     struct mnmap_key *dst, struct mnmap_key *src);
int mnmap_decide(struct mnmap_net *mn, struct mnmap_table *t, enum mnmap_origin from,
		 struct mnmap_packet *p, struct mnmap_action *a);
void mnmap_count_delivered(struct mnmap_net *mn, const struct mnmap_action *a,
			   unsigned int len);
void mnmap_describe_frame(const struct sk_buff *skb, const struct net_device *in,
			  enum mnmap_origin from, struct mnmap_packet *p);
int mnmap_steer(struct mnmap_net *mn, struct mnmap_table *t, struct sk_buff *skb,
		enum mnmap_origin from, struct mnmap_packet *p);
unsigned int mnmap_check_sender(struct mnmap_net *mn, struct mnmap_table *t,
				struct mnmap_packet *p);
bool mnmap_frame(struct sk_buff *skb, struct net_device *dev, const u8 *mac);
unsigned int mnmap_transmit(struct sk_buff *skb, struct net_device *dev, const u8 *mac);
unsigned int mnmap_drop(struct mnmap_net *mn, struct mnmap_endpoint *ep,
			enum mnmap_drop why);

unsigned int mnmap_ipv4_steer(struct mnmap_net *mn, struct mnmap_table *t,
			      struct sk_buff *skb, struct net_device *in,
			      enum mnmap_origin from);
unsigned int mnmap_ipv6_steer(struct mnmap_net *mn, struct mnmap_table *t,
			      struct sk_buff *skb, struct net_device *in,
			      enum mnmap_origin from);
bool mnmap_ipv4_header_ok(struct sk_buff *skb);
bool mnmap_ipv6_header_ok(struct sk_buff *skb);
unsigned int mnmap_arp_in(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state);

#endif /* _MNMAP_DATAPATH_H */
