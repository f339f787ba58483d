// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace limits. Module parameters rather than a host attribute:
 * /sys/module/mnmap/parameters belongs to the initial namespace's root, so
 * a root of a user namespace, who may configure mnmap in its own network
 * namespace, cannot raise them. Read at each change; lowering one keeps
 * what a namespace holds and refuses more.
 */

#include "limits.h"

#include <linux/moduleparam.h>

unsigned int mnmap_max_maps = 4 * 1024 * 1024;
module_param_named(max_maps, mnmap_max_maps, uint, 0644);
MODULE_PARM_DESC(max_maps, "Most maps one network namespace may hold (4194304)");

unsigned int mnmap_max_endpoints = 1024 * 1024;
module_param_named(max_endpoints, mnmap_max_endpoints, uint, 0644);
MODULE_PARM_DESC(max_endpoints, "Most endpoints one network namespace may hold (1048576)");

unsigned int mnmap_max_index_nodes = 4 * 1024 * 1024;
module_param_named(max_index_nodes, mnmap_max_index_nodes, uint, 0644);
MODULE_PARM_DESC(max_index_nodes,
		 "Most port-range index nodes (one per 64-port block a range touches) one network namespace may hold (4194304)");

unsigned int mnmap_max_staged = 4 * 1024 * 1024;
module_param_named(max_staged, mnmap_max_staged, uint, 0644);
MODULE_PARM_DESC(max_staged,
		 "Most changes (keys and endpoint names) one open transaction may stage over the live table (4194304)");
