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

#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <net/sock.h>

/*
 * A transaction idle this long may be aborted when another socket needs
 * to write to its namespace: an owner that hangs never blocks the others.
 * Set by the initial namespace's root (module parameters are its own).
 */
static unsigned int txn_idle_timeout = 30;
module_param(txn_idle_timeout, uint, 0644);
MODULE_PARM_DESC(txn_idle_timeout,
		 "seconds after which an idle transaction yields to other writers (0: never)");

/* End the open transaction: its table is dropped unless @keep_table. */
static void txn_close(struct mnmap_net *mn, bool keep_table)
{
	if (!keep_table)
		mnmap_table_put(mn->staging);
	WRITE_ONCE(mn->staging, NULL);
	sock_put(mn->staging_owner);
	mn->staging_owner = NULL;
}

/* Forget the owner of a transaction that was aborted behind its back. */
static void txn_forget_lost(struct mnmap_net *mn)
{
	if (!mn->lost_owner)
		return;
	sock_put(mn->lost_owner);
	WRITE_ONCE(mn->lost_owner, NULL);
}

/*
 * Abort the open transaction behind its owner's back: the owner is told
 * @why at its next request, which is refused (see struct mnmap_net).
 */
static void txn_lose(struct mnmap_net *mn, const char *why)
{
	txn_forget_lost(mn);
	mnmap_table_put(mn->staging);
	WRITE_ONCE(mn->staging, NULL);
	WRITE_ONCE(mn->lost_owner, mn->staging_owner);	/* its reference too */
	mn->staging_owner = NULL;
	mn->lost_why = why;
}

/* Why a transaction was aborted behind its owner's back, as extack says it. */
#define TXN_LOST_IDLE KBUILD_MODNAME ": transaction aborted: idle longer than txn_idle_timeout"
#define TXN_LOST_DEVICE KBUILD_MODNAME ": transaction aborted: a device it named went away"

/* Refuse a request of @owner, whose transaction was aborted behind its back. */
static int txn_refuse_lost(struct mnmap_net *mn, struct netlink_ext_ack *extack)
{
	if (extack)
		extack->_msg = mn->lost_why;	/* a string literal, as the macros want */
	return -ECANCELED;
}

/* Abort the open transaction of another socket than @owner if it sat idle too long. */
static void txn_expire(struct mnmap_net *mn, const struct sock *owner)
{
	unsigned int idle = READ_ONCE(txn_idle_timeout);

	if (mn->staging && mn->staging_owner != owner && idle &&
	    time_after(jiffies, mn->staging_used + (unsigned long)idle * HZ))
		txn_lose(mn, TXN_LOST_IDLE);
}

/* Whether @owner's request may use the open transaction; it is in use again. */
static bool txn_owned_by(struct mnmap_net *mn, const struct sock *owner)
{
	if (mn->staging_owner != owner)
		return false;
	mn->staging_used = jiffies;
	return true;
}

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
 * The table that a change from socket @owner goes to: the staging table
 * of its own transaction, or the live table (made on first use). While
 * another socket's transaction is open, changes are refused: its commit
 * would silently undo them.
 */
struct mnmap_table *mnmap_table_for_write(struct mnmap_net *mn, const struct sock *owner,
					  struct netlink_ext_ack *extack)
{
	struct mnmap_table *t;
	int ret;

	lockdep_assert_held(&mn->lock);
	if (mn->lost_owner == owner)
		return ERR_PTR(txn_refuse_lost(mn, extack));
	txn_expire(mn, owner);
	if (mn->staging) {
		if (txn_owned_by(mn, owner))
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
	t->writers = &mn->lock;
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

int mnmap_txn_begin(struct mnmap_net *mn, struct sock *owner, u32 portid, bool replace,
		    struct netlink_ext_ack *extack)
{
	struct mnmap_table *live = mnmap_live_table(mn);
	struct mnmap_table *staging;

	lockdep_assert_held(&mn->lock);
	/* Beginning again is how an owner whose transaction was lost goes on. */
	if (mn->lost_owner == owner)
		txn_forget_lost(mn);
	txn_expire(mn, owner);
	if (mn->staging) {
		NL_SET_ERR_MSG_MOD(extack, "a transaction is already open on this namespace");
		return -EBUSY;
	}
	/*
	 * Changes to an empty table build a new one: the same result, without
	 * an overlay's second insert per change at the commit.
	 */
	if (replace || !live || (!live->n_maps && !live->n_endpoints))
		staging = mnmap_table_new();
	else
		staging = mnmap_table_overlay(live);
	if (!staging)
		return -ENOMEM;
	staging->writers = &mn->lock;
	sock_hold(owner);
	mn->staging_owner = owner;
	mn->staging_portid = portid;
	mn->staging_used = jiffies;
	WRITE_ONCE(mn->staging, staging);
	return 0;
}

static int check_owner(struct mnmap_net *mn, const struct sock *owner,
		       struct netlink_ext_ack *extack)
{
	if (mn->lost_owner == owner) {
		/* Told once: its commit or abort ends what it was doing. */
		txn_refuse_lost(mn, extack);
		txn_forget_lost(mn);
		return -ECANCELED;
	}
	if (!mn->staging) {
		NL_SET_ERR_MSG_MOD(extack, "no transaction is open");
		return -ENOENT;
	}
	if (!txn_owned_by(mn, owner)) {
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

	if (ret)
		NL_SET_ERR_MSG_MOD(extack, "commit failed: the transaction is aborted");
	/* A committed overlay was freed by its commit. */
	txn_close(mn, !ret);
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
int mnmap_txn_commit(struct mnmap_net *mn, const struct sock *owner, u32 *n_maps,
		     struct netlink_ext_ack *extack)
{
	struct mnmap_table *old;
	int ret;

	lockdep_assert_held(&mn->lock);
	ret = check_owner(mn, owner, extack);
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
	txn_close(mn, true);
	mn->generation++;
	if (old) {
		synchronize_net();
		mnmap_table_put(old);
	}
	return 0;
}

int mnmap_txn_abort(struct mnmap_net *mn, const struct sock *owner,
		    struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&mn->lock);
	ret = check_owner(mn, owner, extack);
	if (ret)
		return ret;
	txn_close(mn, false);
	return 0;
}

/*
 * A socket with port id @portid closed: drop its transaction, if it had
 * one. The port id may already be another socket's (it is free before the
 * notice comes): only a transaction whose owner is dead is the closing
 * socket's.
 */
void mnmap_txn_release(struct mnmap_net *mn, u32 portid)
{
	lockdep_assert_held(&mn->lock);
	if (mn->staging && mn->staging_portid == portid &&
	    sock_flag(mn->staging_owner, SOCK_DEAD))
		txn_close(mn, false);
	if (mn->lost_owner && sock_flag(mn->lost_owner, SOCK_DEAD))
		txn_forget_lost(mn);
}

/*
 * Device @ifindex is gone: the live table forgets it. An open transaction
 * whose commit would put an endpoint behind it is aborted (its owner's
 * next request says there is none): its commit would bind that endpoint
 * to whatever device takes the index next.
 */
void mnmap_tables_forget_dev(struct mnmap_net *mn, int ifindex)
{
	struct mnmap_table *live = mnmap_live_table(mn);

	lockdep_assert_held(&mn->lock);
	if (live)
		mnmap_table_forget_dev(live, ifindex);
	if (!mn->staging)
		return;
	if (!mn->staging->base)
		mnmap_table_forget_dev(mn->staging, ifindex);
	else if (mnmap_overlay_uses_dev(mn->staging, ifindex))
		txn_lose(mn, TXN_LOST_DEVICE);
}

/* The namespace is going: nothing can read its tables any more. */
void mnmap_tables_release(struct mnmap_net *mn)
{
	struct mnmap_table *t = mnmap_live_table(mn);

	RCU_INIT_POINTER(mn->table, NULL);
	if (mn->staging)
		txn_close(mn, false);
	txn_forget_lost(mn);
	if (t) {
		synchronize_net();
		mnmap_table_put(t);
	}
}
