// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the mapping table: exact ports win over ranges, ranges are
 * found through their blocks wherever they start and end, overlaps are
 * refused, deletes and flushes leave no block behind, a forced endpoint
 * delete edits the maps that use it, and a clone is an equal table.
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
	mnmap_journal_commit(&j);
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
		mnmap_map_free(m);
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
	mnmap_journal_commit(&j);
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

bool __init mnmap_table_selftest(void)
{
	static const struct mnmap_location loc = { .mac = { 2, 0, 0, 0, 0, 1 } };
	const u32 ip = 0xc0000201, ip2 = 0xc0000202;
	struct mnmap_table *t = mnmap_table_new(), *copy;
	bool success = true;

#define expect(cond) do {						\
		if (!(cond)) {						\
			pr_err("table self-test: %s failed\n", #cond);	\
			success = false;				\
		}							\
	} while (0)

	if (!t)
		return false;
	expect(!mnmap_endpoint_add(t, "a", &loc, NULL, NULL));
	expect(!mnmap_endpoint_add(t, "b", &loc, NULL, NULL));
	expect(!mnmap_endpoint_add(t, "c", &loc, NULL, NULL));
	expect(mnmap_endpoint_add(t, "a", &loc, NULL, NULL) == -EEXIST);

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

	copy = mnmap_table_clone(t);
	expect(copy && copy->n_maps == 6 && copy->n_endpoints == 3);
	expect(copy && count_nodes(copy) == count_nodes(t));
	expect(copy && !strcmp(hit(copy, ip, 1024), "b"));
	mnmap_table_put(copy);

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
	expect(mnmap_map_flush(t) == 1);
	expect(count_nodes(t) == 0 && mnmap_endpoint_find(t, "a")->users == 0);
#undef expect

	/* Nobody else saw this table: wait only for our own kfree_rcu()s. */
	mnmap_table_put(t);
	if (success)
		pr_info("table self-tests: pass\n");
	return success;
}
