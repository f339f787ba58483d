/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel API differences between the kernels we support (Debian's
 * 6.1 and 6.12), kept in one place. Kbuild detects the features from the
 * kernel's headers rather than trusting version numbers.
 */
#ifndef _MNMAP_COMPAT_H
#define _MNMAP_COMPAT_H

#include <net/genetlink.h>

/* The request attributes of a dump, as parsed by the op's policy. */
static inline struct nlattr **mnmap_dump_attrs(struct netlink_callback *cb)
{
#ifdef MNMAP_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _MNMAP_COMPAT_H */
