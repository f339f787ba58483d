// SPDX-License-Identifier: GPL-2.0
/*
 * mnmap: map a public (IP, protocol, port) M-to-N to containers, without NAT.
 * Module init and exit only: each subsystem lives in its own file.
 */

#include "netns.h"
#include "netlink.h"
#include "table.h"
#include "version.h"

#include <uapi/linux/mnmap.h>

#include <net/genetlink.h>
#include <linux/init.h>
#include <linux/module.h>

#ifdef DEBUG
static bool selftest_inject_failure;
module_param(selftest_inject_failure, bool, 0);
MODULE_PARM_DESC(selftest_inject_failure,
		 "fail the self-tests, to test that the module then refuses to load");

static int __init mnmap_selftests_run(void)
{
	if (!mnmap_netlink_selftest() || !mnmap_table_selftest() ||
	    selftest_inject_failure) {
		pr_err("self-tests failed: refusing to load\n");
		return -ENOTRECOVERABLE;
	}
	return 0;
}
#else
static inline int mnmap_selftests_run(void)
{
	return 0;
}
#endif

static int __init mnmap_mod_init(void)
{
	int ret;

	ret = mnmap_selftests_run();
	if (ret)
		return ret;

	ret = mnmap_netns_init();
	if (ret)
		goto err_netns;

	ret = mnmap_genl_init();
	if (ret)
		goto err_genl;

	pr_info("mnmap " MNMAP_VERSION " loaded\n");
	return 0;

err_genl:
	mnmap_netns_uninit();
err_netns:
	return ret;
}

static void __exit mnmap_mod_exit(void)
{
	mnmap_genl_uninit();
	mnmap_netns_uninit();
	/* Wait for the kfree_rcu() callbacks that point into this module. */
	rcu_barrier();
	pr_info("mnmap " MNMAP_VERSION " unloaded\n");
}

module_init(mnmap_mod_init);
module_exit(mnmap_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Map public IP, protocol and port to containers without NAT");
MODULE_AUTHOR("The mnmap developers");
MODULE_VERSION(MNMAP_VERSION);
MODULE_ALIAS_GENL_FAMILY(MNMAP_FAMILY_NAME);
