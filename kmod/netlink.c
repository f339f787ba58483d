// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mnmap". The contract is written once, in
 * Documentation/netlink/mnmap.yaml; the uAPI header is generated from it.
 * Every operation has its own strict policy, every rejection an extack
 * message naming the attribute, and a rejected request changes nothing.
 */

#include "netlink.h"
#include "netns.h"
#include "host.h"
#include "version.h"

#include <uapi/linux/mnmap.h>

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/ipv6.h>
#include <net/genetlink.h>

static struct genl_family mnmap_family;

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
};

static const struct nla_policy host_set_policy[MNMAP_A_MAX + 1] = {
	[MNMAP_A_HOST] = NLA_POLICY_NESTED(host_policy),
};

static int put_addr(struct sk_buff *skb, int attr4, int attr6,
		    const struct mnmap_addr *addr)
{
	if (addr->family == AF_INET)
		return nla_put_in_addr(skb, attr4, addr->v4);
	if (addr->family == AF_INET6)
		return nla_put_in6_addr(skb, attr6, &addr->v6);
	return 0;
}

static int put_host(struct sk_buff *skb, const struct mnmap_host *host)
{
	struct nlattr *nest = nla_nest_start(skb, MNMAP_A_HOST);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, MNMAP_A_HOST_VERSION, MNMAP_VERSION) ||
	    (host->uplink_ifindex &&
	     nla_put_u32(skb, MNMAP_A_HOST_UPLINK, host->uplink_ifindex)) ||
	    (host->vxlan_ifindex &&
	     nla_put_u32(skb, MNMAP_A_HOST_VXLAN, host->vxlan_ifindex)) ||
	    put_addr(skb, MNMAP_A_HOST_VTEP_IPV4, MNMAP_A_HOST_VTEP_IPV6,
		     &host->vtep) ||
	    put_addr(skb, MNMAP_A_HOST_GATEWAY_IPV4, MNMAP_A_HOST_GATEWAY_IPV6,
		     &host->gateway)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static struct sk_buff *host_msg(const struct mnmap_host *host, u32 portid,
				u32 seq, u8 cmd)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!skb)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(skb, portid, seq, &mnmap_family, 0, cmd);
	if (!hdr || put_host(skb, host)) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static void notify(struct net *net, struct sk_buff *skb)
{
	genlmsg_multicast_netns(&mnmap_family, net, skb, 0,
				MNMAP_MCGRP_EVENTS_ID, GFP_KERNEL);
}

static int mnmap_nl_host_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_host host;
	struct sk_buff *msg;

	mnmap_host_get(mnmap_net(genl_info_net(info)), &host);
	msg = host_msg(&host, info->snd_portid, info->snd_seq,
		       MNMAP_CMD_HOST_GET);
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
static int parse_addr(struct nlattr *attr4, struct nlattr *attr6,
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

static int parse_host(struct net *net, struct nlattr **tb,
		      struct mnmap_host *host, struct netlink_ext_ack *extack)
{
	return parse_ifindex(net, tb[MNMAP_A_HOST_UPLINK],
			     &host->uplink_ifindex, extack) ?:
	       parse_ifindex(net, tb[MNMAP_A_HOST_VXLAN],
			     &host->vxlan_ifindex, extack) ?:
	       parse_addr(tb[MNMAP_A_HOST_VTEP_IPV4],
			  tb[MNMAP_A_HOST_VTEP_IPV6], &host->vtep, extack) ?:
	       parse_addr(tb[MNMAP_A_HOST_GATEWAY_IPV4],
			  tb[MNMAP_A_HOST_GATEWAY_IPV6], &host->gateway, extack);
}

static int mnmap_nl_host_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct mnmap_net *mn = mnmap_net(net);
	struct nlattr *tb[MNMAP_A_HOST_MAX + 1];
	struct sk_buff *reply, *ntf;
	struct mnmap_host host;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_HOST))
		return -EINVAL;
	ret = nla_parse_nested(tb, MNMAP_A_HOST_MAX, info->attrs[MNMAP_A_HOST],
			       host_policy, info->extack);
	if (ret)
		return ret;

	rtnl_lock();	/* keeps the devices we check from going away */
	mutex_lock(&mn->lock);
	mnmap_host_get(mn, &host);
	ret = parse_host(net, tb, &host, info->extack);
	if (ret)
		goto out_unlock;
	reply = host_msg(&host, info->snd_portid, info->snd_seq,
			 MNMAP_CMD_HOST_SET);
	ntf = host_msg(&host, 0, 0, MNMAP_CMD_HOST_NTF);
	if (IS_ERR(reply) || IS_ERR(ntf)) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = mnmap_host_replace(mn, &host);
	if (ret)
		goto out_free;
	notify(net, ntf);
	mutex_unlock(&mn->lock);
	rtnl_unlock();
	return genlmsg_reply(reply, info);

out_free:
	if (!IS_ERR(reply))
		nlmsg_free(reply);
	if (!IS_ERR(ntf))
		nlmsg_free(ntf);
out_unlock:
	mutex_unlock(&mn->lock);
	rtnl_unlock();
	return ret;
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
};

static struct genl_family mnmap_family __ro_after_init = {
	.name = MNMAP_FAMILY_NAME,
	.version = MNMAP_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = mnmap_nl_ops,
	.n_ops = ARRAY_SIZE(mnmap_nl_ops),
	.mcgrps = mnmap_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mnmap_mcgrps),
};

int __init mnmap_genl_init(void)
{
	return genl_register_family(&mnmap_family);
}

void mnmap_genl_uninit(void)
{
	genl_unregister_family(&mnmap_family);
}

#ifdef DEBUG
#include "selftest/netlink.c"
#endif
