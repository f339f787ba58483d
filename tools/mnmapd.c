// SPDX-License-Identifier: GPL-2.0
/*
 * mnmapd: keeps this host's mnmap table in step with the fleet's desired
 * state in etcd (the key layout is Documentation/etcd.md). It reads the
 * whole prefix at one revision and publishes it as one replace
 * transaction, then applies each watch response as one transaction. A
 * compacted history, a broken watch or a restarted etcd lead to a fresh
 * read and a replace; while etcd is away the kernel keeps its table. The
 * hosts' status keys are outside what it reads and watches, and its own is
 * written by a thread of its own (see reporter below), never in the way of
 * the watch.
 *
 *   mnmapd --etcd URL --host NAME [--vtep ADDR] [--uplink IF] [--vxlan IF]
 *   mnmapd --etcd URL --status
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "ctl.h"
#include "etcd.h"
#include "etcdpb.h"
#include "nl.h"
#include "parse.h"
#include "store.h"
#include "sync.h"

#define LEASE_TTL 10		/* seconds: a host silent this long drops its status */
#define KEEPALIVE_MS 3000
#define BEAT_TIMEOUT_MS 2000	/* of a keepalive or a status write */
#define REPORT_POLL_MS 100	/* the reporter looks for a new status this often */
#define STATUS_MS 1000		/* at most one status write per second */
/*
 * ... give or take: the ticks that write it come about a second apart, so
 * a status due just after one waits for the next, not a second after it.
 */
#define STATUS_SLACK_MS 100
#define RETRY_MS 5000		/* refused keys (a device missing here) tried again */
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 2000
#define STATUS_ERRORS_MAX 100
#define SYNC_PAGE 10000		/* keys per page of a fresh read through the gateway */
/*
 * ... and over gRPC, larger: etcd 3.4 counts the whole rest of the range
 * for every page, so pages cost more the smaller they are (a 100k-key read
 * under TCG: 17 s in pages of 10000, 8 s in one), and a page of protobuf
 * is parsed as it comes, never a tree of JSON (8.6 MB for 100k maps).
 */
#define GRPC_PAGE 100000
/*
 * What is read and watched: the prefix up to the status keys, which sort
 * last (config < endpoints/ < hosts/ < maps/ < status/), so that one host's
 * status write wakes no other host. A key of a future layout that sorts
 * after status/ (say "vips/") would be neither read nor watched, silently:
 * such a key needs a range of its own here (store.h says so too).
 */
#define FOLLOW_END STORE_PREFIX "status/"

/*
 * The status key and its lease, in a thread of their own: a keepalive or a
 * write that waits for etcd never stalls the watch. The lease is granted
 * with the first status (after the first replace, however long it took,
 * or the first session that failed);
 * one that lapses is granted again and the status rewritten, while the
 * watch carries on.
 */
struct reporter {
	pthread_mutex_t lock;
	char *status;		/* the newest status to write (under lock) */
	struct etcd *etcd;
	char key[128];
	int64_t lease;
	bool away;		/* logged that etcd does not answer */
};

struct daemon {
	const char *host;
	const char *vtep;
	struct etcd *etcd;	/* unary calls */
	struct etcd *watch;	/* the watch stream, alongside */
	struct etcd *bulk;	/* fresh reads over gRPC (HTTP/2): etcdpb.c */
	bool no_grpc;		/* gRPC failed in this read: the gateway's pages */
	char grpc_error[256];	/* why */
	struct reporter rep;
	struct ctl ctl;
	struct sync *sync;
	int64_t rev;		/* the store's revision the kernel holds */
	int64_t last_status, last_retry;
	bool status_due;	/* the revision or the errors changed */
	bool errors_due;	/* ... the errors: logged with the status */
	char last_error[256];	/* of the last apply that failed whole */
	int64_t page, grpc_page;	/* keys per page of a fresh read */
};

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One write per line: the reporter's lines never cut into the main thread's. */
static void log_msg(const char *fmt, ...)
{
	struct timespec ts;
	char when[32], line[1024];
	struct tm tm;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	strftime(when, sizeof(when), "%H:%M:%S", gmtime_r(&ts.tv_sec, &tm));
	n = snprintf(line, sizeof(line), "mnmapd %s.%03ld: ", when, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The batch code applies the lines as `mnmapctl -b` would, all or nothing. */
static int apply_batch(void *arg, const char *text, int *line, char *err, size_t len)
{
	struct daemon *d = arg;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	if (!f) {
		snprintf(err, len, "out of memory");
		*line = 0;
		return -1;
	}
	rc = batch_apply(&d->ctl, "etcd", f);
	fclose(f);
	if (!rc)
		return 0;
	*line = d->ctl.batch_line;
	snprintf(err, len, "%s", d->ctl.errmsg[0] ? d->ctl.errmsg : strerror(-rc));
	return -1;
}

static void add_error(void *arg, const char *key, const char *why, bool applied)
{
	json_object *list = arg, *o;

	if (json_object_array_length(list) >= STATUS_ERRORS_MAX)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "error", json_object_new_string(why));
	json_object_object_add(o, "applied", json_object_new_boolean(applied));
	json_object_array_add(list, o);
}

static void log_error(void *arg, const char *key, const char *why, bool applied)
{
	(void)arg;
	log_msg("%s: %s%s", key, why, applied ? " (applied)" : " (skipped)");
}

static void msleep(int64_t ms)
{
	usleep(ms * 1000);
}

/* Grant the lease if there is none; false while etcd does not answer. */
static bool have_lease(struct reporter *r)
{
	if (r->lease > 0)
		return true;
	r->lease = etcd_lease_grant(r->etcd, LEASE_TTL);
	if (r->lease > 0)
		return true;
	r->lease = 0;
	if (!r->away)
		log_msg("cannot get a lease: %s", etcd_error(r->etcd));
	return r->away = true, false;
}

/* Keep the lease; a lapsed one is granted again and the status rewritten. */
static bool keep_lease(struct reporter *r)
{
	if (!etcd_lease_keepalive(r->etcd, r->lease))
		return true;
	if (!r->away)
		log_msg("%s: etcd away, the table stays as it is", etcd_error(r->etcd));
	r->away = true;
	r->lease = 0;
	return false;
}

/* The newest status handed over since the last look, or NULL. */
static char *take_status(struct reporter *r)
{
	char *status;

	pthread_mutex_lock(&r->lock);
	status = r->status;
	r->status = NULL;
	pthread_mutex_unlock(&r->lock);
	return status;
}

static void *report_loop(void *arg)
{
	struct reporter *r = arg;
	int64_t last_beat = now_ms();
	char *status = NULL, *fresh;
	bool owed = false;	/* the store does not say @status yet */

	for (;;) {
		msleep(REPORT_POLL_MS);
		fresh = take_status(r);
		if (fresh) {
			free(status);
			status = fresh;
			owed = true;
		}
		if (r->lease && now_ms() - last_beat >= KEEPALIVE_MS) {
			last_beat = now_ms();
			if (!keep_lease(r))
				owed = true;	/* the status went with the lease */
		}
		if (!owed)
			continue;
		if (!have_lease(r) || etcd_put(r->etcd, r->key, status, r->lease)) {
			if (r->lease && !r->away)
				log_msg("cannot write %s: %s", r->key, etcd_error(r->etcd));
			/* It may have lapsed: a new one, not 3 s of puts against it. */
			r->lease = 0;
			r->away = true;
			msleep(STATUS_MS);
			continue;
		}
		if (r->away)
			log_msg("etcd answers again: %s written", r->key);
		r->away = owed = false;
		last_beat = now_ms();
	}
	return NULL;
}

/*
 * Hand @status (malloc'd) to the reporter: it replaces one not yet written.
 * false for NULL (out of memory), the one pending kept.
 */
static bool post_status(struct reporter *r, char *status)
{
	if (!status)
		return false;
	pthread_mutex_lock(&r->lock);
	free(r->status);
	r->status = status;
	pthread_mutex_unlock(&r->lock);
	return true;
}

/* status/NAME: the revision applied, what is not applied, and when; false if not posted. */
static bool write_status(struct daemon *d)
{
	json_object *st = json_object_new_object(), *errors = json_object_new_array();
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	bool posted;
	size_t n;

	n = sync_errors(d->sync, add_error, errors);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	json_object_object_add(st, "host", json_object_new_string(d->host));
	json_object_object_add(st, "revision", json_object_new_int64(d->rev));
	json_object_object_add(st, "error_count", json_object_new_int64(n));
	json_object_object_add(st, "errors", errors);
	json_object_object_add(st, "keys", json_object_new_int64(sync_count(d->sync)));
	if (d->last_error[0])
		json_object_object_add(st, "last_error", json_object_new_string(d->last_error));
	json_object_object_add(st, "time", json_object_new_string(when));
	posted = post_status(&d->rep,
			     strdup(json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN)));
	json_object_put(st);
	return posted;
}

/*
 * Apply what changed; a failure of the whole batch needs a replace. Only
 * the kernel's transaction is on the way of a change: its status (and the
 * log of its errors) is due, written from the tick, at most once a second.
 * A retry that changes nothing writes nothing.
 */
static int apply(struct daemon *d, bool replace, int64_t rev)
{
	char err[256];
	size_t before = sync_errors(d->sync, NULL, NULL);

	if (sync_apply(d->sync, replace, apply_batch, d, err, sizeof(err))) {
		snprintf(d->last_error, sizeof(d->last_error), "%s", err);
		log_msg("cannot apply revision %lld: %s", (long long)rev, err);
		d->status_due = true;	/* the failure shows in the status */
		return -1;
	}
	d->last_error[0] = '\0';
	if (replace || sync_errors(d->sync, NULL, NULL) != before)
		d->errors_due = d->status_due = true;
	if (rev != d->rev)
		d->status_due = true;
	d->rev = rev;
	return 0;
}

/* The status, and the errors' log when they changed: from the tick. */
static void status_tick(struct daemon *d)
{
	int64_t now = now_ms();

	if (!d->status_due || now - d->last_status < STATUS_MS - STATUS_SLACK_MS)
		return;
	d->last_status = now;
	if (d->errors_due)
		sync_errors(d->sync, log_error, NULL);
	d->errors_due = false;
	d->status_due = !write_status(d);	/* out of memory: the next tick tries again */
}

/*
 * The status now, not rate-limited: when a session ends or its replace
 * fails, so that a host whose replace keeps failing says so (the lease the
 * reporter keeps alive would otherwise keep its last healthy status).
 */
static void status_now(struct daemon *d)
{
	d->status_due = true;
	d->last_status = 0;
	status_tick(d);
}

/* hosts/NAME from --vtep, only if absent: the store's word wins after that. */
static int ensure_host_key(struct daemon *d)
{
	json_object *req, *cmp, *put, *op, *reply;
	char key[128], value[128], *k, *v;
	int err;

	if (!d->vtep)
		return 0;
	snprintf(key, sizeof(key), STORE_PREFIX "hosts/%s", d->host);
	snprintf(value, sizeof(value), "{\"vtep\": \"%s\"}", d->vtep);
	k = b64_encode(key, strlen(key));
	v = b64_encode(value, strlen(value));
	req = json_object_new_object();
	cmp = json_object_new_object();
	json_object_object_add(cmp, "key", json_object_new_string(k ?: ""));
	json_object_object_add(cmp, "target", json_object_new_string("CREATE"));
	json_object_object_add(cmp, "result", json_object_new_string("EQUAL"));
	json_object_object_add(cmp, "create_revision", json_object_new_int64(0));
	put = json_object_new_object();
	json_object_object_add(put, "key", json_object_new_string(k ?: ""));
	json_object_object_add(put, "value", json_object_new_string(v ?: ""));
	op = json_object_new_object();
	json_object_object_add(op, "request_put", put);
	json_object_object_add(req, "compare", json_object_new_array());
	json_object_array_add(json_object_object_get(req, "compare"), cmp);
	json_object_object_add(req, "success", json_object_new_array());
	json_object_array_add(json_object_object_get(req, "success"), op);
	err = etcd_call(d->etcd, "kv/txn", req, &reply);
	json_object_put(reply);
	json_object_put(req);
	free(k);
	free(v);
	return err;
}

/* Feed a range's or a watch response's kv to the model. */
static int take_kv(struct daemon *d, json_object *kv, bool deleted)
{
	char *key, *value;
	int err;

	if (kv_decode(kv, &key, &value)) {
		log_msg("a key or value etcd sent is not base64, or holds a NUL: ignored");
		return 0;
	}
	err = sync_set(d->sync, key, deleted ? NULL : value);
	free(key);
	free(value);
	return err;
}

/* The key after @key: @key with a NUL, written as its successor. */
static char *key_after(const char *key)
{
	char *next = malloc(strlen(key) + 2);

	if (next) {
		strcpy(next, key);
		strcat(next, "\x01");	/* no key of the layout holds a byte below space */
	}
	return next;
}

/*
 * One page of the prefix into the model through the JSON gateway; *@from
 * becomes the key after its last, NULL at the end.
 */
static int read_page_json(struct daemon *d, int64_t *rev, char **from)
{
	json_object *reply, *kvs, *header, *more;
	char *key = NULL, *value = NULL;
	int err = 0;
	size_t n;
	bool last;

	if (etcd_range_page(d->etcd, *from ?: STORE_PREFIX, FOLLOW_END, *rev, d->page, &reply)) {
		log_msg("cannot read the store: %s", etcd_error(d->etcd));
		return -1;
	}
	json_object_object_get_ex(reply, "header", &header);
	if (!*rev)
		*rev = json_i64(header, "revision");
	if (*rev <= 0) {	/* no header: a watch from revision 1 would replay all */
		log_msg("cannot read the store: a reply without its revision");
		json_object_put(reply);
		return -1;
	}
	n = json_object_object_get_ex(reply, "kvs", &kvs) ? json_object_array_length(kvs) : 0;
	for (size_t i = 0; i < n && !err; i++)
		err = take_kv(d, json_object_array_get_idx(kvs, i), false);
	last = !json_object_object_get_ex(reply, "more", &more) || !json_object_get_boolean(more);
	free(*from);
	*from = NULL;
	if (!last && n && !kv_decode(json_object_array_get_idx(kvs, n - 1), &key, &value))
		*from = key_after(key);
	free(key);
	free(value);
	json_object_put(reply);
	return err ?: (!last && !*from) ? -1 : 0;
}

/* A page's kvs in protobuf: each into the model, the last one noted. */
struct pb_page {
	struct daemon *d;
	char *last;
	size_t cap;
};

static int take_pb(void *arg, const char *key, const char *value)
{
	struct pb_page *p = arg;
	size_t n = strlen(key) + 1;

	if (n > p->cap) {
		char *b = realloc(p->last, 2 * n);

		if (!b)
			return -2;	/* -1 is a malformed reply's */
		p->last = b;
		p->cap = 2 * n;
	}
	memcpy(p->last, key, n);
	return sync_set(p->d->sync, key, value) ? -2 : 0;
}

/* The same page over gRPC: several times cheaper for etcd and for us. */
static int read_page_pb(struct daemon *d, int64_t *rev, char **from)
{
	struct pb_page p = { .d = d };
	uint8_t req[1024];
	struct pb_range r;
	const uint8_t *msg;
	size_t len, mlen;
	char *body;
	int err;

	len = pb_range_request(req, sizeof(req), *from ?: STORE_PREFIX, FOLLOW_END, *rev,
			       d->grpc_page);
	if (len > sizeof(req)) {
		snprintf(d->grpc_error, sizeof(d->grpc_error), "a key too long for a request");
		return -1;
	}
	if (etcd_grpc(d->bulk, "etcdserverpb.KV/Range", req, len, &body, &msg, &mlen)) {
		snprintf(d->grpc_error, sizeof(d->grpc_error), "%s", etcd_error(d->bulk));
		return -1;
	}
	err = pb_range_response(msg, mlen, &r, take_pb, &p);
	free(body);
	if (err) {
		snprintf(d->grpc_error, sizeof(d->grpc_error), "%s",
			 err == -1 ? "a malformed RangeResponse" : "out of memory");
		free(p.last);
		return -1;
	}
	if (!*rev)
		*rev = r.revision;
	free(*from);
	*from = r.more && r.count ? key_after(p.last) : NULL;
	free(p.last);
	if (r.more && !*from) {
		snprintf(d->grpc_error, sizeof(d->grpc_error), "more keys said, none sent");
		return -1;
	}
	return 0;
}

/* What read_page returns besides 0 and -1: the read starts again. */
enum { READ_AGAIN = 1 };

/*
 * A page over gRPC, or through the gateway where gRPC fails (a proxy that
 * speaks only HTTP/1.1, say): for the rest of this read, from its start,
 * as part of a page may be in the model already, and the gateway's first
 * page is read at a revision of its own. The next read tries gRPC again.
 */
static int read_page(struct daemon *d, int64_t *rev, char **from)
{
	if (d->no_grpc)
		return read_page_json(d, rev, from);
	if (!read_page_pb(d, rev, from))
		return 0;
	d->no_grpc = true;
	return READ_AGAIN;
}

/*
 * The whole prefix at one revision (in pages, so that a large store never
 * makes one huge reply), published as one replace.
 */
static int full_sync(struct daemon *d)
{
	int64_t rev = 0, t0 = now_ms(), t1;
	char *from = NULL;
	int rc;

	d->no_grpc = false;
	sync_reset(d->sync);
	do {
		rc = read_page(d, &rev, &from);
		if (rc == READ_AGAIN) {
			sync_reset(d->sync);
			rev = 0;
			free(from);
			from = NULL;
			rc = read_page(d, &rev, &from);	/* the gateway's: 0 or -1 */
			if (!rc)	/* etcd answers: worth saying (not while it is away) */
				log_msg("cannot read the store over gRPC (%s): "
					"through the JSON gateway, from the start", d->grpc_error);
		}
		if (rc) {
			snprintf(d->last_error, sizeof(d->last_error), "cannot read the store");
			free(from);
			return -1;
		}
	} while (from);
	t1 = now_ms();
	if (apply(d, true, rev))
		return -1;
	log_msg("revision %lld applied as a replace (%zu keys; read in %.1f s, applied in %.1f s)",
		(long long)rev, sync_count(d->sync), (t1 - t0) / 1000.0, (now_ms() - t1) / 1000.0);
	return 0;
}

/* The stop code of the watch: back to a fresh read. */
enum { WATCH_RESYNC = 1 };

/*
 * A watch response: its events as one transaction. The revision applied is
 * that of its last event, not the header's (the store's newest, which a
 * response catching up on history is not at).
 */
static int on_watch(void *arg, json_object *result)
{
	struct daemon *d = arg;
	json_object *events, *ev, *kv = NULL, *type;
	int64_t rev = d->rev;
	bool deleted, any = false;

	if (json_i64(result, "compact_revision")) {
		log_msg("revision %lld was compacted (history from %lld): a fresh read",
			(long long)d->rev + 1, (long long)json_i64(result, "compact_revision"));
		return WATCH_RESYNC;
	}
	if (json_object_object_get_ex(result, "canceled", &ev) && json_object_get_boolean(ev)) {
		log_msg("the watch was canceled: a fresh read");
		return WATCH_RESYNC;
	}
	if (!json_object_object_get_ex(result, "events", &events))
		return 0;	/* created, or progress */
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		ev = json_object_array_get_idx(events, i);
		deleted = json_object_object_get_ex(ev, "type", &type) &&
			  !strcmp(json_object_get_string(type), "DELETE");
		if (!json_object_object_get_ex(ev, "kv", &kv))
			continue;
		if (take_kv(d, kv, deleted))
			return WATCH_RESYNC;
		if (json_i64(kv, "mod_revision") > rev)
			rev = json_i64(kv, "mod_revision");
		any = true;
	}
	if (!any)
		return 0;
	if (apply(d, false, rev))
		return WATCH_RESYNC;
	/* Right after the kernel's commit, with its time: what the benchmark measures. */
	log_msg("revision %lld applied", (long long)rev);
	status_tick(d);
	return 0;
}

/* About every second while watching: refused keys, and the status. */
static int on_tick(void *arg)
{
	struct daemon *d = arg;
	int64_t now = now_ms();

	if (now - d->last_retry >= RETRY_MS && sync_has_retry(d->sync)) {
		d->last_retry = now;
		sync_retry(d->sync);
		if (apply(d, false, d->rev))
			return WATCH_RESYNC;
	}
	status_tick(d);
	return 0;
}

/* One session with etcd: register, read, replace, then follow the watch. */
static int session(struct daemon *d, int64_t *backoff)
{
	int rc;

	if (ensure_host_key(d)) {
		log_msg("cannot register host %s: %s", d->host, etcd_error(d->etcd));
		status_now(d);
		return -1;
	}
	if (full_sync(d)) {
		status_now(d);
		return -1;
	}
	/* The first status (and so the lease) now, not a second later. */
	status_now(d);
	*backoff = BACKOFF_MIN_MS;
	d->last_retry = now_ms();
	rc = etcd_watch(d->watch, STORE_PREFIX, FOLLOW_END, d->rev + 1, on_watch, on_tick, d);
	status_now(d);
	if (rc < 0)
		log_msg("the watch ended (%s): the table stays, a fresh read when etcd answers",
			etcd_error(d->watch));
	return rc;
}

static int run(struct daemon *d)
{
	int64_t backoff = BACKOFF_MIN_MS;
	int err = ctl_connect(&d->ctl);
	pthread_t reporter;

	if (err) {
		log_msg("%s", d->ctl.errmsg[0] ? d->ctl.errmsg : strerror(-err));
		return 1;
	}
	err = pthread_create(&reporter, NULL, report_loop, &d->rep);
	if (err) {
		log_msg("cannot start the status thread: %s", strerror(err));
		return 1;
	}
	log_msg("host %s following %s", d->host, STORE_PREFIX);
	for (;;) {
		int rc = session(d, &backoff);

		/* A fresh read at once, but never a busy loop if it keeps failing. */
		if (rc == WATCH_RESYNC) {
			usleep(BACKOFF_MIN_MS * 1000);
			continue;
		}
		usleep(backoff * 1000);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
}

/* mnmapd --status: every host's report, beside the store's revision. */
static int print_status(struct etcd *e)
{
	json_object *reply, *kvs, *header;
	char *key, *value;

	if (etcd_range_prefix(e, STORE_PREFIX "status/", 0, false, &reply)) {
		fprintf(stderr, "mnmapd: %s\n", etcd_error(e));
		return 1;
	}
	json_object_object_get_ex(reply, "header", &header);
	printf("store revision %lld\n", (long long)json_i64(header, "revision"));
	if (json_object_object_get_ex(reply, "kvs", &kvs))
		for (size_t i = 0; i < json_object_array_length(kvs); i++) {
			json_object *st, *errs, *v;

			if (kv_decode(json_object_array_get_idx(kvs, i), &key, &value))
				continue;
			st = json_tokener_parse(value);
			printf("%s revision %lld errors %lld time %s\n",
			       key + strlen(STORE_PREFIX "status/"),
			       (long long)json_i64(st, "revision"),
			       (long long)json_i64(st, "error_count"),
			       json_object_object_get_ex(st, "time", &v) ?
			       json_object_get_string(v) : "?");
			if (st && json_object_object_get_ex(st, "errors", &errs))
				for (size_t j = 0; j < json_object_array_length(errs); j++) {
					json_object *er = json_object_array_get_idx(errs, j), *k, *w;

					json_object_object_get_ex(er, "key", &k);
					json_object_object_get_ex(er, "error", &w);
					printf("  %s: %s\n", json_object_get_string(k),
					       json_object_get_string(w));
				}
			json_object_put(st);
			free(key);
			free(value);
		}
	json_object_put(reply);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: mnmapd --etcd URL --host NAME [--vtep ADDR] [--uplink IF] [--vxlan IF]\n"
		   "       mnmapd --etcd URL --status\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "etcd", required_argument, NULL, 'e' },
		{ "host", required_argument, NULL, 'H' },
		{ "vtep", required_argument, NULL, 'v' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "vxlan", required_argument, NULL, 'x' },
		{ "status", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *uplink = NULL, *vxlan = NULL;
	struct daemon d = { 0 };
	char plumbing[128] = "";
	struct addr a;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'e': url = optarg; break;
		case 'H': d.host = optarg; break;
		case 'v': d.vtep = optarg; break;
		case 'u': uplink = optarg; break;
		case 'x': vxlan = optarg; break;
		case 's': status = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!url || optind < argc || (!status && !d.host)) {
		usage(stderr);
		return 2;
	}
	if (d.host && parse_name(d.host)) {
		fprintf(stderr, "mnmapd: invalid host name '%s' (1-64 of A-Za-z0-9_.:-)\n", d.host);
		return 2;
	}
	if (d.vtep && parse_addr(d.vtep, &a)) {
		fprintf(stderr, "mnmapd: invalid vtep address '%s'\n", d.vtep);
		return 2;
	}
	/* MNMAPD_SYNC_PAGE: small pages, so that tests read a small store in many. */
	d.page = getenv("MNMAPD_SYNC_PAGE") ? atoll(getenv("MNMAPD_SYNC_PAGE")) : 0;
	d.grpc_page = d.page > 0 ? d.page : GRPC_PAGE;
	if (d.page < 1)
		d.page = SYNC_PAGE;
	d.etcd = etcd_new(url);
	d.watch = etcd_new(url);
	d.bulk = etcd_new(url);
	d.rep.etcd = etcd_new(url);
	if (!d.etcd || !d.watch || !d.bulk || !d.rep.etcd)
		return 1;
	etcd_set_timeout(d.rep.etcd, BEAT_TIMEOUT_MS);
	if (status)
		return print_status(d.etcd);
	pthread_mutex_init(&d.rep.lock, NULL);
	snprintf(d.rep.key, sizeof(d.rep.key), STORE_PREFIX "status/%s", d.host);
	snprintf(plumbing, sizeof(plumbing), "%s%s%s%s%s", uplink ? "uplink " : "", uplink ?: "",
		 uplink && vxlan ? " " : "", vxlan ? "vxlan " : "", vxlan ?: "");
	d.sync = sync_new(d.host, d.vtep, plumbing);
	if (!d.sync)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	return run(&d);
}
