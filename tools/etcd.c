// SPDX-License-Identifier: GPL-2.0
/*
 * etcd v3 over its JSON gateway, with libcurl. The gateway maps each gRPC
 * call to a POST of its request as JSON under /v3/; keys and values are
 * base64, 64-bit integers are strings. A watch is one long POST whose
 * reply is a stream of JSON objects, one per watch response.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libcurl's functions are called through pointers (loaded below). */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>

#include "base64.h"
#include "etcd.h"

/* Unary calls: a 100k-key range under TCG takes seconds, not minutes. */
#define CALL_TIMEOUT_MS 60000
#define CONNECT_TIMEOUT_MS 2000
/* A gRPC reply, read whole: 100k maps are about 10 MB, far below this. */
#define GRPC_REPLY_MAX ((size_t)512 << 20)

struct etcd {
	char *url;
	CURL *curl;
	long timeout_ms;
	char err[256];
};

/* A reply being received: the bytes, and for a watch its parser. */
struct body {
	char *buf;
	size_t len, cap;
	struct etcd *e;
	json_tokener *tok;
	int (*on_msg)(void *arg, json_object *result);
	int (*on_tick)(void *arg);
	void *arg;
	int stop;		/* what a callback returned to stop the watch */
	size_t max;		/* the most bytes taken (0: no limit) */
	bool over;		/* ... and the reply was larger */
	int64_t last_tick;
};

/*
 * libcurl is loaded when the first etcd handle is made, not linked: linked,
 * it brings about 30 shared libraries into every mnmapctl run, which the
 * tests start thousands of times, each a cost under TCG.
 */
static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *curl);
	void (*easy_reset)(CURL *curl);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
} lc;

static bool load_sym(void *lib, const char *name, void *fn)
{
	void *p = dlsym(lib, name);

	memcpy(fn, &p, sizeof(p));
	return p;
}

static bool load_curl(void)
{
	void *lib;

	if (lc.easy_init)
		return true;
	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "mnmap: cannot load libcurl: %s\n", dlerror());
		return false;
	}
	if (load_sym(lib, "curl_global_init", &lc.global_init) &&
	    load_sym(lib, "curl_easy_cleanup", &lc.easy_cleanup) &&
	    load_sym(lib, "curl_easy_reset", &lc.easy_reset) &&
	    load_sym(lib, "curl_easy_setopt", &lc.easy_setopt) &&
	    load_sym(lib, "curl_easy_perform", &lc.easy_perform) &&
	    load_sym(lib, "curl_easy_getinfo", &lc.easy_getinfo) &&
	    load_sym(lib, "curl_easy_strerror", &lc.easy_strerror) &&
	    load_sym(lib, "curl_slist_append", &lc.slist_append) &&
	    load_sym(lib, "curl_slist_free_all", &lc.slist_free_all) &&
	    load_sym(lib, "curl_easy_init", &lc.easy_init))
		return true;
	fprintf(stderr, "mnmap: libcurl lacks a function: %s\n", dlerror());
	memset(&lc, 0, sizeof(lc));
	dlclose(lib);
	return false;
}

#define curl_global_init lc.global_init
#define curl_easy_init lc.easy_init
#define curl_easy_cleanup lc.easy_cleanup
#define curl_easy_reset lc.easy_reset
#undef curl_easy_setopt
#define curl_easy_setopt lc.easy_setopt
#define curl_easy_perform lc.easy_perform
#undef curl_easy_getinfo
#define curl_easy_getinfo lc.easy_getinfo
#define curl_easy_strerror lc.easy_strerror
#define curl_slist_append lc.slist_append
#define curl_slist_free_all lc.slist_free_all

struct etcd *etcd_new(const char *url)
{
	struct etcd *e = calloc(1, sizeof(*e));
	static bool global;

	if (!load_curl()) {
		free(e);
		return NULL;
	}
	if (!global) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global = true;
	}
	if (!e)
		return NULL;
	e->url = strdup(url);
	e->curl = curl_easy_init();
	e->timeout_ms = CALL_TIMEOUT_MS;
	if (!e->url || !e->curl) {
		etcd_free(e);
		return NULL;
	}
	/* A URL given with its trailing slash names the same server. */
	if (e->url[0] && e->url[strlen(e->url) - 1] == '/')
		e->url[strlen(e->url) - 1] = '\0';
	return e;
}

void etcd_set_timeout(struct etcd *e, long ms)
{
	e->timeout_ms = ms;
}

void etcd_free(struct etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(e->url);
	free(e);
}

const char *etcd_error(const struct etcd *e)
{
	return e->err;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (b->max && b->len + len > b->max) {
		b->over = true;
		return 0;	/* curl fails the transfer */
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = (b->len + len + 1) * 2;
		char *buf = realloc(b->buf, cap);

		if (!buf)
			return 0;	/* curl fails the transfer */
		b->buf = buf;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return len;
}

/* A POST to @url (@len bytes, or a string when -1), its reply into @b. */
static void setup_url(struct etcd *e, const char *url, const void *data, long len,
		      struct curl_slist *hdrs, struct body *b)
{
	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE, len);
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	/* A peer that vanished (a host cut off) shows as a dead connection. */
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPINTVL, 1L);
}

static void setup(struct etcd *e, const char *path, const char *json, struct curl_slist *hdrs,
		  struct body *b)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/v3/%s", e->url, path);
	setup_url(e, url, json, -1, hdrs, b);
}

/* An HTTP error's reply is {"error": ..., "message": ..., "code": N}. */
static int reply_error(struct etcd *e, long status, json_object *reply)
{
	json_object *msg = NULL, *inner;

	/* A stream's error nests its message: {"error": {"message": ...}}. */
	if (reply && json_object_object_get_ex(reply, "error", &inner) &&
	    json_object_is_type(inner, json_type_object))
		reply = inner;
	if (reply && (json_object_object_get_ex(reply, "message", &msg) ||
		      json_object_object_get_ex(reply, "error", &msg)))
		snprintf(e->err, sizeof(e->err), "etcd: %s", json_object_get_string(msg));
	else
		snprintf(e->err, sizeof(e->err), "etcd: HTTP status %ld", status);
	return -1;
}

int etcd_call(struct etcd *e, const char *path, json_object *body, json_object **out)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	struct body b = { .e = e };
	json_object *reply;
	CURLcode rc;
	long status = 0;

	*out = NULL;
	setup(e, path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), hdrs, &b);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, e->timeout_ms);
	rc = curl_easy_perform(e->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		snprintf(e->err, sizeof(e->err), "etcd %s: %s", e->url, curl_easy_strerror(rc));
		free(b.buf);
		return -1;
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	reply = b.buf ? json_tokener_parse(b.buf) : NULL;
	free(b.buf);
	if (status != 200 || !reply) {
		reply_error(e, status, reply);
		json_object_put(reply);
		return -1;
	}
	*out = reply;
	return 0;
}

/* A gRPC reply's status, from its headers or (mostly) its trailers. */
struct grpc_reply {
	struct etcd *e;
	long status;		/* grpc-status: -1 until seen */
};

/* The value of header @name in @data (@len bytes), trimmed; its length, or -1. */
static int header_value(const char *data, size_t len, const char *name, const char **value)
{
	size_t at = strlen(name);

	if (len <= at || strncasecmp(data, name, at))
		return -1;
	while (at < len && data[at] == ' ')
		at++;
	while (len > at && (data[len - 1] == '\r' || data[len - 1] == '\n'))
		len--;
	*value = data + at;
	return len - at;
}

static size_t on_grpc_header(char *data, size_t size, size_t n, void *arg)
{
	struct grpc_reply *g = arg;
	const char *v;
	char num[16];
	int len;

	if ((len = header_value(data, size * n, "grpc-message:", &v)) >= 0) {
		if (len)	/* etcd's success sends it empty */
			snprintf(g->e->err, sizeof(g->e->err), "etcd: %.*s", len, v);
	} else if ((len = header_value(data, size * n, "grpc-status:", &v)) >= 0) {
		snprintf(num, sizeof(num), "%.*s", len, v);
		g->status = len > 0 && len < 10 && strspn(num, "0123456789") == (size_t)len ?
			    strtol(num, NULL, 10) : 99;
	}
	return size * n;
}

/*
 * A unary gRPC call over HTTP/2 without TLS, as etcd serves it on its
 * client URL beside the gateway: the request and the reply are each one
 * message, after a byte of flags (0: not compressed) and a 4-byte length.
 */
int etcd_grpc(struct etcd *e, const char *method, const void *req, size_t len,
	      char **body, const uint8_t **msg, size_t *msg_len)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/grpc");
	uint8_t *frame = malloc(len + 5);
	struct body b = { .e = e, .max = GRPC_REPLY_MAX };
	struct grpc_reply g = { .e = e, .status = -1 };
	char url[1024];
	long status = 0;
	CURLcode rc;

	*body = NULL;
	hdrs = curl_slist_append(hdrs, "TE: trailers");
	if (!frame || !hdrs) {
		free(frame);
		curl_slist_free_all(hdrs);
		snprintf(e->err, sizeof(e->err), "out of memory");
		return -1;
	}
	frame[0] = 0;
	for (int i = 0; i < 4; i++)
		frame[1 + i] = len >> (24 - 8 * i);
	memcpy(frame + 5, req, len);
	snprintf(url, sizeof(url), "%s/%s", e->url, method);
	setup_url(e, url, frame, len + 5, hdrs, &b);
	curl_easy_setopt(e->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	/*
	 * Debian 12's libcurl (7.88) fails the second call on a kept HTTP/2
	 * connection ("Error in the HTTP2 framing layer"): a connection per
	 * call, nothing beside a page of thousands of keys.
	 */
	curl_easy_setopt(e->curl, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e->curl, CURLOPT_HEADERFUNCTION, on_grpc_header);
	curl_easy_setopt(e->curl, CURLOPT_HEADERDATA, &g);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, e->timeout_ms);
	e->err[0] = '\0';
	rc = curl_easy_perform(e->curl);
	curl_slist_free_all(hdrs);
	free(frame);
	if (rc != CURLE_OK) {
		if (b.over)
			snprintf(e->err, sizeof(e->err), "etcd %s: a reply over %zu MiB",
				 e->url, b.max >> 20);
		else
			snprintf(e->err, sizeof(e->err), "etcd %s: %s", e->url,
				 curl_easy_strerror(rc));
		free(b.buf);
		return -1;
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 || g.status != 0) {
		/* grpc-message, when it came with a failing grpc-status, says most. */
		if (!e->err[0] || g.status <= 0)
			snprintf(e->err, sizeof(e->err), "etcd %s: HTTP status %ld, %s %ld",
				 e->url, status, g.status < 0 ? "no grpc-status" : "grpc-status",
				 g.status < 0 ? 0 : g.status);
		free(b.buf);
		return -1;
	}
	if (b.len < 5 || b.buf[0] ||
	    ((uint32_t)(uint8_t)b.buf[1] << 24 | (uint8_t)b.buf[2] << 16 | (uint8_t)b.buf[3] << 8 |
	     (uint8_t)b.buf[4]) != b.len - 5) {
		if (!e->err[0])
			snprintf(e->err, sizeof(e->err), "etcd %s: no gRPC reply", e->url);
		free(b.buf);
		return -1;
	}
	*body = b.buf;
	*msg = (const uint8_t *)b.buf + 5;
	*msg_len = b.len - 5;
	return 0;
}

/* Feed the stream's bytes to the parser: each whole object is a message. */
static size_t on_stream(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n, off = 0;

	while (off < len && !b->stop) {
		json_object *msg, *result;
		size_t used;

		while (off < len && (data[off] == '\n' || data[off] == '\r' || data[off] == ' '))
			off++;
		if (off == len)
			break;
		msg = json_tokener_parse_ex(b->tok, data + off, len - off);
		used = json_tokener_get_parse_end(b->tok);
		if (!msg) {
			if (json_tokener_get_error(b->tok) != json_tokener_continue) {
				snprintf(b->e->err, sizeof(b->e->err), "etcd watch: bad JSON");
				return 0;
			}
			return len;	/* the rest of it comes in the next chunk */
		}
		off += used;
		json_tokener_reset(b->tok);
		if (json_object_object_get_ex(msg, "result", &result))
			b->stop = b->on_msg(b->arg, result);
		else
			reply_error(b->e, 0, msg), b->stop = -1;
		json_object_put(msg);
	}
	return b->stop ? 0 : len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct body *b = arg;
	struct timespec ts;
	int64_t now;

	(void)dt, (void)dn, (void)ut, (void)un;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now - b->last_tick < 1000 || b->stop)
		return b->stop;
	b->last_tick = now;
	b->stop = b->on_tick(b->arg);
	return b->stop;
}

int etcd_watch(struct etcd *e, const char *key, const char *end, int64_t rev,
	       int (*on_msg)(void *arg, json_object *result),
	       int (*on_tick)(void *arg), void *arg)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	struct body b = { .e = e, .on_msg = on_msg, .on_tick = on_tick, .arg = arg };
	json_object *req = json_object_new_object(), *create = json_object_new_object();
	CURLcode rc;

	etcd_range_fields(create, key, end);
	json_object_object_add(create, "start_revision", json_object_new_int64(rev));
	json_object_object_add(req, "create_request", create);
	b.tok = json_tokener_new();
	setup(e, "watch", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), hdrs, &b);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFODATA, &b);
	curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(e->curl);
	curl_slist_free_all(hdrs);
	json_tokener_free(b.tok);
	json_object_put(req);
	if (b.stop)
		return b.stop;
	if (rc != CURLE_OK)
		snprintf(e->err, sizeof(e->err), "etcd watch: %s", curl_easy_strerror(rc));
	else
		snprintf(e->err, sizeof(e->err), "etcd watch: the stream ended");
	return -1;
}

void etcd_range_fields(json_object *req, const char *key, const char *end)
{
	char *k = b64_encode(key, strlen(key)), *r = b64_encode(end, strlen(end));

	json_object_object_add(req, "key", json_object_new_string(k ?: ""));
	json_object_object_add(req, "range_end", json_object_new_string(r ?: ""));
	free(k);
	free(r);
}

/* The end of a prefix's range: its last byte plus one (etcd's rule). */
void etcd_prefix_fields(json_object *req, const char *prefix)
{
	char *end = strdup(prefix);

	if (!end)
		return;
	end[strlen(end) - 1]++;
	etcd_range_fields(req, prefix, end);
	free(end);
}

int etcd_range_prefix(struct etcd *e, const char *prefix, int64_t rev, bool keys_only,
		      json_object **out)
{
	json_object *req = json_object_new_object();
	int err;

	etcd_prefix_fields(req, prefix);
	if (rev)
		json_object_object_add(req, "revision", json_object_new_int64(rev));
	if (keys_only)
		json_object_object_add(req, "keys_only", json_object_new_boolean(1));
	err = etcd_call(e, "kv/range", req, out);
	json_object_put(req);
	return err;
}

int etcd_range_page(struct etcd *e, const char *from, const char *end, int64_t rev,
		    int64_t limit, json_object **out)
{
	json_object *req = json_object_new_object();
	int err;

	etcd_range_fields(req, from, end);
	if (rev)
		json_object_object_add(req, "revision", json_object_new_int64(rev));
	json_object_object_add(req, "limit", json_object_new_int64(limit));
	err = etcd_call(e, "kv/range", req, out);
	json_object_put(req);
	return err;
}

int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease)
{
	json_object *req = json_object_new_object(), *reply;
	char *k = b64_encode(key, strlen(key)), *v = b64_encode(value, strlen(value));
	int err;

	json_object_object_add(req, "key", json_object_new_string(k ?: ""));
	json_object_object_add(req, "value", json_object_new_string(v ?: ""));
	if (lease)
		json_object_object_add(req, "lease", json_object_new_int64(lease));
	err = etcd_call(e, "kv/put", req, &reply);
	json_object_put(reply);
	json_object_put(req);
	free(k);
	free(v);
	return err;
}

int64_t etcd_lease_grant(struct etcd *e, int ttl)
{
	json_object *req = json_object_new_object(), *reply;
	int64_t id = -1;

	json_object_object_add(req, "TTL", json_object_new_int(ttl));
	if (!etcd_call(e, "lease/grant", req, &reply))
		id = json_i64(reply, "ID");
	json_object_put(reply);
	json_object_put(req);
	return id > 0 ? id : -1;
}

/* One keepalive; a lease that expired answers without a TTL. */
int etcd_lease_keepalive(struct etcd *e, int64_t lease)
{
	json_object *req = json_object_new_object(), *reply, *result;
	int err;

	json_object_object_add(req, "ID", json_object_new_int64(lease));
	err = etcd_call(e, "lease/keepalive", req, &reply);
	if (!err && (!json_object_object_get_ex(reply, "result", &result) ||
		     json_i64(result, "TTL") <= 0)) {
		snprintf(e->err, sizeof(e->err), "etcd: lease %lld expired", (long long)lease);
		err = -1;
	}
	json_object_put(reply);
	json_object_put(req);
	return err;
}

int64_t json_i64(json_object *o, const char *field)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, field, &v))
		return 0;
	return json_object_get_int64(v);	/* parses strings too */
}

/* Base64 @s decoded into *@out, refused if it holds a NUL (cut short as a string). */
static int decode_str(const char *s, char **out)
{
	size_t len;

	if (b64_decode(s, out, &len))
		return -1;
	if (memchr(*out, '\0', len)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int kv_decode(json_object *kv, char **key, char **value)
{
	json_object *k, *v;

	*key = *value = NULL;
	if (!json_object_object_get_ex(kv, "key", &k) ||
	    decode_str(json_object_get_string(k), key))
		return -1;
	/* An empty value, or a delete event, has no "value" at all. */
	if (!json_object_object_get_ex(kv, "value", &v)) {
		*value = strdup("");
		return *value ? 0 : -1;
	}
	if (decode_str(json_object_get_string(v), value)) {
		free(*key);
		*key = NULL;
		return -1;
	}
	return 0;
}
