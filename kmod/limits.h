/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MNMAP_LIMITS_H
#define _MNMAP_LIMITS_H

/*
 * What one network namespace may hold (module parameters, which only the
 * initial namespace's root can write): a root of a user namespace must not
 * make mnmap allocate without bound. What it does allocate is charged to
 * its memory cgroup (GFP_KERNEL_ACCOUNT).
 */
extern unsigned int mnmap_max_maps;
extern unsigned int mnmap_max_endpoints;
extern unsigned int mnmap_max_index_nodes;
extern unsigned int mnmap_max_staged;

/* -ENOSPC from an overlay's record: its transaction holds the most allowed. */
#define MNMAP_STAGED_FULL_MSG \
	"transaction holds the most staged changes allowed (mnmap max_staged): commit it first"

#endif /* _MNMAP_LIMITS_H */
