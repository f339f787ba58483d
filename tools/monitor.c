// SPDX-License-Identifier: GPL-2.0
/* mnmapctl monitor: print every change announced on the events group. */
#include <errno.h>
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

static const struct event events[] = {
	{ MNMAP_CMD_HOST_NTF, "host", print_host },
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
		if (!ctl->json)
			printf("%s ", events[i].label);
		events[i].print(ctl, tb, NULL);
		print_end();
	}
	return NL_OK;
}

int do_monitor(struct ctl *ctl, int argc, char **argv)
{
	int err;

	if (argc > 0)
		return error(ctl, "monitor: unexpected '%s'", argv[0]);
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
