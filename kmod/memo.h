/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_MEMO_H
#define _MNMAP_MEMO_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <linux/types.h>

enum mnmap_memo_kind {
	MNMAP_MEMO_FRAGMENT = 1,	/* where a datagram's first fragment went */
	MNMAP_MEMO_ECHO,		/* which container sent an echo request */
};

/*
 * What is remembered: fully initialised (padding included), compared as
 * bytes. A datagram: its addresses, protocol and identification. An echo:
 * the addresses its reply will carry, and its identifier.
 */
struct mnmap_memo_key {
	union {
		__be32 v4;
		struct in6_addr v6;
	} saddr, daddr;
	u32 id;
	/* The tenant of the address that the packets go to. */
	u32 tenant;
	u8 family;
	u8 proto;
	u8 kind;
	u8 pad;
	/*
	 * The tenant of the address they come from: a tenant's private
	 * address and the same address outside (or in another tenant) are
	 * different senders. Last, and not hashed: a recall may match any
	 * (MNMAP_MEMO_ANY_TENANT).
	 */
	u32 from_tenant;
};

#define MNMAP_MEMO_ANY_TENANT U32_MAX

/* A key of @kind with no addresses yet: the caller sets them. */
static inline void mnmap_memo_key_init(struct mnmap_memo_key *key,
				       enum mnmap_memo_kind kind, u8 family,
				       u8 proto, u32 id)
{
	memset(key, 0, sizeof(*key));
	key->kind = kind;
	key->family = family;
	key->proto = proto;
	key->id = id;
}

struct mnmap_location;
struct mnmap_memo;

struct mnmap_memo *mnmap_memo_new(void);
void mnmap_memo_free(struct mnmap_memo *m);
void mnmap_memo_remember(struct mnmap_memo *m, const struct mnmap_memo_key *key,
			 const struct mnmap_location *loc, u32 vni);
void mnmap_memo_forget_dev(struct mnmap_memo *m, int ifindex);
bool mnmap_memo_recall(struct mnmap_memo *m, const struct mnmap_memo_key *key,
		       struct mnmap_location *loc, u32 *vni);

#endif /* _MNMAP_MEMO_H */
