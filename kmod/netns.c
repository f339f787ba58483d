// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state. Each namespace holds its own tables, so that
 * several simulated hosts can live in one VM and containers of one host
 * never see another's configuration.
 */

#include "flow.h"
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
	mnmap_flows_free(mnmap_flows_of(mn));
	/* Devices unregister before this (pernet device ops go first): tidy only. */
	mn->memo = NULL;
	RCU_INIT_POINTER(mn->flows, NULL);
}

static struct pernet_operations mnmap_net_ops = {
	.init = mnmap_net_init,
	.exit = mnmap_net_exit,
	.id = &mnmap_net_id,
	.size = sizeof(struct mnmap_net),
};

/*
 * A device of the namespace is going: its ingress hook first, then every
 * role it had (uplink, VXLAN device, endpoints' place, memo entries), so
 * that a device made later with the same index inherits none of them.
 * Called under RTNL, which comes before the namespace's lock.
 */
static int device_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mnmap_net *mn;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	mn = mnmap_net(dev_net(dev));
	mnmap_vxlan_device_gone(mn, dev);
	mutex_lock(&mn->lock);
	mnmap_host_forget_dev(mn, dev->ifindex);
	mnmap_tables_forget_dev(mn, dev->ifindex);
	if (mn->memo)
		mnmap_memo_forget_dev(mn->memo, dev->ifindex);
	mutex_unlock(&mn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block device_notifier = {
	.notifier_call = device_event,
};

/* The device notifier reads the per-namespace state: it comes after. */
int mnmap_netns_init(void)
{
	int ret = register_pernet_subsys(&mnmap_net_ops);

	if (ret)
		return ret;
	ret = register_netdevice_notifier(&device_notifier);
	if (ret)
		unregister_pernet_subsys(&mnmap_net_ops);
	return ret;
}

void mnmap_netns_uninit(void)
{
	unregister_netdevice_notifier(&device_notifier);
	unregister_pernet_subsys(&mnmap_net_ops);
}
