// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mnmap". The contract is written once, in
 * Documentation/netlink/mnmap.yaml; the uAPI header is generated from it.
 * Every operation has its own strict policy, every rejection an extack
 * message naming the attribute, and a rejected request changes nothing.
 */

#include "netlink.h"
#include "compat.h"
#include "flow.h"
#include "netns.h"
#include "host.h"
#include "table.h"
#include "txn.h"
#include "vxlan.h"
#include "stats.h"
#include "version.h"

#include <uapi/linux/mnmap.h>

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/ipv6.h>
#include <net/genetlink.h>

enum mnmap_mcgrp {
	MNMAP_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group mnmap_mcgrps[] = {
	[MNMAP_MCGRP_EVENTS_ID] = { .name = MNMAP_MCGRP_EVENTS },
};

static const struct nla_policy host_policy[MNMAP_A_HOST_MAX + 1] = {
	[MNMAP_A_HOST_VERSION] = { .type = NLA_REJECT,
				   .reject_message = "version is read-only" },
	[MNMAP_A_HOST_UPLINK] = { .type = NLA_U32 },
	[MNMAP_A_HOST_VXLAN] = { .type = NLA_U32 },
	[MNMAP_A_HOST_VTEP_IPV4] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[MNMAP_A_HOST_VTEP_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[MNMAP_A_HOST_GATEWAY_IPV4] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[MNMAP_A_HOST_GATEWAY_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[MNMAP_A_HOST_STATS] = { .type = NLA_REJECT, .reject_message = "stats are read-only" },
	[MNMAP_A_HOST_DATAPATH] = { .type = NLA_REJECT,
				    .reject_message = "the data path state is read-only" },
	[MNMAP_A_HOST_FLOWS] = { .type = NLA_REJECT,
				 .reject_message = "the flow table's counters are read-only" },
};

static const struct nla_policy host_set_policy[MNMAP_A_MAX + 1] = {
	[MNMAP_A_HOST] = NLA_POLICY_NESTED(host_policy),
};

int mnmap_nl_put_addr(struct sk_buff *skb, int attr4, int attr6,
		      const struct mnmap_addr *addr)
{
	if (addr->family == AF_INET)
		return nla_put_in_addr(skb, attr4, addr->v4);
	if (addr->family == AF_INET6)
		return nla_put_in6_addr(skb, attr6, &addr->v6);
	return 0;
}

static int put_host(struct sk_buff *skb, const struct mnmap_host *host,
		    struct mnmap_net *mn)
{
	struct nlattr *nest = nla_nest_start(skb, MNMAP_A_HOST);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, MNMAP_A_HOST_VERSION, MNMAP_VERSION) ||
	    (host->uplink_ifindex &&
	     nla_put_u32(skb, MNMAP_A_HOST_UPLINK, host->uplink_ifindex)) ||
	    (host->vxlan_ifindex &&
	     nla_put_u32(skb, MNMAP_A_HOST_VXLAN, host->vxlan_ifindex)) ||
	    mnmap_nl_put_addr(skb, MNMAP_A_HOST_VTEP_IPV4, MNMAP_A_HOST_VTEP_IPV6,
			      &host->vtep) ||
	    mnmap_nl_put_addr(skb, MNMAP_A_HOST_GATEWAY_IPV4,
			      MNMAP_A_HOST_GATEWAY_IPV6, &host->gateway) ||
	    mnmap_stats_put(skb, MNMAP_A_HOST_STATS, mn->stats) ||
	    mnmap_flows_put_stats(skb, MNMAP_A_HOST_FLOWS, mnmap_flows_of(mn)) ||
	    (READ_ONCE(mn->hooks_on) && nla_put_flag(skb, MNMAP_A_HOST_DATAPATH))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A new message with its genetlink header; NULL when out of memory. */
struct sk_buff *mnmap_nl_msg(u32 portid, u32 seq, u8 cmd, void **hdr)
{
	return mnmap_nl_msg_sized(NLMSG_GOODSIZE, portid, seq, cmd, hdr);
}

/* The same with room for @payload bytes of attributes. */
struct sk_buff *mnmap_nl_msg_sized(size_t payload, u32 portid, u32 seq, u8 cmd,
				   void **hdr)
{
	struct sk_buff *skb = genlmsg_new(payload, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, portid, seq, &mnmap_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

void mnmap_nl_notify(struct net *net, struct sk_buff *skb)
{
	genlmsg_multicast_netns(&mnmap_family, net, skb, 0,
				MNMAP_MCGRP_EVENTS_ID, GFP_KERNEL);
}

/* Whether anyone listens for events: batches skip building them if not. */
bool mnmap_nl_listening(struct net *net)
{
	return genl_has_listeners(&mnmap_family, net, MNMAP_MCGRP_EVENTS_ID);
}

/* A message that carries only a count (replies to batches, flush events). */
static struct sk_buff *count_msg(u32 portid, u32 seq, u8 cmd, u32 count)
{
	struct sk_buff *skb;
	void *hdr;

	skb = mnmap_nl_msg(portid, seq, cmd, &hdr);
	if (!skb)
		return NULL;
	if (nla_put_u32(skb, MNMAP_A_COUNT, count)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

int mnmap_nl_reply_count(struct genl_info *info, u32 count)
{
	struct sk_buff *skb = count_msg(info->snd_portid, info->snd_seq,
					info->genlhdr->cmd, count);

	return skb ? genlmsg_reply(skb, info) : -ENOMEM;
}

void mnmap_nl_notify_count(struct net *net, u8 cmd, u32 count)
{
	struct sk_buff *skb = count_msg(0, 0, cmd, count);

	if (skb)
		mnmap_nl_notify(net, skb);
}

/*
 * Refuse an attribute given twice among the @len bytes at @head, but for
 * types in @multi. Netlink's parsers keep the last of duplicates: the
 * contract says a duplicated single attribute rejects the request.
 */
static int refuse_duplicates(const struct nlattr *head, int len, u64 multi,
			     struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	u64 seen = 0;
	int rem;

	nla_for_each_attr(attr, head, len, rem) {
		int type = nla_type(attr);

		if (type >= 64)	/* beyond every policy: the parser refuses it */
			continue;
		if (seen & BIT_ULL(type) & ~multi) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "attribute given twice");
			return -EINVAL;
		}
		seen |= BIT_ULL(type);
	}
	return 0;
}

/*
 * Before any request: no attribute twice, at the top (but the endpoints
 * and maps of a batch add) or inside the nests it carries.
 */
static int mnmap_nl_pre_doit(const struct mnmap_genl_ops *ops, struct sk_buff *skb,
			     struct genl_info *info)
{
	const struct nlattr *head = genlmsg_data(info->genlhdr), *attr;
	int len = genlmsg_len(info->genlhdr), rem, ret;
	u64 multi = 0;

	BUILD_BUG_ON(MNMAP_A_MAX >= 64 || MNMAP_A_MAP_MAX >= 64 ||
		     MNMAP_A_ENDPOINT_MAX >= 64 || MNMAP_A_HOST_MAX >= 64);
	if (info->genlhdr->cmd == MNMAP_CMD_ENDPOINT_NEW)
		multi = BIT_ULL(MNMAP_A_ENDPOINT);
	if (info->genlhdr->cmd == MNMAP_CMD_MAP_NEW)
		multi = BIT_ULL(MNMAP_A_MAP);
	ret = refuse_duplicates(head, len, multi, info->extack);
	if (ret)
		return ret;
	nla_for_each_attr(attr, head, len, rem) {
		if (nla_type(attr) != MNMAP_A_MAP && nla_type(attr) != MNMAP_A_ENDPOINT &&
		    nla_type(attr) != MNMAP_A_HOST)
			continue;
		ret = refuse_duplicates(nla_data(attr), nla_len(attr), 0, info->extack);
		if (ret)
			return ret;
	}
	return 0;
}

/* How many top-level attributes of @type the request carries. */
int mnmap_nl_count_nests(struct genl_info *info, int type)
{
	const struct nlattr *attr;
	int rem, n = 0;

	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		if (nla_type(attr) == type)
			n++;
	return n;
}

static struct sk_buff *host_msg(struct mnmap_net *mn, const struct mnmap_host *host,
				u32 portid, u32 seq, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = mnmap_nl_msg(portid, seq, cmd, &hdr);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	if (put_host(skb, host, mn)) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static int mnmap_nl_host_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_host host;
	struct sk_buff *msg;

	mnmap_host_get(mnmap_net(genl_info_net(info)), &host);
	msg = host_msg(mnmap_net(genl_info_net(info)), &host, info->snd_portid,
		       info->snd_seq, MNMAP_CMD_HOST_GET);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/* Resolve an ifindex attribute to a device of @net; 0 clears. */
static int parse_ifindex(struct net *net, struct nlattr *attr, int *ifindex,
			 struct netlink_ext_ack *extack)
{
	u32 idx;

	if (!attr)
		return 0;
	idx = nla_get_u32(attr);
	if (idx && !__dev_get_by_index(net, idx)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such device");
		return -ENODEV;
	}
	*ifindex = idx;
	return 0;
}

/* Parse an address given as either of two attributes; all zeroes clears. */
int mnmap_nl_parse_addr(struct nlattr *attr4, struct nlattr *attr6,
			struct mnmap_addr *addr, struct netlink_ext_ack *extack)
{
	if (attr4 && attr6) {
		NL_SET_ERR_MSG_ATTR(extack, attr6,
				    "give an IPv4 or an IPv6 address, not both");
		return -EINVAL;
	}
	if (attr4) {
		addr->v4 = nla_get_in_addr(attr4);
		addr->family = addr->v4 ? AF_INET : 0;
	} else if (attr6) {
		addr->v6 = nla_get_in6_addr(attr6);
		addr->family = ipv6_addr_any(&addr->v6) ? 0 : AF_INET6;
	}
	return 0;
}

/* The gateway is reached over the same underlay as our own VTEP. */
static int check_families(const struct mnmap_host *host, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *bad = tb[MNMAP_A_HOST_GATEWAY_IPV4] ?:
			     tb[MNMAP_A_HOST_GATEWAY_IPV6] ?:
			     tb[MNMAP_A_HOST_VTEP_IPV4] ?: tb[MNMAP_A_HOST_VTEP_IPV6];

	if (host->vtep.family && host->gateway.family &&
	    host->vtep.family != host->gateway.family) {
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "vtep and gateway must be of the same address family");
		return -EINVAL;
	}
	return 0;
}

static int parse_host(struct net *net, struct nlattr **tb,
		      struct mnmap_host *host, struct netlink_ext_ack *extack)
{
	return parse_ifindex(net, tb[MNMAP_A_HOST_UPLINK],
			     &host->uplink_ifindex, extack) ?:
	       parse_ifindex(net, tb[MNMAP_A_HOST_VXLAN],
			     &host->vxlan_ifindex, extack) ?:
	       mnmap_nl_parse_addr(tb[MNMAP_A_HOST_VTEP_IPV4],
				   tb[MNMAP_A_HOST_VTEP_IPV6], &host->vtep, extack) ?:
	       mnmap_nl_parse_addr(tb[MNMAP_A_HOST_GATEWAY_IPV4],
				   tb[MNMAP_A_HOST_GATEWAY_IPV6], &host->gateway,
				   extack) ?:
	       check_families(host, tb, extack);
}

static int mnmap_nl_host_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct mnmap_net *mn = mnmap_net(net);
	struct nlattr *tb[MNMAP_A_HOST_MAX + 1];
	struct nf_hook_ops *hook = NULL;
	struct sk_buff *reply, *ntf;
	struct mnmap_host host;
	bool rehook;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_HOST))
		return -EINVAL;
	ret = nla_parse_nested(tb, MNMAP_A_HOST_MAX, info->attrs[MNMAP_A_HOST],
			       host_policy, info->extack);
	if (ret)
		return ret;
	rehook = tb[MNMAP_A_HOST_VXLAN];

	rtnl_lock();	/* keeps the devices we check from going away */
	mutex_lock(&mn->lock);
	mnmap_host_get(mn, &host);
	ret = parse_host(net, tb, &host, info->extack);
	if (ret)
		goto out_unlock;
	reply = host_msg(mn, &host, info->snd_portid, info->snd_seq,
			 MNMAP_CMD_HOST_SET);
	ntf = host_msg(mn, &host, 0, 0, MNMAP_CMD_HOST_NTF);
	if (IS_ERR(reply) || IS_ERR(ntf)) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (rehook) {
		hook = mnmap_vxlan_hook(mn, host.vxlan_ifindex, info->extack);
		if (IS_ERR(hook)) {
			ret = PTR_ERR(hook);
			goto out_free;
		}
	}
	ret = mnmap_host_replace(mn, &host);
	if (ret) {
		if (rehook)
			mnmap_vxlan_unhook(mn, hook);
		goto out_free;
	}
	if (rehook)
		mnmap_vxlan_switch(mn, hook);
	mnmap_nl_notify(net, ntf);
	mnmap_write_unlock(mn);
	rtnl_unlock();
	return genlmsg_reply(reply, info);

out_free:
	if (!IS_ERR(reply))
		nlmsg_free(reply);
	if (!IS_ERR(ntf))
		nlmsg_free(ntf);
out_unlock:
	mnmap_write_unlock(mn);
	rtnl_unlock();
	return ret;
}

/* Transactions */

static const struct nla_policy txn_begin_policy[MNMAP_A_MAX + 1] = {
	[MNMAP_A_REPLACE] = { .type = NLA_FLAG },
};

static int mnmap_nl_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	int ret;

	mutex_lock(&mn->lock);
	ret = mnmap_txn_begin(mn, mnmap_nl_sender(skb), info->snd_portid,
			      info->attrs[MNMAP_A_REPLACE], info->extack);
	mnmap_write_unlock(mn);
	return ret;
}

static int mnmap_nl_txn_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct mnmap_net *mn = mnmap_net(net);
	u32 n_maps;
	int ret;

	mutex_lock(&mn->lock);
	ret = mnmap_txn_commit(mn, mnmap_nl_sender(skb), &n_maps, info->extack);
	if (!ret)
		mnmap_nl_notify_count(net, MNMAP_CMD_TXN_NTF, n_maps);
	mnmap_write_unlock(mn);
	return ret ?: mnmap_nl_reply_count(info, n_maps);
}

static int mnmap_nl_txn_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	int ret;

	mutex_lock(&mn->lock);
	ret = mnmap_txn_abort(mn, mnmap_nl_sender(skb), info->extack);
	mnmap_write_unlock(mn);
	return ret;
}

/* A socket that closes with a transaction open drops it. */
static int mnmap_netlink_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct netlink_notify *n = ptr;
	struct mnmap_net *mn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mn = mnmap_net(n->net);
	/*
	 * Every generic netlink socket of the namespace closes through here:
	 * only one that may own the open transaction takes the lock. Its own
	 * begin, on this socket, was seen before it could close.
	 */
	if (!READ_ONCE(mn->staging) && !READ_ONCE(mn->lost_owner))
		return NOTIFY_DONE;
	mutex_lock(&mn->lock);
	mnmap_txn_release(mn, n->portid);
	mnmap_write_unlock(mn);
	return NOTIFY_DONE;
}

static struct notifier_block mnmap_netlink_notifier = {
	.notifier_call = mnmap_netlink_event,
};

/* Dumps */

/*
 * Start a dump of one of the table's hashes. Its messages are marked
 * NLM_F_DUMP_INTR when the namespace changed in between, or when a resize
 * made the walk restart: then entries may be missing or repeated, and the
 * reader must dump again.
 */
static struct mnmap_dump *dump_alloc(struct netlink_callback *cb)
{
	struct mnmap_dump *d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);

	if (!d)
		return NULL;
	d->mn = mnmap_net(sock_net(cb->skb->sk));
	d->table = mnmap_table_get_live(d->mn);
	cb->args[0] = (long)d;
	return d;
}

int mnmap_dump_start(struct netlink_callback *cb,
		     struct rhashtable *(*which)(struct mnmap_table *))
{
	struct mnmap_dump *d = dump_alloc(cb);

	if (!d)
		return -ENOMEM;
	if (d->table) {
		rhashtable_walk_enter(which(d->table), &d->iter);
		d->walking = true;
	}
	return 0;
}

/*
 * Start a dump of @ht, a hash that lives as long as the namespace (the
 * flow table), or of nothing; the live table is held all the same.
 */
int mnmap_dump_start_on(struct netlink_callback *cb, struct rhashtable *ht)
{
	struct mnmap_dump *d = dump_alloc(cb);

	if (!d)
		return -ENOMEM;
	if (ht) {
		rhashtable_walk_enter(ht, &d->iter);
		d->walking = true;
	}
	return 0;
}

int mnmap_dump_done(struct netlink_callback *cb)
{
	struct mnmap_dump *d = (struct mnmap_dump *)cb->args[0];

	if (!d)
		return 0;
	if (d->walking)
		rhashtable_walk_exit(&d->iter);
	mnmap_table_put(d->table);
	kfree(d->filter);
	kfree(d);
	return 0;
}

/* Resume the walk at the start of a dumpit call. */
void mnmap_dump_resume(struct mnmap_dump *d) __acquires(RCU)
{
	if (rhashtable_walk_start_check(&d->iter) == -EAGAIN)
		d->interrupted = true;	/* resized: the walk restarted */
}

/* The next object of the walk, or NULL at its end. Call between start/stop. */
void *mnmap_dump_next(struct mnmap_dump *d)
{
	void *obj;

	if (!d->walking)
		return NULL;
	while (IS_ERR(obj = rhashtable_walk_next(&d->iter))) {
		if (PTR_ERR(obj) != -EAGAIN)
			return NULL;
		d->interrupted = true;
	}
	return obj;
}

void mnmap_dump_check(struct netlink_callback *cb, struct mnmap_dump *d, void *hdr)
{
	cb->seq = READ_ONCE(d->mn->generation) + 1;	/* never 0: 0 disables */
	genl_dump_check_consistent(cb, hdr);
	if (d->interrupted)
		genlmsg_nlhdr(hdr)->nlmsg_flags |= NLM_F_DUMP_INTR;
}

/*
 * Fill @skb with the objects of the walk that @accept lets through, each in
 * a message of command @cmd put by @put. An object that does not fit is
 * the walk's current one, and the next call starts with it. One that does
 * not fit even an empty message fails the dump: returning 0 would end it
 * as if the walk were done, silently short of that object and the rest.
 */
int mnmap_dump_walk(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		    void *(*accept)(struct mnmap_dump *d, void *obj),
		    int (*put)(struct sk_buff *skb, struct mnmap_dump *d, const void *obj))
{
	struct mnmap_dump *d = (struct mnmap_dump *)cb->args[0];
	void *obj, *hdr;

	if (!d->walking)
		return 0;
	mnmap_dump_resume(d);
	obj = cb->args[1] ? rhashtable_walk_peek(&d->iter) : mnmap_dump_next(d);
	if (IS_ERR(obj))
		obj = mnmap_dump_next(d);
	cb->args[1] = 0;
	for (obj = accept(d, obj); obj; obj = accept(d, mnmap_dump_next(d))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &mnmap_family, NLM_F_MULTI, cmd);
		if (!hdr || put(skb, d, obj)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			cb->args[1] = 1;
			if (!skb->len) {
				rhashtable_walk_stop(&d->iter);
				return -EMSGSIZE;
			}
			break;
		}
		mnmap_dump_check(cb, d, hdr);
		genlmsg_end(skb, hdr);
	}
	rhashtable_walk_stop(&d->iter);
	return skb->len;
}

static const struct genl_ops mnmap_nl_ops[] = {
	{
		.cmd = MNMAP_CMD_HOST_GET,
		.doit = mnmap_nl_host_get,
	},
	{
		.cmd = MNMAP_CMD_HOST_SET,
		.doit = mnmap_nl_host_set,
		.policy = host_set_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_ENDPOINT_NEW,
		.doit = mnmap_nl_endpoint_new,
		.policy = mnmap_endpoint_req_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_ENDPOINT_SET,
		.doit = mnmap_nl_endpoint_set,
		.policy = mnmap_endpoint_req_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_ENDPOINT_DEL,
		.doit = mnmap_nl_endpoint_del,
		.policy = mnmap_endpoint_del_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_ENDPOINT_GET,
		.doit = mnmap_nl_endpoint_get,
		.start = mnmap_nl_endpoint_dump_start,
		.dumpit = mnmap_nl_endpoint_dump,
		.done = mnmap_dump_done,
		.policy = mnmap_endpoint_req_policy,
		.maxattr = MNMAP_A_MAX,
	},
	{
		.cmd = MNMAP_CMD_MAP_NEW,
		.doit = mnmap_nl_map_new,
		.policy = mnmap_map_req_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_MAP_DEL,
		.doit = mnmap_nl_map_del,
		.policy = mnmap_map_req_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_MAP_GET,
		.start = mnmap_nl_map_dump_start,
		.dumpit = mnmap_nl_map_dump,
		.done = mnmap_dump_done,
		.policy = mnmap_map_req_policy,
		.maxattr = MNMAP_A_MAX,
	},
	{
		.cmd = MNMAP_CMD_MAP_FLUSH,
		.doit = mnmap_nl_map_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_TXN_BEGIN,
		.doit = mnmap_nl_txn_begin,
		.policy = txn_begin_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_TXN_COMMIT,
		.doit = mnmap_nl_txn_commit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_TXN_ABORT,
		.doit = mnmap_nl_txn_abort,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_MAP_SET,
		.doit = mnmap_nl_map_set,
		.policy = mnmap_map_req_policy,
		.maxattr = MNMAP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_FLOW_GET,
		.start = mnmap_nl_flow_dump_start,
		.dumpit = mnmap_nl_flow_dump,
		.done = mnmap_dump_done,
		.policy = mnmap_map_req_policy,
		.maxattr = MNMAP_A_MAX,
		/* The clients' addresses and ports: the admin's to read. */
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MNMAP_CMD_FLOW_FLUSH,
		.doit = mnmap_nl_flow_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family mnmap_family __ro_after_init = {
	.name = MNMAP_FAMILY_NAME,
	.version = MNMAP_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.pre_doit = mnmap_nl_pre_doit,
	.ops = mnmap_nl_ops,
	.n_ops = ARRAY_SIZE(mnmap_nl_ops),
	.mcgrps = mnmap_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mnmap_mcgrps),
};

int __init mnmap_genl_init(void)
{
	int ret = netlink_register_notifier(&mnmap_netlink_notifier);

	if (ret)
		return ret;
	ret = genl_register_family(&mnmap_family);
	if (ret)
		netlink_unregister_notifier(&mnmap_netlink_notifier);
	return ret;
}

void mnmap_genl_uninit(void)
{
	genl_unregister_family(&mnmap_family);
	netlink_unregister_notifier(&mnmap_netlink_notifier);
}

#ifdef DEBUG
#include "selftest/netlink.c"
#endif
