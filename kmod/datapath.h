/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_DATAPATH_H
#define _MNMAP_DATAPATH_H

struct mnmap_net;

/* The link-local gateway that containers route through; mnmap answers ARP for it. */
#define MNMAP_CONTAINER_GATEWAY htonl(0xa9fe0101)	/* 169.254.1.1 */

int mnmap_datapath_start(struct mnmap_net *mn);
void mnmap_datapath_stop(struct mnmap_net *mn);

#endif /* _MNMAP_DATAPATH_H */
