// SPDX-License-Identifier: GPL-2.0
/*
 * What runs a command line, shared by mnmapctl and mnmapd (which feeds
 * the same grammar to the same code): the objects, errors, namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "parse.h"
#include "print.h"

void ctl_usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl [OPTIONS] OBJECT COMMAND [ARGS...]\n"
		"       mnmapctl [OPTIONS] [-c] -b FILE|-\n"
		"OBJECT := { endpoint | map | host | stats | flow | monitor | save | flush |\n"
		"            container | help }\n"
		"`mnmapctl OBJECT help` shows an object's commands.\n"
		"OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME | -b[atch] FILE | --etcd URL |\n"
		"             -c[heck] | -f[orce] | -V[ersion] | -h[elp] }\n");
}

int error(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctl->errmsg, sizeof(ctl->errmsg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int run_cmd(struct ctl *ctl, const struct cmd *cmds, const char *object,
	    void (*object_usage)(void), int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "help")) {
		object_usage();
		return argc == 0 ? error(ctl, "%s: missing command", object) : 0;
	}
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[0]))
			return c->fn(ctl, argc - 1, argv + 1);
	}
	object_usage();
	return error(ctl, "%s: unknown command '%s'", object, argv[0]);
}

int do_help(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	(void)argc;
	(void)argv;
	ctl_usage();
	return 0;
}

static const struct cmd objects[] = {
	{ "endpoint", do_endpoint },
	{ "map", do_map },
	{ "host", do_host },
	{ "monitor", do_monitor },
	{ "save", do_save },
	{ "stats", do_stats },
	{ "flow", do_flow },
	{ "flush", do_flush },
	{ "container", do_container },
	{ "help", do_help },
	{ NULL, NULL },
};

void report(struct ctl *ctl, int err)
{
	const char *why = ctl->errmsg[0] ? ctl->errmsg : strerror(-err);

	if (ctl->batch_name)
		fprintf(stderr, "mnmapctl: %s:%d: %s\n", ctl->batch_name,
			ctl->batch_line, why);
	else
		fprintf(stderr, "mnmapctl: %s\n", why);
}

/* What --etcd writes to the store: the table's changes, save and flush. */
static bool store_command(int argc, char **argv)
{
	static const char *const ok[][2] = {
		{ "endpoint", "add" }, { "endpoint", "set" }, { "endpoint", "del" },
		{ "map", "add" }, { "map", "set" }, { "map", "del" }, { "host", "set" },
		{ "save", NULL }, { "flush", NULL },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(argv[0], ok[i][0]) &&
		    (!ok[i][1] || (argc > 1 && !strcmp(argv[1], ok[i][1]))))
			return true;
	return false;
}

/* Run one command line; the caller reports an error. */
int run_object(struct ctl *ctl, int argc, char **argv)
{
	int err;

	ctl->errmsg[0] = '\0';
	if (ctl->store && argc > 0 && !store_command(argc, argv))
		return error(ctl, "with --etcd: endpoint add|set|del, map add|set|del, host set gateway, "
			     "save, flush");
	for (const struct cmd *o = objects; o->name; o++) {
		if (strcmp(o->name, argv[0]))
			continue;
		print_start(ctl->json, ctl->pretty);
		err = o->fn(ctl, argc - 1, argv + 1);
		if (!ctl->dry_run)
			print_end();
		return err;
	}
	ctl_usage();
	return error(ctl, "unknown object '%s'", argv[0]);
}

/*
 * Enter the network namespace at @path; with @back, *@back is then a
 * descriptor of the one left, to return to. Returns 0 or a negative errno.
 */
int netns_enter(const char *path, int *back)
{
	int fd, err = 0;

	if (back) {
		*back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (*back < 0)
			return -errno;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err && back)
		close(*back);
	return err;
}

