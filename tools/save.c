// SPDX-License-Identifier: GPL-2.0
/*
 * mnmapctl save: print the namespace's configuration as a batch that
 * `mnmapctl -b FILE` restores exactly (and atomically), as ipvsadm -S/-R.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static void save_ifname(const char *key, struct nlattr *attr)
{
	char name[IF_NAMESIZE];

	if (!attr)
		printf(" %s none", key);
	else if (if_indextoname(nla_get_u32(attr), name))
		printf(" %s %s", key, name);
	else
		printf(" %s if%u", key, nla_get_u32(attr));
}

static void save_addr(const char *key, struct nlattr *v4, struct nlattr *v6)
{
	char buf[INET6_ADDRSTRLEN];

	if (!v4 && !v6)
		printf(" %s none", key);
	else
		printf(" %s %s", key, addr_str(v4 ? AF_INET : AF_INET6, nla_data(v4 ?: v6),
						buf, sizeof(buf)));
}

static int save_host(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_HOST_MAX + 1];

	(void)ctl;
	(void)arg;
	if (host_nest(top, tb))
		return -EBADMSG;
	printf("host set");
	save_ifname("uplink", tb[MNMAP_A_HOST_UPLINK]);
	save_ifname("vxlan", tb[MNMAP_A_HOST_VXLAN]);
	save_addr("vtep", tb[MNMAP_A_HOST_VTEP_IPV4], tb[MNMAP_A_HOST_VTEP_IPV6]);
	save_addr("gateway", tb[MNMAP_A_HOST_GATEWAY_IPV4], tb[MNMAP_A_HOST_GATEWAY_IPV6]);
	printf("\n");
	return 0;
}

static int save_endpoint(struct ctl *ctl, struct nlattr **top, void *arg)
{
	printf("endpoint add ");
	return print_endpoint(ctl, top, arg);
}

/* One `map add` line per endpoint of the map. */
static int save_map(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_MAP_MAX + 1], *be[MNMAP_A_BACKEND_MAX + 1], *attr;
	char buf[INET6_ADDRSTRLEN];
	int rem;

	(void)ctl;
	(void)arg;
	if (map_nest(top, tb))
		return -EBADMSG;
	nla_for_each_nested(attr, top[MNMAP_A_MAP], rem) {
		if (nla_type(attr) != MNMAP_A_MAP_BACKEND ||
		    nla_parse_nested(be, MNMAP_A_BACKEND_MAX, attr, NULL) ||
		    !be[MNMAP_A_BACKEND_ENDPOINT])
			continue;
		printf("map add %s %s", map_addr(tb, buf, sizeof(buf)),
		       proto_name(nla_get_u8(tb[MNMAP_A_MAP_PROTO])));
		if (tb[MNMAP_A_MAP_PORT_FIRST]) {
			uint16_t first = nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]);
			uint16_t last = nla_get_u16(tb[MNMAP_A_MAP_PORT_LAST]);

			printf(first == last ? " %u" : " %u-%u", first, last);
		}
		printf(" endpoint %s", nla_get_string(be[MNMAP_A_BACKEND_ENDPOINT]));
		if (!tb[MNMAP_A_MAP_PORT_FIRST] ||
		    nla_get_u16(tb[MNMAP_A_MAP_PORT_FIRST]) == nla_get_u16(tb[MNMAP_A_MAP_PORT_LAST]))
			printf(" weight %u", nla_get_u32(be[MNMAP_A_BACKEND_WEIGHT]));
		if (tb[MNMAP_A_MAP_TENANT] && nla_get_u32(tb[MNMAP_A_MAP_TENANT]))
			printf(" tenant %u", nla_get_u32(tb[MNMAP_A_MAP_TENANT]));
		if (tb[MNMAP_A_MAP_COUNTERS])
			printf(" counters");
		printf("\n");
	}
	return 0;
}

int do_save(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg;
	int err;

	if (argc > 0)
		return error(ctl, "save: unexpected '%s'", argv[0]);
	if (ctl->store)
		return store_save(ctl);
	ctl->json = false;
	print_start(false, false);
	msg = ctl_request(ctl, MNMAP_CMD_HOST_GET, 0);
	if (!msg)
		return -ENOMEM;
	printf("# mnmap configuration; restore with: mnmapctl -b FILE\n");
	err = ctl_transact(ctl, msg, save_host, NULL);
	if (!err)
		printf("flush\n");
	return err ?: ctl_dump(ctl, endpoint_dump_request, NULL, save_endpoint, &endpoint_order) ?:
		      ctl_dump(ctl, map_dump_request, NULL, save_map, &map_order);
}
