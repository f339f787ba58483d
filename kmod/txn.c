// SPDX-License-Identifier: GPL-2.0
/*
 * Which table a change goes to, and transactions: a socket stages changes
 * that traffic never sees, all checked as they come, then commits them.
 * A transaction that replaces the table builds a whole one and swaps it in
 * with one pointer store: an orchestrator restoring a million mappings
 * never exposes half a table. One that changes the live table stages only
 * its changes, in an overlay, and publishes them key by key: a hundred
 * changes to a table of millions cost a hundred changes. Every function
 * here but mnmap_table_get_live() expects the namespace's lock.
 */

#include "txn.h"
#include "netns.h"
#include "table.h"
#include "datapath.h"

#include <linux/netdevice.h>

struct mnmap_table *mnmap_live_table(struct mnmap_net *mn)
{
	return rcu_dereference_protected(mn->table, lockdep_is_held(&mn->lock));
}

/* A reference to the live table (for a dump), or NULL when there is none. */
struct mnmap_table *mnmap_table_get_live(struct mnmap_net *mn)
{
	struct mnmap_table *t;

	rcu_read_lock();
	t = rcu_dereference(mn->table);
	if (t && !refcount_inc_not_zero(&t->ref))
		t = NULL;
	rcu_read_unlock();
	return t;
}

/*
 * The table that a change from @portid goes to: the staging table of its
 * own transaction, or the live table (made on first use). While another
 * socket's transaction is open, changes are refused: its commit would
 * silently undo them.
 */
struct mnmap_table *mnmap_table_for_write(struct mnmap_net *mn, u32 portid,
					  struct netlink_ext_ack *extack)
{
	struct mnmap_table *t;
	int ret;

	lockdep_assert_held(&mn->lock);
	if (mn->staging) {
		if (mn->staging_portid == portid)
			return mn->staging;
		NL_SET_ERR_MSG_MOD(extack,
				   "another socket has a transaction open on this namespace");
		return ERR_PTR(-EBUSY);
	}
	/* A change may give the namespace something to serve: hooks first. */
	ret = mnmap_datapath_start(mn);
	if (ret)
		return ERR_PTR(ret);
	t = mnmap_live_table(mn);
	if (t)
		return t;
	t = mnmap_table_new();
	if (!t)
		return ERR_PTR(-ENOMEM);
	rcu_assign_pointer(mn->table, t);
	return t;
}

/*
 * End a change, done or failed: a namespace left with no map has nothing
 * to serve, so its hooks go and traffic that mnmap does not manage pays
 * nothing. The next change that needs them registers them again.
 */
void mnmap_write_unlock(struct mnmap_net *mn)
{
	struct mnmap_table *t = mnmap_live_table(mn);

	if (!t || !t->n_maps)
		mnmap_datapath_stop(mn);
	mutex_unlock(&mn->lock);
}

int mnmap_txn_begin(struct mnmap_net *mn, u32 portid, bool replace,
		    struct netlink_ext_ack *extack)
{
	struct mnmap_table *live = mnmap_live_table(mn);

	lockdep_assert_held(&mn->lock);
	if (mn->staging) {
		NL_SET_ERR_MSG_MOD(extack, "a transaction is already open on this namespace");
		return -EBUSY;
	}
	/*
	 * Changes to an empty table build a new one: the same result, without
	 * an overlay's second insert per change at the commit.
	 */
	if (replace || !live || (!live->n_maps && !live->n_endpoints))
		mn->staging = mnmap_table_new();
	else
		mn->staging = mnmap_table_overlay(live);
	if (!mn->staging)
		return -ENOMEM;
	mn->staging_portid = portid;
	return 0;
}

static int check_owner(struct mnmap_net *mn, u32 portid,
		       struct netlink_ext_ack *extack)
{
	if (!mn->staging) {
		NL_SET_ERR_MSG_MOD(extack, "no transaction is open");
		return -ENOENT;
	}
	if (mn->staging_portid != portid) {
		NL_SET_ERR_MSG_MOD(extack, "the open transaction belongs to another socket");
		return -EBUSY;
	}
	return 0;
}

/* An overlay's commit; a failed one is aborted, having changed nothing. */
static int commit_overlay(struct mnmap_net *mn, u32 *n_maps,
			  struct netlink_ext_ack *extack)
{
	struct mnmap_table *live = mnmap_live_table(mn);
	int ret = mnmap_overlay_commit(mn->staging);

	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "commit failed: the transaction is aborted");
		mnmap_table_put(mn->staging);
	}
	mn->staging = NULL;
	if (ret)
		return ret;
	*n_maps = live->n_maps;
	mn->generation++;
	return 0;
}

/*
 * Publish the staged changes: an overlay's key by key, a whole table in
 * one swap, the old one going once no reader can see it.
 */
int mnmap_txn_commit(struct mnmap_net *mn, u32 portid, u32 *n_maps,
		     struct netlink_ext_ack *extack)
{
	struct mnmap_table *old;
	int ret;

	lockdep_assert_held(&mn->lock);
	ret = check_owner(mn, portid, extack);
	if (ret)
		return ret;
	ret = mnmap_datapath_start(mn);
	if (ret)
		return ret;
	if (mn->staging->base)
		return commit_overlay(mn, n_maps, extack);
	old = mnmap_live_table(mn);
	*n_maps = mn->staging->n_maps;
	rcu_assign_pointer(mn->table, mn->staging);
	mn->staging = NULL;
	mn->generation++;
	if (old) {
		synchronize_net();
		mnmap_table_put(old);
	}
	return 0;
}

int mnmap_txn_abort(struct mnmap_net *mn, u32 portid,
		    struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&mn->lock);
	ret = check_owner(mn, portid, extack);
	if (ret)
		return ret;
	mnmap_table_put(mn->staging);
	mn->staging = NULL;
	return 0;
}

/* The socket @portid closed: drop its transaction, if it had one. */
void mnmap_txn_release(struct mnmap_net *mn, u32 portid)
{
	lockdep_assert_held(&mn->lock);
	if (mn->staging && mn->staging_portid == portid)
		mnmap_txn_abort(mn, portid, NULL);
}

/* The namespace is going: nothing can read its tables any more. */
void mnmap_tables_release(struct mnmap_net *mn)
{
	struct mnmap_table *t = mnmap_live_table(mn);

	RCU_INIT_POINTER(mn->table, NULL);
	mnmap_table_put(mn->staging);
	mn->staging = NULL;
	if (t) {
		synchronize_net();
		mnmap_table_put(t);
	}
}
