/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_FRAG_H
#define _MNMAP_FRAG_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/types.h>

/* A datagram's fragments: fully initialised (padding included), compared as bytes. */
struct mnmap_frag_key {
	union {
		__be32 v4;
		struct in6_addr v6;
	} saddr, daddr;
	u32 id;
	u8 family;
	u8 proto;
	u8 pad[2];
};

struct mnmap_frags;

struct mnmap_frags *mnmap_frags_new(void);
void mnmap_frags_free(struct mnmap_frags *f);
void mnmap_frag_remember(struct mnmap_frags *f, const struct mnmap_frag_key *key,
			 int ifindex, const u8 *mac);
bool mnmap_frag_recall(struct mnmap_frags *f, const struct mnmap_frag_key *key,
		       int *ifindex, u8 *mac);

#endif /* _MNMAP_FRAG_H */
