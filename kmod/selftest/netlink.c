// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the netlink contract: the policies accept what the spec
 * allows and reject what it forbids, before any request reaches a handler.
 */

/*
 * Parse one nested host attribute carrying @type of @len bytes; returns 0
 * when the policy accepts it and -EINVAL or -ERANGE when it rejects it.
 */
static int __init host_policy_try(int type, const void *data, int len)
{
	struct nlattr *tb[MNMAP_A_HOST_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	struct nlattr *nest;
	int ret;

	if (!skb)
		return -ENOMEM;
	nest = nla_nest_start(skb, MNMAP_A_HOST);
	if (!nest || nla_put(skb, type, len, data)) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	ret = nla_parse_nested(tb, MNMAP_A_HOST_MAX, nest, host_policy, &extack);
	kfree_skb(skb);
	return ret;
}

bool __init mnmap_netlink_selftest(void)
{
	static const u8 addr[16] = { 192, 0, 2, 1 };
	const u32 ifindex = 1;
	bool success = true;

#define expect(cond) do {						\
		if (!(cond)) {						\
			pr_err("netlink self-test: %s failed\n", #cond);	\
			success = false;				\
		}							\
	} while (0)

	expect(!host_policy_try(MNMAP_A_HOST_UPLINK, &ifindex, 4));
	expect(host_policy_try(MNMAP_A_HOST_UPLINK, &ifindex, 2) < 0);
	expect(!host_policy_try(MNMAP_A_HOST_VTEP_IPV4, addr, 4));
	expect(host_policy_try(MNMAP_A_HOST_VTEP_IPV4, addr, 16) < 0);
	expect(!host_policy_try(MNMAP_A_HOST_GATEWAY_IPV6, addr, 16));
	expect(host_policy_try(MNMAP_A_HOST_GATEWAY_IPV6, addr, 4) < 0);
	expect(host_policy_try(MNMAP_A_HOST_VERSION, "x", 2) < 0);
	expect(host_policy_try(MNMAP_A_HOST_MAX + 1, &ifindex, 4) < 0);
#undef expect

	if (success)
		pr_info("netlink self-tests: pass\n");
	return success;
}
