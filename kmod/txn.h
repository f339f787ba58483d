/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_TXN_H
#define _MNMAP_TXN_H

#include <linux/netlink.h>

struct mnmap_net;
struct mnmap_table;
struct sock;

struct mnmap_table *mnmap_live_table(struct mnmap_net *mn);
struct mnmap_table *mnmap_table_get_live(struct mnmap_net *mn);
struct mnmap_table *mnmap_table_for_write(struct mnmap_net *mn, const struct sock *owner,
					  struct netlink_ext_ack *extack);
int mnmap_txn_begin(struct mnmap_net *mn, struct sock *owner, u32 portid, bool replace,
		    struct netlink_ext_ack *extack);
int mnmap_txn_commit(struct mnmap_net *mn, const struct sock *owner, u32 *n_maps,
		     struct netlink_ext_ack *extack);
int mnmap_txn_abort(struct mnmap_net *mn, const struct sock *owner,
		    struct netlink_ext_ack *extack);
void mnmap_write_unlock(struct mnmap_net *mn);
void mnmap_txn_release(struct mnmap_net *mn, u32 portid);
void mnmap_tables_release(struct mnmap_net *mn);
void mnmap_tables_forget_dev(struct mnmap_net *mn, int ifindex);

#endif /* _MNMAP_TXN_H */
