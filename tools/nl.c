// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing: one socket, extended ACKs always on, one
 * request at a time with its replies handed to a callback.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int ctl_connect(struct ctl *ctl)
{
	int one = 1, fd;

	ctl->sock = nl_socket_alloc();
	if (!ctl->sock)
		return error(ctl, "cannot allocate a netlink socket");
	if (genl_connect(ctl->sock))
		return error(ctl, "cannot open a generic netlink socket");
	fd = nl_socket_get_fd(ctl->sock);
	/* Errors carry the kernel's reason; ACKs do not echo our request. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(ctl->sock, 1 << 20, 1 << 20);
	/* Resolving the family autoloads the module by its alias. */
	ctl->family = genl_ctrl_resolve(ctl->sock, MNMAP_FAMILY_NAME);
	if (ctl->family < 0)
		return error(ctl, "the mnmap module is not loaded and could not be loaded");
	return 0;
}

void ctl_close(struct ctl *ctl)
{
	nl_socket_free(ctl->sock);
	ctl->sock = NULL;
}

struct nl_msg *ctl_request(struct ctl *ctl, int cmd, int flags)
{
	return ctl_request_size(ctl, cmd, flags, 0);
}

/* A request with room for @size bytes (0: one page). */
struct nl_msg *ctl_request_size(struct ctl *ctl, int cmd, int flags, size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0,
			 flags | NLM_F_REQUEST | NLM_F_ACK, cmd, MNMAP_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct transaction {
	struct ctl *ctl;
	reply_fn fn;
	void *arg;
	int err;
	bool done;
};

/* Copy the extack message that follows an error into ctl->errmsg. */
static void take_extack(struct ctl *ctl, struct nlmsghdr *nlh, struct nlmsgerr *err)
{
	struct nlattr *attrs, *attr;
	int len, rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	attrs = (struct nlattr *)((char *)err + sizeof(*err));
	len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		attrs = (struct nlattr *)((char *)attrs + NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN));
		len -= NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	nla_for_each_attr(attr, attrs, len, rem) {
		if (nla_type(attr) == NLMSGERR_ATTR_MSG)
			snprintf(ctl->errmsg, sizeof(ctl->errmsg), "%s",
				 (char *)nla_data(attr));
		if (nla_type(attr) == NLMSGERR_ATTR_OFFS)
			ctl->err_offset = nla_get_u32(attr);
	}
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;
	struct transaction *t = arg;

	(void)nla;
	t->err = err->error;
	t->done = true;
	if (err->error)
		take_extack(t->ctl, nlh, err);
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MNMAP_A_MAX + 1];
	struct transaction *t = arg;
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MNMAP_A_MAX, NULL);
	if (err < 0) {
		t->err = err;
		return NL_SKIP;
	}
	if (t->fn) {
		err = t->fn(t->ctl, tb, t->arg);
		if (err && !t->err)
			t->err = err;
	}
	return NL_OK;
}

static int on_intr(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	(void)msg;
	t->err = -EINTR;
	return NL_OK;
}

/*
 * Send @msg (consumed) and process replies until the ACK or the end of the
 * dump. Returns 0 or a negative errno; the kernel's reason is in errmsg.
 */
int ctl_transact(struct ctl *ctl, struct nl_msg *msg, reply_fn fn, void *arg)
{
	struct transaction t = { .ctl = ctl, .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);
	int err;

	ctl->errmsg[0] = '\0';
	ctl->err_offset = 0;
	if (ctl->dry_run) {
		nlmsg_free(msg);
		nl_cb_put(cb);
		return 0;
	}
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_intr, &t);

	err = nl_send_auto(ctl->sock, msg);
	nlmsg_free(msg);
	while (err >= 0 && !t.done) {
		err = nl_recvmsgs(ctl->sock, cb);
		/* An error message stops the loop too: t.err holds the reason. */
		if (t.done || err == -NLE_INTR || err == -NLE_DUMP_INTR)
			err = 0;
	}
	nl_cb_put(cb);
	if (err < 0) {
		snprintf(ctl->errmsg, sizeof(ctl->errmsg), "netlink: %s",
			 nl_geterror(err));
		return -EIO;
	}
	return t.err;
}

int ctl_subscribe(struct ctl *ctl, const char *group)
{
	int id = genl_ctrl_resolve_grp(ctl->sock, MNMAP_FAMILY_NAME, group);

	if (id < 0)
		return error(ctl, "no multicast group '%s'", group);
	return nl_socket_add_membership(ctl->sock, id) ? -EIO : 0;
}
