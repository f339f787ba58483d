// SPDX-License-Identifier: GPL-2.0
/*
 * container setup|teardown: what a container that holds public addresses
 * through mnmap needs inside its own network namespace, in one idempotent
 * command for orchestrators.
 *
 * A container that shares an address with others must deliver to itself
 * only what it owns, and put everything else for that address on the
 * wire, where mnmap sends it to the owner. Policy routing does it:
 *
 *   1000  iif IF lookup local              what mnmap delivered: it owns it
 *   1001  to ADDR ipproto P dport R lookup local   its own ports
 *   1002  to ADDR lookup main              the address's other ports: out
 *   1003  lookup local                     the local table, moved from 0
 *
 * plus the addresses (/32, /128) on the interface whose MAC is the
 * endpoint's, a default route through the gateway mnmap answers for
 * (169.254.1.1, fe80::1), and ip_local_port_range set to the endpoint's
 * port block so that its own connections use ports it owns. Everything
 * added carries the origin MNMAP_RTPROT; teardown removes exactly that.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "rtnl.h"

enum {
	PREF_DELIVERED = 1000,
	PREF_OWNED,
	PREF_OTHERS,
	PREF_LOCAL,
};

#define MAX_ADDRS 64
#define PORT_RANGE_SYSCTL "/proc/sys/net/ipv4/ip_local_port_range"
#define PORT_RANGE_DEFAULT "32768 60999"

/* What the endpoint owns: one map's (address, protocol, ports). */
struct owned {
	struct addr addr;
	uint8_t proto;
	uint16_t first, last;
};

struct plan {
	uint8_t mac[6];
	bool has_mac;
	struct addr addrs[MAX_ADDRS];
	int n_addrs;
	struct owned *owned;
	int n_owned;
	int ifindex;		/* in the container */
	/* The largest TCP range, preferably also mapped for UDP. */
	uint16_t block_first, block_last;
};

static void container_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl container setup NETNS endpoint NAME\n"
		"       mnmapctl container teardown NETNS\n"
		"NETNS := { a name in /run/netns | a path such as /proc/PID/ns/net }\n");
}

static int take_endpoint(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];
	struct plan *p = arg;

	(void)ctl;
	if (!top[MNMAP_A_ENDPOINT] ||
	    nla_parse_nested(tb, MNMAP_A_ENDPOINT_MAX, top[MNMAP_A_ENDPOINT], NULL) ||
	    !tb[MNMAP_A_ENDPOINT_MAC] || nla_len(tb[MNMAP_A_ENDPOINT_MAC]) != 6)
		return -EBADMSG;
	memcpy(p->mac, nla_data(tb[MNMAP_A_ENDPOINT_MAC]), 6);
	p->has_mac = true;
	return 0;
}

static bool same_addr(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, addr_len(a));
}

static int add_addr(struct plan *p, const struct addr *a)
{
	for (int i = 0; i < p->n_addrs; i++)
		if (same_addr(&p->addrs[i], a))
			return 0;
	if (p->n_addrs == MAX_ADDRS)
		return -E2BIG;
	p->addrs[p->n_addrs++] = *a;
	return 0;
}

static int take_map(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1];
	struct plan *p = arg;
	struct owned o = { 0 }, *grown;
	struct nlattr *v4;

	(void)ctl;
	if (map_nest(top, tb))
		return -EBADMSG;
	v4 = tb[MNMAP_A_MAP_ADDR_IPV4];
	o.addr.family = v4 ? AF_INET : AF_INET6;
	memcpy(o.addr.bytes, nla_data(v4 ?: tb[MNMAP_A_MAP_ADDR_IPV6]), addr_len(&o.addr));
	o.proto = nla_get_u8(tb[MNMAP_A_MAP_PROTO]);
	if (tb[MNMAP_A_MAP_PORT_FIRST])
		o.first = nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]);
	o.last = tb[MNMAP_A_MAP_PORT_LAST] ? nla_get_u16(tb[MNMAP_A_MAP_PORT_LAST]) : o.first;
	grown = realloc(p->owned, (p->n_owned + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->owned = grown;
	p->owned[p->n_owned++] = o;
	return add_addr(p, &o.addr);
}

static bool udp_has_range(const struct plan *p, uint16_t first, uint16_t last)
{
	for (int i = 0; i < p->n_owned; i++)
		if (p->owned[i].proto == IPPROTO_UDP && p->owned[i].first == first &&
		    p->owned[i].last == last)
			return true;
	return false;
}

/* The port block for the container's own connections. */
static void choose_block(struct plan *p)
{
	unsigned int best = 0;

	for (int i = 0; i < p->n_owned; i++) {
		const struct owned *o = &p->owned[i];
		unsigned int size = o->last - o->first + 1;

		if (o->proto != IPPROTO_TCP || o->first == o->last)
			continue;
		/* Prefer a range that UDP owns too, then the largest. */
		size += udp_has_range(p, o->first, o->last) ? 0x10000 : 0;
		if (size > best) {
			best = size;
			p->block_first = o->first;
			p->block_last = o->last;
		}
	}
}

/* Read what mnmap knows of endpoint @name: its MAC and its maps. */
static int gather(struct ctl *ctl, const char *name, struct plan *p)
{
	int err;

	err = endpoint_get(ctl, name, take_endpoint, p);
	if (err)
		return err;
	for (int tries = 0; tries < 20; tries++) {
		p->n_owned = 0;
		p->n_addrs = 0;
		err = map_dump_by_endpoint(ctl, name, take_map, p);
		if (err != -EINTR)
			break;
	}
	if (err)
		return err;
	if (!p->n_addrs)
		return error(ctl, "container setup: endpoint '%s' has no maps: no address to set up",
			     name);
	choose_block(p);
	return 0;
}

/*
 * Enter @netns; *@back is then a descriptor of the namespace we left, for
 * leave_netns(), so that what follows (in a batch) runs where it began.
 */
static int enter_netns_arg(struct ctl *ctl, const char *netns, int *back)
{
	char path[PATH_MAX];
	int err;

	if (strchr(netns, '/'))
		snprintf(path, sizeof(path), "%s", netns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
	err = netns_enter(path, back);
	if (err)
		return error(ctl, "container: cannot enter network namespace '%s': %s",
			     netns, strerror(-err));
	return 0;
}

static int leave_netns(struct ctl *ctl, int back, int err)
{
	if (setns(back, CLONE_NEWNET) && !err)
		err = error(ctl, "container: cannot return to the first network namespace: %s",
			    strerror(errno));
	close(back);
	return err;
}

static int find_link(struct nlmsghdr *nlh, void *arg)
{
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1];
	struct plan *p = arg;

	if (nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL))
		return 0;
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6 &&
	    !memcmp(nla_data(tb[IFLA_ADDRESS]), p->mac, 6) && !p->ifindex)
		p->ifindex = ifi->ifi_index;
	return 0;
}

static int link_up(struct nl_sock *rt, int ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC, .ifi_index = ifindex,
		.ifi_flags = IFF_UP, .ifi_change = IFF_UP,
	};
	struct nl_msg *msg = rt_msg(RTM_NEWLINK, 0, &ifi, sizeof(ifi));

	return msg ? rt_do(rt, msg) : -ENOMEM;
}

static int addr_change(struct nl_sock *rt, int type, int flags, int ifindex,
		       const struct addr *a)
{
	struct ifaddrmsg ifa = {
		.ifa_family = a->family,
		.ifa_prefixlen = addr_len(a) * 8,

		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = ifindex,
	};
	struct nl_msg *msg = rt_msg(type, flags, &ifa, sizeof(ifa));

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, IFA_LOCAL, addr_len(a), a->bytes) ||
	    nla_put(msg, IFA_ADDRESS, addr_len(a), a->bytes) ||
	    nla_put_u8(msg, IFA_PROTO, MNMAP_RTPROT) ||
	    /* No prefix route: for an IPv6 /128 it would make the address's
	     * other ports, which rule 1002 sends to the main table, on-link. */
	    (type == RTM_NEWADDR &&
	     nla_put_u32(msg, IFA_FLAGS, IFA_F_NOPREFIXROUTE |
			 (a->family == AF_INET6 ? IFA_F_NODAD : 0)))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return rt_do(rt, msg);
}

/* Addresses that a setup added: all of them, or those not in @keep. */
struct stale_addrs {
	const struct plan *keep;
	struct addr found[MAX_ADDRS];
	int ifindex[MAX_ADDRS];
	int n;
};

static int find_stale_addr(struct nlmsghdr *nlh, void *arg)
{
	struct ifaddrmsg *ifa = nlmsg_data(nlh);
	struct nlattr *tb[IFA_MAX + 1];
	struct stale_addrs *s = arg;
	struct addr a = { .family = ifa->ifa_family };
	struct nlattr *local;

	if (nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) || !tb[IFA_PROTO] ||
	    nla_get_u8(tb[IFA_PROTO]) != MNMAP_RTPROT ||
	    (a.family != AF_INET && a.family != AF_INET6) || s->n == MAX_ADDRS)
		return 0;
	/* IPv6 gives IFA_LOCAL only for point-to-point addresses. */
	local = tb[IFA_LOCAL] ?: tb[IFA_ADDRESS];
	if (!local || nla_len(local) != addr_len(&a))
		return 0;
	memcpy(a.bytes, nla_data(local), addr_len(&a));
	if (s->keep) {
		if ((int)ifa->ifa_index == s->keep->ifindex)
			for (int i = 0; i < s->keep->n_addrs; i++)
				if (same_addr(&s->keep->addrs[i], &a))
					return 0;
	}
	s->ifindex[s->n] = ifa->ifa_index;
	s->found[s->n++] = a;
	return 0;
}

static int remove_stale_addrs(struct nl_sock *rt, const struct plan *keep)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct stale_addrs s = { .keep = keep };
	int err = rt_dump(rt, RTM_GETADDR, &ifa, sizeof(ifa), find_stale_addr, &s);

	for (int i = 0; !err && i < s.n; i++) {
		err = addr_change(rt, RTM_DELADDR, 0, s.ifindex[i], &s.found[i]);
		if (err == -EADDRNOTAVAIL)
			err = 0;
	}
	return err;
}

static const char *gateway(int family, struct addr *gw)
{
	const char *text = family == AF_INET ? "169.254.1.1" : "fe80::1";

	gw->family = family;
	inet_pton(family, text, gw->bytes);
	return text;
}

/*
 * Add (RTM_NEWROUTE, replacing) or delete a route of ours in the main
 * table: the gateway itself (@host) or the default route through it.
 */
static int gateway_route(struct nl_sock *rt, int type, int family, int ifindex, bool host)
{
	struct rtmsg rtm = {
		.rtm_family = family,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = MNMAP_RTPROT,
		.rtm_type = RTN_UNICAST,
		.rtm_scope = host ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
	};
	struct nl_msg *msg;
	struct addr gw;
	int err;

	gateway(family, &gw);
	if (host)
		rtm.rtm_dst_len = addr_len(&gw) * 8;
	msg = rt_msg(type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_REPLACE : 0,
		     &rtm, sizeof(rtm));
	if (!msg)
		return -ENOMEM;
	if ((host && nla_put(msg, RTA_DST, addr_len(&gw), gw.bytes)) ||
	    (!host && nla_put(msg, RTA_GATEWAY, addr_len(&gw), gw.bytes)) ||
	    (ifindex && nla_put_u32(msg, RTA_OIF, ifindex))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = rt_do(rt, msg);
	return type == RTM_DELROUTE && err == -ESRCH ? 0 : err;
}

struct rule {
	int family;
	uint32_t pref;
	uint8_t table;
	const char *iif;
	const struct addr *to;
	uint8_t ipproto;
	uint16_t first, last;
};

/* Ask for a rule to be added or deleted: 0, or the kernel's errno. */
static int rule_request(struct nl_sock *rt, int type, const struct rule *r)
{
	struct fib_rule_hdr frh = {
		.family = r->family,
		.table = r->table,
		.action = type == RTM_NEWRULE ? FR_ACT_TO_TBL : FR_ACT_UNSPEC,
		.dst_len = r->to ? addr_len(r->to) * 8 : 0,
	};
	struct fib_rule_port_range ports = { r->first, r->last };
	struct nl_msg *msg = rt_msg(type, type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0,
				    &frh, sizeof(frh));

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FRA_PRIORITY, r->pref) ||
	    (r->pref && nla_put_u8(msg, FRA_PROTOCOL, MNMAP_RTPROT)) ||
	    (r->iif && nla_put_string(msg, FRA_IIFNAME, r->iif)) ||
	    (r->to && nla_put(msg, FRA_DST, addr_len(r->to), r->to->bytes)) ||
	    (r->ipproto && nla_put_u8(msg, FRA_IP_PROTO, r->ipproto)) ||
	    (r->first && nla_put(msg, FRA_DPORT_RANGE, sizeof(ports), &ports))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return rt_do(rt, msg);
}

/* Add a rule (an identical one is fine) or delete one; a missing one is fine. */
static int rule_change(struct nl_sock *rt, int type, const struct rule *r)
{
	int err = rule_request(rt, type, r);

	if ((type == RTM_NEWRULE && err == -EEXIST) || (type == RTM_DELRULE && err == -ENOENT))
		return 0;
	return err;
}

/* Delete every rule of ours at @pref: the kernel deletes one match a request. */
static int rules_flush(struct nl_sock *rt, int family, uint32_t pref)
{
	struct rule r = { .family = family, .pref = pref };
	int err;

	for (int i = 0; i < 65536; i++) {
		err = rule_request(rt, RTM_DELRULE, &r);
		if (err)
			return err == -ENOENT ? 0 : err;
	}
	return -ELOOP;
}

/* The local table's rule at 0 (the kernel's) or at PREF_LOCAL (ours). */
static int local_rule(struct nl_sock *rt, int type, int family, uint32_t pref)
{
	struct rule r = { .family = family, .pref = pref, .table = RT_TABLE_LOCAL };

	return rule_change(rt, type, &r);
}

/* The policy rules of one address family; see the top of this file. */
static int setup_rules(struct nl_sock *rt, const struct plan *p, int family, const char *ifname)
{
	struct rule delivered = {
		.family = family, .pref = PREF_DELIVERED, .table = RT_TABLE_LOCAL, .iif = ifname,
	};
	int err;

	/* The local table moves below ours; it is never missing meanwhile. */
	err = local_rule(rt, RTM_NEWRULE, family, PREF_LOCAL) ?:
	      local_rule(rt, RTM_DELRULE, family, 0) ?:
	      rule_change(rt, RTM_NEWRULE, &delivered) ?:
	      rules_flush(rt, family, PREF_OWNED) ?:
	      rules_flush(rt, family, PREF_OTHERS);
	for (int i = 0; !err && i < p->n_owned; i++) {
		const struct owned *o = &p->owned[i];
		struct rule r = {
			.family = family, .pref = PREF_OWNED, .table = RT_TABLE_LOCAL,
			.to = &o->addr, .ipproto = o->proto, .first = o->first, .last = o->last,
		};

		if (o->addr.family == family)
			err = rule_change(rt, RTM_NEWRULE, &r);
	}
	for (int i = 0; !err && i < p->n_addrs; i++) {
		struct rule r = {
			.family = family, .pref = PREF_OTHERS, .table = RT_TABLE_MAIN,
			.to = &p->addrs[i],
		};

		if (p->addrs[i].family == family)
			err = rule_change(rt, RTM_NEWRULE, &r);
	}
	return err;
}

static int write_port_range(struct ctl *ctl, const char *range)
{
	FILE *f = fopen(PORT_RANGE_SYSCTL, "w");

	if (!f || fprintf(f, "%s\n", range) < 0 || fclose(f)) {
		if (f)
			fclose(f);
		return error(ctl, "container: cannot set ip_local_port_range to %s: %s",
			     range, strerror(errno));
	}
	return 0;
}

static bool has_family(const struct plan *p, int family)
{
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == family)
			return true;
	return false;
}

static int configure(struct ctl *ctl, struct nl_sock *rt, struct plan *p)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char ifname[IF_NAMESIZE], range[32];
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int err;

	err = rt_dump(rt, RTM_GETLINK, &ifi, sizeof(ifi), find_link, p);
	if (err)
		return err;
	if (!p->ifindex || !if_indextoname(p->ifindex, ifname))
		return error(ctl, "container setup: no interface with the endpoint's MAC %s",
			     mac_str(p->mac, range));
	err = link_up(rt, p->ifindex);
	for (int i = 0; !err && i < p->n_addrs; i++)
		err = addr_change(rt, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, p->ifindex,
				  &p->addrs[i]);
	if (!err)
		err = remove_stale_addrs(rt, p);
	for (size_t f = 0; !err && f < sizeof(families) / sizeof(families[0]); f++) {
		if (!has_family(p, families[f]))
			continue;
		if (families[f] == AF_INET)
			err = gateway_route(rt, RTM_NEWROUTE, AF_INET, p->ifindex, true);
		err = err ?: gateway_route(rt, RTM_NEWROUTE, families[f], p->ifindex, false) ?:
		      setup_rules(rt, p, families[f], ifname);
	}
	if (err == -EAFNOSUPPORT)
		return error(ctl, "container setup: this kernel has no policy routing for the "
			     "endpoint's addresses (CONFIG_IP_MULTIPLE_TABLES, CONFIG_IPV6_MULTIPLE_TABLES)");
	if (err)
		return error(ctl, "container setup: %s", strerror(-err));
	if (!p->block_first)
		return 0;
	snprintf(range, sizeof(range), "%u %u", p->block_first, p->block_last);
	return write_port_range(ctl, range);
}

static int container_setup(struct ctl *ctl, int argc, char **argv)
{
	struct plan p = { 0 };
	struct nl_sock *rt;
	int err, back;

	if (argc != 3 || !matches(argv[1], "endpoint"))
		return error(ctl, "container setup: usage: container setup NETNS endpoint NAME");
	if (parse_name(argv[2]))
		return error(ctl, "container setup: invalid endpoint name '%s'", argv[2]);
	if (ctl->dry_run)
		return 0;	/* a batch's check: the maps it reads may not exist yet */
	err = gather(ctl, argv[2], &p) ?: enter_netns_arg(ctl, argv[0], &back);
	if (!err) {
		rt = rt_open();
		err = rt ? configure(ctl, rt, &p) :
			   error(ctl, "container setup: cannot open an rtnetlink socket");
		nl_socket_free(rt);
		err = leave_netns(ctl, back, err);
	}
	free(p.owned);
	return err;
}

static int unconfigure(struct nl_sock *rt)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int err = 0;

	for (size_t f = 0; !err && f < sizeof(families) / sizeof(families[0]); f++) {
		/* The kernel's local rule comes back before ours goes. */
		err = local_rule(rt, RTM_NEWRULE, families[f], 0);
		for (uint32_t pref = PREF_DELIVERED; !err && pref <= PREF_LOCAL; pref++)
			err = rules_flush(rt, families[f], pref);
		/* Without policy routing for a family, setup added no rule there. */
		if (err == -EAFNOSUPPORT)
			err = 0;
		err = err ?: gateway_route(rt, RTM_DELROUTE, families[f], 0, false);
	}
	err = err ?: gateway_route(rt, RTM_DELROUTE, AF_INET, 0, true);
	return err ?: remove_stale_addrs(rt, NULL);
}

static int container_teardown(struct ctl *ctl, int argc, char **argv)
{
	struct nl_sock *rt;
	int err, back;

	if (argc != 1)
		return error(ctl, "container teardown: usage: container teardown NETNS");
	if (ctl->dry_run)
		return 0;
	err = enter_netns_arg(ctl, argv[0], &back);
	if (err)
		return err;
	rt = rt_open();
	if (!rt)
		return leave_netns(ctl, back,
				   error(ctl, "container teardown: cannot open an rtnetlink socket"));
	err = unconfigure(rt);
	nl_socket_free(rt);
	if (err)
		err = error(ctl, "container teardown: %s", strerror(-err));
	else
		err = write_port_range(ctl, PORT_RANGE_DEFAULT);
	return leave_netns(ctl, back, err);
}

static const struct cmd container_cmds[] = {
	{ "setup", container_setup },
	{ "teardown", container_teardown },
	{ NULL, NULL },
};

int do_container(struct ctl *ctl, int argc, char **argv)
{
	return run_cmd(ctl, container_cmds, "container", container_usage, argc, argv);
}
