// SPDX-License-Identifier: GPL-2.0
/* mnmapctl stats: what the data path delivered and dropped. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static void stats_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl stats show [endpoint NAME | map ADDR PROTO PORT]\n"
		"Packets and bytes delivered, and drops by reason, for the namespace,\n"
		"each endpoint and each map (or the one named); the flow table's size\n"
		"and counters.\n");
}

/* Print a stats nest as "stats": {...}, or as text after the object's name. */
void print_stats(struct nlattr *nest)
{
	static const struct {
		int attr;
		const char *key, *fmt;
	} fields[] = {
		{ MNMAP_A_STATS_PACKETS, "packets", " packets %" PRIu64 },
		{ MNMAP_A_STATS_BYTES, "bytes", " bytes %" PRIu64 },
		{ MNMAP_A_STATS_DROP_UNMAPPED, "drop_unmapped", " drops: unmapped %" PRIu64 },
		{ MNMAP_A_STATS_DROP_SPOOFED, "drop_spoofed", " spoofed %" PRIu64 },
		{ MNMAP_A_STATS_DROP_NO_DEVICE, "drop_no_device", " no-device %" PRIu64 },
		{ MNMAP_A_STATS_DROP_REMOTE, "drop_remote", " remote %" PRIu64 },
		{ MNMAP_A_STATS_DROP_PRIVATE, "drop_private", " private %" PRIu64 },
		{ MNMAP_A_STATS_DROP_TENANT, "drop_tenant", " tenant %" PRIu64 },
	};
	struct nlattr *tb[MNMAP_A_STATS_MAX + 1];

	if (!nest || nla_parse_nested(tb, MNMAP_A_STATS_MAX, nest, NULL))
		return;
	print_open_object("stats");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (tb[fields[i].attr])
			print_uint(fields[i].key, fields[i].fmt, nla_get_u64(tb[fields[i].attr]));
	print_close_object();
}

/* The flow table's size and counters: "flows": {...}, or a line of text. */
static void print_flow_stats(struct nlattr *nest)
{
	static const struct {
		int attr;
		const char *key, *fmt;
		bool is_u64;
	} fields[] = {
		{ MNMAP_A_FLOW_STATS_COUNT, "count", "flows %" PRIu64, false },
		{ MNMAP_A_FLOW_STATS_LIMIT, "limit", " limit %" PRIu64, false },
		{ MNMAP_A_FLOW_STATS_HITS, "hits", " hits %" PRIu64, true },
		{ MNMAP_A_FLOW_STATS_INSERTS, "inserts", " inserts %" PRIu64, true },
		{ MNMAP_A_FLOW_STATS_EVICTIONS, "evictions", " evictions %" PRIu64, true },
		{ MNMAP_A_FLOW_STATS_BYPASSES, "bypasses", " bypasses %" PRIu64, true },
		{ MNMAP_A_FLOW_STATS_EXPIRED, "expired", " expired %" PRIu64, true },
	};
	struct nlattr *tb[MNMAP_A_FLOW_STATS_MAX + 1];

	if (!nest || nla_parse_nested(tb, MNMAP_A_FLOW_STATS_MAX, nest, NULL))
		return;
	print_open_object("flows");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (tb[fields[i].attr])
			print_uint(fields[i].key, fields[i].fmt,
				   fields[i].is_u64 ? nla_get_u64(tb[fields[i].attr]) :
						      nla_get_u32(tb[fields[i].attr]));
	print_close_object();
	print_text("\n");
}

static int print_namespace_stats(struct ctl *ctl, struct nlattr **top, void *arg)
{
	struct nlattr *tb[MNMAP_A_HOST_MAX + 1];

	(void)ctl;
	(void)arg;
	if (host_nest(top, tb))
		return -EBADMSG;
	print_open_object("namespace");
	print_text("namespace");
	print_stats(tb[MNMAP_A_HOST_STATS]);
	print_close_object();
	print_text("\n");
	print_flow_stats(tb[MNMAP_A_HOST_FLOWS]);
	return 0;
}

/* The namespace's counters, each endpoint's and each map's. */
static int show_all(struct ctl *ctl)
{
	struct nl_msg *msg = ctl_request(ctl, MNMAP_CMD_HOST_GET, 0);

	if (!msg)
		return -ENOMEM;
	return ctl_transact(ctl, msg, print_namespace_stats, NULL) ?:
	       endpoint_stats_show(ctl, NULL) ?:
	       map_stats_show(ctl, 0, NULL);
}

static int stats_show(struct ctl *ctl, int argc, char **argv)
{
	int err;

	if (argc > 0 && matches(argv[0], "endpoint") && argc != 2)
		return error(ctl, "stats show: endpoint takes one NAME");
	if (argc > 0 && matches(argv[0], "map") && (argc < 3 || argc > 4))
		return error(ctl, "stats show: map takes ADDR PROTO [PORT]");
	if (argc > 0 && !matches(argv[0], "endpoint") && !matches(argv[0], "map"))
		return error(ctl, "stats show: unknown keyword '%s'", argv[0]);
	print_open_object(NULL);
	if (argc == 0)
		err = show_all(ctl);
	else if (matches(argv[0], "endpoint"))
		err = endpoint_stats_show(ctl, argv[1]);
	else
		err = map_stats_show(ctl, argc - 1, argv + 1);
	print_close_object();
	return err;
}

static const struct cmd stats_cmds[] = {
	{ "show", stats_show },
	{ NULL, NULL },
};

int do_stats(struct ctl *ctl, int argc, char **argv)
{
	return run_cmd(ctl, stats_cmds, "stats", stats_usage, argc, argv);
}
