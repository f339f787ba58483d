/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAPCTL_CTL_H
#define MNMAPCTL_CTL_H

#include <stdbool.h>

struct nl_sock;

/* State of one mnmapctl run, shared by every object's commands. */
struct ctl {
	bool json;
	bool pretty;
	bool force;
	const char *netns;
	struct nl_sock *sock;
	int family;
	/* Set while reading a batch: errors name the line. */
	const char *batch_name;
	int batch_line;
	/* Kernel's extack message for the last failed request, if any. */
	char errmsg[256];
};

/* One command of an object: `mnmapctl OBJECT NAME ARGS...`. */
struct cmd {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
};

int run_cmd(struct ctl *ctl, const struct cmd *cmds, const char *object,
	    void (*usage)(void), int argc, char **argv);
int error(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int do_host(struct ctl *ctl, int argc, char **argv);
int do_monitor(struct ctl *ctl, int argc, char **argv);

struct nlattr;
/* Printers of objects in replies and events. */
int print_host(struct ctl *ctl, struct nlattr **tb, void *arg);

#endif
