// SPDX-License-Identifier: GPL-2.0
/*
 * Plain rtnetlink, for `container setup`: a socket of the namespace the
 * process is in, requests that report the kernel's errno, and dumps.
 */
#include <errno.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "rtnl.h"

struct nl_sock *rt_open(void)
{
	struct nl_sock *sock = nl_socket_alloc();

	if (sock && nl_connect(sock, NETLINK_ROUTE)) {
		nl_socket_free(sock);
		return NULL;
	}
	return sock;
}

/* A request of @type with its fixed header @hdr; NULL when out of memory. */
struct nl_msg *rt_msg(int type, int flags, const void *hdr, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags | NLM_F_REQUEST | NLM_F_ACK);

	if (msg && nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct rt_reply {
	int (*fn)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;
	int done;
};

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct rt_reply *r = arg;

	(void)nla;
	r->err = err->error;
	r->done = 1;
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct rt_reply *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct rt_reply *r = arg;
	int err;

	if (!r->fn)
		return NL_OK;
	err = r->fn(nlmsg_hdr(msg), r->arg);
	if (err && !r->err)
		r->err = err;
	return NL_OK;
}

/* Send @msg (consumed) and read until its ACK or the end of its dump. */
static int rt_transact(struct nl_sock *sock, struct nl_msg *msg, struct rt_reply *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);
	int err;

	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	err = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	while (err >= 0 && !r->done)
		err = nl_recvmsgs(sock, cb);
	nl_cb_put(cb);
	if (err < 0 && !r->done)
		return -EIO;
	return r->err;
}

/* One change: 0, or the kernel's negative errno. */
int rt_do(struct nl_sock *sock, struct nl_msg *msg)
{
	struct rt_reply r = { 0 };

	return rt_transact(sock, msg, &r);
}

/* Dump objects of @type, filtered by the header @hdr; @fn sees each one. */
int rt_dump(struct nl_sock *sock, int type, const void *hdr, size_t len,
	    int (*fn)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct rt_reply r = { .fn = fn, .arg = arg };
	struct nl_msg *msg = rt_msg(type, NLM_F_DUMP, hdr, len);

	if (!msg)
		return -ENOMEM;
	return rt_transact(sock, msg, &r);
}
