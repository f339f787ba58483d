/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_NETLINK_H
#define _MNMAP_NETLINK_H

#include <linux/types.h>
#include <net/genetlink.h>

struct mnmap_addr;
struct mnmap_net;
struct mnmap_table;

int mnmap_genl_init(void);
void mnmap_genl_uninit(void);

#ifdef DEBUG
bool mnmap_netlink_selftest(void);
#endif

/* Shared by the per-object netlink files. */
extern struct genl_family mnmap_family;

struct sk_buff *mnmap_nl_msg(u32 portid, u32 seq, u8 cmd, void **hdr);
struct sk_buff *mnmap_nl_msg_sized(size_t payload, u32 portid, u32 seq, u8 cmd,
				   void **hdr);
void mnmap_nl_notify(struct net *net, struct sk_buff *skb);
bool mnmap_nl_listening(struct net *net);
int mnmap_nl_reply_count(struct genl_info *info, u32 count);
void mnmap_nl_notify_count(struct net *net, u8 cmd, u32 count);
int mnmap_nl_put_addr(struct sk_buff *skb, int attr4, int attr6,
		      const struct mnmap_addr *addr);
int mnmap_nl_parse_addr(struct nlattr *attr4, struct nlattr *attr6,
			struct mnmap_addr *addr, struct netlink_ext_ack *extack);
int mnmap_nl_count_nests(struct genl_info *info, int type);

/* The socket a request came from: what owns a transaction. */
static inline struct sock *mnmap_nl_sender(const struct sk_buff *skb)
{
	return NETLINK_CB(skb).sk;
}

/*
 * Dump state: a reference on the table being walked, so that a
 * transaction's commit never frees it mid-dump, and a walker across calls.
 */
struct mnmap_dump {
	struct mnmap_net *mn;
	struct mnmap_table *table;
	struct rhashtable_iter iter;
	bool walking;
	bool interrupted;
	void *filter;
};

int mnmap_dump_start(struct netlink_callback *cb,
		     struct rhashtable *(*which)(struct mnmap_table *));
int mnmap_dump_start_on(struct netlink_callback *cb, struct rhashtable *ht);
int mnmap_dump_done(struct netlink_callback *cb);
void mnmap_dump_resume(struct mnmap_dump *d) __acquires(RCU);
void *mnmap_dump_next(struct mnmap_dump *d);
void mnmap_dump_check(struct netlink_callback *cb, struct mnmap_dump *d, void *hdr);
int mnmap_dump_walk(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		    void *(*accept)(struct mnmap_dump *d, void *obj),
		    int (*put)(struct sk_buff *skb, struct mnmap_dump *d, const void *obj));

/* Operations, one file per object. */
int mnmap_nl_endpoint_new(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_endpoint_set(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_endpoint_del(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_endpoint_get(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_endpoint_dump_start(struct netlink_callback *cb);
int mnmap_nl_endpoint_dump(struct sk_buff *skb, struct netlink_callback *cb);
extern const struct nla_policy mnmap_endpoint_req_policy[];
extern const struct nla_policy mnmap_endpoint_del_policy[];

int mnmap_nl_map_new(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_map_del(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_map_set(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_map_flush(struct sk_buff *skb, struct genl_info *info);
int mnmap_nl_map_dump_start(struct netlink_callback *cb);
int mnmap_nl_map_dump(struct sk_buff *skb, struct netlink_callback *cb);
extern const struct nla_policy mnmap_map_req_policy[];
struct mnmap_map_spec;
int mnmap_nl_parse_map_key(struct nlattr *nest, struct mnmap_map_spec *spec,
			   struct netlink_ext_ack *extack);

int mnmap_nl_flow_dump_start(struct netlink_callback *cb);
int mnmap_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb);
int mnmap_nl_flow_flush(struct sk_buff *skb, struct genl_info *info);

#endif /* _MNMAP_NETLINK_H */
