// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink operations on maps: add (one or a batch, all or nothing), delete
 * (a map, or one endpoint of it), an endpoint's weight, flush, and a dump
 * that can filter.
 */

#include "netlink.h"
#include "limits.h"
#include "compat.h"
#include "netns.h"
#include "table.h"
#include "stats.h"
#include "txn.h"

static struct netlink_range_validation tenant_range = { .max = MNMAP_VNI_MAX };
static struct netlink_range_validation weight_range = { .max = MNMAP_WEIGHT_MAX };

static const struct nla_policy map_policy[MNMAP_A_MAP_MAX + 1] = {
	[MNMAP_A_MAP_TENANT] = NLA_POLICY_FULL_RANGE(NLA_U32, &tenant_range),
	[MNMAP_A_MAP_ADDR_IPV4] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[MNMAP_A_MAP_ADDR_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[MNMAP_A_MAP_PROTO] = { .type = NLA_U8 },
	[MNMAP_A_MAP_PORT_FIRST] = NLA_POLICY_MIN(NLA_U16, 1),
	[MNMAP_A_MAP_PORT_LAST] = NLA_POLICY_MIN(NLA_U16, 1),
	[MNMAP_A_MAP_ENDPOINT] = { .type = NLA_NUL_STRING, .len = MNMAP_NAME_MAX_LEN },
	[MNMAP_A_MAP_WEIGHT] = NLA_POLICY_FULL_RANGE(NLA_U32, &weight_range),
	[MNMAP_A_MAP_STATS] = { .type = NLA_REJECT, .reject_message = "stats are read-only" },
	[MNMAP_A_MAP_COUNTERS] = { .type = NLA_FLAG },
	[MNMAP_A_MAP_SLOTS] = { .type = NLA_REJECT, .reject_message = "slots are read-only" },
	[MNMAP_A_MAP_BACKEND] = {
		.type = NLA_REJECT,
		.reject_message = "backends are read-only: add endpoints one by one",
	},
};

const struct nla_policy mnmap_map_req_policy[MNMAP_A_MAX + 1] = {
	[MNMAP_A_MAP] = NLA_POLICY_NESTED(map_policy),
};

static int put_backends(struct sk_buff *skb, const struct mnmap_map *m)
{
	for (int i = 0; i < m->n_backends; i++) {
		struct nlattr *nest = nla_nest_start(skb, MNMAP_A_MAP_BACKEND);

		if (!nest ||
		    nla_put_string(skb, MNMAP_A_BACKEND_ENDPOINT, m->backends[i].ep->name) ||
		    nla_put_u32(skb, MNMAP_A_BACKEND_WEIGHT, m->backends[i].weight))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int put_map(struct sk_buff *skb, const struct mnmap_map *m)
{
	const struct mnmap_key *k = &m->n.key;
	struct nlattr *nest = nla_nest_start(skb, MNMAP_A_MAP);
	int ret;

	if (!nest)
		return -EMSGSIZE;
	ret = nla_put_u32(skb, MNMAP_A_MAP_TENANT, k->tenant) ||
	      (k->family == AF_INET ?
	       nla_put_in_addr(skb, MNMAP_A_MAP_ADDR_IPV4, k->addr.v4) :
	       nla_put_in6_addr(skb, MNMAP_A_MAP_ADDR_IPV6, &k->addr.v6)) ||
	      nla_put_u8(skb, MNMAP_A_MAP_PROTO, k->proto) ||
	      (k->port && (nla_put_u16(skb, MNMAP_A_MAP_PORT_FIRST, k->port) ||
			   nla_put_u16(skb, MNMAP_A_MAP_PORT_LAST, m->port_last))) ||
	      put_backends(skb, m) ||
	      nla_put_u32(skb, MNMAP_A_MAP_SLOTS, m->n_slots) ||
	      (m->traffic.pcpu &&
	       (nla_put_flag(skb, MNMAP_A_MAP_COUNTERS) ||
		mnmap_traffic_put(skb, MNMAP_A_MAP_STATS, m->traffic.pcpu)));
	if (ret) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* What put_map() puts for a map of @n endpoints whose names take @names. */
static size_t map_size(u32 n, size_t names)
{
	return nla_total_size(0) +			/* MNMAP_A_MAP */
	       nla_total_size(sizeof(u32)) +		/* tenant */
	       nla_total_size(sizeof(struct in6_addr)) +
	       nla_total_size(sizeof(u8)) +		/* proto */
	       2 * nla_total_size(sizeof(u16)) +	/* ports */
	       n * (nla_total_size(0) + nla_total_size(sizeof(u32))) + names +
	       nla_total_size(0) +			/* counters */
	       nla_total_size(sizeof(u32)) +		/* slots */
	       nla_total_size(0) + 2 * nla_total_size_64bit(sizeof(u64));	/* stats */
}

/* The largest map message: every endpoint of a full map named at full length. */
static size_t map_size_max(void)
{
	return map_size(MNMAP_MAP_ENDPOINTS_MAX,
			MNMAP_MAP_ENDPOINTS_MAX * nla_total_size(MNMAP_NAME_MAX_LEN + 1));
}

static size_t map_msg_size(const struct mnmap_map *m)
{
	size_t names = 0;

	for (int i = 0; i < m->n_backends; i++)
		names += nla_total_size(strlen(m->backends[i].ep->name) + 1);
	return map_size(m->n_backends, names);
}

/* A message sized to the map: a full one takes more than NLMSG_GOODSIZE. */
static struct sk_buff *map_msg(const struct mnmap_map *m, u32 portid, u32 seq, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = mnmap_nl_msg_sized(map_msg_size(m), portid, seq, cmd, &hdr);
	if (!skb)
		return NULL;
	if (put_map(skb, m)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

/* The protocol must suit the address family, and ports only tcp and udp. */
static int parse_proto(struct nlattr **tb, struct mnmap_key *key,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *attr = tb[MNMAP_A_MAP_PROTO];
	u8 proto = nla_get_u8(attr);

	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (proto == IPPROTO_ICMP ? key->family != AF_INET : key->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "icmp goes with IPv4 addresses, icmpv6 with IPv6");
			return -EINVAL;
		}
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr, "protocol must be tcp, udp, icmp or icmpv6");
		return -EPROTONOSUPPORT;
	}
	key->proto = proto;
	return 0;
}

static int parse_ports(struct nlattr **tb, struct mnmap_map_spec *spec,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *first = tb[MNMAP_A_MAP_PORT_FIRST], *last = tb[MNMAP_A_MAP_PORT_LAST];

	if (!mnmap_proto_has_ports(spec->key.proto)) {
		if (first || last) {
			NL_SET_ERR_MSG_ATTR(extack, first ?: last, "icmp maps have no port");
			return -EINVAL;
		}
		spec->key.kind = MNMAP_NODE_EXACT;
		return 0;
	}
	if (!first) {
		NL_SET_ERR_MSG_MOD(extack, "tcp and udp maps need a port");
		NL_SET_BAD_ATTR(extack, tb[MNMAP_A_MAP_PROTO]);
		return -EINVAL;
	}
	spec->key.port = nla_get_u16(first);
	spec->port_last = last ? nla_get_u16(last) : spec->key.port;
	if (spec->port_last < spec->key.port) {
		NL_SET_ERR_MSG_ATTR(extack, last, "port range is inverted");
		return -EINVAL;
	}
	spec->key.kind = spec->port_last == spec->key.port ?
			 MNMAP_NODE_EXACT : MNMAP_NODE_RANGE;
	return 0;
}

static int parse_key_addr(struct nlattr **tb, struct mnmap_key *key,
			  struct netlink_ext_ack *extack)
{
	struct mnmap_addr addr = {};
	int ret;

	ret = mnmap_nl_parse_addr(tb[MNMAP_A_MAP_ADDR_IPV4], tb[MNMAP_A_MAP_ADDR_IPV6],
				  &addr, extack);
	if (ret)
		return ret;
	if (!addr.family) {
		NL_SET_ERR_MSG_MOD(extack, "map needs a non-zero address");
		return -EINVAL;
	}
	key->family = addr.family;
	if (addr.family == AF_INET)
		key->addr.v4 = addr.v4;
	else
		key->addr.v6 = addr.v6;
	return 0;
}

enum map_op { MAP_OP_ADD, MAP_OP_DEL, MAP_OP_SET };

/* A map request: identity, endpoint and weight, as @op takes them. */
static int parse_spec(struct nlattr *nest, struct mnmap_map_spec *spec, enum map_op op,
		      struct netlink_ext_ack *extack)
{
	bool add = op == MAP_OP_ADD, set = op == MAP_OP_SET;
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1];
	int ret;

	memset(spec, 0, sizeof(*spec));
	ret = nla_parse_nested(tb, MNMAP_A_MAP_MAX, nest, map_policy, extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MNMAP_A_MAP_PROTO)) {
		NL_SET_ERR_MSG_MOD(extack, "map protocol missing");
		return -EINVAL;
	}
	if ((add || set) && NL_REQ_ATTR_CHECK(extack, nest, tb, MNMAP_A_MAP_ENDPOINT)) {
		NL_SET_ERR_MSG_MOD(extack, "map endpoint missing");
		return -EINVAL;
	}
	if (set && NL_REQ_ATTR_CHECK(extack, nest, tb, MNMAP_A_MAP_WEIGHT)) {
		NL_SET_ERR_MSG_MOD(extack, "weight missing: it is what a set changes");
		return -EINVAL;
	}
	if (op == MAP_OP_DEL && tb[MNMAP_A_MAP_WEIGHT]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MNMAP_A_MAP_WEIGHT], "weight goes with add and set");
		return -EINVAL;
	}
	if (!add && tb[MNMAP_A_MAP_COUNTERS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MNMAP_A_MAP_COUNTERS], "counters only go with add");
		return -EINVAL;
	}
	ret = parse_key_addr(tb, &spec->key, extack) ?:
	      parse_proto(tb, &spec->key, extack) ?:
	      parse_ports(tb, spec, extack);
	if (ret)
		return ret;
	if (tb[MNMAP_A_MAP_TENANT])
		spec->key.tenant = nla_get_u32(tb[MNMAP_A_MAP_TENANT]);
	if (tb[MNMAP_A_MAP_ENDPOINT])
		spec->endpoint = nla_data(tb[MNMAP_A_MAP_ENDPOINT]);
	spec->weight = tb[MNMAP_A_MAP_WEIGHT] ? nla_get_u32(tb[MNMAP_A_MAP_WEIGHT]) : 1;
	spec->counters = nla_get_flag(tb[MNMAP_A_MAP_COUNTERS]);
	return 0;
}

/* The map a request names, endpoint aside: what a flow dump filters by. */
int mnmap_nl_parse_map_key(struct nlattr *nest, struct mnmap_map_spec *spec,
			   struct netlink_ext_ack *extack)
{
	int ret = parse_spec(nest, spec, MAP_OP_DEL, extack);

	if (!ret && spec->endpoint) {
		NL_SET_ERR_MSG_MOD(extack, "flows are filtered by map: name no endpoint");
		return -EINVAL;
	}
	return ret;
}

/*
 * Add every map of the request, or none: the journal undoes a failed
 * batch. Notifications and the reply are built as each map is published,
 * since a later map of the batch may replace it, and sent only on success.
 */
static int add_batch(struct mnmap_net *mn, struct mnmap_table *t,
		     struct genl_info *info, struct sk_buff_head *msgs, u32 *count)
{
	bool announce = t != mn->staging && mnmap_nl_listening(mn->net);
	int n = mnmap_nl_count_nests(info, MNMAP_A_MAP), rem, ret = 0;
	struct mnmap_journal j = {};
	struct mnmap_map_spec spec;
	struct sk_buff *msg;
	struct nlattr *attr;
	struct mnmap_map *m;

	nla_for_each_attr(attr, genlmsg_data(info->genlhdr), genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != MNMAP_A_MAP)
			continue;
		ret = parse_spec(attr, &spec, MAP_OP_ADD, info->extack) ?:
		      mnmap_map_add(t, &spec, &j, &m, info->extack);
		if (ret) {
			NL_SET_BAD_ATTR(info->extack, attr);
			break;
		}
		(*count)++;
		msg = NULL;
		if (n == 1)
			msg = map_msg(m, info->snd_portid, info->snd_seq, MNMAP_CMD_MAP_NEW);
		else if (announce)
			msg = map_msg(m, 0, 0, MNMAP_CMD_MAP_NTF);
		if ((n == 1 || announce) && !msg) {
			ret = -ENOMEM;
			break;
		}
		if (msg)
			__skb_queue_tail(msgs, msg);
	}
	if (ret)
		mnmap_journal_undo(t, &j, 0);
	mnmap_journal_commit(t, &j);
	return ret;
}

/* Send what add_batch() queued: events for a batch, reply and event for one. */
static int send_added(struct mnmap_net *mn, struct mnmap_table *t,
		      struct genl_info *info, struct sk_buff_head *msgs, u32 count)
{
	struct sk_buff *msg, *ntf;

	if (count > 1) {
		while ((msg = __skb_dequeue(msgs)))
			mnmap_nl_notify(mn->net, msg);
		return mnmap_nl_reply_count(info, count);
	}
	msg = __skb_dequeue(msgs);
	if (t != mn->staging && mnmap_nl_listening(mn->net)) {
		ntf = skb_copy(msg, GFP_KERNEL);
		if (ntf) {
			((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(ntf)))->cmd =
				MNMAP_CMD_MAP_NTF;
			nlmsg_hdr(ntf)->nlmsg_pid = 0;
			nlmsg_hdr(ntf)->nlmsg_seq = 0;
			mnmap_nl_notify(mn->net, ntf);
		}
	}
	return genlmsg_reply(msg, info);
}

int mnmap_nl_map_new(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct sk_buff_head msgs;
	struct mnmap_table *t;
	u32 count = 0;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_MAP))
		return -EINVAL;
	__skb_queue_head_init(&msgs);
	mutex_lock(&mn->lock);
	t = mnmap_table_for_write(mn, mnmap_nl_sender(skb), info->extack);
	ret = PTR_ERR_OR_ZERO(t) ?: add_batch(mn, t, info, &msgs, &count);
	if (ret) {
		__skb_queue_purge(&msgs);
	} else {
		if (t != mn->staging)
			mn->generation++;
		ret = send_added(mn, t, info, &msgs, count);
	}
	mnmap_write_unlock(mn);
	return ret;
}

int mnmap_nl_map_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct mnmap_map_spec spec;
	struct mnmap_table *t;
	struct sk_buff *ntf;
	struct mnmap_map *m;
	bool gone;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_MAP))
		return -EINVAL;
	ret = parse_spec(info->attrs[MNMAP_A_MAP], &spec, MAP_OP_DEL, info->extack);
	if (ret)
		return ret;
	mutex_lock(&mn->lock);
	t = mnmap_table_for_write(mn, mnmap_nl_sender(skb), info->extack);
	ret = PTR_ERR_OR_ZERO(t) ?: mnmap_map_del(t, &spec, &m, &gone, info->extack);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[MNMAP_A_MAP]);
		goto out;
	}
	if (t != mn->staging) {
		mn->generation++;
		if (mnmap_nl_listening(mn->net)) {
			ntf = map_msg(m, 0, 0, gone ? MNMAP_CMD_MAP_DEL_NTF : MNMAP_CMD_MAP_NTF);
			if (ntf)
				mnmap_nl_notify(mn->net, ntf);
		}
	}
	if (gone)
		mnmap_map_retire(t, m);
out:
	mnmap_write_unlock(mn);
	return ret;
}

/* One endpoint's weight: replies with the map as it now is, and announces it. */
int mnmap_nl_map_set(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct sk_buff *reply, *ntf = NULL;
	struct mnmap_journal j = {};
	struct mnmap_map_spec spec;
	struct mnmap_table *t;
	struct mnmap_map *m;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MNMAP_A_MAP))
		return -EINVAL;
	ret = parse_spec(info->attrs[MNMAP_A_MAP], &spec, MAP_OP_SET, info->extack);
	if (ret)
		return ret;
	mutex_lock(&mn->lock);
	t = mnmap_table_for_write(mn, mnmap_nl_sender(skb), info->extack);
	ret = PTR_ERR_OR_ZERO(t) ?: mnmap_map_set_weight(t, &spec, &j, &m, info->extack);
	if (ret) {
		kvfree(j.swaps);	/* what a failed set reserved: it undid itself */
		NL_SET_BAD_ATTR(info->extack, info->attrs[MNMAP_A_MAP]);
		goto out;
	}
	/* Built before the commit, so that nothing fails after it. */
	reply = map_msg(m, info->snd_portid, info->snd_seq, MNMAP_CMD_MAP_SET);
	if (reply && t != mn->staging && mnmap_nl_listening(mn->net))
		ntf = map_msg(m, 0, 0, MNMAP_CMD_MAP_NTF);
	if (!reply) {
		mnmap_journal_undo(t, &j, 0);
		mnmap_journal_commit(t, &j);
		ret = -ENOMEM;
		goto out;
	}
	mnmap_journal_commit(t, &j);
	if (t != mn->staging)
		mn->generation++;
	if (ntf)
		mnmap_nl_notify(mn->net, ntf);
	mnmap_write_unlock(mn);
	return genlmsg_reply(reply, info);
out:
	mnmap_write_unlock(mn);
	return ret;
}

int mnmap_nl_map_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct mnmap_net *mn = mnmap_net(genl_info_net(info));
	struct mnmap_table *t;
	u32 count = 0;
	int ret;

	mutex_lock(&mn->lock);
	t = mnmap_table_for_write(mn, mnmap_nl_sender(skb), info->extack);
	ret = PTR_ERR_OR_ZERO(t) ?: mnmap_map_flush(t, &count);
	if (ret == -ENOSPC)
		NL_SET_ERR_MSG_MOD(info->extack, MNMAP_STAGED_FULL_MSG);
	if (!ret && t != mn->staging) {
		mn->generation++;
		mnmap_nl_notify_count(mn->net, MNMAP_CMD_MAP_FLUSH_NTF, count);
	}
	mnmap_write_unlock(mn);
	return ret ?: mnmap_nl_reply_count(info, count);
}

/* What a dump request filters on; zero fields match anything. */
struct map_filter {
	struct mnmap_key key;		/* family (and address), proto, tenant */
	bool has_tenant;
	u16 port;
	char endpoint[MNMAP_NAME_MAX_LEN + 1];
};

static int parse_filter(struct nlattr *nest, struct map_filter *f,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, MNMAP_A_MAP_MAX, nest, map_policy, extack);
	if (ret)
		return ret;
	if (tb[MNMAP_A_MAP_ADDR_IPV4] || tb[MNMAP_A_MAP_ADDR_IPV6]) {
		ret = parse_key_addr(tb, &f->key, extack);
		if (ret)
			return ret;
	}
	if (tb[MNMAP_A_MAP_PROTO]) {
		if (!f->key.family) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MNMAP_A_MAP_PROTO],
					    "filter by protocol needs an address");
			return -EINVAL;
		}
		ret = parse_proto(tb, &f->key, extack);
		if (ret)
			return ret;
	}
	if (tb[MNMAP_A_MAP_PORT_FIRST])
		f->port = nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]);
	if (tb[MNMAP_A_MAP_TENANT]) {
		f->key.tenant = nla_get_u32(tb[MNMAP_A_MAP_TENANT]);
		f->has_tenant = true;
	}
	if (tb[MNMAP_A_MAP_ENDPOINT])
		nla_strscpy(f->endpoint, tb[MNMAP_A_MAP_ENDPOINT], sizeof(f->endpoint));
	return 0;
}

static bool filter_match(const struct map_filter *f, const struct mnmap_map *m)
{
	const struct mnmap_key *k = &m->n.key;
	bool found;

	if (!f)
		return true;
	found = !f->endpoint[0];
	if ((f->key.family && (k->family != f->key.family ||
			       memcmp(&k->addr, &f->key.addr, sizeof(k->addr)))) ||
	    (f->key.proto && k->proto != f->key.proto) ||
	    (f->has_tenant && k->tenant != f->key.tenant) ||
	    (f->port && (f->port < k->port || f->port > m->port_last)))
		return false;
	for (int i = 0; !found && i < m->n_backends; i++)
		found = !strcmp(m->backends[i].ep->name, f->endpoint);
	return found;
}

static struct rhashtable *maps_of(struct mnmap_table *t)
{
	return &t->maps;
}

int mnmap_nl_map_dump_start(struct netlink_callback *cb)
{
	struct nlattr *nest = mnmap_dump_attrs(cb)[MNMAP_A_MAP];
	struct map_filter *f = NULL;
	struct mnmap_dump *d;
	int ret;

	if (nest) {
		f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
		if (!f)
			return -ENOMEM;
		ret = parse_filter(nest, f, cb->extack);
		if (ret) {
			kfree(f);
			return ret;
		}
	}
	ret = mnmap_dump_start(cb, maps_of);
	if (ret) {
		kfree(f);
		return ret;
	}
	d = (struct mnmap_dump *)cb->args[0];
	d->filter = f;
	/* Every dump message has room for the largest map. */
	cb->min_dump_alloc = nlmsg_total_size(GENL_HDRLEN + map_size_max());
	return 0;
}

/* The first map, from @obj on, that the filter lets through. */
static void *accept_map(struct mnmap_dump *d, void *obj)
{
	for (struct mnmap_node *n = obj; n; n = mnmap_dump_next(d)) {
		struct mnmap_map *m = container_of(n, struct mnmap_map, n);

		if (mnmap_node_is_map(n) && filter_match(d->filter, m))
			return m;
	}
	return NULL;
}

static int put_map_obj(struct sk_buff *skb, struct mnmap_dump *d, const void *obj)
{
	return put_map(skb, obj);
}

int mnmap_nl_map_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mnmap_dump_walk(skb, cb, MNMAP_CMD_MAP_GET, accept_map, put_map_obj);
}
