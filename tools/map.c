// SPDX-License-Identifier: GPL-2.0
/* mnmapctl map: public (IP, protocol, port) -> endpoints. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static void map_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl map add ADDR { tcp | udp } PORT[-PORT] endpoint NAME [weight W] [tenant T]\n"
		"                        [counters]\n"
		"       mnmapctl map add ADDR icmp endpoint NAME [tenant T] [counters]\n"
		"       mnmapctl map set ADDR { tcp | udp } PORT endpoint NAME weight W [tenant T]\n"
		"       mnmapctl map del ADDR PROTO [PORT[-PORT]] [endpoint NAME] [tenant T]\n"
		"       mnmapctl map show [ADDR [PROTO [PORT]]] [endpoint NAME] [tenant T]\n"
		"       mnmapctl map flush\n"
		"A port range is the block one endpoint's own connections use; an exact\n"
		"port takes precedence over a range. W: 0-%u (0 drains: established flows\n"
		"stay, no new ones), T: 0-%u. counters: the new map counts its packets\n"
		"and bytes (stats show map).\n",
		MNMAP_WEIGHT_MAX, MNMAP_VNI_MAX);
}

const char *proto_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmp";
	default: return "?";
	}
}

static void print_backends(struct nlattr *top[])
{
	struct nlattr *tb[MNMAP_A_BACKEND_MAX + 1], *attr;
	int rem;

	print_open_array("endpoints");
	nla_for_each_nested(attr, top[MNMAP_A_MAP], rem) {
		if (nla_type(attr) != MNMAP_A_MAP_BACKEND ||
		    nla_parse_nested(tb, MNMAP_A_BACKEND_MAX, attr, NULL) ||
		    !tb[MNMAP_A_BACKEND_ENDPOINT] || !tb[MNMAP_A_BACKEND_WEIGHT])
			continue;
		print_open_object(NULL);
		print_string("name", " endpoint %s", nla_get_string(tb[MNMAP_A_BACKEND_ENDPOINT]));
		print_uint("weight", " weight %" PRIu64, nla_get_u32(tb[MNMAP_A_BACKEND_WEIGHT]));
		print_close_object();
	}
	print_close_array();
}

int map_nest(struct nlattr **top, struct nlattr **tb)
{
	if (!top[MNMAP_A_MAP] ||
	    nla_parse_nested(tb, MNMAP_A_MAP_MAX, top[MNMAP_A_MAP], NULL) ||
	    !tb[MNMAP_A_MAP_PROTO] ||
	    (!tb[MNMAP_A_MAP_ADDR_IPV4] && !tb[MNMAP_A_MAP_ADDR_IPV6]))
		return -EBADMSG;
	return 0;
}

const char *map_addr(struct nlattr **tb, char *buf, size_t len)
{
	struct nlattr *v4 = tb[MNMAP_A_MAP_ADDR_IPV4];

	return addr_str(v4 ? AF_INET : AF_INET6, nla_data(v4 ?: tb[MNMAP_A_MAP_ADDR_IPV6]),
			buf, len);
}

/*
 * The sort key of a map nest: tenant, address (IPv4 before IPv6), protocol
 * (icmp, tcp, udp), port.
 */
struct map_key {
	uint32_t tenant;
	uint8_t family;
	uint8_t addr[16];
	uint8_t proto;
	uint16_t first, last;
};

static void map_key(const struct nlattr *nest, struct map_key *k)
{
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1];

	memset(k, 0, sizeof(*k));
	if (nla_parse_nested(tb, MNMAP_A_MAP_MAX, (struct nlattr *)nest, NULL))
		return;
	if (tb[MNMAP_A_MAP_TENANT])
		k->tenant = nla_get_u32(tb[MNMAP_A_MAP_TENANT]);
	if (tb[MNMAP_A_MAP_ADDR_IPV4]) {
		k->family = 4;
		memcpy(k->addr, nla_data(tb[MNMAP_A_MAP_ADDR_IPV4]), 4);
	} else if (tb[MNMAP_A_MAP_ADDR_IPV6]) {
		k->family = 6;
		memcpy(k->addr, nla_data(tb[MNMAP_A_MAP_ADDR_IPV6]), 16);
	}
	/* icmp, tcp, udp: ICMPv6 ranks as ICMP. */
	if (tb[MNMAP_A_MAP_PROTO])
		k->proto = nla_get_u8(tb[MNMAP_A_MAP_PROTO]) == IPPROTO_ICMPV6 ?
			   IPPROTO_ICMP : nla_get_u8(tb[MNMAP_A_MAP_PROTO]);
	if (tb[MNMAP_A_MAP_PORT_FIRST])
		k->first = nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]);
	if (tb[MNMAP_A_MAP_PORT_LAST])
		k->last = nla_get_u16(tb[MNMAP_A_MAP_PORT_LAST]);
}

#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y))

static int map_cmp(const struct nlattr *a, const struct nlattr *b)
{
	struct map_key ka, kb;

	map_key(a, &ka);
	map_key(b, &kb);
	/* Addresses are in network order: memcmp is numeric order. */
	return CMP(ka.tenant, kb.tenant) ?: CMP(ka.family, kb.family) ?:
	       memcmp(ka.addr, kb.addr, sizeof(ka.addr)) ?:
	       CMP(ka.proto, kb.proto) ?: CMP(ka.first, kb.first) ?: CMP(ka.last, kb.last);
}

const struct dump_order map_order = { MNMAP_A_MAP, map_cmp };

int print_map(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1];
	char buf[INET6_ADDRSTRLEN];
	uint32_t tenant = 0;

	(void)ctl;
	(void)arg;
	if (map_nest(top, tb))
		return -EBADMSG;
	if (tb[MNMAP_A_MAP_TENANT])
		tenant = nla_get_u32(tb[MNMAP_A_MAP_TENANT]);
	print_open_object(NULL);
	print_string("addr", "%s", map_addr(tb, buf, sizeof(buf)));
	print_string("proto", " %s", proto_name(nla_get_u8(tb[MNMAP_A_MAP_PROTO])));
	if (tb[MNMAP_A_MAP_PORT_FIRST] && tb[MNMAP_A_MAP_PORT_LAST]) {
		uint16_t first = nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]);
		uint16_t last = nla_get_u16(tb[MNMAP_A_MAP_PORT_LAST]);

		print_uint("port", " %" PRIu64, first);
		if (last != first)
			print_uint("port_last", "-%" PRIu64, last);
		else
			print_uint("port_last", NULL, last);
	}
	print_backends(top);
	if (tenant || print_is_json())
		print_uint("tenant", " tenant %" PRIu64, tenant);
	print_bool("counters", " counters", tb[MNMAP_A_MAP_COUNTERS]);
	if (tb[MNMAP_A_MAP_SLOTS])
		print_uint("slots", NULL, nla_get_u32(tb[MNMAP_A_MAP_SLOTS]));
	if (print_is_json())
		print_stats(tb[MNMAP_A_MAP_STATS]);
	print_close_object();
	print_text("\n");
	return 0;
}

/* ADDR PROTO [PORT[-PORT]] [endpoint NAME] [weight W] [tenant T] */
struct map_args {
	struct addr addr;
	int proto;
	uint16_t first, last;
	const char *endpoint;
	uint64_t weight, tenant;
	bool has_weight, has_tenant, counters;
};

static int parse_proto(const char *s, const struct addr *a)
{
	if (matches(s, "tcp"))
		return IPPROTO_TCP;
	if (matches(s, "udp"))
		return IPPROTO_UDP;
	if (matches(s, "icmp") || matches(s, "icmpv6"))
		return a->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	return -1;
}

static int parse_options(struct ctl *ctl, const char *what, int argc, char **argv,
			 struct map_args *a)
{
	for (int i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (matches(key, "counters")) {
			a->counters = true;
			i--;	/* a flag: no value */
			continue;
		}
		if (!val)
			return error(ctl, "%s: '%s' needs a value", what, key);
		if (matches(key, "endpoint")) {
			if (parse_name(val))
				return error(ctl, "%s: invalid endpoint name '%s'", what, val);
			a->endpoint = val;
		} else if (matches(key, "weight")) {
			if (parse_uint(val, MNMAP_WEIGHT_MAX, &a->weight))
				return error(ctl, "%s: weight must be 0 to %u", what, MNMAP_WEIGHT_MAX);
			a->has_weight = true;
		} else if (matches(key, "tenant")) {
			if (parse_uint(val, MNMAP_VNI_MAX, &a->tenant))
				return error(ctl, "%s: tenant must be 0 to %u", what, MNMAP_VNI_MAX);
			a->has_tenant = true;
		} else {
			return error(ctl, "%s: unknown keyword '%s'", what, key);
		}
	}
	return 0;
}

/* Parse the map's identity and options; @need_port: tcp/udp need one. */
static int parse_map_args(struct ctl *ctl, const char *what, int argc, char **argv,
			  struct map_args *a, bool need_port)
{
	int i = 2;

	if (argc < 1)
		return error(ctl, "%s: missing ADDR", what);
	if (parse_addr(argv[0], &a->addr))
		return error(ctl, "%s: invalid address '%s'", what, argv[0]);
	if (argc < 2)
		return need_port ? error(ctl, "%s: missing protocol", what) : 0;
	a->proto = parse_proto(argv[1], &a->addr);
	if (a->proto < 0)
		return error(ctl, "%s: unknown protocol '%s' (tcp, udp or icmp)", what, argv[1]);
	if (a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP) {
		if (argc > 2 && !matches(argv[2], "endpoint") && !matches(argv[2], "tenant")) {
			if (parse_port_range(argv[2], &a->first, &a->last))
				return error(ctl, "%s: invalid port '%s' (1-65535, FIRST-LAST with FIRST <= LAST)",
					     what, argv[2]);
			i = 3;
		} else if (need_port) {
			return error(ctl, "%s: %s needs a port", what, argv[1]);
		}
	}
	return parse_options(ctl, what, argc - i, argv + i, a);
}

static int fill_map(struct ctl *ctl, struct nl_msg *msg, void *arg)
{
	struct map_args *a = arg;

	(void)ctl;
	if ((a->addr.family &&
	     nla_put(msg, a->addr.family == AF_INET ? MNMAP_A_MAP_ADDR_IPV4 : MNMAP_A_MAP_ADDR_IPV6,
		     addr_len(&a->addr), a->addr.bytes)) ||
	    (a->proto > 0 && nla_put_u8(msg, MNMAP_A_MAP_PROTO, a->proto)) ||
	    (a->first && nla_put_u16(msg, MNMAP_A_MAP_PORT_FIRST, a->first)) ||
	    (a->last && nla_put_u16(msg, MNMAP_A_MAP_PORT_LAST, a->last)) ||
	    (a->endpoint && nla_put_string(msg, MNMAP_A_MAP_ENDPOINT, a->endpoint)) ||
	    (a->has_weight && nla_put_u32(msg, MNMAP_A_MAP_WEIGHT, a->weight)) ||
	    (a->has_tenant && nla_put_u32(msg, MNMAP_A_MAP_TENANT, a->tenant)) ||
	    (a->counters && nla_put_flag(msg, MNMAP_A_MAP_COUNTERS)))
		return -EMSGSIZE;
	return 0;
}

/* The store's map key and one of its endpoints, from the words; @set: its weight. */
static int map_to_store(struct ctl *ctl, const struct map_args *a, bool add, bool set)
{
	struct store_map m = {
		.addr = a->addr, .proto = proto_name(a->proto), .has_port = a->first != 0,
		.first = a->first, .last = a->last, .tenant = a->tenant,
		.endpoint = a->endpoint, .weight = a->weight, .has_weight = a->has_weight,
		.counters = a->counters, .set = set,
	};

	if (ctl->dry_run)
		return 0;
	return add ? store_map_add(ctl, &m) : store_map_del(ctl, &m);
}

static int map_add(struct ctl *ctl, int argc, char **argv)
{
	struct map_args a = { 0 };
	int err;

	err = parse_map_args(ctl, "map add", argc, argv, &a, true);
	if (err)
		return err;
	if (!a.endpoint)
		return error(ctl, "map add: missing endpoint");
	if (a.has_weight && a.first != a.last)
		return error(ctl, "map add: a port range belongs to one endpoint: no weight");
	if (ctl->store)
		return map_to_store(ctl, &a, true, false);
	return add_object(ctl, MNMAP_CMD_MAP_NEW, MNMAP_A_MAP, fill_map, &a, NULL);
}

static int map_del(struct ctl *ctl, int argc, char **argv)
{
	struct map_args a = { 0 };
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	err = parse_map_args(ctl, "map del", argc, argv, &a, true);
	if (err)
		return err;
	if (a.has_weight)
		return error(ctl, "map del: weight goes with add and set");
	if (a.counters)
		return error(ctl, "map del: counters only go with add");
	if (ctl->store)
		return map_to_store(ctl, &a, false, false);
	err = batch_flush_pending(ctl);
	if (err)
		return err;
	msg = ctl_request(ctl, MNMAP_CMD_MAP_DEL, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, MNMAP_A_MAP);
	if (!nest || fill_map(ctl, msg, &a)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return ctl_transact(ctl, msg, NULL, NULL);
}

/* One endpoint's weight; its established flows stay where they are. */
static int map_set(struct ctl *ctl, int argc, char **argv)
{
	struct map_args a = { 0 };
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	err = parse_map_args(ctl, "map set", argc, argv, &a, true);
	if (err)
		return err;
	if (!a.endpoint)
		return error(ctl, "map set: missing endpoint");
	if (!a.has_weight)
		return error(ctl, "map set: missing weight (what a set changes)");
	if (a.counters)
		return error(ctl, "map set: counters are chosen when the map is made");
	if (a.first != a.last)
		return error(ctl, "map set: a port range belongs to one endpoint: no weight");
	if (!a.first)
		return error(ctl, "map set: weights are for tcp and udp ports, not icmp");
	if (ctl->store)
		return map_to_store(ctl, &a, true, true);
	err = batch_flush_pending(ctl);
	if (err)
		return err;
	msg = ctl_request(ctl, MNMAP_CMD_MAP_SET, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, MNMAP_A_MAP);
	if (!nest || fill_map(ctl, msg, &a)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return ctl_transact(ctl, msg, NULL, NULL);
}

/* A dump of the maps, filtered by @arg (a struct map_args) unless NULL. */
struct nl_msg *map_dump_request(struct ctl *ctl, void *arg)
{
	struct map_args *a = arg;
	struct nl_msg *msg = ctl_request(ctl, MNMAP_CMD_MAP_GET, NLM_F_DUMP);
	struct nlattr *nest;

	if (!msg || !a || (!a->addr.family && !a->endpoint && !a->has_tenant))
		return msg;
	nest = nla_nest_start(msg, MNMAP_A_MAP);
	if (!nest || fill_map(ctl, msg, a)) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

/* Dump the maps that have endpoint @name; @fn sees each. */
int map_dump_by_endpoint(struct ctl *ctl, const char *name,
			 int (*fn)(struct ctl *, struct nlattr **, void *), void *arg)
{
	struct map_args a = { .endpoint = name };
	struct nl_msg *msg = map_dump_request(ctl, &a);

	if (!msg)
		return -ENOMEM;
	return ctl_transact(ctl, msg, fn, arg);
}

static int map_show(struct ctl *ctl, int argc, char **argv)
{
	struct map_args a = { 0 };
	int err;

	if (argc >= 2 && (matches(argv[0], "endpoint") || matches(argv[0], "tenant")))
		err = parse_options(ctl, "map show", argc, argv, &a);
	else if (argc > 0)
		err = parse_map_args(ctl, "map show", argc, argv, &a, false);
	else
		err = 0;
	if (err)
		return err;
	if (a.first != a.last)
		return error(ctl, "map show: give one port, not a range");
	if (a.has_weight)
		return error(ctl, "map show: cannot filter by weight");
	if (a.counters)
		return error(ctl, "map show: cannot filter by counters");
	a.last = 0;
	return ctl_dump(ctl, map_dump_request, &a, print_map, &map_order);
}

/*
 * A map's key from the words ADDR PROTO [PORT] [tenant T], as a map nest
 * in @msg: what names the flows of one map.
 */
int map_key_nest(struct ctl *ctl, const char *what, int argc, char **argv, struct nl_msg *msg)
{
	struct map_args a = { 0 };
	struct nlattr *nest;
	int err;

	err = parse_map_args(ctl, what, argc, argv, &a, true);
	if (err)
		return err;
	if (a.endpoint || a.has_weight || a.counters)
		return error(ctl, "%s: a map is ADDR PROTO [PORT] [tenant T]", what);
	if (a.first != a.last)
		return error(ctl, "%s: give one port, not a range", what);
	nest = nla_nest_start(msg, MNMAP_A_MAP);
	if (!nest || fill_map(ctl, msg, &a))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int print_count(struct ctl *ctl, struct nlattr **tb, void *arg)
{
	(void)ctl;
	if (tb[MNMAP_A_COUNT] && arg)
		*(uint32_t *)arg = nla_get_u32(tb[MNMAP_A_COUNT]);
	return 0;
}

static int map_flush(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg;
	int err;

	if (argc > 0)
		return error(ctl, "map flush: unexpected '%s'", argv[0]);
	err = batch_flush_pending(ctl);
	if (err)
		return err;
	msg = ctl_request(ctl, MNMAP_CMD_MAP_FLUSH, 0);
	if (!msg)
		return -ENOMEM;
	return ctl_transact(ctl, msg, NULL, NULL);
}

static int print_map_stats(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1];
	char buf[INET6_ADDRSTRLEN];

	(void)ctl;
	(void)arg;
	if (map_nest(top, tb))
		return -EBADMSG;
	print_open_object(NULL);
	print_string("addr", "map %s", map_addr(tb, buf, sizeof(buf)));
	print_string("proto", " %s", proto_name(nla_get_u8(tb[MNMAP_A_MAP_PROTO])));
	if (tb[MNMAP_A_MAP_PORT_FIRST] && tb[MNMAP_A_MAP_PORT_LAST]) {
		uint16_t first = nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]);
		uint16_t last = nla_get_u16(tb[MNMAP_A_MAP_PORT_LAST]);

		print_uint("port", " %" PRIu64, first);
		print_uint("port_last", last != first ? "-%" PRIu64 : NULL, last);
	}
	/* A map without counters says so: there is nothing to show. */
	print_bool("counters", NULL, tb[MNMAP_A_MAP_COUNTERS]);
	if (!tb[MNMAP_A_MAP_COUNTERS])
		print_text(" counters off");
	print_stats(tb[MNMAP_A_MAP_STATS]);
	print_close_object();
	print_text("\n");
	return 0;
}

/* The counters of the map ADDR PROTO [PORT] (argv), or of every map. */
int map_stats_show(struct ctl *ctl, int argc, char **argv)
{
	struct map_args a = { 0 };
	int err = argc ? parse_map_args(ctl, "stats show map", argc, argv, &a, false) : 0;

	if (err)
		return err;
	if (a.counters)
		return error(ctl, "stats show map: cannot filter by counters");
	a.last = 0;
	print_open_array("maps");
	err = ctl_dump_nested(ctl, map_dump_request, &a, print_map_stats, &map_order);
	print_close_array();
	return err;
}

static const struct cmd map_cmds[] = {
	{ "add", map_add },
	{ "set", map_set },
	{ "del", map_del },
	{ "show", map_show },
	{ "list", map_show },
	{ "flush", map_flush },
	{ NULL, NULL },
};

int do_map(struct ctl *ctl, int argc, char **argv)
{
	return run_cmd(ctl, map_cmds, "map", map_usage, argc, argv);
}
