/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_NETLINK_H
#define _MNMAP_NETLINK_H

#include <linux/types.h>

int mnmap_genl_init(void);
void mnmap_genl_uninit(void);

#ifdef DEBUG
bool mnmap_netlink_selftest(void);
#endif

#endif /* _MNMAP_NETLINK_H */
