// SPDX-License-Identifier: GPL-2.0
/* mnmapctl endpoint: containers as the network sees them. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static void endpoint_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl endpoint add NAME mac MAC { dev IFNAME | vtep ADDR } [tenant T]\n"
		"                             [state up|down]\n"
		"       mnmapctl endpoint set NAME [mac MAC] [dev IFNAME | vtep ADDR] [tenant T]\n"
		"                             [state up|down]\n"
		"       mnmapctl endpoint del NAME\n"
		"       mnmapctl endpoint show [NAME]\n"
		"With --etcd: endpoint { add | set } NAME mac MAC host HOST dev IFNAME\n"
		"                      [tenant T] [state up|down]\n"
		"NAME: 1-64 characters of A-Za-z0-9_.:-; T: the tenant's VNI, 0 (public) to %u\n"
		"state down: no new flows in any map (established ones stay); up: back.\n",
		MNMAP_VNI_MAX);
}

int print_endpoint(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];
	char buf[INET6_ADDRSTRLEN], name[IF_NAMESIZE];
	struct nlattr *v4, *v6;

	(void)ctl;
	(void)arg;
	if (!top[MNMAP_A_ENDPOINT] ||
	    nla_parse_nested(tb, MNMAP_A_ENDPOINT_MAX, top[MNMAP_A_ENDPOINT], NULL) ||
	    !tb[MNMAP_A_ENDPOINT_NAME] || !tb[MNMAP_A_ENDPOINT_MAC])
		return -EBADMSG;
	print_open_object(NULL);
	print_string("name", "%s", nla_get_string(tb[MNMAP_A_ENDPOINT_NAME]));
	print_string("mac", " mac %s", mac_str(nla_data(tb[MNMAP_A_ENDPOINT_MAC]), buf));
	if (tb[MNMAP_A_ENDPOINT_IFINDEX]) {
		uint32_t idx = nla_get_u32(tb[MNMAP_A_ENDPOINT_IFINDEX]);

		if (!if_indextoname(idx, name))
			snprintf(name, sizeof(name), "if%u", idx);
		print_string("dev", " dev %s", name);
	}
	v4 = tb[MNMAP_A_ENDPOINT_VTEP_IPV4];
	v6 = tb[MNMAP_A_ENDPOINT_VTEP_IPV6];
	/* Neither: its device went away; packets to it count as no-device. */
	if (!tb[MNMAP_A_ENDPOINT_IFINDEX] && !v4 && !v6)
		print_string("dev", " dev %s", "none");
	if (v4 || v6) {
		addr_str(v4 ? AF_INET : AF_INET6, nla_data(v4 ?: v6), buf, sizeof(buf));
		print_string("vtep", " vtep %s", buf);
	}
	if (tb[MNMAP_A_ENDPOINT_TENANT]) {
		uint32_t tenant = nla_get_u32(tb[MNMAP_A_ENDPOINT_TENANT]);

		print_uint("tenant", tenant ? " tenant %" PRIu64 : NULL, tenant);
	}
	/* Up is the default: the text says only down, as save must restore it. */
	if (tb[MNMAP_A_ENDPOINT_STATE]) {
		bool down = nla_get_u32(tb[MNMAP_A_ENDPOINT_STATE]) == MNMAP_ENDPOINT_STATE_DOWN;

		print_string("state", down ? " state %s" : NULL, down ? "down" : "up");
	}
	if (tb[MNMAP_A_ENDPOINT_USERS])
		print_uint("users", NULL, nla_get_u32(tb[MNMAP_A_ENDPOINT_USERS]));
	if (print_is_json())
		print_stats(tb[MNMAP_A_ENDPOINT_STATS]);
	print_close_object();
	print_text("\n");
	return 0;
}

/* The words after NAME: mac, dev, vtep, tenant (or vni, its older name). */
struct endpoint_args {
	const char *name;
	uint8_t mac[6];
	bool has_mac;
	unsigned int ifindex;
	bool has_dev;		/* "dev none" says no device: ifindex 0 */
	struct addr vtep;
	uint64_t tenant;
	bool has_tenant;
	uint64_t vni;		/* the tenant's older name, as given (for the store) */
	bool has_vni;
	/* --etcd: the device is named on its host, not looked up here. */
	const char *dev_name, *host, *state;
};

static int parse_endpoint_args(struct ctl *ctl, const char *what, int argc, char **argv,
			       struct endpoint_args *a)
{
	for (int i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return error(ctl, "%s: '%s' needs a value", what, key);
		if (matches(key, "mac")) {
			if (parse_mac(val, a->mac))
				return error(ctl, "%s: invalid MAC '%s'", what, val);
			a->has_mac = true;
		} else if (matches(key, "dev") && ctl->store) {
			if (strlen(val) >= IF_NAMESIZE || strchr(val, '#'))
				return error(ctl, "%s: invalid device name '%s'", what, val);
			a->dev_name = val;
		} else if (matches(key, "host") && ctl->store) {
			if (parse_name(val))
				return error(ctl, "%s: invalid host name '%s'", what, val);
			a->host = val;
		} else if (matches(key, "state")) {
			if (strcmp(val, "up") && strcmp(val, "down"))
				return error(ctl, "%s: state is up or down", what);
			a->state = val;
		} else if (matches(key, "dev")) {
			a->has_dev = true;
			a->ifindex = strcmp(val, "none") ? if_nametoindex(val) : 0;
			if (!a->ifindex && strcmp(val, "none"))
				return error(ctl, "%s: device '%s' does not exist", what, val);
		} else if (matches(key, "vtep")) {
			if (parse_addr(val, &a->vtep))
				return error(ctl, "%s: invalid vtep address '%s'", what, val);
		} else if (matches(key, "tenant") || matches(key, "vni")) {
			uint64_t tenant;

			if (parse_uint(val, MNMAP_VNI_MAX, &tenant))
				return error(ctl, "%s: %s must be 0 to %u", what, key, MNMAP_VNI_MAX);
			if (a->has_tenant && tenant != a->tenant)
				return error(ctl, "%s: an endpoint's vni is its tenant: give one", what);
			a->tenant = tenant;
			a->has_tenant = true;
			if (matches(key, "vni")) {
				a->vni = tenant;
				a->has_vni = true;
			}
		} else {
			return error(ctl, "%s: unknown keyword '%s'", what, key);
		}
	}
	if (ctl->store && a->vtep.family)
		return error(ctl, "%s: with --etcd an endpoint is on a host: host NAME dev IFNAME",
			     what);
	if (a->has_dev && a->vtep.family)
		return error(ctl, "%s: give dev or vtep, not both", what);
	if (a->has_vni && !a->vtep.family && !ctl->store)
		return error(ctl, "%s: vni goes with vtep (or give a tenant)", what);
	return 0;
}

static int fill_endpoint(struct ctl *ctl, struct nl_msg *msg, void *arg)
{
	struct endpoint_args *a = arg;

	(void)ctl;
	if (nla_put_string(msg, MNMAP_A_ENDPOINT_NAME, a->name) ||
	    (a->has_mac && nla_put(msg, MNMAP_A_ENDPOINT_MAC, 6, a->mac)) ||
	    (a->has_dev && nla_put_u32(msg, MNMAP_A_ENDPOINT_IFINDEX, a->ifindex)) ||
	    (a->vtep.family &&
	     nla_put(msg, a->vtep.family == AF_INET ? MNMAP_A_ENDPOINT_VTEP_IPV4 :
		     MNMAP_A_ENDPOINT_VTEP_IPV6, addr_len(&a->vtep), a->vtep.bytes)) ||
	    (a->has_tenant && nla_put_u32(msg, MNMAP_A_ENDPOINT_TENANT, a->tenant)) ||
	    (a->state && nla_put_u32(msg, MNMAP_A_ENDPOINT_STATE,
				     strcmp(a->state, "down") ? MNMAP_ENDPOINT_STATE_UP :
							       MNMAP_ENDPOINT_STATE_DOWN)))
		return -EMSGSIZE;
	return 0;
}

static int endpoint_name(struct ctl *ctl, const char *what, int argc, char **argv,
			 struct endpoint_args *a)
{
	if (argc < 1)
		return error(ctl, "%s: missing NAME", what);
	if (parse_name(argv[0]))
		return error(ctl, "%s: invalid name '%s' (1-64 of A-Za-z0-9_.:-)", what, argv[0]);
	a->name = argv[0];
	return 0;
}

/* The store's endpoint: what the words gave, the rest as it is. */
static int endpoint_to_store(struct ctl *ctl, const struct endpoint_args *a, bool set)
{
	char mac[18];
	struct store_endpoint ep = {
		.name = a->name, .mac = a->has_mac ? mac_str(a->mac, mac) : NULL,
		.dev = a->dev_name, .host = a->host, .state = a->state,
		.tenant = a->tenant, .has_tenant = a->has_tenant,
		.vni = a->vni, .has_vni = a->has_vni,
	};

	return ctl->dry_run ? 0 : store_endpoint(ctl, &ep, set);
}

static int endpoint_add(struct ctl *ctl, int argc, char **argv)
{
	struct endpoint_args a = { 0 };
	int err;

	err = endpoint_name(ctl, "endpoint add", argc, argv, &a) ?:
	      parse_endpoint_args(ctl, "endpoint add", argc - 1, argv + 1, &a);
	if (err)
		return err;
	if (!a.has_mac)
		return error(ctl, "endpoint add: missing mac");
	if (ctl->store)
		return endpoint_to_store(ctl, &a, false);
	if (!a.has_dev && !a.vtep.family)
		return error(ctl, "endpoint add: missing dev or vtep");
	return add_object(ctl, MNMAP_CMD_ENDPOINT_NEW, MNMAP_A_ENDPOINT, fill_endpoint,
			  &a, NULL);
}

/* One request about one endpoint, its reply printed with @print. */
static int endpoint_request(struct ctl *ctl, int cmd, struct endpoint_args *a, bool force,
			    int (*print)(struct ctl *, struct nlattr **, void *), void *arg)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	err = batch_flush_pending(ctl);
	if (err)
		return err;
	msg = ctl_request(ctl, cmd, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, MNMAP_A_ENDPOINT);
	if (!nest || fill_endpoint(ctl, msg, a)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	if (force && nla_put_flag(msg, MNMAP_A_FORCE)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return ctl_transact(ctl, msg, print, arg);
}

/* Ask for endpoint @name; @fn sees the reply. */
int endpoint_get(struct ctl *ctl, const char *name,
		 int (*fn)(struct ctl *, struct nlattr **, void *), void *arg)
{
	struct endpoint_args a = { .name = name };

	return endpoint_request(ctl, MNMAP_CMD_ENDPOINT_GET, &a, false, fn, arg);
}

static int endpoint_set(struct ctl *ctl, int argc, char **argv)
{
	struct endpoint_args a = { 0 };
	int err;

	err = endpoint_name(ctl, "endpoint set", argc, argv, &a) ?:
	      parse_endpoint_args(ctl, "endpoint set", argc - 1, argv + 1, &a);
	if (err)
		return err;
	if (argc == 1)
		return error(ctl, "endpoint set: nothing to set");
	if (ctl->store)
		return endpoint_to_store(ctl, &a, true);
	return endpoint_request(ctl, MNMAP_CMD_ENDPOINT_SET, &a, false, NULL, NULL);
}

static int endpoint_del(struct ctl *ctl, int argc, char **argv)
{
	struct endpoint_args a = { 0 };
	int err;

	err = endpoint_name(ctl, "endpoint del", argc, argv, &a);
	if (err)
		return err;
	if (argc > 1)
		return error(ctl, "endpoint del: unexpected '%s'", argv[1]);
	if (ctl->store)
		return ctl->dry_run ? 0 : store_endpoint_del(ctl, a.name);
	return endpoint_request(ctl, MNMAP_CMD_ENDPOINT_DEL, &a, ctl->force, NULL, NULL);
}

static const char *endpoint_key(const struct nlattr *nest)
{
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];

	if (nla_parse_nested(tb, MNMAP_A_ENDPOINT_MAX, (struct nlattr *)nest, NULL) ||
	    !tb[MNMAP_A_ENDPOINT_NAME])
		return "";
	return nla_get_string(tb[MNMAP_A_ENDPOINT_NAME]);
}

static int endpoint_cmp(const struct nlattr *a, const struct nlattr *b)
{
	return strcmp(endpoint_key(a), endpoint_key(b));
}

const struct dump_order endpoint_order = { MNMAP_A_ENDPOINT, endpoint_cmp };

struct nl_msg *endpoint_dump_request(struct ctl *ctl, void *arg)
{
	(void)arg;
	return ctl_request(ctl, MNMAP_CMD_ENDPOINT_GET, NLM_F_DUMP);
}

static int endpoint_show(struct ctl *ctl, int argc, char **argv)
{
	struct endpoint_args a = { 0 };
	int err;

	if (argc > 1)
		return error(ctl, "endpoint show: unexpected '%s'", argv[1]);
	if (argc == 1) {
		err = endpoint_name(ctl, "endpoint show", argc, argv, &a);
		if (err)
			return err;
		print_open_array(NULL);
		err = endpoint_request(ctl, MNMAP_CMD_ENDPOINT_GET, &a, false, print_endpoint, NULL);
		print_close_array();
		return err;
	}
	return ctl_dump(ctl, endpoint_dump_request, NULL, print_endpoint, &endpoint_order);
}

static int print_endpoint_stats(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_ENDPOINT_MAX + 1];

	(void)ctl;
	(void)arg;
	if (!top[MNMAP_A_ENDPOINT] ||
	    nla_parse_nested(tb, MNMAP_A_ENDPOINT_MAX, top[MNMAP_A_ENDPOINT], NULL) ||
	    !tb[MNMAP_A_ENDPOINT_NAME])
		return -EBADMSG;
	print_open_object(NULL);
	print_string("name", "endpoint %s", nla_get_string(tb[MNMAP_A_ENDPOINT_NAME]));
	print_stats(tb[MNMAP_A_ENDPOINT_STATS]);
	print_close_object();
	print_text("\n");
	return 0;
}

/* The counters of endpoint @name, or of every endpoint when NULL. */
int endpoint_stats_show(struct ctl *ctl, const char *name)
{
	struct endpoint_args a = { .name = name };
	int err;

	if (name && parse_name(name))
		return error(ctl, "stats show: invalid endpoint name '%s'", name);
	if (!name) {
		print_open_array("endpoints");
		err = ctl_dump_nested(ctl, endpoint_dump_request, NULL, print_endpoint_stats,
				      &endpoint_order);
		print_close_array();
		return err;
	}
	print_open_array("endpoints");
	err = endpoint_request(ctl, MNMAP_CMD_ENDPOINT_GET, &a, false, print_endpoint_stats, NULL);
	print_close_array();
	return err;
}

static const struct cmd endpoint_cmds[] = {
	{ "add", endpoint_add },
	{ "set", endpoint_set },
	{ "del", endpoint_del },
	{ "show", endpoint_show },
	{ "list", endpoint_show },
	{ NULL, NULL },
};

int do_endpoint(struct ctl *ctl, int argc, char **argv)
{
	return run_cmd(ctl, endpoint_cmds, "endpoint", endpoint_usage, argc, argv);
}
