// SPDX-License-Identifier: GPL-2.0
/*
 * mnmapd's model of the store and of the kernel's table, and the batch
 * that takes the one to the other (see sync.h). Each key's lines are
 * recomputed when it or what it depends on changes (a map depends on its
 * endpoints, an endpoint on its host's vtep), and only the keys whose
 * lines changed are sent, in an order the kernel accepts within one
 * transaction: maps deleted, endpoints deleted, endpoints added or moved,
 * maps added, then this host's own settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "sync.h"

struct entry {
	char *key;
	struct key_info ki;
	char *value;		/* NULL: deleted from the store */
	/* What the key means here: NULL when it cannot be applied. */
	char *want, *want_set;	/* lines; want_set: an endpoint's move */
	char *names;		/* a map's endpoints, NUL-separated */
	char vtep[64];		/* a host's */
	uint32_t want_tenant;
	/* What the kernel holds of it. */
	char *have;
	uint32_t have_tenant;
	char *err;		/* why it is not applied as written */
	char *refused;		/* the kernel's or the grammar's reason */
	bool dirty, force;
	struct entry *next;
};

struct sync {
	char *host, *vtep, *plumbing;
	struct entry **buckets;
	size_t nbuckets, n;
	struct entry **dirty;
	size_t ndirty, capdirty;
	bool deps;		/* a host, config or endpoint key changed */
	/* Kept as they change, not counted over every key at each apply. */
	size_t nerrors;		/* keys with a value and an error */
	size_t nrefused;	/* keys the kernel or the grammar refused */
	char *self_want, *self_have, *self_err;
};

static size_t hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

struct sync *sync_new(const char *host, const char *vtep, const char *plumbing)
{
	struct sync *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->host = strdup(host);
	s->vtep = strdup(vtep ?: "");
	s->plumbing = strdup(plumbing ?: "");
	s->nbuckets = 1024;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->host || !s->vtep || !s->plumbing || !s->buckets) {
		sync_free(s);
		return NULL;
	}
	return s;
}

static void entry_free(struct entry *e)
{
	free(e->key);
	free(e->value);
	free(e->want);
	free(e->want_set);
	free(e->names);
	free(e->have);
	free(e->err);
	free(e->refused);
	free(e);
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->buckets && i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i], *next; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	free(s->buckets);
	free(s->dirty);
	free(s->host);
	free(s->vtep);
	free(s->plumbing);
	free(s->self_want);
	free(s->self_have);
	free(s->self_err);
	free(s);
}

static struct entry *lookup(struct sync *s, const char *key)
{
	for (struct entry *e = s->buckets[hash(key) & (s->nbuckets - 1)]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

static void grow(struct sync *s)
{
	size_t nb = s->nbuckets * 2;
	struct entry **b = calloc(nb, sizeof(*b));

	if (!b)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i], *next; e; e = next) {
			next = e->next;
			e->next = b[hash(e->key) & (nb - 1)];
			b[hash(e->key) & (nb - 1)] = e;
		}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

static int mark_dirty(struct sync *s, struct entry *e)
{
	if (e->dirty)
		return 0;
	if (s->ndirty == s->capdirty) {
		size_t cap = s->capdirty ? 2 * s->capdirty : 256;
		struct entry **d = realloc(s->dirty, cap * sizeof(*d));

		if (!d)
			return -1;
		s->dirty = d;
		s->capdirty = cap;
	}
	s->dirty[s->ndirty++] = e;
	e->dirty = true;
	return 0;
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
}

/* Around a change of a key's value or error: its share of nerrors. */
static void untally(struct sync *s, const struct entry *e)
{
	if (e->err && e->value)
		s->nerrors--;
}

static void tally(struct sync *s, const struct entry *e)
{
	if (e->err && e->value)
		s->nerrors++;
}

static void set_refused(struct sync *s, struct entry *e, const char *why)
{
	s->nrefused += (why != NULL) - (e->refused != NULL);
	set_str(&e->refused, why);
}

int sync_set(struct sync *s, const char *key, const char *value)
{
	struct entry *e = lookup(s, key);
	struct key_info ki;
	char err[128];

	if (!e) {
		if (!value)
			return 0;
		if (store_key_parse(key, &ki, err, sizeof(err)) == KEY_STATUS)
			return 0;	/* the hosts' own reports: nothing to apply */
		e = calloc(1, sizeof(*e));
		if (!e || !(e->key = strdup(key))) {
			free(e);
			return -1;
		}
		e->ki = ki;
		if (ki.kind == KEY_BAD)
			set_str(&e->err, err);
		if (s->n >= s->nbuckets)
			grow(s);
		e->next = s->buckets[hash(key) & (s->nbuckets - 1)];
		s->buckets[hash(key) & (s->nbuckets - 1)] = e;
		s->n++;
	}
	untally(s, e);
	set_str(&e->value, value);
	tally(s, e);
	/* A new value is a new chance: the kernel's last refusal was of the old. */
	set_refused(s, e, NULL);
	if (e->ki.kind != KEY_MAP)
		s->deps = true;
	return mark_dirty(s, e);
}

void sync_reset(struct sync *s)
{
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i]; e; e = e->next) {
			untally(s, e);
			set_str(&e->value, NULL);
			set_refused(s, e, NULL);
			mark_dirty(s, e);
		}
	s->deps = true;
}

size_t sync_count(struct sync *s)
{
	return s->n;
}

static const char *vtep_of(void *arg, const char *name)
{
	char key[128];
	struct entry *e;

	snprintf(key, sizeof(key), STORE_PREFIX "hosts/%s", name);
	e = lookup(arg, key);
	return e && e->value && e->vtep[0] ? e->vtep : NULL;
}

static bool endpoint_ok(void *arg, const char *name)
{
	char key[128];
	struct entry *e;

	snprintf(key, sizeof(key), STORE_PREFIX "endpoints/%s", name);
	e = lookup(arg, key);
	return e && e->want;
}

/* Recompute what @e means here; the kernel's refusal, if any, stands. */
static void recompute_entry(struct sync *s, struct entry *e)
{
	struct xlate_ctx x = { s->host, vtep_of, endpoint_ok, s };
	struct xlate_endpoint ep;
	char err[256] = "", *lines = NULL, *names = NULL;
	int rc = 0;

	set_str(&e->want, NULL);
	set_str(&e->want_set, NULL);
	set_str(&e->names, NULL);
	e->vtep[0] = '\0';
	if (!e->value) {
		set_str(&e->err, NULL);
		return;
	}
	if (e->ki.kind == KEY_BAD) {
		store_key_parse(e->key, &e->ki, err, sizeof(err));
		set_str(&e->err, err);
		return;
	}
	switch (e->ki.kind) {
	case KEY_HOST:
		rc = xlate_host(e->value, e->vtep, sizeof(e->vtep), err, sizeof(err));
		break;
	case KEY_CONFIG:
		rc = xlate_config(e->value, e->vtep, sizeof(e->vtep), err, sizeof(err));
		break;
	case KEY_ENDPOINT:
		rc = xlate_endpoint(&x, e->ki.name, e->value, &ep, err, sizeof(err));
		if (!rc && !e->refused) {
			e->want = strdup(ep.add);
			e->want_set = strdup(ep.set);
			e->want_tenant = ep.tenant;
			snprintf(err, sizeof(err), "%s", ep.warning);
		}
		break;
	case KEY_MAP:
		rc = xlate_map(&x, &e->ki, e->value, &lines, &names, err, sizeof(err));
		if (!rc && !e->refused) {
			e->want = lines;
			e->names = names;
		} else {
			free(lines);
			free(names);
		}
		break;
	default:
		break;
	}
	if (e->refused)
		snprintf(err, sizeof(err), "%s", e->refused);
	set_str(&e->err, err[0] ? err : NULL);
}

static void recompute(struct sync *s, struct entry *e)
{
	untally(s, e);
	recompute_entry(s, e);
	tally(s, e);
}

static bool changed(const char *a, const char *b)
{
	return (!a) != (!b) || (a && strcmp(a, b));
}

static bool recreated(const struct entry *e)
{
	return e->ki.kind == KEY_ENDPOINT && e->have && e->want &&
	       e->have_tenant != e->want_tenant;
}

static bool uses(const struct entry *map, const char *endpoint)
{
	for (const char *n = map->names; n && *n; n += strlen(n) + 1)
		if (!strcmp(n, endpoint))
			return true;
	return false;
}

/* This host's own settings: its plumbing, its vtep and the fleet's gateway. */
static void recompute_self(struct sync *s)
{
	char key[128], line[512];
	const char *vtep = s->vtep;
	struct entry *cfg, *me;

	snprintf(key, sizeof(key), STORE_PREFIX "hosts/%s", s->host);
	me = lookup(s, key);
	cfg = lookup(s, STORE_PREFIX "config");
	if (!vtep[0] && me && me->value)
		vtep = me->vtep;
	snprintf(line, sizeof(line), "host set%s%s%s%s gateway %s\n",
		 s->plumbing[0] ? " " : "", s->plumbing, vtep[0] ? " vtep " : "", vtep,
		 cfg && cfg->value && cfg->vtep[0] ? cfg->vtep : "none");
	set_str(&s->self_want, line);
}

/* Recompute every entry of @kind; dirty those whose lines changed. */
static int recompute_kind(struct sync *s, enum key_kind kind, bool *flipped,
			  const struct entry **recreate, size_t nrecreate)
{
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i]; e; e = e->next) {
			bool had = e->want != NULL;

			if (e->ki.kind != kind)
				continue;
			recompute(s, e);
			/* Maps care whether an endpoint is applied, not where it is. */
			if (flipped && had != (e->want != NULL))
				*flipped = true;
			for (size_t r = 0; r < nrecreate; r++)
				if (e->have && uses(e, recreate[r]->ki.name))
					e->force = true;
			if ((e->force || changed(e->want, e->have)) && mark_dirty(s, e))
				return -1;
		}
	return 0;
}

/* Bring every entry's lines up to date before a batch is built. */
static int recompute_all(struct sync *s)
{
	const struct entry **recreate = NULL;
	size_t nrecreate = 0;
	bool flipped = false;
	int err;

	if (!s->deps) {
		for (size_t i = 0; i < s->ndirty; i++)
			recompute(s, s->dirty[i]);
		return 0;
	}
	err = recompute_kind(s, KEY_HOST, NULL, NULL, 0) ?:
	      recompute_kind(s, KEY_CONFIG, NULL, NULL, 0) ?:
	      recompute_kind(s, KEY_ENDPOINT, &flipped, NULL, 0);
	if (err)
		return err;
	recompute_self(s);
	for (size_t i = 0; i < s->ndirty; i++)
		if (recreated(s->dirty[i])) {
			const struct entry **r = realloc(recreate, (nrecreate + 1) * sizeof(*r));

			if (!r)
				break;
			recreate = r;
			recreate[nrecreate++] = s->dirty[i];
		}
	if (flipped || nrecreate)
		err = recompute_kind(s, KEY_MAP, NULL, recreate, nrecreate);
	else
		for (size_t i = 0; i < s->ndirty; i++)
			recompute(s, s->dirty[i]);
	free(recreate);
	s->deps = false;
	return err;
}

/* The batch being built: its text and which entry owns each line. */
struct batch_text {
	FILE *f;
	char *text;
	size_t len;
	struct entry **owner;
	bool *del;
	int lines, cap;
};

static int emit(struct batch_text *b, struct entry *owner, bool del, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (b->lines + 1 >= b->cap) {
			int cap = b->cap ? 2 * b->cap : 1024;
			struct entry **o = realloc(b->owner, cap * sizeof(*o));
			bool *d;

			if (!o)
				return -1;
			b->owner = o;
			d = realloc(b->del, cap * sizeof(*d));
			if (!d)
				return -1;
			b->del = d;
			b->cap = cap;
		}
		b->lines++;
		b->owner[b->lines] = owner;
		b->del[b->lines] = del;
		fwrite(p, 1, n, b->f);
		if (!nl)
			fputc('\n', b->f);
		p += n;
	}
	return 0;
}

static int emit_del(struct batch_text *b, struct entry *e)
{
	char line[256];

	if (e->ki.kind == KEY_MAP)
		snprintf(line, sizeof(line), "map del %s\n", e->ki.map_id);
	else
		snprintf(line, sizeof(line), "endpoint del %s\n", e->ki.name);
	return emit(b, e, true, line);
}

/* The phases of a batch, in the order the kernel accepts them. */
static int emit_phase(struct sync *s, struct batch_text *b, int phase)
{
	int err = 0;

	for (size_t i = 0; i < s->ndirty && !err; i++) {
		struct entry *e = s->dirty[i];
		bool diff = e->force || changed(e->want, e->have);

		if (phase == 0 && e->ki.kind == KEY_MAP && e->have && diff)
			err = emit_del(b, e);
		if (phase == 1 && e->ki.kind == KEY_ENDPOINT && e->have && (!e->want || recreated(e)))
			err = emit_del(b, e);
		if (phase == 2 && e->ki.kind == KEY_ENDPOINT && e->want && diff)
			err = emit(b, e, false, !e->have || recreated(e) ? e->want : e->want_set);
		if (phase == 3 && e->ki.kind == KEY_MAP && e->want && diff)
			err = emit(b, e, false, e->want);
	}
	return err;
}

static int build(struct sync *s, bool replace, struct batch_text *b)
{
	int err = 0;

	b->f = open_memstream(&b->text, &b->len);
	if (!b->f)
		return -1;
	if (replace)
		err = emit(b, NULL, false, "flush\n");
	for (int phase = 0; phase < 4 && !err; phase++)
		err = emit_phase(s, b, phase);
	if (!err && changed(s->self_want, s->self_have))
		err = emit(b, NULL, false, s->self_want);
	fclose(b->f);
	return err;
}

static void batch_text_free(struct batch_text *b)
{
	free(b->text);
	free(b->owner);
	free(b->del);
	memset(b, 0, sizeof(*b));
}

/* Unlink @e from its bucket and free it. */
static void forget(struct sync *s, struct entry *e)
{
	struct entry **p = &s->buckets[hash(e->key) & (s->nbuckets - 1)];

	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	entry_free(e);
	s->n--;
}

/*
 * The batch went in: the kernel now holds what was wanted. Keys deleted
 * from the store and from the kernel are forgotten; they are all dirty (a
 * delete or a reset marks them), so the rest of the table is not walked.
 */
static void applied(struct sync *s)
{
	for (size_t i = 0; i < s->ndirty; i++) {
		struct entry *e = s->dirty[i];

		set_str(&e->have, e->want);
		e->have_tenant = e->want_tenant;
		e->force = e->dirty = false;
		if (!e->value && !e->have)
			forget(s, e);
	}
	set_str(&s->self_have, s->self_want);
	s->ndirty = 0;
}

/* The kernel or the grammar refused line @line: leave its key out. */
static int refuse(struct sync *s, struct batch_text *b, int line, const char *why)
{
	struct entry *e = line > 0 && line <= b->lines ? b->owner[line] : NULL;

	if (!e)
		return -1;
	if (b->del[line]) {
		/* Not in the kernel after all (deleted by hand): nothing to delete. */
		set_str(&e->have, NULL);
		return 0;
	}
	/* The next round recomputes it (and, for an endpoint, its maps). */
	set_refused(s, e, why);
	if (e->ki.kind == KEY_ENDPOINT)
		s->deps = true;
	return 0;
}

int sync_apply(struct sync *s, bool replace, sync_apply_fn fn, void *arg, char *err, size_t len)
{
	/* Each round leaves out at least one key, or gives up. */
	size_t rounds = s->n + 2;

	if (replace) {
		for (size_t i = 0; i < s->nbuckets; i++)
			for (struct entry *e = s->buckets[i]; e; e = e->next) {
				set_str(&e->have, NULL);
				mark_dirty(s, e);
			}
		set_str(&s->self_have, NULL);
		s->deps = true;
	}
	while (rounds--) {
		struct batch_text b = { 0 };
		int line = 0, rc;

		if (recompute_all(s) || build(s, replace, &b)) {
			batch_text_free(&b);
			snprintf(err, len, "out of memory");
			return -1;
		}
		rc = b.lines ? fn(arg, b.text, &line, err, len) : 0;
		if (!rc) {
			batch_text_free(&b);
			applied(s);
			return 0;
		}
		rc = refuse(s, &b, line, err);
		batch_text_free(&b);
		if (rc)
			return -1;
	}
	snprintf(err, len, "too many keys refused");
	return -1;
}

size_t sync_errors(struct sync *s, void (*fn)(void *arg, const char *key, const char *why,
					      bool applied), void *arg)
{
	if (!fn || !s->nerrors)
		return s->nerrors;
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i]; e; e = e->next)
			if (e->err && e->value)
				fn(arg, e->key, e->err, e->want != NULL);
	return s->nerrors;
}

/* A refused key has a value: a new value or a delete clears the refusal. */
bool sync_has_retry(struct sync *s)
{
	return s->nrefused > 0;
}

/* Devices come and modules change: give refused keys another chance. */
void sync_retry(struct sync *s)
{
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i]; e; e = e->next)
			if (e->value && e->refused) {
				set_refused(s, e, NULL);
				mark_dirty(s, e);
				s->deps = true;
			}
}
