// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the store's keys, their translation into the grammar and
 * mnmapd's diffing (with a fake kernel that records each batch), as TAP.
 */
#define TAP_NAME "store"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "etcdpb.h"
#include "store.h"
#include "sync.h"

static void test_base64(void)
{
	char *e = b64_encode("/mnmap/v1/", 10), *d = NULL;
	size_t len = 0;

	check(e && !strcmp(e, "L21ubWFwL3YxLw=="), "base64 encodes with padding");
	check(!b64_decode(e, &d, &len) && len == 10 && !strcmp(d, "/mnmap/v1/"), "base64 round trip");
	free(d);
	check(!b64_decode("YWI=", &d, &len) && len == 2 && !strcmp(d, "ab"), "base64 one pad");
	free(d);
	check(b64_decode("YW=I", &d, &len), "base64: padding inside refused");
	check(b64_decode("YWJ", &d, &len), "base64: length not a multiple of 4 refused");
	check(b64_decode("Y!JJ", &d, &len), "base64: bad character refused");
	check(b64_decode("YW\xc1J", &d, &len), "base64: a byte above 127 refused");
	free(e);
}

/* Every byte value there and back: the decoding table covers the alphabet. */
static void test_base64_bytes(void)
{
	unsigned char all[256];
	char *e, *d = NULL;
	size_t len = 0;

	for (int i = 0; i < 256; i++)
		all[i] = i;
	e = b64_encode(all, sizeof(all));
	check(e && !b64_decode(e, &d, &len) && len == sizeof(all) && !memcmp(d, all, len),
	      "base64 round trip of every byte");
	free(d);
	free(e);
}

static int count_kv(void *arg, const char *key, const char *value)
{
	char *seen = arg;

	strcat(seen, key);
	strcat(seen, "=");
	strcat(seen, value);
	strcat(seen, ";");
	return 0;
}

/* etcd's Range in protobuf: the request's bytes, a reply as etcd writes it. */
static void test_etcdpb(void)
{
	/* header {cluster_id 1, revision 7}, kvs {a, mod 5, v "x"}, kvs {b, no value}, more */
	static const uint8_t reply[] = {
		0x0a, 0x04, 0x08, 0x01, 0x18, 0x07,
		0x12, 0x08, 0x0a, 0x01, 'a', 0x18, 0x05, 0x2a, 0x01, 'x',
		0x12, 0x05, 0x0a, 0x01, 'b', 0x20, 0x01,
		0x18, 0x01,
		0x20, 0x02,
	};
	static const uint8_t want[] = {
		0x0a, 0x01, 'a', 0x12, 0x01, 'b', 0x18, 0x90, 0x4e, 0x20, 0xac, 0x02,
	};
	struct pb_range r;
	char seen[64] = "";
	uint8_t req[64];

	check(pb_range_request(req, sizeof(req), "a", "b", 300, 10000) == sizeof(want) &&
	      !memcmp(req, want, sizeof(want)), "protobuf: a RangeRequest's bytes");
	check(pb_range_request(req, 4, "a", "b", 300, 10000) == sizeof(want),
	      "protobuf: a request too large for its buffer says its size");
	check(!pb_range_response(reply, sizeof(reply), &r, count_kv, seen) && r.revision == 7 &&
	      r.more && r.count == 2 && !strcmp(seen, "a=x;b=;"),
	      "protobuf: a RangeResponse's kvs, revision and more");
	check(pb_range_response(reply, sizeof(reply) - 3, &r, count_kv, seen) == -1,
	      "protobuf: a reply cut short is refused");
}

/* A RangeResponse of header {revision 7} and @tail (@n bytes): pb_range_response's rc. */
static int decode_with(const uint8_t *tail, size_t n, char *seen)
{
	uint8_t msg[64] = { 0x0a, 0x02, 0x18, 0x07 };
	struct pb_range r;

	memcpy(msg + 4, tail, n);
	seen[0] = '\0';
	return pb_range_response(msg, 4 + n, &r, count_kv, seen);
}

/* What a malformed or hostile reply must not pass for. */
static void test_etcdpb_bad(void)
{
	/* kvs {key "a"}: what each case below spoils */
	static const uint8_t good[] = { 0x12, 0x03, 0x0a, 0x01, 'a' };
	/* field 2^33 + 2, length-delimited: truncated to an int, it is kvs */
	static const uint8_t huge_tag[] = {
		0x92, 0x80, 0x80, 0x80, 0x80, 0x02, 0x03, 0x0a, 0x01, 'a',
	};
	/* field 0 */
	static const uint8_t zero_tag[] = { 0x02, 0x00 };
	/* more = a varint whose 10th byte carries bits past 64 */
	static const uint8_t long_varint[] = {
		0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
	};
	static const uint8_t max_varint[] = {
		0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	/* kvs {key "maps/x\0junk"}, kvs {key "a", value "x\0y"} */
	static const uint8_t nul_key[] = {
		0x12, 0x0e, 0x0a, 0x0c, '/', 'm', 'a', 'p', 's', '/', 'x', 0, 'j', 'u', 'n', 'k',
	};
	static const uint8_t nul_value[] = {
		0x12, 0x08, 0x0a, 0x01, 'a', 0x2a, 0x03, 'x', 0, 'y',
	};
	/* kvs {key "a"}, with no header at all */
	static const uint8_t no_header[] = { 0x12, 0x03, 0x0a, 0x01, 'a' };
	/* header {cluster_id 1}: a header without its revision */
	static const uint8_t no_revision[] = { 0x0a, 0x02, 0x08, 0x01 };
	struct pb_range r;
	char seen[64];

	check(!decode_with(good, sizeof(good), seen) && !strcmp(seen, "a=;"),
	      "protobuf: the reply the cases below spoil decodes");
	check(decode_with(huge_tag, sizeof(huge_tag), seen) == -1 && !seen[0],
	      "protobuf: a field number above 2^29 - 1 is refused, not taken for kvs");
	check(decode_with(zero_tag, sizeof(zero_tag), seen) == -1, "protobuf: field 0 is refused");
	check(decode_with(long_varint, sizeof(long_varint), seen) == -1,
	      "protobuf: a varint's 10th byte above 1 is refused");
	check(!decode_with(max_varint, sizeof(max_varint), seen),
	      "protobuf: a varint of 2^64 - 1 is taken");
	check(decode_with(nul_key, sizeof(nul_key), seen) == -1 && !seen[0],
	      "protobuf: a key holding a NUL is refused, not cut short");
	check(decode_with(nul_value, sizeof(nul_value), seen) == -1 && !seen[0],
	      "protobuf: a value holding a NUL is refused");
	check(pb_range_response(no_header, sizeof(no_header), &r, count_kv, seen) == -1,
	      "protobuf: a reply without a header is refused");
	check(pb_range_response(no_revision, sizeof(no_revision), &r, count_kv, seen) == -1,
	      "protobuf: a header without a revision is refused");
}

static void test_keys(void)
{
	struct key_info ki;
	char err[128];

	check(store_key_parse("/mnmap/v1/maps/0/198.51.100.10/tcp/80", &ki, err, sizeof(err)) == KEY_MAP &&
	      !strcmp(ki.map_id, "198.51.100.10 tcp 80") && !ki.weightless, "map key");
	check(store_key_parse("/mnmap/v1/maps/7/2001:db8::1/udp/40000-40999", &ki, err, sizeof(err)) == KEY_MAP &&
	      !strcmp(ki.map_id, "2001:db8::1 udp 40000-40999 tenant 7") && ki.weightless,
	      "IPv6 range map key with a tenant");
	check(store_key_parse("/mnmap/v1/maps/0/198.51.100.10/icmp/-", &ki, err, sizeof(err)) == KEY_MAP &&
	      !strcmp(ki.map_id, "198.51.100.10 icmp"), "icmp map key");
	check(store_key_parse("/mnmap/v1/maps/0/198.51.100.10/icmp/7", &ki, err, sizeof(err)) == KEY_BAD,
	      "icmp with a port refused");
	check(store_key_parse("/mnmap/v1/maps/0/198.51.100.10/sctp/7", &ki, err, sizeof(err)) == KEY_BAD &&
	      strstr(err, "sctp"), "unknown protocol refused, named");
	check(store_key_parse("/mnmap/v1/maps/0/1.2.3/tcp/7", &ki, err, sizeof(err)) == KEY_BAD,
	      "bad address refused");
	check(store_key_parse("/mnmap/v1/maps/0/1.2.3.4/tcp/80/x", &ki, err, sizeof(err)) == KEY_BAD,
	      "extra part refused");
	check(store_key_parse("/mnmap/v1/maps/x/1.2.3.4/tcp/80", &ki, err, sizeof(err)) == KEY_BAD,
	      "bad tenant refused");
	check(store_key_parse("/mnmap/v1/endpoints/c1", &ki, err, sizeof(err)) == KEY_ENDPOINT &&
	      !strcmp(ki.name, "c1"), "endpoint key");
	check(store_key_parse("/mnmap/v1/endpoints/c 1", &ki, err, sizeof(err)) == KEY_BAD,
	      "endpoint name with a space refused");
	check(store_key_parse("/mnmap/v1/hosts/h1", &ki, err, sizeof(err)) == KEY_HOST, "host key");
	check(store_key_parse("/mnmap/v1/status/h1", &ki, err, sizeof(err)) == KEY_STATUS, "status key");
	check(store_key_parse("/mnmap/v1/config", &ki, err, sizeof(err)) == KEY_CONFIG, "config key");
	check(store_key_parse("/mnmap/v1/other", &ki, err, sizeof(err)) == KEY_BAD, "unknown key");
}

static const char *fake_vtep(void *arg, const char *name)
{
	(void)arg;
	return !strcmp(name, "h2") ? "10.0.0.12" : NULL;
}

static bool fake_ok(void *arg, const char *name)
{
	(void)arg;
	return !strcmp(name, "c1") || !strcmp(name, "c2");
}

static void test_xlate(void)
{
	struct xlate_ctx x = { "h1", fake_vtep, fake_ok, NULL };
	struct xlate_endpoint ep;
	struct key_info ki;
	char err[256], *lines, *names;

	check(!xlate_endpoint(&x, "c1", "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h1\",\"dev\":\"veth1\"}",
			      &ep, err, sizeof(err)) &&
	      !strcmp(ep.add, "endpoint add c1 mac 02:00:00:00:00:01 dev veth1\n") &&
	      !strcmp(ep.set, "endpoint set c1 mac 02:00:00:00:00:01 dev veth1 state up\n"),
	      "endpoint on this host: its dev");
	check(!xlate_endpoint(&x, "c2", "{\"mac\":\"02:00:00:00:00:02\",\"host\":\"h2\",\"dev\":\"veth9\",\"tenant\":5}",
			      &ep, err, sizeof(err)) &&
	      !strcmp(ep.add, "endpoint add c2 mac 02:00:00:00:00:02 vtep 10.0.0.12 tenant 5\n") &&
	      ep.tenant == 5, "endpoint elsewhere: its host's vtep, and its tenant");
	check(xlate_endpoint(&x, "c3", "{\"mac\":\"02:00:00:00:00:03\",\"host\":\"h3\"}", &ep, err, sizeof(err)) &&
	      strstr(err, "hosts/h3"), "endpoint on a host without a vtep refused");
	check(xlate_endpoint(&x, "c1", "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h1\",\"dev\":\"veth1 vtep 1.2.3.4\"}",
			     &ep, err, sizeof(err)), "a dev that would add words refused");
	check(xlate_endpoint(&x, "c1", "{\"mac\":\"zz\",\"host\":\"h1\",\"dev\":\"v\"}", &ep, err, sizeof(err)),
	      "bad MAC refused");
	check(xlate_endpoint(&x, "c1", "{\"mac\":", &ep, err, sizeof(err)) && strstr(err, "JSON"),
	      "bad JSON refused");
	check(!xlate_endpoint(&x, "c1", "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h1\",\"dev\":\"v\",\"state\":\"down\"}",
			      &ep, err, sizeof(err)) && strstr(ep.add, " state down\n") &&
	      strstr(ep.set, " state down\n") && !ep.warning[0],
	      "state down applied, on add and set");
	check(!xlate_endpoint(&x, "c1", "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h1\",\"dev\":\"v\"}",
			      &ep, err, sizeof(err)) && !strstr(ep.add, "state") &&
	      strstr(ep.set, " state up\n"),
	      "no state: up, said on set (it may be what changed)");
	check(xlate_endpoint(&x, "c1", "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h1\",\"dev\":\"v\",\"state\":\"sideways\"}",
			     &ep, err, sizeof(err)), "unknown state refused");
	store_key_parse("/mnmap/v1/maps/0/198.51.100.10/tcp/80", &ki, err, sizeof(err));
	check(!xlate_map(&x, &ki, "{\"endpoints\":[{\"name\":\"c1\",\"weight\":3},{\"name\":\"c2\"}],\"counters\":true}",
			 &lines, &names, err, sizeof(err)) &&
	      !strcmp(lines, "map add 198.51.100.10 tcp 80 endpoint c1 weight 3 counters\n"
			     "map add 198.51.100.10 tcp 80 endpoint c2 counters\n") &&
	      !strcmp(names, "c1") && !strcmp(names + 3, "c2"), "map with two weighted endpoints");
	free(lines);
	free(names);
	check(!xlate_map(&x, &ki, "{\"endpoints\":[{\"name\":\"c1\",\"weight\":0},{\"name\":\"c2\"}]}",
			 &lines, &names, err, sizeof(err)) &&
	      !strcmp(lines, "map add 198.51.100.10 tcp 80 endpoint c1 weight 0\n"
			     "map add 198.51.100.10 tcp 80 endpoint c2\n"),
	      "weight 0 (drained) applied");
	free(lines);
	free(names);
	check(xlate_map(&x, &ki, "{\"endpoints\":[{\"name\":\"c9\"}]}", &lines, &names, err, sizeof(err)) &&
	      strstr(err, "c9"), "map with an unknown endpoint refused, named");
	check(xlate_map(&x, &ki, "{\"endpoints\":[]}", &lines, &names, err, sizeof(err)),
	      "map without endpoints refused");
	store_key_parse("/mnmap/v1/maps/0/198.51.100.10/tcp/20000-29999", &ki, err, sizeof(err));
	check(xlate_map(&x, &ki, "{\"endpoints\":[{\"name\":\"c1\",\"weight\":2}]}", &lines, &names, err, sizeof(err)),
	      "weight on a port range refused");
}

/* A fake kernel: records each batch, refuses lines that contain @refuse. */
struct fake {
	char text[8192];
	const char *refuse;
	int calls;
};

static int fake_apply(void *arg, const char *text, int *line, char *err, size_t len)
{
	struct fake *f = arg;
	int n = 1;

	f->calls++;
	snprintf(f->text, sizeof(f->text), "%s", text);
	for (const char *p = text; f->refuse && *p; n++) {
		const char *nl = strchr(p, '\n');

		if (strstr(p, f->refuse) && strstr(p, f->refuse) < nl) {
			*line = n;
			snprintf(err, len, "refused");
			return -1;
		}
		p = nl + 1;
	}
	return 0;
}

#define H2 "/mnmap/v1/hosts/h2"
#define C1 "/mnmap/v1/endpoints/c1"
#define C2 "/mnmap/v1/endpoints/c2"
#define M80 "/mnmap/v1/maps/0/198.51.100.10/tcp/80"
#define C1_HERE "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h1\",\"dev\":\"veth1\"}"
#define C1_THERE "{\"mac\":\"02:00:00:00:00:01\",\"host\":\"h2\"}"
#define C2_THERE "{\"mac\":\"02:00:00:00:00:02\",\"host\":\"h2\"}"

static void test_sync(void)
{
	struct sync *s = sync_new("h1", "10.0.0.11", "uplink eth0 vxlan vx0");
	struct fake f = { 0 };
	char err[256];

	sync_set(s, H2, "{\"vtep\":\"10.0.0.12\"}");
	sync_set(s, C1, C1_HERE);
	sync_set(s, M80, "{\"endpoints\":[{\"name\":\"c1\"}]}");
	sync_set(s, "/mnmap/v1/status/h2", "{}");
	check(!sync_apply(s, true, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "flush\n"
		      "endpoint add c1 mac 02:00:00:00:00:01 dev veth1\n"
		      "map add 198.51.100.10 tcp 80 endpoint c1\n"
		      "host set uplink eth0 vxlan vx0 vtep 10.0.0.11 gateway none\n"),
	      "replace: flush, endpoints, maps, this host");
	check(sync_count(s) == 3, "status keys are not part of the model");
	f.calls = 0;
	sync_set(s, C1, C1_THERE);
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "endpoint set c1 mac 02:00:00:00:00:01 vtep 10.0.0.12 state up\n"),
	      "a move is one endpoint set; its maps stay");
	sync_set(s, C2, C2_THERE);
	sync_set(s, M80, "{\"endpoints\":[{\"name\":\"c1\"},{\"name\":\"c2\",\"weight\":2}]}");
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "map del 198.51.100.10 tcp 80\n"
		      "endpoint add c2 mac 02:00:00:00:00:02 vtep 10.0.0.12\n"
		      "map add 198.51.100.10 tcp 80 endpoint c1\n"
		      "map add 198.51.100.10 tcp 80 endpoint c2 weight 2\n"),
	      "a map changed is deleted and added in one batch, after its new endpoint");
	sync_set(s, C1, NULL);
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "map del 198.51.100.10 tcp 80\n"
		      "endpoint del c1\n") &&
	      sync_errors(s, NULL, NULL) == 1,
	      "an endpoint deleted takes the map that needs it (reported)");
	sync_set(s, C1, C1_HERE);
	f.refuse = "endpoint add c1";
	f.calls = 0;
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) && f.calls == 1 &&
	      sync_has_retry(s) && sync_errors(s, NULL, NULL) == 2,
	      "an endpoint the kernel refuses is left out with its maps");
	f.refuse = NULL;
	f.calls = 0;
	sync_retry(s);
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "endpoint add c1 mac 02:00:00:00:00:01 dev veth1\n"
		      "map add 198.51.100.10 tcp 80 endpoint c1\n"
		      "map add 198.51.100.10 tcp 80 endpoint c2 weight 2\n") &&
	      !sync_has_retry(s) && sync_errors(s, NULL, NULL) == 0,
	      "retried, it applies with its map");
	sync_set(s, "/mnmap/v1/maps/0/198.51.100.10/tcp/81", "{bad json");
	sync_set(s, "/mnmap/v1/maps/0/198.51.100.10/tcp/82", "{\"endpoints\":[{\"name\":\"c2\"}]}");
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "map add 198.51.100.10 tcp 82 endpoint c2\n") &&
	      sync_errors(s, NULL, NULL) == 1 && !sync_has_retry(s),
	      "a malformed value is skipped, the rest applies");
	sync_set(s, "/mnmap/v1/maps/0/198.51.100.10/tcp/81", NULL);
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      sync_errors(s, NULL, NULL) == 0 && sync_count(s) == 5,
	      "a malformed key deleted is no longer reported, and forgotten");
	sync_reset(s);
	sync_set(s, H2, "{\"vtep\":\"10.0.0.12\"}");
	sync_set(s, C2, C2_THERE);
	check(!sync_apply(s, true, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "flush\nendpoint add c2 mac 02:00:00:00:00:02 vtep 10.0.0.12\n"
		      "host set uplink eth0 vxlan vx0 vtep 10.0.0.11 gateway none\n") &&
	      sync_count(s) == 2 && sync_errors(s, NULL, NULL) == 0,
	      "a fresh read forgets what the store no longer has");
	sync_set(s, "/mnmap/v1/config", "{\"gateway\":\"10.0.0.11\"}");
	check(!sync_apply(s, false, fake_apply, &f, err, sizeof(err)) &&
	      !strcmp(f.text, "host set uplink eth0 vxlan vx0 vtep 10.0.0.11 gateway 10.0.0.11\n"),
	      "config's gateway sets this host's");
	f.refuse = "flush";
	check(sync_apply(s, true, fake_apply, &f, err, sizeof(err)) == -1,
	      "a batch refused as a whole is an error");
	sync_free(s);
}

int main(void)
{
	test_base64();
	test_base64_bytes();
	test_etcdpb();
	test_etcdpb_bad();
	test_keys();
	test_xlate();
	test_sync();
	printf("1..%d\n", num);
	return failed ? 1 : 0;
}
