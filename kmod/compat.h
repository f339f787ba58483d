/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel API differences between the kernels we support (Debian's
 * 6.1 and 6.12), kept in one place. Kbuild detects the features from the
 * kernel's headers rather than trusting version numbers.
 */
#ifndef _MNMAP_COMPAT_H
#define _MNMAP_COMPAT_H

#include <net/genetlink.h>
#include <net/ip_tunnels.h>

/* What a family's pre_doit is given (struct mnmap_genl_ops): 6.2 split the ops. */
#ifdef MNMAP_HAVE_GENL_SPLIT_OPS
#define mnmap_genl_ops genl_split_ops
#else
#define mnmap_genl_ops genl_ops
#endif

/* The request attributes of a dump, as parsed by the op's policy. */
static inline struct nlattr **mnmap_dump_attrs(struct netlink_callback *cb)
{
#ifdef MNMAP_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Mark a tunnel key as carrying an id (the VNI), and, with @csum, as
 * wanting the outer UDP checksum. 6.10 made the flags a bitmap.
 */
static inline void mnmap_tunnel_key_flags_set(struct ip_tunnel_key *key, bool csum)
{
#ifdef MNMAP_HAVE_TUNNEL_FLAG_BITS
	__set_bit(IP_TUNNEL_KEY_BIT, key->tun_flags);
	if (csum)
		__set_bit(IP_TUNNEL_CSUM_BIT, key->tun_flags);
#else
	key->tun_flags = TUNNEL_KEY | (csum ? TUNNEL_CSUM : 0);
#endif
}

#endif /* _MNMAP_COMPAT_H */
