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

/* One command line as one edit of the store, redone on a conflict. */
static int store_run(struct ctl *ctl, int argc, char **argv)
{
	int err = -EAGAIN;

	for (int tries = 0; tries < STORE_TRIES && err == -EAGAIN; tries++) {
		store_begin(ctl, tries);
		err = run_object(ctl, argc, argv) ?: store_commit(ctl);
	}
	if (err == -EAGAIN)
		return error(ctl, "conflict: other writers changed the store %d times: nothing written",
			     STORE_TRIES);
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
		{ "etcd", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	const char *etcd = NULL;
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
		case 'h': ctl_usage(); return 0;
		case 'E': etcd = optarg; break;
		default: ctl_usage(); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (!batch && argc == 0) {
		ctl_usage();
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
	if (etcd && ctl.netns) {
		fprintf(stderr, "mnmapctl: --etcd writes the store, -n a namespace's table: not both\n");
		return 2;
	}
	/* Checking needs no kernel: nothing is sent. */
	err = etcd ? store_open(&ctl, etcd) : ctl.check_only ? 0 : ctl_connect(&ctl);
	if (err) {
		report(&ctl, err);
		return 1;
	}
	if (batch) {
		err = batch_run(&ctl, batch);
	} else {
		err = etcd ? store_run(&ctl, argc, argv) : run_object(&ctl, argc, argv);
		if (err)
			report(&ctl, err);
	}
	store_close(&ctl);
	ctl_close(&ctl);
	return err ? 1 : 0;
}
