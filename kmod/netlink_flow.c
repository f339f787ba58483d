// SPDX-License-Identifier: GPL-2.0
/* Netlink operations on the flow table: a dump that can filter by map, a flush. */

#include "netlink.h"
#include "balance.h"
#include "compat.h"
#include "flow.h"
#include "netns.h"
#include "table.h"

#include <linux/jiffies.h>

/* What a dump shows of a flow: its map's key, its source, its endpoint. */
static int put_flow(struct sk_buff *skb, const struct mnmap_flow *fl,
		    struct mnmap_table *t)
{
	const struct mnmap_flow_key *k = &fl->key;
	struct nlattr *nest = nla_nest_start(skb, MNMAP_A_FLOW);
	struct mnmap_endpoint *ep = NULL;
	struct mnmap_key key = {};
	struct mnmap_map *m;
	bool v4 = k->family == AF_INET;

	if (!nest)
		return -EMSGSIZE;
	key.family = k->family;
	key.proto = k->proto;
	key.tenant = k->tenant;
	key.port = k->dport;
	memcpy(&key.addr, &k->dst, sizeof(key.addr));
	m = t ? mnmap_lookup(t, &key) : NULL;
	if (m)
		ep = mnmap_backend_named(m, READ_ONCE(fl->endpoint));
	if (nla_put_u32(skb, MNMAP_A_FLOW_TENANT, k->tenant) ||
	    nla_put_u8(skb, MNMAP_A_FLOW_PROTO, k->proto) ||
	    (v4 ? nla_put_in_addr(skb, MNMAP_A_FLOW_SRC_IPV4, k->src.v4) :
		  nla_put_in6_addr(skb, MNMAP_A_FLOW_SRC_IPV6, &k->src.v6)) ||
	    (v4 ? nla_put_in_addr(skb, MNMAP_A_FLOW_DST_IPV4, k->dst.v4) :
		  nla_put_in6_addr(skb, MNMAP_A_FLOW_DST_IPV6, &k->dst.v6)) ||
	    (mnmap_proto_has_ports(k->proto) &&
	     (nla_put_u16(skb, MNMAP_A_FLOW_SRC_PORT, k->sport) ||
	      nla_put_u16(skb, MNMAP_A_FLOW_DST_PORT, k->dport))) ||
	    (ep && nla_put_string(skb, MNMAP_A_FLOW_ENDPOINT, ep->name)) ||
	    nla_put_u32(skb, MNMAP_A_FLOW_IDLE,
			min_t(u64, jiffies_to_msecs(jiffies - READ_ONCE(fl->seen)), U32_MAX))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The flows of one map: its key and ports, as a map request names them. */
struct flow_filter {
	struct mnmap_map_spec spec;
};

static bool filter_match(const struct flow_filter *f, const struct mnmap_flow *fl)
{
	const struct mnmap_key *k;

	if (!f)
		return true;
	k = &f->spec.key;
	return fl->key.family == k->family && fl->key.proto == k->proto &&
	       fl->key.tenant == k->tenant &&
	       !memcmp(&fl->key.dst, &k->addr, sizeof(fl->key.dst)) &&
	       (!mnmap_proto_has_ports(k->proto) ||
		(fl->key.dport >= k->port && fl->key.dport <= f->spec.port_last));
}

int mnmap_nl_flow_dump_start(struct netlink_callback *cb)
{
	struct nlattr *nest = mnmap_dump_attrs(cb)[MNMAP_A_MAP];
	struct mnmap_flows *flows;
	struct flow_filter *f = NULL;
	int ret;

	if (nest) {
		f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
		if (!f)
			return -ENOMEM;
		ret = mnmap_nl_parse_map_key(nest, &f->spec, cb->extack);
		if (ret) {
			kfree(f);
			return ret;
		}
	}
	flows = mnmap_flows_of(mnmap_net(sock_net(cb->skb->sk)));
	ret = mnmap_dump_start_on(cb, flows ? mnmap_flows_table(flows) : NULL);
	if (ret) {
		kfree(f);
		return ret;
	}
	((struct mnmap_dump *)cb->args[0])->filter = f;
	return 0;
}

/* The first flow, from @obj on, that the filter lets through. */
static void *accept_flow(struct mnmap_dump *d, void *obj)
{
	for (struct mnmap_flow *fl = obj; fl; fl = mnmap_dump_next(d))
		if (filter_match(d->filter, fl))
			return fl;
	return NULL;
}

/* The table the dump holds resolves endpoint names (under RCU). */
static int put_flow_obj(struct sk_buff *skb, struct mnmap_dump *d, const void *obj)
{
	return put_flow(skb, obj, d->table);
}

int mnmap_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mnmap_dump_walk(skb, cb, MNMAP_CMD_FLOW_GET, accept_flow, put_flow_obj);
}

int mnmap_nl_flow_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));

	return mnmap_nl_reply_count(info, mnmap_flows_flush(mnmap_flows_of(mn)));
}
