// SPDX-License-Identifier: GPL-2.0
/*
 * mnmapctl --etcd URL: the same grammar, written to the store instead of
 * the kernel (the layout is Documentation/etcd.md). A command line, or a
 * whole batch, is one edit: keys are read at one revision, changed in
 * memory, and written in one etcd transaction that compares every key it
 * read with the revision it was read at. Another writer in between makes
 * the compare fail; the edit is then redone from a fresh read, so both
 * changes land (or, after several tries, a clear conflict is reported).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "ctl.h"
#include "etcd.h"
#include "parse.h"
#include "store.h"

struct edit_key {
	char *key;
	int64_t mod_rev;	/* as read; 0: absent */
	char *value;		/* now; NULL: absent (or deleted) */
	bool dirty;
};

struct store_edit {
	struct etcd *etcd;
	int64_t rev;		/* the snapshot's; 0 until the first read */
	struct edit_key *keys;
	size_t n, cap;
	bool flushed;		/* the edit emptied endpoints/ and maps/ */
};

static struct edit_key *edit_find(struct store_edit *s, const char *key);
static bool flushable(const char *key);

int store_open(struct ctl *ctl, const char *url)
{
	srand(time(NULL) ^ getpid());
	ctl->store = calloc(1, sizeof(*ctl->store));
	if (!ctl->store || !(ctl->store->etcd = etcd_new(url)))
		return error(ctl, "out of memory");
	return 0;
}

static void edit_clear(struct store_edit *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->keys[i].key);
		free(s->keys[i].value);
	}
	s->n = 0;
	s->rev = 0;
	s->flushed = false;
}

void store_close(struct ctl *ctl)
{
	if (!ctl->store)
		return;
	edit_clear(ctl->store);
	free(ctl->store->keys);
	etcd_free(ctl->store->etcd);
	free(ctl->store);
	ctl->store = NULL;
}

/*
 * A fresh edit; after a conflict (@attempt > 0) first a short random wait,
 * so that writers who collided do not collide again in step.
 */
void store_begin(struct ctl *ctl, int attempt)
{
	if (attempt)
		usleep((rand() % 20000 + 5000) * attempt);
	edit_clear(ctl->store);
}

static struct edit_key *edit_add(struct store_edit *s, const char *key, int64_t mod_rev,
				 const char *value)
{
	struct edit_key *k;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		k = realloc(s->keys, cap * sizeof(*k));
		if (!k)
			return NULL;
		s->keys = k;
		s->cap = cap;
	}
	k = &s->keys[s->n];
	*k = (struct edit_key){ strdup(key), mod_rev, value ? strdup(value) : NULL, false };
	if (!k->key)
		return NULL;
	s->n++;
	return k;
}

/* Read a range at the edit's revision (the first read fixes it). */
static int edit_range(struct ctl *ctl, json_object *req, json_object **kvs, json_object **reply)
{
	struct store_edit *s = ctl->store;
	json_object *header;

	if (s->rev)
		json_object_object_add(req, "revision", json_object_new_int64(s->rev));
	if (etcd_call(s->etcd, "kv/range", req, reply))
		return error(ctl, "%s", etcd_error(s->etcd));
	if (!s->rev && json_object_object_get_ex(*reply, "header", &header))
		s->rev = json_i64(header, "revision");
	if (!json_object_object_get_ex(*reply, "kvs", kvs))
		*kvs = NULL;
	return 0;
}

/* The key as this edit sees it: *@k, its value NULL when absent. */
static int edit_get(struct ctl *ctl, const char *key, struct edit_key **k)
{
	struct store_edit *s = ctl->store;
	json_object *req, *reply = NULL, *kvs, *kv;
	char *b64, *name = NULL, *value = NULL;
	int err;

	*k = edit_find(s, key);
	if (*k)
		return 0;
	b64 = b64_encode(key, strlen(key));
	req = json_object_new_object();
	json_object_object_add(req, "key", json_object_new_string(b64 ?: ""));
	free(b64);
	err = edit_range(ctl, req, &kvs, &reply);
	json_object_put(req);
	if (err)
		return err;
	kv = kvs && json_object_array_length(kvs) ? json_object_array_get_idx(kvs, 0) : NULL;
	if (kv && kv_decode(kv, &name, &value))
		err = error(ctl, "etcd sent a key that is not base64");
	if (!err) {
		/* A key flushed by this edit reads as absent, still compared. */
		*k = edit_add(s, key, kv ? json_i64(kv, "mod_revision") : 0,
			      s->flushed && flushable(key) ? NULL : value);
		err = *k ? 0 : -ENOMEM;
	}
	free(name);
	free(value);
	json_object_put(reply);
	return err;
}

static int edit_set(struct ctl *ctl, const char *key, const char *value)
{
	struct edit_key *k;
	int err = edit_get(ctl, key, &k);

	if (err)
		return err;
	free(k->value);
	k->value = value ? strdup(value) : NULL;
	k->dirty = true;
	return 0;
}

/* One compare of the transaction: a key as read, or a flushed range unchanged. */
static json_object *compare(const char *key, int64_t mod_rev, bool range, int64_t rev)
{
	json_object *c = json_object_new_object();
	char *b64 = b64_encode(key, strlen(key));

	if (range) {
		etcd_prefix_fields(c, key);
		json_object_object_add(c, "target", json_object_new_string("MOD"));
		json_object_object_add(c, "result", json_object_new_string("LESS"));
		json_object_object_add(c, "mod_revision", json_object_new_int64(rev + 1));
	} else if (mod_rev) {
		json_object_object_add(c, "key", json_object_new_string(b64 ?: ""));
		json_object_object_add(c, "target", json_object_new_string("MOD"));
		json_object_object_add(c, "result", json_object_new_string("EQUAL"));
		json_object_object_add(c, "mod_revision", json_object_new_int64(mod_rev));
	} else {
		json_object_object_add(c, "key", json_object_new_string(b64 ?: ""));
		json_object_object_add(c, "target", json_object_new_string("VERSION"));
		json_object_object_add(c, "result", json_object_new_string("EQUAL"));
		json_object_object_add(c, "version", json_object_new_int64(0));
	}
	free(b64);
	return c;
}

static json_object *request(const struct edit_key *k)
{
	json_object *op = json_object_new_object(), *r = json_object_new_object();
	char *key = b64_encode(k->key, strlen(k->key));

	json_object_object_add(r, "key", json_object_new_string(key ?: ""));
	if (k->value) {
		char *v = b64_encode(k->value, strlen(k->value));

		json_object_object_add(r, "value", json_object_new_string(v ?: ""));
		free(v);
	}
	json_object_object_add(op, k->value ? "request_put" : "request_delete_range", r);
	free(key);
	return op;
}

int store_commit(struct ctl *ctl)
{
	struct store_edit *s = ctl->store;
	json_object *txn, *cmps, *ops, *reply, *ok;
	bool any = false;
	int err;

	for (size_t i = 0; i < s->n; i++)
		any |= s->keys[i].dirty;
	if (!any)
		return 0;
	txn = json_object_new_object();
	cmps = json_object_new_array();
	ops = json_object_new_array();
	for (size_t i = 0; i < s->n; i++) {
		json_object_array_add(cmps, compare(s->keys[i].key, s->keys[i].mod_rev, false, 0));
		if (s->keys[i].dirty)
			json_object_array_add(ops, request(&s->keys[i]));
	}
	if (s->flushed) {
		json_object_array_add(cmps, compare(STORE_PREFIX "endpoints/", 0, true, s->rev));
		json_object_array_add(cmps, compare(STORE_PREFIX "maps/", 0, true, s->rev));
	}
	json_object_object_add(txn, "compare", cmps);
	json_object_object_add(txn, "success", ops);
	err = etcd_call(s->etcd, "kv/txn", txn, &reply);
	json_object_put(txn);
	if (err)
		return error(ctl, "%s", etcd_error(s->etcd));
	err = json_object_object_get_ex(reply, "succeeded", &ok) && json_object_get_boolean(ok) ?
	      0 : -EAGAIN;
	json_object_put(reply);
	return err;
}

static struct edit_key *edit_find(struct store_edit *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->keys[i].key, key))
			return &s->keys[i];
	return NULL;
}

static bool flushable(const char *key)
{
	return !strncmp(key, STORE_PREFIX "endpoints/", strlen(STORE_PREFIX "endpoints/")) ||
	       !strncmp(key, STORE_PREFIX "maps/", strlen(STORE_PREFIX "maps/"));
}

/* Delete one key the edit knows of, or one a flush's range found. */
static int flush_key(struct store_edit *s, const char *key, int64_t mod_rev)
{
	struct edit_key *k = edit_find(s, key);

	if (!k)
		k = edit_add(s, key, mod_rev, NULL);
	if (!k)
		return -ENOMEM;
	free(k->value);
	k->value = NULL;
	k->dirty = true;
	return 0;
}

/* Every endpoint and map deleted, in the same transaction as what follows. */
int store_flush(struct ctl *ctl)
{
	static const char *const dirs[] = { STORE_PREFIX "endpoints/", STORE_PREFIX "maps/" };
	struct store_edit *s = ctl->store;
	json_object *req, *reply = NULL, *kvs;
	char *key, *value;
	int err = 0;

	for (size_t i = 0; i < s->n && !err; i++)
		if (flushable(s->keys[i].key))
			err = flush_key(s, s->keys[i].key, 0);
	for (int d = 0; d < 2 && !err; d++) {
		req = json_object_new_object();
		etcd_prefix_fields(req, dirs[d]);
		json_object_object_add(req, "keys_only", json_object_new_boolean(1));
		err = edit_range(ctl, req, &kvs, &reply);
		json_object_put(req);
		for (size_t i = 0; !err && kvs && i < json_object_array_length(kvs); i++) {
			json_object *kv = json_object_array_get_idx(kvs, i);

			if (kv_decode(kv, &key, &value))
				continue;
			err = flush_key(s, key, json_i64(kv, "mod_revision"));
			free(key);
			free(value);
		}
		json_object_put(reply);
		reply = NULL;
	}
	s->flushed = true;
	return err;
}

static json_object *parse_value(struct edit_key *k)
{
	json_object *o = k->value ? json_tokener_parse(k->value) : NULL;

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int put_object(struct ctl *ctl, const char *key, json_object *o)
{
	int err = edit_set(ctl, key, json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED));

	json_object_put(o);
	return err;
}

static void put_str(json_object *o, const char *field, const char *v)
{
	if (v)
		json_object_object_add(o, field, json_object_new_string(v));
}

int store_endpoint(struct ctl *ctl, const struct store_endpoint *ep, bool set)
{
	char key[128];
	struct edit_key *k;
	json_object *o;
	int err;

	snprintf(key, sizeof(key), STORE_PREFIX "endpoints/%s", ep->name);
	err = edit_get(ctl, key, &k);
	if (err)
		return err;
	if (!set && k->value)
		return error(ctl, "endpoint add: endpoint '%s' exists (endpoint set changes it)",
			     ep->name);
	if (set && !k->value)
		return error(ctl, "endpoint set: no endpoint '%s'", ep->name);
	o = set ? parse_value(k) : json_object_new_object();
	if (!o)
		return error(ctl, "endpoint set: %s holds no JSON object", key);
	put_str(o, "mac", ep->mac);
	put_str(o, "host", ep->host);
	put_str(o, "dev", ep->dev);
	put_str(o, "state", ep->state);
	if (ep->has_tenant)
		json_object_object_add(o, "tenant", json_object_new_int64(ep->tenant));
	if (ep->has_vni)
		json_object_object_add(o, "vni", json_object_new_int64(ep->vni));
	if (!set && (!json_object_object_get_ex(o, "host", NULL) ||
		     !json_object_object_get_ex(o, "dev", NULL))) {
		json_object_put(o);
		return error(ctl, "endpoint add: with --etcd give host NAME and dev IFNAME");
	}
	return put_object(ctl, key, o);
}

/* Whether map value @v names endpoint @name. */
static bool map_uses(const char *v, const char *name)
{
	json_object *o = json_tokener_parse(v), *eps, *n;
	bool used = false;

	if (o && json_object_object_get_ex(o, "endpoints", &eps) &&
	    json_object_is_type(eps, json_type_array))
		for (size_t i = 0; i < json_object_array_length(eps) && !used; i++)
			used = json_object_object_get_ex(json_object_array_get_idx(eps, i), "name", &n) &&
			       !strcmp(json_object_get_string(n), name);
	json_object_put(o);
	return used;
}

int store_endpoint_del(struct ctl *ctl, const char *name)
{
	json_object *req, *reply, *kvs;
	char key[128], *k, *v;
	struct edit_key *e;
	int err, users = 0;

	snprintf(key, sizeof(key), STORE_PREFIX "endpoints/%s", name);
	err = edit_get(ctl, key, &e);
	if (err)
		return err;
	if (!e->value)
		return error(ctl, "endpoint del: no endpoint '%s'", name);
	/* As the kernel does: refused while maps use it, unless forced. */
	req = json_object_new_object();
	etcd_prefix_fields(req, STORE_PREFIX "maps/");
	err = edit_range(ctl, req, &kvs, &reply);
	json_object_put(req);
	if (err)
		return err;
	for (size_t i = 0; kvs && i < json_object_array_length(kvs); i++) {
		if (kv_decode(json_object_array_get_idx(kvs, i), &k, &v))
			continue;
		users += map_uses(v, name);
		free(k);
		free(v);
	}
	json_object_put(reply);
	if (users && !ctl->force)
		return error(ctl, "endpoint del: %d maps use endpoint '%s' (-f deletes it anyway)",
			     users, name);
	return edit_set(ctl, key, NULL);
}

static void map_key(const struct store_map *m, char *key, size_t len)
{
	char addr[INET6_ADDRSTRLEN], port[16] = "-";

	addr_str(m->addr.family, m->addr.bytes, addr, sizeof(addr));
	if (m->has_port)
		snprintf(port, sizeof(port), m->first == m->last ? "%u" : "%u-%u", m->first, m->last);
	snprintf(key, len, STORE_PREFIX "maps/%u/%s/%s/%s", m->tenant, addr, m->proto, port);
}

int store_map_add(struct ctl *ctl, const struct store_map *m)
{
	char key[256], ekey[128];
	struct edit_key *k, *e;
	json_object *o, *eps, *be, *n;
	size_t i;
	int err;

	map_key(m, key, sizeof(key));
	snprintf(ekey, sizeof(ekey), STORE_PREFIX "endpoints/%s", m->endpoint);
	err = edit_get(ctl, ekey, &e) ?: edit_get(ctl, key, &k);
	if (err)
		return err;
	if (!e->value)
		return error(ctl, "map add: no endpoint '%s'", m->endpoint);
	o = k->value ? parse_value(k) : json_object_new_object();
	if (!o)
		return error(ctl, "map add: %s holds no JSON object", key);
	if (!json_object_object_get_ex(o, "endpoints", &eps) ||
	    !json_object_is_type(eps, json_type_array)) {
		eps = json_object_new_array();
		json_object_object_add(o, "endpoints", eps);
	}
	for (i = 0; i < json_object_array_length(eps); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(eps, i), "name", &n) &&
		    !strcmp(json_object_get_string(n), m->endpoint))
			break;
	if (m->set) {
		if (i == json_object_array_length(eps)) {
			json_object_put(o);
			return error(ctl, "map set: the map has no endpoint '%s'", m->endpoint);
		}
		json_object_object_add(json_object_array_get_idx(eps, i), "weight",
				       json_object_new_int64(m->weight));
		return put_object(ctl, key, o);
	}
	if (i < json_object_array_length(eps)) {
		json_object_put(o);
		return error(ctl, "map add: the map has endpoint '%s' already", m->endpoint);
	}
	be = json_object_new_object();
	json_object_object_add(be, "name", json_object_new_string(m->endpoint));
	json_object_object_add(be, "weight", json_object_new_int64(m->has_weight ? m->weight : 1));
	json_object_array_add(eps, be);
	if (m->counters)
		json_object_object_add(o, "counters", json_object_new_boolean(1));
	return put_object(ctl, key, o);
}

int store_map_del(struct ctl *ctl, const struct store_map *m)
{
	char key[256];
	struct edit_key *k;
	json_object *o, *eps, *keep, *n;
	int err;

	map_key(m, key, sizeof(key));
	err = edit_get(ctl, key, &k);
	if (err)
		return err;
	if (!k->value)
		return error(ctl, "map del: no map %s", key + strlen(STORE_PREFIX "maps/"));
	if (!m->endpoint)
		return edit_set(ctl, key, NULL);
	o = parse_value(k);
	if (!o || !json_object_object_get_ex(o, "endpoints", &eps) ||
	    !json_object_is_type(eps, json_type_array)) {
		json_object_put(o);
		return error(ctl, "map del: %s holds no list of endpoints", key);
	}
	keep = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *be = json_object_array_get_idx(eps, i);

		if (json_object_object_get_ex(be, "name", &n) &&
		    !strcmp(json_object_get_string(n), m->endpoint))
			continue;
		json_object_array_add(keep, json_object_get(be));
	}
	if (json_object_array_length(keep) == json_object_array_length(eps)) {
		json_object_put(keep);
		json_object_put(o);
		return error(ctl, "map del: the map has no endpoint '%s'", m->endpoint);
	}
	if (!json_object_array_length(keep)) {
		json_object_put(keep);
		json_object_put(o);
		return edit_set(ctl, key, NULL);
	}
	json_object_object_add(o, "endpoints", keep);
	return put_object(ctl, key, o);
}

int store_gateway(struct ctl *ctl, const char *gateway)
{
	json_object *o;

	if (!strcmp(gateway, "none"))
		return edit_set(ctl, STORE_PREFIX "config", NULL);
	o = json_object_new_object();
	json_object_object_add(o, "gateway", json_object_new_string(gateway));
	return put_object(ctl, STORE_PREFIX "config", o);
}

/* An endpoint's value as a line of the grammar, or a comment why not. */
static void save_endpoint_line(const char *name, json_object *o)
{
	json_object *v;

	printf("endpoint add %s", name);
	if (json_object_object_get_ex(o, "mac", &v))
		printf(" mac %s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "host", &v))
		printf(" host %s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "dev", &v))
		printf(" dev %s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "vni", &v) && json_object_get_int64(v))
		printf(" vni %lld", (long long)json_object_get_int64(v));
	if (json_object_object_get_ex(o, "tenant", &v) && json_object_get_int64(v))
		printf(" tenant %lld", (long long)json_object_get_int64(v));
	if (json_object_object_get_ex(o, "state", &v))
		printf(" state %s", json_object_get_string(v));
	printf("\n");
}

static void save_map_lines(const struct key_info *ki, json_object *o)
{
	json_object *eps, *v, *n, *w;
	bool counters = json_object_object_get_ex(o, "counters", &v) && json_object_get_boolean(v);
	char id[128], *tenant;

	/* The grammar puts the tenant after the identity: tenant T is kept apart. */
	snprintf(id, sizeof(id), "%s", ki->map_id);
	tenant = strstr(id, " tenant ");
	if (tenant)
		*tenant++ = '\0';
	if (!json_object_object_get_ex(o, "endpoints", &eps) || !json_object_is_type(eps, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *be = json_object_array_get_idx(eps, i);

		if (!json_object_object_get_ex(be, "name", &n))
			continue;
		printf("map add %s endpoint %s", id, json_object_get_string(n));
		if (json_object_object_get_ex(be, "weight", &w) && json_object_get_int64(w) != 1)
			printf(" weight %lld", (long long)json_object_get_int64(w));
		printf("%s%s%s\n", tenant ? " " : "", tenant ?: "", counters ? " counters" : "");
	}
}

/* mnmapctl --etcd save: the store as a batch that -b restores exactly. */
int store_save(struct ctl *ctl)
{
	json_object *req = json_object_new_object(), *reply = NULL, *kvs, *o, *v;
	char *key, *value, err[128];
	struct key_info ki;
	int rc;

	etcd_prefix_fields(req, STORE_PREFIX);
	rc = edit_range(ctl, req, &kvs, &reply);
	json_object_put(req);
	if (rc)
		return rc;
	printf("# mnmap store at revision %lld; restore with: mnmapctl --etcd URL -b FILE\n",
	       (long long)ctl->store->rev);
	printf("flush\n");
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; kvs && i < json_object_array_length(kvs); i++) {
			enum key_kind kind;

			if (kv_decode(json_object_array_get_idx(kvs, i), &key, &value))
				continue;
			kind = store_key_parse(key, &ki, err, sizeof(err));
			o = json_tokener_parse(value);
			if (pass == 0 && kind == KEY_CONFIG && o &&
			    json_object_object_get_ex(o, "gateway", &v))
				printf("host set gateway %s\n", json_object_get_string(v));
			if (pass == 1 && kind == KEY_ENDPOINT && o)
				save_endpoint_line(ki.name, o);
			if (pass == 2 && kind == KEY_MAP && o)
				save_map_lines(&ki, o);
			if (pass == 2 && (kind == KEY_BAD || ((kind == KEY_MAP || kind == KEY_ENDPOINT) &&
							     !json_object_is_type(o, json_type_object))))
				printf("# %s: not saved: %s\n", key, kind == KEY_BAD ? err : "not JSON");
			json_object_put(o);
			free(key);
			free(value);
		}
	json_object_put(reply);
	return 0;
}
