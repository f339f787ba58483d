/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAPCTL_CTL_H
#define MNMAPCTL_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

struct nl_sock;

/* State of one mnmapctl run, shared by every object's commands. */
struct ctl {
	bool json;
	bool pretty;
	bool force;
	bool check_only;	/* -c: check a batch, apply nothing */
	const char *netns;
	struct nl_sock *sock;
	int family;
	/* Set while reading a batch: errors name the line. */
	const char *batch_name;
	int batch_line;
	/* First pass over a batch: parse and check everything, send nothing. */
	bool dry_run;
	/* Batch: consecutive adds share one message (see batch.c). */
	struct pending *pending;
	/* Kernel's extack message for the last failed request, if any. */
	char errmsg[256];
	/* Offset in the request of the attribute the kernel refused, or 0. */
	unsigned int err_offset;
	/* --etcd URL: commands edit the store instead (storectl.c). */
	struct store_edit *store;
};

/* One command of an object: `mnmapctl OBJECT NAME ARGS...`. */
struct cmd {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
};

int run_cmd(struct ctl *ctl, const struct cmd *cmds, const char *object,
	    void (*usage)(void), int argc, char **argv);
int error(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report(struct ctl *ctl, int err);
int netns_enter(const char *path, int *back);
int run_object(struct ctl *ctl, int argc, char **argv);
void ctl_usage(void);
int do_help(struct ctl *ctl, int argc, char **argv);
int batch_run(struct ctl *ctl, const char *name);
/*
 * Apply a batch read from @f as batch_run does, without reporting: the
 * failing line is ctl->batch_line, the reason ctl->errmsg.
 */
int batch_apply(struct ctl *ctl, const char *name, FILE *f);

int do_host(struct ctl *ctl, int argc, char **argv);
int do_endpoint(struct ctl *ctl, int argc, char **argv);
int do_map(struct ctl *ctl, int argc, char **argv);
int do_monitor(struct ctl *ctl, int argc, char **argv);
int do_save(struct ctl *ctl, int argc, char **argv);
int do_stats(struct ctl *ctl, int argc, char **argv);
int do_flush(struct ctl *ctl, int argc, char **argv);
int do_container(struct ctl *ctl, int argc, char **argv);
int do_flow(struct ctl *ctl, int argc, char **argv);

struct nlattr;
struct nl_msg;
/* Printers of objects in replies and events. */
int print_host(struct ctl *ctl, struct nlattr **tb, void *arg);
int print_endpoint(struct ctl *ctl, struct nlattr **tb, void *arg);
int print_map(struct ctl *ctl, struct nlattr **tb, void *arg);
int print_count(struct ctl *ctl, struct nlattr **tb, void *arg);
void print_stats(struct nlattr *nest);
/* Parse a reply's map or host nest into @tb; -EBADMSG when malformed. */
int map_nest(struct nlattr **top, struct nlattr **tb);
const char *map_addr(struct nlattr **tb, char *buf, size_t len);
int host_nest(struct nlattr **top, struct nlattr **tb);
int endpoint_stats_show(struct ctl *ctl, const char *name);
int endpoint_get(struct ctl *ctl, const char *name,
		 int (*fn)(struct ctl *, struct nlattr **, void *), void *arg);
int map_dump_by_endpoint(struct ctl *ctl, const char *name,
			 int (*fn)(struct ctl *, struct nlattr **, void *), void *arg);
int map_stats_show(struct ctl *ctl, int argc, char **argv);
int map_key_nest(struct ctl *ctl, const char *what, int argc, char **argv,
		 struct nl_msg *msg);

/*
 * Add one object: its nest, filled by @fill, goes in a message of its own,
 * or, in a batch, joins the pending message of the same command.
 */
typedef int (*fill_fn)(struct ctl *ctl, struct nl_msg *msg, void *arg);
int add_object(struct ctl *ctl, int cmd, int nest_type, fill_fn fill, void *arg,
	       int (*print)(struct ctl *, struct nlattr **, void *));
int batch_flush_pending(struct ctl *ctl);
struct nl_msg *endpoint_dump_request(struct ctl *ctl, void *arg);
struct nl_msg *map_dump_request(struct ctl *ctl, void *arg);
const char *proto_name(int proto);

/*
 * The order a dump is listed in: the top-level nest its objects come in,
 * and how two of them compare. Maps by tenant, address (IPv4 first),
 * protocol and port; endpoints by name.
 */
struct dump_order {
	int nest;
	int (*cmp)(const struct nlattr *a, const struct nlattr *b);
};
extern const struct dump_order map_order, endpoint_order;

/* Dump in @order, retrying when the kernel says a change interrupted it. */
int ctl_dump_nested(struct ctl *ctl, struct nl_msg *(*build)(struct ctl *, void *),
		    void *arg, int (*print)(struct ctl *, struct nlattr **, void *),
		    const struct dump_order *order);
int ctl_dump(struct ctl *ctl, struct nl_msg *(*build)(struct ctl *, void *), void *arg,
	     int (*print)(struct ctl *, struct nlattr **, void *),
	     const struct dump_order *order);

/* The store (mnmapctl --etcd): one edit per command line or batch. */
struct store_endpoint {
	const char *name, *mac, *dev, *host, *state;
	uint32_t tenant, vni;
	bool has_tenant, has_vni;
};

struct store_map {
	struct addr addr;
	const char *proto;	/* tcp, udp or icmp */
	bool has_port;
	uint16_t first, last;
	uint32_t tenant;
	const char *endpoint;	/* del: NULL deletes the whole map */
	uint32_t weight;
	bool has_weight, counters;
	bool set;		/* add: change the endpoint's weight, which it has */
};

/* Edits redone when other writers came between, before a conflict is reported. */
#define STORE_TRIES 5

int store_open(struct ctl *ctl, const char *url);
void store_close(struct ctl *ctl);
void store_begin(struct ctl *ctl, int attempt);
/* 0, -EAGAIN when another writer changed what the edit read, or an error. */
int store_commit(struct ctl *ctl);
int store_endpoint(struct ctl *ctl, const struct store_endpoint *ep, bool set);
int store_endpoint_del(struct ctl *ctl, const char *name);
int store_map_add(struct ctl *ctl, const struct store_map *m);
int store_map_del(struct ctl *ctl, const struct store_map *m);
int store_flush(struct ctl *ctl);
int store_gateway(struct ctl *ctl, const char *gateway);
int store_save(struct ctl *ctl);

#endif
