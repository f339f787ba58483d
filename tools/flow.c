// SPDX-License-Identifier: GPL-2.0
/* mnmapctl flow: the flows of maps of several endpoints, and where each goes. */
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

static void flow_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl flow show [ADDR { tcp | udp } PORT | ADDR icmp] [tenant T]\n"
		"       mnmapctl flow flush\n"
		"The flows the kernel remembers for maps of several endpoints: each stays\n"
		"with its endpoint while that endpoint is in the map. flush forgets them\n"
		"(each then goes where the map's consistent hash says).\n");
}

static int flow_nest(struct nlattr **top, struct nlattr **tb)
{
	if (!top[MNMAP_A_FLOW] ||
	    nla_parse_nested(tb, MNMAP_A_FLOW_MAX, top[MNMAP_A_FLOW], NULL) ||
	    !tb[MNMAP_A_FLOW_PROTO] ||
	    (!tb[MNMAP_A_FLOW_DST_IPV4] && !tb[MNMAP_A_FLOW_DST_IPV6]) ||
	    (!tb[MNMAP_A_FLOW_SRC_IPV4] && !tb[MNMAP_A_FLOW_SRC_IPV6]))
		return -EBADMSG;
	return 0;
}

static void flow_addr(struct nlattr *v4, struct nlattr *v6, char *buf, size_t len)
{
	addr_str(v4 ? AF_INET : AF_INET6, nla_data(v4 ?: v6), buf, len);
}

static int print_flow(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_FLOW_MAX + 1];
	char buf[INET6_ADDRSTRLEN];
	uint32_t tenant = 0;

	(void)ctl;
	(void)arg;
	if (flow_nest(top, tb))
		return -EBADMSG;
	if (tb[MNMAP_A_FLOW_TENANT])
		tenant = nla_get_u32(tb[MNMAP_A_FLOW_TENANT]);
	print_open_object(NULL);
	flow_addr(tb[MNMAP_A_FLOW_SRC_IPV4], tb[MNMAP_A_FLOW_SRC_IPV6], buf, sizeof(buf));
	print_string("src", "%s", buf);
	if (tb[MNMAP_A_FLOW_SRC_PORT])
		print_uint("sport", " %" PRIu64, nla_get_u16(tb[MNMAP_A_FLOW_SRC_PORT]));
	flow_addr(tb[MNMAP_A_FLOW_DST_IPV4], tb[MNMAP_A_FLOW_DST_IPV6], buf, sizeof(buf));
	print_string("addr", " -> %s", buf);
	print_string("proto", " %s", proto_name(nla_get_u8(tb[MNMAP_A_FLOW_PROTO])));
	if (tb[MNMAP_A_FLOW_DST_PORT])
		print_uint("port", " %" PRIu64, nla_get_u16(tb[MNMAP_A_FLOW_DST_PORT]));
	if (tenant || print_is_json())
		print_uint("tenant", " tenant %" PRIu64, tenant);
	/* None: its endpoint left the map; its next packet picks again. */
	print_string("endpoint", " endpoint %s", tb[MNMAP_A_FLOW_ENDPOINT] ?
			       nla_get_string(tb[MNMAP_A_FLOW_ENDPOINT]) : "none");
	if (tb[MNMAP_A_FLOW_IDLE])
		print_uint("idle_ms", " idle %" PRIu64 "ms", nla_get_u32(tb[MNMAP_A_FLOW_IDLE]));
	print_close_object();
	print_text("\n");
	return 0;
}

/* The sort key of a flow: its map (tenant, address, protocol, port), then its source. */
struct flow_key {
	uint32_t tenant;
	uint8_t family, dst[16], proto;
	uint16_t dport;
	uint8_t src[16];
	uint16_t sport;
};

static void flow_key(const struct nlattr *nest, struct flow_key *k)
{
	struct nlattr *tb[MNMAP_A_FLOW_MAX + 1];
	struct nlattr *dst, *src;

	memset(k, 0, sizeof(*k));
	if (nla_parse_nested(tb, MNMAP_A_FLOW_MAX, (struct nlattr *)nest, NULL))
		return;
	if (tb[MNMAP_A_FLOW_TENANT])
		k->tenant = nla_get_u32(tb[MNMAP_A_FLOW_TENANT]);
	dst = tb[MNMAP_A_FLOW_DST_IPV4] ?: tb[MNMAP_A_FLOW_DST_IPV6];
	src = tb[MNMAP_A_FLOW_SRC_IPV4] ?: tb[MNMAP_A_FLOW_SRC_IPV6];
	k->family = tb[MNMAP_A_FLOW_DST_IPV4] ? 4 : 6;
	if (dst)
		memcpy(k->dst, nla_data(dst), nla_len(dst) > 16 ? 16 : nla_len(dst));
	if (src)
		memcpy(k->src, nla_data(src), nla_len(src) > 16 ? 16 : nla_len(src));
	if (tb[MNMAP_A_FLOW_PROTO])
		k->proto = nla_get_u8(tb[MNMAP_A_FLOW_PROTO]);
	if (tb[MNMAP_A_FLOW_DST_PORT])
		k->dport = nla_get_u16(tb[MNMAP_A_FLOW_DST_PORT]);
	if (tb[MNMAP_A_FLOW_SRC_PORT])
		k->sport = nla_get_u16(tb[MNMAP_A_FLOW_SRC_PORT]);
}

#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y))

static int flow_cmp(const struct nlattr *a, const struct nlattr *b)
{
	struct flow_key ka, kb;

	flow_key(a, &ka);
	flow_key(b, &kb);
	return CMP(ka.tenant, kb.tenant) ?: CMP(ka.family, kb.family) ?:
	       memcmp(ka.dst, kb.dst, sizeof(ka.dst)) ?: CMP(ka.proto, kb.proto) ?:
	       CMP(ka.dport, kb.dport) ?: memcmp(ka.src, kb.src, sizeof(ka.src)) ?:
	       CMP(ka.sport, kb.sport);
}

static const struct dump_order flow_order = { MNMAP_A_FLOW, flow_cmp };

struct flow_filter {
	int argc;
	char **argv;
};

static struct nl_msg *flow_dump_request(struct ctl *ctl, void *arg)
{
	struct flow_filter *f = arg;
	struct nl_msg *msg = ctl_request(ctl, MNMAP_CMD_FLOW_GET, NLM_F_DUMP);

	if (msg && f->argc && map_key_nest(ctl, "flow show", f->argc, f->argv, msg)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int flow_show(struct ctl *ctl, int argc, char **argv)
{
	struct flow_filter f = { argc, argv };
	struct nl_msg *probe;
	int err = 0;

	/* The words are checked first: a bad one is an error, not a failed dump. */
	if (argc) {
		probe = nlmsg_alloc();
		if (!probe)
			return -ENOMEM;
		err = map_key_nest(ctl, "flow show", argc, argv, probe);
		nlmsg_free(probe);
		if (err)
			return err;
	}
	return ctl_dump(ctl, flow_dump_request, &f, print_flow, &flow_order);
}

static int flow_flush(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg;

	if (argc > 0)
		return error(ctl, "flow flush: unexpected '%s'", argv[0]);
	msg = ctl_request(ctl, MNMAP_CMD_FLOW_FLUSH, 0);
	if (!msg)
		return -ENOMEM;
	return ctl_transact(ctl, msg, NULL, NULL);
}

static const struct cmd flow_cmds[] = {
	{ "show", flow_show },
	{ "list", flow_show },
	{ "flush", flow_flush },
	{ NULL, NULL },
};

int do_flow(struct ctl *ctl, int argc, char **argv)
{
	return run_cmd(ctl, flow_cmds, "flow", flow_usage, argc, argv);
}
