// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the mapping table: exact ports win over ranges, ranges are
 * found through their blocks wherever they start and end, overlaps are
 * refused, deletes and flushes leave no block behind, a forced endpoint
 * delete edits the maps that use it, and a transaction's overlay changes
 * nothing live until its commit, and nothing at all when aborted.
 */

static void __init test_key(struct mnmap_key *key, u32 addr, u8 proto, u16 port,
			    u8 kind)
{
	memset(key, 0, sizeof(*key));
	key->family = AF_INET;
	key->addr.v4 = htonl(addr);
	key->proto = proto;
	key->port = port;
	key->kind = kind;
}

static int __init add(struct mnmap_table *t, u32 addr, u16 first, u16 last,
		      const char *ep)
{
	struct mnmap_map_spec spec = { .port_last = last, .endpoint = ep, .weight = 1 };
	struct mnmap_map *m;

	test_key(&spec.key, addr, IPPROTO_TCP, first,
		 first == last ? MNMAP_NODE_EXACT : MNMAP_NODE_RANGE);
	struct mnmap_journal j = {};
	int ret;

	ret = mnmap_map_add(t, &spec, &j, &m, NULL);
	mnmap_journal_commit(t, &j);
	return ret;
}

static int __init del(struct mnmap_table *t, u32 addr, u16 first, u16 last,
		      const char *ep)
{
	struct mnmap_map_spec spec = { .port_last = last, .endpoint = ep };
	struct mnmap_map *m;
	bool gone;
	int ret;

	test_key(&spec.key, addr, IPPROTO_TCP, first,
		 first == last ? MNMAP_NODE_EXACT : MNMAP_NODE_RANGE);
	ret = mnmap_map_del(t, &spec, &m, &gone, NULL);
	if (!ret && gone)
		mnmap_map_retire(t, m);
	return ret;
}

/* Name of the first endpoint of the map a TCP packet to addr:port hits. */
/* Add a batch of maps with one journal, then undo it. */
static bool __init batch_undo(struct mnmap_table *t, u32 addr)
{
	struct mnmap_map_spec spec = { .endpoint = "a", .weight = 1 };
	u32 nodes = atomic_read(&t->maps.nelems), maps = t->n_maps;
	struct mnmap_journal j = {};
	struct mnmap_map *m;
	int ret;

	test_key(&spec.key, addr, IPPROTO_TCP, 5000, MNMAP_NODE_EXACT);
	spec.port_last = 5000;
	ret = mnmap_map_add(t, &spec, &j, &m, NULL);
	test_key(&spec.key, addr, IPPROTO_TCP, 6000, MNMAP_NODE_RANGE);
	spec.port_last = 6200;
	ret = ret ?: mnmap_map_add(t, &spec, &j, &m, NULL);
	/* A failing add in the batch undoes only itself. */
	spec.endpoint = "nobody";
	ret = ret ?: (mnmap_map_add(t, &spec, &j, &m, NULL) == -ENOENT ? 0 : -EINVAL);
	mnmap_journal_undo(t, &j, 0);
	mnmap_journal_commit(t, &j);
	return !ret && atomic_read(&t->maps.nelems) == nodes && t->n_maps == maps &&
	       mnmap_endpoint_find(t, "a")->users == 1;
}

static const char * __init hit(struct mnmap_table *t, u32 addr, u16 port)
{
	struct mnmap_key key;
	struct mnmap_map *m;

	test_key(&key, addr, IPPROTO_TCP, port, MNMAP_NODE_EXACT);
	rcu_read_lock();
	m = mnmap_lookup(t, &key);
	rcu_read_unlock();
	return m ? m->backends[0].ep->name : "-";
}

static u32 __init count_nodes(struct mnmap_table *t)
{
	return atomic_read(&t->maps.nelems);
}

/* Whether a writer of @t sees the TCP map of addr:port. */
static bool __init staged(struct mnmap_table *t, u32 addr, u16 port)
{
	struct mnmap_key key;

	test_key(&key, addr, IPPROTO_TCP, port, MNMAP_NODE_EXACT);
	return mnmap_map_find(t, &key);
}

static struct mnmap_endpoint * __init ep(struct mnmap_table *t, const char *name)
{
	return mnmap_endpoint_find(t, name);
}

#define expect(cond) do {						\
		if (!(cond)) {						\
			pr_err("table self-test: %s failed\n", #cond);	\
			success = false;				\
		}							\
	} while (0)

/*
 * One batch in an overlay: a map added, a range deleted and another put
 * in its place, a new endpoint with a map, a move, a forced delete.
 */
static bool __init overlay_batch(struct mnmap_table *o, u32 ip)
{
	static const struct mnmap_location there = { .mac = { 2, 0, 0, 0, 0, 2 }, .tenant = 7 };
	static const struct mnmap_location loc = { .mac = { 2, 0, 0, 0, 0, 3 } };
	bool success = true;

	expect(!add(o, ip, 90, 90, "a"));
	expect(!del(o, ip, 1000, 1100, NULL));
	expect(!add(o, ip, 1000, 1010, "a"));
	expect(!mnmap_endpoint_add(o, "d", &loc, NULL));
	expect(mnmap_endpoint_add(o, "a", &loc, NULL) == -EEXIST);
	expect(!add(o, ip, 91, 91, "d"));
	expect(!mnmap_endpoint_move(o, ep(o, "a"), &there));
	expect(mnmap_endpoint_loc(o, ep(o, "a"))->tenant == 7);
	expect(!mnmap_endpoint_del(o, ep(o, "b"), true, NULL));
	expect(!ep(o, "b") && ep(o, "d"));
	expect(o->n_maps == 5 && o->n_endpoints == 2);
	expect(mnmap_endpoint_users(o, ep(o, "a")) == 4);
	return success;
}

/* What the live table looks like before that batch is committed. */
static bool __init overlay_unseen(struct mnmap_table *t, u32 ip, u32 nodes)
{
	bool success = true;

	expect(!strcmp(hit(t, ip, 90), "-") && !strcmp(hit(t, ip, 91), "-"));
	expect(!strcmp(hit(t, ip, 1024), "b") && !strcmp(hit(t, ip, 1005), "b"));
	expect(ep(t, "b") && !ep(t, "d"));
	expect(mnmap_endpoint_loc(t, ep(t, "a"))->tenant == 0);
	expect(t->n_maps == 3 && t->n_endpoints == 2 && count_nodes(t) == nodes);
	expect(ep(t, "a")->users == 2 && ep(t, "b")->users == 2);
	return success;
}

/*
 * A commit that fails half-way changes nothing: here a key that the base
 * took behind the overlay's back, which nothing else can do, so that the
 * failure is certain; in use, running out of memory.
 */
static bool __init overlay_commit_fails(struct mnmap_table *t, u32 ip)
{
	static const struct mnmap_location there = { .mac = { 2, 0, 0, 0, 0, 2 }, .tenant = 9 };
	struct mnmap_table *o = mnmap_table_overlay(t);
	u32 nodes = count_nodes(t), maps = t->n_maps;
	bool success = true;

	if (!o)
		return false;
	expect(!mnmap_endpoint_add(o, "e", &there, NULL));
	expect(!mnmap_endpoint_move(o, ep(o, "a"), &there));
	expect(!add(o, ip, 100, 100, "e") && !add(o, ip, 101, 101, "a"));
	expect(!add(o, ip, 102, 102, "e") && !add(o, ip, 103, 103, "a"));
	expect(!add(t, ip, 102, 102, "a"));
	expect(mnmap_overlay_commit(o) == -EEXIST);
	expect(!strcmp(hit(t, ip, 100), "-") && !strcmp(hit(t, ip, 101), "-"));
	expect(!strcmp(hit(t, ip, 102), "a") && !ep(t, "e"));
	expect(mnmap_endpoint_loc(t, ep(t, "a"))->tenant == 7);
	expect(count_nodes(t) == nodes + 1 && t->n_maps == maps + 1 && t->n_endpoints == 2);
	expect(ep(t, "a")->users == 5);
	mnmap_table_put(o);
	expect(!ep(t, "a")->users_staged);
	expect(!del(t, ip, 102, 102, NULL));
	return success;
}

/* What the self-tests' tables say their writers hold, as a namespace's lock. */
static DEFINE_MUTEX(selftest_writers);

static struct mnmap_table * __init selftest_table(void)
{
	struct mnmap_table *t = mnmap_table_new();

	if (t)
		t->writers = &selftest_writers;
	return t;
}

static bool __init overlay_selftest(void)
{
	static const struct mnmap_location loc = { .mac = { 2, 0, 0, 0, 0, 1 } };
	struct mnmap_table *t = selftest_table(), *o;
	const u32 ip = 0xc0000201;
	bool success = true;
	u32 nodes, flushed;

	if (!t)
		return false;
	expect(!mnmap_endpoint_add(t, "a", &loc, NULL));
	expect(!mnmap_endpoint_add(t, "b", &loc, NULL));
	expect(!add(t, ip, 80, 80, "a") && !add(t, ip, 80, 80, "b"));
	expect(!add(t, ip, 443, 443, "a"));
	expect(!add(t, ip, 1000, 1100, "b"));
	nodes = count_nodes(t);

	/* Aborted: nothing changed, nothing staged is left on the endpoints. */
	o = mnmap_table_overlay(t);
	expect(o && overlay_batch(o, ip) && overlay_unseen(t, ip, nodes));
	mnmap_table_put(o);
	expect(overlay_unseen(t, ip, nodes));
	expect(!ep(t, "a")->users_staged && !ep(t, "b")->users_staged);

	o = mnmap_table_overlay(t);
	expect(o && overlay_batch(o, ip) && overlay_unseen(t, ip, nodes));
	expect(o && !mnmap_overlay_commit(o));
	expect(!strcmp(hit(t, ip, 90), "a") && !strcmp(hit(t, ip, 91), "d"));
	expect(!strcmp(hit(t, ip, 80), "a") && !strcmp(hit(t, ip, 1005), "a"));
	expect(!strcmp(hit(t, ip, 1024), "-") && !ep(t, "b"));
	expect(mnmap_endpoint_loc(t, ep(t, "a"))->tenant == 7);
	expect(t->n_maps == 5 && t->n_endpoints == 2);
	expect(ep(t, "a")->users == 4 && ep(t, "d")->users == 1);
	expect(!ep(t, "a")->users_staged && !ep(t, "d")->users_staged);

	/* An endpoint deleted and made again; then a flush, aborted and committed. */
	o = mnmap_table_overlay(t);
	expect(o && !mnmap_endpoint_del(o, ep(o, "d"), true, NULL));
	expect(o && !mnmap_endpoint_add(o, "d", &loc, NULL) && !add(o, ip, 92, 92, "d"));
	expect(o && !mnmap_overlay_commit(o));
	expect(!strcmp(hit(t, ip, 91), "-") && !strcmp(hit(t, ip, 92), "d"));
	expect(ep(t, "d")->users == 1 && t->n_endpoints == 2);
	expect(overlay_commit_fails(t, ip));
	for (int commit = 0; commit < 2; commit++) {
		o = mnmap_table_overlay(t);
		expect(o && !mnmap_map_flush(o, &flushed) && flushed == 5 && !o->n_maps);
		expect(o && !staged(o, ip, 80) && staged(t, ip, 80));
		expect(!strcmp(hit(t, ip, 80), "a") && t->n_maps == 5);
		if (commit)
			expect(o && !mnmap_overlay_commit(o));
		else
			mnmap_table_put(o);
	}
	expect(!t->n_maps && !count_nodes(t) && !ep(t, "a")->users);
	mnmap_table_put(t);
	return success;
}

static bool __init table_selftest(void)
{
	static const struct mnmap_location loc = { .mac = { 2, 0, 0, 0, 0, 1 } };
	const u32 ip = 0xc0000201, ip2 = 0xc0000202;
	struct mnmap_table *t = selftest_table();
	u32 flushed;
	bool success = true;

	if (!t)
		return false;
	expect(!mnmap_endpoint_add(t, "a", &loc, NULL));
	expect(!mnmap_endpoint_add(t, "b", &loc, NULL));
	expect(!mnmap_endpoint_add(t, "c", &loc, NULL));
	expect(mnmap_endpoint_add(t, "a", &loc, NULL) == -EEXIST);

	expect(!add(t, ip, 80, 80, "a"));
	expect(!add(t, ip, 80, 80, "b"));		/* load-balanced */
	expect(add(t, ip, 80, 80, "b") == -EEXIST);
	expect(add(t, ip, 81, 81, "nobody") == -ENOENT);
	expect(!add(t, ip, 1000, 1100, "b"));	/* unaligned, 3 blocks */
	expect(!add(t, ip, 1101, 1101, "c"));
	expect(!add(t, ip, 1050, 1050, "c"));	/* exact inside a range */
	expect(add(t, ip, 1100, 1200, "c") == -EEXIST);	/* overlap */
	expect(add(t, ip, 900, 1000, "c") == -EEXIST);
	expect(!add(t, ip, 1102, 1200, "c"));	/* adjacent: fine */
	expect(!add(t, ip2, 1000, 1100, "c"));	/* other address */

	expect(!strcmp(hit(t, ip, 80), "a"));
	expect(!strcmp(hit(t, ip, 81), "-"));
	expect(!strcmp(hit(t, ip, 999), "-"));
	expect(!strcmp(hit(t, ip, 1000), "b"));
	expect(!strcmp(hit(t, ip, 1023), "b"));
	expect(!strcmp(hit(t, ip, 1024), "b"));
	expect(!strcmp(hit(t, ip, 1050), "c"));
	expect(!strcmp(hit(t, ip, 1100), "b"));
	expect(!strcmp(hit(t, ip, 1101), "c"));
	expect(!strcmp(hit(t, ip, 1150), "c"));
	expect(!strcmp(hit(t, ip, 1201), "-"));
	expect(!strcmp(hit(t, ip2, 1000), "c"));
	expect(t->n_maps == 6);

	expect(batch_undo(t, ip));
	expect(!strcmp(hit(t, ip, 5000), "-") && !strcmp(hit(t, ip, 6100), "-"));

	expect(mnmap_endpoint_del(t, mnmap_endpoint_find(t, "b"), false, NULL) == -EBUSY);
	expect(!del(t, ip, 1000, 1100, NULL));
	expect(!strcmp(hit(t, ip, 1024), "-"));
	expect(!strcmp(hit(t, ip, 1150), "c"));
	expect(del(t, ip, 1000, 1100, NULL) == -ENOENT);
	expect(!del(t, ip, 80, 80, "a"));
	expect(!strcmp(hit(t, ip, 80), "b"));

	/* b is left only in the map of port 80: force deletes that map. */
	expect(!mnmap_endpoint_del(t, mnmap_endpoint_find(t, "b"), true, NULL));
	expect(!strcmp(hit(t, ip, 80), "-"));
	expect(!mnmap_endpoint_find(t, "b"));
	expect(mnmap_endpoint_find(t, "c")->users == 4);
	expect(!mnmap_endpoint_del(t, mnmap_endpoint_find(t, "c"), true, NULL));
	expect(t->n_maps == 0 && count_nodes(t) == 0);

	expect(!add(t, ip, 1, 65535, "a"));
	expect(!strcmp(hit(t, ip, 65535), "a"));
	expect(!mnmap_map_flush(t, &flushed) && flushed == 1);
	expect(count_nodes(t) == 0 && mnmap_endpoint_find(t, "a")->users == 0);
#undef expect

	/* Nobody else saw this table: wait only for our own kfree_rcu()s. */
	mnmap_table_put(t);
	success &= overlay_selftest();
	return success;
}

bool __init mnmap_table_selftest(void)
{
	bool success;

	mutex_lock(&selftest_writers);
	success = table_selftest();
	mutex_unlock(&selftest_writers);
	if (success)
		pr_info("table self-tests: pass\n");
	return success;
}
