// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink operations on endpoints: add (one or a batch), set (a move),
 * delete, get and dump.
 */

#include "netlink.h"
#include "limits.h"
#include "netns.h"
#include "table.h"
#include "stats.h"
#include "txn.h"

#include <linux/etherdevice.h>
#include <linux/netdevice.h>

static struct netlink_range_validation vni_range = { .max = MNMAP_VNI_MAX };

static const struct nla_policy endpoint_policy[MNMAP_A_ENDPOINT_MAX + 1] = {
	[MNMAP_A_ENDPOINT_NAME] = { .type = NLA_NUL_STRING, .len = MNMAP_NAME_MAX_LEN },
	[MNMAP_A_ENDPOINT_MAC] = NLA_POLICY_ETH_ADDR,
	[MNMAP_A_ENDPOINT_IFINDEX] = { .type = NLA_U32 },	/* 0: none (gone) */
	[MNMAP_A_ENDPOINT_VTEP_IPV4] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[MNMAP_A_ENDPOINT_VTEP_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[MNMAP_A_ENDPOINT_VNI] = NLA_POLICY_FULL_RANGE(NLA_U32, &vni_range),
	[MNMAP_A_ENDPOINT_USERS] = { .type = NLA_REJECT,
				     .reject_message = "users is read-only" },
	[MNMAP_A_ENDPOINT_STATS] = { .type = NLA_REJECT,
				     .reject_message = "stats are read-only" },
	[MNMAP_A_ENDPOINT_TENANT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vni_range),
	[MNMAP_A_ENDPOINT_STATE] = NLA_POLICY_MAX(NLA_U32, MNMAP_ENDPOINT_STATE_DOWN),
};

const struct nla_policy mnmap_endpoint_req_policy[MNMAP_A_MAX + 1] = {
	[MNMAP_A_ENDPOINT] = NLA_POLICY_NESTED(endpoint_policy),
};

const struct nla_policy mnmap_endpoint_del_policy[MNMAP_A_MAX + 1] = {
	[MNMAP_A_ENDPOINT] = NLA_POLICY_NESTED(endpoint_policy),
	[MNMAP_A_FORCE] = { .type = NLA_FLAG },
};

/*
 * Put @ep as it is at @loc (its current location, or the one it moves to)
 * with @users map backends (live, or as a transaction leaves them).
 */
static int put_endpoint_at(struct sk_buff *skb, const struct mnmap_endpoint *ep,
			   const struct mnmap_location *loc, u32 users)
{
	struct nlattr *nest = nla_nest_start(skb, MNMAP_A_ENDPOINT);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, MNMAP_A_ENDPOINT_NAME, ep->name) ||
	    nla_put(skb, MNMAP_A_ENDPOINT_MAC, ETH_ALEN, loc->mac) ||
	    (loc->ifindex && nla_put_u32(skb, MNMAP_A_ENDPOINT_IFINDEX, loc->ifindex)) ||
	    mnmap_nl_put_addr(skb, MNMAP_A_ENDPOINT_VTEP_IPV4,
			      MNMAP_A_ENDPOINT_VTEP_IPV6, &loc->vtep) ||
	    (loc->vtep.family && nla_put_u32(skb, MNMAP_A_ENDPOINT_VNI, loc->tenant)) ||
	    nla_put_u32(skb, MNMAP_A_ENDPOINT_TENANT, loc->tenant) ||
	    nla_put_u32(skb, MNMAP_A_ENDPOINT_STATE,
			loc->down ? MNMAP_ENDPOINT_STATE_DOWN : MNMAP_ENDPOINT_STATE_UP) ||
	    nla_put_u32(skb, MNMAP_A_ENDPOINT_USERS, users) ||
	    mnmap_stats_put(skb, MNMAP_A_ENDPOINT_STATS, ep->stats)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_endpoint(struct sk_buff *skb, const struct mnmap_endpoint *ep)
{
	return put_endpoint_at(skb, ep, rcu_dereference_check(ep->loc, true),
			       READ_ONCE(ep->users));
}

static struct sk_buff *endpoint_msg_at(const struct mnmap_endpoint *ep,
				       const struct mnmap_location *loc, u32 users,
				       u32 portid, u32 seq, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = mnmap_nl_msg(portid, seq, cmd, &hdr);
	if (!skb)
		return NULL;
	if (put_endpoint_at(skb, ep, loc, users)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static struct sk_buff *endpoint_msg(const struct mnmap_endpoint *ep, u32 portid,
				    u32 seq, u8 cmd)
{
	return endpoint_msg_at(ep, rcu_dereference_check(ep->loc, true),
			       READ_ONCE(ep->users), portid, seq, cmd);
}

static void notify_endpoint(struct mnmap_net *mn, const struct mnmap_endpoint *ep,
			    u8 cmd)
{
	struct sk_buff *skb;

	if (!mnmap_nl_listening(mn->net))
		return;
	skb = endpoint_msg(ep, 0, 0, cmd);
	if (skb)
		mnmap_nl_notify(mn->net, skb);
}

/* 1-64 characters of A-Za-z0-9 and "_.:-" (the policy bounds the length). */
/* The contract's letters: ASCII only (the kernel's isalnum() knows Latin-1). */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

static int check_name(struct nlattr *attr, struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);

	if (!*name) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint name is empty");
		return -EINVAL;
	}
	for (; *name; name++) {
		if (!name_char(*name)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "endpoint name may only hold A-Za-z0-9 and _.:-");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The tenant a request gives, under its name or its older one (vni, which
 * went with a vtep): -1 for none.
 */
static s64 parse_tenant(struct nlattr **tb, struct netlink_ext_ack *extack)
{
	struct nlattr *tenant = tb[MNMAP_A_ENDPOINT_TENANT];
	struct nlattr *vni = tb[MNMAP_A_ENDPOINT_VNI];

	if (vni && !tb[MNMAP_A_ENDPOINT_VTEP_IPV4] && !tb[MNMAP_A_ENDPOINT_VTEP_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, vni, "a vni goes with a vtep (or give a tenant)");
		return -EINVAL;
	}
	if (vni && tenant && nla_get_u32(vni) != nla_get_u32(tenant)) {
		NL_SET_ERR_MSG_ATTR(extack, vni, "an endpoint's vni is its tenant: they differ");
		return -EINVAL;
	}
	tenant = tenant ?: vni;
	return tenant ? (s64)nla_get_u32(tenant) : -1;
}

/*
 * Apply the location attributes in @tb to @loc: a device, or a VTEP; the
 * tenant and the state. Giving a device or a VTEP clears the other; the
 * tenant and the state stay unless given.
 */
static int parse_location(struct net *net, struct nlattr **tb,
			  struct mnmap_location *loc, struct netlink_ext_ack *extack)
{
	struct nlattr *dev = tb[MNMAP_A_ENDPOINT_IFINDEX];
	struct nlattr *vtep = tb[MNMAP_A_ENDPOINT_VTEP_IPV4] ?: tb[MNMAP_A_ENDPOINT_VTEP_IPV6];
	s64 tenant = parse_tenant(tb, extack);
	int ret;

	if (dev && vtep) {
		NL_SET_ERR_MSG_ATTR(extack, vtep, "give a device or a vtep, not both");
		return -EINVAL;
	}
	if (tenant < -1)
		return tenant;
	if (tenant >= 0)
		loc->tenant = tenant;
	if (tb[MNMAP_A_ENDPOINT_STATE])
		loc->down = nla_get_u32(tb[MNMAP_A_ENDPOINT_STATE]) == MNMAP_ENDPOINT_STATE_DOWN;
	if (dev) {
		rcu_read_lock();
		/* Index 0: no device (what is left of one that went away). */
		ret = 0;
		if (nla_get_u32(dev) && !dev_get_by_index_rcu(net, nla_get_u32(dev)))
			ret = -ENODEV;
		rcu_read_unlock();
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, dev, "no such device");
			return ret;
		}
		loc->ifindex = nla_get_u32(dev);
		memset(&loc->vtep, 0, sizeof(loc->vtep));
	}
	if (vtep) {
		ret = mnmap_nl_parse_addr(tb[MNMAP_A_ENDPOINT_VTEP_IPV4],
					  tb[MNMAP_A_ENDPOINT_VTEP_IPV6], &loc->vtep, extack);
		if (ret)
			return ret;
		if (!loc->vtep.family) {
			NL_SET_ERR_MSG_ATTR(extack, vtep, "vtep address is unspecified");
			return -EINVAL;
		}
		loc->ifindex = 0;
	}
	if (tb[MNMAP_A_ENDPOINT_MAC]) {
		if (!is_valid_ether_addr(nla_data(tb[MNMAP_A_ENDPOINT_MAC]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MNMAP_A_ENDPOINT_MAC],
					    "MAC must be a unicast, non-zero address");
			return -EINVAL;
		}
		ether_addr_copy(loc->mac, nla_data(tb[MNMAP_A_ENDPOINT_MAC]));
	}
	return 0;
}

static int parse_endpoint(struct nlattr *nest, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	int ret = nla_parse_nested(tb, MNMAP_A_ENDPOINT_MAX, nest, endpoint_policy, extack);

	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MNMAP_A_ENDPOINT_NAME)) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint name missing");
		return -EINVAL;
	}
	return check_name(tb[MNMAP_A_ENDPOINT_NAME], extack);
}

/* Parse and add one endpoint of an ENDPOINT_NEW request. */
static int add_one(struct mnmap_net *mn, struct mnmap_table *t, struct nlattr *nest,
		   struct mnmap_endpoint **added, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];
	struct mnmap_location loc = {};
	int ret;

	ret = parse_endpoint(nest, tb, extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MNMAP_A_ENDPOINT_MAC)) {
		NL_SET_ERR_MSG_MOD(extack, "endpoint MAC missing");
		return -EINVAL;
	}
	if (!tb[MNMAP_A_ENDPOINT_IFINDEX] && !tb[MNMAP_A_ENDPOINT_VTEP_IPV4] &&
	    !tb[MNMAP_A_ENDPOINT_VTEP_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "endpoint needs a device or a vtep");
		return -EINVAL;
	}
	ret = parse_location(mn->net, tb, &loc, extack);
	if (ret)
		return ret;
	ret = mnmap_endpoint_add(t, nla_data(tb[MNMAP_A_ENDPOINT_NAME]), &loc, extack);
	if (ret)
		return ret;
	*added = mnmap_endpoint_find(t, nla_data(tb[MNMAP_A_ENDPOINT_NAME]));
	return 0;
}

/* Remove what a failed batch added: unused endpoints, so it cannot fail. */
static void undo_adds(struct mnmap_table *t, struct mnmap_endpoint **added, int n)
{
	while (n--)
		WARN_ON(mnmap_endpoint_del(t, added[n], false, NULL));
}

/* Reply: the endpoint itself for one, the count for a batch. */
static int reply_added(struct genl_info *info, struct mnmap_endpoint **added, int n)
{
	struct sk_buff *skb;

	if (n != 1)
		return mnmap_nl_reply_count(info, n);
	skb = endpoint_msg(added[0], info->snd_portid, info->snd_seq,
			   MNMAP_CMD_ENDPOINT_NEW);
	return skb ? genlmsg_reply(skb, info) : -ENOMEM;
}

int mnmap_nl_endpoint_new(struct sk_buff *skb, struct genl_info *info)
{
	int n = mnmap_nl_count_nests(info, MNMAP_A_ENDPOINT), i = 0, rem, ret = 0;
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct mnmap_endpoint **added;
	struct mnmap_table *t;
	struct nlattr *attr;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_ENDPOINT))
		return -EINVAL;
	added = kvcalloc(n, sizeof(*added), GFP_KERNEL_ACCOUNT);
	if (!added)
		return -ENOMEM;
	mutex_lock(&mn->lock);
	t = mnmap_table_for_write(mn, mnmap_nl_sender(skb), info->extack);
	ret = PTR_ERR_OR_ZERO(t);
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr), genlmsg_len(info->genlhdr), rem) {
		if (ret || nla_type(attr) != MNMAP_A_ENDPOINT)
			continue;
		ret = add_one(mn, t, attr, &added[i], info->extack);
		if (ret)
			NL_SET_BAD_ATTR(info->extack, attr);
		else
			i++;
	}
	if (ret && !IS_ERR(t))
		undo_adds(t, added, i);
	if (!ret && t != mn->staging) {
		mn->generation++;
		for (int k = 0; k < n; k++)
			notify_endpoint(mn, added[k], MNMAP_CMD_ENDPOINT_NTF);
	}
	if (!ret)
		ret = reply_added(info, added, n);
	mnmap_write_unlock(mn);
	kvfree(added);
	return ret;
}

/* The endpoint a single-endpoint request names, with its attributes. */
static struct mnmap_endpoint *request_endpoint(struct mnmap_table *t,
					       struct genl_info *info,
					       struct nlattr **tb)
{
	struct nlattr *nest = info->attrs[MNMAP_A_ENDPOINT];
	struct mnmap_endpoint *ep;
	int ret;

	ret = parse_endpoint(nest, tb, info->extack);
	if (ret)
		return ERR_PTR(ret);
	ep = t ? mnmap_endpoint_find(t, nla_data(tb[MNMAP_A_ENDPOINT_NAME])) : NULL;
	if (!ep) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MNMAP_A_ENDPOINT_NAME], "no such endpoint");
		return ERR_PTR(-ENOENT);
	}
	return ep;
}

/*
 * Lock the namespace and find the endpoint a set or delete names, in the
 * table its changes go to. Returns with the lock held unless it fails.
 */
static struct mnmap_endpoint *lock_endpoint(struct mnmap_net *mn, const struct sk_buff *skb,
					    struct genl_info *info, struct nlattr **tb,
					    struct mnmap_table **t)
{
	struct mnmap_endpoint *ep;

	mutex_lock(&mn->lock);
	*t = mnmap_table_for_write(mn, mnmap_nl_sender(skb), info->extack);
	ep = IS_ERR(*t) ? ERR_CAST(*t) : request_endpoint(*t, info, tb);
	if (IS_ERR(ep))
		mnmap_write_unlock(mn);
	return ep;
}

int mnmap_nl_endpoint_set(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];
	struct mnmap_location loc;
	struct mnmap_endpoint *ep;
	struct mnmap_table *t;
	struct sk_buff *reply;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_ENDPOINT))
		return -EINVAL;
	ep = lock_endpoint(mn, skb, info, tb, &t);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	loc = *mnmap_endpoint_loc(t, ep);
	ret = parse_location(mn->net, tb, &loc, info->extack);
	if (ret)
		goto out;
	/* Its maps were checked against its tenant (table.c). */
	if (loc.tenant != mnmap_endpoint_loc(t, ep)->tenant && mnmap_endpoint_users(t, ep)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "an endpoint keeps its tenant while maps use it");
		ret = -EBUSY;
		goto out;
	}
	/*
	 * The reply describes the endpoint as the request leaves it (in a
	 * transaction: as its commit will): built first, so nothing fails
	 * after the move.
	 */
	reply = endpoint_msg_at(ep, &loc, mnmap_endpoint_users(t, ep), info->snd_portid,
				info->snd_seq, MNMAP_CMD_ENDPOINT_SET);
	ret = reply ? mnmap_endpoint_move(t, ep, &loc) : -ENOMEM;
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(info->extack, MNMAP_STAGED_FULL_MSG);
	else if (ret == -EADDRINUSE)
		NL_SET_ERR_MSG_MOD(info->extack, MNMAP_PLACE_TAKEN_MSG);
	if (ret) {
		nlmsg_free(reply);
		goto out;
	}
	if (t != mn->staging) {
		mn->generation++;
		notify_endpoint(mn, ep, MNMAP_CMD_ENDPOINT_NTF);
	}
	mnmap_write_unlock(mn);
	return genlmsg_reply(reply, info);
out:
	mnmap_write_unlock(mn);
	return ret;
}

int mnmap_nl_endpoint_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];
	struct sk_buff *ntf = NULL;
	struct mnmap_endpoint *ep;
	struct mnmap_table *t;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_ENDPOINT))
		return -EINVAL;
	ep = lock_endpoint(mn, skb, info, tb, &t);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	if (t != mn->staging && mnmap_nl_listening(mn->net))
		ntf = endpoint_msg(ep, 0, 0, MNMAP_CMD_ENDPOINT_DEL_NTF);
	ret = mnmap_endpoint_del(t, ep, info->attrs[MNMAP_A_FORCE], info->extack);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, tb[MNMAP_A_ENDPOINT_NAME]);
		nlmsg_free(ntf);
	} else {
		if (t != mn->staging)
			mn->generation++;
		if (ntf)
			mnmap_nl_notify(mn->net, ntf);
	}
	mnmap_write_unlock(mn);
	return ret;
}

int mnmap_nl_endpoint_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];
	struct mnmap_endpoint *ep;
	struct sk_buff *reply;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_ENDPOINT))
		return -EINVAL;
	mutex_lock(&mn->lock);
	ep = request_endpoint(mnmap_live_table(mn), info, tb);
	reply = IS_ERR(ep) ? ERR_CAST(ep) :
		endpoint_msg(ep, info->snd_portid, info->snd_seq, MNMAP_CMD_ENDPOINT_GET);
	mnmap_write_unlock(mn);
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	return reply ? genlmsg_reply(reply, info) : -ENOMEM;
}

static struct rhashtable *endpoints_of(struct mnmap_table *t)
{
	return &t->endpoints;
}

int mnmap_nl_endpoint_dump_start(struct netlink_callback *cb)
{
	return mnmap_dump_start(cb, endpoints_of);
}

static void *accept_endpoint(struct mnmap_dump *d, void *obj)
{
	return obj;
}

static int put_endpoint_obj(struct sk_buff *skb, struct mnmap_dump *d, const void *obj)
{
	return put_endpoint(skb, obj);
}

int mnmap_nl_endpoint_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mnmap_dump_walk(skb, cb, MNMAP_CMD_ENDPOINT_GET, accept_endpoint,
			       put_endpoint_obj);
}
