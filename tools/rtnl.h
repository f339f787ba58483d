/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAPCTL_RTNL_H
#define MNMAPCTL_RTNL_H

#include <netlink/msg.h>

struct nl_sock;

/* What `container setup` configures carries this origin (rtm_protocol,
 * FRA_PROTOCOL, IFA_PROTO), so that teardown removes exactly that. */
#define MNMAP_RTPROT 233

struct nl_sock *rt_open(void);
struct nl_msg *rt_msg(int type, int flags, const void *hdr, size_t len);
int rt_do(struct nl_sock *sock, struct nl_msg *msg);
int rt_dump(struct nl_sock *sock, int type, const void *hdr, size_t len,
	    int (*fn)(struct nlmsghdr *nlh, void *arg), void *arg);

#endif
