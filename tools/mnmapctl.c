// SPDX-License-Identifier: GPL-2.0
/*
 * mnmapctl: configure mnmap over generic netlink, with an iproute2-like
 * grammar: mnmapctl [OPTIONS] OBJECT COMMAND [ARGS...]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

#define MNMAPCTL_VERSION "0.1.0"

static void usage(void)
{
	fprintf(stderr,
		"Usage: mnmapctl [OPTIONS] OBJECT COMMAND [ARGS...]\n"
		"       mnmapctl [OPTIONS] [-c] -b FILE|-\n"
		"OBJECT := { endpoint | map | host | stats | monitor | save | flush |\n"
		"            container | help }\n"
		"`mnmapctl OBJECT help` shows an object's commands.\n"
		"OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME | -b[atch] FILE |\n"
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

static int do_help(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	(void)argc;
	(void)argv;
	usage();
	return 0;
}

static const struct cmd objects[] = {
	{ "endpoint", do_endpoint },
	{ "map", do_map },
	{ "host", do_host },
	{ "monitor", do_monitor },
	{ "save", do_save },
	{ "stats", do_stats },
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

/* Run one command line; the caller reports an error. */
int run_object(struct ctl *ctl, int argc, char **argv)
{
	int err;

	ctl->errmsg[0] = '\0';
	for (const struct cmd *o = objects; o->name; o++) {
		if (strcmp(o->name, argv[0]))
			continue;
		print_start(ctl->json, ctl->pretty);
		err = o->fn(ctl, argc - 1, argv + 1);
		if (!ctl->dry_run)
			print_end();
		return err;
	}
	usage();
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

static int enter_netns(const char *name)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	err = netns_enter(path, NULL);
	if (err)
		fprintf(stderr, "mnmapctl: cannot enter network namespace '%s': %s\n",
			name, strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { 0 };
	const char *batch = NULL;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "+jpn:b:fcVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': ctl.json = true; break;
		case 'p': ctl.pretty = true; break;
		case 'n': ctl.netns = optarg; break;
		case 'b': batch = optarg; break;
		case 'f': ctl.force = true; break;
		case 'c': ctl.check_only = true; break;
		case 'V': printf("mnmapctl " MNMAPCTL_VERSION "\n"); return 0;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (!batch && argc == 0) {
		usage();
		return 2;
	}
	if (ctl.netns && enter_netns(ctl.netns))
		return 1;
	if (argc > 0 && matches(argv[0], "help"))
		return do_help(&ctl, 0, NULL);
	if (ctl.check_only && (!batch || argc > 0)) {
		fprintf(stderr, "mnmapctl: -c checks a batch: use it with -b FILE alone\n");
		return 2;
	}
	/* Checking needs no kernel: nothing is sent. */
	err = ctl.check_only ? 0 : ctl_connect(&ctl);
	if (err) {
		report(&ctl, err);
		return 1;
	}
	if (batch) {
		err = batch_run(&ctl, batch);
	} else {
		err = run_object(&ctl, argc, argv);
		if (err)
			report(&ctl, err);
	}
	ctl_close(&ctl);
	return err ? 1 : 0;
}
