// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output from one set of calls. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "print.h"

#define MAX_DEPTH 16

static bool json, pretty;
static int depth;
/* Whether the container at each depth already holds a member. */
static bool has_member[MAX_DEPTH];

bool print_is_json(void)
{
	return json;
}

static void newline_indent(void)
{
	if (!pretty)
		return;
	putchar('\n');
	for (int i = 0; i < depth; i++)
		fputs("    ", stdout);
}

/* Separator and key for a new member of the current container. */
static void member(const char *key)
{
	if (has_member[depth])
		putchar(',');
	has_member[depth] = true;
	if (depth > 0)
		newline_indent();
	if (key)
		printf(pretty ? "\"%s\": " : "\"%s\":", key);
}

static void open_container(const char *key, char c)
{
	if (!json)
		return;
	member(key);
	putchar(c);
	if (depth < MAX_DEPTH - 1)
		has_member[++depth] = false;
}

static void close_container(char c)
{
	if (!json)
		return;
	bool had = has_member[depth];

	if (depth > 0)
		depth--;
	if (had)
		newline_indent();
	putchar(c);
}

void print_start(bool as_json, bool as_pretty)
{
	json = as_json;
	pretty = as_pretty;
	depth = 0;
	has_member[0] = false;
}

void print_end(void)
{
	if (json)
		putchar('\n');
	fflush(stdout);
}

void print_open_object(const char *key)
{
	open_container(key, '{');
}

void print_close_object(void)
{
	close_container('}');
}

void print_open_array(const char *key)
{
	open_container(key, '[');
}

void print_close_array(void)
{
	close_container(']');
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void print_string(const char *key, const char *fmt, const char *value)
{
	if (json) {
		member(key);
		json_string(value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_uint(const char *key, const char *fmt, uint64_t value)
{
	if (json) {
		member(key);
		printf("%" PRIu64, value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_bool(const char *key, const char *fmt, bool value)
{
	if (json) {
		member(key);
		fputs(value ? "true" : "false", stdout);
	} else if (fmt && value) {
		fputs(fmt, stdout);
	}
}

void print_text(const char *text)
{
	if (!json)
		fputs(text, stdout);
}
