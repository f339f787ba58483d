/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAPCTL_NL_H
#define MNMAPCTL_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct ctl;

/* Called for each reply message; returns 0 or a negative errno. */
typedef int (*reply_fn)(struct ctl *ctl, struct nlattr **tb, void *arg);

int ctl_connect(struct ctl *ctl);
void ctl_close(struct ctl *ctl);
struct nl_msg *ctl_request(struct ctl *ctl, int cmd, int flags);
struct nl_msg *ctl_request_size(struct ctl *ctl, int cmd, int flags, size_t size);
int ctl_transact(struct ctl *ctl, struct nl_msg *msg, reply_fn fn, void *arg);
int ctl_subscribe(struct ctl *ctl, const char *group);

#endif
