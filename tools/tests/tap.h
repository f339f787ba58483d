/* SPDX-License-Identifier: GPL-2.0 */
/* TAP for the unit tests: define TAP_NAME, then check() each case. */
#ifndef MNMAP_TAP_H
#define MNMAP_TAP_H

#include <stdio.h>

static int num, failed;

static void check(int cond, const char *what)
{
	num++;
	if (!cond)
		failed++;
	printf("%sok %d - " TAP_NAME ": %s\n", cond ? "" : "not ", num, what);
}

#endif
