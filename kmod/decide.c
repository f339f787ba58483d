// SPDX-License-Identifier: GPL-2.0
/*
 * The data path's one decision: for a packet keyed into a struct
 * mnmap_packet (which holds no sk_buff: what the frame says is copied
 * into it), whether it goes to an endpoint here or on another host, to
 * the gateway host, to the stack, or is dropped, and why. The hooks
 * (datapath.c for netfilter) act on what it says. Drops are counted here;
 * deliveries by whoever carries them out.
 */

#include "datapath.h"
#include "balance.h"
#include "host.h"
#include "netns.h"
#include "table.h"
#include "vxlan.h"

#include <linux/etherdevice.h>
#include <net/ipv6.h>

unsigned int mnmap_drop(struct mnmap_net *mn, struct mnmap_endpoint *ep,
			enum mnmap_drop why)
{
	mnmap_stats_dropped(mn->stats, why);
	if (ep)
		mnmap_stats_dropped(ep->stats, why);
	return NF_DROP;
}

/*
 * The device that reaches @loc: its own, or the VXLAN device for another
 * host; NULL, the drop counted in *@verdict, when there is none. Never the
 * tunnel for what came out of it: two hosts that each think the other
 * holds an endpoint would pass its packets back and forth.
 */
static struct net_device *device_for(struct mnmap_net *mn, const struct mnmap_location *loc,
				     struct mnmap_endpoint *ep, enum mnmap_origin from,
				     unsigned int *verdict)
{
	/* Cleared in place when the device goes (table.c): read once. */
	int ifindex = READ_ONCE(loc->ifindex);
	struct net_device *dev;

	if (ifindex || !loc->vtep.family) {
		/* No place at all: the endpoint's device went away. */
		dev = ifindex ? dev_get_by_index_rcu(mn->net, ifindex) : NULL;
		if (!dev)
			*verdict = mnmap_drop(mn, ep, MNMAP_DROP_NO_DEVICE);
		return dev;
	}
	dev = from == MNMAP_FROM_VXLAN ? NULL : mnmap_vxlan_dev(mn);
	if (!dev)
		*verdict = mnmap_drop(mn, ep, MNMAP_DROP_REMOTE);
	return dev;
}

/*
 * Send the packet to its endpoint: a local one's device, or through VXLAN
 * to a remote one (MNMAP_SEND, where to in @a). The
 * first fragment of a datagram (@frag) leaves word of where it went for
 * the others.
 */
static int deliver(struct mnmap_net *mn, struct mnmap_map *m, struct mnmap_endpoint *ep,
		   const struct mnmap_memo_key *frag, enum mnmap_origin from,
		   struct mnmap_action *a)
{
	const struct mnmap_location *loc = rcu_dereference(ep->loc);
	unsigned int verdict;

	a->dev = device_for(mn, loc, ep, from, &verdict);
	if (!a->dev)
		return verdict;
	if (frag)
		mnmap_memo_remember(mn->memo, frag, loc, m->n.key.tenant);
	a->loc = loc;
	a->vni = m->n.key.tenant;
	a->counted = true;
	a->m = m;
	a->ep = ep;
	return MNMAP_SEND;
}

/*
 * Send the packet where @key says its kind goes (memo.c): MNMAP_SEND in
 * *@verdict, or a drop; false, with nothing decided, when nothing is
 * remembered for it. A first fragment sent this way leaves word for the
 * others.
 */
static bool send_as_remembered(struct mnmap_net *mn, const struct mnmap_memo_key *key,
			       const struct mnmap_memo_key *frag, enum mnmap_origin from,
			       struct mnmap_action *a, int *verdict)
{
	struct mnmap_location *loc = &a->copy;
	unsigned int dropped;
	u32 vni;

	memset(loc, 0, sizeof(*loc));	/* no tunnel metadata: vxlan.c makes it */
	if (!mnmap_memo_recall(mn->memo, key, loc, &vni))
		return false;
	a->dev = device_for(mn, loc, NULL, from, &dropped);
	if (!a->dev) {
		*verdict = dropped;
		return true;
	}
	if (frag)
		mnmap_memo_remember(mn->memo, frag, loc, vni);
	a->loc = loc;
	a->vni = vni;
	a->counted = true;
	*verdict = MNMAP_SEND;
	return true;
}

/* Where a packet from a container's device comes from: the device, its MAC. */
static void sender_at_device(const struct mnmap_packet *p, struct mnmap_location *sender)
{
	memset(sender, 0, sizeof(*sender));
	sender->ifindex = p->in_ifindex;
	if (p->has_mac)
		ether_addr_copy(sender->mac, p->src_mac);
}

/*
 * A container's echo request: remember who sent it, so that the reply
 * finds it although others share its address.
 */
static void remember_echo(struct mnmap_net *mn, const struct mnmap_packet *p)
{
	struct mnmap_location sender;

	if (!p->echo || !p->echo_request)
		return;
	sender_at_device(p, &sender);
	mnmap_memo_remember(mn->memo, p->echo, &sender, 0);
}

static bool same_addr(const struct mnmap_addr *a, const struct mnmap_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET6 ? ipv6_addr_equal(&a->v6, &b->v6) : a->v4 == b->v4;
}

static bool same_key_addr(const struct mnmap_key *a, const struct mnmap_key *b)
{
	return a->family == b->family && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static bool has_endpoint(const struct mnmap_map *m, const struct mnmap_endpoint *ep)
{
	for (int i = 0; i < m->n_backends; i++) {
		if (m->backends[i].ep == ep)
			return true;
	}
	return false;
}

/* Whether @m has an endpoint on the host at @vtep (which checked the MAC). */
static bool lives_at(const struct mnmap_map *m, const struct mnmap_addr *vtep)
{
	for (int i = 0; i < m->n_backends; i++) {
		const struct mnmap_location *loc = rcu_dereference(m->backends[i].ep->loc);

		if (!loc->ifindex && same_addr(&loc->vtep, vtep))
			return true;
	}
	return false;
}

/*
 * Whether the packet's sender may send from its source: its endpoint
 * (p->sender, from a container here) or a container on the host at @vtep.
 * Source ports must belong to a map with that endpoint, or an endpoint on
 * that host. ICMP echo, fragments and other protocols have no ports: a
 * container here must be an endpoint of a map of its source address (the
 * owner index); the host at a VTEP checked its own containers so, and
 * needs only a managed address. Nobody owns the source of a packet whose
 * ports are cut short, nor the outer source of an ICMP error about
 * another's flow.
 */
static bool owns_source(struct mnmap_table *t, struct mnmap_packet *p,
			const struct mnmap_addr *vtep)
{
	struct mnmap_map *m;

	if (p->keys == MNMAP_KEYS_BROKEN ||
	    (p->icmp_error && !same_key_addr(&p->outer_src, &p->src)))
		return false;
	if (p->keys == MNMAP_KEYS_ADDR || !mnmap_proto_has_ports(p->src.proto))
		return p->sender ? mnmap_addr_owned_by(t, &p->src, p->sender) :
				   mnmap_addr_managed(t, &p->src);
	m = mnmap_lookup(t, &p->src);
	if (!m)
		return false;
	return p->sender ? has_endpoint(m, p->sender) : lives_at(m, vtep);
}

/*
 * The tenant of @k's address as the packet's sender sees it: its scope's
 * (p->scope), or else, from a container, the public one.
 */
static void resolve_tenant(struct mnmap_table *t, const struct mnmap_packet *p,
			   struct mnmap_key *k)
{
	k->tenant = p->scope;
	if (p->scope && p->public_too && !mnmap_addr_managed(t, k))
		k->tenant = 0;
}

/*
 * A packet from a container: it is the endpoint's that lives behind its
 * device with its MAC, sees that endpoint's tenant (and the public
 * addresses), and must own its source. NF_ACCEPT when it does (the
 * sender and the source's tenant set in @p), else dropped. What mnmap
 * does not otherwise steer (IPv6 to link scope) is checked so too.
 */
unsigned int mnmap_check_sender(struct mnmap_net *mn, struct mnmap_table *t,
				struct mnmap_packet *p)
{
	struct mnmap_endpoint *ep = NULL;

	if (p->has_mac)
		ep = mnmap_endpoint_at(t, p->in_ifindex, p->src_mac);
	if (!ep)
		return mnmap_drop(mn, NULL, MNMAP_DROP_SPOOFED);
	p->sender = ep;
	p->scope = rcu_dereference(ep->loc)->tenant;
	p->public_too = true;
	resolve_tenant(t, p, &p->src);
	if (p->icmp_error)
		resolve_tenant(t, p, &p->outer_src);
	if (!owns_source(t, p, NULL))
		return mnmap_drop(mn, ep, MNMAP_DROP_SPOOFED);
	return NF_ACCEPT;
}

/*
 * Whether a packet to @dst leaves the link: not for IPv4's link-local
 * range (the containers' gateway 169.254.1.1 among it), broadcast or
 * multicast. (IPv6's link scope never reaches mnmap_decide().)
 */
static bool routable(const struct mnmap_key *dst)
{
	__be32 a = dst->addr.v4;

	return dst->family != AF_INET ||
	       !(ipv4_is_linklocal_169(a) || ipv4_is_multicast(a) || ipv4_is_lbcast(a));
}

/*
 * Whether a tenant's private source may send to @dst beyond its tenant:
 * only on its own link (its gateway 169.254.1.1, the local broadcast and
 * multicast, which no host forwards). The rest of IPv4's link-local range
 * is the host's to route (a cloud's metadata service, say), and nothing
 * there could answer a private source.
 */
static bool stays_on_link(const struct mnmap_key *dst)
{
	__be32 a = dst->addr.v4;

	return dst->family == AF_INET &&
	       (a == MNMAP_CONTAINER_GATEWAY || ipv4_is_local_multicast(a) || ipv4_is_lbcast(a));
}

/* Whether this host is its namespace's gateway (host set gateway VTEP). */
static bool is_gateway(struct mnmap_net *mn)
{
	const struct mnmap_host *host = rcu_dereference(mn->host);

	return host && host->gateway.family && same_addr(&host->gateway, &host->vtep);
}

/*
 * A container's packet for the outside, where the provider filters
 * sources: through the tunnel to the gateway host, which routes it out
 * (MNMAP_SEND, uncounted: it is not a map's). A first fragment leaves
 * word for the others. Without a gateway, or on the gateway itself, the
 * packet is routed here as it is.
 */
static int send_to_gateway(struct mnmap_net *mn, const struct mnmap_packet *p,
			   struct mnmap_action *a)
{
	const struct mnmap_host *host = rcu_dereference(mn->host);
	struct mnmap_location *gw = &a->copy;
	unsigned int verdict;

	if (!host || !host->gateway.family || is_gateway(mn) || !routable(&p->dst))
		return NF_ACCEPT;
	memset(gw, 0, sizeof(*gw));
	gw->vtep = host->gateway;
	a->dev = device_for(mn, gw, NULL, MNMAP_FROM_ENDPOINT, &verdict);
	if (!a->dev)
		return verdict;
	/* The gateway routes by IP: the inner frame goes to nobody in particular. */
	ether_addr_copy(gw->mac, a->dev->dev_addr);
	if (p->frag)
		mnmap_memo_remember(mn->memo, p->frag, gw, 0);
	a->loc = gw;
	a->vni = 0;
	return MNMAP_SEND;
}

/*
 * On the gateway: a container on another host sends to the outside. Only
 * from what a container on the sending host (the tunnel's outer source)
 * owns; its echo requests are remembered, so that the replies go back
 * through the tunnel. The frame was addressed to no device of ours: the
 * stack takes it as its own, and routes it out (MNMAP_TO_HOST).
 */
static int route_for_remote(struct mnmap_net *mn, struct mnmap_table *t,
			    struct mnmap_packet *p)
{
	struct mnmap_location sender = {};

	if (!p->tunneled || !owns_source(t, p, &p->tun_src))
		return mnmap_drop(mn, NULL, MNMAP_DROP_SPOOFED);
	if (p->echo && p->echo_request) {
		sender.vtep = p->tun_src;
		if (p->has_mac)
			ether_addr_copy(sender.mac, p->src_mac);
		mnmap_memo_remember(mn->memo, p->echo, &sender, p->tun_vni);
	}
	return MNMAP_TO_HOST;
}

/*
 * A packet for an address mnmap does not manage, from @from. What the
 * tunnel brings from a managed source is a container's on another host:
 * only the gateway routes it out. The rest of the tunnel's traffic is not
 * mnmap's: the stack judges it.
 */
static int outside(struct mnmap_net *mn, struct mnmap_table *t, enum mnmap_origin from,
		   struct mnmap_packet *p, struct mnmap_action *a)
{
	if (from == MNMAP_FROM_ENDPOINT)
		return send_to_gateway(mn, p, a);
	/* A tenant's packets stay in it: what is not its own is nobody's. */
	if (from == MNMAP_FROM_VXLAN && p->scope)
		return mnmap_drop(mn, NULL, MNMAP_DROP_TENANT);
	/* An ICMP error is a container's by its outer source as well. */
	if (from != MNMAP_FROM_VXLAN ||
	    !(mnmap_addr_managed(t, &p->src) ||
	      (p->icmp_error && mnmap_addr_managed(t, &p->outer_src))))
		return NF_ACCEPT;
	if (!is_gateway(mn))
		return mnmap_drop(mn, NULL, MNMAP_DROP_REMOTE);
	return route_for_remote(mn, t, p);
}

/*
 * Set the tenants of the packet's keys (and of what the memo keeps for
 * it) by where it came from: a container's are its endpoint's tenant and
 * the public one, and it must own its source (mnmap_check_sender()); the
 * tunnel's, the VNI's tenant only; the uplink's, the public one only.
 * A tenant's private source goes nowhere but to its own tenant's
 * addresses (its link aside: stays_on_link()), or the public address of
 * one of its containers: nothing else could answer it.
 */
static unsigned int scope_packet(struct mnmap_net *mn, struct mnmap_table *t,
				 enum mnmap_origin from, struct mnmap_packet *p)
{
	unsigned int verdict;
	u32 from_tenant;

	p->sender = NULL;
	p->scope = 0;
	p->public_too = false;
	if (from == MNMAP_FROM_ENDPOINT) {
		verdict = mnmap_check_sender(mn, t, p);
		if (verdict != NF_ACCEPT)
			return verdict;
	} else if (from == MNMAP_FROM_VXLAN && p->tunneled) {
		p->scope = p->tun_vni;
		p->src.tenant = p->scope;
		p->outer_src.tenant = p->scope;
	}
	resolve_tenant(t, p, &p->dst);
	/*
	 * What the tunnel brings, its sending host checked; and its VNI names
	 * the tenant of where it goes, not of where it comes from: any source
	 * tenant matches.
	 */
	from_tenant = from == MNMAP_FROM_VXLAN ? MNMAP_MEMO_ANY_TENANT : p->src.tenant;
	if (p->frag) {
		p->frag_key.tenant = p->dst.tenant;
		p->frag_key.from_tenant = from_tenant;
	}
	/* An echo is keyed by its reply: a request's tenants swap over. */
	if (p->echo && p->echo_request) {
		p->echo_key.tenant = p->src.tenant;
		p->echo_key.from_tenant = p->dst.tenant;
	} else if (p->echo) {
		p->echo_key.tenant = p->dst.tenant;
		p->echo_key.from_tenant = from_tenant;
	}
	/* Public addresses: whether their endpoint can answer is known once picked. */
	if (p->src.tenant && p->dst.tenant != p->src.tenant && !stays_on_link(&p->dst) &&
	    !mnmap_addr_managed(t, &p->dst))
		return mnmap_drop(mn, p->sender, MNMAP_DROP_PRIVATE);
	return NF_ACCEPT;
}

/*
 * Whether @ep can answer the packet's source: a tenant's private source
 * only from its own tenant (a public address of one of its containers).
 */
static bool answerable(const struct mnmap_packet *p, const struct mnmap_endpoint *ep)
{
	return !p->src.tenant || p->src.tenant == p->dst.tenant ||
	       rcu_dereference(ep->loc)->tenant == p->src.tenant;
}

/*
 * What both families decide once a packet is keyed: a container's source
 * must be its own; an echo reply goes to the container that sent its
 * request; a mapped destination goes to its endpoint; a later fragment
 * (keyed by address only) follows its first; what mnmap does not manage
 * passes, through the gateway host when there is one (outside()).
 * @p must have been described (mnmap_describe_frame()) and keyed. Returns
 * a verdict; MNMAP_SEND, where to in @a, valid in this RCU read section
 * only (a->loc may point into @a); MNMAP_TO_HOST; or MNMAP_UNCLAIMED for
 * a managed address that no map claims, from the uplink or a container:
 * the caller may answer an echo, and must otherwise drop it, so that it
 * never leaks into the host's stack.
 */
int mnmap_decide(struct mnmap_net *mn, struct mnmap_table *t, enum mnmap_origin from,
		 struct mnmap_packet *p, struct mnmap_action *a)
{
	int verdict;
	struct mnmap_map *m;

	/* The copy is set by whoever uses it; it must stay the last member. */
	BUILD_BUG_ON(offsetofend(struct mnmap_action, copy) != sizeof(*a));
	memset(a, 0, offsetof(struct mnmap_action, copy));
	verdict = scope_packet(mn, t, from, p);
	if (verdict != NF_ACCEPT)
		return verdict;
	if (from == MNMAP_FROM_ENDPOINT)
		remember_echo(mn, p);
	if (p->frag && p->keys != MNMAP_KEYS_FULL) {
		if (send_as_remembered(mn, p->frag, NULL, from, a, &verdict))
			return verdict;
		if (!mnmap_addr_managed(t, &p->dst))
			return outside(mn, t, from, p, a);
		return from == MNMAP_FROM_VXLAN ? mnmap_drop(mn, NULL, MNMAP_DROP_UNMAPPED) :
						  MNMAP_UNCLAIMED;
	}
	if (p->echo && !p->echo_request &&
	    send_as_remembered(mn, p->echo, p->frag, from, a, &verdict))
		return verdict;
	m = p->keys == MNMAP_KEYS_FULL ? mnmap_lookup(t, &p->dst) : NULL;
	if (m) {
		struct mnmap_endpoint *ep = mnmap_pick(mn, m, p, from);

		if (!ep)
			return mnmap_drop(mn, p->sender, mnmap_unpicked(m, p));
		if (!answerable(p, ep))
			return mnmap_drop(mn, p->sender, MNMAP_DROP_PRIVATE);
		return deliver(mn, m, ep, p->frag, from, a);
	}
	if (!mnmap_addr_managed(t, &p->dst))
		return outside(mn, t, from, p, a);
	/* The tunnel is no way back: an echo out of it is its sender's to answer. */
	if (from == MNMAP_FROM_VXLAN)
		return mnmap_drop(mn, NULL, MNMAP_DROP_UNMAPPED);
	return MNMAP_UNCLAIMED;
}

