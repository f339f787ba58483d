// SPDX-License-Identifier: GPL-2.0
/* mnmapctl host: this host's uplink, VXLAN device, VTEP and gateway. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static void host_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl host set [uplink IFNAME|none] [vxlan IFNAME|none]\n"
		"                         [vtep ADDR|none] [gateway ADDR|none]\n"
		"       mnmapctl host show\n");
}

static void print_ifindex(const char *key, const char *label, struct nlattr *attr)
{
	char name[IF_NAMESIZE], fmt[32];

	if (!attr)
		return;
	if (!if_indextoname(nla_get_u32(attr), name))
		snprintf(name, sizeof(name), "if%u", nla_get_u32(attr));
	snprintf(fmt, sizeof(fmt), "%s %%s ", label);
	print_string(key, fmt, name);
}

static void print_addr_attr(const char *key, struct nlattr *v4, struct nlattr *v6)
{
	char buf[INET6_ADDRSTRLEN], fmt[32];
	struct nlattr *attr = v4 ?: v6;

	if (!attr)
		return;
	addr_str(v4 ? AF_INET : AF_INET6, nla_data(attr), buf, sizeof(buf));
	snprintf(fmt, sizeof(fmt), "%s %%s ", key);
	print_string(key, fmt, buf);
}

int host_nest(struct nlattr **top, struct nlattr **tb)
{
	if (!top[MNMAP_A_HOST] ||
	    nla_parse_nested(tb, MNMAP_A_HOST_MAX, top[MNMAP_A_HOST], NULL))
		return -EBADMSG;
	return 0;
}

int print_host(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_HOST_MAX + 1];

	(void)ctl;
	(void)arg;
	if (host_nest(top, tb))
		return -EBADMSG;
	print_open_object(NULL);
	print_ifindex("uplink", "uplink", tb[MNMAP_A_HOST_UPLINK]);
	print_ifindex("vxlan", "vxlan", tb[MNMAP_A_HOST_VXLAN]);
	print_addr_attr("vtep", tb[MNMAP_A_HOST_VTEP_IPV4], tb[MNMAP_A_HOST_VTEP_IPV6]);
	print_addr_attr("gateway", tb[MNMAP_A_HOST_GATEWAY_IPV4],
			tb[MNMAP_A_HOST_GATEWAY_IPV6]);
	print_bool("datapath", "datapath on ", tb[MNMAP_A_HOST_DATAPATH]);
	if (tb[MNMAP_A_HOST_VERSION])
		print_string("version", "version %s",
			     nla_get_string(tb[MNMAP_A_HOST_VERSION]));
	print_close_object();
	print_text("\n");
	return 0;
}

static int host_show(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg;

	(void)argv;
	if (argc > 0)
		return error(ctl, "host show: unexpected '%s'", argv[0]);
	msg = ctl_request(ctl, MNMAP_CMD_HOST_GET, 0);
	if (!msg)
		return -ENOMEM;
	return ctl_transact(ctl, msg, print_host, NULL);
}

static int put_ifname(struct ctl *ctl, struct nl_msg *msg, int attr,
		      const char *what, const char *name)
{
	unsigned int idx = 0;

	if (!name)
		return error(ctl, "host set: %s needs an interface name", what);
	if (strcmp(name, "none")) {
		idx = if_nametoindex(name);
		if (!idx)
			return error(ctl, "host set: %s: device '%s' does not exist", what, name);
	}
	return nla_put_u32(msg, attr, idx) ? -EMSGSIZE : 0;
}

static int put_addr(struct ctl *ctl, struct nl_msg *msg, int attr4, int attr6,
		    const char *what, const char *text)
{
	struct addr a = { .family = AF_INET };

	if (!text)
		return error(ctl, "host set: %s needs an address", what);
	if (strcmp(text, "none") && parse_addr(text, &a))
		return error(ctl, "host set: %s: invalid address '%s'", what, text);
	return nla_put(msg, a.family == AF_INET ? attr4 : attr6, addr_len(&a),
		       a.bytes) ? -EMSGSIZE : 0;
}

/* With --etcd only the fleet's gateway is the store's (config); the rest is each host's. */
static int host_set_store(struct ctl *ctl, int argc, char **argv)
{
	struct addr a;

	if (argc != 2 || !matches(argv[0], "gateway"))
		return error(ctl, "host set: with --etcd only gateway ADDR|none (each host's mnmapd sets the rest)");
	if (strcmp(argv[1], "none") && parse_addr(argv[1], &a))
		return error(ctl, "host set: gateway: invalid address '%s'", argv[1]);
	return ctl->dry_run ? 0 : store_gateway(ctl, argv[1]);
}

static int host_set(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg = ctl_request(ctl, MNMAP_CMD_HOST_SET, 0);
	struct nlattr *nest;
	int err = 0;

	if (ctl->store) {
		nlmsg_free(msg);
		return host_set_store(ctl, argc, argv);
	}
	if (!msg)
		return -ENOMEM;
	if (argc == 0) {
		nlmsg_free(msg);
		return error(ctl, "host set: nothing to set");
	}
	nest = nla_nest_start(msg, MNMAP_A_HOST);
	for (int i = 0; i < argc && !err; i += 2) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (matches(argv[i], "uplink"))
			err = put_ifname(ctl, msg, MNMAP_A_HOST_UPLINK, "uplink", val);
		else if (matches(argv[i], "vxlan"))
			err = put_ifname(ctl, msg, MNMAP_A_HOST_VXLAN, "vxlan", val);
		else if (matches(argv[i], "vtep"))
			err = put_addr(ctl, msg, MNMAP_A_HOST_VTEP_IPV4,
				       MNMAP_A_HOST_VTEP_IPV6, "vtep", val);
		else if (matches(argv[i], "gateway"))
			err = put_addr(ctl, msg, MNMAP_A_HOST_GATEWAY_IPV4,
				       MNMAP_A_HOST_GATEWAY_IPV6, "gateway", val);
		else
			err = error(ctl, "host set: unknown keyword '%s'", argv[i]);
	}
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	nla_nest_end(msg, nest);
	return ctl_transact(ctl, msg, NULL, NULL);
}

static const struct cmd host_cmds[] = {
	{ "show", host_show },
	{ "set", host_set },
	{ NULL, NULL },
};

int do_host(struct ctl *ctl, int argc, char **argv)
{
	return run_cmd(ctl, host_cmds, "host", host_usage, argc, argv);
}
