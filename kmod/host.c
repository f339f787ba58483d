// SPDX-License-Identifier: GPL-2.0
/*
 * This host's plumbing: uplink, VXLAN device, VTEP and gateway addresses.
 */

#include "host.h"
#include "netns.h"

#include <linux/slab.h>
#include <linux/string.h>

static struct mnmap_host *host_deref(struct mnmap_net *mn)
{
	return rcu_dereference_protected(mn->host, lockdep_is_held(&mn->lock));
}

/* Copy the current configuration (all unset when there is none) to @out. */
void mnmap_host_get(struct mnmap_net *mn, struct mnmap_host *out)
{
	struct mnmap_host *host;

	rcu_read_lock();
	host = rcu_dereference(mn->host);
	if (host)
		*out = *host;
	else
		memset(out, 0, sizeof(*out));
	rcu_read_unlock();
}

/*
 * Publish @conf as the new configuration. On failure nothing changed: the
 * copy is made before the old configuration is touched.
 */
int mnmap_host_replace(struct mnmap_net *mn, const struct mnmap_host *conf)
{
	struct mnmap_host *old = host_deref(mn);
	struct mnmap_host *new;

	lockdep_assert_held(&mn->lock);
	new = kmemdup(conf, sizeof(*conf), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	rcu_assign_pointer(mn->host, new);
	mn->generation++;
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/*
 * Device @ifindex is gone: it is no longer the uplink or the VXLAN device.
 * Cleared in place (cannot fail); each field is read on its own.
 */
void mnmap_host_forget_dev(struct mnmap_net *mn, int ifindex)
{
	struct mnmap_host *host = host_deref(mn);

	if (!host || (host->uplink_ifindex != ifindex && host->vxlan_ifindex != ifindex))
		return;
	if (host->uplink_ifindex == ifindex)
		WRITE_ONCE(host->uplink_ifindex, 0);
	if (host->vxlan_ifindex == ifindex)
		WRITE_ONCE(host->vxlan_ifindex, 0);
	mn->generation++;
}

void mnmap_host_release(struct mnmap_net *mn)
{
	struct mnmap_host *old = host_deref(mn);

	RCU_INIT_POINTER(mn->host, NULL);
	if (old)
		kfree_rcu(old, rcu);
}
