// SPDX-License-Identifier: GPL-2.0
/*
 * Batches (mnmapctl -b FILE) and the requests they share with single
 * commands: adds packed many to a message, dumps retried until consistent.
 *
 * A batch's endpoint and map changes go into one kernel transaction that
 * is published at once or not at all: a bad line, found by mnmapctl or by
 * the kernel, is named and nothing changes. Its host set and container
 * lines are checked first and run after the commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mnmap.h>

#include "ctl.h"
#include "nl.h"
#include "print.h"

/*
 * Messages of packed adds: room for a full one, sent once past the mark,
 * well inside the socket buffers.
 */
#define PENDING_ALLOC_BYTES (64 * 1024)
#define PENDING_MAX_BYTES (56 * 1024)

struct pending {
	struct nl_msg *msg;
	int cmd;
	int n, cap;
	int *lines;		/* batch line of each object */
	unsigned int *offs;	/* offset of each object's nest in the message */
};

static void pending_free(struct ctl *ctl)
{
	struct pending *p = ctl->pending;

	if (!p)
		return;
	nlmsg_free(p->msg);
	free(p->lines);
	free(p->offs);
	free(p);
	ctl->pending = NULL;
}

/* Send the packed adds; an error names the line of the object it is about. */
int batch_flush_pending(struct ctl *ctl)
{
	struct pending *p = ctl->pending;
	int err, line;

	if (!p)
		return 0;
	ctl->pending = NULL;
	err = ctl_transact(ctl, p->msg, NULL, NULL);
	p->msg = NULL;
	if (err) {
		line = p->lines[p->n - 1];
		for (int i = 0; i < p->n && ctl->err_offset; i++)
			if (p->offs[i] <= ctl->err_offset)
				line = p->lines[i];
		ctl->batch_line = line;
	}
	ctl->pending = p;
	pending_free(ctl);
	return err;
}

static int pending_start(struct ctl *ctl, int cmd)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->msg = ctl_request_size(ctl, cmd, 0, PENDING_ALLOC_BYTES);
	if (!p->msg) {
		free(p);
		return -ENOMEM;
	}
	p->cmd = cmd;
	ctl->pending = p;
	return 0;
}

static int pending_note(struct pending *p, unsigned int off, int line)
{
	if (p->n == p->cap) {
		int cap = p->cap ? 2 * p->cap : 64;
		int *lines = realloc(p->lines, cap * sizeof(*lines));
		unsigned int *offs;

		if (!lines)
			return -ENOMEM;
		p->lines = lines;
		offs = realloc(p->offs, cap * sizeof(*offs));
		if (!offs)
			return -ENOMEM;
		p->offs = offs;
		p->cap = cap;
	}
	p->lines[p->n] = line;
	p->offs[p->n++] = off;
	return 0;
}

static int fill_nest(struct ctl *ctl, struct nl_msg *msg, int nest_type, fill_fn fill,
		     void *arg)
{
	struct nlattr *nest = nla_nest_start(msg, nest_type);

	if (!nest || fill(ctl, msg, arg))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int add_object(struct ctl *ctl, int cmd, int nest_type, fill_fn fill, void *arg,
	       int (*print)(struct ctl *, struct nlattr **, void *))
{
	struct nl_msg *msg;
	unsigned int off;
	int err;

	/* A batch's check pass has parsed the object: that is all it needs. */
	if (ctl->dry_run)
		return 0;
	if (!ctl->batch_name) {
		msg = ctl_request(ctl, cmd, 0);
		if (!msg)
			return -ENOMEM;
		err = fill_nest(ctl, msg, nest_type, fill, arg);
		if (err) {
			nlmsg_free(msg);
			return err;
		}
		return ctl_transact(ctl, msg, print, NULL);
	}
	if (ctl->pending && (ctl->pending->cmd != cmd ||
			     nlmsg_hdr(ctl->pending->msg)->nlmsg_len > PENDING_MAX_BYTES)) {
		err = batch_flush_pending(ctl);
		if (err)
			return err;
	}
	if (!ctl->pending && pending_start(ctl, cmd))
		return -ENOMEM;
	off = nlmsg_hdr(ctl->pending->msg)->nlmsg_len;
	err = fill_nest(ctl, ctl->pending->msg, nest_type, fill, arg) ?:
	      pending_note(ctl->pending, off, ctl->batch_line);
	return err;
}

/* A dump's objects (copies of their nests), to be listed in order. */
struct dump_items {
	const struct dump_order *order;
	struct nlattr **items;
	size_t n;
};

static void dump_items_free(struct dump_items *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i]);
	free(d->items);
	d->items = NULL;
	d->n = 0;
}

static int dump_collect(struct ctl *ctl, struct nlattr **tb, void *arg)
{
	struct nlattr *nest = tb[((struct dump_items *)arg)->order->nest], **more;
	struct dump_items *d = arg;

	(void)ctl;
	if (!nest)
		return -EBADMSG;
	more = realloc(d->items, (d->n + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	d->items = more;
	d->items[d->n] = malloc(nest->nla_len);
	if (!d->items[d->n])
		return -ENOMEM;
	memcpy(d->items[d->n++], nest, nest->nla_len);
	return 0;
}

static const struct dump_order *sort_order;

static int compare_items(const void *a, const void *b)
{
	return sort_order->cmp(*(struct nlattr *const *)a, *(struct nlattr *const *)b);
}

/*
 * Dump into the output being printed, in @order, so that two listings of
 * one table are the same (the kernel's dump goes in hash order). A dump
 * that a change interrupted may miss or repeat objects: it is redone.
 */
int ctl_dump_nested(struct ctl *ctl, struct nl_msg *(*build)(struct ctl *, void *),
		    void *arg, int (*print)(struct ctl *, struct nlattr **, void *),
		    const struct dump_order *order)
{
	struct dump_items d = { .order = order };
	int err;

	err = batch_flush_pending(ctl);
	if (err || ctl->dry_run)
		return err;
	for (int tries = 0; tries < 20; tries++) {
		struct nl_msg *msg = build(ctl, arg);

		if (!msg)
			return -ENOMEM;
		err = ctl_transact(ctl, msg, dump_collect, &d);
		if (err != -EINTR)
			break;
		dump_items_free(&d);
	}
	if (err == -EINTR)
		return error(ctl, "the table kept changing during the dump: try again");
	if (!err) {
		sort_order = order;
		qsort(d.items, d.n, sizeof(*d.items), compare_items);
	}
	for (size_t i = 0; !err && i < d.n; i++) {
		struct nlattr *tb[MNMAP_A_MAX + 1] = { 0 };

		tb[order->nest] = d.items[i];
		err = print(ctl, tb, arg);
	}
	dump_items_free(&d);
	return err;
}

/* A dump that is the whole output: a JSON array of the objects. */
int ctl_dump(struct ctl *ctl, struct nl_msg *(*build)(struct ctl *, void *), void *arg,
	     int (*print)(struct ctl *, struct nlattr **, void *),
	     const struct dump_order *order)
{
	int err;

	print_open_array(NULL);
	err = ctl_dump_nested(ctl, build, arg, print, order);
	print_close_array();
	return err;
}

/*
 * LINE_AFTER: what configures outside the table (host set, container) runs
 * after the table's transaction commits, and only has its arguments
 * checked before.
 */
enum line_kind { LINE_EMPTY, LINE_TABLE, LINE_FLUSH, LINE_AFTER, LINE_READ };

/* A batch, read whole, each line's kind found once. */
struct batch {
	char **lines;
	enum line_kind *kinds;
	int n;
};

static void batch_free(struct batch *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->lines[i]);
	free(b->lines);
	free(b->kinds);
}

static int batch_read(FILE *f, struct batch *b)
{
	char *line = NULL;
	size_t cap = 0;
	int cap_lines = 0;

	while (getline(&line, &cap, f) > 0) {
		if (b->n == cap_lines) {
			char **lines;

			cap_lines = cap_lines ? 2 * cap_lines : 1024;
			lines = realloc(b->lines, cap_lines * sizeof(*lines));
			if (!lines) {
				free(line);
				return -ENOMEM;
			}
			b->lines = lines;
		}
		b->lines[b->n++] = line;
		line = NULL;
		cap = 0;
	}
	free(line);
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Split a line into words in place; '#' starts a comment. Returns argc, or
 * -1. A plain loop: strtok_r's SSE4.2 strspn/strcspn took 40% of a
 * 100k-line restore under QEMU's TCG, which emulates those instructions.
 */
static int split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static enum line_kind line_kind(int argc, char **argv)
{
	if (argc == 0)
		return LINE_EMPTY;
	if (!strcmp(argv[0], "flush"))
		return LINE_FLUSH;
	if (!strcmp(argv[0], "host"))
		return argc > 1 && !strcmp(argv[1], "set") ? LINE_AFTER : LINE_READ;
	if (!strcmp(argv[0], "container"))
		return LINE_AFTER;
	if (!strcmp(argv[0], "endpoint") || !strcmp(argv[0], "map"))
		return argc > 1 && (!strcmp(argv[1], "show") || !strcmp(argv[1], "list") ||
				    !strcmp(argv[1], "help")) ? LINE_READ : LINE_TABLE;
	return LINE_READ;
}

/* Run the lines of one kind (or, with @all, all but LINE_AFTER and flush). */
static int batch_pass(struct ctl *ctl, struct batch *b, enum line_kind only, bool all)
{
	char *argv[64], *copy;
	enum line_kind kind;
	int argc, err = 0;

	for (int i = 0; i < b->n && !err; i++) {
		kind = b->kinds[i];
		if (kind == LINE_EMPTY || kind == LINE_FLUSH ||
		    (all ? kind == LINE_AFTER : kind != only))
			continue;
		copy = strdup(b->lines[i]);
		if (!copy)
			return -ENOMEM;
		ctl->batch_line = i + 1;
		argc = split_words(copy, argv, 64);
		err = run_object(ctl, argc, argv);
		free(copy);
	}
	return err ?: batch_flush_pending(ctl);
}

/*
 * Find each line's kind; say whether the batch changes the table and
 * starts by emptying it.
 */
static int batch_classify(struct ctl *ctl, struct batch *b, bool *table, bool *replace)
{
	char *argv[64], *copy;
	enum line_kind kind;
	int argc;

	b->kinds = calloc(b->n ?: 1, sizeof(*b->kinds));
	if (!b->kinds)
		return -ENOMEM;
	for (int i = 0; i < b->n; i++) {
		copy = strdup(b->lines[i]);
		if (!copy)
			return -ENOMEM;
		ctl->batch_line = i + 1;
		argc = split_words(copy, argv, 64);
		kind = argc > 0 ? line_kind(argc, argv) : LINE_EMPTY;
		free(copy);
		if (argc < 0)
			return error(ctl, "too many words");
		if (kind == LINE_FLUSH && *table)
			return error(ctl, "flush must come before any endpoint or map line");
		if (kind == LINE_FLUSH)
			*replace = true;
		if (kind == LINE_FLUSH || kind == LINE_TABLE)
			*table = true;
		b->kinds[i] = kind;
	}
	return 0;
}

/*
 * Check lines without sending anything: every line for -c; otherwise the
 * lines that run after the commit, which must not fail once it is done.
 * The table's lines are checked as they are sent: the transaction they go
 * into is aborted at the first bad one, so nothing changes all the same,
 * and each line is parsed once (the second parse was a tenth of a restore).
 */
static int batch_check(struct ctl *ctl, struct batch *b, bool whole)
{
	int err;

	ctl->dry_run = true;
	err = (whole ? batch_pass(ctl, b, LINE_EMPTY, true) : 0) ?:
	      batch_pass(ctl, b, LINE_AFTER, false);
	ctl->dry_run = false;
	return err;
}

static int txn(struct ctl *ctl, int cmd, bool replace)
{
	struct nl_msg *msg = ctl_request(ctl, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (replace && nla_put_flag(msg, MNMAP_A_REPLACE)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return ctl_transact(ctl, msg, NULL, NULL);
}

/*
 * --etcd: every line, in order, edits the store; the edit is one etcd
 * transaction, redone from a fresh read when another writer came between.
 */
static int batch_store(struct ctl *ctl, struct batch *b, bool replace)
{
	int err = -EAGAIN;

	for (int tries = 0; tries < STORE_TRIES && err == -EAGAIN; tries++) {
		store_begin(ctl, tries);
		err = (replace ? store_flush(ctl) : 0) ?:
		      batch_pass(ctl, b, LINE_EMPTY, true) ?:
		      batch_pass(ctl, b, LINE_AFTER, false);
		if (!err) {
			ctl->batch_line = 0;
			err = store_commit(ctl);
		}
	}
	if (err == -EAGAIN)
		return error(ctl, "conflict: other writers changed the store %d times: nothing written",
			     STORE_TRIES);
	return err;
}

int batch_apply(struct ctl *ctl, const char *name, FILE *f)
{
	bool table = false, replace = false;
	struct batch b = { 0 };
	int err;

	ctl->batch_name = name;
	ctl->batch_line = 0;
	err = batch_read(f, &b) ?: batch_classify(ctl, &b, &table, &replace) ?:
	      batch_check(ctl, &b, ctl->check_only);
	if (err || ctl->check_only)
		goto out;
	if (ctl->store) {
		err = batch_store(ctl, &b, replace);
		goto out;
	}
	if (table) {
		ctl->batch_line = 0;
		err = txn(ctl, MNMAP_CMD_TXN_BEGIN, replace);
		if (err)
			goto out;
	}
	err = batch_pass(ctl, &b, LINE_EMPTY, true);
	if (table && !err) {
		ctl->batch_line = 0;
		err = txn(ctl, MNMAP_CMD_TXN_COMMIT, false);
	}
	if (table && err) {
		/* Keep the error that matters; closing the socket would abort too. */
		struct ctl quiet = *ctl;

		txn(&quiet, MNMAP_CMD_TXN_ABORT, false);
	}
	if (!err)
		err = batch_pass(ctl, &b, LINE_AFTER, false);
out:
	pending_free(ctl);
	batch_free(&b);
	ctl->batch_name = NULL;
	return err;
}

int batch_run(struct ctl *ctl, const char *name)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	int err;

	if (!f) {
		err = error(ctl, "cannot open '%s': %s", name, strerror(errno));
	} else {
		err = batch_apply(ctl, strcmp(name, "-") ? name : "stdin", f);
		if (f != stdin)
			fclose(f);
		/* report() names the line: keep the batch's name for it. */
		ctl->batch_name = strcmp(name, "-") ? name : "stdin";
	}
	if (err)
		report(ctl, err);
	return err;
}

/* mnmapctl flush: empty the table (every map and endpoint) in one step. */
int do_flush(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc > 0)
		return error(ctl, "flush: unexpected '%s'", argv[0]);
	if (ctl->store)
		return ctl->dry_run ? 0 : store_flush(ctl);
	if (ctl->dry_run || ctl->batch_name)
		return 0;	/* in a batch: the transaction starts empty */
	return txn(ctl, MNMAP_CMD_TXN_BEGIN, true) ?: txn(ctl, MNMAP_CMD_TXN_COMMIT, false);
}
