// SPDX-License-Identifier: GPL-2.0
/* mnmapctl monitor: print every change announced on the events group. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "print.h"

struct event {
	int cmd;
	const char *label;
	reply_fn print;
};

static int print_flush(struct ctl *ctl, struct nlattr **tb, void *arg)
{
	(void)ctl;
	(void)arg;
	print_open_object(NULL);
	if (tb[MNMAP_A_COUNT])
		print_uint("count", "%" PRIu64 " maps", nla_get_u32(tb[MNMAP_A_COUNT]));
	print_close_object();
	print_text("\n");
	return 0;
}

static const struct event events[] = {
	{ MNMAP_CMD_HOST_NTF, "host", print_host },
	{ MNMAP_CMD_ENDPOINT_NTF, "endpoint", print_endpoint },
	{ MNMAP_CMD_ENDPOINT_DEL_NTF, "endpoint deleted", print_endpoint },
	{ MNMAP_CMD_MAP_NTF, "map", print_map },
	{ MNMAP_CMD_MAP_DEL_NTF, "map deleted", print_map },
	{ MNMAP_CMD_MAP_FLUSH_NTF, "map flush", print_flush },
	{ MNMAP_CMD_TXN_NTF, "table replaced", print_flush },
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = genlmsg_hdr(nlmsg_hdr(msg));
	struct nlattr *tb[MNMAP_A_MAX + 1];
	struct ctl *ctl = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MNMAP_A_MAX, NULL))
		return NL_SKIP;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (events[i].cmd != gh->cmd)
			continue;
		print_start(ctl->json, false);
		if (ctl->json) {
			print_open_object(NULL);
			print_string("event", NULL, events[i].label);
			print_open_array("object");
		} else {
			printf("%s ", events[i].label);
		}
		events[i].print(ctl, tb, NULL);
		if (ctl->json) {
			print_close_array();
			print_close_object();
		}
		print_end();
	}
	return NL_OK;
}

int do_monitor(struct ctl *ctl, int argc, char **argv)
{
	int err;

	if (argc > 0)
		return error(ctl, "monitor: unexpected '%s'", argv[0]);
	if (ctl->batch_name)
		return error(ctl, "monitor cannot run in a batch: it never ends");
	err = ctl_subscribe(ctl, MNMAP_MCGRP_EVENTS);
	if (err)
		return err;
	nl_socket_disable_seq_check(ctl->sock);
	nl_socket_modify_cb(ctl->sock, NL_CB_VALID, NL_CB_CUSTOM, on_event, ctl);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		err = nl_recvmsgs_default(ctl->sock);
		if (err < 0 && err != -NLE_INTR)
			return error(ctl, "monitor: %s", nl_geterror(err));
	}
}
