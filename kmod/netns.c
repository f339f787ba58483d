// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state. Each namespace holds its own tables, so that
 * several simulated hosts can live in one VM and containers of one host
 * never see another's configuration.
 */

#include "memo.h"
#include "netns.h"
#include "host.h"
#include "txn.h"
#include "datapath.h"
#include "vxlan.h"

#include <linux/rtnetlink.h>

#include <net/netns/generic.h>

static unsigned int mnmap_net_id __read_mostly;

struct mnmap_net *mnmap_net(const struct net *net)
{
	return net_generic(net, mnmap_net_id);
}

static int __net_init mnmap_net_init(struct net *net)
{
	struct mnmap_net *mn = mnmap_net(net);

	mn->net = net;
	mutex_init(&mn->lock);
	mn->stats = mnmap_stats_alloc();
	return mn->stats ? 0 : -ENOMEM;
}

static void __net_exit mnmap_net_exit(struct net *net)
{
	struct mnmap_net *mn = mnmap_net(net);

	/* Normally gone with the device, which goes before its namespace. */
	if (mn->vxlan_hook) {
		rtnl_lock();
		mnmap_vxlan_switch(mn, NULL);
		rtnl_unlock();
	}
	mutex_lock(&mn->lock);
	mnmap_datapath_stop(mn);
	mnmap_host_release(mn);
	mnmap_tables_release(mn);
	mutex_unlock(&mn->lock);
	free_percpu(mn->stats);	/* the hooks are gone and a grace period passed */
	mnmap_memo_free(mn->memo);
}

static struct pernet_operations mnmap_net_ops = {
	.init = mnmap_net_init,
	.exit = mnmap_net_exit,
	.id = &mnmap_net_id,
	.size = sizeof(struct mnmap_net),
};

/* The device notifier (vxlan.c) reads the per-namespace state: it comes after. */
int mnmap_netns_init(void)
{
	int ret = register_pernet_subsys(&mnmap_net_ops);

	if (ret)
		return ret;
	ret = mnmap_vxlan_init();
	if (ret)
		unregister_pernet_subsys(&mnmap_net_ops);
	return ret;
}

void mnmap_netns_uninit(void)
{
	mnmap_vxlan_uninit();
	unregister_pernet_subsys(&mnmap_net_ops);
}
